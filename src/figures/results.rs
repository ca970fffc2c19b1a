//! Figures of the library's results: a walk's decoded cells, a decoded grid, a latent map,
//! training curves, predicted against true accuracy. The explorer's panels and
//! `cellspace figures` both build their figures here, so a saved panel and a paper figure made
//! from the same result are the same drawing.

use super::{
    CellPanel, CellStrip, ColorBar, Curves, Figure, Line, Overlay, OverlayStyle, Point, Scatter,
    Series,
};
use crate::explore::{GridPoint, WalkStep};
use crate::space::SpaceKind;
use crate::train::EpochMetrics;

/// The accuracy colour bar's label.
pub const ACCURACY: &str = "accuracy (%)";

/// A walk's decoded cells in order, each captioned with its step, its accuracy where the
/// table has the cell, and its edit distance to the step before.
pub fn walk_cells(title: &str, space: SpaceKind, steps: &[WalkStep], columns: usize) -> Figure {
    let cells = steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let mut caption = format!("{k}");
            if let Some(a) = s.accuracy {
                caption += &format!(" · {a:.2} %");
            } else if s.cell.is_some() && !s.valid {
                caption += " · invalid";
            }
            if let Some(d) = s.edit_distance {
                caption += &format!(" · Δ{d}");
            }
            CellPanel {
                caption,
                cell: s.cell.clone(),
            }
        })
        .collect();
    Figure::Cells(CellStrip {
        title: title.to_string(),
        space,
        cells,
        columns,
    })
}

/// A decoded grid over the PCA plane, each point coloured by its decoded cell's accuracy
/// (grey: invalid, or neither in the table nor `predicted`). A point coloured by the
/// fine-tuned predictor (`predicted`, beside `points`) carries a black dot.
pub fn grid_landscape(title: &str, points: &[GridPoint], predicted: &[Option<f64>]) -> Figure {
    let at = |p: &GridPoint, value| Point {
        x: p.x,
        y: p.y,
        value,
    };
    let guess = |k: usize| predicted.get(k).copied().flatten();
    let mut measured = Vec::new();
    let mut guessed = Vec::new();
    for (k, p) in points.iter().enumerate() {
        match (p.accuracy, guess(k)) {
            (None, Some(v)) if p.valid => guessed.push(at(p, Some(v))),
            (a, _) => measured.push(at(p, a.filter(|_| p.valid))),
        }
    }
    let values: Vec<f64> = measured
        .iter()
        .chain(&guessed)
        .filter_map(|p| p.value)
        .collect();
    let known = !values.is_empty();
    let title = if known {
        title.to_string()
    } else {
        format!("{title} (grey: no decoded cell has a known accuracy)")
    };
    let mut fig = Scatter::new(&title, "PC 1", "PC 2", measured);
    fig.color = known.then(|| ColorBar::robust(ACCURACY, values.into_iter()));
    fig.tile = grid_step(points);
    if !guessed.is_empty() {
        fig.overlays.push(Overlay {
            label: "predicted (fine-tuned)".into(),
            style: OverlayStyle::Predicted,
            points: guessed,
        });
    }
    Figure::Scatter(fig)
}

/// The spacing of a grid's points: the smallest gap between its distinct x coordinates.
fn grid_step(points: &[GridPoint]) -> Option<f64> {
    let mut xs: Vec<f64> = points
        .iter()
        .map(|p| p.x)
        .filter(|x| x.is_finite())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .min_by(f64::total_cmp)
}

/// Cells at 2-D positions, coloured by accuracy: a latent map (PCA, t-SNE, a snapshot).
pub fn latent_map(
    title: &str,
    axes: [&str; 2],
    xy: &[[f32; 2]],
    accuracy: &[Option<f64>],
) -> Scatter {
    let points: Vec<Point> = xy
        .iter()
        .zip(accuracy)
        .map(|(p, &value)| Point {
            x: p[0] as f64,
            y: p[1] as f64,
            value,
        })
        .collect();
    let mut fig = Scatter::new(title, axes[0], axes[1], points);
    fig.color = Some(ColorBar::robust(
        ACCURACY,
        accuracy.iter().flatten().copied(),
    ));
    fig.radius = if xy.len() > 5000 { 1.2 } else { 2.0 };
    fig
}

/// Which loss of an epoch to plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    Reconstruction,
    Kl,
}

impl Loss {
    pub fn name(self) -> &'static str {
        match self {
            Loss::Reconstruction => "reconstruction loss per graph",
            Loss::Kl => "KL divergence per graph",
        }
    }

    fn of(self, m: &EpochMetrics) -> [f64; 2] {
        match self {
            Loss::Reconstruction => [m.train_reconstruction, m.test_reconstruction],
            Loss::Kl => [m.train_kl, m.test_kl],
        }
    }
}

/// One loss of several runs through their epochs (epoch 1 first): each run's train curve, and
/// its test curve dashed where it has one.
pub fn training_curves(
    title: &str,
    runs: &[(String, &[EpochMetrics])],
    loss: Loss,
    log_y: bool,
) -> Figure {
    let mut series = Vec::new();
    for (color, (label, epochs)) in runs.iter().enumerate() {
        for (k, (part, style)) in [("train", Line::Solid), ("test", Line::Dashed)]
            .into_iter()
            .enumerate()
        {
            let points: Vec<[f64; 2]> = epochs
                .iter()
                .map(|m| [m.epoch as f64 + 1.0, loss.of(m)[k]])
                .filter(|p| p[1].is_finite())
                .collect();
            if !points.is_empty() {
                series.push(Series {
                    label: format!("{label} {part}"),
                    points,
                    style,
                    color,
                });
            }
        }
    }
    Figure::Curves(Curves {
        title: title.to_string(),
        x_label: "epoch".into(),
        y_label: loss.name().into(),
        log_y,
        series,
    })
}

/// Predicted against true accuracy (%), the line y = x drawn.
pub fn predicted_vs_true(title: &str, pairs: &[(f64, f64)]) -> Figure {
    let points = pairs
        .iter()
        .map(|&(truth, predicted)| Point {
            x: truth,
            y: predicted,
            value: None,
        })
        .collect();
    let mut fig = Scatter::new(title, "true accuracy (%)", "predicted accuracy (%)", points);
    fig.diagonal = true;
    Figure::Scatter(fig)
}
