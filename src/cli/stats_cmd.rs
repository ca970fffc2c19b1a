//! `cellspace stats`: graph properties against accuracy (operation-embeddings paper, §4.4).

use clap::Args;
use serde_json::json;

use crate::data::Dataset;
use crate::space::SpaceKind;
use crate::space::properties::{average_path_length, clustering_coefficient, pearson};

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Search space (labelled cells only are used).
    #[arg(long, value_enum, default_value = "enas")]
    pub space: SpaceKind,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The paper's Pearson r on ENAS (average path length, clustering coefficient).
const PAPER_ENAS: (f64, f64) = (0.32, -0.39);

pub fn run(args: &StatsArgs) -> anyhow::Result<()> {
    let data = Dataset::bundled(args.space)?;
    let (mut apl, mut cc, mut acc) = (Vec::new(), Vec::new(), Vec::new());
    for r in &data.records {
        if let Some(a) = r.accuracy {
            apl.push(average_path_length(&r.cell));
            cc.push(clustering_coefficient(&r.cell));
            acc.push(a);
        }
    }
    let r_apl = pearson(&apl, &acc);
    let r_cc = pearson(&cc, &acc);
    let paper = (args.space == SpaceKind::Enas).then_some(PAPER_ENAS);
    if args.json {
        let out = json!({
            "space": args.space.name(),
            "cells": acc.len(),
            "pearson_avg_path_length": r_apl,
            "pearson_clustering": r_cc,
            "paper_pearson_avg_path_length": paper.map(|p| p.0),
            "paper_pearson_clustering": paper.map(|p| p.1),
        });
        println!("{out}");
        return Ok(());
    }
    let show = |r: Option<f64>| r.map_or("undefined".to_string(), |r| format!("{r:+.3}"));
    println!(
        "{}: Pearson r with accuracy over {} labelled cells",
        args.space,
        acc.len()
    );
    println!("  {:<26} {:>9} {:>9}", "property", "cellspace", "paper");
    let paper_col = |p: Option<f64>| p.map_or("-".to_string(), |p| format!("{p:+.2}"));
    println!(
        "  {:<26} {:>9} {:>9}",
        "average path length",
        show(r_apl),
        paper_col(paper.map(|p| p.0))
    );
    println!(
        "  {:<26} {:>9} {:>9}",
        "clustering coefficient",
        show(r_cc),
        paper_col(paper.map(|p| p.1))
    );
    Ok(())
}
