//! cellspace: graph variational autoencoders on neural-architecture cells, and tools to look
//! into their latent space.

pub mod cli;
pub mod data;
pub mod space;
