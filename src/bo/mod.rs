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
use serde::{Deserialize, Serialize};

use crate::latent::LatentDecoder;
use crate::model::GraphBatch;
use crate::space::{Cell, SpaceKind};

/// Where the candidates that expected improvement ranks are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CandidateSampler {
    /// Uniform in the bounding box of the space's latent points (the D-VAE code's sampler).
    Box,
    /// Near the space's cells: the latent point of a random cell of the space plus Gaussian
    /// noise of `spread` times each dimension's standard deviation.
    Near,
}

/// Settings of a BO run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    let dims = check_inputs(&initial, region, config)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x5eed_b0b0);
    let mut run = BoRun::start(objective, &initial, dims, config, events)?;
    let sampler = CandidateRegion::new(region, dims, config);
    for round in 0..config.rounds {
        let started = std::time::Instant::now();
        if cancel.load(Ordering::Relaxed) {
            run.cancelled = true;
            break;
        }
        let Some(gp) = run.refit(round, cancel)? else {
            run.cancelled = true;
            break;
        };
        run.fit_seconds.push(started.elapsed().as_secs_f64());
        let candidates = sampler.draw(&mut rng);
        run.evaluate_batch(round, &gp, &candidates, cancel)?;
        run.report(round, started);
    }
    Ok(run.finish())
}

/// Refuses a run that could not make sense of its inputs: fewer than two starting points,
/// latent points without dimensions or of different dimensions, no region to draw
/// candidates from, or a spread that is negative or not a number. The latent dimension.
fn check_inputs(
    initial: &[Observation],
    region: &[Vec<f32>],
    config: &BoConfig,
) -> Result<usize, BoError> {
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
    Ok(dims)
}

/// Where a run's candidates come from, fixed for the whole run: the region's points, their
/// bounding box (the `Box` sampler) and each dimension's standard deviation (the `Near`
/// sampler's noise scale).
struct CandidateRegion<'a> {
    region: &'a [Vec<f32>],
    lo: Vec<f32>,
    hi: Vec<f32>,
    sd: Vec<f32>,
    sampler: CandidateSampler,
    spread: f32,
    count: usize,
}

impl<'a> CandidateRegion<'a> {
    /// The sampler `config` asks for over `region` (not empty, every point `dims` long).
    fn new(region: &'a [Vec<f32>], dims: usize, config: &BoConfig) -> Self {
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
        let count = region.len() as f32;
        let sd: Vec<f32> = (0..dims)
            .map(|d| {
                let mean = region.iter().map(|l| l[d]).sum::<f32>() / count;
                (region.iter().map(|l| (l[d] - mean).powi(2)).sum::<f32>() / count).sqrt()
            })
            .collect();
        Self {
            region,
            lo,
            hi,
            sd,
            sampler: config.sampler,
            spread: config.spread,
            count: config.candidates.max(1),
        }
    }

    /// One round's candidates (at least one), drawn from `rng`.
    fn draw(&self, rng: &mut impl Rng) -> Vec<Vec<f32>> {
        let dims = self.lo.len();
        (0..self.count)
            .map(|_| match self.sampler {
                CandidateSampler::Box => (0..dims)
                    .map(|d| self.lo[d] + rng.random::<f32>() * (self.hi[d] - self.lo[d]))
                    .collect(),
                CandidateSampler::Near => {
                    let base = &self.region[rng.random_range(0..self.region.len())];
                    (0..dims)
                        .map(|d| base[d] + self.spread * self.sd[d] * gaussian(rng))
                        .collect()
                }
            })
            .collect()
    }
}

/// Everything a run carries from round to round: what the GP learns from, the cells already
/// evaluated (never evaluated twice), the best measured value, the last fit's
/// hyper-parameters, and what goes into the [`BoOutcome`].
struct BoRun<'a> {
    objective: &'a mut dyn Objective,
    events: &'a mut dyn FnMut(BoEvent),
    config: &'a BoConfig,
    dims: usize,
    xs: Vec<Vec<f32>>,
    ys: Vec<f64>,
    seen: HashSet<Cell>,
    initial_best: f64,
    best: f64,
    best_row: Option<usize>,
    best_cell: Option<Cell>,
    settings: GpSettings,
    warm: Option<Hyperparameters>,
    evaluations: Vec<Evaluation>,
    fit_seconds: Vec<f64>,
    cancelled: bool,
}

impl<'a> BoRun<'a> {
    /// A run that knows the `initial` points and counts the best of them as the best so far;
    /// reports [`BoEvent::Started`].
    fn start(
        objective: &'a mut dyn Objective,
        initial: &[Observation],
        dims: usize,
        config: &'a BoConfig,
        events: &'a mut dyn FnMut(BoEvent),
    ) -> Result<Self, BoError> {
        let first = initial
            .iter()
            .max_by(|a, b| a.value.total_cmp(&b.value))
            .ok_or(BoError::NoLabelledPoints)?;
        let run = Self {
            objective,
            events,
            config,
            dims,
            xs: initial.iter().map(|o| o.latent.clone()).collect(),
            ys: initial.iter().map(|o| o.value).collect(),
            seen: initial.iter().map(|o| o.cell.clone()).collect(),
            initial_best: first.value,
            best: first.value,
            best_row: first.row,
            best_cell: Some(first.cell.clone()),
            settings: GpSettings {
                inducing: config.inducing,
                hyper_points: config.hyper_points,
                max_iterations: config.gp_iterations,
                seed: config.seed,
            },
            warm: None,
            evaluations: Vec::new(),
            fit_seconds: Vec::new(),
            cancelled: false,
        };
        (run.events)(BoEvent::Started {
            initial_best: run.initial_best,
            initial: run.xs.len(),
        });
        Ok(run)
    }

    /// The GP of round `round` (0-based) on everything learnt so far, warm-started from the
    /// previous round's fit; `None` when `cancel` stopped the fit. Other errors name the
    /// round.
    fn refit(&mut self, round: usize, cancel: &AtomicBool) -> Result<Option<Surrogate>, BoError> {
        self.settings.seed = self.config.seed.wrapping_add(round as u64);
        let fitted = Surrogate::fit_cancellable(
            &self.xs,
            &self.ys,
            &self.settings,
            self.warm.as_ref(),
            cancel,
        );
        let gp = match fitted {
            Err(e) if e.is_cancelled() => return Ok(None),
            other => other.map_err(|e| BoError::Round {
                round: round + 1,
                error: Box::new(e),
            })?,
        };
        self.warm = Some(gp.hyperparameters().clone());
        Ok(Some(gp))
    }

    /// Decodes `candidates` most promising first (by `gp`'s expected improvement) and learns
    /// from new valued cells until `config.batch` were added. Once `cancel` is set it stops
    /// decoding and marks the run cancelled, but the round still ends normally.
    fn evaluate_batch(
        &mut self,
        round: usize,
        gp: &Surrogate,
        candidates: &[Vec<f32>],
        cancel: &AtomicBool,
    ) -> Result<(), BoError> {
        let predictions = gp.predict(candidates)?;
        let order = by_expected_improvement(&predictions, self.best);
        let batch = self.config.batch;
        let mut added = 0;
        for chunk in order.chunks(batch.max(1) * 2) {
            if cancel.load(Ordering::Relaxed) {
                self.cancelled = true;
                break;
            }
            if added >= batch {
                break;
            }
            let points: Vec<Vec<f32>> = chunk.iter().map(|&i| candidates[i].clone()).collect();
            let cells = self.objective.decode(&points)?;
            for (&i, cell) in chunk.iter().zip(cells) {
                if added >= batch {
                    break;
                }
                let Some(cell) = cell else { continue };
                if self.learn(round, cell, predictions[i].0)? {
                    added += 1;
                }
            }
        }
        Ok(())
    }

    /// Learns from a decoded `cell` (the GP predicted `estimate` at its candidate) when it is
    /// new and has a finite value: the GP gets its encoding, a measured value may become the
    /// best, and it is reported and kept as an [`Evaluation`]. Whether it was learnt from.
    fn learn(&mut self, round: usize, cell: Cell, estimate: f64) -> Result<bool, BoError> {
        if self.seen.contains(&cell) {
            return Ok(false);
        }
        let (value, row, estimated) = match self.objective.score(&cell, estimate) {
            Score::Measured { value, row } => (value, row, false),
            Score::Estimated(value) => (value, None, true),
            Score::Skip => return Ok(false),
        };
        if !value.is_finite() {
            return Ok(false);
        }
        self.seen.insert(cell.clone());
        let latent = self.objective.encode(&cell)?;
        if latent.len() != self.dims {
            return Err(BoError::EncodedDimensions {
                got: latent.len(),
                dims: self.dims,
            });
        }
        if !estimated && value > self.best {
            self.best = value;
            self.best_row = row;
            self.best_cell = Some(cell.clone());
        }
        self.xs.push(latent.clone());
        self.ys.push(value);
        let evaluation = Evaluation {
            round,
            latent,
            cell,
            row,
            value,
            estimated,
            best_so_far: self.best,
        };
        (self.events)(BoEvent::Evaluated(evaluation.clone()));
        self.evaluations.push(evaluation);
        Ok(true)
    }

    /// Reports the end of round `round`, begun at `started`.
    fn report(&mut self, round: usize, started: std::time::Instant) {
        (self.events)(BoEvent::RoundDone {
            round,
            best: self.best,
            seconds: started.elapsed().as_secs_f64(),
        });
    }

    /// The run's result.
    fn finish(self) -> BoOutcome {
        BoOutcome {
            evaluations: self.evaluations,
            initial_best: self.initial_best,
            best: self.best,
            best_row: self.best_row,
            best_cell: self.best_cell,
            cancelled: self.cancelled,
            fit_seconds: self.fit_seconds,
        }
    }
}

/// Candidate indices, the most promising first: by descending expected improvement over
/// `best` (ties keep their order).
fn by_expected_improvement(predictions: &[(f64, f64)], best: f64) -> Vec<usize> {
    let ei: Vec<f64> = predictions
        .iter()
        .map(|&(m, s)| expected_improvement(m, s, best))
        .collect();
    let mut order: Vec<usize> = (0..predictions.len()).collect();
    order.sort_by(|&a, &b| ei[b].total_cmp(&ei[a]));
    order
}

/// A standard normal draw (Box-Muller).
fn gaussian(rng: &mut impl Rng) -> f32 {
    let u1 = rng.random::<f32>().max(f32::MIN_POSITIVE);
    let u2 = rng.random::<f32>();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
