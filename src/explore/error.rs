use std::path::PathBuf;

use thiserror::Error;

use crate::jobs::Cancelled;
use crate::latent::LatentError;
use crate::space::{SpaceError, SpaceKind};
use crate::train::TrainError;

/// Why a map, walk, grid, extrapolation or candidate file could not be made.
#[derive(Debug, Error)]
pub enum ExploreError {
    #[error(transparent)]
    Latent(#[from] LatentError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),

    // PCA.
    #[error("PCA needs at least 3 points of 2 or more dimensions, got {points} of {dims}")]
    PcaTooFew { points: usize, dims: usize },
    #[error("PCA: point {index} is not finite or does not have {dims} dimensions")]
    PcaPoint { index: usize, dims: usize },
    #[error("PCA needs at least one point")]
    PcaNoPoint,
    #[error("PCA: all {points} points are the same, so there is no plane to show")]
    PcaSame { points: usize },
    #[error("PCA: the eigendecomposition failed: {0}")]
    Eigen(linfa_linalg::LinalgError),
    #[error("PCA: the eigendecomposition gave non-finite values")]
    EigenNotFinite,

    // t-SNE.
    #[error("t-SNE needs at least 4 points, got {points}")]
    TsneTooFew { points: usize },
    #[error("t-SNE's perplexity must be positive, got {perplexity}")]
    Perplexity { perplexity: f32 },
    #[error("t-SNE needs at least one epoch")]
    TsneNoEpochs,
    #[error("t-SNE point {index} is not finite or does not have {dims} dimensions")]
    TsnePoint { index: usize, dims: usize },
    #[error("t-SNE's start has {positions} positions for {points} points")]
    TsneStart { positions: usize, points: usize },
    #[error(
        "placing on a t-SNE map needs the map of every latent point: {latents} latents, \
         {positions} positions"
    )]
    MapSizes { latents: usize, positions: usize },
    #[error("new point {index} is not finite or does not have {dims} dimensions")]
    NewPoint { index: usize, dims: usize },

    // Extrapolation.
    #[error("extrapolation grows NAS-Bench-101 cells; this predictor is for {space}")]
    NotNb101 { space: SpaceKind },
    #[error(
        "extrapolation needs an encoder that reads cells larger than it was trained on (SVGe's \
         message passing does); this predictor fine-tuned {model}"
    )]
    NotSvge { model: &'static str },
    #[error("cannot grow the cell: {0}")]
    Grow(SpaceError),

    // Candidate files.
    #[error("{0}")]
    Serialise(serde_json::Error),
    #[error("{}: cannot write: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: cannot write: {error}", path.display())]
    WriteCsv { path: PathBuf, error: csv::Error },
}

impl ExploreError {
    pub fn is_cancelled(&self) -> bool {
        match self {
            ExploreError::Cancelled(_) => true,
            ExploreError::Latent(e) => e.is_cancelled(),
            ExploreError::Train(e) => e.is_cancelled(),
            _ => false,
        }
    }
}
