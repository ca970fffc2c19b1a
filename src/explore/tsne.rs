use std::sync::atomic::{AtomicBool, Ordering};

use bhtsne::{Neighbor, tSNE};

/// The unwind payload that stops bhtsne's loop on cancel.
struct TsneCancelled;
use ndarray::{Array2, Axis};

use super::{ExploreError, PcaPlane};

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
/// [`ExploreError::Cancelled`] within one epoch.
pub fn tsne_2d(
    points: &[Vec<f32>],
    perplexity: f32,
    epochs: usize,
    progress: impl FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<Vec<(f32, f32)>, ExploreError> {
    tsne_2d_from(points, None, perplexity, epochs, progress, cancel)
}

/// [`tsne_2d`] started from `start` (one position per point, e.g. the same cells' map at the
/// previous epoch) instead of the PCA plane, so that successive maps keep their layout.
pub fn tsne_2d_from(
    points: &[Vec<f32>],
    start: Option<&[[f32; 2]]>,
    perplexity: f32,
    epochs: usize,
    progress: impl FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<Vec<(f32, f32)>, ExploreError> {
    check_tsne_inputs(points, perplexity, epochs)?;
    let n = points.len();
    // bhtsne asks for 3 * perplexity < n - 1.
    let perplexity = perplexity.min(((n - 2) as f32 / 3.0).max(1.0));
    let initial = initial_embedding(points, start)?;
    let neighbours = exact_neighbours(points, (3.0 * perplexity) as usize, cancel)?;
    crate::jobs::check(cancel)?;
    // The early-exaggeration and momentum phases last a quarter of the run, at most the
    // original 250 epochs.
    let phase = if start.is_some() {
        1
    } else {
        (epochs / 4).clamp(1, 250)
    };
    BhtsneRun {
        perplexity,
        epochs,
        phase,
        initial,
        neighbours,
    }
    .run(points, progress, cancel)
}

/// Refuses what t-SNE cannot map: fewer than 4 points, a perplexity that is not positive, no
/// epochs, or a point of another length than the first or with a non-finite value.
fn check_tsne_inputs(
    points: &[Vec<f32>],
    perplexity: f32,
    epochs: usize,
) -> Result<(), ExploreError> {
    let n = points.len();
    if n < 4 {
        return Err(ExploreError::TsneTooFew { points: n });
    }
    if !(perplexity.is_finite() && perplexity > 0.0) {
        return Err(ExploreError::Perplexity { perplexity });
    }
    if epochs == 0 {
        return Err(ExploreError::TsneNoEpochs);
    }
    let dims = points[0].len();
    if let Some(index) = points
        .iter()
        .position(|p| p.len() != dims || p.iter().any(|v| !v.is_finite()))
    {
        return Err(ExploreError::TsnePoint { index, dims });
    }
    Ok(())
}

/// The layout t-SNE starts from, as bhtsne takes it (x and y of each point in turn): `start`
/// as it is, or else the PCA plane shrunk to a tiny spread. Fails when `start` has another
/// count than `points`.
fn initial_embedding(
    points: &[Vec<f32>],
    start: Option<&[[f32; 2]]>,
) -> Result<Vec<f32>, ExploreError> {
    let n = points.len();
    let init: Vec<(f64, f64)> = match start {
        Some(xy) if xy.len() == n => xy.iter().map(|p| (p[0] as f64, p[1] as f64)).collect(),
        Some(xy) => {
            return Err(ExploreError::TsneStart {
                positions: xy.len(),
                points: n,
            });
        }
        None => {
            let plane = PcaPlane::fit(points)?;
            points.iter().map(|p| plane.project(p)).collect()
        }
    };
    // From PCA: shrunk to a tiny spread, as t-SNE starts. From an earlier map: kept as it is,
    // and without the early exaggeration (`tsne_2d_from`) that would pull its layout apart.
    let shrink = if start.is_some() {
        1.0
    } else {
        1e-4 / (init.iter().map(|(x, _)| x * x).sum::<f64>() / n as f64)
            .sqrt()
            .max(1e-12)
    };
    Ok(init
        .iter()
        .flat_map(|&(x, y)| [(x * shrink) as f32, (y * shrink) as f32])
        .collect())
}

/// One bhtsne run, set up: its schedule, its start and its points' neighbours.
struct BhtsneRun {
    perplexity: f32,
    epochs: usize,
    /// Epochs of early exaggeration and of low momentum.
    phase: usize,
    /// From [`initial_embedding`].
    initial: Vec<f32>,
    /// From [`exact_neighbours`].
    neighbours: Vec<Vec<Neighbor<f32>>>,
}

impl BhtsneRun {
    /// The map of `points`. `progress` gets (epoch, epochs); once `cancel` is set, the next
    /// epoch unwinds out of bhtsne's loop and this returns `Cancelled`. Other panics go on.
    fn run(
        self,
        points: &[Vec<f32>],
        mut progress: impl FnMut(usize, usize),
        cancel: &AtomicBool,
    ) -> Result<Vec<(f32, f32)>, ExploreError> {
        let Self {
            perplexity,
            epochs,
            phase,
            initial,
            neighbours,
        } = self;
        let rows: Vec<&[f32]> = points.iter().map(|p| p.as_slice()).collect();
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
            Err(payload) if payload.is::<TsneCancelled>() => Err(crate::jobs::Cancelled.into()),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// The `k` nearest neighbours (Euclidean, ascending, the point itself left out) of every
/// point, exactly: squared distances `|a|² + |b|² - 2 a·b` by blocks of rows with one matrix
/// product each, then a partial selection per row. `k` is clamped to `1..n-1`.
/// Stops with [`Cancelled`](crate::jobs::Cancelled) between blocks once `cancel` is set.
pub fn exact_neighbours(
    points: &[Vec<f32>],
    k: usize,
    cancel: &AtomicBool,
) -> Result<Vec<Vec<Neighbor<f32>>>, crate::jobs::Cancelled> {
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

/// Places new points on a finished t-SNE map without moving the map (as openTSNE's
/// `transform` does): each new point gets the affinities to its `3 · perplexity` nearest
/// latent neighbours, starts at their affinity-weighted mean position, and then follows the
/// t-SNE gradient with every mapped point held fixed. Points are placed independently, so
/// placing a walk does not bend it towards itself.
///
/// `latents` and `embedding` are the mapped points (row for row); the normalisation of the
/// Student-t kernel runs over all of them up to 20,000, over an even subsample beyond.
pub fn place_on_map(
    latents: &[Vec<f32>],
    embedding: &[[f32; 2]],
    new: &[Vec<f32>],
    perplexity: f32,
    cancel: &AtomicBool,
) -> Result<Vec<[f32; 2]>, ExploreError> {
    check_map_inputs(latents, embedding, new)?;
    let n = latents.len();
    let k = ((3.0 * perplexity.max(1.0)) as usize).clamp(1, n - 1);
    let stride = n.div_ceil(20_000);
    let normaliser: Vec<[f32; 2]> = embedding.iter().step_by(stride).copied().collect();
    let scale = stride as f64;
    let mut out = Vec::with_capacity(new.len());
    for z in new {
        crate::jobs::check(cancel)?;
        let nearest = nearest_latents(latents, z, k);
        let placement = Placement {
            p: affinities(
                &nearest.iter().map(|x| x.0).collect::<Vec<_>>(),
                perplexity as f64,
            ),
            neighbours: nearest
                .iter()
                .map(|&(_, j)| [embedding[j][0] as f64, embedding[j][1] as f64])
                .collect(),
            normaliser: &normaliser,
            scale,
        };
        let y = placement.descend(placement.start());
        out.push([y[0] as f32, y[1] as f32]);
    }
    Ok(out)
}

/// Refuses a map whose latents and positions differ in count or number fewer than 4, and a
/// new point of another length than the latents or with a non-finite value.
fn check_map_inputs(
    latents: &[Vec<f32>],
    embedding: &[[f32; 2]],
    new: &[Vec<f32>],
) -> Result<(), ExploreError> {
    let n = latents.len();
    if n != embedding.len() || n < 4 {
        return Err(ExploreError::MapSizes {
            latents: n,
            positions: embedding.len(),
        });
    }
    let dims = latents[0].len();
    if let Some(index) = new
        .iter()
        .position(|p| p.len() != dims || p.iter().any(|v| !v.is_finite()))
    {
        return Err(ExploreError::NewPoint { index, dims });
    }
    Ok(())
}

/// The `k` latents nearest to `z` (1 ≤ `k` < their count), as (squared distance, index), in
/// no particular order.
fn nearest_latents(latents: &[Vec<f32>], z: &[f32], k: usize) -> Vec<(f64, usize)> {
    let mut d2: Vec<(f64, usize)> = latents
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let d: f64 = l.iter().zip(z).map(|(a, b)| ((a - b) as f64).powi(2)).sum();
            (d, j)
        })
        .collect();
    d2.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
    d2.truncate(k);
    // Give back the rows of every other latent (the caller keeps k).
    d2.shrink_to_fit();
    d2
}

/// One new point's share of KL(P || Q) on the map, every mapped point held fixed:
/// C(y) = sum_j p_j log(1 + |y - y_j|^2) + log Z(y).
struct Placement<'a> {
    /// Map positions of the point's nearest latent neighbours.
    neighbours: Vec<[f64; 2]>,
    /// Its affinities to them, summing to 1.
    p: Vec<f64>,
    /// The mapped points Z(y) sums over, each standing for `scale` of them.
    normaliser: &'a [[f32; 2]],
    scale: f64,
}

impl Placement<'_> {
    /// Where the point starts: its neighbours' affinity-weighted mean position.
    fn start(&self) -> [f64; 2] {
        self.neighbours
            .iter()
            .zip(&self.p)
            .fold([0.0, 0.0], |acc, (q, w)| {
                [acc[0] + w * q[0], acc[1] + w * q[1]]
            })
    }

    /// C(y) and its gradient.
    fn cost_and_grad(&self, y: [f64; 2]) -> (f64, [f64; 2]) {
        let (mut z_sum, mut rep) = (0.0f64, [0.0f64; 2]);
        for q in self.normaliser {
            let (dx, dy) = (y[0] - q[0] as f64, y[1] - q[1] as f64);
            let t = 1.0 / (1.0 + dx * dx + dy * dy);
            z_sum += t;
            rep[0] += t * t * dx;
            rep[1] += t * t * dy;
        }
        let (mut cost, mut grad) = ((z_sum * self.scale).ln(), [0.0f64; 2]);
        for (q, w) in self.neighbours.iter().zip(&self.p) {
            let (dx, dy) = (y[0] - q[0], y[1] - q[1]);
            let d2 = dx * dx + dy * dy;
            cost += w * d2.ln_1p();
            grad[0] += 2.0 * w * dx / (1.0 + d2);
            grad[1] += 2.0 * w * dy / (1.0 + d2);
        }
        grad[0] -= 2.0 * rep[0] / z_sum;
        grad[1] -= 2.0 * rep[1] / z_sum;
        (cost, grad)
    }

    /// The point after at most 100 descent steps on C from `y`, with a step that grows while
    /// it lowers C and halves when it does not, so that it suits a map of any scale.
    fn descend(&self, mut y: [f64; 2]) -> [f64; 2] {
        let spread = self
            .neighbours
            .iter()
            .zip(&self.p)
            .map(|(q, w)| w * ((y[0] - q[0]).powi(2) + (y[1] - q[1]).powi(2)))
            .sum::<f64>()
            .max(1e-12);
        let mut rate = spread;
        let (mut cost, mut grad) = self.cost_and_grad(y);
        for _ in 0..100 {
            let trial = [y[0] - rate * grad[0], y[1] - rate * grad[1]];
            let (c, g) = self.cost_and_grad(trial);
            if c < cost {
                (y, cost, grad) = (trial, c, g);
                rate *= 1.5;
            } else {
                rate *= 0.5;
                if rate < 1e-9 * spread {
                    break;
                }
            }
        }
        y
    }
}

/// Affinities of one point to its neighbours at squared distances `d2`: a Gaussian whose
/// width is found by bisection so that the entropy matches `perplexity`; they sum to 1.
fn affinities(d2: &[f64], perplexity: f64) -> Vec<f64> {
    let target = perplexity.max(1.0).min(d2.len() as f64).ln();
    let min = d2.iter().copied().fold(f64::INFINITY, f64::min);
    let (mut lo, mut hi, mut beta) = (0.0f64, f64::INFINITY, 1.0f64);
    let mut p = vec![0.0; d2.len()];
    for _ in 0..100 {
        let mut sum = 0.0;
        for (pi, d) in p.iter_mut().zip(d2) {
            *pi = (-(d - min) * beta).exp();
            sum += *pi;
        }
        let mut entropy = 0.0;
        for (pi, d) in p.iter_mut().zip(d2) {
            *pi /= sum;
            entropy += *pi * (d - min) * beta;
        }
        entropy += sum.ln();
        if (entropy - target).abs() < 1e-5 {
            break;
        }
        if entropy > target {
            lo = beta;
            beta = if hi.is_finite() {
                (beta + hi) / 2.0
            } else {
                beta * 2.0
            };
        } else {
            hi = beta;
            beta = (beta + lo) / 2.0;
        }
    }
    p
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
        let err = result.unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(err.to_string(), "cancelled");
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

    /// Two clusters mapped apart: a copy of a point of one lands among that cluster's points;
    /// a point between them lands between them; the map itself is not touched.
    #[test]
    fn placed_points_land_where_their_neighbours_are() {
        let mut latents = Vec::new();
        let mut map = Vec::new();
        for i in 0..200 {
            let t = i as f32;
            let (c, x) = if i < 100 { (0.0, -10.0) } else { (5.0, 10.0) };
            latents.push(vec![c + (t * 0.37).sin() * 0.3, (t * 0.11).cos() * 0.3]);
            map.push([x + (t * 0.37).sin(), (t * 0.11).cos()]);
        }
        let new = vec![latents[7].clone(), latents[150].clone(), vec![2.5, 0.0]];
        let placed = place_on_map(&latents, &map, &new, 10.0, &crate::jobs::NEVER).unwrap();
        assert!(
            placed[0][0] < -7.0 && placed[0][0] > -13.0,
            "{:?}",
            placed[0]
        );
        assert!(placed[1][0] > 7.0 && placed[1][0] < 13.0, "{:?}", placed[1]);
        assert!(placed[2][0].abs() < 9.0, "{:?}", placed[2]);
        let bad = place_on_map(&latents, &map[..10], &new, 10.0, &crate::jobs::NEVER);
        assert!(bad.is_err());
        let wrong = place_on_map(&latents, &map, &[vec![1.0]], 10.0, &crate::jobs::NEVER);
        assert!(wrong.unwrap_err().to_string().contains("2 dimensions"));
    }

    #[test]
    fn affinities_meet_the_perplexity() {
        let d2: Vec<f64> = (0..30).map(|i| i as f64 * 0.5).collect();
        let p = affinities(&d2, 10.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let entropy: f64 = -p
            .iter()
            .filter(|&&x| x > 0.0)
            .map(|x| x * x.ln())
            .sum::<f64>();
        assert!(
            (entropy.exp() - 10.0).abs() < 0.01,
            "perplexity {}",
            entropy.exp()
        );
        assert!(p.windows(2).all(|w| w[0] >= w[1]));
    }
}
