//! Extrapolation (SVGe paper, Section IV-E): a NAS-Bench-101 cell grown by one operation node
//! into cells the benchmark does not hold, ranked by a fine-tuned predictor. Their accuracies
//! are predictions only: no table can check them.

use std::sync::atomic::AtomicBool;

use burn::tensor::Device;

use super::ExploreError;
use crate::model::{ModelKind, Predictor};
use crate::space::nb101_expansion::{Expansion, Growth, expansions};
use crate::space::{Cell, SpaceKind};
use crate::train::finetune::{PredictorManifest, TARGET_SCALE, predict_cells};

/// One grown cell and its predicted accuracy (percent).
#[derive(Debug, Clone)]
pub struct RankedExpansion {
    pub expansion: Expansion,
    pub predicted: f64,
}

impl RankedExpansion {
    /// How it was grown, for a candidate's origin.
    pub fn describe(&self, rank: usize) -> String {
        let op = crate::space::nb101::OP_NAMES
            .get(usize::from(self.expansion.op - crate::space::FIRST_OP))
            .copied()
            .unwrap_or("?");
        let place = match self.expansion.growth {
            Growth::BeforeOutput => "before the output",
            Growth::AfterInput => "after the input",
        };
        format!(
            "expansion #{rank}: {op} {place} ({} nodes, outside the benchmark: accuracy predicted)",
            self.expansion.cell.len()
        )
    }
}

impl Extrapolation {
    /// The `top` best-predicted grown cells as candidates (no id, no true accuracy), their
    /// origin `prefix` followed by how each was grown.
    pub fn candidates(&self, top: usize, prefix: &str) -> Vec<crate::explore::Candidate> {
        self.ranked
            .iter()
            .take(top)
            .enumerate()
            .map(|(k, r)| crate::explore::Candidate {
                cell: r.expansion.cell.clone(),
                id: None,
                accuracy: None,
                predicted: Some(r.predicted),
                origin: format!("{prefix}{}", r.describe(k + 1)),
            })
            .collect()
    }
}

/// The source cell's own prediction and its expansions, best predicted first.
pub struct Extrapolation {
    pub source_predicted: f64,
    pub ranked: Vec<RankedExpansion>,
}

/// Grows `cell` by one node and ranks the results by `predictor`.
pub fn extrapolate(
    predictor: &Predictor,
    manifest: &PredictorManifest,
    cell: &Cell,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<Extrapolation, ExploreError> {
    if manifest.space != SpaceKind::Nb101 {
        return Err(ExploreError::NotNb101 {
            space: manifest.space,
        });
    }
    if manifest.vae.model != ModelKind::Svge {
        return Err(ExploreError::NotSvge {
            model: manifest.vae.model.name(),
        });
    }
    let grown = expansions(cell).map_err(ExploreError::Grow)?;
    let mut cells: Vec<&Cell> = vec![cell];
    cells.extend(grown.iter().map(|e| &e.cell));
    let predicted = predict_cells(predictor, &cells, manifest.space, device, cancel)?;
    let scale = |p: f32| p as f64 * TARGET_SCALE;
    let mut ranked: Vec<RankedExpansion> = grown
        .into_iter()
        .zip(&predicted[1..])
        .map(|(expansion, &p)| RankedExpansion {
            expansion,
            predicted: scale(p),
        })
        .collect();
    // Stable: equal predictions keep the expansions' own order.
    ranked.sort_by(|a, b| b.predicted.total_cmp(&a.predicted));
    Ok(Extrapolation {
        source_predicted: scale(predicted[0]),
        ranked,
    })
}
