//! Checkpoints: the model's parameters and the optimizer state as Burn records, written
//! beside the manifest so that a run resumes exactly where it stopped.

use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;

use super::RunManifest;
use crate::model::GraphVae;

pub(super) const MODEL_FILE: &str = "model.bpk";
pub(super) const OPTIMIZER_FILE: &str = "optimizer.bpk";

/// Writes model and optimizer under temporary names and renames them, so that a crash while
/// writing leaves the previous checkpoint intact.
pub(super) fn save(
    dir: &Path,
    model: &GraphVae,
    optimizer: &burn::optim::ModuleOptimizer,
) -> Result<(), String> {
    let tmp_model = dir.join("model.tmp.bpk");
    let tmp_optim = dir.join("optimizer.tmp.bpk");
    model
        .clone()
        .save_file(&tmp_model)
        .map_err(|e| format!("cannot save the model: {e}"))?;
    optimizer
        .save(&tmp_optim)
        .map_err(|e| format!("cannot save the optimizer: {e}"))?;
    std::fs::rename(&tmp_model, dir.join(MODEL_FILE)).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp_optim, dir.join(OPTIMIZER_FILE)).map_err(|e| e.to_string())?;
    Ok(())
}

/// The model of a run folder, on `device`.
pub fn load_model(dir: &Path, manifest: &RunManifest, device: &Device) -> Result<GraphVae, String> {
    let model = GraphVae::new(&manifest.config.vae, manifest.config.space, device);
    let path = dir.join(MODEL_FILE);
    if !path.exists() {
        return Err(format!("{}: no checkpoint yet", path.display()));
    }
    model
        .try_load_file(&path)
        .map_err(|e| format!("{}: cannot load the model: {e}", path.display()))
}

/// Manifest and model of a run folder.
pub fn load_run(dir: &Path, device: &Device) -> Result<(RunManifest, GraphVae), String> {
    let manifest = RunManifest::read(dir)?;
    let model = load_model(dir, &manifest, device)?;
    Ok((manifest, model))
}

pub(super) fn load_optimizer(
    dir: &Path,
    optimizer: burn::optim::ModuleOptimizer,
) -> Result<burn::optim::ModuleOptimizer, String> {
    let path = dir.join(OPTIMIZER_FILE);
    optimizer
        .load(&path)
        .map_err(|e| format!("{}: cannot load the optimizer: {e}", path.display()))
}
