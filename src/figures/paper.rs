//! The papers' figures, made again from the bundled models (`assets/models`) on Burn's CPU
//! backend: what `cellspace figures` writes. Each entry of [`PAPER_FIGURES`] names its file,
//! the paper's figure number and the job that computes it.

use std::path::{Path, PathBuf};

use burn::tensor::Device;

use super::results::{
    Loss, grid_landscape, latent_map, predicted_vs_true, training_curves, walk_cells,
};
use super::{Figure, FigureError, Point, Scatter, Sheet, Size};
use crate::data::Dataset;
use crate::explore::{
    PcaPlane, decoded_grid, flat_net, great_circle_walk, means_above, predict_unlabelled,
};
use crate::jobs::NEVER;
use crate::latent::CellIndex;
use crate::run::Run;
use crate::space::SpaceKind;
use crate::space::properties::{average_path_length, clustering_coefficient, pearson};
use crate::train::snapshots;

/// Where the figures' inputs come from.
pub struct Inputs {
    /// The folder of bundled run folders (`<model>-<space>`).
    pub models: PathBuf,
    /// Where the models run (Burn's CPU backend for `cellspace figures`).
    pub device: Device,
}

/// One figure of a paper (or of cellspace's own, such as the compare sheet), computed.
pub struct Made {
    pub figure: Figure,
    /// What was computed and on what budget, for FIGURES.md.
    pub note: String,
}

/// A figure `cellspace figures` writes: `<name>.png` and `<name>.svg` at `size`.
pub struct PaperFigure {
    pub name: &'static str,
    /// The paper and its figure number ("SVGe, Fig. 2").
    pub paper: &'static str,
    pub size: Size,
    pub make: fn(&Inputs) -> Result<Made, FigureError>,
}

/// Every figure, in the order FIGURES.md lists them.
pub const PAPER_FIGURES: &[PaperFigure] = &[
    PaperFigure {
        name: "svge-fig2-great-circle",
        paper: "SVGe, Fig. 2",
        size: Size::new(1400, 470, 1.0),
        make: great_circle,
    },
    PaperFigure {
        name: "svge-fig3-left-landscape",
        paper: "SVGe, Fig. 3 (left)",
        size: Size::new(620, 520, 1.0),
        make: landscape,
    },
    PaperFigure {
        name: "svge-fig3-right-predictor",
        paper: "SVGe, Fig. 3 (right)",
        size: Size::new(560, 520, 1.0),
        make: predictor,
    },
    PaperFigure {
        name: "emb-fig3-reconstruction",
        paper: "Operation embeddings, Fig. 3",
        size: Size::new(760, 480, 1.0),
        make: |i| curves(i, Loss::Reconstruction),
    },
    PaperFigure {
        name: "emb-fig4-kl",
        paper: "Operation embeddings, Fig. 4",
        size: Size::new(760, 480, 1.0),
        make: |i| curves(i, Loss::Kl),
    },
    PaperFigure {
        name: "emb-fig7-path-length",
        paper: "Operation embeddings, Fig. 7",
        size: Size::new(620, 480, 1.0),
        make: |_| property(Property::PathLength),
    },
    PaperFigure {
        name: "emb-fig8-clustering",
        paper: "Operation embeddings, Fig. 8",
        size: Size::new(620, 480, 1.0),
        make: |_| property(Property::Clustering),
    },
    PaperFigure {
        name: "emb-fig9-dvae-epochs",
        paper: "Operation embeddings, Fig. 9",
        size: Size::new(1500, 400, 1.0),
        make: |i| epochs(i, "dvae-enas", "Fig. 9"),
    },
    PaperFigure {
        name: "emb-fig10-dvae-emb-epochs",
        paper: "Operation embeddings, Fig. 10",
        size: Size::new(1500, 400, 1.0),
        make: |i| epochs(i, "dvae-emb-enas", "Fig. 10"),
    },
    PaperFigure {
        name: "compare-enas",
        paper: "cellspace: every bundled ENAS model",
        size: Size::new(1500, 760, 1.0),
        make: |i| compare_sheet(i, SpaceKind::Enas),
    },
];

/// Any library error, as the figure's data error naming what was read.
fn failed<E: std::fmt::Display>(what: impl std::fmt::Display) -> impl FnOnce(E) -> FigureError {
    move |e| FigureError::Data {
        what: what.to_string(),
        detail: e.to_string(),
    }
}

fn open(inputs: &Inputs, name: &str) -> Result<Run, FigureError> {
    let dir = inputs.models.join(name);
    Run::open(&dir, &inputs.device).map_err(failed(dir.display()))
}

fn bundled(space: SpaceKind) -> Result<Dataset, FigureError> {
    Dataset::bundled(space).map_err(failed(format!("the bundled {space} table")))
}

/// Points of the great circle, and stochastic decodings kept by majority at each.
const CIRCLE_STEPS: usize = 14;
const CIRCLE_ATTEMPTS: usize = 5;

/// SVGe Fig. 2: 14 equidistant points on the great circle through the flat net's latent
/// mean, in a random orthogonal direction (seed 0), decoded.
fn great_circle(inputs: &Inputs) -> Result<Made, FigureError> {
    let run = open(inputs, "svge-nb101")?;
    let data = bundled(SpaceKind::Nb101)?;
    let row = flat_net(&data).ok_or_else(|| FigureError::Data {
        what: "the bundled nb101 table".into(),
        detail: "it has no flat cell".into(),
    })?;
    let cell = &data.records[row].cell;
    let start = crate::latent::latent_means(&run.model, &[cell], data.space, &run.device)
        .map_err(failed(run.dir.display()))?;
    let index = CellIndex::new(&data);
    let decoder = run.decoder(&data, &index, CIRCLE_ATTEMPTS, &NEVER);
    run.device.seed(0);
    let steps = great_circle_walk(&decoder, &start[0], CIRCLE_STEPS, 0)
        .map_err(failed(run.dir.display()))?;
    let title = format!(
        "SVGe Fig. 2: a great circle through the flat net in the latent space of {} ({} points, from step 0)",
        run.name(),
        steps.len()
    );
    Ok(Made {
        figure: walk_cells(&title, data.space, &steps, 7),
        note: format!(
            "{CIRCLE_STEPS} points, majority of {CIRCLE_ATTEMPTS} decodings each, direction seed 0"
        ),
    })
}

/// Side of the decoded grid of Fig. 3 (left), and its half-width on both PCA axes (the paper's).
const GRID: usize = 21;
const GRID_RADIUS: f64 = 0.3;

/// SVGe Fig. 3 (left): the PCA plane of the cells above 75 %, a grid over [-0.3, 0.3]² of it
/// decoded, each point coloured by its decoded cell's accuracy.
fn landscape(inputs: &Inputs) -> Result<Made, FigureError> {
    let run = open(inputs, "svge-nb101")?;
    let data = bundled(SpaceKind::Nb101)?;
    let latents = run
        .latents(&data, &NEVER)
        .map_err(failed(run.dir.display()))?;
    let above = means_above(&data, &latents.means, 75.0);
    let plane = PcaPlane::fit(&above).map_err(failed("the PCA plane"))?;
    let index = CellIndex::new(&data);
    let decoder = run.decoder(&data, &index, 1, &NEVER);
    let (points, distinct) =
        decoded_grid(&decoder, &plane, GRID, GRID_RADIUS).map_err(failed(run.dir.display()))?;
    let predicted = match run.predictor() {
        Some(dir) => {
            predict_unlabelled(&dir, &points, &run.device, &NEVER).map_err(failed(dir.display()))?
        }
        None => Vec::new(),
    };
    let title = format!(
        "SVGe Fig. 3 (left): {}, the plane of the {} cells above 75 %",
        run.name(),
        above.len()
    );
    let known = points.iter().filter(|p| p.accuracy.is_some()).count();
    let guessed = predicted.iter().flatten().count();
    Ok(Made {
        figure: grid_landscape(&title, &points, &predicted),
        note: format!(
            "{GRID}×{GRID} grid over [-{GRID_RADIUS}, {GRID_RADIUS}]², greedy decoding: {distinct} distinct cells, \
             {known} with a known accuracy, {guessed} coloured by the fine-tuned predictor"
        ),
    })
}

/// SVGe Fig. 3 (right): the run's fine-tuned predictor (`cellspace finetune`, kept in the
/// run folder) on the test cells above 80 %.
fn predictor(inputs: &Inputs) -> Result<Made, FigureError> {
    let run = open(inputs, "svge-nb101")?;
    let data = bundled(SpaceKind::Nb101)?;
    let dir = run.predictor().ok_or_else(|| FigureError::Data {
        what: run.dir.display().to_string(),
        detail: "no fine-tuned predictor (cellspace finetune) in the run folder".into(),
    })?;
    let (manifest, model) =
        crate::train::finetune::load_predictor(&dir, &run.device).map_err(failed(dir.display()))?;
    let test: Vec<_> = data
        .test()
        .filter(|r| r.accuracy.is_some_and(|a| a > 80.0))
        .collect();
    let cells: Vec<_> = test.iter().map(|r| &r.cell).collect();
    let predicted =
        crate::train::finetune::predict_cells(&model, &cells, data.space, &run.device, &NEVER)
            .map_err(failed(dir.display()))?;
    let scale = crate::train::finetune::TARGET_SCALE;
    let pairs: Vec<(f64, f64)> = test
        .iter()
        .zip(&predicted)
        .filter_map(|(r, &p)| Some((r.accuracy?, p as f64 * scale)))
        .collect();
    let (t, p): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    let r = pearson(&p, &t).map_or("undefined".into(), |r| format!("{r:.3}"));
    let title = format!(
        "SVGe Fig. 3 (right): {} labels, {} test cells above 80 %, Pearson r {r}",
        manifest.config.labels,
        pairs.len()
    );
    Ok(Made {
        figure: predicted_vs_true(&title, &pairs),
        note: format!("the bundled predictor {}", dir.display()),
    })
}

/// Operation-embeddings Figs. 3-4: D-VAE against DVAE-EMB on ENAS, from their `run.json`.
fn curves(inputs: &Inputs, loss: Loss) -> Result<Made, FigureError> {
    let mut runs = Vec::new();
    for name in ["dvae-enas", "dvae-emb-enas"] {
        let dir = inputs.models.join(name);
        let manifest = crate::train::RunManifest::read(&dir).map_err(failed(dir.display()))?;
        runs.push((name.to_string(), manifest.epochs));
    }
    let borrowed: Vec<(String, &[crate::train::EpochMetrics])> = runs
        .iter()
        .map(|(n, e)| (n.clone(), e.as_slice()))
        .collect();
    let number = match loss {
        Loss::Reconstruction => 3,
        Loss::Kl => 4,
    };
    let title = format!(
        "Operation embeddings Fig. {number}: {} during training (ENAS)",
        loss.name()
    );
    Ok(Made {
        figure: training_curves(&title, &borrowed, loss, true),
        note: "the runs' own epoch history (run.json)".into(),
    })
}

#[derive(Debug, Clone, Copy)]
enum Property {
    PathLength,
    Clustering,
}

/// Operation-embeddings Figs. 7-8: a graph property of every labelled ENAS cell against its
/// accuracy.
fn property(which: Property) -> Result<Made, FigureError> {
    let data = bundled(SpaceKind::Enas)?;
    let (name, number, f): (&str, u32, fn(&crate::space::Cell) -> f64) = match which {
        Property::PathLength => ("average path length", 7, average_path_length),
        Property::Clustering => ("clustering coefficient", 8, clustering_coefficient),
    };
    let labelled: Vec<(f64, f64)> = data
        .records
        .iter()
        .filter_map(|r| Some((f(&r.cell), r.accuracy?)))
        .collect();
    let (xs, ys): (Vec<f64>, Vec<f64>) = labelled.iter().copied().unzip();
    let r = pearson(&xs, &ys).map_or("undefined".into(), |r| format!("{r:+.3}"));
    let points = labelled
        .iter()
        .map(|&(x, y)| Point { x, y, value: None })
        .collect();
    let title = format!(
        "Operation embeddings Fig. {number}: {name} and accuracy, {} ENAS cells, Pearson r {r}",
        labelled.len()
    );
    let mut fig = Scatter::new(&title, name, &data.accuracy_label, points);
    fig.radius = 1.2;
    Ok(Made {
        figure: Figure::Scatter(fig),
        note: format!("Pearson r {r} (the paper: +0.32 and -0.39)"),
    })
}

/// Operation-embeddings Figs. 9-10: a run's snapshot sample through the epochs, each epoch's
/// PCA plane rotated onto the one before; four epochs from first to last.
fn epochs(inputs: &Inputs, name: &str, number: &str) -> Result<Made, FigureError> {
    let dir = inputs.models.join(name);
    let manifest = crate::train::RunManifest::read(&dir).map_err(failed(dir.display()))?;
    let data = bundled(manifest.config.space)?;
    let rows = snapshots::read_rows(&dir).map_err(failed(dir.display()))?;
    let all = snapshots::epochs(&dir, manifest.completed_epochs());
    let shown = spread(&all, 4);
    let accuracy: Vec<Option<f64>> = rows
        .iter()
        .map(|&r| data.records.get(r).and_then(|rec| rec.accuracy))
        .collect();
    let mut panels = Vec::new();
    let mut previous: Option<Vec<[f32; 2]>> = None;
    for epoch in shown {
        let means = snapshots::read_epoch(&dir, epoch).map_err(failed(dir.display()))?;
        let plane =
            PcaPlane::fit(&means).map_err(failed(format!("{} epoch {epoch}", dir.display())))?;
        let mut xy = plane.project_all(&means);
        if let Some(prev) = &previous {
            snapshots::align(&mut xy, prev);
        }
        let title = format!("epoch {}", epoch + 1);
        panels.push(Figure::Scatter(latent_map(
            &title,
            ["PC 1", "PC 2"],
            &xy,
            &accuracy,
        )));
        previous = Some(xy);
    }
    Ok(Made {
        figure: Figure::Sheet(Sheet {
            title: format!(
                "Operation embeddings {number}: the latent space of {name} during training ({} sampled cells)",
                rows.len()
            ),
            columns: panels.len().max(1),
            panels,
        }),
        note: format!("{} snapshot epochs kept, four shown", all.len()),
    })
}

/// `n` of `all`, spread evenly from the first to the last.
fn spread(all: &[usize], n: usize) -> Vec<usize> {
    if all.len() <= n {
        return all.to_vec();
    }
    let mut out: Vec<usize> = (0..n)
        .map(|k| all[k * (all.len() - 1) / (n - 1).max(1)])
        .collect();
    out.dedup();
    out
}

/// Every bundled model of `space` side by side: each one's PCA map of the whole table,
/// coloured by accuracy.
fn compare_sheet(inputs: &Inputs, space: SpaceKind) -> Result<Made, FigureError> {
    let data = bundled(space)?;
    let accuracy: Vec<Option<f64>> = data.records.iter().map(|r| r.accuracy).collect();
    let mut panels = Vec::new();
    for dir in runs_of(&inputs.models, space) {
        let run = Run::open(&dir, &inputs.device).map_err(failed(dir.display()))?;
        let latents = run.latents(&data, &NEVER).map_err(failed(dir.display()))?;
        let plane = PcaPlane::fit(&latents.means).map_err(failed(dir.display()))?;
        let xy = plane.project_all(&latents.means);
        panels.push(Figure::Scatter(latent_map(
            &run.name(),
            ["PC 1", "PC 2"],
            &xy,
            &accuracy,
        )));
    }
    let count = panels.len();
    Ok(Made {
        figure: Figure::Sheet(Sheet {
            title: format!(
                "Every bundled {space} model: the PCA plane of its latent means, {} cells",
                data.len()
            ),
            columns: 4,
            panels,
        }),
        note: format!(
            "{count} models, every cell of the table encoded (cached in the run folders)"
        ),
    })
}

/// The run folders in `models` whose `run.json` names `space`, by name.
fn runs_of(models: &Path, space: SpaceKind) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(models) else {
        return Vec::new();
    };
    let mut runs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|d| crate::train::RunManifest::read(d).is_ok_and(|m| m.config.space == space))
        .collect();
    runs.sort();
    runs
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn spread_keeps_the_ends() {
        assert_eq!(spread(&[0, 2, 4, 6, 8, 10, 12], 4), vec![0, 4, 8, 12]);
        assert_eq!(spread(&[1, 3], 4), vec![1, 3]);
    }
}
