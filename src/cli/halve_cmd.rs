//! `cellspace halve`: a bundled run's weights rewritten in half precision (f16), half the bytes
//! the repository keeps for good, once the figures are shown to hold. Both sets of weights are
//! evaluated with the same seeded draws (reconstruction from the mean and validity on a share
//! of the test cells); the f16 file replaces the f32 one only when neither moves by more than
//! `--tolerance` points. A fine-tuned predictor's folder (`finetune-N`) is checked by its
//! predictions on every labelled test cell instead.

use std::path::PathBuf;

use clap::Args;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::eval::{EvalProtocol, GenerativeMetrics, evaluate};
use crate::model::GraphVae;
use crate::run::Run;
use crate::space::Cell;
use crate::train::half::{load_any_precision, save_half};

#[derive(Debug, Args)]
pub struct HalveArgs {
    /// Run folder whose current checkpoint's weights are rewritten, or a predictor folder
    /// written by `cellspace finetune`.
    #[arg(long)]
    pub run: PathBuf,
    /// Test cells to check on.
    #[arg(long, default_value_t = 1000)]
    pub test_cells: usize,
    /// Largest change (points) of reconstruction from the mean and of validity allowed.
    #[arg(long, default_value_t = 0.2)]
    pub tolerance: f64,
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Print what was checked and done as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &HalveArgs) -> anyhow::Result<()> {
    let chosen = crate::backend::choose(args.backend);
    if crate::train::finetune::is_predictor(&args.run) {
        return predictor(args, &chosen.device);
    }
    let run = Run::open(&args.run, &chosen.device)?;
    let weights = run.model_file();
    let space = run.space();
    let data = Dataset::bundled(space)?;
    let train: Vec<&Cell> = data.train().map(|r| &r.cell).collect();
    let test: Vec<&Cell> = data.test().map(|r| &r.cell).collect();
    let protocol = EvalProtocol {
        samples_per_graph: 1,
        decodes_per_sample: 1,
        prior_points: 1000,
        decodes_per_prior_point: 1,
        test_limit: Some(args.test_cells),
        ..EvalProtocol::default()
    };
    let measure = |model: &GraphVae| -> anyhow::Result<GenerativeMetrics> {
        Ok(evaluate(
            model,
            space,
            &train,
            &test,
            &protocol,
            &chosen.device,
            &mut |_, _, _| {},
        )?)
    };
    let partial = weights.with_extension("half.partial");
    let halved = (|| -> anyhow::Result<(GenerativeMetrics, GenerativeMetrics)> {
        save_half(&run.model, &partial)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", partial.display()))?;
        let fresh = GraphVae::new(&run.manifest.config.vae, space, &chosen.device);
        let halved = load_any_precision(fresh, &partial)
            .map_err(|e| anyhow::anyhow!("{}: cannot read back: {e}", partial.display()))?;
        Ok((measure(&run.model)?, measure(&halved)?))
    })();
    // The f32 weights stay whatever fails; no half-written file is left beside them.
    let (before, after) = halved.inspect_err(|_| {
        std::fs::remove_file(&partial).ok();
    })?;
    // Reconstruction from the mean and validity, the two figures checked.
    let figures = |m: &GenerativeMetrics| (m.reconstruction_accuracy_mean, m.validity);
    let (b, a) = (figures(&before), figures(&after));
    for (name, (r, v)) in [("f32", b), ("f16", a)] {
        if !args.json {
            println!(
                "{name}: reconstruction from the mean {:.2} %, validity {:.2} %",
                r * 100.0,
                v * 100.0
            );
        }
    }
    let moved = ((a.0 - b.0).abs()).max((a.1 - b.1).abs()) * 100.0;
    let (old, new) = replace_if_held(&partial, &weights, moved, args.tolerance, "the figures")?;
    if args.json {
        let pair =
            |(r, v): (f64, f64)| serde_json::json!({"reconstruction_mean": r, "validity": v});
        println!(
            "{}",
            serde_json::json!({"weights": weights, "f32": pair(b), "f16": pair(a),
                               "bytes": [old, new]})
        );
    } else {
        println!(
            "{}: {old} -> {new} bytes; run `cellspace eval --run {}` to keep the figures of \
             these weights",
            weights.display(),
            args.run.display()
        );
    }
    Ok(())
}

/// Halves a predictor folder's weights where no labelled test cell's prediction moves by more
/// than `--tolerance` points.
fn predictor(args: &HalveArgs, device: &burn::tensor::Device) -> anyhow::Result<()> {
    use crate::train::finetune::{
        LabelledCells, PREDICTOR_WEIGHTS, TARGET_SCALE, load_predictor, predict_cells,
    };
    let (manifest, full) = load_predictor(&args.run, device)?;
    let data = Dataset::bundled(manifest.space)?;
    let test: Vec<&Cell> = LabelledCells::of(&data)
        .test
        .iter()
        .map(|(c, _)| *c)
        .collect();
    let weights = args.run.join(PREDICTOR_WEIGHTS);
    let partial = weights.with_extension("half.partial");
    let checked = (|| -> anyhow::Result<f64> {
        save_half(&full, &partial)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", partial.display()))?;
        let fresh = crate::model::Predictor::new(
            GraphVae::new(&manifest.vae, manifest.space, device),
            device,
        );
        let half = load_any_precision(fresh, &partial)
            .map_err(|e| anyhow::anyhow!("{}: cannot read back: {e}", partial.display()))?;
        let never = &crate::jobs::NEVER;
        let a = predict_cells(&full, &test, manifest.space, device, never)?;
        let b = predict_cells(&half, &test, manifest.space, device, never)?;
        Ok(a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs() as f64 * TARGET_SCALE)
            .fold(0.0, f64::max))
    })();
    let moved = checked.inspect_err(|_| {
        std::fs::remove_file(&partial).ok();
    })?;
    if !args.json {
        println!(
            "f16 against f32: predictions on {} labelled test cells move by {moved:.3} points \
             at most",
            test.len()
        );
    }
    let (old, new) = replace_if_held(&partial, &weights, moved, args.tolerance, "a prediction")?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"weights": weights, "largest_prediction_change": moved,
                               "test_cells": test.len(), "bytes": [old, new]})
        );
    } else {
        println!("{}: {old} -> {new} bytes", weights.display());
    }
    Ok(())
}

/// Puts the checked f16 file `partial` in place of `weights` when half precision moved `what`
/// by no more than `tolerance` points; otherwise removes it and keeps the f32 file. Returns the
/// sizes before and after.
fn replace_if_held(
    partial: &std::path::Path,
    weights: &std::path::Path,
    moved: f64,
    tolerance: f64,
    what: &str,
) -> anyhow::Result<(u64, u64)> {
    if moved > tolerance {
        std::fs::remove_file(partial).ok();
        anyhow::bail!(
            "{}: half precision moves {what} by {moved:.3} points (more than --tolerance \
             {tolerance}); the f32 weights are kept",
            weights.display()
        );
    }
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let sizes = (size(weights), size(partial));
    std::fs::rename(partial, weights)
        .map_err(|e| anyhow::anyhow!("{}: cannot replace: {e}", weights.display()))?;
    Ok(sizes)
}
