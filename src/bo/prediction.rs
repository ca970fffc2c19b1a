//! The papers' prediction experiment: a sparse GP fitted on the training split's latent means
//! predicts the test split's accuracies; RMSE on standardised accuracies and Pearson's r.

use super::{BoError, GpSettings, Surrogate};
use crate::data::Dataset;
use crate::space::properties::pearson;

/// What the GP's test predictions measure.
pub struct Prediction {
    /// RMSE of the predictions in units of the training accuracies' standard deviation.
    pub rmse: f64,
    pub pearson: Option<f64>,
    pub train: usize,
    pub test: usize,
    pub gp: Surrogate,
}

/// Fits the GP on the labelled training cells of `data` (latent means `latents`, row for row)
/// and scores it on the labelled test cells.
pub fn test_prediction(
    data: &Dataset,
    latents: &[Vec<f32>],
    settings: &GpSettings,
) -> Result<Prediction, BoError> {
    if latents.len() != data.len() {
        return Err(BoError::PredictionSizes {
            latents: latents.len(),
            cells: data.len(),
        });
    }
    let pick = |rows: &[usize]| -> (Vec<Vec<f32>>, Vec<f64>) {
        rows.iter()
            .filter_map(|&i| data.records[i].accuracy.map(|a| (latents[i].clone(), a)))
            .unzip()
    };
    let (train_x, train_y) = pick(&data.split.train);
    let (test_x, test_y) = pick(&data.split.test);
    if train_y.len() < 2 || test_y.is_empty() {
        return Err(BoError::TooFewLabels {
            space: data.space,
            train: train_y.len(),
            test: test_y.len(),
        });
    }
    let gp = Surrogate::fit_with(&train_x, &train_y, settings, None)?;
    let predicted: Vec<f64> = gp.predict(&test_x)?.into_iter().map(|p| p.0).collect();
    // RMSE on standardised accuracies, as the papers report it.
    let n = train_y.len() as f64;
    let mean = train_y.iter().sum::<f64>() / n;
    let std = (train_y.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(1e-12);
    let rmse = (predicted
        .iter()
        .zip(&test_y)
        .map(|(p, y)| ((p - y) / std).powi(2))
        .sum::<f64>()
        / test_y.len() as f64)
        .sqrt();
    Ok(Prediction {
        rmse,
        pearson: pearson(&predicted, &test_y),
        train: train_y.len(),
        test: test_y.len(),
        gp,
    })
}
