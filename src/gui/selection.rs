//! What the inspector shows: the one thing every panel may set and read. Its own file, below the
//! views and the app, so that no view imports the app (ARCHITECTURE.md).

use crate::space::Cell;

/// The cell the inspector shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// A cell of the data set.
    Row(usize),
    /// A decoded latent point: its cell (if decoding produced one) and its row, if the cell is
    /// in the table.
    Decoded {
        cell: Option<Cell>,
        latent: Vec<f32>,
        row: Option<usize>,
        origin: String,
    },
}
