//! The graph VAEs (Burn modules; the `Device` decides where they run).

mod activation;
mod arch2vec;
pub mod batch;
mod decoded;
mod dgmg;
mod dvae;
mod error;
mod gnn;
mod growing;
pub mod noise;
mod registry;
mod regressor;
mod sequence;
mod svge;

pub use arch2vec::Arch2vec;
pub use batch::GraphBatch;
pub use decoded::{DecodedGraph, union_checked};
pub use dgmg::Dgmg;
pub use dvae::Dvae;
pub use error::ModelError;
pub use noise::Noise;
pub use registry::{
    EMB_TABLES, ModelKind, ModelSpec, PaperTraining, Published, SVGE_TABLE_I, SVGE_TABLE_II,
    SVGE_TABLE_III, TABLE_II_LABELS,
};
pub use regressor::{AccuracyHead, HEAD_LAYERS, Predictor, PredictorLoss};
pub use sequence::Sequence;
pub use svge::Svge;

use burn::module::Module;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::space::{Cell, SpaceError, SpaceKind};

/// Which of SVGe's two decoding directions make the output cell. The paper's is the union;
/// the single directions let `eval --readout` measure what each side contributes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Readout {
    /// Both directions: node types must agree, the edges of both are kept (the paper's).
    #[default]
    Union,
    /// The forward pass alone (from the input node).
    Forward,
    /// The backward pass alone (from the output node).
    Backward,
}

impl Readout {
    pub fn name(self) -> &'static str {
        match self {
            Readout::Union => "union",
            Readout::Forward => "forward",
            Readout::Backward => "backward",
        }
    }
}

/// Hyper-parameters of a model; the defaults are the papers'.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaeConfig {
    pub model: ModelKind,
    /// Node state size (SVGe: 250 = 125 forward + 125 backward; D-VAE: 501).
    pub hidden: usize,
    /// Latent size (56 in all papers).
    pub latent: usize,
    /// Message-passing rounds per direction (SVGe: 2).
    pub rounds: usize,
    /// Dimension of the learnable operation embedding (*-EMB models: 3).
    pub op_embedding: usize,
    /// KL weight β per graph (0.005).
    pub kl_weight: f64,
    /// Scale of the reparameterisation noise: 1 is a standard VAE; the reference codes use 0.01.
    pub noise_scale: f64,
    /// GCN-EMB: the order in which a level's node states are updated. Runs from before it
    /// existed used `simultaneous`.
    #[serde(default = "GcnOrder::simultaneous")]
    pub gcn_order: GcnOrder,
    /// The D-VAE family's decoder: what the next node's type is read from. Runs from before it
    /// existed used `last`.
    #[serde(default = "DecoderState::last")]
    pub decoder_state: DecoderState,
}

/// What the D-VAE family's decoder reads the next node's type from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DecoderState {
    /// The state of the node decoded last (D-VAE).
    Last,
    /// The sum of the states of every node decoded so far, the input node included: the
    /// reference code's GCN baseline (its graph-state readout, which its decoder calls too).
    Sum,
}

impl DecoderState {
    fn last() -> Self {
        DecoderState::Last
    }

    pub fn name(self) -> &'static str {
        match self {
            DecoderState::Last => "last",
            DecoderState::Sum => "sum",
        }
    }
}

/// How GCN-EMB's encoder updates the node states of a level after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum GcnOrder {
    /// Every node from the previous level's states of itself and its predecessors (a GCN as
    /// the paper describes it: "simultaneous graph convolutions").
    Simultaneous,
    /// Node by node in topological order, each from its predecessors' states of the current
    /// level (already updated) and its own of the previous one: what the reference code does
    /// (it updates its state table in place), so a node sees all its ancestors after two levels.
    InOrder,
}

impl GcnOrder {
    fn simultaneous() -> Self {
        GcnOrder::Simultaneous
    }

    pub fn name(self) -> &'static str {
        match self {
            GcnOrder::Simultaneous => "simultaneous",
            GcnOrder::InOrder => "in-order",
        }
    }
}

impl VaeConfig {
    pub fn paper(model: ModelKind) -> Self {
        let mut config = Self {
            model,
            hidden: model.spec().hidden,
            latent: 56,
            rounds: 2,
            op_embedding: 3,
            kl_weight: 0.005,
            noise_scale: 1.0,
            // The reference code's order, which produced the paper's figures; the other models
            // keep the value every older run.json reads as, so fine-tuning them still matches.
            gcn_order: if matches!(model, ModelKind::GcnEmb | ModelKind::Gcn) {
                GcnOrder::InOrder
            } else {
                GcnOrder::Simultaneous
            },
            // Both GCN models of the reference code read the next type from the sum (their
            // graph-state readout); runs of GCN-EMB from before this field kept `last`.
            decoder_state: if matches!(model, ModelKind::Gcn | ModelKind::GcnEmb) {
                DecoderState::Sum
            } else {
                DecoderState::Last
            },
        };
        (model.spec().paper)(&mut config);
        config
    }

    /// Refuses settings no model can be built or trained with (a zero-width layer divides by
    /// zero or panics inside Burn; a huge one cannot be allocated), naming the field.
    pub fn check(&self) -> Result<(), ModelError> {
        let range = |name: &'static str, value: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(ModelError::OutOfRange {
                    name,
                    value,
                    lo,
                    hi,
                })
            }
        };
        range("hidden", self.hidden, 2, 4096)?;
        if self.model.spec().two_sided && !self.hidden.is_multiple_of(2) {
            return Err(ModelError::OddHidden {
                hidden: self.hidden,
            });
        }
        range("latent", self.latent, 1, 1024)?;
        range("rounds", self.rounds, 1, 16)?;
        range("op_embedding", self.op_embedding, 1, 64)?;
        for (name, v) in [
            ("kl_weight", self.kl_weight),
            ("noise_scale", self.noise_scale),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(ModelError::Negative { name, value: v });
            }
        }
        Ok(())
    }
}

/// Initialises every parameter at once, in the module's order. Burn creates parameters lazily,
/// on first use; when the first use is on several threads (data-parallel training), their
/// random values would be drawn from the one generator in a racy order, and each thread's copy
/// of the model could even get values of its own.
struct Materialize;

impl burn::module::ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D>>) {
        let _ = param.val();
    }

    fn visit_int<const D: usize>(&mut self, param: &burn::module::Param<Tensor<D, Int>>) {
        let _ = param.val();
    }
}

/// A graph VAE of any kind.
// Built once per run and moved rarely; boxing would not pay for itself.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum GraphVae {
    Svge(Svge),
    Dgmg(Dgmg),
    Dvae(Dvae),
    Sequence(Sequence),
    Arch2vec(Arch2vec),
}

/// The parts of one training step's loss, per batch (means over graphs).
pub struct LossParts {
    pub total: Tensor<1>,
    pub reconstruction: Tensor<1>,
    pub kl: Tensor<1>,
}

impl GraphVae {
    /// Builds the model `config` names (its registry entry's `build`), every parameter drawn.
    pub fn new(config: &VaeConfig, space: SpaceKind, device: &Device) -> Self {
        let model = (config.model.spec().build)(config, space, device);
        model.visit(&mut Materialize);
        model
    }

    /// Posterior mean and log-variance, [B, latent] each.
    pub fn encode(&self, batch: &GraphBatch) -> (Tensor<2>, Tensor<2>) {
        match self {
            GraphVae::Svge(m) => m.encode(batch),
            GraphVae::Dgmg(m) => m.encode(batch),
            GraphVae::Dvae(m) => m.encode(batch),
            GraphVae::Sequence(m) => m.encode(batch),
            GraphVae::Arch2vec(m) => m.encode(batch),
        }
    }

    fn reconstruction_loss(&self, batch: &GraphBatch, z: Tensor<2>) -> Tensor<1> {
        match self {
            GraphVae::Svge(m) => m.reconstruction_loss(batch, z),
            GraphVae::Dgmg(m) => m.reconstruction_loss(batch, z),
            GraphVae::Dvae(m) => m.reconstruction_loss(batch, z),
            GraphVae::Sequence(m) => m.reconstruction_loss(batch, z),
            GraphVae::Arch2vec(m) => m.reconstruction_loss(batch, z),
        }
    }

    /// Loss of a batch: mean over graphs of reconstruction + β·KL, with the reparameterisation
    /// noise scaled by `noise_scale`.
    pub fn loss(&self, batch: &GraphBatch, kl_weight: f64, noise_scale: f64) -> LossParts {
        let eps = Tensor::<2>::random(
            [batch.size, self.latent()],
            Distribution::Normal(0.0, 1.0),
            &batch.node_mask.device(),
        );
        self.loss_with_noise(batch, eps, kl_weight, noise_scale)
    }

    /// [`GraphVae::loss`] with the reparameterisation noise given ([B, latent] standard normal
    /// draws): data-parallel training draws it for the whole batch before splitting it.
    pub fn loss_with_noise(
        &self,
        batch: &GraphBatch,
        eps: Tensor<2>,
        kl_weight: f64,
        noise_scale: f64,
    ) -> LossParts {
        let (mu, logvar) = self.encode(batch);
        let z = mu.clone() + eps * (logvar.clone() * 0.5).exp() * noise_scale;
        let reconstruction = self.reconstruction_loss(batch, z).mean();
        let kl = kl_divergence(mu, logvar).mean();
        let kl_weight = match self {
            GraphVae::Arch2vec(m) => kl_weight * m.kl_scale(batch.size),
            _ => kl_weight,
        };
        LossParts {
            total: reconstruction.clone() + kl.clone() * kl_weight,
            reconstruction,
            kl,
        }
    }

    /// Decodes latent points into cells (`None` where the decoder produced no cell).
    pub fn decode(&self, z: &Tensor<2>, stochastic: bool) -> Result<Vec<Option<Cell>>, ModelError> {
        self.decode_with(z, stochastic, Readout::Union)
    }

    /// Like `decode`, with SVGe's output read from `readout`. D-VAE decodes in one direction:
    /// every readout gives its forward cells.
    pub fn decode_with(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        readout: Readout,
    ) -> Result<Vec<Option<Cell>>, ModelError> {
        self.decode_drawing(z, stochastic, readout, &mut Noise::Device)
    }

    /// Decodes each row of `z` `times` times, all copies in one batch (one large batch runs
    /// faster than many small ones): the decodings of row r, in order.
    pub fn decode_repeated(
        &self,
        z: &Tensor<2>,
        times: usize,
        stochastic: bool,
        readout: Readout,
        noise: &mut Noise,
    ) -> Result<Vec<Vec<Option<Cell>>>, ModelError> {
        Ok(self
            .decode_repeated_checked(z, times, stochastic, readout, noise)?
            .into_iter()
            .map(|tries| tries.into_iter().map(Result::ok).collect())
            .collect())
    }

    /// [`decode_repeated`](Self::decode_repeated), saying for each try without a cell why
    /// the decoder's output is not one.
    pub fn decode_repeated_checked(
        &self,
        z: &Tensor<2>,
        times: usize,
        stochastic: bool,
        readout: Readout,
        noise: &mut Noise,
    ) -> Result<Vec<Vec<Result<Cell, SpaceError>>>, ModelError> {
        let b = z.dims()[0];
        let mut out = vec![Vec::with_capacity(times); b];
        if times == 0 || b == 0 {
            return Ok(out);
        }
        let tiled = Tensor::cat(vec![z.clone(); times], 0);
        let cells = self.decode_checked(&tiled, stochastic, readout, noise)?;
        if cells.len() != b * times {
            return Err(ModelError::DecodedCount {
                cells: cells.len(),
                points: b * times,
            });
        }
        // Row r of copy t is cells[t * b + r].
        for (k, cell) in cells.into_iter().enumerate() {
            out[k % b].push(cell);
        }
        Ok(out)
    }

    /// Like `decode_with`, drawing the stochastic choices from `noise` (a seeded generator
    /// keeps decodings on several threads reproducible).
    pub fn decode_drawing(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        readout: Readout,
        noise: &mut Noise,
    ) -> Result<Vec<Option<Cell>>, ModelError> {
        Ok(self
            .decode_checked(z, stochastic, readout, noise)?
            .into_iter()
            .map(Result::ok)
            .collect())
    }

    /// [`decode_drawing`](Self::decode_drawing), with the reason where a point decodes to no
    /// cell.
    pub fn decode_checked(
        &self,
        z: &Tensor<2>,
        stochastic: bool,
        readout: Readout,
        noise: &mut Noise,
    ) -> Result<Vec<Result<Cell, SpaceError>>, ModelError> {
        Ok(match self {
            GraphVae::Svge(m) => m
                .decode(z, stochastic, noise)?
                .into_iter()
                .map(|(f, b)| match readout {
                    Readout::Union => union_checked(f.forward_checked(), b.backward_checked()),
                    Readout::Forward => f.forward_checked(),
                    Readout::Backward => b.backward_checked(),
                })
                .collect(),
            GraphVae::Dgmg(m) => m
                .decode(z, stochastic, noise)?
                .into_iter()
                .map(|g| g.forward_checked())
                .collect(),
            GraphVae::Dvae(m) => m
                .decode(z, stochastic, noise)?
                .into_iter()
                .map(|g| g.forward_checked())
                .collect(),
            GraphVae::Sequence(m) => m
                .decode(z, stochastic, noise)?
                .into_iter()
                .map(|g| g.forward_checked())
                .collect(),
            GraphVae::Arch2vec(m) => m.decode(z)?.iter().map(|g| m.read(g)).collect(),
        })
    }

    pub fn latent(&self) -> usize {
        match self {
            GraphVae::Svge(m) => m.latent(),
            GraphVae::Dgmg(m) => m.latent(),
            GraphVae::Dvae(m) => m.latent(),
            GraphVae::Sequence(m) => m.latent(),
            GraphVae::Arch2vec(m) => m.latent(),
        }
    }

    /// Starts this model from another one's operation embedding (no-op without one).
    pub fn set_op_embedding(&mut self, table: Tensor<2>) {
        if let GraphVae::Dvae(m) = self {
            m.set_op_embedding(table);
        }
    }

    /// The learned operation embedding table, [types, d], for the *-EMB models.
    pub fn op_embedding(&self) -> Option<Tensor<2>> {
        match self {
            GraphVae::Dvae(m) => m.op_embedding(),
            GraphVae::Svge(_)
            | GraphVae::Dgmg(_)
            | GraphVae::Sequence(_)
            | GraphVae::Arch2vec(_) => None,
        }
    }
}

/// KL(q(z|G) || N(0, I)) per graph, summed over latent dimensions: [B].
pub fn kl_divergence(mu: Tensor<2>, logvar: Tensor<2>) -> Tensor<1> {
    let terms = logvar.clone() + 1.0 - mu.powi_scalar(2) - logvar.exp();
    terms.sum_dim(1).squeeze_dim::<1>(1) * -0.5
}

/// Samples one category per row of `logits` by the Gumbel-max trick: [B, 1].
pub(crate) fn gumbel_argmax(logits: Tensor<2>, noise: &mut Noise) -> Tensor<2, Int> {
    let dims = logits.dims();
    let u = noise.uniform([dims[0], dims[1]], 1e-10, 1.0, &logits.device());
    let gumbel = u.log().neg().log().neg();
    (logits + gumbel).argmax(1)
}

/// A tensor's values on the host, as `T`: an error (never an empty default) when the backend
/// cannot hand them over.
pub fn tensor_values<T: burn::tensor::Element>(data: TensorData) -> Result<Vec<T>, ModelError> {
    data.convert::<T>()
        .try_to_vec::<T>()
        .map_err(ModelError::Readback)
}

/// Reads decoded types [B, N] and adjacency [B, N, N] back to the host.
pub(crate) fn read_decoded(
    types: Tensor<2, Int>,
    adj: Tensor<3>,
    nodes: usize,
) -> Result<Vec<DecodedGraph>, ModelError> {
    let b = types.dims()[0];
    let types: Vec<i64> = tensor_values(types.into_data())?;
    let adj: Vec<f32> = tensor_values(adj.into_data())?;
    if types.len() != b * nodes || adj.len() != b * nodes * nodes {
        return Err(ModelError::DecodedShape {
            types: types.len(),
            adjacency: adj.len(),
            graphs: b,
            nodes,
        });
    }
    Ok(types
        .chunks(nodes)
        .zip(adj.chunks(nodes * nodes))
        .map(|(t, a)| DecodedGraph {
            types: t.iter().map(|&t| t.clamp(0, 255) as u8).collect(),
            adj: a.iter().map(|&a| a > 0.5).collect(),
            nodes,
        })
        .collect())
}
