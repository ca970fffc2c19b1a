use burn::tensor::{Tensor, TensorData};
use serde::Serialize;

use super::{ExploreError, PcaPlane};
use crate::latent::LatentDecoder;
use crate::space::Cell;

/// One decoded point of the PCA-plane grid.
#[derive(Debug, Clone, Serialize)]
pub struct GridPoint {
    pub x: f64,
    pub y: f64,
    #[serde(skip)]
    pub cell: Option<Cell>,
    pub valid: bool,
    pub row: Option<usize>,
    pub accuracy: Option<f64>,
}

/// SVGe's figure 3: a `size` × `size` grid over [-radius, radius]² of the PCA plane, each
/// point decoded (see [`LatentDecoder`]). Returns the points and the number of
/// distinct decoded cells. Decodes a row of the grid at a time at most, so a cancel is seen
/// within one row.
pub fn decoded_grid(
    decoder: &LatentDecoder,
    plane: &PcaPlane,
    size: usize,
    radius: f64,
) -> Result<(Vec<GridPoint>, usize), ExploreError> {
    let data = decoder.data;
    let size = size.max(1);
    let coord = |i: usize| {
        if size == 1 {
            0.0
        } else {
            -radius + 2.0 * radius * i as f64 / (size - 1) as f64
        }
    };
    let coords: Vec<(f64, f64)> = (0..size)
        .flat_map(|j| (0..size).map(move |i| (coord(i), coord(j))))
        .collect();
    let dims = plane.mean.len();
    let mut points = Vec::with_capacity(coords.len());
    for chunk in coords.chunks(size.clamp(1, 256)) {
        let flat: Vec<f32> = chunk.iter().flat_map(|&(x, y)| plane.lift(x, y)).collect();
        let z = Tensor::<2>::from_data(TensorData::new(flat, [chunk.len(), dims]), decoder.device);
        for (&(x, y), cell) in chunk.iter().zip(decoder.decode(&z)?) {
            let valid = cell.as_ref().is_some_and(|c| data.space.is_valid(c));
            let row = cell.as_ref().and_then(|c| decoder.index.find(c));
            let accuracy = row.and_then(|r| data.records[r].accuracy);
            points.push(GridPoint {
                x,
                y,
                cell,
                valid,
                row,
                accuracy,
            });
        }
    }
    let distinct: std::collections::HashSet<&Cell> =
        points.iter().filter_map(|p| p.cell.as_ref()).collect();
    let distinct = distinct.len();
    Ok((points, distinct))
}

/// The fine-tuned predictor's accuracy (%) of each valid grid point without a true one (the
/// predictor folder `dir` from `cellspace finetune`); `None` for every other point.
pub fn predict_unlabelled(
    dir: &std::path::Path,
    points: &[GridPoint],
    device: &burn::tensor::Device,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Vec<Option<f64>>, crate::train::TrainError> {
    let (manifest, predictor) = crate::train::finetune::load_predictor(dir, device)?;
    let wanted: Vec<usize> = (0..points.len())
        .filter(|&k| points[k].valid && points[k].accuracy.is_none() && points[k].cell.is_some())
        .collect();
    let cells: Vec<&Cell> = wanted
        .iter()
        .filter_map(|&k| points[k].cell.as_ref())
        .collect();
    let values =
        crate::train::finetune::predict_cells(&predictor, &cells, manifest.space, device, cancel)?;
    let mut out = vec![None; points.len()];
    for (&k, v) in wanted.iter().zip(values) {
        out[k] = Some(v as f64 * crate::train::finetune::TARGET_SCALE);
    }
    Ok(out)
}
