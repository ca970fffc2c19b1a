use std::sync::atomic::{AtomicBool, Ordering};

use bhtsne::{Neighbor, tSNE};

/// The unwind payload that stops bhtsne's loop on cancel.
struct TsneCancelled;
use ndarray::{Array2, Axis};

use super::PcaPlane;

/// Barnes-Hut t-SNE (bhtsne crate) of latent points to 2-D, started from the PCA plane (so a
/// run is deterministic). `progress` gets (epoch, epochs).
///
/// The `3 · perplexity` nearest neighbours that the affinities need are found exactly here,
/// by matrix products (`exact_neighbours`): bhtsne's vantage-point tree is hardly better than
/// brute force in 56 dimensions and took 31 s of the 50 s on ENAS (19,020 points) on the
/// 2-core machine.
///
/// Cancelling: bhtsne's loop has no exit, so once `cancel` is set the epoch callback unwinds
/// out of it (`resume_unwind`, which runs no panic hook and prints nothing) and this returns
/// `Err("cancelled")` within one epoch.
pub fn tsne_2d(
    points: &[Vec<f32>],
    perplexity: f32,
    epochs: usize,
    mut progress: impl FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<Vec<(f32, f32)>, String> {
    let n = points.len();
    if n < 4 {
        return Err(format!("t-SNE needs at least 4 points, got {n}"));
    }
    if !(perplexity.is_finite() && perplexity > 0.0) {
        return Err(format!(
            "t-SNE's perplexity must be positive, got {perplexity}"
        ));
    }
    if epochs == 0 {
        return Err("t-SNE needs at least one epoch".into());
    }
    let dims = points[0].len();
    if let Some(i) = points
        .iter()
        .position(|p| p.len() != dims || p.iter().any(|v| !v.is_finite()))
    {
        return Err(format!(
            "t-SNE point {i} is not finite or does not have {dims} dimensions"
        ));
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
    let neighbours = exact_neighbours(points, (3.0 * perplexity) as usize, cancel)?;
    crate::jobs::check(cancel)?;
    let rows: Vec<&[f32]> = points.iter().map(|p| p.as_slice()).collect();
    // The early-exaggeration and momentum phases last a quarter of the run, at most the
    // original 250 epochs.
    let phase = (epochs / 4).clamp(1, 250);
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut tsne: tSNE<f32, &[f32]> = tSNE::new(&rows);
        tsne.perplexity(perplexity)
            .epochs(epochs)
            .stop_lying_epoch(phase)
            .momentum_switch_epoch(phase)
            .initial_embedding(initial)
            .epoch_callback(move |epoch, _| {
                if cancel.load(Ordering::Relaxed) {
                    std::panic::resume_unwind(Box::new(TsneCancelled));
                }
                progress(epoch, epochs)
            })
            .barnes_hut_with_neighbors(0.5, &neighbours);
        tsne.embedding()
    }));
    match run {
        Ok(flat) => Ok(flat.chunks(2).map(|c| (c[0], c[1])).collect()),
        Err(payload) if payload.is::<TsneCancelled>() => Err(crate::jobs::CANCELLED.into()),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// The `k` nearest neighbours (Euclidean, ascending, the point itself left out) of every
/// point, exactly: squared distances `|a|² + |b|² - 2 a·b` by blocks of rows with one matrix
/// product each, then a partial selection per row. `k` is clamped to `1..n-1`.
/// Stops with `Err("cancelled")` between blocks once `cancel` is set.
pub fn exact_neighbours(
    points: &[Vec<f32>],
    k: usize,
    cancel: &AtomicBool,
) -> Result<Vec<Vec<Neighbor<f32>>>, String> {
    let n = points.len();
    let dims = points.first().map_or(0, |p| p.len());
    let k = k.clamp(1, n.saturating_sub(1).max(1));
    // Centred, to keep the cancellation in the squared distances small.
    let mut x = Array2::from_shape_fn((n, dims), |(i, j)| points[i][j]);
    if let Some(mean) = x.mean_axis(Axis(0)) {
        x -= &mean.insert_axis(Axis(0));
    }
    let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let mut out = Vec::with_capacity(n);
    let mut order: Vec<(f32, usize)> = Vec::with_capacity(n);
    const BLOCK: usize = 512;
    for start in (0..n).step_by(BLOCK) {
        crate::jobs::check(cancel)?;
        let end = (start + BLOCK).min(n);
        let block = x.slice(ndarray::s![start..end, ..]);
        let products = block.dot(&x.t());
        for (r, row) in products.rows().into_iter().enumerate() {
            let i = start + r;
            order.clear();
            order.extend(
                row.iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(j, &p)| ((norms[i] + norms[j] - 2.0 * p).max(0.0), j)),
            );
            if order.len() > k {
                order.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
                order.truncate(k);
            }
            order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            out.push(
                order
                    .iter()
                    .map(|&(d2, index)| Neighbor {
                        index,
                        distance: d2.sqrt(),
                    })
                    .collect(),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_stops_tsne_within_an_epoch() {
        let points: Vec<Vec<f32>> = (0..200)
            .map(|i| {
                vec![
                    (i as f32 * 0.37).sin(),
                    (i as f32 * 0.11).cos(),
                    i as f32 * 0.01,
                ]
            })
            .collect();
        let cancel = AtomicBool::new(false);
        let mut epochs = 0;
        let result = tsne_2d(
            &points,
            10.0,
            1000,
            |e, _| {
                epochs += 1;
                if e == 5 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        );
        assert_eq!(result.unwrap_err(), "cancelled");
        assert!(
            epochs <= 7,
            "{epochs} epochs ran after the cancel at epoch 5"
        );
        // Set before the start, nothing runs.
        let set = AtomicBool::new(true);
        assert!(tsne_2d(&points, 10.0, 1000, |_, _| panic!("ran"), &set).is_err());
    }

    #[test]
    fn exact_neighbours_match_brute_force() {
        let points: Vec<Vec<f32>> = (0..300)
            .map(|i| {
                let t = i as f32;
                vec![
                    (t * 0.37).sin() * 3.0 + 10.0,
                    (t * 1.1).cos(),
                    (t * 0.05).sin() * 2.0,
                ]
            })
            .collect();
        let found = exact_neighbours(&points, 7, &crate::jobs::NEVER).unwrap();
        assert_eq!(found.len(), 300);
        for (i, row) in found.iter().enumerate() {
            let mut all: Vec<(f32, usize)> = (0..300)
                .filter(|&j| j != i)
                .map(|j| {
                    let d = points[i]
                        .iter()
                        .zip(&points[j])
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f32>()
                        .sqrt();
                    (d, j)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert_eq!(row.len(), 7);
            for (got, want) in row.iter().zip(&all) {
                assert!(
                    (got.distance - want.0).abs() < 1e-3,
                    "{i}: {} vs {}",
                    got.distance,
                    want.0
                );
            }
            // The same neighbours, up to ties at the last distance.
            let last = all[6].0;
            assert!(row.iter().all(|nb| nb.index != i));
            assert!(row.iter().all(|nb| {
                let d = all
                    .iter()
                    .find(|a| a.1 == nb.index)
                    .map_or(f32::MAX, |a| a.0);
                d <= last + 1e-3
            }));
        }
    }

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
        let y = tsne_2d(&points, 10.0, 300, |_, _| calls += 1, &crate::jobs::NEVER).unwrap();
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
