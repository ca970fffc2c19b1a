//! DGMG-as-VAE: the SVGe paper's ablation of its own model (its code's `models/DGMG.py`). The
//! encoder and the generator pass messages along and against the edges at full width instead
//! of SVGe's two half-width directions, and the generator grows each cell in one direction
//! only (from the input node), choosing the last node's type like every other.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::{Device, Tensor};

use super::batch::GraphBatch;
use super::decoded::DecodedGraph;
use super::gnn::{BiMessageLayer, GatedSum, Mlp};
use super::growing::{self, Grower, Heads};
use super::registry::{ModelSpec, shared, shared_training, table_i, table_ii, table_iii};
use super::{GraphVae, ModelError, Noise, VaeConfig};
use crate::space::{INPUT, SpaceKind};

/// DGMG in the registry: the SVGe paper's Table I rows on all three spaces.
pub const DGMG: ModelSpec = ModelSpec {
    name: "dgmg",
    title: "DGMG",
    about: "one-directional generator at full width, SVGe's ablation (Lukasik et al. 2021)",
    hidden: 250,
    op_embedding: false,
    two_sided: false,
    spaces: &[SpaceKind::Enas, SpaceKind::Nb201, SpaceKind::Nb101],
    published: &[
        table_i(SpaceKind::Enas, [99.29, 100.0, 37.55, 100.0]),
        table_i(SpaceKind::Nb101, [99.99, 89.7, 29.24, 16.72]),
        table_i(SpaceKind::Nb201, [99.97, 100.0, 5.35, 12.62]),
        table_ii([[0.0037, 0.0001], [0.0027, 3e-6], [0.002, 0.0001]]),
        table_iii(93.51, 94.08),
    ],
    paper: shared,
    training: shared_training,
    build: |config, space, device| {
        GraphVae::Dgmg(Dgmg::new(
            config,
            space.type_count(),
            space.max_nodes(),
            device,
        ))
    },
};

/// Message passing over the cell from type embeddings, gated-sum readouts for the mean and
/// the log-variance.
#[derive(Module, Debug)]
pub struct DgmgEncoder {
    embed: Embedding,
    layers: Vec<BiMessageLayer>,
    mean: GatedSum,
    logvar: GatedSum,
}

/// The generator: SVGe's heads at full width, with its own message-passing layers.
#[derive(Module, Debug)]
pub struct DgmgGenerator {
    embed: Embedding,
    layers: Vec<BiMessageLayer>,
    graph: GatedSum,
    graph_init: GatedSum,
    start: Mlp,
    add_node: Mlp,
    init_node: Mlp,
    add_edges: Mlp,
}

#[derive(Module, Debug)]
pub struct Dgmg {
    encoder: DgmgEncoder,
    generator: DgmgGenerator,
    latent: usize,
    nodes: usize,
}

fn propagate(
    layers: &[BiMessageLayer],
    mut h: Tensor<3>,
    adj: &Tensor<3>,
    mask: Option<&Tensor<3>>,
) -> Tensor<3> {
    for layer in layers {
        h = layer.forward(h, adj, mask);
    }
    h
}

impl Dgmg {
    pub fn new(config: &VaeConfig, types: usize, nodes: usize, device: &Device) -> Self {
        let (s, latent) = (config.hidden, config.latent);
        let layers = || {
            (0..config.rounds)
                .map(|_| BiMessageLayer::new(s, device))
                .collect::<Vec<_>>()
        };
        let encoder = DgmgEncoder {
            embed: EmbeddingConfig::new(types, s).init(device),
            layers: layers(),
            mean: GatedSum::new(s, latent, device),
            logvar: GatedSum::new(s, latent, device),
        };
        let generator = DgmgGenerator {
            embed: EmbeddingConfig::new(types, s).init(device),
            layers: layers(),
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
            latent,
            nodes,
        }
    }

    pub fn encode(&self, batch: &GraphBatch) -> (Tensor<2>, Tensor<2>) {
        let e = &self.encoder;
        let h = e.embed.forward(batch.forward.types.clone());
        let mask = Some(&batch.node_mask);
        let h = propagate(&e.layers, h, &batch.forward.adj, mask);
        (e.mean.forward(h.clone(), mask), e.logvar.forward(h, mask))
    }

    /// Teacher-forced reconstruction loss per graph, [B]: the forward direction alone.
    pub fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        growing::direction_loss(self, &batch.forward, &batch.step_mask, z)
    }

    /// Decodes every latent point from the input node; a cell ends at its first output node,
    /// and a graph without one is no cell.
    pub fn decode(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        noise: &mut Noise,
    ) -> Result<Vec<DecodedGraph>, ModelError> {
        growing::decode_direction(self, z, INPUT, None, stochastic, noise)
    }

    pub fn latent(&self) -> usize {
        self.latent
    }
}

impl Grower for Dgmg {
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

    /// A graph of one node is read out ungated and not propagated, as in the reference code;
    /// a larger one is propagated, then read out through the gates.
    fn step_state(&self, states: Tensor<3>, adj: &Tensor<3>) -> (Tensor<3>, Tensor<2>, Tensor<2>) {
        let g = &self.generator;
        if states.dims()[1] == 1 {
            let hg = g.graph.ungated(states.clone());
            let hg_init = g.graph_init.ungated(states.clone());
            return (states, hg, hg_init);
        }
        // Every node of a partial graph exists: no mask.
        let states = propagate(&g.layers, states, adj, None);
        let hg = g.graph.forward(states.clone(), None);
        let hg_init = g.graph_init.forward(states.clone(), None);
        (states, hg, hg_init)
    }
}
