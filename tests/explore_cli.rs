//! `cellspace embed --tsne` on the bundled NB201 model: the CSV's columns, and bad options
//! refused with a message.

use std::process::Command;

/// `cellspace embed` of the bundled NB201 model on the CPU backend.
fn embed_nb201() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cellspace"));
    c.env("BURN_DEVICE", "flex").args([
        "embed",
        "--run",
        "assets/models/svge-nb201",
        "--backend",
        "cpu",
    ]);
    c
}

#[test]
fn embed_with_tsne_writes_both_maps_for_every_cell() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("nb201.csv");
    let out = embed_nb201()
        .args(["--tsne", "--tsne-epochs", "60", "--json", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cells"], 15_625);
    assert!(report["tsne_seconds"].as_f64().unwrap() > 0.0);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 1 + 56 + 5);
    assert_eq!(header[0], "id");
    assert_eq!(header[1], "z0");
    assert_eq!(header[56], "z55");
    assert_eq!(&header[57..], &["pc1", "pc2", "tsne1", "tsne2", "accuracy"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 15_625);
    let (mut x_min, mut x_max) = (f64::MAX, f64::MIN);
    for row in &rows {
        assert_eq!(row.len(), header.len());
        let x: f64 = row[59].parse().unwrap();
        let y: f64 = row[60].parse().unwrap();
        assert!(x.is_finite() && y.is_finite());
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        let acc: f64 = row[61].parse().unwrap();
        assert!((0.0..=100.0).contains(&acc));
    }
    // The map has spread out from its PCA start (standard deviation 1e-4, a range under 1e-3).
    assert!(x_max - x_min > 1e-2, "{x_min}..{x_max}");
}

#[test]
fn embed_refuses_bad_tsne_options() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        ["--perplexity", "0"],
        ["--perplexity", "NaN"],
        ["--tsne-epochs", "0"],
    ] {
        let out = embed_nb201()
            .arg("--tsne")
            .args(bad)
            .arg("--out")
            .arg(dir.path().join("x.csv"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains("panicked") && (err.contains("perplexity") || err.contains("epochs")),
            "{bad:?}: {err}"
        );
    }
}
