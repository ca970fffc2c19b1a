//! The papers' generative metrics: reconstruction accuracy, validity, uniqueness, novelty.

pub mod compare;
pub mod published;
pub mod saved;
pub mod smoothness;

use std::collections::HashSet;
use std::sync::atomic::AtomicBool;

use burn::tensor::{Device, Distribution, Tensor, TensorData};
use serde::Serialize;

use crate::model::{GraphBatch, GraphVae, Readout, tensor_values};
use crate::space::{Cell, SpaceKind};

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

/// Latent means of `cells`, in batches, as rows (one per cell).
pub fn latent_means(
    model: &GraphVae,
    cells: &[&Cell],
    space: SpaceKind,
    device: &Device,
) -> Result<Vec<Vec<f32>>, String> {
    latent_means_cancellable(model, cells, space, device, &AtomicBool::new(false))
}

/// [`latent_means`], stopping with `Err("cancelled")` between batches once `cancel` is set.
pub fn latent_means_cancellable(
    model: &GraphVae,
    cells: &[&Cell],
    space: SpaceKind,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<Vec<Vec<f32>>, String> {
    // 256 cells a batch: encoding 2,048 ENAS cells on one thread, GCN-EMB ran 13,394 / 11,844 /
    // 10,066 / 5,701 graphs/s at 64 / 128 / 256 / 512, D-VAE peaked at 256 (1,509) and SVGe
    // hardly changed (2,318-2,605). Measured in session 4 (BENCHMARKS.md).
    const CHUNK: usize = 256;
    let chunks: Vec<&[&Cell]> = cells.chunks(CHUNK).collect();
    let encode = |chunk: &[&Cell]| -> Result<Vec<Vec<f32>>, String> {
        crate::jobs::check(cancel)?;
        let batch = GraphBatch::new(chunk, space.max_nodes(), device);
        let (mu, _) = model.encode(&batch);
        let latent = mu.dims()[1].max(1);
        let values: Vec<f32> = tensor_values(mu.into_data())?;
        if values.len() != chunk.len() * latent {
            return Err(format!(
                "the encoder returned {} values for {} cells of latent size {latent}",
                values.len(),
                chunk.len()
            ));
        }
        Ok(values.chunks(latent).map(|r| r.to_vec()).collect())
    };
    // Encoding draws no random numbers: chunks run on every thread (CPU only), in any order,
    // and are put back in order.
    let threads = if crate::backend::is_cpu(device) {
        crate::threads::threads().min(chunks.len()).max(1)
    } else {
        1
    };
    let results: Vec<Result<Vec<Vec<f32>>, String>> = if threads == 1 {
        chunks.iter().map(|c| encode(c)).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (chunks, encode) = (&chunks, &encode);
                    scope.spawn(move || {
                        (t..chunks.len())
                            .step_by(threads)
                            .map(|k| (k, encode(chunks[k])))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut ordered: Vec<Option<Result<Vec<Vec<f32>>, String>>> =
                (0..chunks.len()).map(|_| None).collect();
            for h in handles {
                let done = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                for (k, r) in done {
                    ordered[k] = Some(r);
                }
            }
            ordered
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err("a chunk was not encoded".into())))
                .collect()
        })
    };
    let mut out = Vec::with_capacity(cells.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Decodes each row of `z` `times` times (stochastic decoding).
fn decode_repeated(
    model: &GraphVae,
    z: &Tensor<2>,
    times: usize,
    readout: Readout,
) -> Result<Vec<Vec<Option<Cell>>>, String> {
    let b = z.dims()[0];
    let mut out = vec![Vec::with_capacity(times); b];
    for _ in 0..times {
        let cells = model.decode_with(z, true, readout)?;
        if cells.len() != b {
            return Err(format!(
                "{} cells decoded from {b} latent points",
                cells.len()
            ));
        }
        for (slot, cell) in out.iter_mut().zip(cells) {
            slot.push(cell);
        }
    }
    Ok(out)
}

/// Runs the reference protocol on a trained model.
pub fn evaluate(
    model: &GraphVae,
    space: SpaceKind,
    train: &[&Cell],
    test: &[&Cell],
    protocol: &EvalProtocol,
    device: &Device,
    progress: &mut dyn FnMut(&str, usize, usize),
) -> Result<GenerativeMetrics, String> {
    device.seed(protocol.seed);
    let test: Vec<&Cell> = test
        .iter()
        .take(protocol.test_limit.unwrap_or(usize::MAX))
        .copied()
        .collect();
    let (mut hits, mut hits_mean, mut tries, mut tries_mean) = (0usize, 0usize, 0usize, 0usize);
    let chunks = test.chunks(64).count();
    for (c, chunk) in test.chunks(64).enumerate() {
        progress("reconstruction", c, chunks);
        let batch = GraphBatch::new(chunk, space.max_nodes(), device);
        let (mu, logvar) = model.encode(&batch);
        for decoded in decode_repeated(model, &mu, protocol.decodes_per_sample, protocol.readout)?
            .iter()
            .zip(chunk)
        {
            hits_mean += decoded
                .0
                .iter()
                .filter(|d| d.as_ref() == Some(*decoded.1))
                .count();
            tries_mean += decoded.0.len();
        }
        for _ in 0..protocol.samples_per_graph {
            let eps = Tensor::<2>::random(mu.dims(), Distribution::Normal(0.0, 1.0), device);
            let z = mu.clone() + eps * (logvar.clone() * 0.5).exp();
            for (decoded, truth) in
                decode_repeated(model, &z, protocol.decodes_per_sample, protocol.readout)?
                    .iter()
                    .zip(chunk)
            {
                hits += decoded
                    .iter()
                    .filter(|d| d.as_ref() == Some(*truth))
                    .count();
                tries += decoded.len();
            }
        }
    }
    // Prior samples moved to the training latents' range (both reference codes do this).
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
    let train_set: HashSet<&Cell> = train.iter().copied().collect();
    let (mut valid, mut total) = (Vec::new(), 0usize);
    let chunks = protocol.prior_points.div_ceil(250);
    for c in 0..chunks {
        progress("prior samples", c, chunks);
        let rows = 250.min(protocol.prior_points - c * 250);
        let z = Tensor::<2>::random([rows, latent], Distribution::Normal(0.0, 1.0), device)
            * std.clone()
            + centre.clone();
        for decoded in decode_repeated(
            model,
            &z,
            protocol.decodes_per_prior_point,
            protocol.readout,
        )? {
            total += decoded.len();
            valid.extend(decoded.into_iter().flatten().filter(|c| space.is_valid(c)));
        }
    }
    let unique: HashSet<&Cell> = valid.iter().collect();
    let novel = valid.iter().filter(|c| !train_set.contains(c)).count();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(GenerativeMetrics {
        reconstruction_accuracy: ratio(hits, tries),
        reconstruction_accuracy_mean: ratio(hits_mean, tries_mean),
        validity: ratio(valid.len(), total),
        uniqueness: ratio(unique.len(), valid.len()),
        novelty: ratio(novel, valid.len()),
        test_graphs: test.len(),
        decodings: tries + tries_mean + total,
    })
}
