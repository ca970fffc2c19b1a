//! `cellspace compare`: two or more runs on one space, figure by figure (the table the
//! explorer's comparison shows), so that "which latent space is smoother" gets numbers.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::backend::Backend;
use crate::eval::compare::{markdown, rows};
use crate::eval::smoothness::SmoothnessSettings;
use crate::space::SpaceKind;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run folders, all on one space (two or more).
    #[arg(long, num_args = 2.., required_unless_present = "space", conflicts_with = "space")]
    pub runs: Vec<PathBuf>,
    /// Instead of --runs: every bundled model of this space (`assets/models`).
    #[arg(long, value_enum)]
    pub space: Option<SpaceKind>,
    /// Seeds of the sparse GP per run (the operation-embeddings paper: 10; 0 leaves it out).
    #[arg(long, default_value_t = 3)]
    pub gp_runs: usize,
    /// Great-circle walks per run.
    #[arg(long, default_value_t = 20)]
    pub walks: usize,
    /// Points per walk.
    #[arg(long, default_value_t = 24)]
    pub steps: usize,
    /// Cells whose nearest latent neighbours are looked at.
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// Nearest latent neighbours per cell.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Edit distance that counts as "close" for the neighbour share.
    #[arg(long, default_value_t = 3)]
    pub within: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    /// Write the Markdown table to this file too.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let settings = SmoothnessSettings {
        walks: args.walks,
        steps: args.steps,
        queries: args.queries,
        k: args.k,
        within: args.within,
        seed: args.seed,
    };
    let runs = match args.space {
        Some(space) => {
            let runs = crate::run::bundled_runs(space);
            if runs.len() < 2 {
                anyhow::bail!(
                    "compare needs two or more runs; assets/models has {} of {space}",
                    runs.len()
                );
            }
            runs
        }
        None => args.runs.clone(),
    };
    // Every run.json first, so that a wrong folder or a mix of spaces fails before any work.
    let mut spaces = Vec::new();
    for dir in &runs {
        let manifest = crate::train::RunManifest::read(dir)?;
        spaces.push((dir, manifest.config.space));
    }
    if let Some((first, space)) = spaces.first()
        && let Some((other, other_space)) = spaces.iter().find(|(_, s)| s != space)
    {
        anyhow::bail!(
            "the runs must share a space: {} is {space}, {} is {other_space}",
            first.display(),
            other.display()
        );
    }
    let mut figures = Vec::new();
    for dir in &runs {
        if !args.json {
            eprintln!("measuring {} ...", dir.display());
        }
        let o = super::explore_cmd::open(dir, args.backend, args.json)?;
        figures.push(o.run.figures(
            &o.data,
            &o.embedding.means,
            args.gp_runs,
            &settings,
            &crate::jobs::NEVER,
        )?);
    }
    let table = rows(&figures, &settings);
    let seconds = started.elapsed().as_secs_f64();
    let space = spaces.first().map(|(_, s)| *s);
    let md = format!(
        "Latent spaces on {} compared by `cellspace compare` in {seconds:.0} s (best of each \
         row in bold; ↑ higher is better, ↓ lower).\n\n{}",
        space.map_or("-".to_string(), |s| s.to_string()),
        markdown(&figures, &table)
    );
    if let Some(out) = &args.out {
        super::write_out(out, &md)?;
    }
    if args.json {
        println!(
            "{}",
            json!({"space": space.map(|s| s.name()), "seconds": seconds, "settings": settings,
                   "runs": figures, "rows": table})
        );
    } else {
        print!("{md}");
    }
    Ok(())
}
