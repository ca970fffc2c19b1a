//! The papers' generative metrics: reconstruction accuracy, validity, uniqueness, novelty.

pub mod compare;
mod error;
pub mod saved;
pub mod smoothness;

pub use error::EvalError;

use std::collections::HashSet;

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
    // Prior samples moved to the training latents' range (both reference codes do this).
    progress("encoding the training cells", 0, 1);
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
    let (centre, std) = (
        to_tensor(&centre),
        to_tensor(&spread.iter().map(|s| s.sqrt()).collect::<Vec<_>>()),
    );
    let mut pieces: Vec<Piece> = test.chunks(64).map(Piece::Test).collect();
    let mut left = protocol.prior_points;
    while left > 0 {
        pieces.push(Piece::Prior(left.min(250)));
        left -= left.min(250);
    }
    let indexed: Vec<(usize, &Piece)> = pieces.iter().enumerate().collect();
    let run = |&(index, piece): &(usize, &Piece)| -> Result<Tally, EvalError> {
        let mut noise = Noise::seeded(piece_seed(protocol.seed, index as u64));
        let mut t = Tally::default();
        match piece {
            Piece::Test(chunk) => {
                let batch = GraphBatch::new(chunk, space.max_nodes(), device);
                let (mu, logvar) = model.encode(&batch);
                let decoded = model.decode_repeated(
                    &mu,
                    protocol.decodes_per_sample,
                    true,
                    protocol.readout,
                    &mut noise,
                )?;
                for (tries, truth) in decoded.iter().zip(chunk.iter()) {
                    t.hits_mean += tries.iter().filter(|d| d.as_ref() == Some(*truth)).count();
                    t.tries_mean += tries.len();
                }
                let std = (logvar * 0.5).exp();
                for _ in 0..protocol.samples_per_graph {
                    let dims = mu.dims();
                    let eps = noise.normal([dims[0], dims[1]], device);
                    let z = mu.clone() + eps * std.clone();
                    let decoded = model.decode_repeated(
                        &z,
                        protocol.decodes_per_sample,
                        true,
                        protocol.readout,
                        &mut noise,
                    )?;
                    for (tries, truth) in decoded.iter().zip(chunk.iter()) {
                        t.hits += tries.iter().filter(|d| d.as_ref() == Some(*truth)).count();
                        t.tries += tries.len();
                    }
                }
            }
            Piece::Prior(rows) => {
                let z = noise.normal([*rows, latent], device) * std.clone() + centre.clone();
                for tries in model.decode_repeated(
                    &z,
                    protocol.decodes_per_prior_point,
                    true,
                    protocol.readout,
                    &mut noise,
                )? {
                    t.total += tries.len();
                    t.valid
                        .extend(tries.into_iter().flatten().filter(|c| space.is_valid(c)));
                }
            }
        }
        Ok(t)
    };
    // The workers report each finished piece; this thread passes it on to `progress`.
    let workers = crate::threads::workers_for(device);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let tallies = std::thread::scope(|scope| {
        let job = scope.spawn(move || {
            crate::threads::map_ordered(workers, &indexed, |p| {
                let r = run(p);
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
    });
    let mut sum = Tally::default();
    for t in tallies {
        let t = t?;
        sum.hits += t.hits;
        sum.tries += t.tries;
        sum.hits_mean += t.hits_mean;
        sum.tries_mean += t.tries_mean;
        sum.total += t.total;
        sum.valid.extend(t.valid);
    }
    let train_set: HashSet<&Cell> = train.iter().copied().collect();
    let unique: HashSet<&Cell> = sum.valid.iter().collect();
    let novel = sum.valid.iter().filter(|c| !train_set.contains(c)).count();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(GenerativeMetrics {
        reconstruction_accuracy: ratio(sum.hits, sum.tries),
        reconstruction_accuracy_mean: ratio(sum.hits_mean, sum.tries_mean),
        validity: ratio(sum.valid.len(), sum.total),
        uniqueness: ratio(unique.len(), sum.valid.len()),
        novelty: ratio(novel, sum.valid.len()),
        test_graphs: test.len(),
        decodings: sum.tries + sum.tries_mean + sum.total,
    })
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
