//! The D-VAE paper's sequence baselines (its code's `SVAE` and `SVAE_GraphRNN`), which the
//! operation-embeddings paper compares with: a cell read as a string of rows, one per node
//! after the input, each the node's type (one-hot) and the nodes it receives an edge from.
//! A GRU reads the rows; its last state is the cell's. S-VAE decodes every row at once from
//! z; GraphRNN decodes row by row, and each row's edges bit by bit. Neither sees the graph's
//! structure when encoding: the papers' evidence that graph encoders do better.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::activation::sigmoid;
use super::batch::GraphBatch;
use super::decoded::{DecodedGraph, connect_loose_ends};
use super::gnn::{GruCell, Mlp, bce_with_logits, one_hot};
use super::registry::{ModelSpec, emb_tables, shared, shared_training};
use super::{GraphVae, Noise, VaeConfig, gumbel_argmax};
use crate::space::{INPUT, OUTPUT, SpaceKind};

pub const SVAE: ModelSpec = ModelSpec {
    name: "svae",
    title: "S-VAE",
    about: "GRU over the cell as a string of rows, all rows decoded at once (D-VAE's baseline)",
    hidden: 501,
    op_embedding: false,
    two_sided: false,
    spaces: &[SpaceKind::Enas],
    published: &[emb_tables([99.98, 100.0, 37.03], [0.478, 0.873])],
    paper: shared,
    training: shared_training,
    build: |config, space, device| GraphVae::Sequence(Sequence::new(config, space, false, device)),
};

pub const GRAPHRNN: ModelSpec = ModelSpec {
    name: "graphrnn",
    title: "GraphRNN",
    about: "S-VAE's encoder, rows and their edges decoded one at a time (D-VAE's baseline)",
    published: &[emb_tables([99.85, 99.84, 29.77], [0.726, 0.669])],
    paper: shared,
    training: shared_training,
    build: |config, space, device| GraphVae::Sequence(Sequence::new(config, space, true, device)),
    ..SVAE
};

/// S-VAE's decoder: one GRU run over z's vector repeated, every row's type and edges read
/// from its output.
#[derive(Module, Debug)]
pub struct OneShot {
    gru: GruCell,
    /// One logit per possible source of the row's node.
    edges: Mlp,
}

/// GraphRNN's decoder: a row-level GRU whose input is the previous row, and an edge-level GRU
/// started from each row's state whose input is the previous bit of that row.
#[derive(Module, Debug)]
pub struct Recurrent {
    rows: GruCell,
    bits: GruCell,
    /// The logit of one bit from the edge-level state.
    edge: Mlp,
}

// One per model, built once; boxing would not pay for itself (as `GraphVae`).
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum RowDecoder {
    OneShot(OneShot),
    Recurrent(Recurrent),
}

#[derive(Module, Debug)]
pub struct Sequence {
    encoder: GruCell,
    mean: Linear,
    logvar: Linear,
    /// z to the decoder's first vector (through a ReLU, as the reference code).
    init: Linear,
    add_vertex: Mlp,
    decoder: RowDecoder,
    types: usize,
    nodes: usize,
    hidden: usize,
    latent: usize,
}

impl Sequence {
    pub fn new(config: &VaeConfig, space: SpaceKind, graph_rnn: bool, device: &Device) -> Self {
        let (types, nodes, hs) = (space.type_count(), space.max_nodes(), config.hidden);
        let row = types + nodes - 1;
        let decoder = if graph_rnn {
            RowDecoder::Recurrent(Recurrent {
                rows: GruCell::new(row, hs, device),
                bits: GruCell::new(1, hs, device),
                edge: Mlp::new(hs, hs, 1, device),
            })
        } else {
            RowDecoder::OneShot(OneShot {
                gru: GruCell::new(hs, hs, device),
                edges: Mlp::new(hs, hs, nodes - 1, device),
            })
        };
        Self {
            encoder: GruCell::new(row, hs, device),
            mean: LinearConfig::new(hs, config.latent).init(device),
            logvar: LinearConfig::new(hs, config.latent).init(device),
            init: LinearConfig::new(config.latent, hs).init(device),
            add_vertex: Mlp::new(hs, hs, types, device),
            decoder,
            types,
            nodes,
            hidden: hs,
            latent: config.latent,
        }
    }

    /// The cells as strings of rows, [B, N - 1, types + N - 1]: row r is node r + 1's type and
    /// the nodes 0..N-2 it receives an edge from. Rows past a cell's output node are padding:
    /// the input type and no edges (the batch pads with the input type).
    fn rows(&self, batch: &GraphBatch) -> Tensor<3> {
        let (b, n) = (batch.size, self.nodes);
        let device = batch.forward.adj.device();
        let ids = batch
            .forward
            .types
            .clone()
            .narrow(1, 1, n - 1)
            .reshape([b * (n - 1)]);
        let types = one_hot(ids, self.types, &device).reshape([b, n - 1, self.types]);
        let sources = (batch.forward.adj.clone().narrow(1, 0, n - 1))
            .narrow(2, 1, n - 1)
            .swap_dims(1, 2);
        Tensor::cat(vec![types, sources], 2)
    }

    /// A GRU over `inputs` ([B, T, d]) from `h`: its state after each step, [B, T, hidden].
    fn run(gru: &GruCell, inputs: Tensor<3>, mut h: Tensor<2>) -> Tensor<3> {
        let steps = inputs.dims()[1];
        // The inputs' share of the gates, for every step in one product.
        let gates = gru.input_gates(inputs);
        let mut states = Vec::with_capacity(steps);
        for t in 0..steps {
            let gi = gates.clone().narrow(1, t, 1).squeeze_dim::<2>(1);
            h = gru.update(gi, gru.hidden_gates(h.clone()), h);
            states.push(h.clone());
        }
        Tensor::stack(states, 1)
    }

    pub fn encode(&self, batch: &GraphBatch) -> (Tensor<2>, Tensor<2>) {
        let rows = self.rows(batch);
        let h0 = Tensor::zeros([batch.size, self.hidden], &rows.device());
        let states = Self::run(&self.encoder, rows, h0);
        let last = self.nodes - 2;
        let hg = states.narrow(1, last, 1).squeeze_dim::<2>(1);
        (self.mean.forward(hg.clone()), self.logvar.forward(hg))
    }

    /// Teacher-forced loss per graph, [B]: cross-entropy of every row's type and binary
    /// cross-entropy of every row's N - 1 source bits (those that must be zero included), as
    /// the reference code sums them.
    pub fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        let (b, n) = (batch.size, self.nodes);
        let rows = self.rows(batch);
        let device = rows.device();
        let start = relu(self.init.forward(z));
        let sources = rows.clone().narrow(2, self.types, n - 1);
        let (states, edge_logits) = match &self.decoder {
            RowDecoder::OneShot(d) => {
                let inputs = start.unsqueeze_dim::<3>(1).repeat_dim(1, n - 1);
                let h0 = Tensor::zeros([b, self.hidden], &device);
                let states = Self::run(&d.gru, inputs, h0);
                let logits = d.edges.forward(states.clone());
                (states, logits)
            }
            RowDecoder::Recurrent(d) => {
                // Each row from the previous true row; the first from a row of zeros.
                let row = self.types + n - 1;
                let inputs = Tensor::cat(
                    vec![
                        Tensor::zeros([b, 1, row], &device),
                        rows.clone().narrow(1, 0, n - 2),
                    ],
                    1,
                );
                let states = Self::run(&d.rows, inputs, start);
                // Each bit from the previous true bit of its row; the first from a zero.
                let m = b * (n - 1);
                let bits = sources.clone().reshape([m, n - 1]);
                let shifted = Tensor::cat(
                    vec![Tensor::zeros([m, 1], &device), bits.narrow(1, 0, n - 2)],
                    1,
                )
                .unsqueeze_dim::<3>(2);
                let h0 = states.clone().reshape([m, self.hidden]);
                let edge_states = Self::run(&d.bits, shifted, h0);
                let logits = d.edge.forward(edge_states).reshape([b, n - 1, n - 1]);
                (states, logits)
            }
        };
        let wanted = (batch.forward.types.clone().narrow(1, 1, n - 1)).unsqueeze_dim::<3>(2);
        let ce = log_softmax(self.add_vertex.forward(states), 2)
            .gather(2, wanted)
            .neg()
            .sum_dim(1)
            .reshape([b]);
        let bce = bce_with_logits(edge_logits, sources)
            .sum_dim(2)
            .sum_dim(1)
            .reshape([b]);
        ce + bce
    }

    /// Decodes every latent point. The last row is the output node; an output node decoded
    /// earlier ends the cell there, and every node left without successors is joined to it
    /// (as the reference code does). Nothing else is forced, so a decoded string can be an
    /// invalid cell (an input type in the middle, a node without inputs).
    pub fn decode(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        noise: &mut Noise,
    ) -> Result<Vec<DecodedGraph>, super::ModelError> {
        let (b, n) = (z.dims()[0], self.nodes);
        let device = z.device();
        let start = relu(self.init.forward(z.clone()));
        let pick_type = |logits: Tensor<2>, noise: &mut Noise| {
            if stochastic {
                gumbel_argmax(logits, noise)
            } else {
                logits.argmax(1)
            }
        };
        let pick_bits = |logits: Tensor<2>, noise: &mut Noise| {
            if stochastic {
                let u = noise.uniform(logits.dims(), 0.0, 1.0, &device);
                sigmoid(logits).greater(u).float()
            } else {
                logits.greater_elem(0.0).float()
            }
        };
        // Row r: node r + 1's type [B, 1] and its N - 1 source bits [B, N - 1].
        let mut rows: Vec<(Tensor<2, Int>, Tensor<2>)> = Vec::with_capacity(n - 1);
        match &self.decoder {
            RowDecoder::OneShot(d) => {
                let inputs = start.unsqueeze_dim::<3>(1).repeat_dim(1, n - 1);
                let h0 = Tensor::zeros([b, self.hidden], &device);
                let states = Self::run(&d.gru, inputs, h0);
                for r in 0..n - 1 {
                    let h = states.clone().narrow(1, r, 1).squeeze_dim::<2>(1);
                    let t = pick_type(self.add_vertex.forward(h.clone()), noise);
                    rows.push((t, pick_bits(d.edges.forward(h), noise)));
                }
            }
            RowDecoder::Recurrent(d) => {
                let mut h = start;
                let mut x = Tensor::zeros([b, self.types + n - 1], &device);
                for _ in 0..n - 1 {
                    h = d.rows.forward(x, h);
                    let t = pick_type(self.add_vertex.forward(h.clone()), noise);
                    let (mut he, mut bit) = (h.clone(), Tensor::zeros([b, 1], &device));
                    let mut bits = Vec::with_capacity(n - 1);
                    for _ in 0..n - 1 {
                        he = d.bits.forward(bit, he);
                        bit = pick_bits(d.edge.forward(he.clone()), noise);
                        bits.push(bit.clone());
                    }
                    let bits = Tensor::cat(bits, 1);
                    x = Tensor::cat(
                        vec![
                            one_hot(t.clone().reshape([b]), self.types, &device),
                            bits.clone(),
                        ],
                        1,
                    );
                    rows.push((t, bits));
                }
            }
        }
        self.graphs(rows, b, &device)
    }

    /// The decoded rows as graphs: node 0 the input, node r + 1 from row r (the last one the
    /// output), edges from the sources before each node.
    fn graphs(
        &self,
        rows: Vec<(Tensor<2, Int>, Tensor<2>)>,
        b: usize,
        device: &Device,
    ) -> Result<Vec<DecodedGraph>, super::ModelError> {
        let n = self.nodes;
        let ids =
            |t: u8| Tensor::<2, Int>::from_data(TensorData::new(vec![t as i64; b], [b, 1]), device);
        let mut types = vec![ids(INPUT)];
        // columns[v][b, u] = edge u -> v.
        let mut columns = vec![Tensor::<2>::zeros([b, n], device)];
        for (r, (t, bits)) in rows.into_iter().enumerate() {
            types.push(if r == n - 2 { ids(OUTPUT) } else { t });
            // Only the nodes before this one can send it an edge.
            let before: Vec<f32> = (0..n - 1).map(|k| if k <= r { 1.0 } else { 0.0 }).collect();
            let before = Tensor::<2>::from_data(TensorData::new(before, [1, n - 1]), device);
            columns.push(Tensor::cat(
                vec![bits * before, Tensor::zeros([b, 1], device)],
                1,
            ));
        }
        let adj = Tensor::stack::<3>(columns, 2);
        let mut graphs = super::read_decoded(Tensor::cat(types, 1), adj, n)?;
        for g in &mut graphs {
            connect_loose_ends(g);
        }
        Ok(graphs)
    }

    pub fn latent(&self) -> usize {
        self.latent
    }
}
