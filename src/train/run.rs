//! The training loop: seeded, resumable, cancellable, guarded against NaN and divergence.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::Module;
use burn::optim::AdamConfig;
use burn::optim::grad_clipping::GradientClippingConfig;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::checkpoint;
use super::step::batch_step;
use super::{EpochMetrics, RunManifest, TrainConfig, TrainError};
use crate::data::Dataset;
use crate::model::{GraphBatch, GraphVae, ModelKind};
use crate::space::Cell;

/// What a training run reports while it runs.
#[derive(Debug, Clone)]
pub enum TrainEvent {
    Started {
        device: String,
        fallback: Option<String>,
        parameters: usize,
        first_epoch: usize,
        epochs: usize,
        batches: usize,
    },
    Batch {
        epoch: usize,
        batch: usize,
        batches: usize,
        loss: f64,
    },
    Epoch(EpochMetrics),
    Finished {
        epochs: usize,
    },
    Cancelled {
        completed_epochs: usize,
    },
}

/// Epoch-specific seed, so a resumed run draws the same numbers as an uninterrupted one.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(epoch as u64 + 1)
}

/// Trains `config` into `dir` (created if needed). With `resume`, continues the run found in
/// `dir` from its last checkpoint: `config` must then be the run's settings, except `epochs`
/// and `backend`, which are applied and recorded; any other difference is an error naming it.
pub fn train(
    config: &TrainConfig,
    dir: &Path,
    resume: bool,
    events: &mut dyn FnMut(TrainEvent),
    cancel: &AtomicBool,
) -> Result<RunManifest, TrainError> {
    config.check()?;
    std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, "create", e))?;
    let mut manifest = if resume {
        let mut m = RunManifest::read(dir)?;
        let differences = resume_conflicts(&m.config, config);
        if !differences.is_empty() {
            return Err(TrainError::ResumeConflicts {
                dir: dir.to_path_buf(),
                differences,
            });
        }
        if config.epochs < m.completed_epochs() {
            return Err(TrainError::ResumeTooShort {
                dir: dir.to_path_buf(),
                completed: m.completed_epochs(),
            });
        }
        m.config.epochs = config.epochs;
        m.config.backend = config.backend;
        m.config.snapshots = config.snapshots;
        m
    } else {
        if dir.join(RunManifest::FILE).exists() {
            return Err(TrainError::AlreadyARun {
                dir: dir.to_path_buf(),
            });
        }
        RunManifest::new(config.clone())
    };
    let config = manifest.config.clone();
    let data = Dataset::bundled(config.space)?;
    let train_cells: Vec<&Cell> = data
        .train()
        .take(config.train_limit.unwrap_or(usize::MAX))
        .map(|r| &r.cell)
        .collect();
    let test_cells: Vec<&Cell> = data
        .test()
        .take(config.test_limit.unwrap_or(usize::MAX))
        .map(|r| &r.cell)
        .collect();
    if train_cells.is_empty() {
        return Err(TrainError::NoTrainingCells);
    }
    let nodes = config.space.max_nodes();
    // The snapshot sample: drawn from the whole table, the same rows on every resume.
    let snapshot_rows = match &config.snapshots {
        Some(plan) => {
            let rows = super::snapshots::sample_rows(data.len(), plan.cells, config.seed);
            super::snapshots::write_rows(dir, &rows)?;
            rows
        }
        None => Vec::new(),
    };
    let snapshot_cells: Vec<&Cell> = snapshot_rows
        .iter()
        .map(|&r| &data.records[r].cell)
        .collect();

    let chosen = crate::backend::choose(config.backend);
    let device = chosen.device.clone();
    let train_device = device.clone().autodiff();
    // Each device (plain and autodiff) has its own generator: seed the one the model is built on.
    train_device.seed(config.seed);
    let mut model = GraphVae::new(&config.vae, config.space, &train_device);
    // Clipping guards against the loss spikes Adam shows late in training.
    let mut optimizer = AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(5.0)))
        .init();
    if let (Some(src), 0) = (&config.init_from, manifest.completed_epochs()) {
        let source = RunManifest::read(src)?;
        let (was, is) = (source.config.vae.gcn_order, config.vae.gcn_order);
        let gcn = matches!(config.vae.model, ModelKind::GcnEmb | ModelKind::Gcn);
        if gcn && was != is {
            return Err(TrainError::GcnOrderDiffers {
                from: src.clone(),
                was,
                is,
            });
        }
        let (was, is) = (source.config.vae.decoder_state, config.vae.decoder_state);
        if was != is {
            return Err(TrainError::DecoderStateDiffers {
                from: src.clone(),
                was,
                is,
            });
        }
        if source.config.vae != config.vae || source.config.space != config.space {
            return Err(TrainError::ModelDiffers {
                from: src.clone(),
                from_model: source.config.vae.model.name(),
                from_space: source.config.space,
                from_hidden: source.config.vae.hidden,
                model: config.vae.model.name(),
                space: config.space,
                hidden: config.vae.hidden,
            });
        }
        model = checkpoint::load_model(src, &source, &train_device)?;
    }
    if resume && manifest.completed_epochs() > 0 {
        model = checkpoint::load_model(dir, &manifest, &train_device)?;
        optimizer = checkpoint::load_optimizer(dir, &manifest, optimizer)?;
    }
    manifest.device = chosen.label.clone();
    manifest.parameters = model.num_params();
    manifest.status = "running".into();
    let batches = train_cells.len().div_ceil(config.batch_size);
    events(TrainEvent::Started {
        device: chosen.label.clone(),
        fallback: chosen.fallback.clone(),
        parameters: manifest.parameters,
        first_epoch: manifest.completed_epochs(),
        epochs: config.epochs,
        batches,
    });

    let write = |m: &RunManifest| {
        m.write(dir)
            .map_err(|e| TrainError::io(dir, "write the manifest", e))
    };
    // Data-parallel over this many threads (`crate::threads`); only CPU devices gain from it.
    let workers = if chosen.is_cpu() {
        crate::threads::threads()
    } else {
        1
    };
    let rounds = config.embedding_rounds.clamp(1, config.epochs.max(1));
    let per_round = config.epochs.div_ceil(rounds);
    for epoch in manifest.completed_epochs()..config.epochs {
        let started = Instant::now();
        let seed = epoch_seed(config.seed, epoch);
        train_device.seed(seed);
        if epoch > 0 && epoch % per_round == 0 && rounds > 1 {
            // A new round: fresh weights and optimizer, the learned op embedding carried over.
            if let Some(table) = model.op_embedding() {
                let mut fresh = GraphVae::new(&config.vae, config.space, &train_device);
                fresh.set_op_embedding(table.detach());
                model = fresh;
                optimizer = AdamConfig::new()
                    .with_grad_clipping(Some(GradientClippingConfig::Norm(5.0)))
                    .init();
                manifest.learning_rate = config.learning_rate;
                manifest.best_loss = f64::INFINITY;
                manifest.bad_epochs = 0;
            }
        }
        let mut order: Vec<usize> = (0..train_cells.len()).collect();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let (mut recon_sum, mut kl_sum) = (0.0, 0.0);
        for (b, chunk) in order.chunks(config.batch_size).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                manifest.status = "cancelled".into();
                write(&manifest)?;
                events(TrainEvent::Cancelled {
                    completed_epochs: manifest.completed_epochs(),
                });
                return Ok(manifest);
            }
            let cells: Vec<&Cell> = chunk.iter().map(|&i| train_cells[i]).collect();
            let step = batch_step(&model, &cells, nodes, &config.vae, &train_device, workers);
            let loss = step.loss;
            if !loss.is_finite() || loss > 1e6 {
                manifest.status = format!("failed: loss {loss} in epoch {epoch}");
                write(&manifest)?;
                return Err(TrainError::Diverged {
                    epoch,
                    batch: b,
                    loss,
                    kept: manifest.completed_epochs(),
                });
            }
            recon_sum += step.reconstruction_sum;
            kl_sum += step.kl_sum;
            model = optimizer.step(manifest.learning_rate, model, step.grads);
            events(TrainEvent::Batch {
                epoch,
                batch: b,
                batches,
                loss,
            });
        }
        let train_seconds = started.elapsed().as_secs_f64();
        let (test_reconstruction, test_kl) =
            test_loss(&model.valid(), &test_cells, &config, &device, seed);
        let n = train_cells.len() as f64;
        let metrics = EpochMetrics {
            epoch,
            train_reconstruction: recon_sum / n,
            train_kl: kl_sum / n,
            test_reconstruction,
            test_kl,
            learning_rate: manifest.learning_rate,
            seconds: started.elapsed().as_secs_f64(),
            graphs_per_second: n / train_seconds,
        };
        // ReduceLROnPlateau on the epoch's training loss.
        let epoch_loss = metrics.train_reconstruction + config.vae.kl_weight * metrics.train_kl;
        if epoch_loss < manifest.best_loss {
            manifest.best_loss = epoch_loss;
            manifest.bad_epochs = 0;
        } else {
            manifest.bad_epochs += 1;
            if manifest.bad_epochs > config.plateau_patience {
                manifest.learning_rate *= config.plateau_factor;
                manifest.bad_epochs = 0;
            }
        }
        // Written before the checkpoint: an epoch's snapshot is shown once the epoch is committed.
        if let Some(plan) = &config.snapshots
            && plan.wants(epoch, config.epochs)
        {
            let means = crate::latent::latent_means(
                &model.valid(),
                &snapshot_cells,
                config.space,
                &device,
            )?;
            super::snapshots::write_epoch(dir, epoch, &means)?;
        }
        // The epoch's metrics, schedule state and checkpoint become current together.
        let mut next = manifest.clone();
        next.epochs.push(metrics.clone());
        checkpoint::commit(dir, &model, &optimizer, &mut next)?;
        manifest = next;
        events(TrainEvent::Epoch(metrics));
    }
    manifest.status = "finished".into();
    write(&manifest)?;
    events(TrainEvent::Finished {
        epochs: manifest.completed_epochs(),
    });
    Ok(manifest)
}

/// The settings of `requested` that differ from the run's `saved` ones, as
/// "name value (run.json: value)"; `epochs`, `backend` and `snapshots` may differ. Compared as the JSON of
/// run.json, so a setting added to [`TrainConfig`] is covered without a line here.
pub fn resume_conflicts(saved: &TrainConfig, requested: &TrainConfig) -> Vec<String> {
    let mut requested = requested.clone();
    requested.epochs = saved.epochs;
    requested.backend = saved.backend;
    requested.snapshots = saved.snapshots;
    let (Ok(saved), Ok(requested)) = (
        serde_json::to_value(saved),
        serde_json::to_value(&requested),
    ) else {
        return vec!["the settings cannot be compared".into()];
    };
    let mut out = Vec::new();
    differences("", &saved, &requested, &mut out);
    out
}

/// Adds to `out` each leaf of `saved` whose value in `requested` differs, named by its key.
fn differences(
    name: &str,
    saved: &serde_json::Value,
    requested: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    let show = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "none".into(),
        other => other.to_string(),
    };
    match (saved, requested) {
        (Value::Object(s), Value::Object(r)) => {
            for (key, value) in s {
                differences(key, value, r.get(key).unwrap_or(&Value::Null), out);
            }
        }
        _ if saved != requested => out.push(format!(
            "{name} is {} (run.json: {})",
            show(requested),
            show(saved)
        )),
        _ => {}
    }
}

/// Mean reconstruction and KL per graph over the test cells (NaN when there are none).
fn test_loss(
    model: &GraphVae,
    cells: &[&Cell],
    config: &TrainConfig,
    device: &burn::tensor::Device,
    seed: u64,
) -> (f64, f64) {
    if cells.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    device.seed(seed ^ 0x5EED);
    let (mut recon, mut kl) = (0.0, 0.0);
    for chunk in cells.chunks(256) {
        let batch = GraphBatch::new(chunk, config.space.max_nodes(), device);
        let parts = model.loss(&batch, config.vae.kl_weight, config.vae.noise_scale);
        recon += parts.reconstruction.into_scalar::<f32>() as f64 * chunk.len() as f64;
        kl += parts.kl.into_scalar::<f32>() as f64 * chunk.len() as f64;
    }
    (recon / cells.len() as f64, kl / cells.len() as f64)
}
