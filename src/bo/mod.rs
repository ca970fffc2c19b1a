//! Bayesian optimisation in the latent space (the papers' loop): fit the sparse GP, choose a
//! batch by expected improvement, decode, evaluate, add, refit.

mod error;
mod linalg;
pub mod pool;
mod prediction;
mod surrogate;

pub use error::BoError;
pub use prediction::{Prediction, test_prediction};
pub use surrogate::{GpSettings, Hyperparameters, Surrogate, expected_improvement};

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::{Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::latent::LatentDecoder;
use crate::model::GraphBatch;
use crate::space::{Cell, SpaceKind};

/// Where the candidates that expected improvement ranks are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CandidateSampler {
    /// Uniform in the bounding box of the space's latent points (the D-VAE code's sampler).
    Box,
    /// Near the space's cells: the latent point of a random cell of the space plus Gaussian
    /// noise of `spread` times each dimension's standard deviation.
    Near,
}

/// Settings of a BO run.
#[derive(Debug, Clone, Serialize)]
pub struct BoConfig {
    pub rounds: usize,
    pub batch: usize,
    /// Labelled cells drawn at random to start from.
    pub initial: usize,
    /// Candidates scored by expected improvement per round.
    pub candidates: usize,
    /// Where the candidates come from.
    pub sampler: CandidateSampler,
    /// Noise of the `Near` sampler, in standard deviations of each latent dimension.
    pub spread: f32,
    pub inducing: usize,
    pub seed: u64,
    /// Observations (a random subset when there are more) whose exact GP likelihood the
    /// hyper-parameters maximise at each refit; 1000 covers every point of the papers' runs.
    pub hyper_points: usize,
    /// L-BFGS iterations per refit (warm-started from the previous round).
    pub gp_iterations: usize,
}

impl Default for BoConfig {
    fn default() -> Self {
        Self {
            rounds: 10,
            batch: 50,
            initial: 100,
            candidates: 10_000,
            sampler: CandidateSampler::Near,
            spread: 0.1,
            inducing: 500,
            seed: 0,
            hyper_points: 1000,
            gp_iterations: 100,
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
    /// Seconds each round's GP refit took (part of the round's time).
    pub fit_seconds: Vec<f64>,
}

/// What a BO run searches: how latent points become cells, what a cell is worth, and where a
/// cell itself lies in the latent space. [`optimise`] uses a trained model and a benchmark
/// table; a test can supply a toy.
pub trait Objective {
    /// Decodes latent points into cells (`None` where nothing valid came out).
    fn decode(&mut self, points: &[Vec<f32>]) -> Result<Vec<Option<Cell>>, BoError>;
    /// The value of `cell`; `estimate` is the surrogate's prediction at the decoded point.
    fn score(&mut self, cell: &Cell, estimate: f64) -> Score;
    /// The latent point of `cell` itself (its encoding), which the GP learns from.
    fn encode(&mut self, cell: &Cell) -> Result<Vec<f32>, BoError>;
}

/// What a decoded cell is worth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Score {
    /// A true value, with the cell's row in the table when it has one.
    Measured { value: f64, row: Option<usize> },
    /// The surrogate's estimate: learnt from and reported, never counted as the best.
    Estimated(f64),
    /// No value: the cell is passed over.
    Skip,
}

/// A labelled point BO starts from.
#[derive(Debug, Clone)]
pub struct Observation {
    pub latent: Vec<f32>,
    pub cell: Cell,
    pub row: Option<usize>,
    pub value: f64,
}

/// A value (%) for decoded cells the table has no label for, e.g. a run's fine-tuned predictor
/// on NB101: learnt from and reported as an estimate, never counted as the best.
pub type Estimator<'a> = &'a (dyn Fn(&Cell) -> Option<f64> + Sync);

/// The real objective: a trained model's decoder and the benchmark table.
struct TableObjective<'a, 'b> {
    decoder: &'a LatentDecoder<'b>,
    estimator: Option<Estimator<'a>>,
}

impl Objective for TableObjective<'_, '_> {
    fn decode(&mut self, points: &[Vec<f32>]) -> Result<Vec<Option<Cell>>, BoError> {
        let dims = points.first().map_or(0, |p| p.len());
        let flat: Vec<f32> = points.iter().flatten().copied().collect();
        let z = Tensor::<2>::from_data(
            TensorData::new(flat, [points.len(), dims]),
            self.decoder.device,
        );
        let space = self.decoder.data.space;
        Ok(self
            .decoder
            .decode(&z)?
            .into_iter()
            .map(|c| c.filter(|c| space.is_valid(c)))
            .collect())
    }

    fn score(&mut self, cell: &Cell, estimate: f64) -> Score {
        let data = self.decoder.data;
        let row = self.decoder.index.find(cell);
        match row.and_then(|r| data.records[r].accuracy) {
            Some(value) => Score::Measured { value, row },
            None => match self.estimator.and_then(|e| e(cell)) {
                Some(value) => Score::Estimated(value),
                None => self.unlabelled(estimate),
            },
        }
    }

    fn encode(&mut self, cell: &Cell) -> Result<Vec<f32>, BoError> {
        self.encode_cell(cell)
    }
}

impl TableObjective<'_, '_> {
    /// A decoded cell without a label and no estimator's value.
    fn unlabelled(&self, estimate: f64) -> Score {
        match self.decoder.data.space {
            // ENAS cells outside the table have no true value.
            SpaceKind::Enas => Score::Estimated(estimate),
            // NB101 cells without a label have no value to learn from.
            _ => Score::Skip,
        }
    }

    fn encode_cell(&self, cell: &Cell) -> Result<Vec<f32>, BoError> {
        let space = self.decoder.data.space;
        let batch = GraphBatch::new(&[cell], space.max_nodes(), self.decoder.device);
        let (mu, _) = self.decoder.model.encode(&batch);
        mu.into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .map_err(BoError::LatentReadback)
    }
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
) -> Result<BoOutcome, BoError> {
    optimise_estimating(decoder, latents, config, None, events, cancel)
}

/// [`optimise`], with decoded cells the table has no label for valued by `estimator` (marked
/// `estimated`) where it gives a value.
pub fn optimise_estimating(
    decoder: &LatentDecoder,
    latents: &[Vec<f32>],
    config: &BoConfig,
    estimator: Option<Estimator>,
    events: &mut dyn FnMut(BoEvent),
    cancel: &AtomicBool,
) -> Result<BoOutcome, BoError> {
    let data = decoder.data;
    if latents.len() != data.len() {
        return Err(BoError::LatentCount {
            latents: latents.len(),
            cells: data.len(),
        });
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let mut labelled: Vec<usize> = (0..data.len())
        .filter(|&i| data.records[i].accuracy.is_some())
        .collect();
    if labelled.len() < 2 {
        return Err(BoError::NoLabels);
    }
    labelled.shuffle(&mut rng);
    let initial: Vec<Observation> = labelled
        .into_iter()
        .take(config.initial.max(2))
        .map(|i| Observation {
            latent: latents[i].clone(),
            cell: data.records[i].cell.clone(),
            row: Some(i),
            value: data.records[i].accuracy.unwrap_or(0.0),
        })
        .collect();
    optimise_objective(
        &mut TableObjective { decoder, estimator },
        initial,
        latents,
        config,
        events,
        cancel,
    )
}

/// The papers' loop on any [`Objective`]: starting from `initial`, each round refits the
/// sparse GP (warm-started from the last round's hyper-parameters), scores
/// `config.candidates` random latent points by expected improvement (drawn near the points of
/// `region`, or uniformly in their bounding box: `config.sampler`), and decodes them in
/// descending order until `config.batch` new cells have a value. `config.initial` is not used
/// here (the caller chose `initial`).
pub fn optimise_objective(
    objective: &mut dyn Objective,
    initial: Vec<Observation>,
    region: &[Vec<f32>],
    config: &BoConfig,
    events: &mut dyn FnMut(BoEvent),
    cancel: &AtomicBool,
) -> Result<BoOutcome, BoError> {
    if initial.len() < 2 {
        return Err(BoError::TooFewInitial { got: initial.len() });
    }
    let dims = initial[0].latent.len();
    if dims == 0 {
        return Err(BoError::NoDimensions);
    }
    let other = (initial.iter().map(|o| o.latent.len()))
        .chain(region.iter().map(|p| p.len()))
        .find(|&d| d != dims);
    if let Some(other) = other {
        return Err(BoError::MixedDimensions { first: dims, other });
    }
    if region.is_empty() {
        return Err(BoError::NoRegion);
    }
    if !(config.spread.is_finite() && config.spread >= 0.0) {
        return Err(BoError::Spread {
            spread: config.spread,
        });
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x5eed_b0b0);
    let mut xs: Vec<Vec<f32>> = initial.iter().map(|o| o.latent.clone()).collect();
    let mut ys: Vec<f64> = initial.iter().map(|o| o.value).collect();
    let mut seen: HashSet<Cell> = initial.iter().map(|o| o.cell.clone()).collect();
    let first = initial
        .iter()
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .ok_or(BoError::NoLabelledPoints)?;
    let initial_best = first.value;
    let mut best = initial_best;
    let mut best_row = first.row;
    let mut best_cell = Some(first.cell.clone());
    events(BoEvent::Started {
        initial_best,
        initial: xs.len(),
    });
    // The box of the `Box` sampler.
    let lo: Vec<f32> = (0..dims)
        .map(|d| region.iter().map(|l| l[d]).fold(f32::INFINITY, f32::min))
        .collect();
    let hi: Vec<f32> = (0..dims)
        .map(|d| {
            region
                .iter()
                .map(|l| l[d])
                .fold(f32::NEG_INFINITY, f32::max)
        })
        .collect();
    // Each dimension's spread, for the `Near` sampler.
    let count = region.len() as f32;
    let sd: Vec<f32> = (0..dims)
        .map(|d| {
            let mean = region.iter().map(|l| l[d]).sum::<f32>() / count;
            (region.iter().map(|l| (l[d] - mean).powi(2)).sum::<f32>() / count).sqrt()
        })
        .collect();
    let mut settings = GpSettings {
        inducing: config.inducing,
        hyper_points: config.hyper_points,
        max_iterations: config.gp_iterations,
        seed: config.seed,
    };
    let mut warm: Option<Hyperparameters> = None;
    let mut evaluations = Vec::new();
    let mut fit_seconds = Vec::new();
    let mut cancelled = false;
    for round in 0..config.rounds {
        let started = std::time::Instant::now();
        if cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        settings.seed = config.seed.wrapping_add(round as u64);
        let gp = match Surrogate::fit_cancellable(&xs, &ys, &settings, warm.as_ref(), cancel) {
            Err(e) if e.is_cancelled() => {
                cancelled = true;
                break;
            }
            other => other.map_err(|e| BoError::Round {
                round: round + 1,
                error: Box::new(e),
            })?,
        };
        warm = Some(gp.hyperparameters().clone());
        fit_seconds.push(started.elapsed().as_secs_f64());
        let candidates: Vec<Vec<f32>> = (0..config.candidates.max(1))
            .map(|_| match config.sampler {
                CandidateSampler::Box => (0..dims)
                    .map(|d| lo[d] + rng.random::<f32>() * (hi[d] - lo[d]))
                    .collect(),
                CandidateSampler::Near => {
                    let base = &region[rng.random_range(0..region.len())];
                    (0..dims)
                        .map(|d| base[d] + config.spread * sd[d] * gaussian(&mut rng))
                        .collect()
                }
            })
            .collect();
        let predictions = gp.predict(&candidates)?;
        let ei: Vec<f64> = predictions
            .iter()
            .map(|&(m, s)| expected_improvement(m, s, best))
            .collect();
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| ei[b].total_cmp(&ei[a]));
        // Decode by descending EI; keep valid cells not evaluated yet, until the batch is full.
        let mut added = 0;
        for chunk in order.chunks(config.batch.max(1) * 2) {
            if cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break;
            }
            if added >= config.batch {
                break;
            }
            let points: Vec<Vec<f32>> = chunk.iter().map(|&i| candidates[i].clone()).collect();
            let cells = objective.decode(&points)?;
            for (&i, cell) in chunk.iter().zip(cells) {
                if added >= config.batch {
                    break;
                }
                let Some(cell) = cell else { continue };
                if seen.contains(&cell) {
                    continue;
                }
                let (value, row, estimated) = match objective.score(&cell, predictions[i].0) {
                    Score::Measured { value, row } => (value, row, false),
                    Score::Estimated(value) => (value, None, true),
                    Score::Skip => continue,
                };
                if !value.is_finite() {
                    continue;
                }
                seen.insert(cell.clone());
                let latent = objective.encode(&cell)?;
                if latent.len() != dims {
                    return Err(BoError::EncodedDimensions {
                        got: latent.len(),
                        dims,
                    });
                }
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
        cancelled,
        fit_seconds,
    })
}

/// A standard normal draw (Box-Muller).
fn gaussian(rng: &mut impl Rng) -> f32 {
    let u1 = rng.random::<f32>().max(f32::MIN_POSITIVE);
    let u2 = rng.random::<f32>();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
