//! D-VAE (Zhang et al. 2019): asynchronous message passing in topological order with a
//! gated-sum aggregation and a GRU, and its sequential decoder. With a learnable operation
//! embedding shared by encoder and decoder it is DVAE-EMB; with a GCN encoder, GCN-EMB
//! (Chatzianastasis et al. 2021).

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::activation::sigmoid;
use super::batch::GraphBatch;
use super::decoded::{DecodedGraph, connect_loose_ends};
use super::gnn::{GruCell, Mlp, bce_with_logits, one_hot};
use super::registry::{
    ModelSpec, emb_tables, shared, shared_training, table_i, table_i_without_figures, table_ii,
};
use super::{GraphVae, VaeConfig, gumbel_argmax};
use crate::space::{INPUT, OUTPUT, SpaceKind};

fn build(config: &VaeConfig, space: SpaceKind, device: &Device, gcn: bool) -> GraphVae {
    let (types, nodes) = (space.type_count(), space.max_nodes());
    GraphVae::Dvae(Dvae::new(config, types, nodes, gcn, device))
}

pub const DVAE: ModelSpec = ModelSpec {
    name: "dvae",
    title: "D-VAE",
    about: "asynchronous message passing, sequential decoder (Zhang et al. 2019)",
    hidden: 501,
    op_embedding: false,
    two_sided: false,
    spaces: &[SpaceKind::Enas, SpaceKind::Nb101, SpaceKind::Nb201],
    published: &[
        table_i(SpaceKind::Enas, [99.96, 100.0, 37.26, 100.0]),
        table_i(SpaceKind::Nb101, [25.89, 82.55, 19.84, 16.52]),
        // The paper: "D-VAE ... diverges on NAS-Bench-201", so no figures.
        table_i_without_figures(SpaceKind::Nb201),
        emb_tables([99.96, 100.0, 37.26], [0.384, 0.920]),
        table_ii([[0.0039, 0.0003], [0.0026, 0.0002], [0.002, 9e-5]]),
    ],
    paper: shared,
    training: shared_training,
    build: |config, space, device| build(config, space, device, false),
};

pub const DVAE_EMB: ModelSpec = ModelSpec {
    name: "dvae-emb",
    title: "DVAE-EMB",
    about: "D-VAE with learnable operation embeddings (Chatzianastasis et al. 2021)",
    op_embedding: true,
    spaces: &[SpaceKind::Enas],
    published: &[emb_tables([99.99, 100.0, 39.15], [0.371, 0.925])],
    ..DVAE
};

pub const GCN_EMB: ModelSpec = ModelSpec {
    name: "gcn-emb",
    title: "GCN-EMB",
    about: "GCN encoder on learnable operation embeddings, D-VAE's decoder",
    op_embedding: true,
    spaces: &[SpaceKind::Enas],
    published: &[emb_tables([98.87, 99.95, 32.63], [0.441, 0.892])],
    build: |config, space, device| build(config, space, device, true),
    ..DVAE
};

pub const GCN: ModelSpec = ModelSpec {
    name: "gcn",
    title: "GCN",
    about: "GCN encoder on one-hot operations, D-VAE's decoder (D-VAE's baseline)",
    op_embedding: false,
    published: &[emb_tables([98.70, 99.53, 34.00], [0.485, 0.870])],
    ..GCN_EMB
};

/// How node types enter the networks: D-VAE's one-hot vectors, or a learned embedding
/// (the *-EMB models), shared by encoder and decoder.
#[derive(Module, Debug)]
pub struct TypeInput {
    embedding: Option<Embedding>,
    types: usize,
}

impl TypeInput {
    /// Input vectors of `ids` ([B, 1]) as [B, d].
    pub fn forward(&self, ids: Tensor<2, Int>) -> Tensor<2> {
        match &self.embedding {
            Some(e) => e.forward(ids).squeeze_dim::<2>(1),
            None => {
                let (b, device) = (ids.dims()[0], ids.device());
                one_hot(ids.reshape([b]), self.types, &device)
            }
        }
    }

    pub fn size(&self) -> usize {
        self.embedding
            .as_ref()
            .map_or(self.types, |e| e.weight.dims()[1])
    }

    /// The learned embedding table, [types, d], if there is one.
    pub fn table(&self) -> Option<Tensor<2>> {
        self.embedding.as_ref().map(|e| e.weight.val())
    }
}

/// Gated message of a node to its successors: `sigmoid(G s) * (M s)`, `s = [h ; onehot(id)]`.
#[derive(Module, Debug)]
pub struct GatedMessage {
    gate: Linear,
    map: Linear,
}

impl GatedMessage {
    fn new(hidden: usize, nodes: usize, device: &Device) -> Self {
        Self {
            gate: LinearConfig::new(hidden + nodes, hidden).init(device),
            map: LinearConfig::new(hidden + nodes, hidden)
                .with_bias(false)
                .init(device),
        }
    }

    fn forward(&self, h: Tensor<2>, position: usize, nodes: usize) -> Tensor<2> {
        let b = h.dims()[0];
        let id: Vec<f32> = (0..b * nodes)
            .map(|i| if i % nodes == position { 1.0 } else { 0.0 })
            .collect();
        let id = Tensor::<2>::from_data(TensorData::new(id, [b, nodes]), &h.device());
        let s = Tensor::cat(vec![h, id], 1);
        sigmoid(self.gate.forward(s.clone())) * self.map.forward(s)
    }
}

/// D-VAE's bidirectional asynchronous encoder.
#[derive(Module, Debug)]
pub struct DvaeEncoder {
    forward_gru: GruCell,
    backward_gru: GruCell,
    forward_message: GatedMessage,
    backward_message: GatedMessage,
    unify: Linear,
    mean: Linear,
    logvar: Linear,
}

/// GCN-EMB's encoder: three graph-convolution levels and a sum over the inner nodes.
#[derive(Module, Debug)]
pub struct GcnEncoder {
    levels: Vec<Linear>,
    /// Levels after the first update node by node ([`super::GcnOrder::InOrder`]).
    in_order: bool,
    mean: Linear,
    logvar: Linear,
}

// Modules are built once per run and moved rarely; boxing would not pay for itself.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Encoder {
    Async(DvaeEncoder),
    Gcn(GcnEncoder),
}

#[derive(Module, Debug)]
pub struct Dvae {
    input: TypeInput,
    encoder: Encoder,
    init: Linear,
    /// GCN-EMB's decoder needs its own gated message map (D-VAE shares the encoder's).
    gcn_message: Option<GatedMessage>,
    decoder_gru: GruCell,
    add_vertex: Mlp,
    add_edge: Mlp,
    /// Read the next type from the sum of the decoded nodes' states (the GCN baseline), not
    /// from the last node's.
    summed_state: bool,
    hidden: usize,
    latent: usize,
    nodes: usize,
}

/// GCN-EMB's node states after its levels, [B, N, hidden]: normalised sums over each node and
/// its predecessors, the first level from the node inputs `x`.
fn gcn_states(
    e: &GcnEncoder,
    x: Vec<Tensor<2>>,
    adj: &Tensor<3>,
    node_mask: &Tensor<3>,
) -> Tensor<3> {
    let n = x.len();
    // Normalised sums over each node's predecessors and itself; the first level (every level,
    // in simultaneous order) all nodes at once.
    let incoming = adj.clone().swap_dims(1, 2);
    let indeg = incoming.clone().sum_dim(2) + 1.0;
    let outdeg = adj.clone().sum_dim(2) + 1.0;
    let norm = incoming / (indeg.clone().matmul(outdeg.swap_dims(1, 2))).sqrt();
    let mut h = Tensor::stack::<3>(x, 1);
    for (k, level) in e.levels.iter().enumerate() {
        if k == 0 || !e.in_order {
            let agg = h.clone() / indeg.clone() + norm.clone().matmul(h);
            h = relu(level.forward(agg)) * node_mask.clone();
            continue;
        }
        // In topological order: node v gathers its predecessors' states of this
        // level, updated before it, and its own of the previous level.
        let node = |t: &Tensor<3>, v: usize| t.clone().narrow(1, v, 1).squeeze_dim::<2>(1);
        let mut current: Vec<Tensor<2>> = Vec::with_capacity(n);
        for v in 0..n {
            let mut agg = node(&h, v) / node(&indeg, v);
            for (u, hu) in current.iter().enumerate() {
                let w = norm
                    .clone()
                    .narrow(1, v, 1)
                    .narrow(2, u, 1)
                    .squeeze_dim::<2>(2);
                agg = agg + hu.clone() * w;
            }
            current.push(relu(level.forward(agg)) * node(node_mask, v));
        }
        h = Tensor::stack::<3>(current, 1);
    }
    h
}

/// Column `v` of the adjacency as [B, 1]: whether u -> v for a fixed u, or per row.
fn edge(adj: &Tensor<3>, u: usize, v: usize) -> Tensor<2> {
    adj.clone()
        .narrow(1, u, 1)
        .narrow(2, v, 1)
        .squeeze_dim::<2>(2)
}

impl Dvae {
    pub fn new(config: &VaeConfig, types: usize, nodes: usize, gcn: bool, device: &Device) -> Self {
        let hs = config.hidden;
        let embedded = config.model.spec().op_embedding;
        let input = TypeInput {
            embedding: embedded
                .then(|| EmbeddingConfig::new(types, config.op_embedding).init(device)),
            types,
        };
        let d = input.size();
        let encoder = if gcn {
            let mut levels = vec![LinearConfig::new(d, hs).init(device)];
            levels.extend((0..2).map(|_| LinearConfig::new(hs, hs).init(device)));
            Encoder::Gcn(GcnEncoder {
                levels,
                in_order: config.gcn_order == super::GcnOrder::InOrder,
                mean: LinearConfig::new(hs, config.latent).init(device),
                logvar: LinearConfig::new(hs, config.latent).init(device),
            })
        } else {
            Encoder::Async(DvaeEncoder {
                forward_gru: GruCell::new(d, hs, device),
                backward_gru: GruCell::new(d, hs, device),
                forward_message: GatedMessage::new(hs, nodes, device),
                backward_message: GatedMessage::new(hs, nodes, device),
                unify: LinearConfig::new(2 * hs, hs).init(device),
                mean: LinearConfig::new(hs, config.latent).init(device),
                logvar: LinearConfig::new(hs, config.latent).init(device),
            })
        };
        Self {
            input,
            encoder,
            init: LinearConfig::new(config.latent, hs).init(device),
            gcn_message: gcn.then(|| GatedMessage::new(hs, nodes, device)),
            decoder_gru: GruCell::new(d, hs, device),
            add_vertex: Mlp::new(hs, 2 * hs, types, device),
            add_edge: Mlp::new(2 * hs, 4 * hs, 1, device),
            summed_state: config.decoder_state == super::DecoderState::Sum,
            hidden: hs,
            latent: config.latent,
            nodes,
        }
    }

    /// The messages the decoder sends along edges: the encoder's forward gated map (shared, as
    /// in D-VAE), or GCN-EMB's own.
    fn decoder_message(&self, h: Tensor<2>, position: usize) -> Tensor<2> {
        match (&self.encoder, &self.gcn_message) {
            (_, Some(m)) => m.forward(h, position, self.nodes),
            (Encoder::Async(e), None) => e.forward_message.forward(h, position, self.nodes),
            (Encoder::Gcn(_), None) => h,
        }
    }

    fn node_inputs(&self, types: &Tensor<2, Int>) -> Vec<Tensor<2>> {
        (0..self.nodes)
            .map(|v| self.input.forward(types.clone().narrow(1, v, 1)))
            .collect()
    }

    pub fn encode(&self, batch: &GraphBatch) -> (Tensor<2>, Tensor<2>) {
        let n = self.nodes;
        let adj = &batch.forward.adj;
        let x = self.node_inputs(&batch.forward.types);
        let b = batch.size;
        let device = adj.device();
        match &self.encoder {
            Encoder::Async(e) => {
                // Forward sweep in topological order: each node gathers its predecessors.
                let mut sent: Vec<Tensor<2>> = Vec::with_capacity(n);
                let mut forward_states = Vec::with_capacity(n);
                for (v, xv) in x.iter().enumerate() {
                    let mut message = Tensor::<2>::zeros([b, self.hidden], &device);
                    for (u, m) in sent.iter().enumerate() {
                        message = message + m.clone() * edge(adj, u, v);
                    }
                    let h = e.forward_gru.forward(xv.clone(), message);
                    sent.push(e.forward_message.forward(h.clone(), v, n));
                    forward_states.push(h);
                }
                // Backward sweep: each node gathers its successors.
                let mut sent: Vec<Option<Tensor<2>>> = vec![None; n];
                let mut input_state = None;
                for v in (0..n).rev() {
                    let mut message = Tensor::<2>::zeros([b, self.hidden], &device);
                    for (w, m) in sent.iter().enumerate().skip(v + 1) {
                        if let Some(m) = m {
                            message = message + m.clone() * edge(adj, v, w);
                        }
                    }
                    let h = e.backward_gru.forward(x[v].clone(), message);
                    sent[v] = Some(e.backward_message.forward(h.clone(), v, n));
                    if v == 0 {
                        input_state = Some(h);
                    }
                }
                // Readout: the output node's forward state and the input node's backward state.
                let out_mask = output_position_mask(&batch.lengths, n, &device);
                let stacked = Tensor::stack::<3>(forward_states, 1);
                let output_state = (stacked * out_mask).sum_dim(1).squeeze_dim::<2>(1);
                let input_state =
                    input_state.unwrap_or_else(|| Tensor::zeros([b, self.hidden], &device));
                let hg = e
                    .unify
                    .forward(Tensor::cat(vec![output_state, input_state], 1));
                (e.mean.forward(hg.clone()), e.logvar.forward(hg))
            }
            Encoder::Gcn(e) => {
                let h = gcn_states(e, x, adj, &batch.node_mask);
                // Sum over the inner nodes (input and output excluded).
                let inner =
                    batch.node_mask.clone() - first_and_output_mask(&batch.lengths, n, &device);
                let hg = (h * inner).sum_dim(1).squeeze_dim::<2>(1);
                (e.mean.forward(hg.clone()), e.logvar.forward(hg))
            }
        }
    }

    /// Teacher-forced loss per graph, [B]: vertex-type cross-entropy plus edge BCE, summed over
    /// the steps that exist in each graph.
    pub fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        let n = self.nodes;
        let adj = &batch.forward.adj;
        let types = &batch.forward.types;
        let device = z.device();
        let x = self.node_inputs(types);
        let b = batch.size;
        let gru = &self.decoder_gru;
        let mut states = vec![gru.forward(x[0].clone(), self.init.forward(z).tanh())];
        let mut senders = vec![self.sender(&states[0], 0)];
        // Teacher forcing: the edges taken are the targets, so no state depends on a logit.
        // The states are built first; the logits of every step then come from one product per
        // layer (one weight gradient instead of one per edge).
        let mut before_edge = Vec::new();
        let mut sources = Vec::new();
        let mut edge_steps = Vec::new();
        let mut targets = Vec::new();
        for (t, xt) in x.iter().enumerate().skip(1) {
            let mut step = self.new_node(xt.clone(), b);
            for u in (0..t).rev() {
                let target = edge(adj, u, t);
                before_edge.push(step.h.clone());
                sources.push(u as i64);
                edge_steps.push((t - 1) as i64);
                targets.push(target.clone());
                step.receive(self, &senders[u], target);
            }
            senders.push(self.sender(&step.h, t));
            states.push(step.h);
        }
        let type_states = if self.summed_state {
            running_sums(&states)
        } else {
            states.clone()
        };
        let type_states = Tensor::stack::<3>(type_states, 0);
        let states = Tensor::stack::<3>(states, 0);
        // [n - 1, B]: which steps exist in each graph.
        let mask = batch.step_mask.clone().swap_dims(0, 1);
        let logits = self.add_vertex.forward(type_states.narrow(0, 0, n - 1));
        let wanted = types
            .clone()
            .narrow(1, 1, n - 1)
            .swap_dims(0, 1)
            .unsqueeze_dim::<3>(2);
        let ce = log_softmax(logits, 2)
            .gather(2, wanted)
            .squeeze_dim::<2>(2)
            .neg()
            * mask.clone();
        let index = |v: Vec<i64>| {
            let len = v.len();
            Tensor::<1, Int>::from_data(TensorData::new(v, [len]), &device)
        };
        let edges = &self.add_edge;
        let first = edges.first_part(states, 0, true).select(0, index(sources))
            + edges.first_part(Tensor::stack::<3>(before_edge, 0), self.hidden, false);
        let bce = bce_with_logits(edges.finish(first), Tensor::stack::<3>(targets, 0))
            .squeeze_dim::<2>(2)
            * mask.select(0, index(edge_steps));
        (ce.sum_dim(0) + bce.sum_dim(0)).reshape([b])
    }

    /// What a node whose state is final sends to later ones.
    fn sender(&self, state: &Tensor<2>, position: usize) -> Sender {
        let message = self.decoder_message(state.clone(), position);
        Sender {
            gates: self.decoder_gru.hidden_gates_unbiased(message.clone()),
            message,
        }
    }

    /// The state of a new node of input `x` ([B, d]) before any edge: the GRU on no messages.
    fn new_node(&self, x: Tensor<2>, b: usize) -> NodeStep {
        let gru = &self.decoder_gru;
        let device = x.device();
        let input_gates = gru.input_gates(x);
        let hidden_gates = Tensor::<2>::zeros([b, 3 * self.hidden], &device) + gru.hidden_bias();
        let gathered = Tensor::<2>::zeros([b, self.hidden], &device);
        let h = gru.update(input_gates.clone(), hidden_gates.clone(), gathered.clone());
        NodeStep {
            input_gates,
            hidden_gates,
            gathered,
            h,
        }
    }

    /// Decodes every latent point (D-VAE's sequential decoder; the output node is joined to
    /// every node left without successors, as D-VAE does).
    pub fn decode(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        noise: &mut super::Noise,
    ) -> Result<Vec<DecodedGraph>, super::ModelError> {
        let n = self.nodes;
        let device = z.device();
        let b = z.dims()[0];
        let ids = |t: u8| {
            Tensor::<2, Int>::from_data(TensorData::new(vec![t as i64; b], [b, 1]), &device)
        };
        let start = ids(INPUT);
        let first = self.decoder_gru.forward(
            self.input.forward(start.clone()),
            self.init.forward(z.clone()).tanh(),
        );
        let edge_part = |state: &Tensor<2>| self.add_edge.first_part(state.clone(), 0, true);
        let mut senders = vec![self.sender(&first, 0)];
        let mut edge_parts = vec![edge_part(&first)];
        // What the next type is read from: the last node's state, or the sum of all so far.
        let mut last = first;
        let mut chosen = vec![start];
        let mut columns: Vec<Tensor<2>> = vec![Tensor::zeros([b, n], &device)];
        for t in 1..n {
            let logits = self.add_vertex.forward(last.clone());
            let choice = if t == n - 1 {
                ids(OUTPUT)
            } else if stochastic {
                gumbel_argmax(logits, noise)
            } else {
                logits.argmax(1)
            };
            let x = self.input.forward(choice.clone());
            chosen.push(choice);
            let mut step = self.new_node(x, b);
            let mut column = vec![Tensor::<2>::zeros([b, 1], &device); n];
            for u in (0..t).rev() {
                let logit = step.edge_logit(self, &edge_parts[u]);
                let picked = if stochastic {
                    let r = noise.uniform([b, 1], 0.0, 1.0, &device);
                    sigmoid(logit).greater(r).float()
                } else {
                    logit.greater_elem(0.0).float()
                };
                step.receive(self, &senders[u], picked.clone());
                column[u] = picked;
            }
            columns.push(Tensor::cat(column, 1));
            senders.push(self.sender(&step.h, t));
            edge_parts.push(edge_part(&step.h));
            last = if self.summed_state {
                last + step.h
            } else {
                step.h
            };
        }
        let types = Tensor::cat(chosen, 1);
        // columns[t][b, u] = edge u -> t; transpose into adj[b, u, t].
        let adj = Tensor::stack::<3>(columns, 2);
        let mut graphs = super::read_decoded(types, adj, n)?;
        for g in &mut graphs {
            connect_loose_ends(g);
        }
        Ok(graphs)
    }

    pub fn latent(&self) -> usize {
        self.latent
    }

    /// The learned operation embedding, [types, d] (DVAE-EMB, GCN-EMB).
    pub fn op_embedding(&self) -> Option<Tensor<2>> {
        self.input.table()
    }

    /// Replaces the operation embedding (DVAE-EMB's rounds carry it into a fresh model).
    pub fn set_op_embedding(&mut self, table: Tensor<2>) {
        if let Some(e) = &mut self.input.embedding {
            e.weight = burn::module::Param::from_tensor(table);
        }
    }
}

/// What a node whose state is final sends to later nodes ([B, hidden] and [B, 3 hidden]): its
/// message, and the message's share of the decoder GRU's gates, computed once.
struct Sender {
    message: Tensor<2>,
    gates: Tensor<2>,
}

/// The node being decoded while it gathers messages from earlier nodes, one edge at a time.
/// D-VAE runs its GRU on the gathered sum after each edge; the GRU's hidden map is linear, so
/// its share of the gates is the sum of the senders' shares (no matrix product per edge).
struct NodeStep {
    input_gates: Tensor<2>,
    hidden_gates: Tensor<2>,
    gathered: Tensor<2>,
    h: Tensor<2>,
}

impl NodeStep {
    /// The logit of an edge from node `u` to this node, [B, 1]: the edge network on
    /// `[state_u ; h]`, given `state_u`'s part of the first layer (computed once per node).
    fn edge_logit(&self, model: &Dvae, source_part: &Tensor<2>) -> Tensor<2> {
        let edges = &model.add_edge;
        edges.finish(source_part.clone() + edges.first_part(self.h.clone(), model.hidden, false))
    }

    /// Takes `from`'s message where `weight` ([B, 1], 0 or 1) says there is an edge.
    fn receive(&mut self, model: &Dvae, from: &Sender, weight: Tensor<2>) {
        self.gathered = self.gathered.clone() + from.message.clone() * weight.clone();
        self.hidden_gates = self.hidden_gates.clone() + from.gates.clone() * weight;
        self.h = model.decoder_gru.update(
            self.input_gates.clone(),
            self.hidden_gates.clone(),
            self.gathered.clone(),
        );
    }
}

/// D-VAE's post-processing at the output node: its in-edges are exactly the nodes that have
/// no successor yet.
/// The running sums of `states`: element t is `states[0] + ... + states[t]`.
fn running_sums(states: &[Tensor<2>]) -> Vec<Tensor<2>> {
    let mut sums: Vec<Tensor<2>> = Vec::with_capacity(states.len());
    for s in states {
        let next = match sums.last() {
            Some(total) => total.clone() + s.clone(),
            None => s.clone(),
        };
        sums.push(next);
    }
    sums
}

/// [B, N, 1] with a one at each graph's output node (`length - 1`).
fn output_position_mask(lengths: &[usize], nodes: usize, device: &Device) -> Tensor<3> {
    let v: Vec<f32> = lengths
        .iter()
        .flat_map(|&n| (0..nodes).map(move |i| if i + 1 == n { 1.0 } else { 0.0 }))
        .collect();
    Tensor::from_data(TensorData::new(v, [lengths.len(), nodes, 1]), device)
}

/// [B, N, 1] with ones at each graph's input and output nodes.
fn first_and_output_mask(lengths: &[usize], nodes: usize, device: &Device) -> Tensor<3> {
    let v: Vec<f32> = lengths
        .iter()
        .flat_map(|&n| (0..nodes).map(move |i| if i == 0 || i + 1 == n { 1.0 } else { 0.0 }))
        .collect();
    Tensor::from_data(TensorData::new(v, [lengths.len(), nodes, 1]), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GcnOrder, ModelKind, VaeConfig};
    use crate::space::{Cell, FIRST_OP, INPUT, OUTPUT, SpaceKind};

    /// A chain input -> 6 operations -> output: the last operation is 5 hops from the first.
    /// Three levels updated in order carry the first node's type all the way; updated all at
    /// once, they reach 3 hops.
    #[test]
    fn in_order_levels_reach_every_ancestor() {
        let device = Device::flex();
        let chain = |first: u8| {
            let mut types = vec![INPUT, first];
            types.extend([FIRST_OP; 5]);
            types.push(OUTPUT);
            let edges: Vec<(usize, usize)> = (0..7).map(|v| (v, v + 1)).collect();
            Cell::new(types, &edges).unwrap()
        };
        let (a, b) = (chain(FIRST_OP), chain(FIRST_OP + 1));
        for (order, reaches) in [(GcnOrder::InOrder, true), (GcnOrder::Simultaneous, false)] {
            device.seed(7);
            let mut config = VaeConfig::paper(ModelKind::GcnEmb);
            config.hidden = 16;
            config.gcn_order = order;
            let model = Dvae::new(&config, SpaceKind::Enas.type_count(), 8, true, &device);
            let Encoder::Gcn(e) = &model.encoder else {
                panic!("GCN-EMB has a GCN encoder")
            };
            let last_op = |cell: &Cell| {
                let batch = GraphBatch::new(&[cell], 8, &device);
                let x = model.node_inputs(&batch.forward.types);
                let h = gcn_states(e, x, &batch.forward.adj, &batch.node_mask);
                crate::model::tensor_values::<f32>(h.narrow(1, 6, 1).into_data()).unwrap()
            };
            let (sa, sb) = (last_op(&a), last_op(&b));
            assert!(sa.iter().any(|v| *v != 0.0), "{order:?}: a dead state");
            assert_eq!(sa != sb, reaches, "{order:?}");
        }
    }
}
