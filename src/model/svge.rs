//! SVGe (Lukasik et al., "Smooth Variational Graph Embeddings", section III): a two-sided GNN
//! encoder and a two-sided generative decoder whose output is the union of both directions.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::{Device, Tensor};

use super::batch::{DirectedBatch, GraphBatch};
use super::decoded::DecodedGraph;
use super::gnn::{GatedSum, MessageLayer, Mlp};
use super::growing::{self, Grower, Heads};
use super::registry::{ModelSpec, shared, shared_training, table_i, table_ii, table_iii};
use super::{GraphVae, VaeConfig};
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
        table_ii([[0.0028, 0.00002], [0.0023, 0.00004], [0.002, 0.00003]]),
        table_iii(93.88, 94.60),
    ],
    paper: shared,
    training: shared_training,
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
    /// edge from the start node is implied). Both directions share the generator, so they run
    /// as one batch of 2B rows: half the operations per step, each on twice the rows.
    pub fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        let b = batch.size;
        let both = DirectedBatch {
            types: Tensor::cat(
                vec![batch.forward.types.clone(), batch.backward.types.clone()],
                0,
            ),
            adj: Tensor::cat(
                vec![batch.forward.adj.clone(), batch.backward.adj.clone()],
                0,
            ),
        };
        let steps = Tensor::cat(vec![batch.step_mask.clone(), batch.step_mask.clone()], 0);
        let loss = growing::direction_loss(self, &both, &steps, Tensor::cat(vec![z.clone(), z], 0));
        loss.clone().narrow(0, 0, b) + loss.narrow(0, b, b)
    }

    /// Decodes every latent point into (forward, backward) graphs; `stochastic` samples types
    /// and edges, otherwise the most likely ones are taken.
    pub fn decode(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        noise: &mut super::Noise,
    ) -> Result<Vec<(DecodedGraph, DecodedGraph)>, super::ModelError> {
        let f = growing::decode_direction(self, z, INPUT, Some(OUTPUT), stochastic, noise)?;
        let b = growing::decode_direction(self, z, OUTPUT, Some(INPUT), stochastic, noise)?;
        Ok(f.into_iter().zip(b).collect())
    }

    pub fn latent(&self) -> usize {
        self.latent
    }

    pub fn type_count(&self) -> usize {
        self.types
    }
}

impl Grower for Svge {
    fn heads(&self) -> Heads<'_> {
        let g = &self.generator;
        Heads {
            embed: &g.embed,
            start: &g.start,
            add_node: &g.add_node,
            init_node: &g.init_node,
            add_edges: &g.add_edges,
        }
    }

    fn nodes(&self) -> usize {
        self.nodes
    }

    /// Both halves of the states through their own direction's layers, then the two gated
    /// readouts (also for the one-node graph of the first step, which the reference code reads
    /// out ungated without propagating: cellspace's bundled SVGe models were trained this way).
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelKind;
    use crate::space::{Cell, FIRST_OP};

    /// Both directions in one batch of 2B rows give each direction's own loss, as when they
    /// ran one after the other.
    #[test]
    fn both_directions_in_one_batch_give_the_two_separate_losses() {
        let device = Device::flex();
        device.seed(5);
        let mut config = VaeConfig::paper(ModelKind::Svge);
        config.hidden = 32;
        config.latent = 8;
        let model = Svge::new(&config, FIRST_OP as usize + 3, 7, &device);
        let op = |i: u8| FIRST_OP + i;
        let cells = [
            Cell::new(
                vec![INPUT, op(0), op(1), OUTPUT],
                &[(0, 1), (1, 2), (2, 3), (0, 3)],
            ),
            Cell::new(vec![INPUT, op(2), OUTPUT], &[(0, 1), (1, 2)]),
            Cell::new(
                vec![INPUT, op(0), op(1), op(2), op(1), op(0), OUTPUT],
                &[(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 6)],
            ),
        ]
        .map(|c| c.unwrap());
        let refs: Vec<&Cell> = cells.iter().collect();
        let batch = GraphBatch::new(&refs, 7, &device);
        let z = Tensor::<2>::random(
            [3, config.latent],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let joint = model.reconstruction_loss(&batch, z.clone());
        let apart = growing::direction_loss(&model, &batch.forward, &batch.step_mask, z.clone())
            + growing::direction_loss(&model, &batch.backward, &batch.step_mask, z);
        let joint: Vec<f32> = crate::model::tensor_values(joint.into_data()).unwrap();
        let apart: Vec<f32> = crate::model::tensor_values(apart.into_data()).unwrap();
        for (a, b) in joint.iter().zip(&apart) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} against {b}");
        }
        assert!(apart.iter().all(|v| v.is_finite() && *v > 0.0));
    }
}
