//! `cellspace embed --tsne` on the bundled NB201 model: the CSV's columns, and bad options
//! refused with a message.

use std::process::Command;

use cellspace::model::ModelKind;

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
    let report = json_output(out, "embed --tsne");
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

/// `cellspace ARGS --run <bundled NB201 model> --backend cpu --json`, parsed.
fn on_nb201(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args(args)
        .args([
            "--run",
            "assets/models/svge-nb201",
            "--backend",
            "cpu",
            "--json",
        ])
        .output()
        .unwrap();
    json_output(out, &format!("{args:?}"))
}

/// The JSON a successful command printed; a failure shows its stderr (after `what`).
fn json_output(out: std::process::Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn walk_and_grid_decode_the_bundled_model() {
    let walk = on_nb201(&["walk", "--from", "6111", "--steps", "8"]);
    let steps = walk["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    // The circle starts at the cell itself (the bundled model reconstructs it).
    assert_eq!(steps[0]["id"], "6111");
    assert!(steps[0]["edit_distance"].is_null());
    let valid = steps.iter().filter(|s| s["valid"] == true).count();
    assert!(valid >= 4, "{valid} of 8 steps valid");
    for s in steps.iter().skip(1).filter(|s| s["valid"] == true) {
        assert!(
            s["accuracy"].as_f64().is_some(),
            "NB201 cells are all labelled: {s}"
        );
    }
    // A decoded cell that is not valid names the rule it breaks; a valid one names none.
    for s in steps {
        let invalid_cell = s["valid"] == false && !s["cell"].is_null();
        assert_eq!(s["invalid_reason"].is_string(), invalid_cell, "{s}");
    }
    let line = on_nb201(&["walk", "--from", "6111", "--to", "0", "--steps", "5"]);
    let steps = line["steps"].as_array().unwrap();
    assert_eq!(
        (steps[0]["id"].clone(), steps[4]["id"].clone()),
        ("6111".into(), "0".into())
    );

    let grid = on_nb201(&["grid", "--size", "4"]);
    assert_eq!(grid["points"].as_array().unwrap().len(), 16);
    let distinct = grid["distinct_cells"].as_u64().unwrap();
    assert!((2..=16).contains(&distinct), "{distinct}");
    assert!(grid["valid"].as_u64().unwrap() >= 8);
}

#[test]
fn predict_and_bo_run_on_the_bundled_model() {
    let predict = on_nb201(&[
        "predict",
        "--inducing",
        "300",
        "--hyper-points",
        "500",
        "--gp-iterations",
        "30",
    ]);
    assert_eq!(predict["test"], 1_563);
    let (rmse, r) = (
        predict["rmse"].as_f64().unwrap(),
        predict["pearson"].as_f64().unwrap(),
    );
    // Far better than the mean (standardised RMSE 1, r 0) even this small (measured: 0.674 /
    // 0.752; the full-size GP gives 0.545 / 0.847).
    assert!(rmse < 0.75 && r > 0.65, "rmse {rmse}, r {r}");

    let bo = on_nb201(&[
        "bo",
        "--rounds",
        "2",
        "--batch",
        "5",
        "--initial",
        "50",
        "--inducing",
        "50",
        "--hyper-points",
        "50",
        "--gp-iterations",
        "5",
        "--seed",
        "3",
    ]);
    assert_eq!(bo["evaluated"], 10);
    assert_eq!(bo["rounds"].as_array().unwrap().len(), 2);
    let (start, best) = (
        bo["initial_best"].as_f64().unwrap(),
        bo["best_accuracy"].as_f64().unwrap(),
    );
    assert!(best >= start && best <= 94.38, "{start} -> {best}");
    let rank = bo["best_rank"].as_u64().unwrap();
    assert!((1..=15_625).contains(&rank));

    // Pool BO: labelled cells queried by expected improvement, beside random search.
    let pool = on_nb201(&[
        "bo",
        "--pool",
        "--seeds",
        "2",
        "--rounds",
        "2",
        "--batch",
        "10",
        "--initial",
        "30",
    ]);
    let c = &pool["comparison"];
    assert_eq!(c["pool"], 15_625);
    assert_eq!(c["queries"], 50);
    assert_eq!(c["bo"]["runs"], 2);
    let oracle = c["oracle"].as_f64().unwrap();
    assert!((oracle - 94.37).abs() < 0.01, "{oracle}");
    for k in ["bo", "random"] {
        let m = c[k]["mean"].as_f64().unwrap();
        assert!(m <= oracle && m > 85.0, "{k}: {m}");
    }
}

#[test]
fn tables_put_our_figures_beside_the_papers_and_name_missing_models() {
    // Two of the bundled models, to keep the test short: the others are named as missing.
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir(&models).unwrap();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
    for name in ["svge-nb201", "dvae-enas"] {
        std::os::unix::fs::symlink(here.join(name), models.join(name)).unwrap();
    }
    // Table II reads the fine-tuned predictors' records alone.
    let finetuned = models.join("svge-nb101/finetune-1000");
    std::fs::create_dir_all(&finetuned).unwrap();
    let record = here.join("svge-nb101/finetune-1000/predictor.json");
    std::fs::copy(record, finetuned.join("predictor.json")).unwrap();
    let out = dir.path().join("tables.md");
    let o = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args(["tables", "--quick", "--json", "--models"])
        .arg(&models)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let v = json_output(o, "tables");
    let rows = v["rows"].as_array().unwrap();
    // One row per published figure set of the model registry.
    let published: usize = ModelKind::ALL
        .iter()
        .map(|m| m.spec().published.len())
        .sum();
    assert_eq!(rows.len(), published);
    let row = |table: &str, model: &str, space: &str| {
        rows.iter()
            .find(|r| {
                r["table"].as_str().unwrap().starts_with(table)
                    && r["model"] == model
                    && r["space"] == space
            })
            .unwrap_or_else(|| panic!("no row {table} {model} {space}"))
    };
    // The bundled SVGe NB201 model is evaluated, beside the paper's Table I.
    let r = row("SVGe", "svge", "nb201");
    let ours = r["ours"]["reconstruction"].as_f64().unwrap();
    assert!((95.0..=100.0).contains(&ours), "nb201: {ours}");
    assert!(r["paper"]["reconstruction"].as_f64().unwrap() > 99.0);
    // D-VAE is in both papers' tables; the operation-embeddings one adds the GP figures.
    let dvae = row("Operation", "dvae", "enas");
    let rmse = dvae["ours"]["rmse"].as_array().unwrap();
    // Mean and standard deviation over the GP's seeds: two seeds draw different inducing
    // points, so the spread is above zero and well below the mean.
    let (mean, std) = (rmse[0].as_f64().unwrap(), rmse[1].as_f64().unwrap());
    assert!(
        mean > 0.0 && std > 0.0 && std < mean / 2.0,
        "rmse {mean} ± {std}"
    );
    assert_eq!(dvae["paper"]["rmse"], 0.384);
    assert!(
        row("SVGe", "dvae", "enas")["ours"]["validity"]
            .as_f64()
            .is_some()
    );
    // Models not there are named as such, with the paper's figures kept.
    for (table, model, space) in [("SVGe", "svge", "enas"), ("Operation", "gcn-emb", "enas")] {
        let r = row(table, model, space);
        let missing = r["missing"].as_str().unwrap();
        assert!(missing.contains(&format!("{model}-{space}")), "{missing}");
        assert!(r["paper"]["reconstruction"].as_f64().is_some());
    }
    // Table II: a row per model the paper prints, each labelled-cell count a column.
    let table_ii = |model: &str| row("SVGe paper, Table II", model, "nb101")["columns"].clone();
    let svge = table_ii("svge");
    assert_eq!(svge[0]["labels"], 1000);
    assert_eq!(svge[0]["paper"]["mse"], 0.0028);
    let mse = svge[0]["ours"]["mse"].as_f64().unwrap();
    assert!(mse > 0.0 && mse < 0.01, "{mse}");
    assert_eq!(svge[0]["ours"]["pearson"].as_array().unwrap().len(), 3);
    let why = svge[2]["missing"].as_str().unwrap();
    assert!(why.contains("20,276"), "{why}");
    for model in ["dvae", "dgmg"] {
        let why = table_ii(model)[0]["missing"].as_str().unwrap().to_string();
        assert!(why.contains(&format!("{model}-nb101")), "{why}");
    }
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(
        md.contains("### SVGe paper, Table I") && md.contains("| svge | nb201 |"),
        "{md}"
    );
}

#[test]
fn finetune_saves_a_predictor_and_extrapolate_explains_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("predictor");
    let out_arg = out.to_str().unwrap();
    let v = on_nb201(&[
        "finetune", "--labels", "40", "--runs", "2", "--epochs", "2", "--out", out_arg,
    ]);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for r in runs {
        assert_eq!(r["train_cells"], 40);
        assert_eq!(r["test_cells"], 1563, "every NB201 test cell is labelled");
        assert!(r["test_mse"].as_f64().unwrap().is_finite());
    }
    assert_ne!(runs[0]["seed"], runs[1]["seed"]);
    assert!(v["mse_mean"].as_f64().unwrap() > 0.0);
    assert!(out.join("predictor.json").is_file() && out.join("predictor.bpk").is_file());

    // A predictor folder halves too, checked by its predictions, and still loads.
    let weights = out.join("predictor.bpk");
    let full = std::fs::metadata(&weights).unwrap().len() as f64;
    let o = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args(["halve", "--run", out_arg])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ratio = std::fs::metadata(&weights).unwrap().len() as f64 / full;
    assert!((0.45..0.6).contains(&ratio), "{ratio}");
    let device = burn::tensor::Device::flex();
    cellspace::train::finetune::load_predictor(&out, &device).unwrap();

    // Extrapolation grows NB101 cells: an NB201 predictor is refused, with the reason.
    let o = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args([
            "extrapolate",
            "--run",
            "assets/models/svge-nb201",
            "--backend",
            "cpu",
        ])
        .args(["--predictor", out_arg])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("NAS-Bench-101"), "{err}");
    // Without one, it says how to make one.
    let o = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args([
            "extrapolate",
            "--run",
            "assets/models/svge-nb201",
            "--backend",
            "cpu",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cellspace finetune"), "{err}");
}

/// `bo --trials N --keep`: N seeded trials, kept in the run folder for `tables` (Table III).
#[test]
fn bo_trials_are_kept_in_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("svge-nb201");
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/svge-nb201");
    copy_dir(&here, &run);
    let small = [
        "--rounds",
        "1",
        "--batch",
        "3",
        "--initial",
        "30",
        "--inducing",
        "30",
        "--hyper-points",
        "30",
        "--gp-iterations",
        "3",
        "--candidates",
        "200",
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args([
            "bo",
            "--trials",
            "2",
            "--seed",
            "5",
            "--keep",
            "--backend",
            "cpu",
            "--json",
        ])
        .args(small)
        .arg("--run")
        .arg(&run)
        .output()
        .unwrap();
    let v = json_output(out, "bo --trials 2 --keep");
    let trials = v["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 2);
    assert_eq!(
        (trials[0]["seed"].as_u64(), trials[1]["seed"].as_u64()),
        (Some(5), Some(6))
    );
    let manifest = cellspace::train::RunManifest::read(&run).unwrap();
    let weights = cellspace::train::model_file(&run, &manifest);
    let kept = cellspace::run::bo_record::load(&run, &weights)
        .unwrap()
        .unwrap();
    assert_eq!(kept.trials.len(), 2);
    let (mean, _) = kept.best_mean_std();
    assert_eq!(v["best_mean"].as_f64().unwrap(), mean);
    assert!(
        kept.trials
            .iter()
            .all(|t| t.best >= t.initial_best && t.evaluated == 3)
    );
    // No trial is no record.
    let o = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args(["bo", "--trials", "0", "--keep", "--backend", "cpu"])
        .args(small)
        .arg("--run")
        .arg(&run)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--trials"));
}

/// NB101 (SVGe paper, section IV-D): BO's decoded cells are mostly unlabelled; with
/// `--estimate-unlabelled` the bundled fine-tuned predictor values them, as estimates that
/// never count as the best. Encodes all 423,624 cells once (about a minute on two cores).
#[test]
fn bo_on_nb101_values_unlabelled_cells_by_the_fine_tuned_predictor() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the bundled model, so the latent cache is written outside the source tree.
    let run = dir.path().join("svge-nb101");
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/svge-nb101");
    copy_dir(&here, &run);
    let out = Command::new(env!("CARGO_BIN_EXE_cellspace"))
        .env("BURN_DEVICE", "flex")
        .args([
            "bo",
            "--estimate-unlabelled",
            "--initial",
            "50",
            "--rounds",
            "1",
        ])
        .args([
            "--batch",
            "8",
            "--candidates",
            "500",
            "--backend",
            "cpu",
            "--json",
        ])
        .arg("--run")
        .arg(&run)
        .output()
        .unwrap();
    let v = json_output(out, "bo --estimate-unlabelled");
    assert!(v["estimated"].as_u64().unwrap() >= 1, "{v}");
    // The best is a measured accuracy of the table.
    assert!(v["best_rank"].as_u64().is_some(), "{v}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.path().extension().is_none_or(|e| e != "bin")
            || entry
                .path()
                .parent()
                .is_some_and(|p| p.ends_with("snapshots"))
        {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
