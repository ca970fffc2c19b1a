//! `cellspace embed`, `walk` and `grid`: the latent space of a trained run, headless.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::backend::{Backend, ChosenDevice};
use crate::data::Dataset;
use crate::explore::{PcaPlane, decoded_grid, great_circle_walk, line_walk, tsne_2d};
use crate::latent::{CellIndex, Embedding, LatentDecoder};
use crate::run::Run;

/// What every exploring command opens: a run, its data set, and the latent means of all cells.
pub(super) struct Opened {
    pub(super) chosen: ChosenDevice,
    pub(super) run: Run,
    pub(super) data: Dataset,
    pub(super) embedding: Embedding,
    pub(super) index: CellIndex,
}

impl Opened {
    /// A decoder over this run that keeps the majority of `attempts` decodings.
    pub(super) fn decoder(&self, attempts: usize) -> LatentDecoder<'_> {
        self.run
            .decoder(&self.data, &self.index, attempts, &crate::jobs::NEVER)
    }
}

pub(super) fn open(run: &Path, backend: Backend, quiet: bool) -> anyhow::Result<Opened> {
    let chosen = crate::backend::choose(backend);
    if let (Some(reason), false) = (&chosen.fallback, quiet) {
        eprintln!("note: {reason}");
    }
    let run = Run::open(run, &chosen.device)?;
    let data = Dataset::bundled(run.space())?;
    let embedding = run.latents(&data, &crate::jobs::NEVER)?;
    let index = CellIndex::new(&data);
    Ok(Opened {
        chosen,
        run,
        data,
        embedding,
        index,
    })
}

/// t-SNE defaults of `embed --tsne` (see BENCHMARKS.md for the times they give).
const TSNE_PERPLEXITY: f32 = 30.0;
const TSNE_EPOCHS: usize = 1000;

#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// CSV to write (default: embedding.csv in the run folder).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also compute t-SNE (Barnes-Hut) of the latent means: the tsne1, tsne2 columns.
    #[arg(long)]
    pub tsne: bool,
    /// t-SNE perplexity.
    #[arg(long, default_value_t = TSNE_PERPLEXITY)]
    pub perplexity: f32,
    /// t-SNE gradient-descent epochs.
    #[arg(long, default_value_t = TSNE_EPOCHS)]
    pub tsne_epochs: usize,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    #[arg(long)]
    pub json: bool,
}

pub fn embed(args: &EmbedArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let o = open(&args.run, args.backend, args.json)?;
    let embed_seconds = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let plane = PcaPlane::fit(&o.embedding.means)?;
    let pca_seconds = started.elapsed().as_secs_f64();
    let (tsne, tsne_seconds) = if args.tsne {
        anyhow::ensure!(
            args.perplexity.is_finite() && args.perplexity > 0.0,
            "--perplexity must be a positive number"
        );
        anyhow::ensure!(args.tsne_epochs >= 1, "--tsne-epochs must be at least 1");
        let started = std::time::Instant::now();
        let xy = tsne_2d(
            &o.embedding.means,
            args.perplexity,
            args.tsne_epochs,
            |_, _| {},
            &crate::jobs::NEVER,
        )
        .map_err(|e| anyhow::anyhow!("t-SNE of {}: {e}", args.run.display()))?;
        (Some(xy), Some(started.elapsed().as_secs_f64()))
    } else {
        (None, None)
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.run.join("embedding.csv"));
    let file =
        std::fs::File::create(&out).with_context(|| format!("cannot write {}", out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let dims = o.embedding.dims();
    let header: Vec<String> = (0..dims).map(|d| format!("z{d}")).collect();
    // The t-SNE columns are always there (empty without --tsne), so the layout is fixed.
    writeln!(w, "id,{},pc1,pc2,tsne1,tsne2,accuracy", header.join(","))
        .with_context(|| format!("cannot write {}", out.display()))?;
    for (k, (record, z)) in o.data.records.iter().zip(&o.embedding.means).enumerate() {
        let (x, y) = plane.project(z);
        let zs: Vec<String> = z.iter().map(|v| v.to_string()).collect();
        let acc = record.accuracy.map_or(String::new(), |a| a.to_string());
        let t = tsne
            .as_ref()
            .map_or(",".to_string(), |t| format!("{},{}", t[k].0, t[k].1));
        writeln!(w, "{},{},{x},{y},{t},{acc}", record.id, zs.join(","))
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", out.display()))?;
    if args.json {
        println!(
            "{}",
            json!({"cells": o.data.len(), "dims": dims, "csv": out, "explained_variance": plane.explained,
                   "embed_seconds": embed_seconds, "pca_seconds": pca_seconds, "tsne_seconds": tsne_seconds,
                   "perplexity": args.tsne.then_some(args.perplexity), "tsne_epochs": args.tsne.then_some(args.tsne_epochs),
                   "device": o.chosen.label})
        );
    } else {
        println!(
            "{} cells of {} embedded in {dims} dimensions ({embed_seconds:.1} s on {}), PCA in {pca_seconds:.2} s (explained variance {:.1} % + {:.1} %): {}",
            o.data.len(),
            o.data.space,
            o.chosen.label,
            plane.explained[0] * 100.0,
            plane.explained[1] * 100.0,
            out.display()
        );
        if let Some(t) = tsne_seconds {
            println!(
                "t-SNE (Barnes-Hut, perplexity {}, {} epochs) in {t:.1} s",
                args.perplexity, args.tsne_epochs
            );
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct WalkArgs {
    /// Run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// Start cell: its id in the data set (ENAS line, NB201 index, NB101 hash), or `flat`
    /// for the widest flat cell (every operation fed by the input and feeding the output: the
    /// SVGe paper's figure-2 start).
    #[arg(long)]
    pub from: String,
    /// End cell for a straight-line interpolation instead of a great circle.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, default_value_t = 14)]
    pub steps: usize,
    /// Stochastic decodings per point; the most frequent valid cell is kept (1: greedy).
    #[arg(long, default_value_t = 10)]
    pub attempts: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    #[arg(long)]
    pub json: bool,
}

fn row_of(data: &Dataset, id: &str) -> anyhow::Result<usize> {
    data.records
        .iter()
        .position(|r| r.id == id)
        .with_context(|| format!("no cell with id '{id}' in {}", data.space))
}

pub fn walk(args: &WalkArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.steps >= 2, "--steps must be at least 2");
    let o = open(&args.run, args.backend, args.json)?;
    let decoder = o.decoder(args.attempts);
    o.chosen.device.seed(args.seed);
    let from = if args.from == "flat" {
        let row = crate::explore::flat_net(&o.data)
            .with_context(|| format!("{} has no flat cell", o.data.space))?;
        if !args.json {
            let r = &o.data.records[row];
            println!(
                "the flat net: {} ({})",
                r.id,
                r.accuracy
                    .map_or("unlabelled".into(), |a| format!("{a:.2} %"))
            );
        }
        row
    } else {
        row_of(&o.data, &args.from)?
    };
    let start = &o.embedding.means[from];
    let steps = match &args.to {
        Some(to) => line_walk(
            &decoder,
            start,
            &o.embedding.means[row_of(&o.data, to)?],
            args.steps,
        ),
        None => great_circle_walk(&decoder, start, args.steps, args.seed),
    }?;
    let space = o.data.space;
    // The rule a decoded but invalid cell breaks, as the explorer's Walk panel shows it.
    let why_invalid = |s: &crate::explore::WalkStep| {
        (s.cell.as_ref()).and_then(|c| space.validate(c).err().map(|e| e.to_string()))
    };
    if args.json {
        let rows: Vec<_> = steps
            .iter()
            .map(|s| {
                json!({"valid": s.valid, "edit_distance": s.edit_distance, "id": s.row.map(|r| o.data.records[r].id.clone()),
                       "accuracy": s.accuracy, "cell": s.cell.as_ref().map(|c| super::data_cmd::cell_json(space, c)),
                       "invalid_reason": why_invalid(s)})
            })
            .collect();
        println!(
            "{}",
            json!({"from": o.data.records[from].id, "to": args.to, "steps": rows, "model": o.run.model_name()})
        );
        return Ok(());
    }
    for (k, s) in steps.iter().enumerate() {
        let dist = s.edit_distance.map_or("-".into(), |d| d.to_string());
        let acc = match (s.accuracy, s.row) {
            (Some(a), _) => format!("{a:.2} %"),
            (None, Some(_)) => "unlabelled".into(),
            (None, None) => "not in the table".into(),
        };
        let id = s.row.map_or("-".into(), |r| o.data.records[r].id.clone());
        println!(
            "step {k:>2}: {} | distance {dist:>2} | id {id} | {acc}",
            if s.valid { "valid  " } else { "INVALID" }
        );
        if let Some(why) = why_invalid(s) {
            println!("  invalid: {why}");
        }
        if let Some(c) = &s.cell {
            print!("{}", c.to_text(space.op_names()));
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct GridArgs {
    /// Run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// Points per side.
    #[arg(long, default_value_t = 25)]
    pub size: usize,
    /// Half-width of the grid in PCA units (default: twice the spread along pc1).
    #[arg(long)]
    pub radius: Option<f64>,
    /// Fit the PCA plane to the cells above this accuracy (%) only (SVGe figure 3: 75 on
    /// NB101, with --radius 0.3).
    #[arg(long)]
    pub above: Option<f64>,
    #[arg(long, default_value_t = 1)]
    pub attempts: usize,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    #[arg(long)]
    pub json: bool,
}

pub fn grid(args: &GridArgs) -> anyhow::Result<()> {
    let o = open(&args.run, args.backend, args.json)?;
    let fitted = match args.above {
        Some(min) => crate::explore::means_above(&o.data, &o.embedding.means, min),
        None => o.embedding.means.clone(),
    };
    anyhow::ensure!(
        fitted.len() >= 2,
        "--above {}: only {} labelled cells are above it; the plane needs two",
        args.above.unwrap_or(0.0),
        fitted.len()
    );
    let plane = PcaPlane::fit(&fitted)?;
    let radius = args.radius.unwrap_or_else(|| {
        let xs: Vec<f64> = fitted.iter().map(|z| plane.project(z).0).collect();
        let var = xs.iter().map(|x| x * x).sum::<f64>() / xs.len().max(1) as f64;
        2.0 * var.sqrt()
    });
    let decoder = o.decoder(args.attempts);
    let (points, distinct) = decoded_grid(&decoder, &plane, args.size, radius)?;
    let valid = points.iter().filter(|p| p.valid).count();
    let known = points.iter().filter(|p| p.accuracy.is_some()).count();
    let in_table = points.iter().filter(|p| p.row.is_some()).count();
    if args.json {
        println!(
            "{}",
            json!({"size": args.size, "radius": radius, "plane_cells": fitted.len(), "above": args.above, "points": points, "distinct_cells": distinct, "valid": valid, "in_table": in_table, "labelled": known})
        );
        return Ok(());
    }
    println!(
        "{}×{} grid over [-{radius:.3}, {radius:.3}]² of the PCA plane of {} cells{}: {valid} valid, {in_table} in the table, {known} labelled, {distinct} distinct cells",
        args.size,
        args.size,
        fitted.len(),
        args.above
            .map_or(String::new(), |a| format!(" above {a} %"))
    );
    for row in points.chunks(args.size.max(1)).rev() {
        let line: String = row
            .iter()
            .map(|p| match p.accuracy {
                Some(a) => format!("{a:6.1}"),
                None if p.valid => "     ?".into(),
                None => "     x".into(),
            })
            .collect();
        println!("{line}");
    }
    Ok(())
}
