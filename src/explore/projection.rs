use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_reduction::Pca;
use ndarray::Array2;

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
    /// Fits the plane with linfa-reduction's PCA.
    pub fn fit(points: &[Vec<f32>]) -> Result<Self, String> {
        let dims = points.first().map_or(0, |p| p.len());
        if points.len() < 3 || dims < 2 {
            return Err(format!(
                "PCA needs at least 3 points of 2 or more dimensions, got {} of {dims}",
                points.len()
            ));
        }
        let records = Array2::from_shape_fn((points.len(), dims), |(i, j)| points[i][j] as f64);
        let pca = Pca::params(2)
            .fit(&DatasetBase::from(records.clone()))
            .map_err(|e| format!("PCA failed: {e}"))?;
        let c = pca.components();
        // Shares of the total variance of all dimensions (linfa's ratio is among the kept
        // components only, which always sums to 1 for two of them).
        let total = records.var_axis(ndarray::Axis(0), 1.0).sum().max(1e-300);
        let sigma = pca.singular_values();
        let n = points.len() as f64 - 1.0;
        let ratio = [
            sigma[0] * sigma[0] / n / total,
            sigma[1] * sigma[1] / n / total,
        ];
        Ok(Self {
            mean: pca.mean().to_vec(),
            pc1: c.row(0).to_vec(),
            pc2: c.row(1).to_vec(),
            explained: [ratio[0], ratio[1]],
        })
    }

    /// Coordinates of `point` in the plane.
    pub fn project(&self, point: &[f32]) -> (f64, f64) {
        let centred = point.iter().zip(&self.mean).map(|(&p, m)| p as f64 - m);
        centred
            .zip(self.pc1.iter().zip(&self.pc2))
            .fold((0.0, 0.0), |(x, y), (c, (a, b))| (x + c * a, y + c * b))
    }

    /// The latent point at plane coordinates (x, y).
    pub fn lift(&self, x: f64, y: f64) -> Vec<f32> {
        (0..self.mean.len())
            .map(|d| (self.mean[d] + x * self.pc1[d] + y * self.pc2[d]) as f32)
            .collect()
    }
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
}
