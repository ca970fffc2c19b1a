use bhtsne::tSNE;

use super::PcaPlane;

/// Barnes-Hut t-SNE (bhtsne crate) of latent points to 2-D, started from the PCA plane (so a
/// run is deterministic). `progress` gets (epoch, epochs).
pub fn tsne_2d(
    points: &[Vec<f32>],
    perplexity: f32,
    epochs: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<(f32, f32)>, String> {
    let n = points.len();
    if n < 4 {
        return Err(format!("t-SNE needs at least 4 points, got {n}"));
    }
    // bhtsne asks for 3 * perplexity < n - 1.
    let perplexity = perplexity.min(((n - 2) as f32 / 3.0).max(1.0));
    let plane = PcaPlane::fit(points)?;
    let init: Vec<(f64, f64)> = points.iter().map(|p| plane.project(p)).collect();
    let spread = (init.iter().map(|(x, _)| x * x).sum::<f64>() / n as f64)
        .sqrt()
        .max(1e-12);
    let initial: Vec<f32> = init
        .iter()
        .flat_map(|&(x, y)| [(x / spread * 1e-4) as f32, (y / spread * 1e-4) as f32])
        .collect();
    let rows: Vec<&[f32]> = points.iter().map(|p| p.as_slice()).collect();
    let distance = |a: &&[f32], b: &&[f32]| {
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f32>()
            .sqrt()
    };
    let mut tsne: tSNE<f32, &[f32]> = tSNE::new(&rows);
    tsne.perplexity(perplexity)
        .epochs(epochs)
        .initial_embedding(initial)
        .epoch_callback(move |epoch, _| progress(epoch, epochs))
        .barnes_hut(0.5, distance);
    let flat = tsne.embedding();
    Ok(flat.chunks(2).map(|c| (c[0], c[1])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_clusters() {
        let points: Vec<Vec<f32>> = (0..60)
            .map(|i| {
                let centre = if i < 30 { 0.0 } else { 10.0 };
                vec![
                    centre + (i as f32 * 0.7).sin() * 0.3,
                    centre + (i as f32 * 1.3).cos() * 0.3,
                    (i as f32 * 0.1).sin(),
                ]
            })
            .collect();
        let mut calls = 0;
        let y = tsne_2d(&points, 10.0, 300, |_, _| calls += 1).unwrap();
        assert_eq!(y.len(), 60);
        assert!(calls > 0);
        let mean = |r: std::ops::Range<usize>| {
            let n = r.len() as f32;
            r.fold((0.0, 0.0), |(x, yy), i| (x + y[i].0 / n, yy + y[i].1 / n))
        };
        let (a, b) = (mean(0..30), mean(30..60));
        let between = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        let within = (0..30)
            .map(|i| ((y[i].0 - a.0).powi(2) + (y[i].1 - a.1).powi(2)).sqrt())
            .sum::<f32>()
            / 30.0;
        assert!(between > 3.0 * within, "between {between}, within {within}");
    }
}
