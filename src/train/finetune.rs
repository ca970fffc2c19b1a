//! Fine-tuning for accuracy prediction with few labels (SVGe paper, Section IV-C, Table II): a
//! trained run's VAE and a four-layer MLP on its posterior mean, trained together on `labels`
//! labelled cells drawn from the training split; the squared error is measured on every
//! labelled cell of the test split.
//!
//! Targets are accuracies as fractions (percent / 100), so the squared errors read in the
//! paper's units. The loss keeps `vae_weight` of the VAE's own loss (reconstruction + β·KL)
//! beside the squared error, so the encoder is not free to fold the latent space that the
//! decoder reads; `--vae-weight 0` trains the encoder and head alone.
//!
//! A fine-tuned predictor is a folder: `predictor.json` (where it came from, its settings and
//! the figures of every run) and `predictor.bpk` (the weights of one run), written under a
//! temporary name and renamed, so a crash never leaves half a predictor.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::TrainError;
use crate::data::Dataset;
use crate::model::{GraphBatch, GraphVae, Noise, Predictor, VaeConfig, tensor_values};
use crate::space::{Cell, SpaceKind};

/// Accuracies are stored in percent; the predictor learns fractions.
pub const TARGET_SCALE: f64 = 100.0;

const PREDICTOR_JSON: &str = "predictor.json";
pub const PREDICTOR_WEIGHTS: &str = "predictor.bpk";

/// How one fine-tuning run trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinetuneConfig {
    /// Labelled training cells drawn (at random, by seed) for each run.
    pub labels: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Share of the VAE's loss in the fine-tuning loss (the rest is the squared error).
    pub vae_weight: f64,
    /// ReduceLROnPlateau on the epoch's loss, as the VAE's training does.
    pub plateau_factor: f64,
    pub plateau_patience: usize,
}

/// The figures of one fine-tuning run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinetuneOutcome {
    pub seed: u64,
    /// Labelled training cells it used (fewer than asked when the split has fewer).
    pub train_cells: usize,
    /// Labelled test cells its squared error is measured on.
    pub test_cells: usize,
    /// Mean squared error on the test cells (fractions squared): the paper's Table II figure.
    pub test_mse: f64,
    /// Pearson correlation of predicted and true test accuracies.
    pub test_pearson: Option<f64>,
    /// Mean squared error of the last epoch on its training cells.
    pub train_mse: f64,
    /// Each epoch's mean fine-tuning loss.
    pub epoch_losses: Vec<f64>,
    pub seconds: f64,
}

/// `predictor.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictorManifest {
    pub format: u32,
    /// The run whose VAE was fine-tuned.
    pub source_run: PathBuf,
    pub space: SpaceKind,
    pub vae: VaeConfig,
    /// What the predictor predicts (the data set's accuracy label, as a fraction).
    pub target: String,
    pub config: FinetuneConfig,
    /// Every run's figures; the weights saved are those of `saved_seed`.
    pub runs: Vec<FinetuneOutcome>,
    pub saved_seed: u64,
}

impl PredictorManifest {
    pub const FORMAT: u32 = 1;

    /// Mean and (population) standard deviation of the runs' test squared errors.
    pub fn mse_mean_std(&self) -> (f64, f64) {
        mean_std(&self.runs.iter().map(|r| r.test_mse).collect::<Vec<_>>())
    }
}

pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The labelled cells of each side of the split, with their targets as fractions.
pub struct LabelledCells<'a> {
    pub train: Vec<(&'a Cell, f32)>,
    pub test: Vec<(&'a Cell, f32)>,
}

impl<'a> LabelledCells<'a> {
    pub fn of(data: &'a Dataset) -> Self {
        let labelled = |r: &'a crate::data::Record| {
            r.accuracy
                .filter(|a| a.is_finite())
                .map(|a| (&r.cell, (a / TARGET_SCALE) as f32))
        };
        Self {
            train: data.train().filter_map(labelled).collect(),
            test: data.test().filter_map(labelled).collect(),
        }
    }
}

/// Predicted targets (fractions) of `cells`, in order; chunks run on every CPU thread.
pub fn predict_cells(
    predictor: &Predictor,
    cells: &[&Cell],
    space: SpaceKind,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<Vec<f32>, TrainError> {
    const CHUNK: usize = 256;
    let chunks: Vec<&[&Cell]> = cells.chunks(CHUNK).collect();
    let results = crate::threads::map_ordered(
        crate::threads::workers_for(device),
        &chunks,
        |chunk| -> Result<Vec<f32>, TrainError> {
            crate::jobs::check(cancel)?;
            let batch = GraphBatch::new(chunk, GraphBatch::nodes_for(chunk, space), device);
            let values = tensor_values::<f32>(predictor.predict(&batch).into_data())?;
            if values.len() != chunk.len() {
                return Err(TrainError::PredictedCount {
                    values: values.len(),
                    cells: chunk.len(),
                });
            }
            Ok(values)
        },
    );
    let mut out = Vec::with_capacity(cells.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Mean squared error and Pearson r of `predictor` on `cells`.
fn score(
    predictor: &Predictor,
    cells: &[(&Cell, f32)],
    space: SpaceKind,
    device: &Device,
    cancel: &AtomicBool,
) -> Result<(f64, Option<f64>), TrainError> {
    let just: Vec<&Cell> = cells.iter().map(|(c, _)| *c).collect();
    let predicted = predict_cells(predictor, &just, space, device, cancel)?;
    let truth: Vec<f64> = cells.iter().map(|(_, t)| *t as f64).collect();
    let predicted: Vec<f64> = predicted.iter().map(|&p| p as f64).collect();
    let mse = truth
        .iter()
        .zip(&predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum::<f64>()
        / truth.len().max(1) as f64;
    Ok((mse, crate::space::properties::pearson(&predicted, &truth)))
}

/// A predictor to fine-tune: the source VAE (weights as given) and a fresh head drawn from
/// `seed`. Built on the calling thread, so that several runs started in turn draw their heads
/// in a fixed order from Burn's one generator.
pub fn start_predictor(vae: GraphVae, seed: u64, device: &Device) -> Predictor {
    device.seed(seed);
    Predictor::new(vae, device)
}

/// One fine-tuning run of `predictor` (on an autodiff device): `labelled.train` shuffled by
/// `seed`, the first `config.labels` cells trained on. Returns the trained predictor on the
/// plain device and its figures. `progress` hears (epoch, loss) after every epoch.
#[allow(clippy::too_many_arguments)]
pub fn finetune(
    mut predictor: Predictor,
    train_device: &Device,
    vae_config: &VaeConfig,
    space: SpaceKind,
    labelled: &LabelledCells,
    config: &FinetuneConfig,
    seed: u64,
    cancel: &AtomicBool,
    progress: &(dyn Fn(usize, f64) + Sync),
) -> Result<(Predictor, FinetuneOutcome), TrainError> {
    let started = std::time::Instant::now();
    check_config(config)?;
    let pool = draw_training_cells(labelled, config.labels, seed)?;
    let device = train_device.clone().without_autodiff();
    let run = FinetuneRun {
        train_device,
        vae_config,
        config,
        seed,
        cancel,
        nodes: space.max_nodes(),
        latent: predictor.vae.latent(),
    };
    let mut optimizer = AdamConfig::new().init();
    let mut lr = config.learning_rate;
    let mut plateau = Plateau::default();
    let mut epoch_losses = Vec::with_capacity(config.epochs);
    let mut train_mse = f64::NAN;
    for epoch in 0..config.epochs {
        let (stepped, sums) = run.epoch(predictor, &mut optimizer, &pool, epoch, lr)?;
        predictor = stepped;
        let mean = sums.loss / pool.len() as f64;
        train_mse = sums.squared_error / pool.len() as f64;
        epoch_losses.push(mean);
        progress(epoch, mean);
        lr = plateau.next_rate(mean, lr, config);
    }
    let trained = predictor.valid();
    let (test_mse, test_pearson) = score(&trained, &labelled.test, space, &device, cancel)?;
    Ok((
        trained,
        FinetuneOutcome {
            seed,
            train_cells: pool.len(),
            test_cells: labelled.test.len(),
            test_mse,
            test_pearson,
            train_mse,
            epoch_losses,
            seconds: started.elapsed().as_secs_f64(),
        },
    ))
}

/// Refuses settings that cannot train: no labels, epochs or batch, or a VAE share of the
/// loss outside `0..1`.
fn check_config(config: &FinetuneConfig) -> Result<(), TrainError> {
    if config.labels == 0 || config.epochs == 0 || config.batch_size == 0 {
        return Err(TrainError::FinetuneZero);
    }
    if !(0.0..1.0).contains(&config.vae_weight) {
        return Err(TrainError::VaeWeight {
            weight: config.vae_weight,
        });
    }
    Ok(())
}

/// The labelled training cells one run trains on: `labels` of them, drawn by `seed`. Fails
/// when either side of the split has no labelled cell.
pub fn draw_training_cells<'a>(
    labelled: &LabelledCells<'a>,
    labels: usize,
    seed: u64,
) -> Result<Vec<(&'a Cell, f32)>, TrainError> {
    let mut pool = labelled.train.clone();
    pool.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    pool.truncate(labels);
    if pool.is_empty() {
        return Err(TrainError::NoLabelledCells { split: "training" });
    }
    if labelled.test.is_empty() {
        return Err(TrainError::NoLabelledCells { split: "test" });
    }
    Ok(pool)
}

/// ReduceLROnPlateau on the epoch's mean loss.
struct Plateau {
    best: f64,
    /// Epochs since the loss last improved (since the last cut).
    bad: usize,
}

impl Default for Plateau {
    fn default() -> Self {
        Self {
            best: f64::INFINITY,
            bad: 0,
        }
    }
}

impl Plateau {
    /// The learning rate for the next epoch after one with mean loss `mean` at rate `lr`:
    /// cut by `plateau_factor` once the loss has not improved for more than
    /// `plateau_patience` epochs.
    fn next_rate(&mut self, mean: f64, lr: f64, config: &FinetuneConfig) -> f64 {
        if mean < self.best {
            (self.best, self.bad) = (mean, 0);
        } else {
            self.bad += 1;
            if self.bad > config.plateau_patience {
                self.bad = 0;
                return lr * config.plateau_factor;
            }
        }
        lr
    }
}

/// Summed over an epoch's cells: the fine-tuning loss and the squared error alone.
struct EpochSums {
    loss: f64,
    squared_error: f64,
}

/// What every epoch of one fine-tuning run shares.
struct FinetuneRun<'a> {
    train_device: &'a Device,
    vae_config: &'a VaeConfig,
    config: &'a FinetuneConfig,
    seed: u64,
    cancel: &'a AtomicBool,
    /// Nodes per graph of the space.
    nodes: usize,
    latent: usize,
}

impl FinetuneRun<'_> {
    /// One epoch over `pool`, in an order and with noise drawn from the run's seed and the
    /// epoch: the predictor after one optimizer step per batch, and the epoch's sums. Fails
    /// on cancel and when the loss stops being finite.
    fn epoch(
        &self,
        mut predictor: Predictor,
        optimizer: &mut burn::optim::ModuleOptimizer,
        pool: &[(&Cell, f32)],
        epoch: usize,
        lr: f64,
    ) -> Result<(Predictor, EpochSums), TrainError> {
        let (seed, device) = (self.seed, self.train_device);
        let mut order = pool.to_vec();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(
            crate::model::noise::piece_seed(seed, epoch as u64),
        ));
        let mut noise = Noise::seeded(crate::model::noise::piece_seed(seed ^ 0xf1e7, epoch as u64));
        let mut sums = EpochSums {
            loss: 0.0,
            squared_error: 0.0,
        };
        for batch in order.chunks(self.config.batch_size) {
            crate::jobs::check(self.cancel)?;
            let cells: Vec<&Cell> = batch.iter().map(|(c, _)| *c).collect();
            let targets: Vec<f32> = batch.iter().map(|(_, t)| *t).collect();
            let n = cells.len();
            let graphs = GraphBatch::new(&cells, self.nodes, device);
            let targets = Tensor::<1>::from_data(TensorData::new(targets, [n]), device);
            let eps = noise.normal([n, self.latent], device);
            let parts = predictor.loss(
                &graphs,
                targets,
                eps,
                self.config.vae_weight,
                self.vae_config.kl_weight,
                self.vae_config.noise_scale,
            );
            let loss = parts.total.clone().into_scalar::<f32>() as f64;
            let se = parts.squared_error.clone().into_scalar::<f32>() as f64;
            if !loss.is_finite() {
                return Err(TrainError::FinetuneDiverged {
                    loss,
                    epoch,
                    learning_rate: lr,
                });
            }
            sums.loss += loss * n as f64;
            sums.squared_error += se * n as f64;
            let grads = GradientsParams::from_grads(parts.total.backward(), &predictor);
            predictor = optimizer.step(lr, predictor, grads);
        }
        Ok((predictor, sums))
    }
}

/// Writes a predictor folder (created if needed): weights first, under a temporary name,
/// then the manifest, each renamed into place.
pub fn save_predictor(
    dir: &Path,
    predictor: &Predictor,
    manifest: &PredictorManifest,
) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| TrainError::io(dir, "create", e))?;
    let partial = dir.join("predictor.partial.bpk");
    predictor
        .clone()
        .save_file(&partial)
        .map_err(|error| TrainError::Save {
            path: partial.clone(),
            what: "predictor",
            error,
        })?;
    let weights = dir.join(PREDICTOR_WEIGHTS);
    std::fs::rename(&partial, &weights).map_err(|e| TrainError::io(&partial, "rename", e))?;
    let text = serde_json::to_string_pretty(manifest).map_err(|error| TrainError::Serialise {
        file: PREDICTOR_JSON.into(),
        error,
    })?;
    let tmp = dir.join("predictor.partial.json");
    std::fs::write(&tmp, text + "\n").map_err(|e| TrainError::io(&tmp, "write", e))?;
    let path = dir.join(PREDICTOR_JSON);
    std::fs::rename(&tmp, &path).map_err(|e| TrainError::io(&tmp, "rename", e))
}

/// Whether `dir` holds a fine-tuned predictor.
pub fn is_predictor(dir: &Path) -> bool {
    dir.join(PREDICTOR_JSON).is_file()
}

/// Reads a predictor folder onto `device`.
pub fn load_predictor(
    dir: &Path,
    device: &Device,
) -> Result<(PredictorManifest, Predictor), TrainError> {
    let path = dir.join(PREDICTOR_JSON);
    let text = std::fs::read_to_string(&path).map_err(|error| TrainError::NoPredictor {
        path: path.clone(),
        dir: dir.to_path_buf(),
        error,
    })?;
    let manifest: PredictorManifest =
        serde_json::from_str(&text).map_err(|error| TrainError::NotPredictor {
            path: path.clone(),
            error,
        })?;
    if manifest.format != PredictorManifest::FORMAT {
        return Err(TrainError::PredictorFormat {
            path,
            format: manifest.format,
        });
    }
    manifest
        .vae
        .check()
        .map_err(|error| TrainError::PredictorSettings {
            path: path.clone(),
            error,
        })?;
    let vae = GraphVae::new(&manifest.vae, manifest.space, device);
    let empty = Predictor::new(vae, device);
    let weights = dir.join(PREDICTOR_WEIGHTS);
    let predictor = super::half::load_any_precision(empty, &weights).map_err(|e| {
        TrainError::PredictorWeights {
            weights: weights.clone(),
            path: path.clone(),
            model: manifest.vae.model.name(),
            space: manifest.space,
            detail: e.to_string().lines().next().unwrap_or("").to_string(),
        }
    })?;
    Ok((manifest, predictor))
}

/// The predictor folder inside a run folder: `finetune-1000` (the paper's Table II setting that
/// its extrapolation used) when it exists, else the first `finetune-*` by name.
pub fn find_predictor(run: &Path) -> Option<PathBuf> {
    let preferred = run.join("finetune-1000");
    if is_predictor(&preferred) {
        return Some(preferred);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(run)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("finetune-"))
                && is_predictor(p)
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// A predictor as BO's estimator: a cell's predicted accuracy (%), or `None` when it cannot be
/// encoded.
pub fn estimator<'a>(
    predictor: &'a Predictor,
    space: SpaceKind,
    device: &'a Device,
) -> impl Fn(&Cell) -> Option<f64> + Sync + 'a {
    move |cell: &Cell| {
        let never = AtomicBool::new(false);
        predict_cells(predictor, &[cell], space, device, &never)
            .ok()
            .and_then(|v| v.first().map(|&p| p as f64 * TARGET_SCALE))
    }
}
