//! What a trained encoder makes of cells, and a decoder makes of latent points: latent means in
//! batches, their on-disk cache, and decoding points back to cells of a table. The layer every
//! user of a trained model stands on (ARCHITECTURE.md).

mod decoding;
mod embedding;
mod error;
mod means;

pub use decoding::{CellIndex, LatentDecoder, decode_majority};
pub use embedding::{Embedding, embed_dataset};
pub use error::LatentError;
pub use means::{latent_means, latent_means_cancellable};
