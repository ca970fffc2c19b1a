//! cellspace: graph variational autoencoders on neural-architecture cells, and tools to look
//! into their latent space.

pub mod backend;
pub mod bo;
pub mod cli;
pub mod data;
pub mod eval;
pub mod explore;
pub mod figures;
pub mod gui;
pub mod jobs;
pub mod latent;
pub mod model;
pub mod run;
pub mod space;
pub mod threads;
pub mod train;
