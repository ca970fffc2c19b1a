use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use burn::tensor::{Tensor, TensorData};

use super::LatentError;
use crate::data::Dataset;
use crate::model::noise::piece_seed;
use crate::model::{GraphVae, Noise, Readout, tensor_values};
use crate::space::{Cell, SpaceKind, nb101};
use crate::threads::workers_for;

/// A seed from latent values: the same points always draw the same numbers.
fn content_seed(values: &[f32]) -> u64 {
    values
        .iter()
        .fold(0x5EED, |h, v| piece_seed(h, v.to_bits() as u64))
}

/// Finds a decoded cell in the benchmark table. NB101 cells are found by their (pruned) hash,
/// the others by their exact graph.
pub struct CellIndex {
    space: SpaceKind,
    by_key: HashMap<String, usize>,
}

impl CellIndex {
    pub fn new(data: &Dataset) -> Self {
        let by_key = data
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (Self::key(data.space, &r.cell), i))
            .collect();
        Self {
            space: data.space,
            by_key,
        }
    }

    fn key(space: SpaceKind, cell: &Cell) -> String {
        match space {
            SpaceKind::Nb101 => nb101::spec_hash(cell).unwrap_or_default(),
            _ => format!("{:?}/{}", cell.types(), cell.adjacency_string()),
        }
    }

    /// Row of `cell` in the data set, if it is there.
    pub fn find(&self, cell: &Cell) -> Option<usize> {
        self.by_key.get(&Self::key(self.space, cell)).copied()
    }
}

/// What decoding a latent point needs: the model, the data set to look cells up in, the
/// device, and how many stochastic decodings vote (1: one greedy decoding).
pub struct LatentDecoder<'a> {
    pub model: &'a GraphVae,
    pub data: &'a Dataset,
    pub index: &'a CellIndex,
    pub device: &'a burn::tensor::Device,
    pub attempts: usize,
    /// Set by a front end to stop the work this decoder serves (checked before each decoding).
    pub cancel: &'a AtomicBool,
}

impl LatentDecoder<'_> {
    /// The majority cell of each row of `z`; [`LatentError::Cancelled`] once `cancel` is set.
    pub fn decode(&self, z: &Tensor<2>) -> Result<Vec<Option<Cell>>, LatentError> {
        decode_majority(self.model, self.data.space, z, self.attempts, self.cancel)
    }
}

/// Decodes every row of `z` `attempts` times (stochastically) and keeps the most frequent
/// valid cell, or the most frequent cell when none is valid (`None` if nothing decoded).
/// Ties go to the cell seen first.
///
/// Pieces of 32 rows are decoded on every thread on the CPU (all attempts of a piece in one
/// batch). Each piece draws from a generator seeded with its own latent values, so a point
/// decodes the same way whatever the thread count, and decoding the same points again gives
/// the same cells.
pub fn decode_majority(
    model: &GraphVae,
    space: SpaceKind,
    z: &Tensor<2>,
    attempts: usize,
    cancel: &AtomicBool,
) -> Result<Vec<Option<Cell>>, LatentError> {
    const PIECE: usize = 32;
    let [rows, latent] = z.dims();
    if rows == 0 {
        return Ok(Vec::new());
    }
    let device = z.device();
    let values: Vec<f32> = tensor_values(z.clone().into_data())?;
    let attempts = attempts.max(1);
    let pieces: Vec<&[f32]> = values.chunks(PIECE * latent.max(1)).collect();
    let decode_piece = |flat: &&[f32]| -> Result<Vec<Vec<(Cell, usize)>>, LatentError> {
        crate::jobs::check(cancel)?;
        let n = flat.len() / latent.max(1);
        let z = Tensor::<2>::from_data(TensorData::new(flat.to_vec(), [n, latent]), &device);
        let mut noise = Noise::seeded(content_seed(flat));
        let decoded =
            model.decode_repeated(&z, attempts, attempts > 1, Readout::Union, &mut noise)?;
        Ok(decoded
            .into_iter()
            .map(|tries| {
                let mut counts: Vec<(Cell, usize)> = Vec::new();
                for cell in tries.into_iter().flatten() {
                    match counts.iter_mut().find(|(c, _)| *c == cell) {
                        Some((_, m)) => *m += 1,
                        None => counts.push((cell, 1)),
                    }
                }
                counts
            })
            .collect())
    };
    let mut seen = Vec::with_capacity(rows);
    for piece in crate::threads::map_ordered(workers_for(&device), &pieces, decode_piece) {
        seen.extend(piece?);
    }
    Ok(seen
        .into_iter()
        .map(|counts| {
            let best = |valid_only: bool| {
                counts
                    .iter()
                    .filter(|(c, _)| !valid_only || space.is_valid(c))
                    .fold(None::<&(Cell, usize)>, |best, x| match best {
                        Some(b) if b.1 >= x.1 => Some(b),
                        _ => Some(x),
                    })
                    .map(|(c, _)| c.clone())
            };
            best(true).or_else(|| best(false))
        })
        .collect())
}
