//! arch2vec (Yan et al., "Does Unsupervised Architecture Representation Learning Help Neural
//! Architecture Search?", NeurIPS 2020; its code's `models/model.py`, configuration 4): the
//! NB101/NB201 baseline of the SVGe paper's Table I. A GIN encodes each node of the cell, made
//! undirected, into a latent of its own (16 per node; the cell's latent is the nodes' latents
//! side by side), and a one-shot decoder reads every node's type from its latent and every
//! edge from the inner product of two nodes' latents. Its decoder is not made to generate
//! graphs: nothing makes a decoded adjacency acyclic-by-construction or connected, which is the
//! SVGe paper's point about arch2vec's validity.

use burn::module::{Module, Param};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor};

use super::batch::GraphBatch;
use super::decoded::DecodedGraph;
use super::gnn::{bce_with_logits, one_hot};
use super::registry::{ModelSpec, PaperTraining, table_i};
use super::{GraphVae, ModelError, VaeConfig, read_decoded};
use crate::space::{Cell, SpaceError, SpaceKind, nb101};

/// arch2vec in the registry: the SVGe paper's Table I rows on NB101 and NB201, and its
/// code's settings (GIN state 128, 4 layers, 16 latent dimensions per node, its own KL term at
/// weight 1).
pub const ARCH2VEC: ModelSpec = ModelSpec {
    name: "arch2vec",
    title: "arch2vec",
    about: "GIN encoder, one-shot inner-product decoder, a latent per node (Yan et al. 2020)",
    hidden: 128,
    op_embedding: false,
    two_sided: false,
    spaces: &[SpaceKind::Nb201, SpaceKind::Nb101],
    published: &[
        table_i(SpaceKind::Nb101, [98.84, 43.7, 10.0, 82.84]),
        table_i(SpaceKind::Nb201, [99.99, 95.93, 7.33, 13.26]),
    ],
    paper: |config| {
        config.latent = 16;
        config.rounds = 4;
        config.kl_weight = 1.0;
    },
    // Adam at 1e-3, batch 32, 8 epochs on NB101 and 10 on NB201 (its pretraining scripts).
    training: |space| PaperTraining {
        epochs: if space == SpaceKind::Nb101 { 8 } else { 10 },
        batch_size: 32,
        learning_rate: 1e-3,
    },
    build: |config, space, device| GraphVae::Arch2vec(Arch2vec::new(config, space, device)),
};

/// The decoder's dropout on the latents while training (the code's default).
const DROPOUT: f64 = 0.3;

/// One GIN layer: `(1 + eps) h_v + sum of the neighbours' h`, a two-layer MLP with batch
/// normalisation inside and after it, ReLU. The batch norms run over every node of the batch,
/// padding included, as the reference's `BatchNorm1d` over `B * N` rows does.
#[derive(Module, Debug)]
pub struct GinLayer {
    eps: Param<Tensor<1>>,
    first: Linear,
    inner_norm: BatchNorm,
    second: Linear,
    outer_norm: BatchNorm,
}

impl GinLayer {
    fn new(input: usize, hidden: usize, device: &Device) -> Self {
        Self {
            eps: Param::from_tensor(Tensor::zeros([1], device)),
            first: LinearConfig::new(input, hidden).init(device),
            inner_norm: BatchNormConfig::new(hidden).init(device),
            second: LinearConfig::new(hidden, hidden).init(device),
            outer_norm: BatchNormConfig::new(hidden).init(device),
        }
    }

    /// `h`: [B, N, d]; `neighbours`: [B, N, N], symmetric.
    fn forward(&self, h: Tensor<3>, neighbours: &Tensor<3>) -> Tensor<3> {
        let [b, n, d] = h.dims();
        let own = h.clone() * (self.eps.val().reshape([1, 1, 1]) + 1.0);
        let agg = (own + neighbours.clone().matmul(h)).reshape([b * n, d]);
        let x = relu(self.inner_norm.forward(self.first.forward(agg)));
        let x = relu(self.outer_norm.forward(self.second.forward(x)));
        let width = x.dims()[1];
        x.reshape([b, n, width])
    }
}

#[derive(Module, Debug)]
pub struct Arch2vec {
    layers: Vec<GinLayer>,
    mean: Linear,
    log_std: Linear,
    types_out: Linear,
    dropout: Dropout,
    types: usize,
    nodes: usize,
    per_node: usize,
    /// NB101: a decoded cell is read as NB101's API reads a module (nodes off every
    /// input -> output path dropped).
    prunes: bool,
}

impl Arch2vec {
    pub fn new(config: &VaeConfig, space: SpaceKind, device: &Device) -> Self {
        let (types, hidden, latent) = (space.type_count(), config.hidden, config.latent);
        let layers = (0..config.rounds)
            .map(|l| GinLayer::new(if l == 0 { types } else { hidden }, hidden, device))
            .collect();
        Self {
            layers,
            mean: LinearConfig::new(hidden, latent).init(device),
            log_std: LinearConfig::new(hidden, latent).init(device),
            types_out: LinearConfig::new(latent, types).init(device),
            dropout: DropoutConfig::new(DROPOUT).init(),
            types,
            nodes: space.max_nodes(),
            per_node: latent,
            prunes: space == SpaceKind::Nb101,
        }
    }

    /// The cell's latent: every node's, side by side.
    pub fn latent(&self) -> usize {
        self.nodes * self.per_node
    }

    /// Posterior mean and log-variance, [B, N * 16] each. The reference's second head is the
    /// log of the standard deviation; twice it is the log-variance the other models return,
    /// so the shared reparameterisation draws with the reference's spread.
    pub fn encode(&self, batch: &GraphBatch) -> (Tensor<2>, Tensor<2>) {
        let (b, n) = (batch.size, self.nodes);
        let ids = batch.forward.types.clone().reshape([b * n]);
        let device = batch.node_mask.device();
        // Padding nodes have no type: zero rows, as the reference's padded one-hot matrices.
        let mut h =
            one_hot(ids, self.types, &device).reshape([b, n, self.types]) * batch.node_mask.clone();
        let adj = batch.forward.adj.clone();
        let neighbours = adj.clone() + adj.swap_dims(1, 2);
        for layer in &self.layers {
            h = layer.forward(h, &neighbours);
        }
        let flat = |t: Tensor<3>| t.reshape([b, n * self.per_node]);
        (
            flat(self.mean.forward(h.clone())),
            flat(self.log_std.forward(h) * 2.0),
        )
    }

    /// Type and edge logits, [B, N, types] and [B, N, N], from latents [B, N * 16].
    fn logits(&self, z: Tensor<2>) -> (Tensor<3>, Tensor<3>) {
        let b = z.dims()[0];
        let z = self
            .dropout
            .forward(z.reshape([b, self.nodes, self.per_node]));
        let adj = z.clone().matmul(z.clone().swap_dims(1, 2));
        (self.types_out.forward(z), adj)
    }

    /// The reference's reconstruction loss per graph, [B]: the mean binary cross-entropy of
    /// the type logits against the one-hot types (zero rows for padding) plus the mean over
    /// all N x N entries of that of the edge logits above the diagonal (the entries on and
    /// below it count as zeros, as the reference's `triu(1)` leaves them).
    pub fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        let (b, n, k) = (batch.size, self.nodes, self.types);
        let device = z.device();
        let (type_logits, adj_logits) = self.logits(z);
        let ids = batch.forward.types.clone().reshape([b * n]);
        let targets = one_hot(ids, k, &device).reshape([b, n, k]) * batch.node_mask.clone();
        let types = bce_with_logits(type_logits, targets)
            .reshape([b, n * k])
            .mean_dim(1)
            .squeeze_dim::<1>(1);
        let upper = Tensor::<2>::ones([n, n], &device).triu(1).unsqueeze::<3>();
        let edges = (bce_with_logits(adj_logits, batch.forward.adj.clone()) * upper)
            .reshape([b, n * n])
            .mean_dim(1)
            .squeeze_dim::<1>(1);
        types + edges
    }

    /// How the reference weighs its KL term against the other models' (KL per graph, summed
    /// over the latent, mean over the batch): it averages over the batch's nodes and then
    /// divides by batch size x nodes again, i.e. the per-graph KL / (B N^2).
    pub fn kl_scale(&self, batch: usize) -> f64 {
        1.0 / (batch * self.nodes * self.nodes).max(1) as f64
    }

    /// Every latent point decoded: each node's most likely type, the edges above the diagonal
    /// whose probability is over one half. The decoder draws nothing: a stochastic decoding
    /// is the deterministic one.
    pub fn decode(&self, z: &Tensor<2>) -> Result<Vec<DecodedGraph>, ModelError> {
        let (type_logits, adj_logits) = self.logits(z.clone());
        let types: Tensor<2, Int> = type_logits.argmax(2).squeeze_dim::<2>(2);
        let upper = Tensor::<2>::ones([self.nodes, self.nodes], &z.device())
            .triu(1)
            .unsqueeze::<3>();
        let adj = adj_logits.greater_elem(0.0).float() * upper;
        read_decoded(types, adj, self.nodes)
    }

    /// The cell a decoded graph stands for: the nodes up to the first output node, and on
    /// NB101 only those on an input -> output path.
    pub fn read(&self, g: &DecodedGraph) -> Result<Cell, SpaceError> {
        let cell = g.forward_checked()?;
        if !self.prunes {
            return Ok(cell);
        }
        nb101::prune(&cell).ok_or_else(|| {
            SpaceError::Structure("the input does not reach the output (NB101's pruning)".into())
        })
    }
}
