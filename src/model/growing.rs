//! A graph grown one node at a time (Li et al.'s DGMG): at each step the partial graph is
//! propagated and read out, the next node's type is chosen from that readout and `z`, the new
//! node is initialised, and its edges from every existing node are scored at once. SVGe's
//! generator grows each of its two directions this way, the DGMG-as-VAE baseline one; they
//! differ only in how a partial graph is propagated ([`Grower::step_state`]), so the loops
//! (teacher forcing and decoding) live here once.

use burn::nn::Embedding;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};

use super::activation::sigmoid;
use super::batch::DirectedBatch;
use super::decoded::DecodedGraph;
use super::gnn::{Mlp, bce_with_logits};
use super::{ModelError, Noise, gumbel_argmax, read_decoded};

/// The networks a growing decoder chooses with (SVGe's `initNode`, `addNode`, `addEdges`).
pub(super) struct Heads<'a> {
    /// Type embedding of a new node, [types, s].
    pub embed: &'a Embedding,
    /// The start node's state from its type embedding and `z`.
    pub start: &'a Mlp,
    /// Type logits from `[h_G ; z]`.
    pub add_node: &'a Mlp,
    /// A new node's state from `[e ; h_G_init ; z]`.
    pub init_node: &'a Mlp,
    /// An edge logit from `[h_u ; h_new ; h_G ; z]`.
    pub add_edges: &'a Mlp,
}

/// A decoder that grows graphs node by node.
pub(super) trait Grower {
    fn heads(&self) -> Heads<'_>;

    /// The most nodes a graph may have.
    fn nodes(&self) -> usize;

    /// Propagates the partial graph (states [B, m, s], adjacency [B, m, m]) and returns the new
    /// states with the graph embeddings for prediction and for node initialisation.
    fn step_state(&self, states: Tensor<3>, adj: &Tensor<3>) -> (Tensor<3>, Tensor<2>, Tensor<2>);
}

/// The start node's state, [B, 1, s].
pub(super) fn start_states(g: &impl Grower, z: &Tensor<2>, start: u8) -> Tensor<3> {
    let b = z.dims()[0];
    let ids =
        Tensor::<2, Int>::from_data(TensorData::new(vec![start as i64; b], [b, 1]), &z.device());
    start_states_of(g, z, ids)
}

/// The start node's state from each row's own start type (ids [B, 1]), [B, 1, s].
fn start_states_of(g: &impl Grower, z: &Tensor<2>, ids: Tensor<2, Int>) -> Tensor<3> {
    let heads = g.heads();
    let e = heads.embed.forward(ids).squeeze_dim::<2>(1);
    heads
        .start
        .forward(Tensor::cat(vec![e, z.clone()], 1))
        .unsqueeze_dim::<3>(1)
}

/// Edge logits from every existing node to the new node, [B, m]: the edge network on
/// `[h_u ; h_new ; h_G ; z]`. The first layer's product with the last three, the same for
/// every `u`, is computed once per graph instead of once per node.
fn edge_logits(
    g: &impl Grower,
    states: &Tensor<3>,
    new: &Tensor<2>,
    hg: &Tensor<2>,
    z: &Tensor<2>,
) -> Tensor<2> {
    let edges = g.heads().add_edges;
    let s = states.dims()[2];
    let per_node = edges.first_part(states.clone(), 0, true);
    let shared = edges.first_part(
        Tensor::cat(vec![new.clone(), hg.clone(), z.clone()], 1),
        s,
        false,
    );
    edges
        .finish(per_node + shared.unsqueeze_dim::<3>(1))
        .squeeze_dim::<2>(2)
}

/// The new node's state from its type (ids [B, 1]).
fn new_node(
    g: &impl Grower,
    types: Tensor<2, Int>,
    hg_init: Tensor<2>,
    z: &Tensor<2>,
) -> Tensor<2> {
    let heads = g.heads();
    let e = heads.embed.forward(types).squeeze_dim::<2>(1);
    heads
        .init_node
        .forward(Tensor::cat(vec![e, hg_init, z.clone()], 1))
}

/// Teacher-forced loss per graph over one direction, [B]: each step's type cross-entropy plus
/// the mean edge BCE of the new node (none for the first step, whose edge from the start node
/// is implied). Only the nodes that exist at a step are propagated (the partial graph grows by
/// one node per step), which halves the work of padding to N.
pub(super) fn direction_loss(
    g: &impl Grower,
    dir: &DirectedBatch,
    step_mask: &Tensor<2>,
    z: Tensor<2>,
) -> Tensor<1> {
    let device = z.device();
    let (b, n) = (z.dims()[0], g.nodes());
    // Each row starts from its own first node's type, so rows of both directions (SVGe's
    // generator is shared by them) can run as one batch.
    let mut states = start_states_of(g, &z, dir.types.clone().narrow(1, 0, 1));
    let mut loss = Tensor::<1>::zeros([b], &device);
    for k in 0..n - 1 {
        let adj = dir.adj.clone().narrow(1, 0, k + 1).narrow(2, 0, k + 1);
        let (propagated, hg, hg_init) = g.step_state(states, &adj);
        let logits = g
            .heads()
            .add_node
            .forward(Tensor::cat(vec![hg.clone(), z.clone()], 1));
        let target = dir.types.clone().narrow(1, k + 1, 1);
        let ce = log_softmax(logits, 1)
            .gather(1, target.clone())
            .squeeze_dim::<1>(1)
            .neg();
        let new = new_node(g, target, hg_init, &z);
        let mut step = ce;
        if k > 0 {
            let logits = edge_logits(g, &propagated, &new, &hg, &z);
            let targets = dir
                .adj
                .clone()
                .narrow(1, 0, k + 1)
                .narrow(2, k + 1, 1)
                .squeeze_dim::<2>(2);
            let bce = bce_with_logits(logits, targets)
                .sum_dim(1)
                .squeeze_dim::<1>(1);
            step = step + bce / (k + 1) as f64;
        }
        loss = loss + step * step_mask.clone().narrow(1, k, 1).squeeze_dim::<1>(1);
        states = Tensor::cat(vec![propagated, new.unsqueeze_dim::<3>(1)], 1);
    }
    loss
}

/// Decodes one direction for every latent point from the `start` type; `end`, where given, is
/// forced as the last node's type (SVGe), otherwise the last type is chosen as every other
/// (DGMG). `stochastic` samples types and edges, otherwise the most likely ones are taken.
pub(super) fn decode_direction(
    g: &impl Grower,
    z: &Tensor<2>,
    start: u8,
    end: Option<u8>,
    stochastic: bool,
    noise: &mut Noise,
) -> Result<Vec<DecodedGraph>, ModelError> {
    let device = z.device();
    let b = z.dims()[0];
    let n = g.nodes();
    let mut states = start_states(g, z, start);
    let mut adj = Tensor::<3>::zeros([b, 1, 1], &device);
    let fixed =
        |t: u8| Tensor::<2, Int>::from_data(TensorData::new(vec![t as i64; b], [b, 1]), &device);
    let mut chosen_types = vec![fixed(start)];
    for k in 0..n - 1 {
        let (propagated, hg, hg_init) = g.step_state(states, &adj);
        let logits = g
            .heads()
            .add_node
            .forward(Tensor::cat(vec![hg.clone(), z.clone()], 1));
        let choice = match end {
            Some(end) if k == n - 2 => fixed(end),
            _ if stochastic => gumbel_argmax(logits, noise),
            _ => logits.argmax(1),
        };
        chosen_types.push(choice.clone());
        let new = new_node(g, choice, hg_init, z);
        let edges = if k == 0 {
            // The first node always hangs off the start node.
            Tensor::<2>::ones([b, 1], &device)
        } else {
            let logits = edge_logits(g, &propagated, &new, &hg, z);
            if stochastic {
                let u = noise.uniform([b, k + 1], 0.0, 1.0, &device);
                sigmoid(logits).greater(u).float()
            } else {
                logits.greater_elem(0.0).float()
            }
        };
        // Grow the adjacency by the new node's column and an empty row.
        adj = Tensor::cat(vec![adj, edges.unsqueeze_dim::<3>(2)], 2);
        adj = Tensor::cat(vec![adj, Tensor::<3>::zeros([b, 1, k + 2], &device)], 1);
        states = Tensor::cat(vec![propagated, new.unsqueeze_dim::<3>(1)], 1);
    }
    let types = Tensor::cat(chosen_types, 1);
    read_decoded(types, adj, n)
}
