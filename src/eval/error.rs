use std::path::PathBuf;

use thiserror::Error;

use crate::bo::BoError;
use crate::explore::ExploreError;
use crate::jobs::Cancelled;
use crate::latent::LatentError;
use crate::model::ModelError;

/// Why a run could not be measured, or its kept `eval.json` not be read or written.
#[derive(Debug, Error)]
pub enum EvalError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Latent(#[from] LatentError),
    #[error(transparent)]
    Bo(#[from] BoError),
    #[error(transparent)]
    Explore(#[from] ExploreError),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error("only the per-piece draws protocol is run (draws: per-piece)")]
    Draws,
    #[error("smoothness needs the latent mean of every cell: {cells} cells, {means} means")]
    Rows { cells: usize, means: usize },
    #[error("a neighbour search panicked")]
    NeighbourPanic,

    // `eval.json`.
    #[error("{}: cannot {action}: {error}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        error: std::io::Error,
    },
    #[error("{0}")]
    Serialise(serde_json::Error),
    #[error("{}: {error}", path.display())]
    Json {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "{}: measured other weights (MD5 {saved}; {} is {digest}); run `cellspace eval --run {}` \
         again",
        path.display(),
        model_file.display(),
        run.display()
    )]
    StaleEval {
        path: PathBuf,
        saved: String,
        model_file: PathBuf,
        digest: String,
        run: PathBuf,
    },
    #[error(
        "not evaluated yet: `cellspace eval --run {}` keeps its figures",
        dir.display()
    )]
    NotEvaluated { dir: PathBuf },
}

impl EvalError {
    pub fn is_cancelled(&self) -> bool {
        match self {
            EvalError::Cancelled(_) => true,
            EvalError::Latent(e) => e.is_cancelled(),
            EvalError::Bo(e) => e.is_cancelled(),
            EvalError::Explore(e) => e.is_cancelled(),
            _ => false,
        }
    }
}
