//! `cellspace tables`: the papers' tables regenerated from the bundled models, the published
//! numbers beside ours and the difference. A row whose model is not bundled says so.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use crate::bo::GpSettings;
use crate::data::Dataset;
use crate::eval::{EvalProtocol, GenerativeMetrics, evaluate};
use crate::model::{EMB_TABLES, ModelKind, SVGE_TABLE_I};
use crate::space::{Cell, SpaceKind};

#[derive(Debug, Args)]
pub struct TablesArgs {
    /// A small protocol (200 test graphs × 2 × 2 decodings, 200 prior points × 2; 2 GP runs
    /// of 300 inducing points) to check the command in seconds; its figures are rough.
    #[arg(long)]
    pub quick: bool,
    /// Write the Markdown tables to this file too.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Folder holding the bundled models (`<model>-<space>` run folders).
    #[arg(long, default_value = "assets/models")]
    pub models: PathBuf,
    /// Evaluate every model again, even where its folder keeps an `eval.json` of the same
    /// weights and protocol (by default such a record is used as it is).
    #[arg(long)]
    pub fresh: bool,
    /// Print only these tables (repeat the flag for several; default: all). Tables 1 and 2 of
    /// the operation-embeddings paper fit ten GPs per model, most of the command's time.
    #[arg(long = "table", value_enum)]
    pub tables: Vec<Which>,
    #[arg(long)]
    pub json: bool,
}

/// One of the papers' tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// The SVGe paper's Table I (generative metrics, three spaces).
    I,
    /// The operation-embeddings paper's Tables 1 and 2 (ENAS, with the sparse GP).
    Emb,
    /// The SVGe paper's Table II (accuracy prediction on NB101, from kept records).
    Ii,
    /// The SVGe paper's Table III on NB101 (BO, from kept records).
    Iii,
}

impl TablesArgs {
    fn wants(&self, which: Which) -> bool {
        self.tables.is_empty() || self.tables.contains(&which)
    }
}

/// A row of a paper's table: the model, the space and the published figures.
struct Row {
    table: &'static str,
    space: SpaceKind,
    model: ModelKind,
    /// Reconstruction, validity, uniqueness, novelty (%), where published.
    generative: [Option<f64>; 4],
    /// Sparse-GP RMSE and Pearson r (operation-embeddings paper, Table 2).
    prediction: Option<[f64; 2]>,
}

/// Every published row of the papers' tables, from the model registry: the SVGe paper's
/// Table I first, then the operation-embeddings paper's Tables 1 and 2, each in the
/// registry's order.
fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    for table in [SVGE_TABLE_I, EMB_TABLES] {
        for &model in ModelKind::ALL {
            for p in model.spec().published.iter().filter(|p| p.table == table) {
                out.push(Row {
                    table,
                    space: p.space,
                    model,
                    generative: p.generative,
                    prediction: p.prediction,
                });
            }
        }
    }
    // Table I goes space by space, as printed in the paper.
    let order = [SpaceKind::Enas, SpaceKind::Nb101, SpaceKind::Nb201];
    out.sort_by_key(|r| {
        (
            r.table == EMB_TABLES,
            order.iter().position(|&s| s == r.space),
        )
    });
    out
}

/// Our figures for one bundled model.
struct Measured {
    metrics: GenerativeMetrics,
    /// Mean and standard deviation over the GP runs of RMSE and Pearson r.
    prediction: Option<[(f64, f64); 2]>,
    /// Whether the generative metrics come from the folder's `eval.json`.
    reused: bool,
}

fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn measure(
    dir: &std::path::Path,
    space: SpaceKind,
    with_prediction: bool,
    quick: bool,
    fresh: bool,
) -> anyhow::Result<Measured> {
    let chosen = crate::backend::choose(crate::backend::Backend::Wgpu);
    let run = crate::run::Run::open_for(dir, space, &chosen.device)?;
    let data = Dataset::bundled(space)?;
    let train: Vec<&Cell> = data.train().map(|r| &r.cell).collect();
    let test: Vec<&Cell> = data.test().map(|r| &r.cell).collect();
    let sample_scale = run.manifest.config.vae.noise_scale;
    let protocol = if quick {
        EvalProtocol {
            samples_per_graph: 2,
            decodes_per_sample: 2,
            prior_points: 200,
            decodes_per_prior_point: 2,
            test_limit: Some(200),
            sample_scale,
            ..EvalProtocol::default()
        }
    } else if space == SpaceKind::Nb101 {
        EvalProtocol {
            test_limit: Some(crate::eval::NB101_TEST_LIMIT),
            sample_scale,
            ..EvalProtocol::default()
        }
    } else {
        EvalProtocol {
            sample_scale,
            ..EvalProtocol::default()
        }
    };
    let model_file = run.model_file();
    // The record `eval` (or an earlier `tables`) kept, when it measured these weights with this
    // protocol; a stale or unreadable one is said and measured afresh.
    let kept = match crate::eval::saved::load(dir, &model_file) {
        Ok(Some(saved))
            if !fresh
                && serde_json::to_value(&saved.protocol).ok()
                    == serde_json::to_value(&protocol).ok() =>
        {
            Some(saved.metrics)
        }
        Ok(_) => None,
        Err(e) => {
            eprintln!("note: {e}; evaluating again");
            None
        }
    };
    let reused = kept.is_some();
    let eval_started = std::time::Instant::now();
    let metrics = match kept {
        Some(m) => m,
        None => evaluate(
            &run.model,
            space,
            &train,
            &test,
            &protocol,
            &chosen.device,
            &mut |_, _, _| {},
        )?,
    };
    if !quick && !reused {
        // The same record `eval` keeps, for `compare` and the explorer.
        let seconds = eval_started.elapsed().as_secs_f64();
        let kept = crate::eval::saved::keep(dir, &model_file, &protocol, &metrics, seconds);
        if let Err(e) = kept {
            eprintln!("note: {e}");
        }
    }
    let prediction = if with_prediction {
        let latents = run.latents(&data, &crate::jobs::NEVER)?.means;
        // The paper's mean ± std over 10 runs: 10 seeds of the GP's random subsets.
        let (runs, inducing) = if quick { (2, 300) } else { (10, 500) };
        let (mut rmse, mut r) = (Vec::new(), Vec::new());
        for seed in 0..runs {
            let settings = GpSettings {
                inducing,
                seed,
                ..GpSettings::default()
            };
            let p = crate::bo::test_prediction(&data, &latents, &settings)?;
            rmse.push(p.rmse);
            r.push(p.pearson.unwrap_or(f64::NAN));
        }
        Some([mean_std(&rmse), mean_std(&r)])
    } else {
        None
    };
    Ok(Measured {
        metrics,
        prediction,
        reused,
    })
}

fn ours(m: &GenerativeMetrics) -> [f64; 5] {
    [
        m.reconstruction_accuracy_mean * 100.0,
        m.reconstruction_accuracy * 100.0,
        m.validity * 100.0,
        m.uniqueness * 100.0,
        m.novelty * 100.0,
    ]
}

pub fn run(args: &TablesArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut measured: Vec<((SpaceKind, ModelKind), Result<Measured, String>)> = Vec::new();
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| {
            args.wants(if r.table == EMB_TABLES {
                Which::Emb
            } else {
                Which::I
            })
        })
        .collect();
    for row in &rows {
        let key = (row.space, row.model);
        if measured.iter().any(|(k, _)| *k == key) {
            continue;
        }
        let dir = args
            .models
            .join(format!("{}-{}", row.model.name(), row.space.name()));
        let wants_prediction = rows
            .iter()
            .any(|r| (r.space, r.model) == key && r.prediction.is_some());
        let result = if dir.join(crate::train::RunManifest::FILE).is_file() {
            if !args.json {
                eprintln!("evaluating {} ...", dir.display());
            }
            measure(&dir, row.space, wants_prediction, args.quick, args.fresh)
                .map_err(|e| format!("{e:#}"))
        } else {
            Err(format!(
                "not bundled yet ({} does not exist)",
                dir.display()
            ))
        };
        measured.push((key, result));
    }
    let find = |row: &Row| {
        measured
            .iter()
            .find(|(k, _)| *k == (row.space, row.model))
            .map(|(_, m)| m)
    };
    let seconds = started.elapsed().as_secs_f64();

    let mut md = String::new();
    let protocol = if args.quick {
        "quick protocol (200 test graphs × 2 × 2 decodings, 200 prior points × 2; 2 GP runs)"
    } else {
        "reference protocol (every test graph × 10 × 10 decodings, 1,000 prior points × 10; 10 GP runs; on NB101 the first 2,000 of its 42,362 test graphs)"
    };
    let mut flags = String::from(if args.quick { " --quick" } else { "" });
    for which in &args.tables {
        let name = clap::ValueEnum::to_possible_value(which).map(|v| v.get_name().to_string());
        flags.push_str(&format!(" --table {}", name.unwrap_or_default()));
    }
    md.push_str(&format!(
        "Generated by `cellspace tables{flags}` in {seconds:.0} s, {protocol}. Each cell: ours / paper (difference, points).\n"
    ));
    let cell = |ours: Option<f64>, paper: Option<f64>, digits: usize| match (ours, paper) {
        (Some(o), Some(p)) => format!("{o:.digits$} / {p:.digits$} ({:+.digits$})", o - p),
        (Some(o), None) => format!("{o:.digits$} / -"),
        (None, Some(p)) => format!("- / {p:.digits$}"),
        (None, None) => "-".into(),
    };
    let mut json_rows = Vec::new();
    for table in [SVGE_TABLE_I, EMB_TABLES] {
        if !rows.iter().any(|r| r.table == table) {
            continue;
        }
        md.push_str(&format!("\n### {table}\n\n"));
        let emb = table == EMB_TABLES;
        if emb {
            md.push_str("| model | space | reconstruction (mean z) | sampled z | validity | uniqueness | GP RMSE (mean ± std) | GP Pearson r |\n|---|---|---|---|---|---|---|---|\n");
        } else {
            md.push_str("| model | space | reconstruction (mean z) | sampled z | validity | uniqueness | novelty |\n|---|---|---|---|---|---|---|\n");
        }
        for row in rows.iter().filter(|r| r.table == table) {
            let name = row.model.name();
            let result = find(row);
            let mut v = json!({"table": table, "model": name, "space": row.space.name(),
                "paper": {"reconstruction": row.generative[0], "validity": row.generative[1],
                          "uniqueness": row.generative[2], "novelty": row.generative[3],
                          "rmse": row.prediction.map(|p| p[0]), "pearson": row.prediction.map(|p| p[1])}});
            match result {
                Some(Ok(m)) => {
                    let o = ours(&m.metrics);
                    let mut line = format!(
                        "| {name} | {} | {} | {:.2} | {} | {} |",
                        row.space,
                        cell(Some(o[0]), row.generative[0], 2),
                        o[1],
                        cell(Some(o[2]), row.generative[1], 2),
                        cell(Some(o[3]), row.generative[2], 2),
                    );
                    if emb {
                        let p = m.prediction;
                        let both = |k: usize| {
                            p.map_or("-".into(), |p| {
                                format!(
                                    "{:.3} ± {:.3} / {:.3}",
                                    p[k].0,
                                    p[k].1,
                                    row.prediction.map_or(f64::NAN, |q| q[k])
                                )
                            })
                        };
                        line.push_str(&format!(" {} | {} |", both(0), both(1)));
                    } else {
                        line.push_str(&format!(" {} |", cell(Some(o[4]), row.generative[3], 2)));
                    }
                    md.push_str(&line);
                    md.push('\n');
                    v["from_eval_json"] = m.reused.into();
                    v["ours"] = json!({"reconstruction": o[0], "reconstruction_sampled": o[1],
                        "validity": o[2], "uniqueness": o[3], "novelty": o[4],
                        "rmse": m.prediction.map(|p| [p[0].0, p[0].1]),
                        "pearson": m.prediction.map(|p| [p[1].0, p[1].1])});
                }
                Some(Err(e)) => {
                    md.push_str(&format!("| {name} | {} | {e} |\n", row.space));
                    v["missing"] = Value::String(e.clone());
                }
                None => {}
            }
            json_rows.push(v);
        }
    }
    if args.wants(Which::Ii) {
        md.push_str(&super::tables_kept::table_ii(&args.models, &mut json_rows));
    }
    if args.wants(Which::Iii) {
        md.push_str(&super::tables_kept::table_iii(
            &args.models,
            &mut json_rows,
        )?);
    }
    let reused: Vec<String> = measured
        .iter()
        .filter(|(_, m)| m.as_ref().is_ok_and(|m| m.reused))
        .map(|((space, model), _)| format!("{}-{}", model.name(), space.name()))
        .collect();
    if !reused.is_empty() {
        md.push_str(&format!(
            "\nThe generative metrics of {} are the `eval.json` their folders keep (the same \
             weights, by MD5, and the same protocol); `--fresh` measures them again.\n",
            reused.join(", ")
        ));
    }
    if let Some(out) = &args.out {
        super::write_out(out, &md)?;
    }
    if args.json {
        println!(
            "{}",
            json!({"quick": args.quick, "seconds": seconds, "rows": json_rows})
        );
    } else {
        print!("{md}");
    }
    Ok(())
}
