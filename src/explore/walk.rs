use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::ExploreError;
use crate::latent::LatentDecoder;
use crate::space::Cell;

/// One decoded point of a walk.
#[derive(Debug, Clone, Serialize)]
pub struct WalkStep {
    pub latent: Vec<f32>,
    #[serde(skip)]
    pub cell: Option<Cell>,
    pub valid: bool,
    /// Graph edit distance to the previous step's cell (None at the start or when undecoded).
    pub edit_distance: Option<usize>,
    /// Row of the decoded cell in the data set, and its true accuracy, when it is there.
    pub row: Option<usize>,
    pub accuracy: Option<f64>,
}

/// Decodes the walk's points in batches of a few steps, so a cancel is seen within one batch.
fn decode_points(
    decoder: &LatentDecoder,
    points: Vec<Vec<f32>>,
) -> Result<Vec<WalkStep>, ExploreError> {
    let dims = points.first().map_or(0, |p| p.len());
    let mut cells = Vec::with_capacity(points.len());
    for chunk in points.chunks(8) {
        let flat: Vec<f32> = chunk.iter().flatten().copied().collect();
        let z = Tensor::<2>::from_data(TensorData::new(flat, [chunk.len(), dims]), decoder.device);
        cells.extend(decoder.decode(&z)?);
    }
    let data = decoder.data;
    let mut previous: Option<Cell> = None;
    Ok(points
        .into_iter()
        .zip(cells)
        .map(|(latent, cell)| {
            let valid = cell.as_ref().is_some_and(|c| data.space.is_valid(c));
            let edit_distance = match (&previous, &cell) {
                (Some(p), Some(c)) => Some(p.edit_distance(c)),
                _ => None,
            };
            let row = cell.as_ref().and_then(|c| decoder.index.find(c));
            let accuracy = row.and_then(|r| data.records[r].accuracy);
            previous = cell.clone();
            WalkStep {
                latent,
                cell,
                valid,
                edit_distance,
                row,
                accuracy,
            }
        })
        .collect())
}

/// SVGe's figure 2: `steps` equidistant points on the great circle through `start` (on the
/// hypersphere of its radius) in a random direction orthogonal to it, each decoded
/// (see [`LatentDecoder`]).
pub fn great_circle_walk(
    decoder: &LatentDecoder,
    start: &[f32],
    steps: usize,
    seed: u64,
) -> Result<Vec<WalkStep>, ExploreError> {
    let z0: Vec<f64> = start.iter().map(|&v| v as f64).collect();
    let radius = z0.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    // Gram-Schmidt: a random direction with the component along z0 removed.
    let mut d: Vec<f64> = (0..z0.len())
        .map(|_| rng.random::<f64>() * 2.0 - 1.0)
        .collect();
    if radius > 0.0 {
        let along = d.iter().zip(&z0).map(|(a, b)| a * b).sum::<f64>() / (radius * radius);
        for (di, zi) in d.iter_mut().zip(&z0) {
            *di -= along * zi;
        }
    }
    let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
    let scale = if radius > 0.0 { radius } else { 1.0 };
    let d: Vec<f64> = d.iter().map(|v| v / norm * scale).collect();
    let points = (0..steps)
        .map(|k| {
            let theta = std::f64::consts::TAU * k as f64 / steps as f64;
            z0.iter()
                .zip(&d)
                .map(|(a, b)| (theta.cos() * a + theta.sin() * b) as f32)
                .collect()
        })
        .collect();
    decode_points(decoder, points)
}

/// Straight-line interpolation from `from` to `to` in `steps` points, ends included.
pub fn line_walk(
    decoder: &LatentDecoder,
    from: &[f32],
    to: &[f32],
    steps: usize,
) -> Result<Vec<WalkStep>, ExploreError> {
    let steps = steps.max(2);
    let points = (0..steps)
        .map(|k| {
            let t = k as f32 / (steps - 1) as f32;
            from.iter().zip(to).map(|(a, b)| a + t * (b - a)).collect()
        })
        .collect();
    decode_points(decoder, points)
}

/// Whether every operation of `cell` sits on one level: fed by the input alone and feeding the
/// output alone (no operation follows another, no input-output edge).
pub fn is_flat(cell: &Cell) -> bool {
    let n = cell.len();
    n >= 3
        && !cell.has_edge(0, n - 1)
        && (1..n - 1).all(|v| {
            cell.has_edge(0, v)
                && cell.has_edge(v, n - 1)
                && cell.in_degree(v) == 1
                && cell.out_degree(v) == 1
        })
}

/// The flat net the SVGe paper starts its figure-2 walk from ("we start from a flat net"; the
/// paper shows no picture of it and its code does not name it). cellspace takes the widest flat
/// cell of the data set (NAS-Bench-101's 9-edge limit allows four parallel operations), and of
/// those the labelled one of highest accuracy, then the first by id: its row.
pub fn flat_net(data: &crate::data::Dataset) -> Option<usize> {
    let key = |r: usize| {
        let rec = &data.records[r];
        (
            rec.cell.len(),
            rec.accuracy.map(ordered),
            std::cmp::Reverse(rec.id.clone()),
        )
    };
    (0..data.len())
        .filter(|&r| is_flat(&data.records[r].cell))
        .max_by_key(|&r| key(r))
}

/// An accuracy as an orderable integer (hundredths of a thousandth of a percent).
fn ordered(a: f64) -> i64 {
    (a * 1e5).round() as i64
}
