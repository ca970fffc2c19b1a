//! The accuracy predictor of the SVGe paper's Table II: the VAE's encoder with a four-layer
//! ReLU MLP on the posterior mean, the two trained together (`train::finetune`).
//!
//! The whole VAE is kept, not only its encoder: the fine-tuning loss keeps a share of the
//! VAE's own loss, so that the fine-tuned latent space still decodes, and the saved predictor
//! opens like any run's model.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use super::{GraphBatch, GraphVae};

/// Linear layers of the head (three hidden, one output).
pub const HEAD_LAYERS: usize = 4;

/// Four linear layers, ReLU between them, from a latent mean to one number.
#[derive(Module, Debug)]
pub struct AccuracyHead {
    layers: Vec<Linear>,
}

impl AccuracyHead {
    /// Hidden widths equal to the latent size: the paper gives the depth, not the widths.
    pub fn new(latent: usize, device: &Device) -> Self {
        let layers = (0..HEAD_LAYERS)
            .map(|k| {
                let out = if k + 1 == HEAD_LAYERS { 1 } else { latent };
                LinearConfig::new(latent, out).init(device)
            })
            .collect();
        Self { layers }
    }

    /// `[B, latent]` -> `[B]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<1> {
        let last = self.layers.len() - 1;
        let mut h = x;
        for (k, layer) in self.layers.iter().enumerate() {
            h = layer.forward(h);
            if k < last {
                h = relu(h);
            }
        }
        h.squeeze_dim(1)
    }
}

/// A VAE and the head on its posterior mean.
#[derive(Module, Debug)]
pub struct Predictor {
    pub vae: GraphVae,
    pub head: AccuracyHead,
}

/// The parts of one fine-tuning step's loss (means over the batch).
pub struct PredictorLoss {
    /// `vae_weight · (reconstruction + β·KL) + (1 − vae_weight) · squared error`.
    pub total: Tensor<1>,
    pub squared_error: Tensor<1>,
}

impl Predictor {
    pub fn new(vae: GraphVae, device: &Device) -> Self {
        let head = AccuracyHead::new(vae.latent(), device);
        Self { vae, head }
    }

    /// Predicted targets of a batch, `[B]`.
    pub fn predict(&self, batch: &GraphBatch) -> Tensor<1> {
        let (mu, _) = self.vae.encode(batch);
        self.head.forward(mu)
    }

    /// The joint loss of a batch with targets `[B]` and reparameterisation noise `eps`.
    pub fn loss(
        &self,
        batch: &GraphBatch,
        targets: Tensor<1>,
        eps: Tensor<2>,
        vae_weight: f64,
        kl_weight: f64,
        noise_scale: f64,
    ) -> PredictorLoss {
        let diff = self.predict(batch) - targets;
        let squared_error = (diff.clone() * diff).mean();
        let total = if vae_weight > 0.0 {
            let vae = self
                .vae
                .loss_with_noise(batch, eps, kl_weight, noise_scale)
                .total;
            vae * vae_weight + squared_error.clone() * (1.0 - vae_weight)
        } else {
            squared_error.clone()
        };
        PredictorLoss {
            total,
            squared_error,
        }
    }
}
