//! `run.json`: everything needed to understand, compare and resume a run.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::backend::Backend;
use crate::model::VaeConfig;
use crate::space::SpaceKind;

/// What a run trains and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

fn one() -> usize {
    1
}

impl TrainConfig {
    /// The papers' settings for a model on a space (batch 32, or 128 on NB101; Adam 1e-4).
    pub fn paper(space: SpaceKind, vae: VaeConfig) -> Self {
        Self {
            space,
            vae,
            epochs: 300,
            batch_size: if space == SpaceKind::Nb101 { 128 } else { 32 },
            learning_rate: 1e-4,
            seed: 0,
            backend: Backend::Wgpu,
            train_limit: None,
            test_limit: None,
            plateau_factor: 0.1,
            plateau_patience: 10,
            embedding_rounds: 1,
            init_from: None,
        }
    }
}

/// One epoch's figures: losses are means per graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub train_reconstruction: f64,
    pub train_kl: f64,
    pub test_reconstruction: f64,
    pub test_kl: f64,
    pub learning_rate: f64,
    pub seconds: f64,
    pub graphs_per_second: f64,
}

/// The manifest written beside the checkpoints after every epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    pub config: TrainConfig,
    pub epochs: Vec<EpochMetrics>,
    /// Where the last run actually ran ("CPU" or the wgpu adapter).
    pub device: String,
    pub parameters: usize,
    /// State of the learning-rate schedule, so a resumed run continues it.
    pub learning_rate: f64,
    pub best_loss: f64,
    pub bad_epochs: usize,
    /// "running", "finished", "cancelled" or "failed: …".
    pub status: String,
    pub cellspace_version: String,
}

impl RunManifest {
    pub const FILE: &'static str = "run.json";

    pub fn read(dir: &Path) -> Result<Self, String> {
        let path = dir.join(Self::FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a cellspace run manifest: {e}", path.display()))
    }

    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let path = dir.join(Self::FILE);
        let tmp = dir.join("run.json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_string_pretty(self).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(tmp, path)
    }

    pub fn completed_epochs(&self) -> usize {
        self.epochs.len()
    }
}
