//! Turning a trained model into what the explorer shows: latent means of every cell, the PCA
//! plane, great-circle walks and decoded grids. Headless, so the GUI only draws.

pub mod candidates;
mod decoding;
mod embedding;
pub mod extrapolation;
mod grid;
mod projection;
mod tsne;
mod walk;

pub use candidates::Candidate;
pub use decoding::{CellIndex, LatentDecoder, decode_majority};
pub use embedding::{Embedding, embed_dataset};
pub use grid::{GridPoint, decoded_grid};
pub use projection::{PcaPlane, means_above};
pub use tsne::{place_on_map, tsne_2d, tsne_2d_from};
pub use walk::{WalkStep, flat_net, great_circle_walk, is_flat, line_walk};
