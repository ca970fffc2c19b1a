//! Training runs: the loop, its events, checkpoints and the JSON run manifest.

mod checkpoint;
pub mod finetune;
mod manifest;
mod run;
pub mod snapshots;
mod step;

pub use checkpoint::{load_model, load_run, model_file};
pub use manifest::{EpochMetrics, RunManifest, TrainConfig};
pub use run::{TrainError, TrainEvent, resume_conflicts, train};
pub(crate) use step::batch_step;
