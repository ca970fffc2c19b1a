//! `run.json`: everything needed to understand, compare and resume a run.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::TrainError;
use crate::backend::Backend;
use crate::model::VaeConfig;
use crate::space::SpaceKind;

/// What a run trains and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    pub space: SpaceKind,
    pub vae: VaeConfig,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
    pub backend: Backend,
    /// Train on the first `n` cells of the training split only (None: all of it).
    pub train_limit: Option<usize>,
    /// Evaluate the test loss on at most this many test cells per epoch.
    pub test_limit: Option<usize>,
    /// ReduceLROnPlateau on the epoch's training loss: factor and patience (epochs).
    pub plateau_factor: f64,
    pub plateau_patience: usize,
    /// DVAE-EMB's schedule: the epochs are split into this many rounds; each round starts a
    /// fresh model (and optimizer) from the previous round's operation embedding.
    #[serde(default = "one")]
    pub embedding_rounds: usize,
    /// A run folder whose weights start this run (fine-tuning; same model settings), instead
    /// of a random initialisation. The optimizer starts fresh.
    #[serde(default)]
    pub init_from: Option<std::path::PathBuf>,
    /// Latent means of a fixed sample of cells kept at some epochs (`snapshots.rs`); runs from
    /// before it have none. Changing it on resume changes no result.
    #[serde(default)]
    pub snapshots: Option<super::snapshots::SnapshotPlan>,
}

fn one() -> usize {
    1
}

fn format_one() -> u32 {
    1
}

/// JSON has no NaN or infinity (serde_json writes `null`): these read `null` back as the value
/// that was written, so a manifest written before its first epoch (or without test cells) can
/// be read again.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        super::nan_as_null::serialize(v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

impl TrainConfig {
    /// Refuses settings a run cannot train with, naming the field (see [`VaeConfig::check`]).
    pub fn check(&self) -> Result<(), TrainError> {
        self.vae.check()?;
        if !(1..=65_536).contains(&self.batch_size) {
            return Err(TrainError::OutOfRange {
                name: "batch_size",
                value: self.batch_size,
                lo: 1,
                hi: 65_536,
            });
        }
        if self.epochs > 1_000_000 {
            return Err(TrainError::TooManyEpochs {
                epochs: self.epochs,
            });
        }
        if !(self.learning_rate.is_finite() && self.learning_rate >= 0.0) {
            return Err(TrainError::Negative {
                name: "learning_rate",
                value: self.learning_rate,
            });
        }
        if !(self.plateau_factor.is_finite()
            && self.plateau_factor > 0.0
            && self.plateau_factor <= 1.0)
        {
            return Err(TrainError::PlateauFactor {
                factor: self.plateau_factor,
            });
        }
        Ok(())
    }

    /// The papers' settings for a model on a space (the registry's: most models batch 32, or
    /// 128 on NB101, and Adam 1e-4 for 300 epochs).
    pub fn paper(space: SpaceKind, vae: VaeConfig) -> Self {
        let schedule = (vae.model.spec().training)(space);
        Self {
            space,
            vae,
            epochs: schedule.epochs,
            batch_size: schedule.batch_size,
            learning_rate: schedule.learning_rate,
            seed: 0,
            backend: Backend::Wgpu,
            train_limit: None,
            test_limit: None,
            plateau_factor: 0.1,
            plateau_patience: 10,
            embedding_rounds: 1,
            init_from: None,
            snapshots: Some(super::snapshots::SnapshotPlan::default()),
        }
    }
}

/// One epoch's figures: losses are means per graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub train_reconstruction: f64,
    pub train_kl: f64,
    /// NaN (`null` in the file) when the run has no test cells.
    #[serde(with = "nan_as_null")]
    pub test_reconstruction: f64,
    #[serde(with = "nan_as_null")]
    pub test_kl: f64,
    pub learning_rate: f64,
    pub seconds: f64,
    pub graphs_per_second: f64,
}

/// The manifest written beside the checkpoints after every epoch. Strict: an unknown field (a
/// typo such as `embeding_rounds`) is an error naming it, never a silent default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunManifest {
    /// Layout of the run folder: 1 = `model.bpk` and `optimizer.bpk` beside `run.json` (the
    /// first cellspace runs; read, never written), 2 = in the folder named by `checkpoint`.
    #[serde(default = "format_one")]
    pub format: u32,
    /// The folder (inside the run folder) of the checkpoint this manifest belongs to; the
    /// manifest's rename is what makes an epoch's checkpoint current (see `checkpoint.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    pub config: TrainConfig,
    pub epochs: Vec<EpochMetrics>,
    /// Where the last run actually ran ("CPU" or the wgpu adapter).
    pub device: String,
    pub parameters: usize,
    /// State of the learning-rate schedule, so a resumed run continues it.
    pub learning_rate: f64,
    /// Infinite (`null` in the file) until an epoch of the current round is done.
    #[serde(with = "infinite_as_null")]
    pub best_loss: f64,
    pub bad_epochs: usize,
    /// "running", "finished", "cancelled" or "failed: …".
    pub status: String,
    pub cellspace_version: String,
}

impl RunManifest {
    pub const FILE: &'static str = "run.json";
    /// The run-folder format this cellspace writes.
    pub const FORMAT: u32 = 2;

    /// A fresh manifest for `config`, nothing trained yet.
    pub fn new(config: TrainConfig) -> Self {
        Self {
            format: Self::FORMAT,
            checkpoint: None,
            learning_rate: config.learning_rate,
            config,
            epochs: Vec::new(),
            device: String::new(),
            parameters: 0,
            best_loss: f64::INFINITY,
            bad_epochs: 0,
            status: "running".into(),
            cellspace_version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    pub fn read(dir: &Path) -> Result<Self, TrainError> {
        let path = dir.join(Self::FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, "read", e))?;
        Self::parse(&text).map_err(|e| TrainError::Manifest {
            path,
            error: Box::new(e),
        })
    }

    /// Parses a manifest's text: the format is checked first (a newer one is named with the
    /// cellspace version that wrote it), then every field, strictly.
    pub fn parse(text: &str) -> Result<Self, TrainError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(TrainError::ManifestJson)?;
        let Some(object) = value.as_object() else {
            return Err(TrainError::ManifestNotObject);
        };
        let format = match object.get("format") {
            None => 1,
            Some(v) => v
                .as_u64()
                .filter(|&f| f >= 1)
                .ok_or_else(|| TrainError::ManifestFormatField { value: v.clone() })?,
        };
        if format > Self::FORMAT as u64 {
            let writer = object
                .get("cellspace_version")
                .and_then(|v| v.as_str())
                .unwrap_or("an unknown version");
            return Err(TrainError::NewerFormat {
                format,
                writer: writer.to_string(),
            });
        }
        let manifest: Self = serde_json::from_value(value).map_err(TrainError::ManifestInvalid)?;
        manifest
            .config
            .check()
            .map_err(|e| TrainError::UnusableSettings(Box::new(e)))?;
        if !(manifest.learning_rate.is_finite() && manifest.learning_rate >= 0.0) {
            return Err(TrainError::Negative {
                name: "learning_rate (the schedule's current rate)",
                value: manifest.learning_rate,
            });
        }
        if manifest.format >= 2 && manifest.checkpoint.is_none() && !manifest.epochs.is_empty() {
            return Err(TrainError::NoCheckpointNamed {
                epochs: manifest.epochs.len(),
            });
        }
        if let Some(c) = &manifest.checkpoint
            && (c.is_empty() || c.contains(['/', '\\']) || c.starts_with('.'))
        {
            return Err(TrainError::CheckpointOutside { name: c.clone() });
        }
        Ok(manifest)
    }

    /// Writes `run.json` atomically: a temporary file, flushed to disk, renamed over the old
    /// one (and the folder flushed), so a crash leaves either the old or the new manifest.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let path = dir.join(Self::FILE);
        let tmp = dir.join("run.json.tmp");
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(tmp, path)?;
        sync_dir(dir);
        Ok(())
    }

    pub fn completed_epochs(&self) -> usize {
        self.epochs.len()
    }

    /// What to tell whoever opens a run whose training failed (a NaN or diverging loss): it is
    /// kept as it was, so its weights are those of the last epoch that finished.
    pub fn failure(&self) -> Option<String> {
        let why = self.status.strip_prefix("failed: ")?;
        Some(format!(
            "its training failed ({why}); the weights are those after {} epochs, the last \
             checkpoint before it, and run.json keeps the loss curve up to there",
            self.completed_epochs()
        ))
    }
}

/// Flushes a folder's entries (renames) to disk where the platform allows it.
pub(super) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
