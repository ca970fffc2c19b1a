//! A trained run, opened: its manifest, its weights on a device, and what every front end asks
//! of it (the latent means of a table, a decoder over them, the figures `compare` shows, the
//! learned operation embedding, its fine-tuned predictor). The one place a run folder is
//! opened; the CLI, the explorer and the comparisons all go through [`Run::open`].

pub mod bo_record;
mod bundled;

pub use bundled::{bundled_run, bundled_runs};

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use burn::tensor::Device;
use thiserror::Error;

use crate::data::Dataset;
use crate::eval::EvalError;
use crate::eval::compare::{OpenedRun, RunFigures, run_figures};
use crate::eval::smoothness::SmoothnessSettings;
use crate::latent::{CellIndex, Embedding, LatentDecoder, LatentError, embed_dataset};
use crate::model::{GraphVae, ModelError};
use crate::space::SpaceKind;
use crate::train::{RunManifest, TrainError};

/// Why a run could not be opened or measured; each names the run folder.
///
/// A wrapped error (`error` fields) is part of the message, not its `source()`, so that a
/// chain printed whole (the CLI's `{:#}`) shows it once.
#[derive(Debug, Error)]
pub enum RunError {
    /// The manifest or the weights could not be read.
    #[error(transparent)]
    Load(#[from] TrainError),
    #[error("{}: a {run} run; the open space is {open}", dir.display())]
    WrongSpace {
        dir: PathBuf,
        run: SpaceKind,
        open: SpaceKind,
    },
    #[error("{}: {error}", dir.display())]
    Encode { dir: PathBuf, error: LatentError },
    /// Boxed: an `EvalError` beside the folder would make every `RunError` large.
    #[error("{}: {error}", dir.display())]
    Measure { dir: PathBuf, error: Box<EvalError> },
    #[error("{}: cannot read the operation embedding: {error}", dir.display())]
    OpEmbedding { dir: PathBuf, error: ModelError },
    /// A kept record of the run (`bo.json`) that cannot be read, written or used.
    #[error("{}: {error}", path.display())]
    Record { path: PathBuf, error: String },
}

impl RunError {
    pub fn is_cancelled(&self) -> bool {
        match self {
            RunError::Load(e) => e.is_cancelled(),
            RunError::Encode { error, .. } => error.is_cancelled(),
            RunError::Measure { error, .. } => error.is_cancelled(),
            RunError::WrongSpace { .. }
            | RunError::OpEmbedding { .. }
            | RunError::Record { .. } => false,
        }
    }
}

/// A run folder with its model loaded.
pub struct Run {
    pub dir: PathBuf,
    pub manifest: RunManifest,
    pub model: GraphVae,
    /// Where the model runs.
    pub device: Device,
}

impl Run {
    /// Reads `run.json` and the current checkpoint's weights onto `device`.
    pub fn open(dir: &Path, device: &Device) -> Result<Self, RunError> {
        let (manifest, model) = crate::train::load_run(dir, device)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
            model,
            device: device.clone(),
        })
    }

    /// [`Run::open`], refusing a run of another space than `space`.
    pub fn open_for(dir: &Path, space: SpaceKind, device: &Device) -> Result<Self, RunError> {
        let run = Self::open(dir, device)?;
        run.check_space(space)?;
        Ok(run)
    }

    pub fn space(&self) -> SpaceKind {
        self.manifest.config.space
    }

    /// The model's name (`svge`, `dvae`, ...).
    pub fn model_name(&self) -> &'static str {
        self.manifest.config.vae.model.name()
    }

    /// The folder's name, as runs are listed ("svge-enas").
    pub fn name(&self) -> String {
        self.dir
            .file_name()
            .map_or(self.dir.display().to_string(), |n| {
                n.to_string_lossy().to_string()
            })
    }

    /// The current checkpoint's weights file (what a cache or a saved eval must be newer than).
    pub fn model_file(&self) -> PathBuf {
        crate::train::model_file(&self.dir, &self.manifest)
    }

    pub fn check_space(&self, space: SpaceKind) -> Result<(), RunError> {
        if self.space() == space {
            Ok(())
        } else {
            Err(RunError::WrongSpace {
                dir: self.dir.clone(),
                run: self.space(),
                open: space,
            })
        }
    }

    /// The latent mean of every cell of `data`, row for row. For the bundled table they are
    /// cached in the run folder (`latent_means_<space>.bin`, valid while newer than the
    /// weights); a user's file has other rows and is always encoded.
    pub fn latents(&self, data: &Dataset, cancel: &AtomicBool) -> Result<Embedding, RunError> {
        self.check_space(data.space)?;
        let cache = self
            .dir
            .join(format!("latent_means_{}.bin", data.space.name()));
        let model_file = self.model_file();
        let cache = data
            .bundled
            .then_some((cache.as_path(), model_file.as_path()));
        embed_dataset(&self.model, data, &self.device, cache, cancel).map_err(|error| {
            RunError::Encode {
                dir: self.dir.clone(),
                error,
            }
        })
    }

    /// A decoder over this run's model that looks decoded cells up in `data` and keeps the
    /// majority of `attempts` decodings.
    pub fn decoder<'a>(
        &'a self,
        data: &'a Dataset,
        index: &'a CellIndex,
        attempts: usize,
        cancel: &'a AtomicBool,
    ) -> LatentDecoder<'a> {
        LatentDecoder {
            model: &self.model,
            data,
            index,
            device: &self.device,
            attempts,
            cancel,
        }
    }

    /// What `compare` shows of this run: its kept eval, the sparse GP's figures over `gp_runs`
    /// seeds and the smoothness of its latent space (`latents` of `data`, from [`Run::latents`]).
    pub fn figures(
        &self,
        data: &Dataset,
        latents: &[Vec<f32>],
        gp_runs: usize,
        settings: &SmoothnessSettings,
        cancel: &AtomicBool,
    ) -> Result<RunFigures, RunError> {
        let model_file = self.model_file();
        let opened = OpenedRun {
            dir: &self.dir,
            model_file: &model_file,
            model_name: self.model_name(),
            model: &self.model,
            data,
            latents,
            device: &self.device,
        };
        run_figures(&opened, gp_runs, settings, cancel).map_err(|error| RunError::Measure {
            dir: self.dir.clone(),
            error: Box::new(error),
        })
    }

    /// The learned operation embedding of the *-EMB models, one row per node type.
    pub fn op_embedding(&self) -> Result<Option<Vec<Vec<f32>>>, RunError> {
        let Some(table) = self.model.op_embedding() else {
            return Ok(None);
        };
        let dims = table.dims();
        crate::model::tensor_values::<f32>(table.into_data())
            .map(|values| Some(values.chunks(dims[1].max(1)).map(|r| r.to_vec()).collect()))
            .map_err(|error| RunError::OpEmbedding {
                dir: self.dir.clone(),
                error,
            })
    }

    /// The run's fine-tuned accuracy predictor folder (`cellspace finetune`), if it has one.
    pub fn predictor(&self) -> Option<PathBuf> {
        crate::train::finetune::find_predictor(&self.dir)
    }
}
