//! `cellspace eval`: the four generative metrics of a run, beside the papers' numbers.

use std::path::PathBuf;

use clap::Args;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::eval::{EvalProtocol, PriorFrom, evaluate};
use crate::model::{ModelKind, Readout};
use crate::run::Run;
use crate::space::Cell;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Run folder.
    #[arg(long)]
    pub run: PathBuf,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    /// Latent samples per test graph (reference: 10).
    #[arg(long, default_value_t = 10)]
    pub samples: usize,
    /// Decodings per latent sample (reference: 10).
    #[arg(long, default_value_t = 10)]
    pub decodes: usize,
    /// Prior points for validity (reference: 1000).
    #[arg(long, default_value_t = 1000)]
    pub prior: usize,
    /// Use only this many test graphs (0: all; default: all, but NB101's first 2,000 of
    /// 42,362).
    #[arg(long)]
    pub test_limit: Option<usize>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// SVGe only: decode with both directions (the paper's union) or one of them, to measure
    /// what each side contributes.
    #[arg(long, value_enum, default_value = "union")]
    pub readout: Readout,
    /// Draw the prior points from a normal fitted to the training cells' latent means (the
    /// reference codes') or from N(0, I), to measure what that choice changes.
    #[arg(long, value_enum, default_value = "fitted")]
    pub prior_from: PriorFrom,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let chosen = crate::backend::choose(args.backend);
    if let Some(reason) = &chosen.fallback {
        eprintln!("note: {reason}");
    }
    let run = Run::open(&args.run, &chosen.device)?;
    let (manifest, model) = (&run.manifest, &run.model);
    if let Some(failure) = manifest.failure() {
        eprintln!("note: {}: {failure}", args.run.display());
    }
    let space = manifest.config.space;
    if args.readout != Readout::Union && manifest.config.vae.model != ModelKind::Svge {
        anyhow::bail!(
            "--readout {} needs an SVGe run: {} ({}) decodes in one direction",
            args.readout.name(),
            args.run.display(),
            manifest.config.vae.model.name()
        );
    }
    let data = Dataset::bundled(space)?;
    let train: Vec<&Cell> = data.train().map(|r| &r.cell).collect();
    let test: Vec<&Cell> = data.test().map(|r| &r.cell).collect();
    let protocol = EvalProtocol {
        samples_per_graph: args.samples,
        decodes_per_sample: args.decodes,
        prior_points: args.prior,
        decodes_per_prior_point: args.decodes,
        test_limit: crate::eval::default_test_limit(space, args.test_limit),
        seed: args.seed,
        readout: args.readout,
        draws: crate::eval::Draws::PerPiece,
        prior_from: args.prior_from,
        sample_scale: manifest.config.vae.noise_scale,
    };
    if let (Some(n), None, false) = (protocol.test_limit, args.test_limit, args.json) {
        eprintln!(
            "note: the first {n} of {} test graphs (--test-limit 0 for all of them)",
            test.len()
        );
    }
    let bar = super::progress_bar(1, "evaluating", args.json);
    let started = std::time::Instant::now();
    let m = evaluate(
        model,
        space,
        &train,
        &test,
        &protocol,
        &chosen.device,
        &mut |stage, done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(stage.to_string());
        },
    )?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    // Kept for `compare`, `tables` and the explorer, unless it is a diagnosis (one decoding
    // direction, another prior) or the run already keeps a record of these weights by the
    // reference protocol (the defaults), which a smaller protocol never replaces.
    let reference = EvalProtocol {
        test_limit: crate::eval::default_test_limit(space, None),
        sample_scale: protocol.sample_scale,
        ..EvalProtocol::default()
    };
    let model_file = run.model_file();
    let has_reference = crate::eval::saved::load(&args.run, &model_file)
        .ok()
        .flatten()
        .is_some_and(|saved| saved.protocol == reference);
    let diagnosis = args.readout != Readout::Union || args.prior_from != PriorFrom::Fitted;
    if protocol == reference || !(has_reference || diagnosis) {
        let kept = crate::eval::saved::keep(&args.run, &model_file, &protocol, &m, seconds);
        if let Err(e) = kept {
            eprintln!("note: the figures are printed but not kept: {e}");
        }
    } else if !args.json {
        eprintln!(
            "note: not kept as the run's eval.json: a diagnosis, or the file holds these \
             weights' figures by the reference protocol"
        );
    }
    if args.json {
        let mut v = serde_json::to_value(&m)?;
        v["space"] = space.name().into();
        v["model"] = manifest.config.vae.model.name().into();
        v["seconds"] = seconds.into();
        v["protocol"] = serde_json::to_value(&protocol)?;
        println!("{v}");
        return Ok(());
    }
    // The first table that prints this model on this space (Table I before the others).
    let reference = (manifest.config.vae.model.spec().published.iter())
        .find(|p| p.space == space && p.generative.iter().any(Option::is_some));
    println!(
        "{} on {space}: {} test graphs, {} decodings in {seconds:.0} s on {}",
        manifest.config.vae.model.name(),
        m.test_graphs,
        m.decodings,
        chosen.label
    );
    if args.readout != Readout::Union {
        println!(
            "  decoded cells read from the {} pass alone (the paper's is the union)",
            args.readout.name()
        );
    }
    println!("  {:<34} {:>9} {:>9}", "metric (%)", "cellspace", "paper");
    let rows = [
        ("reconstruction (sampled z)", m.reconstruction_accuracy),
        ("validity", m.validity),
        ("uniqueness", m.uniqueness),
        ("novelty", m.novelty),
    ];
    for (i, (name, value)) in rows.iter().enumerate() {
        let p = reference
            .and_then(|r| r.generative[i])
            .map_or("-".to_string(), |r| format!("{r:.2}"));
        println!("  {name:<34} {:>9.2} {p:>9}", value * 100.0);
    }
    println!(
        "  {:<34} {:>9.2} {:>9}",
        "reconstruction (mean, as published)",
        m.reconstruction_accuracy_mean * 100.0,
        ""
    );
    let invalid: usize = m.invalid.iter().map(|r| r.count).sum();
    if invalid > 0 {
        println!("  why the {invalid} invalid prior decodings are not cells of {space}:");
        for r in m.invalid.iter().take(8) {
            println!(
                "  {:>7} ({:>5.1} %)  {}",
                r.count,
                100.0 * r.count as f64 / invalid as f64,
                r.reason
            );
        }
        if m.invalid.len() > 8 {
            println!(
                "  ... and {} more reasons (--json lists all)",
                m.invalid.len() - 8
            );
        }
    }
    Ok(())
}
