//! `cellspace halve`: a bundled run's weights rewritten in half precision (f16), half the bytes
//! the repository keeps for good, once the figures are shown to hold. Both sets of weights are
//! evaluated with the same seeded draws (reconstruction from the mean and validity on a share
//! of the test cells); the f16 file replaces the f32 one only when neither moves by more than
//! `--tolerance` points.

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
    /// Run folder whose current checkpoint's weights are rewritten.
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
}

pub fn run(args: &HalveArgs) -> anyhow::Result<()> {
    let chosen = crate::backend::choose(args.backend);
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
        println!(
            "{name}: reconstruction from the mean {:.2} %, validity {:.2} %",
            r * 100.0,
            v * 100.0
        );
    }
    let moved = ((a.0 - b.0).abs()).max((a.1 - b.1).abs()) * 100.0;
    if moved > args.tolerance {
        std::fs::remove_file(&partial).ok();
        anyhow::bail!(
            "{}: half precision moves the figures by {moved:.2} points (more than --tolerance \
             {}); the f32 weights are kept",
            weights.display(),
            args.tolerance
        );
    }
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let (old, new) = (size(&weights), size(&partial));
    std::fs::rename(&partial, &weights)
        .map_err(|e| anyhow::anyhow!("{}: cannot replace: {e}", weights.display()))?;
    println!(
        "{}: {old} -> {new} bytes; run `cellspace eval --run {}` to keep the figures of these \
         weights",
        weights.display(),
        args.run.display()
    );
    Ok(())
}
