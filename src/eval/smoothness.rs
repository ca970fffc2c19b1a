//! How smooth a latent space is, in figures two runs can be compared by: both papers argue that
//! their latent space is smoother than another's, each with its own pictures. These are the
//! measurable versions of those pictures; each figure's doc comment is the line the comparison
//! table prints under it.

use std::sync::atomic::AtomicBool;

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::EvalError;
use crate::data::Dataset;
use crate::explore::great_circle_walk;
use crate::latent::{CellIndex, LatentDecoder};
use crate::model::GraphVae;

/// How much work the figures take; the defaults give figures stable to about a percent on ENAS
/// and NB201 in seconds (walks: 20 × 24 decodings; neighbours: 1,000 queries).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SmoothnessSettings {
    /// Great-circle walks, each from a randomly chosen cell's latent mean.
    pub walks: usize,
    /// Points per walk (the whole circle).
    pub steps: usize,
    /// Cells whose latent neighbours are looked at.
    pub queries: usize,
    /// Nearest latent neighbours per query.
    pub k: usize,
    /// Edit distance counted as "close" for `neighbours_within`.
    pub within: usize,
    pub seed: u64,
}

impl Default for SmoothnessSettings {
    fn default() -> Self {
        Self {
            walks: 20,
            steps: 24,
            queries: 1000,
            k: 10,
            within: 3,
            seed: 0,
        }
    }
}

/// The figures; each field's doc comment is the line printed beside it.
#[derive(Debug, Clone, Serialize)]
pub struct Smoothness {
    #[serde(flatten)]
    pub walks: WalkFigures,
    #[serde(flatten)]
    pub neighbours: Neighbourhood,
}

#[derive(Debug, Clone, Serialize)]
pub struct WalkFigures {
    /// Mean graph edit distance between consecutive decoded points of the great-circle walks
    /// (SVGe's Figure 2): smaller is smoother.
    pub walk_edit_per_step: f64,
    /// Share of the walks' points that decode to a valid cell.
    pub walk_valid: f64,
}

/// What a cell's nearest latent neighbours are like; the `Option`s are `None` where the space
/// has too few labelled cells.
#[derive(Debug, Clone, Serialize)]
pub struct Neighbourhood {
    /// Share of each cell's k nearest latent neighbours within the edit distance `within` of
    /// it: larger means that nearby points are similar cells.
    pub neighbours_within: f64,
    /// Mean edit distance from a cell to its k nearest latent neighbours …
    pub neighbour_edit: f64,
    /// … and between random pairs of cells, the baseline it is read against.
    pub random_edit: f64,
    /// Mean |accuracy difference| between a labelled cell and its k nearest labelled latent
    /// neighbours (in points): smaller means that the space orders cells by performance.
    pub neighbour_accuracy_gap: Option<f64>,
    /// The same for random pairs of labelled cells.
    pub random_accuracy_gap: Option<f64>,
}

/// The `k` rows of `candidates` nearest to `latents[query]` (Euclidean), the query excluded,
/// nearest first (ties by row).
pub fn nearest(latents: &[Vec<f32>], candidates: &[usize], query: usize, k: usize) -> Vec<usize> {
    let q = &latents[query];
    let mut scored: Vec<(f32, usize)> = candidates
        .iter()
        .filter(|&&j| j != query)
        .map(|&j| {
            let d = latents[j]
                .iter()
                .zip(q)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>();
            (d, j)
        })
        .collect();
    let k = k.min(scored.len());
    if k == 0 {
        return Vec::new();
    }
    scored.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    scored.truncate(k);
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // A fresh vector of k: `into_iter().collect()` would reuse `scored`'s allocation in place,
    // one row per candidate, and the callers keep a thousand of these (7 GB on NB101).
    scored.iter().map(|&(_, j)| j).collect()
}

/// Per query cell: the edit distances to its nearest latent neighbours, and the accuracy gaps
/// to its nearest labelled ones.
type PerQuery = (Vec<usize>, Vec<f64>);

/// The neighbour figures for `queries` (parallel over the crate's thread count): per query,
/// (edit distances to its neighbours, accuracy gaps to its labelled neighbours).
fn neighbour_figures(
    data: &Dataset,
    latents: &[Vec<f32>],
    queries: &[usize],
    labelled: &[usize],
    k: usize,
    cancel: &AtomicBool,
) -> Result<Vec<PerQuery>, EvalError> {
    let all: Vec<usize> = (0..latents.len()).collect();
    let threads = crate::threads::threads().max(1);
    let chunk = queries.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<_>, EvalError>> = std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(chunk)
            .map(|part| {
                let all = &all;
                s.spawn(move || {
                    let mut out = Vec::with_capacity(part.len());
                    for &q in part {
                        crate::jobs::check(cancel)?;
                        let cell = &data.records[q].cell;
                        let edits = nearest(latents, all, q, k)
                            .into_iter()
                            .map(|j| cell.edit_distance(&data.records[j].cell))
                            .collect();
                        let gaps = match data.records[q].accuracy {
                            Some(a) => nearest(latents, labelled, q, k)
                                .into_iter()
                                .filter_map(|j| data.records[j].accuracy)
                                .map(|b| (a - b).abs())
                                .collect(),
                            None => Vec::new(),
                        };
                        out.push((edits, gaps));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(EvalError::NeighbourPanic)))
            .collect()
    });
    let mut out = Vec::with_capacity(queries.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn check_rows(data: &Dataset, latents: &[Vec<f32>]) -> Result<(), EvalError> {
    if data.len() < 2 || latents.len() != data.len() {
        return Err(EvalError::Rows {
            cells: data.len(),
            means: latents.len(),
        });
    }
    Ok(())
}

/// Measures `model`'s latent space on `data`, whose latent means (row for row) are `latents`.
pub fn smoothness(
    model: &GraphVae,
    data: &Dataset,
    latents: &[Vec<f32>],
    device: &burn::tensor::Device,
    settings: &SmoothnessSettings,
    cancel: &AtomicBool,
) -> Result<Smoothness, EvalError> {
    Ok(Smoothness {
        walks: walk_figures(model, data, latents, device, settings, cancel)?,
        neighbours: neighbourhood(data, latents, settings, cancel)?,
    })
}

/// The walk figures: `settings.walks` great circles, each through a random cell's latent mean,
/// decoded greedily.
pub fn walk_figures(
    model: &GraphVae,
    data: &Dataset,
    latents: &[Vec<f32>],
    device: &burn::tensor::Device,
    settings: &SmoothnessSettings,
    cancel: &AtomicBool,
) -> Result<WalkFigures, EvalError> {
    check_rows(data, latents)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(settings.seed);
    let index = CellIndex::new(data);
    let decoder = LatentDecoder {
        model,
        data,
        index: &index,
        device,
        attempts: 1,
        cancel,
    };
    let (mut edits, mut valid, mut points) = (Vec::new(), 0usize, 0usize);
    for _ in 0..settings.walks {
        let start = rng.random_range(0..data.len());
        let walk = great_circle_walk(&decoder, &latents[start], settings.steps, rng.random())?;
        points += walk.len();
        valid += walk.iter().filter(|s| s.valid).count();
        edits.extend(
            walk.iter()
                .filter_map(|s| s.edit_distance.map(|d| d as f64)),
        );
    }
    Ok(WalkFigures {
        walk_edit_per_step: mean(edits).unwrap_or(f64::NAN),
        walk_valid: valid as f64 / points.max(1) as f64,
    })
}

/// The neighbour figures, from the latent means alone (no decoding).
pub fn neighbourhood(
    data: &Dataset,
    latents: &[Vec<f32>],
    settings: &SmoothnessSettings,
    cancel: &AtomicBool,
) -> Result<Neighbourhood, EvalError> {
    check_rows(data, latents)?;
    let n = data.len();
    // Another stream than the walks', so that changing one setting leaves the other figures.
    let mut rng = rand::rngs::StdRng::seed_from_u64(settings.seed ^ 0x6e65_6967_6862_6f72);
    let queries = sample(&mut rng, n, settings.queries.min(n)).into_vec();
    let labelled: Vec<usize> = (0..n)
        .filter(|&i| data.records[i].accuracy.is_some())
        .collect();
    let per_query = neighbour_figures(data, latents, &queries, &labelled, settings.k, cancel)?;
    let neighbour_edits: Vec<usize> = per_query.iter().flat_map(|(e, _)| e.clone()).collect();
    let close = neighbour_edits
        .iter()
        .filter(|&&d| d <= settings.within)
        .count();
    let pairs = settings.queries.max(1) * settings.k.max(1);
    let random_edit = mean((0..pairs).map(|_| {
        let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
        data.records[a].cell.edit_distance(&data.records[b].cell) as f64
    }))
    .unwrap_or(f64::NAN);
    let enough_labels = labelled.len() > settings.k;
    let random_accuracy_gap = if enough_labels {
        mean((0..pairs).filter_map(|_| {
            let a = data.records[labelled[rng.random_range(0..labelled.len())]].accuracy?;
            let b = data.records[labelled[rng.random_range(0..labelled.len())]].accuracy?;
            Some((a - b).abs())
        }))
    } else {
        None
    };
    Ok(Neighbourhood {
        neighbours_within: close as f64 / neighbour_edits.len().max(1) as f64,
        neighbour_edit: mean(neighbour_edits.iter().map(|&d| d as f64)).unwrap_or(f64::NAN),
        random_edit,
        neighbour_accuracy_gap: if enough_labels {
            mean(per_query.iter().flat_map(|(_, g)| g.iter().copied()))
        } else {
            None
        },
        random_accuracy_gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_orders_by_distance_and_skips_the_query() {
        let latents = vec![
            vec![0.0, 0.0],
            vec![3.0, 0.0],
            vec![1.0, 0.0],
            vec![0.0, 2.0],
        ];
        let all = [0, 1, 2, 3];
        assert_eq!(nearest(&latents, &all, 0, 2), vec![2, 3]);
        assert_eq!(nearest(&latents, &all, 0, 10), vec![2, 3, 1]);
        assert_eq!(nearest(&latents, &[1, 3], 0, 1), vec![3]);
        assert!(nearest(&latents, &[0], 0, 3).is_empty());
    }

    /// The callers keep one result per query: each must hold its k rows, not the candidates'.
    #[test]
    fn nearest_keeps_only_k_rows() {
        let latents: Vec<Vec<f32>> = (0..10_000).map(|i| vec![i as f32]).collect();
        let all: Vec<usize> = (0..latents.len()).collect();
        let near = nearest(&latents, &all, 500, 10);
        assert_eq!(near.len(), 10);
        assert!(near.capacity() < 100, "capacity {}", near.capacity());
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert_eq!(mean(Vec::<f64>::new()), None);
        assert_eq!(mean([1.0, 2.0, 6.0]), Some(3.0));
    }

    /// A latent space that is the cell itself (node types and edges, one-hot) puts similar
    /// cells side by side; a random one does not; accuracy as the latent orders by accuracy.
    #[test]
    fn neighbourhood_tells_a_structured_space_from_a_random_one() {
        let data = Dataset::bundled(crate::space::SpaceKind::Enas).unwrap();
        let structured: Vec<Vec<f32>> = data
            .records
            .iter()
            .map(|r| {
                let types = r.cell.types();
                let mut v: Vec<f32> = types
                    .iter()
                    .flat_map(|&t| (0..8).map(move |k| f32::from(u8::from(t as usize == k))))
                    .collect();
                v.extend(
                    r.cell
                        .adjacency_string()
                        .chars()
                        .map(|c| f32::from(u8::from(c == '1'))),
                );
                v
            })
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let random: Vec<Vec<f32>> = (0..data.len())
            .map(|_| (0..8).map(|_| rng.random::<f32>()).collect())
            .collect();
        let by_accuracy: Vec<Vec<f32>> = data
            .records
            .iter()
            .map(|r| vec![r.accuracy.unwrap_or(0.0) as f32])
            .collect();
        let settings = SmoothnessSettings {
            queries: 200,
            ..SmoothnessSettings::default()
        };
        let never = AtomicBool::new(false);
        let s = neighbourhood(&data, &structured, &settings, &never).unwrap();
        let r = neighbourhood(&data, &random, &settings, &never).unwrap();
        let a = neighbourhood(&data, &by_accuracy, &settings, &never).unwrap();
        assert!(s.neighbour_edit < 0.5 * s.random_edit, "{s:?}");
        assert!(
            s.neighbours_within > 10.0 * r.neighbours_within.max(0.001),
            "{s:?}"
        );
        assert!(
            (r.neighbour_edit - r.random_edit).abs() < 0.1 * r.random_edit,
            "{r:?}"
        );
        let (gap, random_gap) = (
            a.neighbour_accuracy_gap.unwrap(),
            a.random_accuracy_gap.unwrap(),
        );
        assert!(gap < 0.05 * random_gap, "{a:?}");
        let rg = r.neighbour_accuracy_gap.unwrap();
        assert!(
            (rg - r.random_accuracy_gap.unwrap()).abs() < 0.15 * rg,
            "{r:?}"
        );
    }

    #[test]
    fn a_latent_per_cell_is_required() {
        let data = Dataset::bundled(crate::space::SpaceKind::Nb201).unwrap();
        let never = AtomicBool::new(false);
        let err = neighbourhood(&data, &[vec![0.0]], &SmoothnessSettings::default(), &never)
            .unwrap_err()
            .to_string();
        assert!(err.contains("15625 cells, 1 means"), "{err}");
    }
}
