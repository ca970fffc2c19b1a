//! What a neural-architecture cell is, per search space. Knows nothing of Burn.

mod cell;
pub mod enas;
mod error;
pub mod nb101;
mod nb101_enumeration;
pub mod nb101_expansion;
pub mod nb101_reference;
pub mod nb201;
pub mod properties;

pub use cell::{Cell, FIRST_OP, INPUT, MAX_NODES, OUTPUT, type_name};
pub use error::SpaceError;
pub use nb101_enumeration::{EnumeratedCell, enumerate_nb101};

use serde::{Deserialize, Serialize};

/// The three benchmark search spaces cellspace knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SpaceKind {
    /// ENAS macro space with 6 layers (D-VAE's 19,020 cells).
    Enas,
    /// NAS-Bench-101: up to 7 nodes and 9 edges, 3 operations.
    Nb101,
    /// NAS-Bench-201: 6 operation edges of a 4-node cell.
    Nb201,
}

impl SpaceKind {
    pub const ALL: [SpaceKind; 3] = [SpaceKind::Enas, SpaceKind::Nb101, SpaceKind::Nb201];

    /// Short name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            SpaceKind::Enas => "enas",
            SpaceKind::Nb101 => "nb101",
            SpaceKind::Nb201 => "nb201",
        }
    }

    /// Operation vocabulary, excluding the input and output node types.
    pub fn op_names(self) -> &'static [&'static str] {
        match self {
            SpaceKind::Enas => &enas::OP_NAMES,
            SpaceKind::Nb101 => &nb101::OP_NAMES,
            SpaceKind::Nb201 => &nb201::OP_NAMES,
        }
    }

    /// Number of node types, input and output included.
    pub fn type_count(self) -> usize {
        self.op_names().len() + FIRST_OP as usize
    }

    /// Most nodes a cell of this space has, input and output included.
    pub fn max_nodes(self) -> usize {
        match self {
            SpaceKind::Enas => enas::NODES,
            SpaceKind::Nb101 => nb101::MAX_VERTICES,
            SpaceKind::Nb201 => nb201::NODES,
        }
    }

    /// Checks that a cell belongs to this space (e.g. a decoded one).
    pub fn validate(self, cell: &Cell) -> Result<(), SpaceError> {
        if let Some(t) = cell
            .types()
            .iter()
            .find(|&&t| t as usize >= self.type_count())
        {
            return Err(SpaceError::UnknownType {
                ty: *t,
                space: self.name(),
            });
        }
        match self {
            SpaceKind::Enas => enas::validate(cell),
            SpaceKind::Nb101 => nb101::validate(cell),
            SpaceKind::Nb201 => nb201::validate(cell),
        }
    }

    pub fn is_valid(self, cell: &Cell) -> bool {
        self.validate(cell).is_ok()
    }

    /// A short human name of the cell's node types for this space.
    pub fn type_name(self, t: u8) -> &'static str {
        type_name(t, self.op_names())
    }
}

impl std::fmt::Display for SpaceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
