//! The papers' published figures, in one place for `eval` and `tables`.

use crate::model::ModelKind;
use crate::space::SpaceKind;

/// SVGe paper, Table I: reconstruction, validity, uniqueness and novelty (%), where reported.
pub fn svge_table_i(space: SpaceKind, model: ModelKind) -> Option<[f64; 4]> {
    match (space, model) {
        (SpaceKind::Enas, ModelKind::Svge) => Some([99.63, 100.0, 39.03, 100.0]),
        (SpaceKind::Enas, ModelKind::Dvae) => Some([99.96, 100.0, 37.26, 100.0]),
        (SpaceKind::Nb101, ModelKind::Svge) => Some([99.57, 79.16, 32.1, 16.37]),
        (SpaceKind::Nb101, ModelKind::Dvae) => Some([25.89, 82.55, 19.84, 16.52]),
        (SpaceKind::Nb201, ModelKind::Svge) => Some([99.99, 100.0, 8.28, 10.24]),
        _ => None,
    }
}

/// Operation-embeddings paper on ENAS: Table 1 (reconstruction, validity, uniqueness, %) and
/// Table 2 (sparse-GP RMSE and Pearson r, means of 10 runs).
pub fn embeddings_tables(model: ModelKind) -> Option<([f64; 3], [f64; 2])> {
    match model {
        ModelKind::Dvae => Some(([99.96, 100.0, 37.26], [0.384, 0.920])),
        ModelKind::DvaeEmb => Some(([99.99, 100.0, 39.15], [0.371, 0.925])),
        ModelKind::GcnEmb => Some(([98.87, 99.95, 32.63], [0.441, 0.892])),
        ModelKind::Svge => None,
    }
}
