//! `cellspace data`: what a search space's data holds.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use crate::data::{Dataset, write_nb101_cells};
use crate::space::{SpaceKind, enumerate_nb101, nb101, nb101_reference};

#[derive(Debug, Args)]
pub struct DataArgs {
    /// Search space.
    #[arg(long, value_enum)]
    pub space: SpaceKind,
    /// NB101 only: enumerate all cells now (ignoring the cache), time it and check it against
    /// the reference list's digest.
    #[arg(long)]
    pub enumerate: bool,
    /// Load this file (in the bundled format of the space) instead of the bundled data.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &DataArgs) -> anyhow::Result<()> {
    let mut report = serde_json::Map::new();
    if args.enumerate {
        anyhow::ensure!(
            args.space == SpaceKind::Nb101,
            "--enumerate is for --space nb101 only"
        );
        enumerate(args.json, &mut report)?;
    }
    let start = Instant::now();
    let data = load(args)?;
    let load_seconds = start.elapsed().as_secs_f64();
    summarise(&data, load_seconds, args.json, report)
}

fn load(args: &DataArgs) -> anyhow::Result<Dataset> {
    let Some(path) = &args.file else {
        if args.space == SpaceKind::Nb101 && !crate::data::nb101_cache_path().exists() && !args.json
        {
            eprintln!("enumerating all NAS-Bench-101 cells once (cached afterwards)…");
        }
        return Ok(Dataset::bundled(args.space)?);
    };
    let data = Dataset::from_file(args.space, path)?;
    for w in &data.warnings {
        eprintln!("warning: {w}");
    }
    Ok(data)
}

fn enumerate(
    json: bool,
    report: &mut serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let bar = super::progress_bar(6, "enumerating NB101", json);
    let start = Instant::now();
    let cells = enumerate_nb101(nb101::MAX_VERTICES, threads, |vertices, unique| {
        bar.set_message(format!("{vertices} vertices: {unique}"));
        bar.inc(1);
    });
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let mut text = Vec::new();
    write_nb101_cells(&mut text, &cells)?;
    let digest = nb101_reference::digest(&text);
    let matches = digest == nb101_reference::FULL;
    if json {
        report.insert("enumerated".into(), json!(cells.len()));
        report.insert("enumeration_seconds".into(), json!(seconds));
        report.insert("enumeration_threads".into(), json!(threads));
        report.insert("matches_reference".into(), json!(matches));
    } else {
        println!(
            "enumerated {} unique NAS-Bench-101 cells in {seconds:.1} s on {threads} threads",
            cells.len()
        );
        println!(
            "reference list digest: {} ({digest})",
            if matches { "identical" } else { "DIFFERENT" }
        );
    }
    anyhow::ensure!(
        matches,
        "the enumeration differs from the reference NAS-Bench-101 list"
    );
    Ok(())
}

fn summarise(
    data: &Dataset,
    load_seconds: f64,
    json: bool,
    mut report: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<()> {
    let space = data.space;
    let mut histogram = vec![0usize; space.op_names().len()];
    for r in &data.records {
        for op in r.cell.inner_ops() {
            histogram[op as usize] += 1;
        }
    }
    let accs: Vec<f64> = data.records.iter().filter_map(|r| r.accuracy).collect();
    let (min, max) = accs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &a| {
            (lo.min(a), hi.max(a))
        });
    let mean = accs.iter().sum::<f64>() / accs.len().max(1) as f64;
    let best = data.best();
    if json {
        report.insert("space".into(), json!(space.name()));
        report.insert("cells".into(), json!(data.len()));
        report.insert("labelled".into(), json!(accs.len()));
        report.insert("train".into(), json!(data.split.train.len()));
        report.insert("test".into(), json!(data.split.test.len()));
        report.insert("load_seconds".into(), json!(load_seconds));
        let ops: serde_json::Map<_, _> = space
            .op_names()
            .iter()
            .zip(&histogram)
            .map(|(n, c)| (n.to_string(), json!(c)))
            .collect();
        report.insert("op_histogram".into(), ops.into());
        if !accs.is_empty() {
            report.insert(
                "accuracy".into(),
                json!({"min": min, "mean": mean, "max": max, "unit": "%"}),
            );
        }
        if let Some(b) = best {
            report.insert(
                "best".into(),
                json!({"id": b.id, "accuracy": b.accuracy, "cell": cell_json(space, &b.cell)}),
            );
        }
        println!("{}", serde_json::Value::Object(report));
        return Ok(());
    }
    println!(
        "{space}: {} cells ({} labelled), split {} train / {} test, loaded in {load_seconds:.2} s",
        data.len(),
        accs.len(),
        data.split.train.len(),
        data.split.test.len()
    );
    println!("operations:");
    for (name, count) in space.op_names().iter().zip(&histogram) {
        println!("  {name:<16} {count}");
    }
    if !accs.is_empty() {
        println!(
            "{}: min {min:.2}  mean {mean:.2}  max {max:.2}",
            data.accuracy_label
        );
    }
    if let Some(b) = best {
        println!(
            "best cell: id {} at {:.2} %",
            b.id,
            b.accuracy.unwrap_or(f64::NAN)
        );
        print!("{}", b.cell.to_text(space.op_names()));
    }
    Ok(())
}

/// A cell as JSON: node operations and edges (and the space's own string where it has one).
pub(crate) fn cell_json(space: SpaceKind, cell: &crate::space::Cell) -> serde_json::Value {
    let ops: Vec<&str> = cell.types().iter().map(|&t| space.type_name(t)).collect();
    let mut v = json!({"ops": ops, "edges": cell.edges()});
    match space {
        SpaceKind::Enas => v["arc"] = json!(crate::space::enas::arc_string(cell)),
        SpaceKind::Nb201 => v["arch_str"] = json!(crate::space::nb201::arch_str(cell)),
        SpaceKind::Nb101 => v["hash"] = json!(nb101::hash(cell)),
    }
    v
}
