//! Every model cellspace knows, in one list. A model is one file under `src/model/` that
//! defines its [`ModelSpec`] (what it is called, how it is built, where the papers use it and
//! what they published), plus one line in [`registry!`] below. The CLI's `--model`, the
//! explorer's picker, `tables`, `bench`, `compare` and `eval` all read this list.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{GraphVae, VaeConfig};
use crate::space::SpaceKind;

/// What the papers published for a model on one space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    pub space: SpaceKind,
    /// The table it is printed in ("SVGe paper, Table I").
    pub table: &'static str,
    /// Reconstruction, validity, uniqueness and novelty (%), where published.
    pub generative: [Option<f64>; 4],
    /// Sparse-GP RMSE and Pearson r on the test split, means of 10 runs (the
    /// operation-embeddings paper's Table 2).
    pub prediction: Option<[f64; 2]>,
    /// Accuracy-prediction MSE (mean, std over 3 runs) of the fine-tuned encoder with
    /// [`TABLE_II_LABELS`] labelled cells (the SVGe paper's Table II).
    pub finetuned: Option<[[f64; 2]; 3]>,
    /// Best accuracy found by BO, test and validation (%, mean of 10 trials; the SVGe paper's
    /// Table III prints both on NB101).
    pub bo: Option<[f64; 2]>,
}

pub const SVGE_TABLE_I: &str = "SVGe paper, Table I";
pub const EMB_TABLES: &str = "Operation-embeddings paper, Tables 1 and 2";
pub const SVGE_TABLE_II: &str = "SVGe paper, Table II";
pub const SVGE_TABLE_III: &str = "SVGe paper, Table III";
/// The labelled-cell counts of the SVGe paper's Table II columns.
pub const TABLE_II_LABELS: [usize; 3] = [1000, 10_000, 100_000];

/// A row of the SVGe paper's Table I: reconstruction, validity, uniqueness, novelty (%).
pub(super) const fn table_i(space: SpaceKind, figures: [f64; 4]) -> Published {
    Published {
        space,
        table: SVGE_TABLE_I,
        generative: [
            Some(figures[0]),
            Some(figures[1]),
            Some(figures[2]),
            Some(figures[3]),
        ],
        prediction: None,
        finetuned: None,
        bo: None,
    }
}

/// A row of the SVGe paper's Table I it leaves without figures (D-VAE on NB201, which it says
/// diverges there): printed with ours alone.
pub(super) const fn table_i_without_figures(space: SpaceKind) -> Published {
    Published {
        space,
        table: SVGE_TABLE_I,
        generative: [None; 4],
        prediction: None,
        finetuned: None,
        bo: None,
    }
}

/// A row of the SVGe paper's Table II (NB101): the MSE (mean, std) of accuracy prediction
/// with 1,000, 10,000 and 100,000 labelled cells.
pub(super) const fn table_ii(mse: [[f64; 2]; 3]) -> Published {
    Published {
        space: SpaceKind::Nb101,
        table: SVGE_TABLE_II,
        generative: [None; 4],
        prediction: None,
        finetuned: Some(mse),
        bo: None,
    }
}

/// A row of the SVGe paper's Table III on NB101: the best test and validation accuracy (%)
/// BO found.
pub(super) const fn table_iii(test: f64, validation: f64) -> Published {
    Published {
        space: SpaceKind::Nb101,
        table: SVGE_TABLE_III,
        generative: [None; 4],
        prediction: None,
        finetuned: None,
        bo: Some([test, validation]),
    }
}

/// A row of the operation-embeddings paper on ENAS: Table 1 (reconstruction, validity,
/// uniqueness, %) and Table 2 (sparse-GP RMSE and Pearson r).
pub(super) const fn emb_tables(generative: [f64; 3], prediction: [f64; 2]) -> Published {
    Published {
        space: SpaceKind::Enas,
        table: EMB_TABLES,
        generative: [
            Some(generative[0]),
            Some(generative[1]),
            Some(generative[2]),
            None,
        ],
        prediction: Some(prediction),
        finetuned: None,
        bo: None,
    }
}

/// One model: how it is named, built and compared.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// The name of `--model`, run folders (`<name>-<space>`) and `run.json`.
    pub name: &'static str,
    /// As the papers write it ("D-VAE").
    pub title: &'static str,
    /// One line: what it is.
    pub about: &'static str,
    /// The node-state size of the papers' settings.
    pub hidden: usize,
    /// Whether it learns an operation embedding (the *-EMB models).
    pub op_embedding: bool,
    /// Whether its decoder has two directions to read cells from (`eval --readout`).
    pub two_sided: bool,
    /// The spaces the papers train it on.
    pub spaces: &'static [SpaceKind],
    /// The papers' figures, one entry per table row.
    pub published: &'static [Published],
    /// The papers' settings where they differ from the shared ones of [`VaeConfig::paper`]
    /// (most models: [`shared`]).
    pub paper: fn(&mut VaeConfig),
    /// How the papers train it on a space.
    pub training: fn(SpaceKind) -> PaperTraining,
    pub build: fn(&VaeConfig, SpaceKind, &Device) -> GraphVae,
}

/// A model trained with the shared settings (latent 56, 2 rounds, KL weight 0.005).
pub(super) fn shared(_: &mut VaeConfig) {}

/// The papers' training schedule for a model on a space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaperTraining {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
}

/// The SVGe and D-VAE codes' schedule: 300 epochs of Adam at 1e-4, batch 32 (128 on NB101).
pub(super) fn shared_training(space: SpaceKind) -> PaperTraining {
    PaperTraining {
        epochs: 300,
        batch_size: if space == SpaceKind::Nb101 { 128 } else { 32 },
        learning_rate: 1e-4,
    }
}

/// Declares the model kinds from the registry's entries: each `Variant = SPEC` line gives a
/// [`ModelKind`] variant (its doc is the `--model` help) and ties it to its spec.
macro_rules! registry {
    ($( $(#[doc = $doc:literal])* $variant:ident = $spec:path ),+ $(,)?) => {
        /// Which graph VAE: one per entry of the registry.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum,
        )]
        #[serde(rename_all = "kebab-case")]
        pub enum ModelKind {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl ModelKind {
            /// Every model, in the registry's order (the order of tables and pickers).
            pub const ALL: &'static [ModelKind] = &[$(ModelKind::$variant),+];

            pub fn spec(self) -> &'static ModelSpec {
                match self {
                    $( ModelKind::$variant => &$spec, )+
                }
            }
        }
    };
}

registry! {
    /// SVGe: two-sided GNN encoder and decoder.
    Svge = super::svge::SVGE,
    /// DGMG-as-VAE: SVGe's ablation, one full-width direction (the SVGe paper's baseline).
    Dgmg = super::dgmg::DGMG,
    /// D-VAE: asynchronous message passing, sequential decoder.
    Dvae = super::dvae::DVAE,
    /// D-VAE with learnable operation embeddings shared by encoder and decoder.
    DvaeEmb = super::dvae::DVAE_EMB,
    /// GCN encoder with learnable operation embeddings and D-VAE's decoder.
    GcnEmb = super::dvae::GCN_EMB,
    /// GCN encoder on one-hot operations and D-VAE's decoder (the control for GCN-EMB).
    Gcn = super::dvae::GCN,
    /// S-VAE: a GRU over the cell as a string of rows (D-VAE's sequence baseline).
    Svae = super::sequence::SVAE,
    /// GraphRNN: S-VAE's encoder, rows and edges decoded one at a time.
    Graphrnn = super::sequence::GRAPHRNN,
    /// arch2vec: GIN encoder, one-shot inner-product decoder, a latent per node.
    Arch2vec = super::arch2vec::ARCH2VEC,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The models the papers train on `space`, in the registry's order.
    pub fn on(space: SpaceKind) -> impl Iterator<Item = ModelKind> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |m| m.spec().spaces.contains(&space))
    }

    /// What the papers published for this model on `space` in `table`, if they did.
    pub fn published(self, space: SpaceKind, table: &str) -> Option<&'static Published> {
        self.spec()
            .published
            .iter()
            .find(|p| p.space == space && p.table == table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name a spec gives is the one `--model` and run.json use.
    #[test]
    fn names_agree_with_the_serialised_kind() {
        for &kind in ModelKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.spec().name, "{kind:?}");
            let parsed = <ModelKind as clap::ValueEnum>::from_str(kind.name(), false);
            assert_eq!(parsed, Ok(kind));
        }
    }

    /// GCN-EMB runs bundled before the decoder's state was a setting keep their decoder.
    #[test]
    fn gcn_emb_runs_from_before_the_decoder_state_read_as_last() {
        use crate::model::DecoderState;
        let mut old = serde_json::to_value(VaeConfig::paper(ModelKind::GcnEmb)).unwrap();
        old.as_object_mut().unwrap().remove("decoder_state");
        let old: VaeConfig = serde_json::from_value(old).unwrap();
        assert_eq!(old.decoder_state, DecoderState::Last);
        let paper = |m| VaeConfig::paper(m).decoder_state;
        assert_eq!(paper(ModelKind::GcnEmb), DecoderState::Sum);
        assert_eq!(paper(ModelKind::Gcn), DecoderState::Sum);
        assert_eq!(paper(ModelKind::Dvae), DecoderState::Last);
    }

    #[test]
    fn every_model_builds_on_its_spaces_with_its_name() {
        let device = Device::flex();
        for &kind in ModelKind::ALL {
            for &space in kind.spec().spaces {
                let config = VaeConfig {
                    hidden: 8,
                    latent: 4,
                    ..VaeConfig::paper(kind)
                };
                let model = (kind.spec().build)(&config, space, &device);
                // arch2vec's latent is one of `latent` per node.
                let per_cell = if kind == ModelKind::Arch2vec {
                    space.max_nodes()
                } else {
                    1
                };
                assert_eq!(model.latent(), 4 * per_cell, "{} on {space}", kind.name());
                assert_eq!(
                    model.op_embedding().is_some(),
                    kind.spec().op_embedding,
                    "{}",
                    kind.name()
                );
            }
            for p in kind.spec().published {
                assert!(kind.spec().spaces.contains(&p.space), "{}", kind.name());
            }
        }
    }
}
