//! Extrapolation (SVGe paper, Section IV-E): a NAS-Bench-101 cell grown by one operation node
//! into cells the benchmark does not hold, ranked by a fine-tuned predictor. Their accuracies
//! are predictions only: no table can check them.

use std::sync::atomic::AtomicBool;

use burn::tensor::Device;

use super::ExploreError;
use crate::data::Dataset;
use crate::latent::latent_means_cancellable;
use crate::model::{ModelKind, Predictor};
use crate::space::nb101_expansion::{Expansion, Growth, expansions};
use crate::space::{Cell, SpaceKind};
use crate::train::finetune::{
    LabelledCells, PredictorManifest, TARGET_SCALE, draw_training_cells, predict_cells,
};

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
    /// origin `prefix` followed by how each was grown, and marked where the prediction is
    /// outside the range of accuracies the predictor was fitted on.
    pub fn candidates(&self, top: usize, prefix: &str) -> Vec<crate::explore::Candidate> {
        self.ranked
            .iter()
            .take(top)
            .enumerate()
            .map(|(k, r)| {
                let mut origin = format!("{prefix}{}", r.describe(k + 1));
                if let Some(note) = self.fit.outside_note(r.predicted) {
                    origin.push_str("; ");
                    origin.push_str(&note);
                }
                crate::explore::Candidate {
                    cell: r.expansion.cell.clone(),
                    id: None,
                    accuracy: None,
                    predicted: Some(r.predicted),
                    origin,
                }
            })
            .collect()
    }

    /// Grown cells predicted outside the fitted range.
    pub fn outside(&self) -> usize {
        self.ranked
            .iter()
            .filter(|r| !self.fit.contains(r.predicted))
            .count()
    }
}

/// The source cell's own prediction and its expansions, best predicted first.
pub struct Extrapolation {
    pub source_predicted: f64,
    pub ranked: Vec<RankedExpansion>,
    pub fit: FitCheck,
}

/// What the predictor was fitted on, and how far from it the grown cells lie: the measured
/// reason why their predictions may leave the range of accuracies it ever saw. Its head is an
/// unbounded MLP, so far from the fitted latents nothing holds its output to that range.
#[derive(Debug, Clone, PartialEq)]
pub struct FitCheck {
    /// Lowest and highest target (percent) of the cells the saved predictor was fitted on.
    pub range: (f64, f64),
    /// How many cells it was fitted on.
    pub fitted: usize,
    /// Labelled test cells (never fitted, inside the benchmark) predicted outside `range`.
    pub test_outside: usize,
    pub tests: usize,
    /// Median Euclidean distance from a latent mean to the nearest fitted cell's: the test
    /// cells' and the grown cells'.
    pub test_distance: f64,
    pub expansion_distance: f64,
}

impl FitCheck {
    pub fn contains(&self, predicted: f64) -> bool {
        (self.range.0..=self.range.1).contains(&predicted)
    }

    /// "predicted above the fitted range (… %)" for a prediction outside it.
    pub fn outside_note(&self, predicted: f64) -> Option<String> {
        if self.contains(predicted) {
            return None;
        }
        let side = if predicted > self.range.1 {
            "above"
        } else {
            "below"
        };
        Some(format!(
            "predicted {side} the fitted range ({:.2}-{:.2} %)",
            self.range.0, self.range.1
        ))
    }
}

/// Grows `cell` by one node and ranks the results by `predictor`; `data` is the table it was
/// fine-tuned on, from which its fitted cells are drawn again (the run's seed) to check them.
pub fn extrapolate(
    predictor: &Predictor,
    manifest: &PredictorManifest,
    cell: &Cell,
    data: &Dataset,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<Extrapolation, ExploreError> {
    if manifest.space != SpaceKind::Nb101 || data.space != SpaceKind::Nb101 {
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
    let fit = check_fit(predictor, manifest, &cells[1..], data, device, cancel)?;
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
        fit,
    })
}

/// The fitted range, the test cells predicted outside it, and the latent distances of test
/// and grown cells to the fitted ones.
fn check_fit(
    predictor: &Predictor,
    manifest: &PredictorManifest,
    grown: &[&Cell],
    data: &Dataset,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<FitCheck, ExploreError> {
    let labelled = LabelledCells::of(data);
    let fitted = draw_training_cells(&labelled, manifest.config.labels, manifest.saved_seed)?;
    let range = fitted
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |r, (_, t)| {
            let t = *t as f64 * TARGET_SCALE;
            (r.0.min(t), r.1.max(t))
        });
    let tests: Vec<&Cell> = labelled.test.iter().map(|(c, _)| *c).collect();
    let on_tests = predict_cells(predictor, &tests, manifest.space, device, cancel)?;
    let test_outside = on_tests
        .iter()
        .filter(|&&p| !(range.0..=range.1).contains(&(p as f64 * TARGET_SCALE)))
        .count();
    let means = |cells: &[&Cell]| {
        latent_means_cancellable(&predictor.vae, cells, manifest.space, device, cancel)
    };
    let fitted_cells: Vec<&Cell> = fitted.iter().map(|(c, _)| *c).collect();
    let anchors = means(&fitted_cells)?;
    Ok(FitCheck {
        range,
        fitted: fitted.len(),
        test_outside,
        tests: tests.len(),
        test_distance: median_nearest(&means(&tests)?, &anchors),
        expansion_distance: median_nearest(&means(grown)?, &anchors),
    })
}

/// The median over `points` of the Euclidean distance to the nearest of `anchors` (NaN when
/// either is empty).
fn median_nearest(points: &[Vec<f32>], anchors: &[Vec<f32>]) -> f64 {
    let mut nearest: Vec<f64> = points
        .iter()
        .map(|p| {
            anchors
                .iter()
                .map(|a| {
                    p.iter()
                        .zip(a)
                        .map(|(x, y)| ((x - y) as f64).powi(2))
                        .sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .collect();
    if nearest.is_empty() || anchors.is_empty() {
        return f64::NAN;
    }
    nearest.sort_by(f64::total_cmp);
    nearest[nearest.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_nearest_takes_each_points_closest_anchor() {
        let anchors = vec![vec![0.0, 0.0], vec![10.0, 0.0]];
        let points = vec![vec![3.0, 4.0], vec![10.0, 1.0], vec![10.0, 2.0]];
        // Nearest distances 5, 1, 2: median 2.
        assert_eq!(median_nearest(&points, &anchors), 2.0);
        assert!(median_nearest(&points, &[]).is_nan());
    }

    #[test]
    fn a_prediction_outside_the_fitted_range_is_named_with_its_side() {
        let fit = FitCheck {
            range: (10.0, 94.5),
            fitted: 2,
            test_outside: 0,
            tests: 0,
            test_distance: 0.0,
            expansion_distance: 0.0,
        };
        assert_eq!(fit.outside_note(50.0), None);
        assert_eq!(fit.outside_note(94.5), None);
        assert!(fit.outside_note(102.0).unwrap().contains("above"));
        assert!(fit.outside_note(3.0).unwrap().contains("below"));
    }
}
