//! `cellspace predict` and `cellspace bo`: the sparse GP on latent means, and Bayesian
//! optimisation with it.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;
use serde_json::json;

use crate::backend::Backend;
use crate::bo::{BoConfig, BoEvent, CandidateSampler, GpSettings, optimise_estimating};
use crate::run::bo_record::BoTrial;
use crate::space::SpaceKind;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Run folder.
    #[arg(long)]
    pub run: PathBuf,
    /// Inducing points of the sparse GP (papers: 500).
    #[arg(long, default_value_t = 500)]
    pub inducing: usize,
    /// Training latents (a random subset) whose exact GP likelihood the hyper-parameters
    /// maximise.
    #[arg(long, default_value_t = 1000)]
    pub hyper_points: usize,
    /// L-BFGS iterations of the hyper-parameter fit.
    #[arg(long, default_value_t = 100)]
    pub gp_iterations: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    #[arg(long)]
    pub json: bool,
}

pub fn predict(args: &PredictArgs) -> anyhow::Result<()> {
    let super::explore_cmd::Opened {
        data, embedding, ..
    } = super::explore_cmd::open(&args.run, args.backend, args.json)?;
    let started = std::time::Instant::now();
    let settings = GpSettings {
        inducing: args.inducing,
        hyper_points: args.hyper_points,
        max_iterations: args.gp_iterations,
        seed: args.seed,
    };
    let prediction = crate::bo::test_prediction(&data, &embedding.means, &settings)
        .map_err(|e| anyhow::anyhow!("sparse GP on {}: {e}", args.run.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    let crate::bo::Prediction {
        rmse,
        pearson: r,
        train,
        test,
        gp,
    } = prediction;
    let paper = (data.space == SpaceKind::Enas).then_some((
        "D-VAE 0.384 / 0.920, DVAE-EMB 0.371 / 0.925",
        [0.384, 0.920],
    ));
    if args.json {
        println!(
            "{}",
            json!({"space": data.space.name(), "train": train, "test": test, "rmse": rmse, "pearson": r,
                   "seconds": seconds, "inducing": gp.inducing_count(), "settings": settings,
                   "likelihood_evaluations": gp.evaluations(), "hyperparameters": gp.hyperparameters()})
        );
    } else {
        println!(
            "sparse GP ({} inducing points; hyper-parameters from {} of the latents, {} likelihood evaluations) on {train} train latents, {test} test cells: {seconds:.1} s",
            gp.inducing_count(),
            args.hyper_points.min(train),
            gp.evaluations(),
        );
        println!(
            "  RMSE (standardised) {rmse:.3}   Pearson r {}",
            r.map_or("undefined".into(), |r| format!("{r:.3}"))
        );
        if let Some((text, _)) = paper {
            println!("  paper (ENAS): {text}");
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct BoArgs {
    /// Run folder (its space is the search space).
    #[arg(long)]
    pub run: PathBuf,
    /// Search space; must match the run's.
    #[arg(long, value_enum)]
    pub space: Option<SpaceKind>,
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,
    #[arg(long, default_value_t = 50)]
    pub batch: usize,
    /// Labelled cells drawn at random to start from.
    #[arg(long, default_value_t = 100)]
    pub initial: usize,
    /// Random candidates scored by expected improvement per round.
    #[arg(long, default_value_t = 10_000)]
    pub candidates: usize,
    /// Where the candidates come from: near the space's cells' latent points, or uniform in
    /// their bounding box (the D-VAE code's sampler).
    #[arg(long, value_enum, default_value = "near")]
    pub sampler: CandidateSampler,
    /// Noise of the near sampler, in standard deviations of each latent dimension.
    #[arg(long, default_value_t = 0.1)]
    pub spread: f32,
    /// Stochastic decodings per candidate; the most frequent valid cell is kept.
    #[arg(long, default_value_t = 10)]
    pub attempts: usize,
    #[arg(long, default_value_t = 500)]
    pub inducing: usize,
    /// Observations (a random subset) whose exact GP likelihood the hyper-parameters maximise.
    #[arg(long, default_value_t = 1000)]
    pub hyper_points: usize,
    /// L-BFGS iterations per refit (warm-started from the previous round).
    #[arg(long, default_value_t = 100)]
    pub gp_iterations: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "wgpu")]
    pub backend: Backend,
    /// Pool-based BO instead (as arch2vec on NB101): query the labelled cells of highest
    /// expected improvement, nothing decoded; reported beside random search with the same
    /// number of queries and the pool's best, over `--seeds` runs.
    #[arg(long)]
    pub pool: bool,
    /// Value decoded cells the table has no label for (NB101) by the run's fine-tuned
    /// predictor (`cellspace finetune`): estimates, learnt from but never counted as the best.
    #[arg(long)]
    pub estimate_unlabelled: bool,
    /// Runs of the pool comparison (seeds `--seed` onwards).
    #[arg(long, default_value_t = 10)]
    pub seeds: usize,
    /// Decoding BO trials, seeds `--seed` onwards (the paper averages 10).
    #[arg(long, default_value_t = 1)]
    pub trials: usize,
    /// Keep the trials in the run folder (`bo.json`), where `cellspace tables` reads its
    /// Table III from.
    #[arg(long)]
    pub keep: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn bo(args: &BoArgs) -> anyhow::Result<()> {
    let opened = super::explore_cmd::open(&args.run, args.backend, args.json)?;
    let (chosen, data) = (&opened.chosen, &opened.data);
    if let Some(space) = args.space {
        anyhow::ensure!(
            space == data.space,
            "the run was trained on {}, not {space}",
            data.space
        );
    }
    if args.pool {
        return pool(args, data, &opened.embedding.means);
    }
    anyhow::ensure!(args.trials >= 1, "--trials must be at least 1");
    let config = BoConfig {
        rounds: args.rounds,
        batch: args.batch,
        initial: args.initial,
        candidates: args.candidates,
        sampler: args.sampler,
        spread: args.spread,
        inducing: args.inducing,
        seed: args.seed,
        hyper_points: args.hyper_points,
        gp_iterations: args.gp_iterations,
    };
    let loaded = if args.estimate_unlabelled {
        let dir = crate::train::finetune::find_predictor(&args.run).ok_or_else(|| {
            anyhow::anyhow!(
                "--estimate-unlabelled: {} has no fine-tuned predictor (finetune-*); make one \
                 with `cellspace finetune --run {}`",
                args.run.display(),
                args.run.display()
            )
        })?;
        let (manifest, predictor) = crate::train::finetune::load_predictor(&dir, &chosen.device)?;
        if !args.json {
            println!(
                "decoded cells without a label are valued by the predictor in {} (estimates)",
                dir.display()
            );
        }
        Some((manifest.space, predictor))
    } else {
        None
    };
    let estimate = loaded.as_ref().map(|(space, predictor)| {
        crate::train::finetune::estimator(predictor, *space, &chosen.device)
    });
    let estimate = estimate.as_ref().map(|e| e as crate::bo::Estimator);
    let mut trials = Vec::with_capacity(args.trials);
    let mut single = None;
    for k in 0..args.trials as u64 {
        let config = BoConfig {
            seed: args.seed + k,
            ..config.clone()
        };
        let (trial, outcome, rounds) = trial(args, &opened, &config, estimate)?;
        if args.trials > 1 && !args.json {
            println!(
                "trial {} (seed {}): best {:.2} (rank {}), from {:.2}, {:.0} s",
                k + 1,
                trial.seed,
                trial.best,
                trial.rank,
                trial.initial_best,
                trial.seconds
            );
        } else if !args.json
            && let Some(c) = &outcome.best_cell
        {
            print!("{}", c.to_text(data.space.op_names()));
        }
        if args.trials == 1 && args.json {
            single = Some((outcome, rounds));
        }
        trials.push(trial);
    }
    let kept = if args.keep {
        let path =
            crate::run::bo_record::keep(&args.run, &opened.run.model_file(), &config, &trials)?;
        Some(path)
    } else {
        None
    };
    let (mean, std) = crate::run::bo_record::best_mean_std(&trials);
    if let (Some((outcome, rounds)), [t]) = (single, trials.as_slice()) {
        let best_cell = outcome
            .best_cell
            .as_ref()
            .map(|c| super::data_cmd::cell_json(data.space, c));
        println!(
            "{}",
            json!({
                "rounds": rounds, "evaluated": t.evaluated, "estimated": t.estimated,
                "initial_best": t.initial_best, "best_accuracy": t.best, "best_rank": t.rank,
                "best_id": t.best_id, "best_cell": best_cell, "seconds": t.seconds,
                "fit_seconds": outcome.fit_seconds, "config": config, "kept": kept,
            })
        );
        return Ok(());
    }
    if args.json {
        println!(
            "{}",
            json!({"trials": trials, "best_mean": mean, "best_std": std,
                   "config": config, "kept": kept})
        );
        return Ok(());
    }
    if trials.len() > 1 {
        println!("best over {} trials: {mean:.2} ± {std:.2}", trials.len());
    }
    if let Some(path) = kept {
        println!("kept in {}", path.display());
    }
    Ok(())
}

/// One decoding BO trial with `config` (its seed included), reported as it goes unless
/// `--json` or several trials.
fn trial(
    args: &BoArgs,
    opened: &super::explore_cmd::Opened,
    config: &BoConfig,
    estimate: Option<crate::bo::Estimator>,
) -> anyhow::Result<(BoTrial, crate::bo::BoOutcome, Vec<serde_json::Value>)> {
    let (chosen, data, latents) = (&opened.chosen, &opened.data, &opened.embedding.means);
    let decoder = opened.decoder(args.attempts);
    chosen.device.seed(config.seed);
    let never = AtomicBool::new(false);
    let verbose = !args.json && args.trials == 1;
    let mut rounds_seconds = 0.0;
    let mut rounds = Vec::new();
    let started = std::time::Instant::now();
    let outcome = optimise_estimating(
        &decoder,
        latents,
        config,
        estimate,
        &mut |e| match e {
            BoEvent::Started {
                initial_best,
                initial,
            } => {
                if verbose {
                    println!("{initial} random labelled cells to start, best {initial_best:.2}");
                }
            }
            BoEvent::RoundDone {
                round,
                best,
                seconds,
            } => {
                if verbose {
                    println!(
                        "round {:>2}: best so far {best:.2} ({seconds:.1} s)",
                        round + 1
                    );
                }
                rounds_seconds += seconds;
                rounds.push(json!({"round": round + 1, "best": best, "seconds": seconds}));
            }
            BoEvent::Evaluated(_) => {}
        },
        &never,
    )?;
    // Rank of the best true value among the table's labelled cells (1 = the optimum).
    let rank = 1 + data
        .records
        .iter()
        .filter(|r| r.accuracy.is_some_and(|a| a > outcome.best))
        .count();
    let estimated = outcome.evaluations.iter().filter(|e| e.estimated).count();
    let seconds = started.elapsed().as_secs_f64();
    let best_id = outcome.best_row.map(|r| data.records[r].id.clone());
    if verbose {
        println!(
            "{} cells evaluated; best true accuracy {:.2} (rank {rank} of {} labelled cells), id {}",
            outcome.evaluations.len(),
            outcome.best,
            data.records.iter().filter(|r| r.accuracy.is_some()).count(),
            best_id.as_deref().unwrap_or("-")
        );
        println!(
            "{seconds:.1} s in all, {:.1} s per round, of which the GP refits took {:.1} s per round",
            rounds_seconds / rounds.len().max(1) as f64,
            outcome.fit_seconds.iter().sum::<f64>() / outcome.fit_seconds.len().max(1) as f64
        );
        if estimated > 0 {
            println!(
                "{estimated} decoded cells lie outside the table: their values are the surrogate's estimates, not measurements, and never count as best"
            );
        }
    }
    let trial = BoTrial {
        seed: config.seed,
        initial_best: outcome.initial_best,
        best: outcome.best,
        best_id,
        rank,
        evaluated: outcome.evaluations.len(),
        estimated,
        seconds,
    };
    Ok((trial, outcome, rounds))
}

/// `bo --pool`: pool-based BO over the labelled cells against random search.
fn pool(args: &BoArgs, data: &crate::data::Dataset, latents: &[Vec<f32>]) -> anyhow::Result<()> {
    use crate::bo::pool::{PoolConfig, compare_with_random};
    let (rows, values): (Vec<usize>, Vec<f64>) = data
        .records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.accuracy.map(|a| (i, a)))
        .unzip();
    anyhow::ensure!(
        rows.len() >= 2,
        "pool BO needs labelled cells; this data set has {}",
        rows.len()
    );
    let pool_latents: Vec<Vec<f32>> = rows.iter().map(|&r| latents[r].clone()).collect();
    let config = PoolConfig {
        initial: args.initial,
        rounds: args.rounds,
        batch: args.batch,
        seed: args.seed,
        gp: GpSettings {
            inducing: args.inducing,
            hyper_points: args.hyper_points,
            max_iterations: args.gp_iterations,
            seed: args.seed,
        },
    };
    let bar = super::progress_bar(args.seeds as u64, "pool BO runs", args.json);
    let started = std::time::Instant::now();
    let never = AtomicBool::new(false);
    let c = compare_with_random(
        &pool_latents,
        &values,
        &config,
        args.seeds,
        &mut |done, _| bar.set_position(done as u64),
        &never,
    )?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            json!({"space": data.space.name(), "comparison": c, "config": config, "seconds": seconds})
        );
        return Ok(());
    }
    println!(
        "pool BO over {} labelled {} cells ({}), {} queries each ({} random, then {} rounds of {}), {} runs, {seconds:.0} s:",
        c.pool,
        data.space,
        data.accuracy_label,
        c.queries,
        config.initial,
        config.rounds,
        config.batch,
        c.bo.runs
    );
    println!(
        "  best found by pool BO     {:.2} +- {:.2}",
        c.bo.mean, c.bo.std
    );
    println!(
        "  best found by random      {:.2} +- {:.2}",
        c.random.mean, c.random.std
    );
    println!("  best in the pool (oracle) {:.2}", c.oracle);
    Ok(())
}
