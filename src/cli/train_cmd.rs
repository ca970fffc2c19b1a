//! `cellspace train`: train a graph VAE into a run folder, resumable.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::backend::Backend;
use crate::jobs::Job;
use crate::model::{ModelKind, VaeConfig};
use crate::space::SpaceKind;
use crate::train::{TrainConfig, TrainEvent, train};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Search space [default: enas].
    #[arg(long, value_enum)]
    pub space: Option<SpaceKind>,
    /// Model [default: svge].
    #[arg(long, value_enum)]
    pub model: Option<ModelKind>,
    /// Epochs in total [default: the paper's, 300 for most models; a resumed run: its own].
    /// A resumed run trains up to this many.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Backend [default: wgpu; a resumed run: its own]; without a usable GPU, wgpu falls back
    /// to the CPU and says so.
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Run folder (checkpoints and run.json).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Resume the run in this folder from its last checkpoint. Its settings are kept: a flag
    /// that differs from them (other than --epochs and --backend) is an error.
    #[arg(long, conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Batch size (paper: 32; 128 on NB101; arch2vec 32 everywhere).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Adam learning rate (paper: 1e-4; arch2vec 1e-3).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Random seed [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Train on this many training cells only.
    #[arg(long)]
    pub train_limit: Option<usize>,
    /// Test loss on this many test cells only.
    #[arg(long)]
    pub test_limit: Option<usize>,
    /// Reparameterisation noise scale (1 = standard VAE; the reference codes use 0.01).
    #[arg(long)]
    pub noise_scale: Option<f64>,
    /// GCN-EMB: update a level's nodes in topological order (the reference code's; default for
    /// new runs) or all at once (the paper's description).
    #[arg(long, value_enum)]
    pub gcn_order: Option<crate::model::GcnOrder>,
    /// The D-VAE family's decoder: read the next node's type from the last node's state (D-VAE)
    /// or from the sum of all decoded nodes' states (the GCN models' default).
    #[arg(long, value_enum)]
    pub decoder_state: Option<crate::model::DecoderState>,
    /// Node state size (default: the paper's for the model).
    #[arg(long)]
    pub hidden: Option<usize>,
    /// DVAE-EMB's schedule: split the epochs into this many rounds, each a fresh model that
    /// starts from the previous round's operation embedding (paper: 4) [default: 1].
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Start from the weights of this run folder (same model settings) instead of random ones.
    #[arg(long, conflicts_with = "resume")]
    pub init_from: Option<PathBuf>,
    /// Keep the latent means of a sample of cells every this many epochs (and at the first and
    /// last), for the explorer's epoch slider [default: about 30 over the run]. May be changed
    /// on resume.
    #[arg(long, conflicts_with = "no_snapshots")]
    pub snapshot_every: Option<usize>,
    /// Cells in that sample [default: 2000].
    #[arg(long, conflicts_with = "no_snapshots")]
    pub snapshot_cells: Option<usize>,
    /// Keep no snapshots.
    #[arg(long)]
    pub no_snapshots: bool,
    /// Print one JSON object at the end instead of progress.
    #[arg(long)]
    pub json: bool,
}

/// The run's settings from the flags: the papers' defaults for a new run; for `--resume`, the
/// run's own settings with the flags given applied (so `train` can name any that differ).
fn config(args: &TrainArgs) -> anyhow::Result<TrainConfig> {
    let mut config = match &args.resume {
        Some(dir) => crate::train::RunManifest::read(dir)?.config,
        None => {
            let model = args.model.unwrap_or(ModelKind::Svge);
            let mut config = TrainConfig::paper(
                args.space.unwrap_or(SpaceKind::Enas),
                VaeConfig::paper(model),
            );
            config.backend = Backend::Wgpu;
            config
        }
    };
    if let Some(space) = args.space {
        config.space = space;
    }
    if let Some(model) = args.model {
        config.vae.model = model;
    }
    if let Some(s) = args.noise_scale {
        config.vae.noise_scale = s;
    }
    if let Some(o) = args.gcn_order {
        config.vae.gcn_order = o;
    }
    if let Some(d) = args.decoder_state {
        config.vae.decoder_state = d;
    }
    if let Some(h) = args.hidden {
        config.vae.hidden = h;
    }
    if let Some(e) = args.epochs {
        config.epochs = e;
    }
    if let Some(b) = args.backend {
        config.backend = b;
    }
    if let Some(s) = args.seed {
        config.seed = s;
    }
    if args.train_limit.is_some() {
        config.train_limit = args.train_limit;
    }
    if args.test_limit.is_some() {
        config.test_limit = args.test_limit;
    }
    if let Some(r) = args.rounds {
        config.embedding_rounds = r.max(1);
    }
    if args.init_from.is_some() {
        config.init_from = args.init_from.clone();
    }
    if let Some(b) = args.batch_size {
        anyhow::ensure!(b > 0, "--batch-size must be positive");
        config.batch_size = b;
    }
    if args.no_snapshots {
        config.snapshots = None;
    } else if args.snapshot_every.is_some() || args.snapshot_cells.is_some() {
        let mut plan = config.snapshots.unwrap_or_default();
        if let Some(k) = args.snapshot_every {
            anyhow::ensure!(
                k > 0,
                "--snapshot-every must be at least 1 (--no-snapshots keeps none)"
            );
            plan.every = k;
        }
        if let Some(n) = args.snapshot_cells {
            anyhow::ensure!(n > 0, "--snapshot-cells must be at least 1");
            plan.cells = n;
        }
        config.snapshots = Some(plan);
    }
    if let Some(lr) = args.lr {
        anyhow::ensure!(lr.is_finite() && lr > 0.0, "--lr must be a positive number");
        config.learning_rate = lr;
    }
    Ok(config)
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let config = config(args)?;
    let (dir, resume) = match (&args.resume, &args.out) {
        (Some(dir), _) => (dir.clone(), true),
        (None, Some(dir)) => (dir.clone(), false),
        (None, None) => (
            PathBuf::from(format!(
                "runs/{}-{}",
                config.vae.model.name(),
                config.space.name()
            )),
            false,
        ),
    };
    let json = args.json;
    let run_dir = dir.clone();
    let job = Job::spawn(move |tx, cancel| {
        train(
            &config,
            &run_dir,
            resume,
            &mut |e| {
                let _ = tx.send(e);
            },
            &cancel,
        )
    });
    let mut bar = super::progress_bar(0, "training", true);
    for event in job.events.iter() {
        match event {
            TrainEvent::Started {
                device,
                fallback,
                parameters,
                first_epoch,
                epochs,
                batches,
            } => {
                if let Some(reason) = fallback {
                    eprintln!("note: {reason}");
                }
                if !json {
                    eprintln!(
                        "training on {device}: {parameters} parameters, epochs {first_epoch}..{epochs}, {batches} batches each"
                    );
                }
                bar = super::progress_bar(
                    ((epochs - first_epoch) * batches) as u64,
                    "training",
                    json,
                );
            }
            TrainEvent::Batch { epoch, loss, .. } => {
                bar.set_message(format!("epoch {epoch} loss {loss:.3}"));
                bar.inc(1);
            }
            TrainEvent::Epoch(m) => {
                if !json {
                    let line = format!(
                        "epoch {:>3}: train recon {:.4} kl {:.3} | test recon {:.4} kl {:.3} | {:.0} graphs/s",
                        m.epoch,
                        m.train_reconstruction,
                        m.train_kl,
                        m.test_reconstruction,
                        m.test_kl,
                        m.graphs_per_second
                    );
                    bar.suspend(|| println!("{line}"));
                }
            }
            TrainEvent::Finished { .. } | TrainEvent::Cancelled { .. } => bar.finish_and_clear(),
        }
    }
    let manifest = job.join()??;
    if json {
        let last = manifest.epochs.last();
        println!(
            "{}",
            json!({
                "run": dir, "status": manifest.status, "epochs": manifest.completed_epochs(), "device": manifest.device,
                "parameters": manifest.parameters,
                "train_reconstruction": last.map(|m| m.train_reconstruction),
                "test_reconstruction": last.map(|m| m.test_reconstruction),
                "graphs_per_second": last.map(|m| m.graphs_per_second),
            })
        );
    } else {
        println!(
            "run saved in {} ({} epochs, {})",
            dir.display(),
            manifest.completed_epochs(),
            manifest.status
        );
    }
    Ok(())
}
