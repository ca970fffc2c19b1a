use thiserror::Error;

use crate::jobs::Cancelled;
use crate::model::ModelError;

/// Why cells could not be encoded or latent points decoded.
#[derive(Debug, Error)]
pub enum LatentError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error("the encoder returned {values} values for {cells} cells of latent size {latent}")]
    EncodedCount {
        values: usize,
        cells: usize,
        latent: usize,
    },
}

impl LatentError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, LatentError::Cancelled(_))
    }
}
