//! Building blocks shared by the graph VAEs: a GRU cell, dense batched message passing and
//! the gated-sum readout.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::activation::{relu, sigmoid};

/// A GRU cell (PyTorch's `GRUCell` equations) over the last dimension.
#[derive(Module, Debug)]
pub struct GruCell {
    input: Linear,
    hidden: Linear,
}

impl GruCell {
    pub fn new(input: usize, hidden: usize, device: &burn::tensor::Device) -> Self {
        Self {
            input: LinearConfig::new(input, 3 * hidden).init(device),
            hidden: LinearConfig::new(hidden, 3 * hidden).init(device),
        }
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>, h: Tensor<D>) -> Tensor<D> {
        let size = h.dims()[D - 1];
        let gi = self.input.forward(x);
        let gh = self.hidden.forward(h.clone());
        let part = |t: &Tensor<D>, k: usize| t.clone().narrow(D - 1, k * size, size);
        let r = sigmoid(part(&gi, 0) + part(&gh, 0));
        let z = sigmoid(part(&gi, 1) + part(&gh, 1));
        let n = (part(&gi, 2) + r * part(&gh, 2)).tanh();
        (z.clone().neg() + 1.0) * n + z * h
    }
}

/// Synchronous message passing over a dense adjacency: the message on edge u -> v is a linear
/// map of `[h_u ; h_v]` (SVGe), summed at `v`, and `v` is updated by a GRU.
#[derive(Module, Debug)]
pub struct MessageLayer {
    source: Linear,
    target: Linear,
    gru: GruCell,
}

impl MessageLayer {
    pub fn new(size: usize, device: &burn::tensor::Device) -> Self {
        Self {
            // One Linear(2d -> 2d) on the concatenation, split into its two halves.
            source: LinearConfig::new(size, 2 * size)
                .with_bias(false)
                .init(device),
            target: LinearConfig::new(size, 2 * size).init(device),
            gru: GruCell::new(2 * size, size, device),
        }
    }

    /// `h`: [B, N, d]; `incoming`: [B, N, N] with `incoming[b, v, u] = 1` for a message u -> v;
    /// `mask`: [B or 1, N, 1], 1 for existing nodes (others stay zero).
    pub fn forward(&self, h: Tensor<3>, incoming: Tensor<3>, mask: Tensor<3>) -> Tensor<3> {
        let degree = incoming.clone().sum_dim(2);
        let messages = incoming.matmul(self.source.forward(h.clone()))
            + degree * self.target.forward(h.clone());
        self.gru.forward(messages, h) * mask
    }
}

/// Gated sum over nodes: `sum_v sigmoid(gate(h_v)) * map(h_v)` (SVGe eq. 4, D-VAE's readout).
#[derive(Module, Debug)]
pub struct GatedSum {
    gate: Linear,
    map: Linear,
}

impl GatedSum {
    pub fn new(input: usize, output: usize, device: &burn::tensor::Device) -> Self {
        Self {
            gate: LinearConfig::new(input, 1).init(device),
            map: LinearConfig::new(input, output).init(device),
        }
    }

    /// `h`: [B, N, d], `mask`: [B or 1, N, 1] -> [B, out].
    pub fn forward(&self, h: Tensor<3>, mask: Tensor<3>) -> Tensor<2> {
        let gated = sigmoid(self.gate.forward(h.clone())) * self.map.forward(h) * mask;
        gated.sum_dim(1).squeeze_dim(1)
    }
}

/// Two linear layers with a ReLU between them.
#[derive(Module, Debug)]
pub struct Mlp {
    first: Linear,
    second: Linear,
}

impl Mlp {
    pub fn new(input: usize, hidden: usize, output: usize, device: &burn::tensor::Device) -> Self {
        Self {
            first: LinearConfig::new(input, hidden).init(device),
            second: LinearConfig::new(hidden, output).init(device),
        }
    }

    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.second.forward(relu(self.first.forward(x)))
    }
}

/// Binary cross-entropy with logits, element-wise and numerically stable.
pub fn bce_with_logits<const D: usize>(logits: Tensor<D>, targets: Tensor<D>) -> Tensor<D> {
    let softplus_neg_abs = (logits.clone().abs().neg().exp() + 1.0).log();
    relu(logits.clone()) - logits * targets + softplus_neg_abs
}
