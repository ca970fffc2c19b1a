//! The figures two or more runs on one space are compared by, and the table they make: what
//! `cellspace compare` prints. Each row carries the line that says what it measures and which
//! way is better, because the figures mean little without it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::EvalError;
use super::saved::SavedEval;
use super::smoothness::{Smoothness, SmoothnessSettings, smoothness};
use crate::bo::GpSettings;
use crate::data::Dataset;
use crate::model::GraphVae;

/// Mean and standard deviation.
pub type MeanStd = (f64, f64);

/// Everything measured on one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunFigures {
    pub run: PathBuf,
    pub model: String,
    /// The run's last `eval` (its `eval.json`), or why there is none to show (shared: the
    /// figures are cloned, an I/O error cannot be).
    #[serde(serialize_with = "eval_as_text")]
    pub eval: Result<SavedEval, Arc<EvalError>>,
    /// Sparse-GP RMSE (in standard deviations of the training accuracies) and Pearson r on
    /// the test split, over `gp_runs` seeds.
    pub gp_rmse: Option<MeanStd>,
    pub gp_pearson: Option<MeanStd>,
    pub smoothness: Smoothness,
}

/// `eval` as JSON: the eval, or the text of why there is none.
fn eval_as_text<S: serde::Serializer>(
    eval: &Result<SavedEval, Arc<EvalError>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    eval.as_ref().map_err(|e| e.to_string()).serialize(s)
}

pub fn mean_std(values: &[f64]) -> MeanStd {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The sparse GP's test RMSE and Pearson r over `runs` seeds (the operation-embeddings paper
/// reports 10); `None` when the space has too few labels for a GP.
pub fn gp_figures(
    data: &Dataset,
    latents: &[Vec<f32>],
    runs: usize,
    cancel: &AtomicBool,
) -> Result<Option<(MeanStd, MeanStd)>, EvalError> {
    if runs == 0 {
        return Ok(None);
    }
    let (mut rmse, mut r) = (Vec::new(), Vec::new());
    for seed in 0..runs as u64 {
        crate::jobs::check(cancel)?;
        let settings = GpSettings {
            seed,
            ..GpSettings::default()
        };
        let p = crate::bo::test_prediction(data, latents, &settings)?;
        rmse.push(p.rmse);
        r.push(p.pearson.unwrap_or(f64::NAN));
    }
    Ok(Some((mean_std(&rmse), mean_std(&r))))
}

/// One run, opened: what measuring it needs.
pub struct OpenedRun<'a> {
    pub dir: &'a Path,
    /// Its checkpoint's `model.bpk` (to check that its `eval.json` measured these weights).
    pub model_file: &'a Path,
    pub model_name: &'a str,
    pub model: &'a GraphVae,
    pub data: &'a Dataset,
    /// The latent mean of every cell of `data`, row for row.
    pub latents: &'a [Vec<f32>],
    pub device: &'a burn::tensor::Device,
}

/// Measures one opened run.
pub fn run_figures(
    run: &OpenedRun,
    gp_runs: usize,
    settings: &SmoothnessSettings,
    cancel: &AtomicBool,
) -> Result<RunFigures, EvalError> {
    let eval = match super::saved::load(run.dir, run.model_file) {
        Ok(Some(saved)) => Ok(saved),
        Ok(None) => Err(Arc::new(EvalError::NotEvaluated {
            dir: run.dir.to_path_buf(),
        })),
        Err(e) => Err(Arc::new(e)),
    };
    let gp = gp_figures(run.data, run.latents, gp_runs, cancel)?;
    let smoothness = smoothness(
        run.model,
        run.data,
        run.latents,
        run.device,
        settings,
        cancel,
    )?;
    Ok(RunFigures {
        run: run.dir.to_path_buf(),
        model: run.model_name.to_string(),
        eval,
        gp_rmse: gp.map(|g| g.0),
        gp_pearson: gp.map(|g| g.1),
        smoothness,
    })
}

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
    /// Read against another row (a baseline), not by itself.
    Neither,
}

/// One row of the comparison: a figure for every run.
#[derive(Debug, Clone, Serialize)]
pub struct FigureRow {
    pub figure: String,
    /// What it measures, in one line.
    pub meaning: String,
    pub better: Better,
    /// One per run, formatted; "-" where the figure is missing.
    pub values: Vec<String>,
    /// The run(s) with the best value, when the row has a direction and two or more values.
    pub best: Vec<usize>,
}

fn row(
    figure: &str,
    meaning: &str,
    better: Better,
    runs: &[RunFigures],
    value: impl Fn(&RunFigures) -> Option<f64>,
    format: impl Fn(f64) -> String,
) -> FigureRow {
    let values: Vec<Option<f64>> = runs
        .iter()
        .map(|r| value(r).filter(|v| v.is_finite()))
        .collect();
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let best_value = match better {
        Better::Higher => present.iter().copied().reduce(f64::max),
        Better::Lower => present.iter().copied().reduce(f64::min),
        Better::Neither => None,
    }
    .filter(|_| present.len() > 1);
    FigureRow {
        figure: figure.to_string(),
        meaning: meaning.to_string(),
        better,
        values: values
            .iter()
            .map(|v| v.map_or("-".to_string(), &format))
            .collect(),
        best: values
            .iter()
            .enumerate()
            .filter(|(_, v)| best_value.is_some() && **v == best_value)
            .map(|(i, _)| i)
            .collect(),
    }
}

/// The comparison table, figure by figure.
pub fn rows(runs: &[RunFigures], settings: &SmoothnessSettings) -> Vec<FigureRow> {
    generative_rows(runs)
        .into_iter()
        .chain(gp_rows(runs))
        .chain(walk_rows(runs, settings))
        .chain(neighbourhood_rows(runs, settings))
        .collect()
}

/// A fraction as a percentage with two decimals.
fn percent(v: f64) -> String {
    format!("{:.2} %", v * 100.0)
}

/// A figure of the run's saved eval; missing where the run has none.
fn from_eval(figure: fn(&SavedEval) -> f64) -> impl Fn(&RunFigures) -> Option<f64> {
    move |r: &RunFigures| r.eval.as_ref().ok().map(figure)
}

/// The Table-I rows, read from each run's saved eval.
fn generative_rows(runs: &[RunFigures]) -> [FigureRow; 5] {
    [
        row(
            "reconstruction (mean z)",
            "test cells decoded exactly from their latent mean (Table I, as published)",
            Better::Higher,
            runs,
            from_eval(|e| e.metrics.reconstruction_accuracy_mean),
            percent,
        ),
        row(
            "reconstruction (sampled z)",
            "the same from 10 samples around the mean × 10 decodings (reference protocol)",
            Better::Higher,
            runs,
            from_eval(|e| e.metrics.reconstruction_accuracy),
            percent,
        ),
        row(
            "validity",
            "prior samples that decode to a valid cell of the space",
            Better::Higher,
            runs,
            from_eval(|e| e.metrics.validity),
            percent,
        ),
        row(
            "uniqueness",
            "distinct cells among the valid prior decodings",
            Better::Higher,
            runs,
            from_eval(|e| e.metrics.uniqueness),
            percent,
        ),
        row(
            "novelty",
            "valid prior decodings that are not training cells",
            Better::Higher,
            runs,
            from_eval(|e| e.metrics.novelty),
            percent,
        ),
    ]
}

/// The sparse GP's rows: ranked by the mean over seeds, shown as mean ± std.
fn gp_rows(runs: &[RunFigures]) -> [FigureRow; 2] {
    let ms = |v: Option<MeanStd>| v.map(|m| m.0);
    let with_std = |v: Option<MeanStd>| v.map(|(m, s)| format!("{m:.3} ± {s:.3}"));
    let mut gp_rmse = row(
        "GP RMSE",
        "sparse GP on the latent means, test RMSE in training-accuracy std (mean ± std over seeds)",
        Better::Lower,
        runs,
        |r| ms(r.gp_rmse),
        |v| format!("{v:.3}"),
    );
    let mut gp_r = row(
        "GP Pearson r",
        "correlation of the GP's test predictions with the true accuracies",
        Better::Higher,
        runs,
        |r| ms(r.gp_pearson),
        |v| format!("{v:.3}"),
    );
    for (i, r) in runs.iter().enumerate() {
        if let Some(s) = with_std(r.gp_rmse) {
            gp_rmse.values[i] = s;
        }
        if let Some(s) = with_std(r.gp_pearson) {
            gp_r.values[i] = s;
        }
    }
    [gp_rmse, gp_r]
}

/// The rows of the great-circle walks through the latent space.
fn walk_rows(runs: &[RunFigures], s: &SmoothnessSettings) -> [FigureRow; 2] {
    [
        row(
            "walk: edit distance per step",
            &format!(
                "mean graph edit distance between consecutive points of {} great circles of {} \
                 points through random cells (SVGe Fig. 2)",
                s.walks, s.steps
            ),
            Better::Lower,
            runs,
            |r| Some(r.smoothness.walks.walk_edit_per_step),
            |v| format!("{v:.2}"),
        ),
        row(
            "walk: valid points",
            "share of those walk points that decode to a valid cell",
            Better::Higher,
            runs,
            |r| Some(r.smoothness.walks.walk_valid),
            percent,
        ),
    ]
}

/// The rows of the latent neighbourhoods, each baseline right below the row it is read against.
fn neighbourhood_rows(runs: &[RunFigures], s: &SmoothnessSettings) -> [FigureRow; 5] {
    [
        row(
            &format!("neighbours within edit distance {}", s.within),
            &format!(
                "share of the {} nearest latent neighbours of {} random cells that are at most {} \
                 edits away",
                s.k, s.queries, s.within
            ),
            Better::Higher,
            runs,
            |r| Some(r.smoothness.neighbours.neighbours_within),
            percent,
        ),
        row(
            "neighbours: edit distance",
            &format!(
                "mean edit distance to those {} nearest latent neighbours",
                s.k
            ),
            Better::Lower,
            runs,
            |r| Some(r.smoothness.neighbours.neighbour_edit),
            |v| format!("{v:.2}"),
        ),
        row(
            "random pairs: edit distance",
            "the same between random cells: the baseline for the row above",
            Better::Neither,
            runs,
            |r| Some(r.smoothness.neighbours.random_edit),
            |v| format!("{v:.2}"),
        ),
        row(
            "neighbours: accuracy difference",
            &format!(
                "mean |accuracy difference| (points) between a labelled cell and its {} nearest \
                 labelled latent neighbours",
                s.k
            ),
            Better::Lower,
            runs,
            |r| r.smoothness.neighbours.neighbour_accuracy_gap,
            |v| format!("{v:.3}"),
        ),
        row(
            "random pairs: accuracy difference",
            "the same between random labelled cells: the baseline for the row above",
            Better::Neither,
            runs,
            |r| r.smoothness.neighbours.random_accuracy_gap,
            |v| format!("{v:.3}"),
        ),
    ]
}

/// The table as Markdown: one column per run, the best value of a row in bold, and what each
/// figure measures below the table.
pub fn markdown(runs: &[RunFigures], rows: &[FigureRow]) -> String {
    let names: Vec<String> = runs
        .iter()
        .map(|r| {
            let name = r.run.file_name().map_or(r.run.display().to_string(), |n| {
                n.to_string_lossy().to_string()
            });
            format!("{name} ({})", r.model)
        })
        .collect();
    let mut md = format!("| figure | {} |\n|---|", names.join(" | "));
    md.push_str(&"---|".repeat(runs.len()));
    md.push('\n');
    for r in rows {
        let values: Vec<String> = r
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if r.best.contains(&i) {
                    format!("**{v}**")
                } else {
                    v.clone()
                }
            })
            .collect();
        let arrow = match r.better {
            Better::Higher => " ↑",
            Better::Lower => " ↓",
            Better::Neither => "",
        };
        md.push_str(&format!(
            "| {}{arrow} | {} |\n",
            r.figure,
            values.join(" | ")
        ));
    }
    md.push('\n');
    for r in rows {
        md.push_str(&format!("- **{}**: {}.\n", r.figure, r.meaning));
    }
    for (name, r) in names.iter().zip(runs) {
        match &r.eval {
            Ok(e) if e.protocol.test_limit.is_some() || e.protocol.samples_per_graph != 10 => {
                md.push_str(&format!(
                    "- {name}: its Table-I figures come from a smaller protocol ({} test graphs, \
                     {} × {} decodings).\n",
                    e.metrics.test_graphs,
                    e.protocol.samples_per_graph,
                    e.protocol.decodes_per_sample
                ));
            }
            Ok(_) => {}
            Err(why) => md.push_str(&format!("- {name}: no Table-I figures: {why}.\n")),
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::smoothness::{Neighbourhood, WalkFigures};

    fn figures(name: &str, within: f64, gp: Option<MeanStd>) -> RunFigures {
        RunFigures {
            run: PathBuf::from(name),
            model: "svge".into(),
            eval: Err(Arc::new(EvalError::NotEvaluated {
                dir: PathBuf::from(name),
            })),
            gp_rmse: gp,
            gp_pearson: None,
            smoothness: Smoothness {
                walks: WalkFigures {
                    walk_edit_per_step: 1.5,
                    walk_valid: 1.0,
                },
                neighbours: Neighbourhood {
                    neighbours_within: within,
                    neighbour_edit: 2.0,
                    random_edit: 9.0,
                    neighbour_accuracy_gap: None,
                    random_accuracy_gap: None,
                },
            },
        }
    }

    #[test]
    fn best_follows_the_direction_and_missing_values_show_a_dash() {
        let runs = [
            figures("a", 0.2, Some((0.5, 0.01))),
            figures("b", 0.4, Some((0.3, 0.02))),
        ];
        let settings = SmoothnessSettings::default();
        let rows = rows(&runs, &settings);
        let get = |name: &str| rows.iter().find(|r| r.figure.starts_with(name)).unwrap();
        assert_eq!(get("neighbours within").best, vec![1]);
        assert_eq!(get("GP RMSE").best, vec![1]);
        assert_eq!(
            get("GP RMSE").values,
            vec!["0.500 ± 0.010", "0.300 ± 0.020"]
        );
        // Equal values are both best; a baseline row has no best.
        assert_eq!(get("walk: edit").best, vec![0, 1]);
        assert!(get("random pairs: edit").best.is_empty());
        assert_eq!(get("validity").values, vec!["-", "-"]);
        assert!(get("validity").best.is_empty());
        let md = markdown(&runs, &rows);
        assert!(md.contains("| a (svge) | b (svge) |"), "{md}");
        assert!(md.contains("**40.00 %**"), "{md}");
        assert!(
            md.contains(
                "- a (svge): no Table-I figures: not evaluated yet: `cellspace eval --run a` \
                 keeps its figures."
            ),
            "{md}"
        );
    }
}
