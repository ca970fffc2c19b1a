//! `cellspace finetune`: the SVGe paper's Table II, accuracy prediction from few labels. A
//! run's VAE and a four-layer MLP are trained together on `--labels` labelled cells, `--runs`
//! times with other draws; the squared error on the labelled test cells is reported as mean ±
//! std beside the paper's, and the first run's predictor is saved for `extrapolate` and the
//! explorer.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::model::{ModelKind, SVGE_TABLE_II, TABLE_II_LABELS};
use crate::space::SpaceKind;
use crate::train::finetune::{
    FinetuneConfig, LabelledCells, PredictorManifest, finetune, save_predictor, start_predictor,
};

#[derive(Debug, Args)]
pub struct FinetuneArgs {
    /// Run folder of the trained VAE.
    #[arg(long)]
    pub run: PathBuf,
    /// Labelled training cells per run (the paper's columns: 1000, 10000).
    #[arg(long, default_value_t = 1000)]
    pub labels: usize,
    /// Runs with different draws of the labelled cells and head weights (paper: 3).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    #[arg(long, default_value_t = 100)]
    pub epochs: usize,
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Share of the VAE's own loss in the fine-tuning loss (0: encoder and head alone).
    #[arg(long, default_value_t = 0.1)]
    pub vae_weight: f64,
    /// Seed of the first run (the others take the next ones).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Predictor folder to write (default: finetune-LABELS in the run folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    #[arg(long)]
    pub json: bool,
}

/// The paper's Table II figure (MSE, std) of `model` with `labels` labelled cells, if printed.
fn paper_mse(model: ModelKind, space: SpaceKind, labels: usize) -> Option<(f64, f64)> {
    let column = TABLE_II_LABELS.iter().position(|&l| l == labels)?;
    let [mse, std] = model.published(space, SVGE_TABLE_II)?.finetuned?[column];
    Some((mse, std))
}

pub fn run(args: &FinetuneArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.runs >= 1, "--runs must be at least 1");
    let chosen = crate::backend::choose(args.backend);
    if let (Some(reason), false) = (&chosen.fallback, args.json) {
        eprintln!("note: {reason}");
    }
    let started = std::time::Instant::now();
    let train_device = chosen.device.clone().autodiff();
    let manifest = crate::train::RunManifest::read(&args.run)?;
    let space = manifest.config.space;
    let data = Dataset::bundled(space)?;
    let labelled = LabelledCells::of(&data);
    anyhow::ensure!(
        !labelled.train.is_empty(),
        "{}: the {space} data has no labelled training cells to fine-tune on",
        args.run.display()
    );
    if labelled.train.len() < args.labels && !args.json {
        eprintln!(
            "note: the training split has {} labelled cells; each run uses all of them",
            labelled.train.len()
        );
    }
    let config = FinetuneConfig {
        labels: args.labels,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        vae_weight: args.vae_weight,
        plateau_factor: manifest.config.plateau_factor,
        plateau_patience: manifest.config.plateau_patience,
    };
    // Heads drawn in turn on this thread, then the runs in parallel (one thread each).
    let seeds: Vec<u64> = (0..args.runs as u64).map(|k| args.seed + k).collect();
    let mut starts = Vec::with_capacity(seeds.len());
    for &seed in &seeds {
        let vae = crate::train::load_model(&args.run, &manifest, &train_device)?;
        starts.push(std::sync::Mutex::new(Some((
            seed,
            start_predictor(vae, seed, &train_device),
        ))));
    }
    let bar = super::progress_bar(
        (args.runs * args.epochs) as u64,
        &format!("fine-tuning on {}", args.labels.min(labelled.train.len())),
        args.json,
    );
    let workers = crate::threads::workers_for(&chosen.device).min(args.runs);
    let results = crate::threads::map_ordered(workers, &starts, |slot| {
        let (seed, predictor) = slot
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .ok_or_else(|| anyhow::anyhow!("a fine-tuning run was started twice"))?;
        anyhow::Ok(finetune(
            predictor,
            &train_device,
            &manifest.config.vae,
            space,
            &labelled,
            &config,
            seed,
            &crate::jobs::NEVER,
            &|_, _| bar.inc(1),
        )?)
    });
    bar.finish_and_clear();
    let mut outcomes = Vec::with_capacity(results.len());
    let mut first = None;
    for r in results {
        let (predictor, outcome) =
            r.map_err(|e| anyhow::anyhow!("fine-tuning {}: {e}", args.run.display()))?;
        if first.is_none() {
            first = Some(predictor);
        }
        outcomes.push(outcome);
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.run.join(format!("finetune-{}", args.labels)));
    let predictor_manifest = PredictorManifest {
        format: PredictorManifest::FORMAT,
        source_run: args.run.clone(),
        space,
        vae: manifest.config.vae.clone(),
        target: format!(
            "{}, as a fraction",
            data.accuracy_label.trim_end_matches(" (%)")
        ),
        config,
        runs: outcomes,
        saved_seed: seeds[0],
    };
    if let Some(p) = &first {
        save_predictor(&out, p, &predictor_manifest)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (mean, std) = predictor_manifest.mse_mean_std();
    let model = manifest.config.vae.model;
    let paper = paper_mse(model, space, args.labels);
    if args.json {
        println!(
            "{}",
            json!({"space": space.name(), "labels": args.labels, "mse_mean": mean, "mse_std": std,
                   "paper": paper.map(|(m, s)| json!({"mse": m, "std": s})),
                   "runs": predictor_manifest.runs, "saved": out, "seconds": seconds,
                   "target": predictor_manifest.target})
        );
    } else {
        println!(
            "{} runs, {} labelled training cells each, {} epochs; squared error on {} labelled \
             test cells ({}), {seconds:.0} s:",
            args.runs,
            predictor_manifest.runs[0].train_cells,
            args.epochs,
            predictor_manifest.runs[0].test_cells,
            predictor_manifest.target
        );
        for r in &predictor_manifest.runs {
            println!(
                "  seed {}: MSE {:.5}  Pearson r {}  (train MSE {:.5}, {:.0} s)",
                r.seed,
                r.test_mse,
                r.test_pearson
                    .map_or("undefined".into(), |p| format!("{p:.3}")),
                r.train_mse,
                r.seconds
            );
        }
        println!("  MSE {mean:.5} ± {std:.5}");
        if let Some((m, s)) = paper {
            println!(
                "  paper ({}, Table II, test accuracy): {m} ± {s}",
                model.spec().title
            );
        }
        println!("predictor (seed {}) saved in {}", seeds[0], out.display());
    }
    Ok(())
}
