//! The papers' generative metrics: reconstruction accuracy, validity, uniqueness, novelty.

pub mod compare;
mod error;
pub mod saved;
pub mod smoothness;

pub use error::EvalError;

use std::collections::{BTreeMap, HashSet};

use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::latent::latent_means;
use crate::model::noise::piece_seed;
use crate::model::{GraphBatch, GraphVae, Noise, Readout};
use crate::space::{Cell, SpaceKind};

/// NB101's test split holds 42,362 cells: the reference protocol on all of them is 4.2 million
/// decodings (hours on a CPU). `eval` and `tables` take its first 2,000 unless told otherwise.
pub const NB101_TEST_LIMIT: usize = 2000;

/// The test-graph limit a command uses when none is given: NB101's default above, else all.
/// `Some(0)` asks for every test graph.
pub fn default_test_limit(space: crate::space::SpaceKind, asked: Option<usize>) -> Option<usize> {
    match asked {
        Some(0) => None,
        Some(n) => Some(n),
        None if space == crate::space::SpaceKind::Nb101 => Some(NB101_TEST_LIMIT),
        None => None,
    }
}

/// How many samples and decodings the metrics use (reference protocol: 10 × 10 per test
/// graph, 1,000 prior points × 10 decodings).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct EvalProtocol {
    pub samples_per_graph: usize,
    pub decodes_per_sample: usize,
    pub prior_points: usize,
    pub decodes_per_prior_point: usize,
    pub test_limit: Option<usize>,
    pub seed: u64,
    /// Which of SVGe's decoding directions make the cell (the paper's: the union).
    pub readout: Readout,
    /// Where the random draws come from. Figures kept before it existed came from one shared
    /// stream; they are measured again rather than mixed with these.
    #[serde(default = "Draws::shared")]
    pub draws: Draws,
    /// Where the prior points are drawn from (records from before it existed: fitted).
    #[serde(default)]
    pub prior_from: PriorFrom,
    /// The posterior samples' spread, as a multiple of the encoder's standard deviation: the
    /// noise scale the run was trained with, as the reference codes sample in evaluation with
    /// their training's (records from before it existed: 1).
    #[serde(default = "one")]
    pub sample_scale: f64,
}

fn one() -> f64 {
    1.0
}

/// Where the prior points of validity, uniqueness and novelty are drawn from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum PriorFrom {
    /// A normal fitted to the training cells' latent means, per dimension: what the D-VAE,
    /// SVGe and arch2vec codes draw.
    #[default]
    Fitted,
    /// The VAE's prior itself, N(0, I): to measure how much the fitted normal changes.
    Standard,
}

/// Where an evaluation's random draws (posterior samples, prior points, stochastic decoding)
/// come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Draws {
    /// Burn's one process-wide generator, in order (up to session 6; no longer run).
    Shared,
    /// A generator per piece of work (64 test graphs, 250 prior points), seeded from the
    /// protocol's seed and the piece's index: the same figures on any number of threads.
    PerPiece,
}

impl Draws {
    fn shared() -> Self {
        Draws::Shared
    }
}

impl Default for EvalProtocol {
    fn default() -> Self {
        Self {
            samples_per_graph: 10,
            decodes_per_sample: 10,
            prior_points: 1000,
            decodes_per_prior_point: 10,
            test_limit: None,
            seed: 0,
            readout: Readout::Union,
            draws: Draws::PerPiece,
            prior_from: PriorFrom::Fitted,
            sample_scale: 1.0,
        }
    }
}

/// The four metrics as fractions, plus reconstruction from the mean alone.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct GenerativeMetrics {
    /// Exact reconstructions of test graphs from sampled z (reference protocol).
    pub reconstruction_accuracy: f64,
    /// Exact reconstructions decoding the posterior mean (what the published numbers measure).
    pub reconstruction_accuracy_mean: f64,
    pub validity: f64,
    pub uniqueness: f64,
    pub novelty: f64,
    pub test_graphs: usize,
    pub decodings: usize,
    /// Why the prior decodings that are not valid cells are not, most frequent first (empty in
    /// evaluations saved before it was counted).
    #[serde(default)]
    pub invalid: Vec<InvalidReason>,
}

/// One reason prior decodings fail validity, with how many of them it stopped.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct InvalidReason {
    pub reason: String,
    pub count: usize,
}

/// One piece of the evaluation, with its own random stream.
enum Piece<'a> {
    /// Test graphs: reconstruction from the mean and from sampled z.
    Test(&'a [&'a Cell]),
    /// Prior points: validity, uniqueness, novelty.
    Prior(usize),
}

/// What one piece found.
#[derive(Default)]
struct Tally {
    hits: usize,
    tries: usize,
    hits_mean: usize,
    tries_mean: usize,
    valid: Vec<Cell>,
    total: usize,
    /// Invalid prior decodings by the rule they break (the space's or the decoder's message).
    invalid: BTreeMap<String, usize>,
}

/// Runs the reference protocol on a trained model. The pieces of work (64 test graphs, 250
/// prior points) run on every thread on the CPU, each drawing from its own seeded generator,
/// so the figures do not depend on the thread count.
pub fn evaluate(
    model: &GraphVae,
    space: SpaceKind,
    train: &[&Cell],
    test: &[&Cell],
    protocol: &EvalProtocol,
    device: &Device,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<GenerativeMetrics, EvalError> {
    if protocol.draws != Draws::PerPiece {
        return Err(EvalError::Draws);
    }
    let test: Vec<&Cell> = test
        .iter()
        .take(protocol.test_limit.unwrap_or(usize::MAX))
        .copied()
        .collect();
    progress("encoding the training cells", 0, 1);
    let prior = match protocol.prior_from {
        PriorFrom::Fitted => PriorRange::of(model, train, space, device)?,
        PriorFrom::Standard => PriorRange::standard(model.latent(), device),
    };
    let pieces = pieces(&test, protocol.prior_points);
    let worker = PieceWork {
        model,
        space,
        protocol,
        device,
        prior: &prior,
    };
    let mut sum = Tally::default();
    for t in run_pieces(&worker, &pieces, progress) {
        sum.add(t?);
    }
    Ok(sum.metrics(train, test.len()))
}

/// Where prior samples are moved to: the per-dimension mean and standard deviation of the
/// training cells' latent means (both reference codes do this), as `[1, latent]` rows.
struct PriorRange {
    centre: Tensor<2>,
    std: Tensor<2>,
}

impl PriorRange {
    /// N(0, I).
    fn standard(latent: usize, device: &Device) -> Self {
        Self {
            centre: Tensor::zeros([1, latent], device),
            std: Tensor::ones([1, latent], device),
        }
    }

    /// The range of `train`'s latent means under `model`.
    fn of(
        model: &GraphVae,
        train: &[&Cell],
        space: SpaceKind,
        device: &Device,
    ) -> Result<Self, EvalError> {
        let means = latent_means(model, train, space, device)?;
        let latent = model.latent();
        let n = means.len().max(1) as f64;
        let mut centre = vec![0f64; latent];
        let mut spread = vec![0f64; latent];
        for row in &means {
            for (d, &v) in row.iter().enumerate() {
                centre[d] += v as f64 / n;
            }
        }
        for row in &means {
            for (d, &v) in row.iter().enumerate() {
                spread[d] += (v as f64 - centre[d]).powi(2) / n;
            }
        }
        let to_tensor = |v: &[f64]| {
            Tensor::<2>::from_data(
                TensorData::new(v.iter().map(|&x| x as f32).collect::<Vec<_>>(), [1, latent]),
                device,
            )
        };
        Ok(Self {
            centre: to_tensor(&centre),
            std: to_tensor(&spread.iter().map(|s| s.sqrt()).collect::<Vec<_>>()),
        })
    }
}

/// The evaluation cut into pieces, in a fixed order (each piece's index seeds its draws):
/// the test graphs by 64, then the prior points by 250.
fn pieces<'a>(test: &'a [&'a Cell], prior_points: usize) -> Vec<Piece<'a>> {
    let mut pieces: Vec<Piece> = test.chunks(64).map(Piece::Test).collect();
    let mut left = prior_points;
    while left > 0 {
        pieces.push(Piece::Prior(left.min(250)));
        left -= left.min(250);
    }
    pieces
}

/// Runs every piece on the workers the device allows and returns their tallies in piece
/// order; `progress` hears ("decoding", done, pieces) on this thread as each one finishes.
fn run_pieces(
    worker: &PieceWork,
    pieces: &[Piece],
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Vec<Result<Tally, EvalError>> {
    let indexed: Vec<(usize, &Piece)> = pieces.iter().enumerate().collect();
    let workers = crate::threads::workers_for(worker.device);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let job = scope.spawn(move || {
            crate::threads::map_ordered(workers, &indexed, |&(index, piece)| {
                let r = worker.run(index, piece);
                let _ = tx.send(());
                r
            })
        });
        let mut done = 0;
        while rx.recv().is_ok() {
            done += 1;
            progress("decoding", done, pieces.len());
        }
        job.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// What every piece of one evaluation shares: the model, the protocol and the prior's range.
struct PieceWork<'a> {
    model: &'a GraphVae,
    space: SpaceKind,
    protocol: &'a EvalProtocol,
    device: &'a Device,
    prior: &'a PriorRange,
}

impl PieceWork<'_> {
    /// The tally of piece `index`, drawn from that piece's own generator.
    fn run(&self, index: usize, piece: &Piece) -> Result<Tally, EvalError> {
        let mut noise = Noise::seeded(piece_seed(self.protocol.seed, index as u64));
        match piece {
            Piece::Test(chunk) => self.reconstruct(chunk, &mut noise),
            Piece::Prior(rows) => self.sample_prior(*rows, &mut noise),
        }
    }

    /// Reconstruction of a chunk of test graphs: decoded from their latent mean, then from
    /// `samples_per_graph` draws around it.
    fn reconstruct(&self, chunk: &[&Cell], noise: &mut Noise) -> Result<Tally, EvalError> {
        let (model, protocol) = (self.model, self.protocol);
        let mut t = Tally::default();
        let batch = GraphBatch::new(chunk, self.space.max_nodes(), self.device);
        let (mu, logvar) = model.encode(&batch);
        let decoded = model.decode_repeated(
            &mu,
            protocol.decodes_per_sample,
            true,
            protocol.readout,
            noise,
        )?;
        (t.hits_mean, t.tries_mean) = exact_hits(&decoded, chunk);
        let std = (logvar * 0.5).exp() * protocol.sample_scale;
        for _ in 0..protocol.samples_per_graph {
            let dims = mu.dims();
            let eps = noise.normal([dims[0], dims[1]], self.device);
            let z = mu.clone() + eps * std.clone();
            let decoded = model.decode_repeated(
                &z,
                protocol.decodes_per_sample,
                true,
                protocol.readout,
                noise,
            )?;
            let (hits, tries) = exact_hits(&decoded, chunk);
            t.hits += hits;
            t.tries += tries;
        }
        Ok(t)
    }

    /// `rows` prior points in the training latents' range, decoded: every decoding counted,
    /// the valid cells kept for validity, uniqueness and novelty.
    fn sample_prior(&self, rows: usize, noise: &mut Noise) -> Result<Tally, EvalError> {
        let (model, protocol, prior) = (self.model, self.protocol, self.prior);
        let mut t = Tally::default();
        let z = noise.normal([rows, model.latent()], self.device) * prior.std.clone()
            + prior.centre.clone();
        for tries in model.decode_repeated_checked(
            &z,
            protocol.decodes_per_prior_point,
            true,
            protocol.readout,
            noise,
        )? {
            t.total += tries.len();
            for decoded in tries {
                match decoded.and_then(|c| self.space.validate(&c).map(|()| c)) {
                    Ok(cell) => t.valid.push(cell),
                    Err(why) => *t.invalid.entry(why.to_string()).or_default() += 1,
                }
            }
        }
        Ok(t)
    }
}

/// (exact reconstructions, decodings) of `decoded`, the decodings of `truths` row for row.
fn exact_hits(decoded: &[Vec<Option<Cell>>], truths: &[&Cell]) -> (usize, usize) {
    let (mut hits, mut tries) = (0, 0);
    for (decodings, truth) in decoded.iter().zip(truths.iter()) {
        hits += decodings
            .iter()
            .filter(|d| d.as_ref() == Some(*truth))
            .count();
        tries += decodings.len();
    }
    (hits, tries)
}

impl Tally {
    /// Adds another piece's findings to these.
    fn add(&mut self, t: Tally) {
        self.hits += t.hits;
        self.tries += t.tries;
        self.hits_mean += t.hits_mean;
        self.tries_mean += t.tries_mean;
        self.total += t.total;
        self.valid.extend(t.valid);
        for (reason, count) in t.invalid {
            *self.invalid.entry(reason).or_default() += count;
        }
    }

    /// The metrics of the whole evaluation's tally; `train` tells novel cells from known ones.
    fn metrics(&self, train: &[&Cell], test_graphs: usize) -> GenerativeMetrics {
        let train_set: HashSet<&Cell> = train.iter().copied().collect();
        let unique: HashSet<&Cell> = self.valid.iter().collect();
        let novel = self.valid.iter().filter(|c| !train_set.contains(c)).count();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        GenerativeMetrics {
            reconstruction_accuracy: ratio(self.hits, self.tries),
            reconstruction_accuracy_mean: ratio(self.hits_mean, self.tries_mean),
            validity: ratio(self.valid.len(), self.total),
            uniqueness: ratio(unique.len(), self.valid.len()),
            novelty: ratio(novel, self.valid.len()),
            test_graphs,
            decodings: self.tries + self.tries_mean + self.total,
            invalid: invalid_reasons(&self.invalid),
        }
    }
}

/// The tally's reasons, most frequent first (ties by name, so the order is reproducible).
fn invalid_reasons(tally: &BTreeMap<String, usize>) -> Vec<InvalidReason> {
    let mut out: Vec<InvalidReason> = tally
        .iter()
        .map(|(reason, &count)| InvalidReason {
            reason: reason.clone(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    out
}

#[cfg(test)]
mod test_limit_tests {
    use super::{NB101_TEST_LIMIT, default_test_limit};
    use crate::space::SpaceKind;

    #[test]
    fn nb101_defaults_to_a_limit_that_zero_lifts() {
        assert_eq!(
            default_test_limit(SpaceKind::Nb101, None),
            Some(NB101_TEST_LIMIT)
        );
        assert_eq!(default_test_limit(SpaceKind::Nb101, Some(0)), None);
        assert_eq!(default_test_limit(SpaceKind::Nb101, Some(50)), Some(50));
        assert_eq!(default_test_limit(SpaceKind::Enas, None), None);
        assert_eq!(default_test_limit(SpaceKind::Nb201, Some(0)), None);
    }
}
