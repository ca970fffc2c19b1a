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
