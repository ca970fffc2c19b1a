//! `cellspace figures`: the papers' figures made again from the bundled models, headless, on
//! Burn's CPU backend, each as PNG and SVG (FIGURES.md shows them).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use crate::figures::paper::{Inputs, PAPER_FIGURES};
use crate::figures::{Size, save};

#[derive(Debug, Args)]
pub struct FiguresArgs {
    /// Folder to write `<figure>.png` and `<figure>.svg` into (made if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder holding the bundled models (`<model>-<space>` run folders).
    #[arg(long, default_value = "assets/models")]
    pub models: PathBuf,
    /// Only the figures whose names contain one of these (e.g. `--only fig3 --only compare`).
    #[arg(long)]
    pub only: Vec<String>,
    /// Pixels per point of the PNGs (2 for high-density screens).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Print one JSON object (the figures written, their files and times) instead of lines.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &FiguresArgs) -> anyhow::Result<()> {
    if args.out.exists() && !args.out.is_dir() {
        anyhow::bail!("--out {}: not a folder", args.out.display());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("--out {}: cannot make the folder", args.out.display()))?;
    let unknown: Vec<&String> = args
        .only
        .iter()
        .filter(|o| !PAPER_FIGURES.iter().any(|f| f.name.contains(o.as_str())))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = PAPER_FIGURES.iter().map(|f| f.name).collect();
        anyhow::bail!(
            "--only {unknown:?}: no such figure (they are: {})",
            names.join(", ")
        );
    }
    let inputs = Inputs {
        models: args.models.clone(),
        device: crate::backend::choose(crate::backend::Backend::Cpu).device,
    };
    let started = Instant::now();
    let mut written = Vec::new();
    for f in PAPER_FIGURES {
        if !args.only.is_empty() && !args.only.iter().any(|o| f.name.contains(o.as_str())) {
            continue;
        }
        let t = Instant::now();
        let made = (f.make)(&inputs).with_context(|| format!("{} ({})", f.name, f.paper))?;
        let size = Size {
            scale: args.scale,
            ..f.size
        };
        let mut files = Vec::new();
        for ext in ["png", "svg"] {
            let path = args.out.join(format!("{}.{ext}", f.name));
            save(&made.figure, &path, size)?;
            files.push(path.display().to_string());
        }
        let seconds = t.elapsed().as_secs_f64();
        if !args.json {
            println!(
                "{:<28} {:<36} {seconds:>6.1} s  {}",
                f.name, f.paper, made.note
            );
        }
        written.push(json!({
            "name": f.name,
            "paper": f.paper,
            "files": files,
            "seconds": seconds,
            "note": made.note,
        }));
    }
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!("{}", json!({ "figures": written, "seconds": seconds }));
    } else {
        println!(
            "{} figures in {seconds:.1} s, written to {}",
            written.len(),
            args.out.display()
        );
    }
    Ok(())
}
