//! Checkpoints: the model's parameters and the optimizer state as Burn records, in one folder
//! per epoch (`epoch-0012/model.bpk`, `optimizer.bpk`) that `run.json` names.
//!
//! Why a folder and a pointer: weights, optimizer state and manifest must become current
//! together. An epoch's folder is written in full under a temporary name, flushed and renamed;
//! only then is `run.json` (which names the folder and holds the epoch's metrics and the
//! learning-rate schedule) replaced by one rename. A crash before that rename leaves the
//! previous epoch current and intact; older folders are removed only after it.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;

use super::manifest::sync_dir;
use super::{RunManifest, TrainError};
use crate::model::GraphVae;

const MODEL_FILE: &str = "model.bpk";
const OPTIMIZER_FILE: &str = "optimizer.bpk";
const EPOCH_PREFIX: &str = "epoch-";
const PARTIAL_SUFFIX: &str = ".partial";

/// The folder holding the checkpoint `manifest` names (format 1: the run folder itself).
fn checkpoint_dir(dir: &Path, manifest: &RunManifest) -> PathBuf {
    match &manifest.checkpoint {
        Some(name) => dir.join(name),
        None => dir.to_path_buf(),
    }
}

/// The weights file of a run's current checkpoint.
pub fn model_file(dir: &Path, manifest: &RunManifest) -> PathBuf {
    checkpoint_dir(dir, manifest).join(MODEL_FILE)
}

/// Writes the model and optimizer of `manifest`'s last epoch and makes them current together
/// with `manifest` (updated to name the new folder). On error the previous checkpoint stays
/// current and `manifest` is unchanged.
pub(super) fn commit(
    dir: &Path,
    model: &GraphVae,
    optimizer: &burn::optim::ModuleOptimizer,
    manifest: &mut RunManifest,
) -> Result<(), TrainError> {
    let name = format!("{EPOCH_PREFIX}{:04}", manifest.completed_epochs());
    let partial = dir.join(format!("{name}{PARTIAL_SUFFIX}"));
    let done = dir.join(&name);
    let io = |what: &'static str, p: &Path, e: std::io::Error| TrainError::io(p, what, e);
    // Leftovers of an attempt that crashed before its manifest was written.
    for stale in [&partial, &done] {
        if stale.exists() && manifest.checkpoint.as_deref() != Some(name.as_str()) {
            std::fs::remove_dir_all(stale).map_err(|e| io("remove", stale, e))?;
        }
    }
    std::fs::create_dir_all(&partial).map_err(|e| io("create", &partial, e))?;
    let model_path = partial.join(MODEL_FILE);
    model
        .clone()
        .save_file(&model_path)
        .map_err(|error| TrainError::Save {
            path: model_path.clone(),
            what: "model",
            error,
        })?;
    test_pause();
    let optim_path = partial.join(OPTIMIZER_FILE);
    optimizer
        .save(&optim_path)
        .map_err(|error| TrainError::Save {
            path: optim_path.clone(),
            what: "optimizer",
            error,
        })?;
    for file in [&model_path, &optim_path] {
        std::fs::File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("flush", file, e))?;
    }
    sync_dir(&partial);
    std::fs::rename(&partial, &done).map_err(|e| io("rename", &partial, e))?;
    sync_dir(dir);

    test_pause();
    let previous = (manifest.format, manifest.checkpoint.clone());
    manifest.format = RunManifest::FORMAT;
    manifest.checkpoint = Some(name.clone());
    if let Err(e) = manifest.write(dir) {
        (manifest.format, manifest.checkpoint) = previous;
        return Err(io("write the manifest", dir, e));
    }
    remove_old_checkpoints(dir, &name);
    Ok(())
}

/// Widens the windows between a checkpoint's writes by `CELLSPACE_CHECKPOINT_PAUSE_MS`, so the
/// kill-and-resume test (`tests/kill_resume.rs`) can land its kills inside them.
fn test_pause() {
    if let Some(ms) = std::env::var("CELLSPACE_CHECKPOINT_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Removes every checkpoint but `keep` (and a format-1 run's loose files), best effort: a file
/// left behind wastes space but is never read.
fn remove_old_checkpoints(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with(EPOCH_PREFIX) && name != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    for loose in [
        MODEL_FILE,
        OPTIMIZER_FILE,
        "model.tmp.bpk",
        "optimizer.tmp.bpk",
    ] {
        let _ = std::fs::remove_file(dir.join(loose));
    }
}

/// The model of a run folder, on `device`.
pub fn load_model(
    dir: &Path,
    manifest: &RunManifest,
    device: &Device,
) -> Result<GraphVae, TrainError> {
    let model = GraphVae::new(&manifest.config.vae, manifest.config.space, device);
    let path = model_file(dir, manifest);
    if !path.exists() {
        return Err(TrainError::NoCheckpoint { path });
    }
    let parameters = model.num_params();
    super::half::load_any_precision(model, &path).map_err(|e| {
        let vae = &manifest.config.vae;
        TrainError::CheckpointMismatch {
            path: path.clone(),
            model: vae.model.name(),
            space: manifest.config.space,
            hidden: vae.hidden,
            latent: vae.latent,
            parameters,
            detail: first_line(&e.to_string()),
        }
    })
}

/// The first line of a (possibly long) error, shortened.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

/// Manifest and model of a run folder.
pub fn load_run(dir: &Path, device: &Device) -> Result<(RunManifest, GraphVae), TrainError> {
    let manifest = RunManifest::read(dir)?;
    let model = load_model(dir, &manifest, device)?;
    Ok((manifest, model))
}

pub(super) fn load_optimizer(
    dir: &Path,
    manifest: &RunManifest,
    optimizer: burn::optim::ModuleOptimizer,
) -> Result<burn::optim::ModuleOptimizer, TrainError> {
    let path = checkpoint_dir(dir, manifest).join(OPTIMIZER_FILE);
    if !path.exists() {
        return Err(TrainError::OptimizerMissing { path });
    }
    optimizer
        .load(&path)
        .map_err(|e| TrainError::OptimizerMismatch {
            path: path.clone(),
            detail: first_line(&e.to_string()),
        })
}
