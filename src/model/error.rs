use thiserror::Error;

/// Why a model cannot be built with its settings, or its output cannot be read back.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("{name} is {value}, it must be between {lo} and {hi}")]
    OutOfRange {
        name: &'static str,
        value: usize,
        lo: usize,
        hi: usize,
    },
    #[error(
        "hidden is {hidden}: SVGe splits its state in a forward and a backward half, so it must \
         be even"
    )]
    OddHidden { hidden: usize },
    #[error("{name} is {value}, it must be a number of 0 or more")]
    Negative { name: &'static str, value: f64 },
    #[error("cannot read a tensor back from the device: {0:?}")]
    Readback(burn::tensor::DataError),
    #[error(
        "the decoder returned {types} types and {adjacency} adjacency entries for {graphs} graphs \
         of {nodes} nodes"
    )]
    DecodedShape {
        types: usize,
        adjacency: usize,
        graphs: usize,
        nodes: usize,
    },
    #[error("{cells} cells decoded from {points} latent points")]
    DecodedCount { cells: usize, points: usize },
}
