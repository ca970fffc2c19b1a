//! SVGe (Lukasik et al., "Smooth Variational Graph Embeddings", section III): a two-sided GNN
//! encoder and a two-sided generative decoder whose output is the union of both directions.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::activation::sigmoid;
use super::batch::{DirectedBatch, GraphBatch};
use super::decoded::DecodedGraph;
use super::gnn::{GatedSum, MessageLayer, Mlp, bce_with_logits};
use super::registry::{ModelSpec, table_i};
use super::{GraphVae, VaeConfig, gumbel_argmax};
use crate::space::{INPUT, OUTPUT, SpaceKind};

/// SVGe in the registry: the SVGe paper's model on all three spaces.
pub const SVGE: ModelSpec = ModelSpec {
    name: "svge",
    title: "SVGe",
    about: "two-sided GNN encoder and decoder (Lukasik et al. 2021)",
    hidden: 250,
    op_embedding: false,
    two_sided: true,
    spaces: &[SpaceKind::Enas, SpaceKind::Nb201, SpaceKind::Nb101],
    published: &[
        table_i(SpaceKind::Enas, [99.63, 100.0, 39.03, 100.0]),
        table_i(SpaceKind::Nb101, [99.57, 79.16, 32.1, 16.37]),
        table_i(SpaceKind::Nb201, [99.99, 100.0, 8.28, 10.24]),
    ],
    build: |config, space, device| {
        GraphVae::Svge(Svge::new(
            config,
            space.type_count(),
            space.max_nodes(),
            device,
        ))
    },
};

/// The encoder: forward and backward message passing from shared type embeddings, node
/// states concatenated, gated-sum readouts for the mean and the log-variance.
#[derive(Module, Debug)]
pub struct SvgeEncoder {
    embed: Embedding,
    forward_layers: Vec<MessageLayer>,
    backward_layers: Vec<MessageLayer>,
    mean: GatedSum,
    logvar: GatedSum,
}

/// The generator shared by both decoding directions (initNode, addNode, addEdges, prop).
#[derive(Module, Debug)]
pub struct SvgeGenerator {
    embed: Embedding,
    forward_layers: Vec<MessageLayer>,
    backward_layers: Vec<MessageLayer>,
    graph: GatedSum,
    graph_init: GatedSum,
    start: Mlp,
    add_node: Mlp,
    init_node: Mlp,
    add_edges: Mlp,
}

#[derive(Module, Debug)]
pub struct Svge {
    encoder: SvgeEncoder,
    generator: SvgeGenerator,
    half: usize,
    latent: usize,
    types: usize,
    nodes: usize,
}

/// Runs the two halves of node states through forward and backward message passing.
fn propagate(
    forward: &[MessageLayer],
    backward: &[MessageLayer],
    h: Tensor<3>,
    adj: &Tensor<3>,
    mask: Option<&Tensor<3>>,
    half: usize,
) -> Tensor<3> {
    let incoming = adj.clone().swap_dims(1, 2);
    let mut hf = h.clone().narrow(2, 0, half);
    let mut hb = h.narrow(2, half, half);
    for layer in forward {
        hf = layer.forward(hf, incoming.clone(), mask);
    }
    for layer in backward {
        hb = layer.forward(hb, adj.clone(), mask);
    }
    Tensor::cat(vec![hf, hb], 2)
}

impl Svge {
    pub fn new(config: &VaeConfig, types: usize, nodes: usize, device: &Device) -> Self {
        let state = config.hidden;
        let half = state / 2;
        let latent = config.latent;
        let layers = |n: usize| {
            (0..n)
                .map(|_| MessageLayer::new(half, device))
                .collect::<Vec<_>>()
        };
        let encoder = SvgeEncoder {
            embed: EmbeddingConfig::new(types, half).init(device),
            forward_layers: layers(config.rounds),
            backward_layers: layers(config.rounds),
            mean: GatedSum::new(2 * half, latent, device),
            logvar: GatedSum::new(2 * half, latent, device),
        };
        let s = 2 * half;
        let generator = SvgeGenerator {
            embed: EmbeddingConfig::new(types, s).init(device),
            forward_layers: layers(config.rounds),
            backward_layers: layers(config.rounds),
            graph: GatedSum::new(s, latent, device),
            graph_init: GatedSum::new(s, latent, device),
            start: Mlp::new(s + latent, s + latent, s, device),
            add_node: Mlp::new(2 * latent, latent, types, device),
            init_node: Mlp::new(s + 2 * latent, s + latent, s, device),
            add_edges: Mlp::new(2 * s + 2 * latent, s + latent, 1, device),
        };
        Self {
            encoder,
            generator,
            half,
            latent,
            types,
            nodes,
        }
    }

    pub fn encode(&self, batch: &GraphBatch) -> (Tensor<2>, Tensor<2>) {
        let e = &self.encoder;
        let h0 = e.embed.forward(batch.forward.types.clone());
        let h = Tensor::cat(vec![h0.clone(), h0], 2);
        let h = propagate(
            &e.forward_layers,
            &e.backward_layers,
            h,
            &batch.forward.adj,
            Some(&batch.node_mask),
            self.half,
        );
        (
            e.mean.forward(h.clone(), Some(&batch.node_mask)),
            e.logvar.forward(h, Some(&batch.node_mask)),
        )
    }

    /// Teacher-forced reconstruction loss per graph, [B]: both directions, each step's type
    /// cross-entropy plus the mean edge BCE of the new node (none for the first step, whose
    /// edge from the start node is implied).
    pub fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        self.direction_loss(&batch.forward, batch, z.clone(), INPUT)
            + self.direction_loss(&batch.backward, batch, z, OUTPUT)
    }

    /// The start node's state, [B, 1, s].
    fn start_states(&self, z: &Tensor<2>, start: u8) -> Tensor<3> {
        let g = &self.generator;
        let b = z.dims()[0];
        let device = z.device();
        let ids =
            Tensor::<2, Int>::from_data(TensorData::new(vec![start as i64; b], [b, 1]), &device);
        let e = g.embed.forward(ids).squeeze_dim::<2>(1);
        g.start
            .forward(Tensor::cat(vec![e, z.clone()], 1))
            .unsqueeze_dim::<3>(1)
    }

    /// Propagates the partial graph (states [B, m, s], adjacency [B, m, m]) and returns the new
    /// states with the graph embeddings for prediction and for node initialisation.
    fn step_state(&self, states: Tensor<3>, adj: &Tensor<3>) -> (Tensor<3>, Tensor<2>, Tensor<2>) {
        let g = &self.generator;
        // Every node of a partial graph exists: no mask.
        let states = propagate(
            &g.forward_layers,
            &g.backward_layers,
            states,
            adj,
            None,
            self.half,
        );
        let hg = g.graph.forward(states.clone(), None);
        let hg_init = g.graph_init.forward(states.clone(), None);
        (states, hg, hg_init)
    }

    /// Edge logits from every existing node to the new node, [B, m]: the edge network on
    /// `[h_u ; h_new ; h_G ; z]`. The first layer's product with the last three, the same for
    /// every `u`, is computed once per graph instead of once per node.
    fn edge_logits(
        &self,
        states: &Tensor<3>,
        new: &Tensor<2>,
        hg: &Tensor<2>,
        z: &Tensor<2>,
    ) -> Tensor<2> {
        let edges = &self.generator.add_edges;
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

    /// Teacher forcing over one direction. Only the nodes that exist at a step are propagated
    /// (the partial graph grows by one node per step), which halves the work of padding to N.
    fn direction_loss(
        &self,
        dir: &DirectedBatch,
        batch: &GraphBatch,
        z: Tensor<2>,
        start: u8,
    ) -> Tensor<1> {
        let g = &self.generator;
        let device = z.device();
        let (b, n) = (batch.size, self.nodes);
        let mut states = self.start_states(&z, start);
        let mut loss = Tensor::<1>::zeros([b], &device);
        for k in 0..n - 1 {
            let adj = dir.adj.clone().narrow(1, 0, k + 1).narrow(2, 0, k + 1);
            let (propagated, hg, hg_init) = self.step_state(states, &adj);
            let logits = g
                .add_node
                .forward(Tensor::cat(vec![hg.clone(), z.clone()], 1));
            let target = dir.types.clone().narrow(1, k + 1, 1);
            let ce = log_softmax(logits, 1)
                .gather(1, target.clone())
                .squeeze_dim::<1>(1)
                .neg();
            let e = g.embed.forward(target).squeeze_dim::<2>(1);
            let new = g
                .init_node
                .forward(Tensor::cat(vec![e, hg_init, z.clone()], 1));
            let mut step = ce;
            if k > 0 {
                let logits = self.edge_logits(&propagated, &new, &hg, &z);
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
            loss = loss + step * batch.step_mask.clone().narrow(1, k, 1).squeeze_dim::<1>(1);
            states = Tensor::cat(vec![propagated, new.unsqueeze_dim::<3>(1)], 1);
        }
        loss
    }

    /// Decodes one direction for every latent point; `stochastic` samples types and edges,
    /// otherwise the most likely ones are taken.
    fn decode_direction(
        &self,
        z: &Tensor<2>,
        start: u8,
        end: u8,
        stochastic: bool,
        noise: &mut super::Noise,
    ) -> Result<Vec<DecodedGraph>, super::ModelError> {
        let g = &self.generator;
        let device = z.device();
        let b = z.dims()[0];
        let n = self.nodes;
        let mut states = self.start_states(z, start);
        let mut adj = Tensor::<3>::zeros([b, 1, 1], &device);
        let mut chosen_types = vec![Tensor::<2, Int>::from_data(
            TensorData::new(vec![start as i64; b], [b, 1]),
            &device,
        )];
        for k in 0..n - 1 {
            let (propagated, hg, hg_init) = self.step_state(states, &adj);
            let logits = g
                .add_node
                .forward(Tensor::cat(vec![hg.clone(), z.clone()], 1));
            let choice = if k == n - 2 {
                Tensor::<2, Int>::from_data(TensorData::new(vec![end as i64; b], [b, 1]), &device)
            } else if stochastic {
                gumbel_argmax(logits, noise)
            } else {
                logits.argmax(1)
            };
            let e = g.embed.forward(choice.clone()).squeeze_dim::<2>(1);
            chosen_types.push(choice);
            let new = g
                .init_node
                .forward(Tensor::cat(vec![e, hg_init, z.clone()], 1));
            let edges = if k == 0 {
                // The first node always hangs off the start node.
                Tensor::<2>::ones([b, 1], &device)
            } else {
                let logits = self.edge_logits(&propagated, &new, &hg, z);
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
        super::read_decoded(types, adj, n)
    }

    /// Decodes every latent point into (forward, backward) graphs.
    pub fn decode(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        noise: &mut super::Noise,
    ) -> Result<Vec<(DecodedGraph, DecodedGraph)>, super::ModelError> {
        let f = self.decode_direction(z, INPUT, OUTPUT, stochastic, noise)?;
        let b = self.decode_direction(z, OUTPUT, INPUT, stochastic, noise)?;
        Ok(f.into_iter().zip(b).collect())
    }

    pub fn latent(&self) -> usize {
        self.latent
    }

    pub fn type_count(&self) -> usize {
        self.types
    }
}
