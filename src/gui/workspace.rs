//! What the explorer has open: a space's cells, and optionally a trained run with the latent
//! means of every cell and their projections. Built by a background job; the GUI only reads it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::explore::{CellIndex, PcaPlane, embed_dataset};
use crate::model::GraphVae;
use crate::space::SpaceKind;
use crate::train::RunManifest;

use super::colormap::Scale;

/// A trained run and what was computed from it.
pub struct OpenRun {
    pub dir: PathBuf,
    pub manifest: RunManifest,
    pub model: GraphVae,
    /// Latent means, row for row with the data set.
    pub latents: Arc<Vec<Vec<f32>>>,
    pub plane: PcaPlane,
    pub pca: Arc<Vec<[f32; 2]>>,
    pub tsne: Option<Arc<Vec<[f32; 2]>>>,
    /// Sparse-GP predicted accuracy of every cell, once computed.
    pub predicted: Option<Arc<Vec<f64>>>,
    /// The fitted GP, to predict decoded points outside the table.
    pub surrogate: Option<Arc<crate::bo::Surrogate>>,
    /// The learned operation embedding (*-EMB models), one row per node type.
    pub op_embedding: Option<Vec<Vec<f32>>>,
    /// The run's fine-tuned accuracy predictor folder (`cellspace finetune`), looked up once
    /// when the run opens.
    pub predictor: Option<PathBuf>,
}

pub struct Workspace {
    pub space: SpaceKind,
    pub data: Arc<Dataset>,
    pub index: Arc<CellIndex>,
    /// Where the data came from: "bundled" or a file.
    pub source: String,
    pub run: Option<OpenRun>,
    pub device: burn::tensor::Device,
    /// "CPU" or "wgpu: <adapter>".
    pub device_label: String,
    pub device_note: Option<String>,
    pub scale: Scale,
    pub load_seconds: f64,
}

/// What to open.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    pub space: SpaceKind,
    pub run: Option<PathBuf>,
    pub data_file: Option<PathBuf>,
    pub backend: Backend,
}

#[derive(Debug, Clone)]
pub enum LoadEvent {
    Stage { text: String, fraction: f32 },
}

/// Where bundled models are looked for: beside the working directory first, then in the
/// source tree the binary was built from.
fn bundled_bases() -> [PathBuf; 2] {
    [
        PathBuf::from("assets/models"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models"),
    ]
}

/// Every bundled model of a space (run folders whose `run.json` names that space), sorted by
/// folder name, from the first base that has any. A folder with an unreadable `run.json` is
/// left out here; opening it by path reports why.
pub fn bundled_runs(space: SpaceKind) -> Vec<PathBuf> {
    for base in bundled_bases() {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut runs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|dir| RunManifest::read(dir).is_ok_and(|m| m.config.space == space))
            .collect();
        if !runs.is_empty() {
            runs.sort();
            return runs;
        }
    }
    Vec::new()
}

/// The model a space opens with: its bundled SVGe (the flagship of both papers' comparisons),
/// else its first bundled model.
pub fn bundled_run(space: SpaceKind) -> Option<PathBuf> {
    let runs = bundled_runs(space);
    let svge = format!("svge-{}", space.name());
    runs.iter()
        .find(|d| d.file_name().is_some_and(|n| n == svge.as_str()))
        .or(runs.first())
        .cloned()
}

/// Opens data (and a run) as `request` says, reporting stages on `events`.
pub fn load(
    request: &LoadRequest,
    events: &Sender<LoadEvent>,
    cancel: &AtomicBool,
) -> Result<Workspace, String> {
    let started = std::time::Instant::now();
    let stage = |text: &str, fraction: f32| {
        let _ = events.send(LoadEvent::Stage {
            text: text.to_string(),
            fraction,
        });
    };
    let chosen = crate::backend::choose(request.backend);
    let (run_dir, manifest) = match &request.run {
        Some(dir) => {
            let manifest = RunManifest::read(dir)?;
            (Some(dir.clone()), Some(manifest))
        }
        None => (None, None),
    };
    let space = manifest.as_ref().map_or(request.space, |m| m.config.space);
    stage(&format!("loading {space} cells"), 0.05);
    let data = match &request.data_file {
        Some(path) => Dataset::from_file(space, path),
        None => Dataset::bundled(space),
    }
    .map_err(|e| e.to_string())?;
    let source = request
        .data_file
        .as_ref()
        .map_or("bundled".to_string(), |p| p.display().to_string());
    let index = CellIndex::new(&data);
    let scale = Scale::robust(data.records.iter().filter_map(|r| r.accuracy));
    let run = match (run_dir, manifest) {
        (Some(dir), Some(_)) => {
            stage("loading the model", 0.15);
            let (manifest, model) = crate::train::load_run(&dir, &chosen.device)?;
            stage(
                &format!("encoding {} cells on {}", data.len(), chosen.label),
                0.25,
            );
            // The cache is only valid for the bundled table (a user file has other rows).
            let cache = dir.join(format!("latent_means_{}.bin", space.name()));
            let model_file = crate::train::model_file(&dir, &manifest);
            let cache = request
                .data_file
                .is_none()
                .then_some((cache.as_path(), model_file.as_path()));
            let embedding = embed_dataset(&model, &data, &chosen.device, cache, cancel)?;
            crate::jobs::check(cancel)?;
            stage("PCA of the latent means", 0.9);
            let plane = PcaPlane::fit(&embedding.means)?;
            let pca: Vec<[f32; 2]> = plane.project_all(&embedding.means);
            let op_embedding = model.op_embedding().map(|t| {
                let dims = t.dims();
                crate::model::tensor_values::<f32>(t.into_data())
                    .map(|values| values.chunks(dims[1].max(1)).map(|r| r.to_vec()).collect())
            });
            let op_embedding = op_embedding.transpose()?;
            Some(OpenRun {
                predictor: crate::train::finetune::find_predictor(&dir),
                dir,
                manifest,
                model,
                latents: Arc::new(embedding.means),
                plane,
                pca: Arc::new(pca),
                tsne: None,
                predicted: None,
                surrogate: None,
                op_embedding,
            })
        }
        _ => None,
    };
    Ok(Workspace {
        space,
        data: Arc::new(data),
        index: Arc::new(index),
        source,
        run,
        device: chosen.device,
        device_label: chosen.label,
        device_note: chosen.fallback,
        scale,
        load_seconds: started.elapsed().as_secs_f64(),
    })
}
