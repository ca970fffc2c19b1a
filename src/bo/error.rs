use thiserror::Error;

use crate::jobs::Cancelled;
use crate::latent::LatentError;
use crate::space::SpaceKind;

/// Why a GP could not be fitted or asked, or a BO run could not go on.
#[derive(Debug, Error)]
pub enum BoError {
    #[error(transparent)]
    Latent(#[from] LatentError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// What went wrong in a round of the loop (1-based): part of the message, not its
    /// `source()`, so a chain printed whole (the CLI's `{:#}`) shows it once.
    #[error("round {round}: {error}")]
    Round { round: usize, error: Box<BoError> },

    // The sparse GP.
    #[error("a GP needs matching points and values, at least 2 (got {points} and {values})")]
    GpSizes { points: usize, values: usize },
    #[error("GP points have no dimensions")]
    GpNoDimensions,
    #[error("GP point {index} has {got} dimensions, the first has {dims}")]
    GpPointDimensions {
        index: usize,
        got: usize,
        dims: usize,
    },
    #[error("GP point {index} is not finite")]
    GpPointNotFinite { index: usize },
    #[error("GP value {index} is not finite ({value})")]
    GpValueNotFinite { index: usize, value: f64 },
    #[error("the GP's kernel matrix is not positive definite at the initial hyper-parameters")]
    InitialKernel,
    #[error("{matrix} is not positive definite")]
    NotPositiveDefinite { matrix: &'static str },
    #[error("a sparse GP needs at least one inducing point of {dims} dimensions")]
    NoInducing { dims: usize },
    #[error("GP hyper-parameters must be positive, with {dims} lengthscales")]
    Hyperparameters { dims: usize },
    #[error("the sparse GP's weights are not finite")]
    WeightsNotFinite,
    #[error("point {index} has {got} dimensions, the GP {dims}")]
    PredictDimensions {
        index: usize,
        got: usize,
        dims: usize,
    },
    #[error("{latents} latent points for {cells} cells")]
    PredictionSizes { latents: usize, cells: usize },
    #[error("{space} has too few labelled cells to fit and test a GP ({train} train, {test} test)")]
    TooFewLabels {
        space: SpaceKind,
        train: usize,
        test: usize,
    },

    // The BO loop.
    #[error("BO needs one latent point per cell ({latents} for {cells} cells)")]
    LatentCount { latents: usize, cells: usize },
    #[error("BO needs labelled cells")]
    NoLabels,
    #[error("BO needs labelled points")]
    NoLabelledPoints,
    #[error("BO needs at least 2 labelled points to start from (got {got})")]
    TooFewInitial { got: usize },
    #[error("BO's latent points have no dimensions")]
    NoDimensions,
    #[error(
        "BO's latent points must all have one dimension: the first has {first}, another {other}"
    )]
    MixedDimensions { first: usize, other: usize },
    #[error("BO needs latent points to draw its candidates from")]
    NoRegion,
    #[error("BO's candidate spread must be a non-negative number (got {spread})")]
    Spread { spread: f32 },
    #[error("cannot read a cell's latent point: {0:?}")]
    LatentReadback(burn::tensor::DataError),
    #[error("a cell's latent point has {got} dimensions, not {dims}")]
    EncodedDimensions { got: usize, dims: usize },

    // Pool BO.
    #[error("{latents} latent points for {values} values")]
    PoolSizes { latents: usize, values: usize },
    #[error("the pool needs at least two labelled cells")]
    PoolTooSmall,
    #[error("the value of pool cell {index} is {value}")]
    PoolValue { index: usize, value: f64 },
}

impl BoError {
    pub fn is_cancelled(&self) -> bool {
        match self {
            BoError::Cancelled(_) => true,
            BoError::Latent(e) => e.is_cancelled(),
            BoError::Round { error, .. } => error.is_cancelled(),
            _ => false,
        }
    }
}
