//! One optimisation step's gradients, data-parallel over threads: each thread computes the
//! gradients of its share of the batch on the same weights, the gradients are summed, and the
//! caller makes one optimizer step with them.
//!
//! Why the result does not depend on the thread count: the batch loss is a mean over graphs,
//! so a share of `n_i` graphs contributes its own mean times `n_i / n`, and the sum of the
//! shares' gradients is the whole batch's. The reparameterisation noise is drawn for the whole
//! batch on the calling thread before the split (Burn's CPU generator is one process-wide
//! stream, so draws from several threads would interleave by chance), exactly as a one-thread
//! step draws it. What remains is the order of float additions.

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::{Device, Distribution, Tensor};

use crate::model::{GraphBatch, GraphVae, VaeConfig};
use crate::space::Cell;

/// The summed gradients of one batch, and its figures.
pub(crate) struct BatchStep {
    pub grads: GradientsParams,
    /// The batch's loss (mean over graphs of reconstruction + β·KL).
    pub loss: f64,
    /// Sums over the batch's graphs, for the epoch's means.
    pub reconstruction_sum: f64,
    pub kl_sum: f64,
}

/// One share's part of the step.
struct Share {
    grads: GradientsParams,
    loss: f64,
    reconstruction_sum: f64,
    kl_sum: f64,
}

/// Contiguous ranges splitting `n` items into at most `parts` nearly equal parts.
fn ranges(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|k| (k * n / parts)..((k + 1) * n / parts))
        .filter(|r| !r.is_empty())
        .collect()
}

fn share(
    model: &GraphVae,
    cells: &[&Cell],
    eps: Tensor<2>,
    batch_size: usize,
    nodes: usize,
    vae: &VaeConfig,
    device: &Device,
) -> Share {
    let batch = GraphBatch::new(cells, nodes, device);
    let parts = model.loss_with_noise(&batch, eps, vae.kl_weight, vae.noise_scale);
    let n = cells.len() as f64;
    let weighted = parts.total * (n / batch_size as f64);
    let loss = weighted.clone().into_scalar::<f32>() as f64;
    let reconstruction_sum = parts.reconstruction.into_scalar::<f32>() as f64 * n;
    let kl_sum = parts.kl.into_scalar::<f32>() as f64 * n;
    let grads = GradientsParams::from_grads(weighted.backward(), model);
    Share {
        grads,
        loss,
        reconstruction_sum,
        kl_sum,
    }
}

/// The gradients of the batch `cells` under `model`, computed by up to `threads` threads.
pub(crate) fn batch_step(
    model: &GraphVae,
    cells: &[&Cell],
    nodes: usize,
    vae: &VaeConfig,
    device: &Device,
    threads: usize,
) -> BatchStep {
    let n = cells.len();
    let latent = model.latent();
    let eps = Tensor::<2>::random([n, latent], Distribution::Normal(0.0, 1.0), device);
    let parts = ranges(n, threads);
    let shares: Vec<Share> = if parts.len() <= 1 {
        vec![share(model, cells, eps, n, nodes, vae, device)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .iter()
                .map(|r| {
                    let eps = eps.clone().slice([r.clone(), 0..latent]);
                    // Its own leaves of the autodiff graph (same values and parameter ids), so
                    // the threads' backward passes share nothing.
                    let model = model.clone().fork(device);
                    let cells = &cells[r.clone()];
                    scope.spawn(move || share(&model, cells, eps, n, nodes, vae, device))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut accumulator = GradientsAccumulator::<GraphVae>::new();
    let (mut loss, mut reconstruction_sum, mut kl_sum) = (0.0, 0.0, 0.0);
    for s in shares {
        accumulator.accumulate(model, s.grads);
        loss += s.loss;
        reconstruction_sum += s.reconstruction_sum;
        kl_sum += s.kl_sum;
    }
    BatchStep {
        grads: accumulator.grads(),
        loss,
        reconstruction_sum,
        kl_sum,
    }
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_cover_every_item_once() {
        for (n, parts) in [(32, 2), (33, 4), (3, 8), (1, 1), (10, 3)] {
            let r = ranges(n, parts);
            assert_eq!(r.first().map(|r| r.start), Some(0));
            assert_eq!(r.last().map(|r| r.end), Some(n));
            assert!(r.windows(2).all(|w| w[0].end == w[1].start));
            assert!(r.len() <= parts.min(n));
        }
    }
}
