//! Building blocks shared by the graph VAEs: a GRU cell, dense batched message passing and
//! the gated-sum readout.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::module::linear;
use burn::tensor::{Device, Tensor};

use super::activation::{sigmoid, tanh};

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
        let gh = self.hidden.forward(h.clone());
        self.update(self.input_gates(x), gh, h)
    }

    /// The input's share of the gates, `W_i x + b_i`: a decoder that feeds one input to many
    /// states computes it once.
    pub fn input_gates<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.input.forward(x)
    }

    /// The state's share of the gates, `W_h h + b_h`.
    pub fn hidden_gates<const D: usize>(&self, h: Tensor<D>) -> Tensor<D> {
        self.hidden.forward(h)
    }

    /// The state's share of the gates without its bias, `W_h h`. It is linear in `h`, so the
    /// share of a weighted sum of states is the weighted sum of their shares: D-VAE's decoder
    /// accumulates it edge by edge instead of a matrix product per edge.
    pub fn hidden_gates_unbiased<const D: usize>(&self, h: Tensor<D>) -> Tensor<D> {
        linear(h, self.hidden.weight.val(), None)
    }

    /// `b_h` as [1, 3 hidden] (the hidden map's bias; zeros when it has none).
    pub fn hidden_bias(&self) -> Tensor<2> {
        let weight = self.hidden.weight.val();
        let out = weight.dims()[1];
        match &self.hidden.bias {
            Some(b) => b.val().unsqueeze_dim::<2>(0),
            None => Tensor::zeros([1, out], &weight.device()),
        }
    }

    /// The new state from the gates' two shares, `gi = W_i x + b_i` and `gh = W_h h + b_h`.
    pub fn update<const D: usize>(&self, gi: Tensor<D>, gh: Tensor<D>, h: Tensor<D>) -> Tensor<D> {
        let size = h.dims()[D - 1];
        let part = |t: &Tensor<D>, k: usize, n: usize| t.clone().narrow(D - 1, k * size, n * size);
        // Reset and update gates in one element-wise pass.
        let rz = sigmoid(part(&gi, 0, 2) + part(&gh, 0, 2));
        let r = rz.clone().narrow(D - 1, 0, size);
        let z = rz.narrow(D - 1, size, size);
        let n = tanh(part(&gi, 2, 1) + r * part(&gh, 2, 1));
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
    /// `mask`: [B, N, 1], 1 for existing nodes (others stay zero); `None` when every node
    /// exists (SVGe's generator), which saves a pass over the states.
    pub fn forward(
        &self,
        h: Tensor<3>,
        incoming: Tensor<3>,
        mask: Option<&Tensor<3>>,
    ) -> Tensor<3> {
        let degree = incoming.clone().sum_dim(2);
        let messages = incoming.matmul(self.source.forward(h.clone()))
            + degree * self.target.forward(h.clone());
        masked(self.gru.forward(messages, h), mask)
    }
}

/// Message passing over both edge directions at full width (the SVGe paper's DGMG baseline):
/// node `v` sums a linear map of `[h_u ; h_v]` over its predecessors `u` and, with a second
/// map, of `[h_w ; h_v]` over its successors `w`, and a GRU updates it from that sum.
#[derive(Module, Debug)]
pub struct BiMessageLayer {
    along: MessageParts,
    against: MessageParts,
    gru: GruCell,
}

/// One Linear(2d -> 2d) on `[h_other ; h_self]`, split into its two halves so that the sender's
/// half is mapped once per node rather than once per edge.
#[derive(Module, Debug)]
struct MessageParts {
    source: Linear,
    target: Linear,
}

impl MessageParts {
    fn new(size: usize, device: &burn::tensor::Device) -> Self {
        Self {
            source: LinearConfig::new(size, 2 * size)
                .with_bias(false)
                .init(device),
            target: LinearConfig::new(size, 2 * size).init(device),
        }
    }

    /// The summed messages at each node from the senders `senders[b, v, u] = 1`, [B, N, 2d].
    fn gather(&self, h: &Tensor<3>, senders: Tensor<3>) -> Tensor<3> {
        let count = senders.clone().sum_dim(2);
        senders.matmul(self.source.forward(h.clone())) + count * self.target.forward(h.clone())
    }
}

impl BiMessageLayer {
    pub fn new(size: usize, device: &burn::tensor::Device) -> Self {
        Self {
            along: MessageParts::new(size, device),
            against: MessageParts::new(size, device),
            gru: GruCell::new(2 * size, size, device),
        }
    }

    /// `h`: [B, N, d]; `adj`: [B, N, N] with `adj[b, u, v] = 1` for an edge u -> v; `mask`:
    /// [B, N, 1], 1 for existing nodes (`None`: all exist).
    pub fn forward(&self, h: Tensor<3>, adj: &Tensor<3>, mask: Option<&Tensor<3>>) -> Tensor<3> {
        let messages = self.along.gather(&h, adj.clone().swap_dims(1, 2))
            + self.against.gather(&h, adj.clone());
        masked(self.gru.forward(messages, h), mask)
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

    /// `h`: [B, N, d], `mask`: [B, N, 1] (`None`: every node counts) -> [B, out].
    pub fn forward(&self, h: Tensor<3>, mask: Option<&Tensor<3>>) -> Tensor<2> {
        let gated = sigmoid(self.gate.forward(h.clone())) * self.map.forward(h);
        masked(gated, mask).sum_dim(1).squeeze_dim(1)
    }

    /// The sum without its gates, `sum_v map(h_v)`: the reference DGMG's readout of a graph of
    /// one node, which it does not propagate.
    pub fn ungated(&self, h: Tensor<3>) -> Tensor<2> {
        self.map.forward(h).sum_dim(1).squeeze_dim(1)
    }
}

/// Node rows of `t` ([B, N, d]) zeroed where `mask` ([B, N, 1]) is 0; all kept without one.
fn masked(t: Tensor<3>, mask: Option<&Tensor<3>>) -> Tensor<3> {
    match mask {
        Some(mask) => t * mask.clone(),
        None => t,
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
        self.finish(self.first.forward(x))
    }

    /// The first layer's pre-activation for the inputs `offset..offset + width` of a
    /// concatenation alone (`width` = `x`'s last size), with the bias if `bias`. A caller that
    /// pairs one vector with many computes each part once and adds the parts before
    /// [`Mlp::finish`]: the same numbers as [`Mlp::forward`] on the concatenation, up to float
    /// round-off, without repeating the shared part's product.
    pub fn first_part<const D: usize>(&self, x: Tensor<D>, offset: usize, bias: bool) -> Tensor<D> {
        let width = x.dims()[D - 1];
        let weight = self.first.weight.val().narrow(0, offset, width);
        let bias = if bias {
            self.first.bias.as_ref().map(|b| b.val())
        } else {
            None
        };
        linear(x, weight, bias)
    }

    /// The rest of the network from the first layer's pre-activation.
    pub fn finish<const D: usize>(&self, first: Tensor<D>) -> Tensor<D> {
        self.second.forward(relu(first))
    }
}

/// One-hot rows of `ids` ([M], each below `types`) as [M, types]: rows of the identity.
pub fn one_hot(ids: Tensor<1, burn::tensor::Int>, types: usize, device: &Device) -> Tensor<2> {
    let eye: Vec<f32> = (0..types * types)
        .map(|i| if i % (types + 1) == 0 { 1.0 } else { 0.0 })
        .collect();
    Tensor::<2>::from_data(burn::tensor::TensorData::new(eye, [types, types]), device)
        .select(0, ids)
}

/// Binary cross-entropy with logits, element-wise and numerically stable.
pub fn bce_with_logits<const D: usize>(logits: Tensor<D>, targets: Tensor<D>) -> Tensor<D> {
    let softplus_neg_abs = (logits.clone().abs().neg().exp() + 1.0).log();
    relu(logits.clone()) - logits * targets + softplus_neg_abs
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Distribution};

    fn values(t: Tensor<2>) -> Vec<f32> {
        crate::model::tensor_values(t.into_data()).unwrap()
    }

    fn assert_close(a: Tensor<2>, b: Tensor<2>, what: &str) {
        for (x, y) in values(a).iter().zip(values(b)) {
            assert!(
                (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
                "{what}: {x} against {y}"
            );
        }
    }

    fn random(rows: usize, cols: usize, device: &Device) -> Tensor<2> {
        Tensor::random([rows, cols], Distribution::Normal(0.0, 1.0), device)
    }

    /// The decoders score `[a ; b]` from the two parts of the first layer computed apart.
    #[test]
    fn an_mlp_on_a_concatenation_equals_the_sum_of_its_parts() {
        let device = Device::flex();
        device.seed(3);
        let mlp = Mlp::new(10, 12, 2, &device);
        let (a, b) = (random(5, 4, &device), random(5, 6, &device));
        let whole = mlp.forward(Tensor::cat(vec![a.clone(), b.clone()], 1));
        let parts = mlp.finish(mlp.first_part(a, 0, true) + mlp.first_part(b, 4, false));
        assert_close(parts, whole, "first-layer parts");
    }

    /// D-VAE's decoder sums the senders' shares of the GRU's hidden gates instead of mapping the
    /// gathered message: the same state.
    #[test]
    fn a_gru_on_gathered_messages_equals_one_on_its_summed_gate_shares() {
        let device = Device::flex();
        device.seed(4);
        let gru = GruCell::new(3, 8, &device);
        let x = random(6, 3, &device);
        let messages = [random(6, 8, &device), random(6, 8, &device)];
        let edges = [
            Tensor::<2>::from_data([[1.0f32], [0.0], [1.0], [1.0], [0.0], [0.0]], &device),
            Tensor::<2>::from_data([[1.0f32], [1.0], [0.0], [1.0], [0.0], [1.0]], &device),
        ];
        let mut gathered = Tensor::<2>::zeros([6, 8], &device);
        let mut gates = Tensor::<2>::zeros([6, 24], &device) + gru.hidden_bias();
        for (m, e) in messages.iter().zip(&edges) {
            gathered = gathered + m.clone() * e.clone();
            gates = gates + gru.hidden_gates_unbiased(m.clone()) * e.clone();
        }
        let summed = gru.update(gru.input_gates(x.clone()), gates, gathered.clone());
        assert_close(summed, gru.forward(x, gathered), "GRU state");
    }
}
