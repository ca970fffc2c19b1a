//! Weights stored in half precision. A bundled model is part of the repository's history for
//! good, so its parameters are kept as f16, half the bytes; every loader reads a file of either
//! precision into the f32 model by casting each tensor on load. Training checkpoints stay f32
//! (Adam's small steps would vanish in f16 rounding).

use std::path::Path;

use burn::module::{Module, ModuleMapper, Param};
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::{FloatDType, Tensor};

/// Casts every float parameter to f16.
struct ToHalf;

impl ModuleMapper for ToHalf {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.cast(FloatDType::F16))
    }
}

/// Writes `module`'s parameters to `path` in f16.
pub fn save_half<M: Module>(module: &M, path: &Path) -> Result<(), RecordError> {
    module.clone().map(&mut ToHalf).save_file(path)
}

/// Reads weights of any float precision from `path` into `module`, cast to its own precision.
pub fn load_any_precision<M: Module>(module: M, path: &Path) -> Result<M, RecordError> {
    let record = ModuleRecord::load(path)?.cast_to_module_dtype();
    module.try_load_record(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GraphBatch, GraphVae, ModelKind, VaeConfig};
    use crate::space::{Cell, SpaceKind};
    use burn::tensor::Device;

    /// A half-precision file is about half the size, loads into an f32 model, and encodes
    /// within f16's rounding of the original.
    #[test]
    fn half_weights_load_into_the_f32_model_close_to_the_original() {
        let device = Device::flex();
        let mut config = VaeConfig::paper(ModelKind::Svge);
        config.hidden = 32;
        let model = GraphVae::new(&config, SpaceKind::Enas, &device);
        let dir = tempfile::tempdir().unwrap();
        let (full, half) = (dir.path().join("full.bpk"), dir.path().join("half.bpk"));
        model.clone().save_file(&full).unwrap();
        save_half(&model, &half).unwrap();
        let size = |p: &Path| std::fs::metadata(p).unwrap().len() as f64;
        let ratio = size(&half) / size(&full);
        assert!((0.45..0.6).contains(&ratio), "half / full = {ratio}");

        let fresh = || GraphVae::new(&config, SpaceKind::Enas, &device);
        let from_full = load_any_precision(fresh(), &full).unwrap();
        let from_half = load_any_precision(fresh(), &half).unwrap();
        let data = crate::data::Dataset::bundled(SpaceKind::Enas).unwrap();
        let cells: Vec<&Cell> = data.records.iter().take(8).map(|r| &r.cell).collect();
        let encode = |m: &GraphVae| {
            let batch = GraphBatch::new(&cells, SpaceKind::Enas.max_nodes(), &device);
            m.encode(&batch).0.into_data().try_to_vec::<f32>().unwrap()
        };
        let (a, b, c) = (encode(&model), encode(&from_full), encode(&from_half));
        assert_eq!(a, b);
        let worst = a
            .iter()
            .zip(&c)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        let scale = a.iter().map(|x| x.abs()).fold(0f32, f32::max);
        assert!(
            worst > 0.0 && worst < 1e-2 * scale.max(1.0),
            "{worst} of {scale}"
        );
    }
}
