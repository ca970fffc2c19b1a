//! Model sizes against the public reference code (../shared/design/REFERENCE.md).

use burn::module::Module;
use burn::tensor::Device;
use cellspace::model::{GraphVae, ModelKind, VaeConfig};
use cellspace::space::SpaceKind;

fn parameters(model: ModelKind) -> usize {
    GraphVae::new(&VaeConfig::paper(model), SpaceKind::Enas, &Device::flex()).num_params()
}

#[test]
fn svge_on_enas_has_the_reference_parameter_count() {
    assert_eq!(parameters(ModelKind::Svge), 2_246_417);
}

#[test]
fn dvae_on_enas_matches_the_reference_without_its_unused_layer() {
    // The reference D-VAE counts 6,937,969 parameters, including `hv_unify`, a 1002 -> 501
    // linear layer it never uses (1002 * 501 + 501 = 502,503 parameters).
    assert_eq!(parameters(ModelKind::Dvae), 6_937_969 - 502_503);
}

#[test]
fn dvae_emb_on_enas_matches_the_reference_without_its_unused_layer() {
    // The reference DVAE_EMB (bidirectional, as the ENAS command runs it) counts 6,915,448,
    // with the same unused 1002 -> 501 `hv_unify` layer.
    assert_eq!(parameters(ModelKind::DvaeEmb), 6_915_448 - 502_503);
}

#[test]
fn gcn_emb_on_enas_matches_the_reference_without_its_unused_layers() {
    // The reference DVAE_GCN_EMB counts 6,415,450. It inherits from DVAE_EMB four layers that
    // its forward pass never calls: the GRU encoder cells `grue_forward` and `grue_backward`
    // (GRUCell(3, 501): 760,518 each; the GCN replaces that encoder) and the backward decoder
    // networks `gate_backward` (509 -> 501: 255,510) and `mapper_backward` (509 -> 501 without
    // bias: 255,009; decoding only runs forward). Every layer it uses has the same size here.
    let unused = 2 * 760_518 + 255_510 + 255_009;
    assert_eq!(parameters(ModelKind::GcnEmb), 6_415_450 - unused);
    assert_eq!(parameters(ModelKind::GcnEmb), 4_383_895);
}

#[test]
fn gcn_on_enas_matches_the_reference_without_its_unused_layers() {
    // The reference DVAE_GCN (muhanzhang/D-VAE, not bidirectional, as its ENAS command runs
    // it) counts 6,440,476. It inherits from DVAE the GRU encoder cells `grue_forward` and
    // `grue_backward` (GRUCell(8, 501): 768,033 each) and the backward networks `gate_backward`
    // (509 -> 501: 255,510) and `mapper_backward` (255,009), which its forward pass never calls.
    let unused = 2 * 768_033 + 255_510 + 255_009;
    assert_eq!(parameters(ModelKind::Gcn), 6_440_476 - unused);
}

#[test]
fn svae_on_enas_has_the_reference_parameter_count() {
    // The reference SVAE: GRU(15, 501) encoder, GRU(501, 501) decoder, 501 -> 501 -> 8 types
    // and 501 -> 501 -> 7 sources; every layer is used.
    assert_eq!(parameters(ModelKind::Svae), 2_882_881);
}

#[test]
fn graphrnn_on_enas_matches_the_reference_without_its_unused_layer() {
    // The reference SVAE_GraphRNN counts 3,161,939, including the one-shot edge network
    // `add_edges` (501 -> 501 -> 7: 255,016) it inherits from SVAE and never calls.
    assert_eq!(parameters(ModelKind::Graphrnn), 3_161_939 - 255_016);
}

#[test]
fn dgmg_has_the_reference_parameter_count_on_every_space() {
    // The reference DGMG of automl/SVGe (`models/DGMG.py`, node state 250, latent 56): per
    // message-passing layer two Linear(500 -> 500) (along and against the edges) and a
    // GRUCell(500, 250), 1,065,000 parameters; two layers in the encoder and two in the
    // generator. The spaces differ in their number of node types (8, 5, 7).
    let on = |space| {
        GraphVae::new(&VaeConfig::paper(ModelKind::Dgmg), space, &Device::flex()).num_params()
    };
    assert_eq!(on(SpaceKind::Enas), 4_874_417);
    assert_eq!(on(SpaceKind::Nb101), 4_872_746);
    assert_eq!(on(SpaceKind::Nb201), 4_873_860);
}

#[test]
fn arch2vec_has_the_reference_parameter_count_on_nb101_and_nb201() {
    // arch2vec's `Model` (AIoT-MLSys-Lab/arch2vec, configuration 4: 5 hops = 4 GIN layers,
    // state 128, 16 latent dimensions per node), counted from its shapes: 4 learnable eps;
    // per layer a two-layer MLP (input -> 128 -> 128, batch norm between) and a batch norm
    // after it; the mean and log-std heads (128 -> 16 each); the type decoder (16 -> types).
    let on = |space| {
        GraphVae::new(
            &VaeConfig::paper(ModelKind::Arch2vec),
            space,
            &Device::flex(),
        )
        .num_params()
    };
    let layers = |types: usize| {
        (types * 128 + 128 + 256 + 128 * 128 + 128 + 256) + 3 * (2 * (128 * 128 + 128) + 2 * 256)
    };
    let rest = |types: usize| 4 + 2 * (128 * 16 + 16) + (16 * types + types);
    assert_eq!(layers(5) + rest(5), 122_617);
    // Burn counts each batch norm's running mean and variance (2 x 128; 8 batch norms) with
    // the parameters; PyTorch keeps them as buffers.
    let running = 8 * 2 * 128;
    assert_eq!(on(SpaceKind::Nb101), 122_617 + running);
    assert_eq!(on(SpaceKind::Nb201), layers(7) + rest(7) + running);
}
