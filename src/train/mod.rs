//! Training runs: the loop, its events, checkpoints and the JSON run manifest.

mod checkpoint;
mod error;
pub mod finetune;
pub mod half;
mod manifest;
mod run;
pub mod snapshots;
mod step;

pub use checkpoint::{load_model, load_run, model_file};
pub use error::TrainError;
pub use manifest::{EpochMetrics, RunManifest, TrainConfig};
pub use run::{TrainEvent, resume_conflicts, train};
pub(crate) use step::batch_step;
