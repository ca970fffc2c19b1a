use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use burn::tensor::Tensor;

use crate::data::Dataset;
use crate::model::GraphVae;
use crate::space::{Cell, SpaceKind, nb101};

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
    /// The majority cell of each row of `z`; `Err("cancelled")` once `cancel` is set.
    pub fn decode(&self, z: &Tensor<2>) -> Result<Vec<Option<Cell>>, String> {
        decode_majority(self.model, self.data.space, z, self.attempts, self.cancel)
    }
}

/// Decodes every row of `z` `attempts` times (stochastically) and keeps the most frequent
/// valid cell, or the most frequent cell when none is valid (`None` if nothing decoded).
/// Ties go to the cell seen first.
pub fn decode_majority(
    model: &GraphVae,
    space: SpaceKind,
    z: &Tensor<2>,
    attempts: usize,
    cancel: &AtomicBool,
) -> Result<Vec<Option<Cell>>, String> {
    let rows = z.dims()[0];
    let mut seen: Vec<Vec<(Cell, usize)>> = vec![Vec::new(); rows];
    for _ in 0..attempts.max(1) {
        crate::jobs::check(cancel)?;
        for (counts, cell) in seen.iter_mut().zip(model.decode(z, attempts > 1)?) {
            let Some(cell) = cell else { continue };
            match counts.iter_mut().find(|(c, _)| *c == cell) {
                Some((_, n)) => *n += 1,
                None => counts.push((cell, 1)),
            }
        }
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
