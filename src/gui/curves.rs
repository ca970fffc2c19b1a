//! Training curves of several runs on one plot (the operation-embeddings paper's Figures 3-4:
//! D-VAE against DVAE-EMB), with a log scale for losses that span decades.

use std::path::Path;

use egui::Ui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::figures::significant;
use crate::train::{EpochMetrics, RunManifest};

/// One run's curves, named for the legend.
#[derive(Debug, Clone)]
pub struct CurveSet {
    pub label: String,
    pub epochs: Vec<EpochMetrics>,
}

/// The runs added beside the open (or training) run, and the scale.
#[derive(Debug, Clone, Default)]
pub struct CurvesState {
    pub added: Vec<CurveSet>,
    pub log_scale: bool,
}

impl CurvesState {
    /// Adds the curves of the run in `dir`, named "<folder> (<model>)". A run already added is
    /// replaced (its epochs may have grown).
    pub fn add_run(&mut self, dir: &Path) -> Result<(), String> {
        let manifest = RunManifest::read(dir).map_err(|e| e.to_string())?;
        if manifest.epochs.is_empty() {
            return Err(format!(
                "{}: the run has no finished epoch yet",
                dir.display()
            ));
        }
        let name = dir.file_name().map_or(dir.display().to_string(), |n| {
            n.to_string_lossy().to_string()
        });
        let label = format!("{name} ({})", manifest.config.vae.model.name());
        self.added.retain(|c| c.label != label);
        self.added.push(CurveSet {
            label,
            epochs: manifest.epochs,
        });
        Ok(())
    }
}

/// One figure of an epoch (a train or test loss).
type Metric = fn(&EpochMetrics) -> f64;

/// Reconstruction and KL plots: the `current` run's train and test curves, and the train
/// curves of every added run.
pub fn plots(ui: &mut Ui, current: &CurveSet, state: &CurvesState, height: f32) {
    let log = state.log_scale;
    // On the log scale a value v is drawn at log10(v); the axis labels say 10^y.
    let y = move |v: f64| if log { v.max(1e-12).log10() } else { v };
    let series = |epochs: &[EpochMetrics], f: Metric| -> PlotPoints<'static> {
        epochs
            .iter()
            .filter(|m| f(m).is_finite())
            .map(|m| [m.epoch as f64 + 1.0, y(f(m))])
            .collect()
    };
    let panels: [(&str, &str, Metric, Metric); 2] = [
        (
            "Reconstruction loss per graph",
            "recon",
            |m| m.train_reconstruction,
            |m| m.test_reconstruction,
        ),
        (
            "KL divergence per graph",
            "kl",
            |m| m.train_kl,
            |m| m.test_kl,
        ),
    ];
    for (title, id, train, test) in panels {
        ui.label(if log {
            format!("{title} (log scale)")
        } else {
            title.to_string()
        });
        let mut plot = Plot::new(id)
            .height(height.max(120.0))
            .legend(Legend::default())
            .x_axis_label("epoch");
        if log {
            plot = plot.y_axis_formatter(|mark, _| significant(10f64.powf(mark.value)));
        }
        plot.show(ui, |p| {
            let own = state.added.is_empty();
            let name = |part: &str| {
                if own {
                    part.to_string()
                } else {
                    format!("{} {part}", current.label)
                }
            };
            p.line(Line::new(name("train"), series(&current.epochs, train)));
            p.line(Line::new(name("test"), series(&current.epochs, test)));
            for c in &state.added {
                p.line(Line::new(
                    format!("{} train", c.label),
                    series(&c.epochs, train),
                ));
            }
        });
    }
}
