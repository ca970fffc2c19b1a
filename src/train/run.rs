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
    let manifest = open_manifest(config, dir, resume)?;
    let data = Dataset::bundled(manifest.config.space)?;
    let cells = Cells::new(&data, &manifest.config, dir)?;
    let mut run = Training::start(manifest, dir, resume)?;
    let mut model = run.model(resume)?;
    run.started(&model, cells.train.len(), events);
    let config = run.manifest.config.clone();
    for epoch in run.manifest.completed_epochs()..config.epochs {
        let started = Instant::now();
        run.device.train.seed(epoch_seed(config.seed, epoch));
        model = run.new_round_if_due(model, epoch);
        let (trained, sums) = run.epoch(model, epoch, &cells.train, events, cancel)?;
        model = trained;
        let Some(sums) = sums else {
            return run.stop("cancelled", events);
        };
        run.end_epoch(&model, epoch, sums, started, &cells, events)?;
    }
    run.stop("finished", events)
}

/// The run's manifest: read from `dir` and checked against `config` to resume, or new.
fn open_manifest(
    config: &TrainConfig,
    dir: &Path,
    resume: bool,
) -> Result<RunManifest, TrainError> {
    if !resume {
        if dir.join(RunManifest::FILE).exists() {
            return Err(TrainError::AlreadyARun {
                dir: dir.to_path_buf(),
            });
        }
        return Ok(RunManifest::new(config.clone()));
    }
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
    Ok(m)
}

/// The cells a run trains on, is tested on and keeps snapshots of.
struct Cells<'a> {
    train: Vec<&'a Cell>,
    test: Vec<&'a Cell>,
    /// Drawn from the whole table, the same rows on every resume (written to `dir`).
    snapshot: Vec<&'a Cell>,
}

impl<'a> Cells<'a> {
    fn new(data: &'a Dataset, config: &TrainConfig, dir: &Path) -> Result<Self, TrainError> {
        let train: Vec<&Cell> = (data.train().take(config.train_limit.unwrap_or(usize::MAX)))
            .map(|r| &r.cell)
            .collect();
        let test = (data.test().take(config.test_limit.unwrap_or(usize::MAX)))
            .map(|r| &r.cell)
            .collect();
        if train.is_empty() {
            return Err(TrainError::NoTrainingCells);
        }
        let rows = match &config.snapshots {
            Some(plan) => {
                let rows = super::snapshots::sample_rows(data.len(), plan.cells, config.seed);
                super::snapshots::write_rows(dir, &rows)?;
                rows
            }
            None => Vec::new(),
        };
        let snapshot = rows.iter().map(|&r| &data.records[r].cell).collect();
        Ok(Self {
            train,
            test,
            snapshot,
        })
    }
}

/// Where a run computes: the device, its autodiff twin, and the threads of data parallelism.
struct Devices {
    plain: burn::tensor::Device,
    train: burn::tensor::Device,
    label: String,
    fallback: Option<String>,
    /// Data-parallel over this many threads (`crate::threads`); only CPU devices gain from it.
    workers: usize,
}

/// A run in progress: its manifest (the schedule's state), optimizer and device.
struct Training<'a> {
    dir: &'a Path,
    manifest: RunManifest,
    optimizer: burn::optim::ModuleOptimizer,
    device: Devices,
}

/// Adam with the gradient clipping that guards against the loss spikes it shows late in
/// training.
fn adam() -> burn::optim::ModuleOptimizer {
    AdamConfig::new()
        .with_grad_clipping(Some(GradientClippingConfig::Norm(5.0)))
        .init()
}

/// Summed losses of an epoch's training batches.
struct EpochSums {
    reconstruction: f64,
    kl: f64,
}

impl<'a> Training<'a> {
    fn start(manifest: RunManifest, dir: &'a Path, resume: bool) -> Result<Self, TrainError> {
        let chosen = crate::backend::choose(manifest.config.backend);
        let device = Devices {
            train: chosen.device.clone().autodiff(),
            workers: if chosen.is_cpu() {
                crate::threads::threads()
            } else {
                1
            },
            plain: chosen.device,
            label: chosen.label,
            fallback: chosen.fallback,
        };
        let mut optimizer = adam();
        if resume && manifest.completed_epochs() > 0 {
            optimizer = checkpoint::load_optimizer(dir, &manifest, optimizer)?;
        }
        Ok(Self {
            dir,
            manifest,
            optimizer,
            device,
        })
    }

    /// The model to train: the run's last checkpoint when resuming, the source run's weights
    /// when fine-tuning (`init_from`), else fresh weights from the run's seed.
    fn model(&self, resume: bool) -> Result<GraphVae, TrainError> {
        let config = &self.manifest.config;
        let device = &self.device.train;
        // Each device (plain and autodiff) has its own generator: seed the one the model is
        // built on.
        device.seed(config.seed);
        let fresh = GraphVae::new(&config.vae, config.space, device);
        if resume && self.manifest.completed_epochs() > 0 {
            return checkpoint::load_model(self.dir, &self.manifest, device);
        }
        match (&config.init_from, self.manifest.completed_epochs()) {
            (Some(src), 0) => {
                let source = RunManifest::read(src)?;
                check_init_from(src, &source.config, config)?;
                checkpoint::load_model(src, &source, device)
            }
            _ => Ok(fresh),
        }
    }

    fn started(&mut self, model: &GraphVae, cells: usize, events: &mut dyn FnMut(TrainEvent)) {
        let m = &mut self.manifest;
        m.device = self.device.label.clone();
        m.parameters = model.num_params();
        m.status = "running".into();
        events(TrainEvent::Started {
            device: self.device.label.clone(),
            fallback: self.device.fallback.clone(),
            parameters: m.parameters,
            first_epoch: m.completed_epochs(),
            epochs: m.config.epochs,
            batches: cells.div_ceil(m.config.batch_size),
        });
    }

    /// DVAE-EMB's rounds: at the start of each round after the first, fresh weights and a
    /// fresh optimizer, with the learned operation embedding carried over.
    fn new_round_if_due(&mut self, model: GraphVae, epoch: usize) -> GraphVae {
        let config = &self.manifest.config;
        let rounds = config.embedding_rounds.clamp(1, config.epochs.max(1));
        let per_round = config.epochs.div_ceil(rounds);
        if !(epoch > 0 && epoch.is_multiple_of(per_round) && rounds > 1) {
            return model;
        }
        let Some(table) = model.op_embedding() else {
            return model;
        };
        let mut fresh = GraphVae::new(&config.vae, config.space, &self.device.train);
        fresh.set_op_embedding(table.detach());
        self.optimizer = adam();
        self.manifest.learning_rate = config.learning_rate;
        self.manifest.best_loss = f64::INFINITY;
        self.manifest.bad_epochs = 0;
        fresh
    }

    /// One pass over the training cells in the epoch's order, a step per batch. `None` as the
    /// sums: cancelled before the epoch's end.
    fn epoch(
        &mut self,
        mut model: GraphVae,
        epoch: usize,
        cells: &[&Cell],
        events: &mut dyn FnMut(TrainEvent),
        cancel: &AtomicBool,
    ) -> Result<(GraphVae, Option<EpochSums>), TrainError> {
        let config = self.manifest.config.clone();
        let mut order: Vec<usize> = (0..cells.len()).collect();
        let seed = epoch_seed(config.seed, epoch);
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let batches = cells.len().div_ceil(config.batch_size);
        let mut sums = EpochSums {
            reconstruction: 0.0,
            kl: 0.0,
        };
        for (b, chunk) in order.chunks(config.batch_size).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Ok((model, None));
            }
            let batch: Vec<&Cell> = chunk.iter().map(|&i| cells[i]).collect();
            let (nodes, device) = (config.space.max_nodes(), &self.device.train);
            let step = batch_step(
                &model,
                &batch,
                nodes,
                &config.vae,
                device,
                self.device.workers,
            );
            let loss = step.loss;
            if !loss.is_finite() || loss > 1e6 {
                self.manifest.status = format!("failed: loss {loss} in epoch {epoch}");
                self.write()?;
                let kept = self.manifest.completed_epochs();
                return Err(TrainError::Diverged {
                    epoch,
                    batch: b,
                    loss,
                    kept,
                });
            }
            sums.reconstruction += step.reconstruction_sum;
            sums.kl += step.kl_sum;
            model = self
                .optimizer
                .step(self.manifest.learning_rate, model, step.grads);
            events(TrainEvent::Batch {
                epoch,
                batch: b,
                batches,
                loss,
            });
        }
        Ok((model, Some(sums)))
    }

    /// The epoch's metrics, the schedule's step, its snapshot and its checkpoint, made
    /// current together.
    fn end_epoch(
        &mut self,
        model: &GraphVae,
        epoch: usize,
        sums: EpochSums,
        started: Instant,
        cells: &Cells,
        events: &mut dyn FnMut(TrainEvent),
    ) -> Result<(), TrainError> {
        let config = self.manifest.config.clone();
        let train_seconds = started.elapsed().as_secs_f64();
        let seed = epoch_seed(config.seed, epoch);
        let valid = model.valid();
        let (test_reconstruction, test_kl) =
            test_loss(&valid, &cells.test, &config, &self.device.plain, seed);
        let n = cells.train.len() as f64;
        let metrics = EpochMetrics {
            epoch,
            train_reconstruction: sums.reconstruction / n,
            train_kl: sums.kl / n,
            test_reconstruction,
            test_kl,
            learning_rate: self.manifest.learning_rate,
            seconds: started.elapsed().as_secs_f64(),
            graphs_per_second: n / train_seconds,
        };
        self.plateau_step(metrics.train_reconstruction + config.vae.kl_weight * metrics.train_kl);
        // Written before the checkpoint: an epoch's snapshot is shown once the epoch is
        // committed.
        if let Some(plan) = &config.snapshots
            && plan.wants(epoch, config.epochs)
        {
            let space = config.space;
            let means =
                crate::latent::latent_means(&valid, &cells.snapshot, space, &self.device.plain)?;
            super::snapshots::write_epoch(self.dir, epoch, &means)?;
        }
        let mut next = self.manifest.clone();
        next.epochs.push(metrics.clone());
        checkpoint::commit(self.dir, model, &self.optimizer, &mut next)?;
        self.manifest = next;
        events(TrainEvent::Epoch(metrics));
        Ok(())
    }

    /// ReduceLROnPlateau on the epoch's training loss.
    fn plateau_step(&mut self, epoch_loss: f64) {
        let (patience, factor) = (
            self.manifest.config.plateau_patience,
            self.manifest.config.plateau_factor,
        );
        let m = &mut self.manifest;
        if epoch_loss < m.best_loss {
            m.best_loss = epoch_loss;
            m.bad_epochs = 0;
        } else {
            m.bad_epochs += 1;
            if m.bad_epochs > patience {
                m.learning_rate *= factor;
                m.bad_epochs = 0;
            }
        }
    }

    fn write(&self) -> Result<(), TrainError> {
        (self.manifest.write(self.dir))
            .map_err(|e| TrainError::io(self.dir, "write the manifest", e))
    }

    /// Ends the run as `status` ("finished" or "cancelled"), its last checkpoint current.
    fn stop(
        mut self,
        status: &str,
        events: &mut dyn FnMut(TrainEvent),
    ) -> Result<RunManifest, TrainError> {
        self.manifest.status = status.into();
        self.write()?;
        let completed_epochs = self.manifest.completed_epochs();
        events(if status == "cancelled" {
            TrainEvent::Cancelled { completed_epochs }
        } else {
            TrainEvent::Finished {
                epochs: completed_epochs,
            }
        });
        Ok(self.manifest)
    }
}

/// Refuses to fine-tune `config` from the run `src` (whose settings are `source`) when their
/// models differ, naming the flag that makes them agree where one does.
fn check_init_from(
    src: &Path,
    source: &TrainConfig,
    config: &TrainConfig,
) -> Result<(), TrainError> {
    let (was, is) = (source.vae.gcn_order, config.vae.gcn_order);
    let gcn = matches!(config.vae.model, ModelKind::GcnEmb | ModelKind::Gcn);
    if gcn && was != is {
        return Err(TrainError::GcnOrderDiffers {
            from: src.to_path_buf(),
            was,
            is,
        });
    }
    let (was, is) = (source.vae.decoder_state, config.vae.decoder_state);
    if was != is {
        return Err(TrainError::DecoderStateDiffers {
            from: src.to_path_buf(),
            was,
            is,
        });
    }
    // The KL weight and the noise scale shape the loss, not the weights: a fine-tuning run may
    // change them (e.g. `--noise-scale 0` to train on the means).
    let shape_of = |c: &TrainConfig| {
        let mut vae = c.vae.clone();
        vae.kl_weight = 0.0;
        vae.noise_scale = 0.0;
        serde_json::json!({"space": c.space, "vae": vae})
    };
    let mut differ = Vec::new();
    differences(
        "",
        "there",
        &shape_of(source),
        &shape_of(config),
        &mut differ,
    );
    if !differ.is_empty() {
        return Err(TrainError::ModelDiffers {
            from: src.to_path_buf(),
            from_model: source.vae.model.name(),
            from_space: source.space,
            settings: differ.join(", "),
        });
    }
    Ok(())
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
    differences("", "run.json", &saved, &requested, &mut out);
    out
}

/// Adds to `out` each leaf of `saved` whose value in `requested` differs, named by its key, as
/// "name is requested (`saved_in`: saved)".
fn differences(
    name: &str,
    saved_in: &str,
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
                differences(
                    key,
                    saved_in,
                    value,
                    r.get(key).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if saved != requested => out.push(format!(
            "{name} is {} ({saved_in}: {})",
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
