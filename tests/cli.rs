//! The binary end to end: sub-commands, `--json` output, errors on bad input.

use std::process::Command;

fn cellspace(args: &[&str]) -> std::process::Output {
    let cache = std::env::temp_dir().join(format!("cellspace-cli-test-{}", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .args(args)
        .env("CELLSPACE_CACHE", cache)
        .output()
        .expect("the binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = cellspace(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

#[test]
fn data_reports_counts() {
    let enas = json(&["data", "--space", "enas", "--json"]);
    assert_eq!(enas["cells"], 19_020);
    assert_eq!(enas["test"], 1_902);
    assert_eq!(
        enas["best"]["cell"]["arc"],
        "2 5 0 4 0 0 0 0 0 1 5 1 0 0 0 2 0 0 1 1 0"
    );
    let nb201 = json(&["data", "--space", "nb201", "--json"]);
    assert_eq!(nb201["cells"], 15_625);
    assert_eq!(nb201["best"]["id"], "6111");
    let histogram = nb201["op_histogram"].as_object().unwrap();
    assert_eq!(
        histogram.values().map(|v| v.as_u64().unwrap()).sum::<u64>(),
        15_625 * 6
    );
}

#[test]
fn stats_prints_both_correlations() {
    let stats = json(&["stats", "--space", "enas", "--json"]);
    assert_eq!(stats["cells"], 19_020);
    let apl = stats["pearson_avg_path_length"].as_f64().unwrap();
    let cc = stats["pearson_clustering"].as_f64().unwrap();
    // Same signs as the paper's 0.32 / -0.39.
    assert!(apl > 0.0 && cc < 0.0, "r = {apl}, {cc}");
    let text = cellspace(&["stats", "--space", "enas"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("+0.32") && text.contains("-0.39"), "{text}");
}

#[test]
fn a_bad_user_file_is_an_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.csv");
    std::fs::write(
        &path,
        "line,dvae_used,ops,skips,arc,acc\n0,1,145023,0001111,1 4,0.73\n",
    )
    .unwrap();
    let out = cellspace(&["data", "--space", "enas", "--file", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.csv:2:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let missing = cellspace(&[
        "data",
        "--space",
        "nb201",
        "--file",
        "/nonexistent/nb201.csv",
    ]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/nb201.csv"));
}

#[test]
fn every_sub_command_has_help() {
    for sub in ["data", "stats"] {
        let out = cellspace(&[sub, "--help"]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("--json"));
    }
}
