//! Turning a trained model's latent means into what the explorer shows: the PCA plane,
//! great-circle walks and decoded grids. Headless, so the GUI only draws.

pub mod candidates;
mod error;
pub mod extrapolation;
mod grid;
mod projection;
mod tsne;
mod walk;

pub use candidates::Candidate;
pub use error::ExploreError;
pub use grid::{GridPoint, decoded_grid, predict_unlabelled};
pub use projection::{PcaPlane, means_above};
pub use tsne::{place_on_map, tsne_2d, tsne_2d_from};
pub use walk::{WalkStep, flat_net, great_circle_walk, is_flat, line_walk};
