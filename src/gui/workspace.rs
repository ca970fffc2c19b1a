//! What the explorer has open: a space's cells, and optionally a trained run with the latent
//! means of every cell and their projections. Built by a background job; the GUI only reads it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::explore::PcaPlane;
use crate::latent::CellIndex;
use crate::run::Run;
use crate::space::SpaceKind;
use crate::train::RunManifest;

use super::colormap::Scale;
use super::tasks::TaskError;

/// A trained run and what the explorer computed from it.
pub struct OpenRun {
    /// The run folder, its manifest and model.
    pub run: Run,
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

/// Opens data (and a run) as `request` says, reporting stages on `events`.
pub fn load(
    request: &LoadRequest,
    events: &Sender<LoadEvent>,
    cancel: &AtomicBool,
) -> Result<Workspace, TaskError> {
    let started = std::time::Instant::now();
    let stage = |text: &str, fraction: f32| {
        let _ = events.send(LoadEvent::Stage {
            text: text.to_string(),
            fraction,
        });
    };
    let chosen = crate::backend::choose(request.backend);
    let run_dir = request.run.clone();
    // The run decides the space; its manifest is read first so a bad folder fails fast.
    let space = match &run_dir {
        Some(dir) => RunManifest::read(dir)?.config.space,
        None => request.space,
    };
    stage(&format!("loading {space} cells"), 0.05);
    let data = match &request.data_file {
        Some(path) => Dataset::from_file(space, path),
        None => Dataset::bundled(space),
    }?;
    let source = request
        .data_file
        .as_ref()
        .map_or("bundled".to_string(), |p| p.display().to_string());
    let index = CellIndex::new(&data);
    let scale = Scale::robust(data.records.iter().filter_map(|r| r.accuracy));
    let run = match run_dir {
        Some(dir) => {
            stage("loading the model", 0.15);
            let run = Run::open(&dir, &chosen.device)?;
            stage(
                &format!("encoding {} cells on {}", data.len(), chosen.label),
                0.25,
            );
            let embedding = run.latents(&data, cancel)?;
            crate::jobs::check(cancel)?;
            stage("PCA of the latent means", 0.9);
            let plane = PcaPlane::fit(&embedding.means)?;
            let pca: Vec<[f32; 2]> = plane.project_all(&embedding.means);
            Some(OpenRun {
                predictor: run.predictor(),
                op_embedding: run.op_embedding()?,
                run,
                latents: Arc::new(embedding.means),
                plane,
                pca: Arc::new(pca),
                tsne: None,
                predicted: None,
                surrogate: None,
            })
        }
        None => None,
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
