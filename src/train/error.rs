use std::path::PathBuf;

use thiserror::Error;

use super::RunManifest;
use super::finetune::PredictorManifest;
use crate::data::DataError;
use crate::jobs::Cancelled;
use crate::latent::LatentError;
use crate::model::{DecoderState, GcnOrder, ModelError};
use crate::space::SpaceKind;

/// Why a run could not be trained, resumed, checkpointed or read back, or a predictor
/// fine-tuned, saved or loaded. Each names the file or folder it concerns.
///
/// A wrapped error (`error` fields) is part of the message, not its `source()`, so that a
/// chain printed whole (the CLI's `{:#}`) shows it once.
#[derive(Debug, Error)]
pub enum TrainError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Latent(#[from] LatentError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error(
        "the loss became {loss} in epoch {epoch}, batch {batch}: training stopped; the last good checkpoint (epoch {kept}) is kept"
    )]
    Diverged {
        epoch: usize,
        batch: usize,
        loss: f64,
        kept: usize,
    },

    // The settings (`TrainConfig::check`, `RunManifest::parse`).
    #[error("{name} is {value}, it must be between {lo} and {hi}")]
    OutOfRange {
        name: &'static str,
        value: usize,
        lo: usize,
        hi: usize,
    },
    #[error("epochs is {epochs}, at most 1000000")]
    TooManyEpochs { epochs: usize },
    #[error("{name} is {value}, it must be a number of 0 or more")]
    Negative { name: &'static str, value: f64 },
    #[error("plateau_factor is {factor}, it must be in (0, 1]")]
    PlateauFactor { factor: f64 },

    // Files.
    #[error("{}: cannot {action}: {error}", path.display())]
    Io {
        path: PathBuf,
        /// "read", "write", "create", "rename", "write the manifest", ...
        action: &'static str,
        error: std::io::Error,
    },
    #[error("{}: {error}", path.display())]
    Json {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error("{}: cannot serialise: {error}", file.display())]
    Serialise {
        file: PathBuf,
        error: serde_json::Error,
    },
    #[error("{}: cannot save the {what}: {error}", path.display())]
    Save {
        path: PathBuf,
        what: &'static str,
        error: burn::store::RecordError,
    },

    // run.json.
    #[error("{}: {error}", path.display())]
    Manifest {
        path: PathBuf,
        error: Box<TrainError>,
    },
    #[error("not a cellspace run manifest (invalid JSON: {0})")]
    ManifestJson(serde_json::Error),
    #[error("not a cellspace run manifest (not a JSON object)")]
    ManifestNotObject,
    #[error("field `format` must be a positive integer, not {value}")]
    ManifestFormatField { value: serde_json::Value },
    #[error(
        "run folder format {format}, written by cellspace {writer}; this cellspace ({}) reads \
         formats 1 to {}: update cellspace to open it",
        env!("CARGO_PKG_VERSION"),
        RunManifest::FORMAT
    )]
    NewerFormat { format: u64, writer: String },
    #[error("not a valid cellspace run manifest: {0}")]
    ManifestInvalid(serde_json::Error),
    #[error("the run's settings cannot be used: {0}")]
    UnusableSettings(Box<TrainError>),
    #[error("{epochs} epochs are recorded but no `checkpoint` folder is named")]
    NoCheckpointNamed { epochs: usize },
    #[error("field `checkpoint` must name a folder inside the run folder, not {name:?}")]
    CheckpointOutside { name: String },

    // Checkpoints.
    #[error("{}: no checkpoint yet", path.display())]
    NoCheckpoint { path: PathBuf },
    #[error(
        "{}: the checkpoint does not match run.json, which says {model} on {space} with state \
         {hidden} and latent {latent} ({parameters} parameters); was the file copied from another \
         run? ({detail})",
        path.display()
    )]
    CheckpointMismatch {
        path: PathBuf,
        model: &'static str,
        space: SpaceKind,
        hidden: usize,
        latent: usize,
        parameters: usize,
        /// The first line of Burn's error, shortened.
        detail: String,
    },
    #[error(
        "{}: the optimizer state is missing, so the run cannot resume exactly (bundled models \
         ship without it): fine-tune from it with --init-from instead",
        path.display()
    )]
    OptimizerMissing { path: PathBuf },
    #[error(
        "{}: the optimizer state does not match the model of run.json ({detail})",
        path.display()
    )]
    OptimizerMismatch { path: PathBuf, detail: String },

    // Starting, resuming or fine-tuning a run (`train`).
    #[error(
        "{}: resuming keeps the run's settings, but {} (only epochs and backend may change; to \
         train with other settings, start a new run with --init-from)",
        dir.display(),
        differences.join(", ")
    )]
    ResumeConflicts {
        dir: PathBuf,
        differences: Vec<String>,
    },
    #[error(
        "{}: the run has {completed} epochs already; resume it to at least that many",
        dir.display()
    )]
    ResumeTooShort { dir: PathBuf, completed: usize },
    #[error(
        "{} already holds a run: resume it or choose another folder",
        dir.display()
    )]
    AlreadyARun { dir: PathBuf },
    #[error("no training cells")]
    NoTrainingCells,
    #[error(
        "{}: its GCN levels update {} and this run's {}; pass --gcn-order {} to fine-tune it",
        from.display(),
        was.name(),
        is.name(),
        was.name()
    )]
    GcnOrderDiffers {
        from: PathBuf,
        was: GcnOrder,
        is: GcnOrder,
    },
    #[error(
        "{}: its decoder reads types from the {} state and this run's from the {}; pass \
         --decoder-state {} to fine-tune it",
        from.display(),
        was.name(),
        is.name(),
        was.name()
    )]
    DecoderStateDiffers {
        from: PathBuf,
        was: DecoderState,
        is: DecoderState,
    },
    #[error(
        "{}: its model ({from_model} on {from_space}) differs from this run's: {settings}; \
         fine-tuning needs the same model settings",
        from.display()
    )]
    ModelDiffers {
        from: PathBuf,
        from_model: &'static str,
        from_space: SpaceKind,
        /// Each differing setting, "name is value (there: value)".
        settings: String,
    },

    // Snapshots.
    #[error("{}: too short for a snapshot", path.display())]
    SnapshotTooShort { path: PathBuf },
    #[error(
        "{}: {bytes} bytes do not hold {means} means of {values} values",
        path.display()
    )]
    SnapshotSize {
        path: PathBuf,
        bytes: usize,
        means: usize,
        values: usize,
    },

    // Fine-tuning.
    #[error("the predictor returned {values} values for {cells} cells")]
    PredictedCount { values: usize, cells: usize },
    #[error("labels, epochs and batch size must each be at least 1")]
    FinetuneZero,
    #[error("the VAE loss weight must be in [0, 1), not {weight}")]
    VaeWeight { weight: f64 },
    #[error("the {split} split has no labelled cells")]
    NoLabelledCells { split: &'static str },
    #[error(
        "the fine-tuning loss became {loss} in epoch {epoch}: lower the learning rate (now \
         {learning_rate})"
    )]
    FinetuneDiverged {
        loss: f64,
        epoch: usize,
        learning_rate: f64,
    },
    #[error(
        "{}: cannot read ({error}); fine-tune a run first: cellspace finetune --run RUN --out {}",
        path.display(),
        dir.display()
    )]
    NoPredictor {
        path: PathBuf,
        dir: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not a predictor manifest: {error}", path.display())]
    NotPredictor {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "{}: format {format} is not the one this cellspace reads ({})",
        path.display(),
        PredictorManifest::FORMAT
    )]
    PredictorFormat { path: PathBuf, format: u32 },
    #[error("{}: {error}", path.display())]
    PredictorSettings { path: PathBuf, error: ModelError },
    #[error(
        "{}: the weights do not match {} ({model} on {space}): {detail}",
        weights.display(),
        path.display()
    )]
    PredictorWeights {
        weights: PathBuf,
        path: PathBuf,
        model: &'static str,
        space: SpaceKind,
        /// The first line of Burn's error.
        detail: String,
    },
}

impl TrainError {
    pub fn is_cancelled(&self) -> bool {
        match self {
            TrainError::Cancelled(_) => true,
            TrainError::Latent(e) => e.is_cancelled(),
            _ => false,
        }
    }

    pub(crate) fn io(path: &std::path::Path, action: &'static str, error: std::io::Error) -> Self {
        TrainError::Io {
            path: path.to_path_buf(),
            action,
            error,
        }
    }
}
