//! The papers' surrogate: a sparse Gaussian process (egobox-gp's FITC, squared-exponential
//! kernel) on latent points, with targets standardised inside.

use egobox_gp::{Inducings, SparseKriging};
use linfa::prelude::*;
use ndarray::{Array1, Array2};

pub struct Surrogate {
    gp: egobox_gp::SparseGaussianProcess<
        f64,
        egobox_gp::correlation_models::SquaredExponentialCorr,
    >,
    mean: f64,
    std: f64,
    dims: usize,
}

fn matrix(points: &[Vec<f32>]) -> Array2<f64> {
    let dims = points.first().map_or(0, |p| p.len());
    Array2::from_shape_fn((points.len(), dims), |(i, j)| points[i][j] as f64)
}

impl Surrogate {
    /// Fits on (latent, value) pairs with at most `inducing` inducing points (all points when
    /// there are fewer), chosen by `seed`.
    pub fn fit(
        points: &[Vec<f32>],
        values: &[f64],
        inducing: usize,
        seed: u64,
    ) -> Result<Self, String> {
        if points.len() != values.len() || points.len() < 2 {
            return Err(format!(
                "a GP needs matching points and values, at least 2 (got {} and {})",
                points.len(),
                values.len()
            ));
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(1e-12);
        let x = matrix(points);
        let y = Array1::from_iter(values.iter().map(|v| (v - mean) / std));
        let inducings = if inducing >= points.len() {
            Inducings::Located(x.clone())
        } else {
            Inducings::Randomized(inducing)
        };
        let gp = SparseKriging::params(inducings)
            .seed(Some(seed))
            .fit(&Dataset::new(x, y))
            .map_err(|e| format!("sparse GP fit failed: {e}"))?;
        Ok(Self {
            gp,
            mean,
            std,
            dims: points[0].len(),
        })
    }

    /// Predictive mean and standard deviation (in the values' units) at each point.
    pub fn predict(&self, points: &[Vec<f32>]) -> Result<Vec<(f64, f64)>, String> {
        if points.iter().any(|p| p.len() != self.dims) {
            return Err(format!("points must have {} dimensions", self.dims));
        }
        let x = matrix(points);
        let mu = self.gp.predict(&x).map_err(|e| e.to_string())?;
        let var = self.gp.predict_var(&x).map_err(|e| e.to_string())?;
        Ok(mu
            .iter()
            .zip(var.iter())
            .map(|(m, v)| (m * self.std + self.mean, v.max(0.0).sqrt() * self.std))
            .collect())
    }
}

/// Expected improvement over `best` for maximisation, given a Gaussian prediction.
pub fn expected_improvement(mean: f64, std: f64, best: f64) -> f64 {
    if std <= 1e-12 {
        return (mean - best).max(0.0);
    }
    let z = (mean - best) / std;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = 0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2));
    (mean - best) * cdf + std * pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_improvement_textbook_values() {
        // At the incumbent with unit std: EI = phi(0) = 0.398942…
        assert!((expected_improvement(0.0, 1.0, 0.0) - 0.398_942_280_4).abs() < 1e-9);
        // One std above: EI = 1·Phi(1) + phi(1) = 0.841344746 + 0.241970725 = 1.083315471
        assert!((expected_improvement(1.0, 1.0, 0.0) - 1.083_315_471).abs() < 1e-8);
        // One std below: EI = -Phi(-1) + phi(1) = -0.158655254 + 0.241970725 = 0.083315471
        assert!((expected_improvement(-1.0, 1.0, 0.0) - 0.083_315_471).abs() < 1e-8);
        // No uncertainty: the plain improvement.
        assert_eq!(expected_improvement(2.0, 0.0, 0.5), 1.5);
        assert_eq!(expected_improvement(0.2, 0.0, 0.5), 0.0);
    }

    #[test]
    fn sparse_gp_with_all_points_inducing_interpolates_like_an_exact_gp() {
        // A smooth 1-d function; with inducing points = training points the sparse GP is the
        // exact GP, which (with small noise) reproduces the training values.
        let xs: Vec<Vec<f32>> = (0..20).map(|i| vec![i as f32 / 4.0]).collect();
        let ys: Vec<f64> = xs.iter().map(|x| (x[0] as f64).sin()).collect();
        let gp = Surrogate::fit(&xs, &ys, 20, 0).unwrap();
        let pred = gp.predict(&xs).unwrap();
        for ((m, s), y) in pred.iter().zip(&ys) {
            assert!((m - y).abs() < 0.05, "mean {m} vs {y}");
            assert!(*s < 0.2, "std {s}");
        }
        // Between training points it still follows the function.
        let mid = gp.predict(&[vec![1.125]]).unwrap()[0].0;
        assert!((mid - 1.125f64.sin()).abs() < 0.1, "{mid}");
    }
}
