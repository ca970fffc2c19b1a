//! Bayesian optimisation in the latent space (the papers' loop): fit the sparse GP, choose a
//! batch by expected improvement, decode, evaluate, add, refit.

mod surrogate;

pub use surrogate::{Surrogate, expected_improvement};

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::{Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::explore::LatentDecoder;
use crate::model::GraphBatch;
use crate::space::Cell;

/// Settings of a BO run.
#[derive(Debug, Clone, Serialize)]
pub struct BoConfig {
    pub rounds: usize,
    pub batch: usize,
    /// Labelled cells drawn at random to start from.
    pub initial: usize,
    /// Uniform candidates in the latents' bounding box per round.
    pub candidates: usize,
    pub inducing: usize,
    pub seed: u64,
}

impl Default for BoConfig {
    fn default() -> Self {
        Self {
            rounds: 10,
            batch: 50,
            initial: 100,
            candidates: 10_000,
            inducing: 500,
            seed: 0,
        }
    }
}

/// One evaluated candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub round: usize,
    pub latent: Vec<f32>,
    #[serde(skip)]
    pub cell: Cell,
    /// Row in the data set, when the cell is in the table.
    pub row: Option<usize>,
    pub value: f64,
    /// True when `value` is the surrogate's estimate (a cell outside the table).
    pub estimated: bool,
    pub best_so_far: f64,
}

#[derive(Debug, Clone)]
pub enum BoEvent {
    Started {
        initial_best: f64,
        initial: usize,
    },
    Evaluated(Evaluation),
    RoundDone {
        round: usize,
        best: f64,
        seconds: f64,
    },
}

/// Result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct BoOutcome {
    pub evaluations: Vec<Evaluation>,
    pub initial_best: f64,
    pub best: f64,
    pub best_row: Option<usize>,
    #[serde(skip)]
    pub best_cell: Option<Cell>,
    pub cancelled: bool,
}

/// Runs BO over `decoder`'s data set. `latents` are the latent means of every cell (row for
/// row with the data set); a decoded cell outside the table gets the surrogate's estimate
/// and is marked `estimated` (only ENAS has such cells: NB201's table is complete, and on
/// NB101 only labelled cells count).
pub fn optimise(
    decoder: &LatentDecoder,
    latents: &[Vec<f32>],
    config: &BoConfig,
    events: &mut dyn FnMut(BoEvent),
    cancel: &AtomicBool,
) -> Result<BoOutcome, String> {
    let data = decoder.data;
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let mut labelled: Vec<usize> = (0..data.len())
        .filter(|&i| data.records[i].accuracy.is_some())
        .collect();
    if labelled.len() < 2 {
        return Err("BO needs labelled cells".into());
    }
    labelled.shuffle(&mut rng);
    let start: Vec<usize> = labelled.into_iter().take(config.initial.max(2)).collect();
    let mut xs: Vec<Vec<f32>> = start.iter().map(|&i| latents[i].clone()).collect();
    let mut ys: Vec<f64> = start
        .iter()
        .map(|&i| data.records[i].accuracy.unwrap_or(0.0))
        .collect();
    let mut seen: HashSet<Cell> = start
        .iter()
        .map(|&i| data.records[i].cell.clone())
        .collect();
    let initial_best = ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut best = initial_best;
    let mut best_row = start.iter().copied().max_by(|&a, &b| {
        data.records[a]
            .accuracy
            .partial_cmp(&data.records[b].accuracy)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut best_cell = best_row.map(|r| data.records[r].cell.clone());
    events(BoEvent::Started {
        initial_best,
        initial: xs.len(),
    });
    // The box the candidates are drawn from: the latents of all cells.
    let dims = latents.first().map_or(0, |l| l.len());
    let lo: Vec<f32> = (0..dims)
        .map(|d| latents.iter().map(|l| l[d]).fold(f32::INFINITY, f32::min))
        .collect();
    let hi: Vec<f32> = (0..dims)
        .map(|d| {
            latents
                .iter()
                .map(|l| l[d])
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .collect();
    let mut evaluations = Vec::new();
    for round in 0..config.rounds {
        let started = std::time::Instant::now();
        if cancel.load(Ordering::Relaxed) {
            return Ok(BoOutcome {
                evaluations,
                initial_best,
                best,
                best_row,
                best_cell,
                cancelled: true,
            });
        }
        let gp = Surrogate::fit(
            &xs,
            &ys,
            config.inducing,
            config.seed.wrapping_add(round as u64),
        )?;
        let candidates: Vec<Vec<f32>> = (0..config.candidates)
            .map(|_| {
                (0..dims)
                    .map(|d| lo[d] + rng.random::<f32>() * (hi[d] - lo[d]))
                    .collect()
            })
            .collect();
        let predictions = gp.predict(&candidates)?;
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        let ei: Vec<f64> = predictions
            .iter()
            .map(|&(m, s)| expected_improvement(m, s, best))
            .collect();
        order.sort_by(|&a, &b| {
            ei[b]
                .partial_cmp(&ei[a])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        // Decode by descending EI; keep valid cells not evaluated yet, until the batch is full.
        let mut added = 0;
        for chunk in order.chunks(config.batch.max(1) * 2) {
            if added >= config.batch || cancel.load(Ordering::Relaxed) {
                break;
            }
            let flat: Vec<f32> = chunk.iter().flat_map(|&i| candidates[i].clone()).collect();
            let z =
                Tensor::<2>::from_data(TensorData::new(flat, [chunk.len(), dims]), decoder.device);
            for (&i, cell) in chunk.iter().zip(decoder.decode(&z)) {
                if added >= config.batch {
                    break;
                }
                let Some(cell) = cell.filter(|c| data.space.is_valid(c)) else {
                    continue;
                };
                if seen.contains(&cell) {
                    continue;
                }
                let row = decoder.index.find(&cell);
                let (value, estimated) = match row.and_then(|r| data.records[r].accuracy) {
                    Some(v) => (v, false),
                    None if data.space == crate::space::SpaceKind::Enas => (predictions[i].0, true),
                    // NB101 cells without a label have no value to learn from.
                    None => continue,
                };
                seen.insert(cell.clone());
                // The point the GP learns from is the cell's own encoding.
                let batch = GraphBatch::new(&[&cell], data.space.max_nodes(), decoder.device);
                let (mu, _) = decoder.model.encode(&batch);
                let latent: Vec<f32> = mu
                    .into_data()
                    .convert::<f32>()
                    .try_to_vec::<f32>()
                    .unwrap_or_default();
                if !estimated && value > best {
                    best = value;
                    best_row = row;
                    best_cell = Some(cell.clone());
                }
                xs.push(latent.clone());
                ys.push(value);
                added += 1;
                let evaluation = Evaluation {
                    round,
                    latent,
                    cell,
                    row,
                    value,
                    estimated,
                    best_so_far: best,
                };
                events(BoEvent::Evaluated(evaluation.clone()));
                evaluations.push(evaluation);
            }
        }
        events(BoEvent::RoundDone {
            round,
            best,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    Ok(BoOutcome {
        evaluations,
        initial_best,
        best,
        best_row,
        best_cell,
        cancelled: false,
    })
}
