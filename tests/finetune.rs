//! The accuracy predictor (SVGe paper, Table II): fine-tuning learns a target that depends on
//! the cells, a saved predictor reads back to the same predictions, and extrapolation ranks
//! the grown NB101 cells by it.

use burn::tensor::Device;

use cellspace::data::Dataset;
use cellspace::explore::extrapolation::extrapolate;
use cellspace::model::{GraphVae, ModelKind, VaeConfig};
use cellspace::space::{Cell, SpaceKind};
use cellspace::train::finetune::{
    FinetuneConfig, LabelledCells, PredictorManifest, finetune, load_predictor, predict_cells,
    save_predictor, start_predictor,
};

static NEVER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn small_svge() -> VaeConfig {
    let mut config = VaeConfig::paper(ModelKind::Svge);
    config.hidden = 32;
    config.latent = 16;
    config
}

/// A target the cells determine: the share of nodes of the space's first operation.
fn synthetic(cell: &Cell) -> f32 {
    let first = cellspace::space::FIRST_OP;
    let n = cell.types().iter().filter(|&&t| t == first).count();
    0.5 + 0.4 * n as f32 / cell.len() as f32
}

fn label(r: &cellspace::data::Record) -> (&Cell, f32) {
    (&r.cell, synthetic(&r.cell))
}

fn config(labels: usize, epochs: usize) -> FinetuneConfig {
    FinetuneConfig {
        labels,
        epochs,
        batch_size: 32,
        learning_rate: 3e-3,
        vae_weight: 0.0,
        plateau_factor: 0.1,
        plateau_patience: 10,
    }
}

#[test]
fn fine_tuning_learns_a_synthetic_target() {
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let labelled = LabelledCells {
        train: data.train().step_by(7).take(400).map(label).collect(),
        test: data.test().step_by(7).take(200).map(label).collect(),
    };
    let targets: Vec<f64> = labelled.test.iter().map(|(_, t)| *t as f64).collect();
    let mean = targets.iter().sum::<f64>() / targets.len() as f64;
    let variance = targets.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / targets.len() as f64;
    assert!(variance > 1e-3, "the target must vary: {variance}");

    let device = Device::flex();
    let train_device = device.clone().autodiff();
    let vae_config = small_svge();
    let vae = GraphVae::new(&vae_config, SpaceKind::Nb201, &train_device);
    let predictor = start_predictor(vae, 3, &train_device);
    let (trained, outcome) = finetune(
        predictor,
        &train_device,
        &vae_config,
        SpaceKind::Nb201,
        &labelled,
        &config(400, 40),
        3,
        &NEVER,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!((outcome.train_cells, outcome.test_cells), (400, 200));
    assert_eq!(outcome.epoch_losses.len(), 40);
    // Far better than predicting the mean (whose squared error is the variance).
    assert!(
        outcome.test_mse < 0.2 * variance,
        "test MSE {} against variance {variance}",
        outcome.test_mse
    );
    assert!(outcome.test_pearson.unwrap() > 0.9, "{outcome:?}");

    // Saved and read back, it predicts the same.
    let dir = tempfile::tempdir().unwrap();
    let manifest = PredictorManifest {
        format: PredictorManifest::FORMAT,
        source_run: "none".into(),
        space: SpaceKind::Nb201,
        vae: vae_config,
        target: "synthetic".into(),
        config: config(400, 40),
        runs: vec![outcome],
        saved_seed: 3,
    };
    save_predictor(dir.path(), &trained, &manifest).unwrap();
    let (read, loaded) = load_predictor(dir.path(), &device).unwrap();
    // (Floats go through JSON text: compare what must be exact.)
    assert_eq!(
        (&read.vae, read.space, read.runs.len()),
        (&manifest.vae, manifest.space, 1)
    );
    let cells: Vec<&Cell> = labelled.test.iter().map(|(c, _)| *c).collect();
    let a = predict_cells(&trained, &cells, SpaceKind::Nb201, &device, &NEVER).unwrap();
    let b = predict_cells(&loaded, &cells, SpaceKind::Nb201, &device, &NEVER).unwrap();
    assert_eq!(a, b);

    // Extrapolation is for NB101 only, and says so.
    let nb201 = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let err = extrapolate(&loaded, &read, cells[0], &nb201, &device, &NEVER)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("NAS-Bench-101"), "{err}");
}

#[test]
fn a_broken_predictor_folder_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let err = load_predictor(dir.path(), &device)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("predictor.json"), "{err}");
    std::fs::write(dir.path().join("predictor.json"), "{ not json").unwrap();
    let err = load_predictor(dir.path(), &device)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not a predictor manifest"), "{err}");
}

#[test]
fn extrapolation_ranks_every_expansion_of_an_nb101_cell() {
    let data = Dataset::bundled(SpaceKind::Nb101).unwrap();
    let best = data.best().unwrap();
    let device = Device::flex();
    let vae_config = small_svge();
    let vae = GraphVae::new(&vae_config, SpaceKind::Nb101, &device);
    let predictor = start_predictor(vae, 1, &device);
    let manifest = PredictorManifest {
        format: PredictorManifest::FORMAT,
        source_run: "none".into(),
        space: SpaceKind::Nb101,
        vae: vae_config,
        target: "untrained".into(),
        config: config(1, 1),
        runs: Vec::new(),
        saved_seed: 1,
    };
    let result = extrapolate(&predictor, &manifest, &best.cell, &data, &device, &NEVER).unwrap();
    assert_eq!(result.ranked.len(), 384);
    assert!(result.source_predicted.is_finite());
    assert!(
        result
            .ranked
            .windows(2)
            .all(|w| w[0].predicted >= w[1].predicted)
    );
    assert!(result.ranked.iter().all(|r| r.expansion.cell.len() == 8));
    assert!(result.ranked[0].describe(1).contains("accuracy predicted"));
    // Fitted on one cell: its accuracy is the whole range, and the grown cells predicted
    // elsewhere are marked, by side, in the candidates.
    let fit = &result.fit;
    assert_eq!(fit.fitted, 1);
    assert_eq!(fit.range.0, fit.range.1);
    assert!(fit.tests > 1000 && fit.test_outside <= fit.tests);
    assert!(fit.test_distance.is_finite() && fit.expansion_distance > 0.0);
    let candidates = result.candidates(usize::MAX, "");
    assert_eq!(candidates.len(), 384);
    for c in &candidates {
        let p = c.predicted.unwrap();
        assert_eq!(
            c.origin.contains("fitted range"),
            p != fit.range.0,
            "{p}: {}",
            c.origin
        );
    }
    assert_eq!(
        result.outside(),
        candidates
            .iter()
            .filter(|c| c.origin.contains("fitted"))
            .count()
    );
}
