//! `cellspace extrapolate`: the SVGe paper's Section IV-E. A NAS-Bench-101 cell (the best
//! labelled one by default) grown by one operation node into 8-node cells outside the
//! benchmark, ranked by a fine-tuned predictor (`cellspace finetune`).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::explore::Candidate;
use crate::explore::candidates::{candidate_json, write_csv, write_json};
use crate::explore::extrapolation::{Extrapolation, FitCheck, extrapolate};
use crate::train::finetune::{find_predictor, load_predictor};

#[derive(Debug, Args)]
pub struct ExtrapolateArgs {
    /// Run folder of the NB101 model; its fine-tuned predictor is `finetune-1000` inside it
    /// unless `--predictor` names another.
    #[arg(long)]
    pub run: PathBuf,
    /// Predictor folder written by `cellspace finetune`.
    #[arg(long)]
    pub predictor: Option<PathBuf>,
    /// The cell to grow: its NB101 hash, or `best` (the labelled cell of highest validation
    /// accuracy, as the paper).
    #[arg(long, default_value = "best")]
    pub from: String,
    /// Expansions to list, best predicted first.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Write every expansion, ranked, as candidates (JSON, or CSV for a `.csv` name).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ExtrapolateArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let chosen = crate::backend::choose(args.backend);
    if let (Some(reason), false) = (&chosen.fallback, args.json) {
        eprintln!("note: {reason}");
    }
    let dir = match &args.predictor {
        Some(p) => p.clone(),
        None => find_predictor(&args.run).ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no fine-tuned predictor (finetune-*) in the run folder; make one with \
                 `cellspace finetune --run {} --labels 1000`, or name one with --predictor",
                args.run.display(),
                args.run.display()
            )
        })?,
    };
    let (manifest, predictor) = load_predictor(&dir, &chosen.device)?;
    let data = Dataset::bundled(manifest.space)?;
    let source = if args.from == "best" {
        data.best()
            .ok_or_else(|| anyhow::anyhow!("the {} data has no labelled cell", manifest.space))?
    } else {
        data.records
            .iter()
            .find(|r| r.id == args.from)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--from {}: no {} cell has this id (NB101 ids are the 32-digit module hashes)",
                    args.from,
                    manifest.space
                )
            })?
    };
    let result = extrapolate(
        &predictor,
        &manifest,
        &source.cell,
        &data,
        &chosen.device,
        &crate::jobs::NEVER,
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let space = manifest.space;
    let candidates: Vec<Candidate> = result.candidates(usize::MAX, "");
    if let Some(out) = &args.out {
        let is_csv = out
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv {
            write_csv(out, space, &candidates)
        } else {
            write_json(out, space, &candidates)
        }?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let top: Vec<&Candidate> = candidates.iter().take(args.top).collect();
    if args.json {
        println!(
            "{}",
            json!({"from": source.id, "from_accuracy": source.accuracy,
                   "from_predicted": result.source_predicted, "expansions": candidates.len(),
                   "predictor": dir, "target": manifest.target,
                   "fit": fit_json(&result.fit), "outside_fit": result.outside(),
                   "top": top.iter().map(|c| candidate_json(space, c)).collect::<Vec<_>>(),
                   "seconds": seconds})
        );
    } else {
        println!(
            "{}: validation accuracy {}, predicted {:.2} %",
            source.id,
            source
                .accuracy
                .map_or("unknown".into(), |a| format!("{a:.2} %")),
            result.source_predicted
        );
        println!(
            "{} expansions by one node (8-node cells are outside NAS-Bench-101: their \
             accuracies are predicted by {}); top {}:",
            candidates.len(),
            dir.display(),
            top.len()
        );
        for (k, c) in top.iter().enumerate() {
            println!(
                "  {:>2}. predicted {:.2} %, {}",
                k + 1,
                c.predicted.unwrap_or(f64::NAN),
                c.origin
            );
            for line in c.cell.to_text(space.op_names()).lines() {
                println!("        {line}");
            }
        }
        print_fit(&result);
        if let Some(out) = &args.out {
            println!("all {} written to {}", candidates.len(), out.display());
        }
        println!("{seconds:.1} s");
    }
    Ok(())
}

fn fit_json(fit: &FitCheck) -> serde_json::Value {
    json!({"range": [fit.range.0, fit.range.1], "fitted_cells": fit.fitted,
           "test_cells": fit.tests, "test_cells_outside": fit.test_outside,
           "median_latent_distance_to_fitted": {"test_cells": fit.test_distance,
                                                "expansions": fit.expansion_distance}})
}

/// How many grown cells are predicted outside the fitted range, and the measurements that say
/// why: the test cells inside the benchmark against the grown ones.
fn print_fit(result: &Extrapolation) {
    let fit = &result.fit;
    println!(
        "the predictor was fitted on {} cells of {:.2}-{:.2} %; {} of {} expansions are \
         predicted outside that range (marked in --out), {} of {} labelled test cells are",
        fit.fitted,
        fit.range.0,
        fit.range.1,
        result.outside(),
        result.ranked.len(),
        fit.test_outside,
        fit.tests
    );
    println!(
        "median latent distance to the nearest fitted cell: test cells {:.3}, expansions {:.3}",
        fit.test_distance, fit.expansion_distance
    );
}
