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
    // The values computed from the bundled table (measured once: 0.31846 / -0.39519; the
    // paper rounds them to 0.32 / -0.39), so a change to the properties or to Pearson's r
    // shows here.
    assert!((apl - 0.318_462).abs() < 1e-5, "r(path length) = {apl}");
    assert!((cc + 0.395_188).abs() < 1e-5, "r(clustering) = {cc}");
    // The table prints cellspace's figures, not only the paper's.
    let text = cellspace(&["stats", "--space", "enas"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("+0.318") && text.contains("-0.395"), "{text}");
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
    let subs = [
        "data",
        "stats",
        "train",
        "eval",
        "bench",
        "embed",
        "walk",
        "grid",
        "predict",
        "bo",
        "finetune",
        "halve",
        "extrapolate",
        "compare",
        "tables",
        "figures",
        "gui",
    ];
    // The list is the CLI's: `cellspace --help` names each of them and no other.
    let top = cellspace(&["--help"]);
    let top = String::from_utf8_lossy(&top.stdout).to_string();
    let listed: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(listed, subs, "{top}");
    for sub in subs {
        let out = cellspace(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help failed");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("Usage: cellspace {sub}")),
            "{sub}: {text}"
        );
        // Every job that computes figures can print them as JSON; the window cannot.
        assert_eq!(text.contains("--json"), sub != "gui", "{sub}: {text}");
    }
}

#[test]
fn commands_that_compute_nothing_on_a_device_are_quiet() {
    // No display, no XDG_RUNTIME_DIR: the GPU probe printed a line here; `data` must not probe.
    let out = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .args(["data", "--space", "enas"])
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("BURN_DEVICE")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "data wrote to stderr"
    );
    assert!(!out.stdout.is_empty());
}

/// `eval --json` of `run` on 4 test graphs, one sample and decoding each, 8 prior points.
fn tiny_eval(run: &str, readout: &str) -> serde_json::Value {
    json(&[
        "eval",
        "--run",
        run,
        "--backend",
        "cpu",
        "--test-limit",
        "4",
        "--samples",
        "1",
        "--decodes",
        "1",
        "--prior",
        "8",
        "--readout",
        readout,
        "--json",
    ])
}

#[test]
fn train_then_eval_a_tiny_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let run = run.to_str().unwrap();
    let trained = json(&[
        "train",
        "--space",
        "nb201",
        "--epochs",
        "2",
        "--train-limit",
        "16",
        "--test-limit",
        "8",
        "--hidden",
        "32",
        "--batch-size",
        "8",
        "--backend",
        "cpu",
        "--out",
        run,
        "--json",
    ]);
    assert_eq!(trained["epochs"], 2);
    assert_eq!(trained["status"], "finished");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/run.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["config"]["space"], "nb201");
    assert_eq!(manifest["epochs"].as_array().unwrap().len(), 2);
    let metrics = tiny_eval(run, "union");
    assert_eq!(metrics["protocol"]["readout"], "union");
    assert_eq!(metrics["test_graphs"], 4);
    // 4 graphs x 1 sample x 1 decoding, 4 from the mean, 8 prior points x 1 decoding.
    assert_eq!(metrics["decodings"], 4 + 4 + 8);
    for key in [
        "reconstruction_accuracy",
        "reconstruction_accuracy_mean",
        "validity",
        "uniqueness",
        "novelty",
    ] {
        let v = metrics[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    // Every invalid prior decoding is counted under the rule it breaks, most frequent first.
    let reasons = metrics["invalid"].as_array().unwrap();
    let counts: Vec<u64> = reasons
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .collect();
    let invalid = (8.0 * (1.0 - metrics["validity"].as_f64().unwrap())).round() as u64;
    assert_eq!(counts.iter().sum::<u64>(), invalid, "{reasons:?}");
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| !r["reason"].as_str().unwrap().is_empty()),
        "{reasons:?}"
    );
    // The figures are kept in the run folder, naming the weights they measured.
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/eval.json")).unwrap())
            .unwrap();
    assert_eq!(kept["metrics"]["validity"], metrics["validity"]);
    assert_eq!(kept["model_md5"].as_str().unwrap().len(), 32);
    // The protocol is seeded: the same run evaluates to the same figures.
    let again = tiny_eval(run, "union");
    for key in [
        "reconstruction_accuracy",
        "validity",
        "uniqueness",
        "novelty",
    ] {
        assert_eq!(metrics[key], again[key], "{key}");
    }
    // One decoding direction alone, recorded in the protocol.
    let forward = tiny_eval(run, "forward");
    assert_eq!(forward["protocol"]["readout"], "forward");
    let v = forward["reconstruction_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&v), "forward reconstruction = {v}");

    // Resuming with other settings is refused, naming each difference.
    let refused = cellspace(&["train", "--resume", run, "--lr", "0.5", "--batch-size", "4"]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("learning_rate is 0.5") && err.contains("batch_size is 4"),
        "{err}"
    );
    // Resuming to more epochs continues the same run: its first two epochs are kept as they
    // were, a third is added.
    let resumed = json(&[
        "train",
        "--resume",
        run,
        "--epochs",
        "3",
        "--backend",
        "cpu",
        "--json",
    ]);
    assert_eq!(resumed["epochs"], 3);
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/run.json")).unwrap())
            .unwrap();
    assert_eq!(after["epochs"][0], manifest["epochs"][0]);
    assert_eq!(after["epochs"][1], manifest["epochs"][1]);
    assert_eq!(after["epochs"][2]["epoch"], 2);
    assert_eq!(after["config"]["epochs"], 3);

    // Compared with a D-VAE run on the same space: the kept figures no longer match the resumed
    // weights (said, not shown); the D-VAE run was never evaluated (said too).
    let other = dir.path().join("dvae");
    let other = other.to_str().unwrap();
    let trained = json(&[
        "train",
        "--space",
        "nb201",
        "--model",
        "dvae",
        "--epochs",
        "1",
        "--train-limit",
        "16",
        "--test-limit",
        "8",
        "--hidden",
        "16",
        "--batch-size",
        "8",
        "--backend",
        "cpu",
        "--out",
        other,
        "--json",
    ]);
    assert_eq!(trained["status"], "finished");
    let compared = json(&[
        "compare",
        "--runs",
        run,
        other,
        "--gp-runs",
        "1",
        "--walks",
        "2",
        "--steps",
        "6",
        "--queries",
        "30",
        "--backend",
        "cpu",
        "--json",
    ]);
    assert_eq!(compared["space"], "nb201");
    let runs = compared["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["model"], "dvae");
    let stale = runs[0]["eval"]["Err"].as_str().unwrap();
    assert!(stale.contains("measured other weights"), "{stale}");
    let never = runs[1]["eval"]["Err"].as_str().unwrap();
    assert!(never.contains("not evaluated yet"), "{never}");
    for r in runs {
        let within = r["smoothness"]["neighbours_within"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&within), "{r}");
        assert!(
            r["smoothness"]["random_edit"].as_f64().unwrap() > 0.0,
            "{r}"
        );
        assert!(r["gp_rmse"][0].as_f64().unwrap() > 0.0, "{r}");
    }
    let rows = compared["rows"].as_array().unwrap();
    assert!(
        rows.iter()
            .all(|r| r["values"].as_array().unwrap().len() == 2)
    );
    // Runs of two spaces are refused before any work.
    let mixed = cellspace(&["compare", "--runs", run, "assets/models/svge-enas"]);
    assert!(!mixed.status.success());
    let err = String::from_utf8_lossy(&mixed.stderr);
    assert!(err.contains("must share a space"), "{err}");
}

/// `compare --space` takes every bundled model of the space, whatever is bundled.
#[test]
fn compare_by_space_lists_every_bundled_model_of_it() {
    let bundled: Vec<String> = std::fs::read_dir("assets/models")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with("-nb201"))
        .collect();
    assert!(bundled.len() >= 2, "{bundled:?}");
    let compared = json(&[
        "compare",
        "--space",
        "nb201",
        "--gp-runs",
        "0",
        "--walks",
        "1",
        "--steps",
        "4",
        "--queries",
        "20",
        "--backend",
        "cpu",
        "--json",
    ]);
    let runs = compared["runs"].as_array().unwrap();
    let mut names: Vec<String> = runs
        .iter()
        .map(|r| {
            let path = r["run"].as_str().unwrap_or_else(|| panic!("{r}"));
            path.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    names.sort();
    let mut expected = bundled.clone();
    expected.sort();
    assert_eq!(names, expected);
    let both = cellspace(&["compare", "--space", "nb201", "--runs", "a", "b"]);
    assert!(!both.status.success());
}

#[test]
fn a_diverging_run_stops_with_a_clear_message_and_keeps_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let out = cellspace(&[
        "train",
        "--space",
        "enas",
        "--epochs",
        "30",
        "--train-limit",
        "16",
        "--test-limit",
        "4",
        "--hidden",
        "32",
        "--batch-size",
        "8",
        "--lr",
        "1e6",
        "--backend",
        "cpu",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the loss became") && err.contains("training stopped"),
        "{err}"
    );
    let manifest = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(manifest.contains("failed: loss"), "{manifest}");
    // Whoever opens it (explorer, eval) is told, with the epochs its weights are from.
    let manifest = cellspace::train::RunManifest::read(&run).unwrap();
    let told = manifest.failure().unwrap();
    let epochs = format!("after {} epochs", manifest.completed_epochs());
    assert!(
        told.contains("training failed (loss") && told.contains(&epochs),
        "{told}"
    );
}

#[test]
fn eval_of_a_missing_run_names_it() {
    let out = cellspace(&["eval", "--run", "/nonexistent/run", "--backend", "cpu"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/run"));
}

#[test]
fn dvae_emb_trains_in_rounds() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let trained = json(&[
        "train",
        "--space",
        "enas",
        "--model",
        "dvae-emb",
        "--rounds",
        "2",
        "--epochs",
        "2",
        "--train-limit",
        "8",
        "--test-limit",
        "4",
        "--hidden",
        "16",
        "--batch-size",
        "8",
        "--backend",
        "cpu",
        "--out",
        run.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(trained["epochs"], 2);
    let manifest = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(manifest.contains("\"embedding_rounds\": 2"), "{manifest}");
    // D-VAE decodes in one direction: asking for SVGe's backward pass is a clear error.
    let out = cellspace(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--backend",
        "cpu",
        "--readout",
        "backward",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs an SVGe run") && err.contains("dvae-emb"),
        "{err}"
    );
}

/// `bench --json` says how long a user waits for the first training batch: from the process's
/// start (so it holds the data loading before it) and for the batch alone.
#[test]
fn bench_reports_the_wait_for_the_first_batch() {
    let out = json(&[
        "bench",
        "--space",
        "nb201",
        "--models",
        "svge",
        "--backends",
        "cpu",
        "--train-batches",
        "1",
        "--graphs",
        "64",
        "--json",
    ]);
    let row = &out["rows"][0];
    assert_eq!(row["model"], "svge");
    let since_start = row["first_batch_seconds"].as_f64().unwrap();
    let batch = row["first_batch_step_seconds"].as_f64().unwrap();
    assert!(batch > 0.0 && since_start > batch, "{row}");
    for key in [
        "train_graphs_per_second",
        "encode_graphs_per_second",
        "decode_graphs_per_second",
    ] {
        assert!(row[key].as_f64().unwrap() > 0.0, "{key}: {row}");
    }
}

/// `halve` rewrites a bundle's weights in f16 only where the figures hold: with a tolerance no
/// change can meet, the f32 file stays as it was; otherwise it shrinks to about half and the
/// run still opens.
#[test]
fn halve_keeps_the_f32_weights_unless_the_figures_hold() {
    let dir = tempfile::tempdir().unwrap();
    let run = bundled_nb201_copy(dir.path(), &["run.json", "model.bpk"]);
    let weights = run.join("model.bpk");
    let before = std::fs::read(&weights).unwrap();
    let run_arg = run.to_str().unwrap();
    let args = ["halve", "--run", run_arg, "--test-cells", "100"];
    let refused = cellspace(&[&args[..], &["--tolerance=-1"]].concat());
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("the f32 weights are kept"), "{err}");
    assert_eq!(std::fs::read(&weights).unwrap(), before);

    let done = cellspace(&args);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let after = std::fs::metadata(&weights).unwrap().len() as f64;
    let ratio = after / before.len() as f64;
    assert!((0.45..0.6).contains(&ratio), "{ratio}");
    let v = json(&[
        "eval",
        "--run",
        run_arg,
        "--backend",
        "cpu",
        "--samples",
        "1",
        "--decodes",
        "1",
        "--prior",
        "50",
        "--test-limit",
        "100",
        "--json",
    ]);
    assert!(
        v["reconstruction_accuracy_mean"].as_f64().unwrap() > 0.95,
        "{v}"
    );
}

/// `tables --table ii` prints Table II alone: one row per model the paper prints there, and
/// nothing is evaluated.
#[test]
fn tables_prints_only_the_tables_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().to_str().unwrap();
    let v = json(&["tables", "--table", "ii", "--json", "--models", models]);
    let rows = v["rows"].as_array().unwrap();
    let tables: Vec<&str> = rows.iter().map(|r| r["table"].as_str().unwrap()).collect();
    assert_eq!(tables, ["SVGe paper, Table II"; 3], "{v}");
    let bad = cellspace(&["tables", "--table", "iv"]);
    assert!(!bad.status.success());
}

/// A small `eval` of a bundled model prints its figures but leaves the run's eval.json, which
/// holds the same weights' figures by the reference protocol, as it was.
#[test]
fn a_small_eval_never_replaces_the_reference_record() {
    let dir = tempfile::tempdir().unwrap();
    let run = bundled_nb201_copy(dir.path(), &["run.json", "model.bpk", "eval.json"]);
    let before = std::fs::read(run.join("eval.json")).unwrap();
    let out = cellspace(&[
        "eval",
        "--run",
        run.to_str().unwrap(),
        "--backend",
        "cpu",
        "--samples",
        "1",
        "--decodes",
        "1",
        "--prior",
        "20",
        "--test-limit",
        "10",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not kept"));
    assert_eq!(std::fs::read(run.join("eval.json")).unwrap(), before);
}

/// `files` of the bundled SVGe NB201 model copied into `dir/svge-nb201`, a run folder a test may
/// change.
fn bundled_nb201_copy(dir: &std::path::Path, files: &[&str]) -> std::path::PathBuf {
    let run = dir.join("svge-nb201");
    std::fs::create_dir(&run).unwrap();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/svge-nb201");
    for file in files {
        std::fs::copy(here.join(file), run.join(file)).unwrap();
    }
    run
}
