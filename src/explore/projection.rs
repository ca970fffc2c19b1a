use linfa_linalg::eigh::Eigh;
use ndarray::{Array2, Axis};

use super::ExploreError;

/// The plane of the first two principal components of latent points, kept so that a point of
/// the 2-D map lifts back to latent space: `mean + x * pc1 + y * pc2`.
#[derive(Debug, Clone)]
pub struct PcaPlane {
    pub mean: Vec<f64>,
    pub pc1: Vec<f64>,
    pub pc2: Vec<f64>,
    /// Share of the variance each component explains.
    pub explained: [f64; 2],
}

impl PcaPlane {
    /// Fits the plane by the exact eigendecomposition of the covariance matrix (linfa-linalg's
    /// symmetric QR algorithm on a dims × dims matrix: 56 × 56 here, so it costs nothing).
    ///
    /// Why not linfa-reduction's `Pca`: it computes a truncated SVD by LOBPCG, which breaks
    /// down when the points do not span every dimension, and then panics inside linfa-linalg
    /// (`eigh.rs:327: NaN values in array`). Latent means often do not: they are an affine
    /// map of the encoder's graph state, so a model whose state is narrower than its latent
    /// space puts them in a subspace. The NB201 run `train --space nb201 --model svge
    /// --epochs 12 --train-limit 1024 --test-limit 32 --hidden 32 --backend cpu` has every
    /// latent dimension's variance in 0.11..2.26, yet 23 of the 56 covariance eigenvalues are
    /// below 1e-13, and linfa-reduction's PCA panics on its 15,625 means. The covariance route
    /// has no such breakdown and handles collapsed dimensions, duplicate points and fewer
    /// points than dimensions; input with no plane or non-finite values is an error.
    pub fn fit(points: &[Vec<f32>]) -> Result<Self, ExploreError> {
        let dims = points.first().map_or(0, |p| p.len());
        if points.len() < 3 || dims < 2 {
            return Err(ExploreError::PcaTooFew {
                points: points.len(),
                dims,
            });
        }
        if let Some(index) = points
            .iter()
            .position(|p| p.len() != dims || p.iter().any(|v| !v.is_finite()))
        {
            return Err(ExploreError::PcaPoint { index, dims });
        }
        let records = Array2::from_shape_fn((points.len(), dims), |(i, j)| points[i][j] as f64);
        let mean = records.mean_axis(Axis(0)).ok_or(ExploreError::PcaNoPoint)?;
        let centred = &records - &mean;
        let n = points.len() as f64 - 1.0;
        let covariance = centred.t().dot(&centred) / n;
        let total: f64 = covariance.diag().sum();
        if !(total.is_finite() && total > 0.0) {
            return Err(ExploreError::PcaSame {
                points: points.len(),
            });
        }
        let (values, vectors) = covariance.eigh().map_err(ExploreError::Eigen)?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(ExploreError::EigenNotFinite);
        }
        let mut order: Vec<usize> = (0..dims).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        // A fixed sign (largest entry positive), so refits of the same data do not mirror.
        let component = |k: usize| -> Vec<f64> {
            let v: Vec<f64> = vectors.column(order[k]).to_vec();
            let largest = v
                .iter()
                .copied()
                .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            if largest < 0.0 {
                v.iter().map(|x| -x).collect()
            } else {
                v
            }
        };
        // Shares of the total variance of all dimensions.
        let share = |k: usize| values[order[k]].max(0.0) / total;
        Ok(Self {
            mean: mean.to_vec(),
            pc1: component(0),
            pc2: component(1),
            explained: [share(0), share(1)],
        })
    }

    /// Coordinates of `point` in the plane.
    pub fn project(&self, point: &[f32]) -> (f64, f64) {
        let centred = point.iter().zip(&self.mean).map(|(&p, m)| p as f64 - m);
        centred
            .zip(self.pc1.iter().zip(&self.pc2))
            .fold((0.0, 0.0), |(x, y), (c, (a, b))| (x + c * a, y + c * b))
    }

    /// Coordinates of every point in the plane, as the maps draw them.
    pub fn project_all(&self, points: &[Vec<f32>]) -> Vec<[f32; 2]> {
        points
            .iter()
            .map(|z| {
                let (x, y) = self.project(z);
                [x as f32, y as f32]
            })
            .collect()
    }

    /// The latent point at plane coordinates (x, y).
    pub fn lift(&self, x: f64, y: f64) -> Vec<f32> {
        (0..self.mean.len())
            .map(|d| (self.mean[d] + x * self.pc1[d] + y * self.pc2[d]) as f32)
            .collect()
    }
}

/// The latent means of the labelled cells above `min_accuracy` (%): the cells the SVGe paper's
/// figure 3 fits its PCA plane to (75 % on NB101).
pub fn means_above(
    data: &crate::data::Dataset,
    means: &[Vec<f32>],
    min_accuracy: f64,
) -> Vec<Vec<f32>> {
    data.records
        .iter()
        .zip(means)
        .filter(|(r, _)| r.accuracy.is_some_and(|a| a > min_accuracy))
        .map(|(_, z)| z.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lift_inverts_project_on_the_plane() {
        // Points spread mostly along two directions of a 5-d space.
        let points: Vec<Vec<f32>> = (0..50)
            .map(|i| {
                let (a, b) = ((i as f32 * 0.37).sin() * 3.0, (i as f32 * 0.11).cos() * 2.0);
                vec![a + 1.0, b, a - b, 0.01 * i as f32, 2.0]
            })
            .collect();
        let plane = PcaPlane::fit(&points).unwrap();
        for &(x, y) in &[(0.5, -1.0), (2.0, 0.3), (0.0, 0.0)] {
            let (px, py) = plane.project(&plane.lift(x, y));
            assert!(
                (px - x).abs() < 1e-4 && (py - y).abs() < 1e-4,
                "({x}, {y}) -> ({px}, {py})"
            );
        }
        // The two components are orthonormal.
        let dot: f64 = plane.pc1.iter().zip(&plane.pc2).map(|(a, b)| a * b).sum();
        let norm: f64 = plane.pc1.iter().map(|a| a * a).sum();
        assert!(dot.abs() < 1e-6 && (norm - 1.0).abs() < 1e-6);
        assert!(plane.explained[0] >= plane.explained[1]);
        // Nearly all variance lies in the plane (the 4th coordinate adds a little).
        let sum = plane.explained[0] + plane.explained[1];
        assert!(sum > 0.99 && sum <= 1.0 + 1e-9, "{:?}", plane.explained);
    }

    #[test]
    fn explained_variance_is_a_share_of_all_dimensions() {
        // Four independent coordinates of equal spread: two components explain about half.
        let points: Vec<Vec<f32>> = (0..400)
            .map(|i| {
                let t = i as f32;
                vec![
                    (t * 0.7).sin(),
                    (t * 1.3).cos(),
                    (t * 2.9).sin(),
                    (t * 0.23).cos(),
                ]
            })
            .collect();
        let plane = PcaPlane::fit(&points).unwrap();
        let sum = plane.explained[0] + plane.explained[1];
        assert!(sum > 0.4 && sum < 0.7, "{:?}", plane.explained);
    }

    #[test]
    fn too_few_points_is_an_error() {
        assert!(PcaPlane::fit(&[vec![1.0, 2.0]]).is_err());
    }

    #[test]
    fn latents_in_a_subspace_like_a_narrow_encoders() {
        // 56-d means that are an affine map of a 16-d state (the cause of linfa-reduction's
        // panic on a small run): the plane is found, and it explains what the map spreads most.
        let points: Vec<Vec<f32>> = (0..2000)
            .map(|i| {
                let state: Vec<f32> = (0..16)
                    .map(|k| ((i * (k + 3)) as f32 * 0.013).sin())
                    .collect();
                (0..56)
                    .map(|d| {
                        0.5 + (0..16)
                            .map(|k| state[k] * (((d * 16 + k) as f32) * 0.7).cos())
                            .sum::<f32>()
                    })
                    .collect()
            })
            .collect();
        let plane = PcaPlane::fit(&points).unwrap();
        assert_orthonormal(&plane);
        let sum = plane.explained[0] + plane.explained[1];
        assert!(sum > 0.1 && sum <= 1.0 + 1e-9, "{:?}", plane.explained);
    }

    #[test]
    fn agrees_with_linfa_reductions_pca_on_full_rank_points() {
        use linfa::DatasetBase;
        use linfa::traits::Fit;
        let points: Vec<Vec<f32>> = (0..500)
            .map(|i| {
                let t = i as f32;
                vec![
                    3.0 * (t * 0.7).sin(),
                    2.0 * (t * 1.3).cos(),
                    (t * 2.9).sin(),
                    0.5 * (t * 0.23).cos(),
                ]
            })
            .collect();
        let plane = PcaPlane::fit(&points).unwrap();
        let records = Array2::from_shape_fn((500, 4), |(i, j)| points[i][j] as f64);
        let reference = linfa_reduction::Pca::params(2)
            .fit(&DatasetBase::from(records))
            .unwrap();
        let c = reference.components();
        for (mine, theirs) in [(&plane.pc1, c.row(0)), (&plane.pc2, c.row(1))] {
            let dot: f64 = mine.iter().zip(theirs.iter()).map(|(a, b)| a * b).sum();
            assert!(
                (dot.abs() - 1.0).abs() < 1e-6,
                "components differ: |dot| = {}",
                dot.abs()
            );
        }
    }

    fn assert_orthonormal(plane: &PcaPlane) {
        let dot: f64 = plane.pc1.iter().zip(&plane.pc2).map(|(a, b)| a * b).sum();
        let n1: f64 = plane.pc1.iter().map(|a| a * a).sum();
        let n2: f64 = plane.pc2.iter().map(|a| a * a).sum();
        assert!(dot.abs() < 1e-9 && (n1 - 1.0).abs() < 1e-9 && (n2 - 1.0).abs() < 1e-9);
        assert!(plane.explained.iter().all(|e| e.is_finite() && *e >= 0.0));
    }

    #[test]
    fn degenerate_inputs_give_a_plane_or_a_clear_error() {
        // A collapsed dimension (constant), and one that is an exact copy of another.
        let collapsed: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                let t = i as f32;
                vec![(t * 0.3).sin(), 5.0, (t * 0.7).cos(), (t * 0.3).sin()]
            })
            .collect();
        assert_orthonormal(&PcaPlane::fit(&collapsed).unwrap());
        // Duplicate points: only two distinct ones, repeated.
        let duplicates: Vec<Vec<f32>> = (0..30)
            .map(|i| {
                if i % 2 == 0 {
                    vec![1.0, 2.0, 3.0]
                } else {
                    vec![-1.0, 0.0, 3.0]
                }
            })
            .collect();
        let plane = PcaPlane::fit(&duplicates).unwrap();
        assert_orthonormal(&plane);
        assert!(
            (plane.explained[0] - 1.0).abs() < 1e-9,
            "{:?}",
            plane.explained
        );
        // Fewer points than dimensions.
        let few: Vec<Vec<f32>> = (0..4)
            .map(|i| {
                (0..56)
                    .map(|d| ((i * 56 + d) as f32 * 0.37).sin())
                    .collect()
            })
            .collect();
        assert_orthonormal(&PcaPlane::fit(&few).unwrap());
        // All points equal, a NaN, ragged rows: errors that say what is wrong.
        let same = vec![vec![1.0f32, 2.0]; 10];
        assert!(
            PcaPlane::fit(&same)
                .unwrap_err()
                .to_string()
                .contains("same")
        );
        let mut nan = collapsed.clone();
        nan[7][2] = f32::NAN;
        assert!(
            PcaPlane::fit(&nan)
                .unwrap_err()
                .to_string()
                .contains("point 7")
        );
        let mut ragged = collapsed;
        ragged[3].pop();
        assert!(
            PcaPlane::fit(&ragged)
                .unwrap_err()
                .to_string()
                .contains("point 3")
        );
    }
}
