//! Points in a plane coloured by a value, with a colour bar: a latent map (PCA, t-SNE, an
//! epoch's snapshot), a decoded landscape, predicted against true accuracy.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::{UNKNOWN, viridis_rgb};
use super::{FigureError, Pen, drawn, titled};

/// One point; `value` picks its colour on the [`ColorBar`] (grey without one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub value: Option<f64>,
}

/// The colour bar's steps.
const STEPS: usize = 64;

/// What the colours mean: viridis from `low` to `high`, values outside taking the end colours.
#[derive(Debug, Clone, PartialEq)]
pub struct ColorBar {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

impl ColorBar {
    /// From the 10th percentile to the maximum of `values` (the explorer's scale, so that a
    /// few very poor cells do not squash every other colour together).
    pub fn robust(label: &str, values: impl Iterator<Item = f64>) -> Self {
        let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let (low, high) = match (v.get(v.len() / 10), v.last()) {
            (Some(&lo), Some(&hi)) if hi > lo => (lo, hi),
            (Some(&lo), _) => (lo, lo + 1.0),
            _ => (0.0, 1.0),
        };
        Self {
            label: label.to_string(),
            low,
            high,
        }
    }

    /// The colour of `value`: one of the bar's [`STEPS`] colours, so that a point's colour
    /// is exactly one the bar shows (and a PNG of thousands of points compresses well).
    fn rgb(&self, value: Option<f64>) -> RGBColor {
        let [r, g, b] = value.map_or(UNKNOWN, |v| {
            let t = ((v - self.low) / (self.high - self.low)).clamp(0.0, 1.0);
            let step = (t * STEPS as f64).floor().min(STEPS as f64 - 1.0);
            viridis_rgb(((step + 0.5) / STEPS as f64) as f32)
        });
        RGBColor(r, g, b)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayStyle {
    /// Points joined in order (a walk), ringed in black.
    Path,
    /// Squares ringed in red (BO's evaluations, a marked cell).
    Squares,
    /// Points of the scatter's own size with a black dot in the middle: a colour that is a
    /// prediction, never to pass for a measured one.
    Predicted,
}

/// Points drawn over the others, named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub label: String,
    pub style: OverlayStyle,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<Point>,
    /// `None`: every point is drawn grey and no bar is shown.
    pub color: Option<ColorBar>,
    pub overlays: Vec<Overlay>,
    /// Draw the line y = x (predicted against true).
    pub diagonal: bool,
    /// Radius of a point, in points.
    pub radius: f64,
    /// Draw each point as a square of this side in data units (the tiles of a decoded grid)
    /// instead of a dot.
    pub tile: Option<f64>,
}

impl Scatter {
    /// A scatter of `points` with the usual point size and nothing over them.
    pub fn new(title: &str, x_label: &str, y_label: &str, points: Vec<Point>) -> Self {
        Self {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            points,
            color: None,
            overlays: Vec::new(),
            diagonal: false,
            radius: 2.0,
            tile: None,
        }
    }

    /// The x and y ranges that hold every point (and overlay), with a margin of 4 %.
    fn ranges(&self) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
        let all = self
            .points
            .iter()
            .chain(self.overlays.iter().flat_map(|o| &o.points))
            .filter(|p| p.x.is_finite() && p.y.is_finite());
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in all {
            (x0, x1, y0, y1) = (x0.min(p.x), x1.max(p.x), y0.min(p.y), y1.max(p.y));
        }
        if x0 > x1 {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if let Some(side) = self.tile {
            (x0, x1, y0, y1) = (
                x0 - side / 2.0,
                x1 + side / 2.0,
                y0 - side / 2.0,
                y1 + side / 2.0,
            );
        }
        if self.diagonal {
            (x0, x1) = (x0.min(y0), x1.max(y1));
            (y0, y1) = (x0, x1);
        }
        let pad = |a: f64, b: f64| {
            let m = if b > a { (b - a) * 0.04 } else { 0.5 };
            a - m..b + m
        };
        (pad(x0, x1), pad(y0, y1))
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Scatter,
    pen: Pen,
) -> Result<(), FigureError> {
    let body = titled(area, &fig.title, pen)?;
    let (plot, bar) = match &fig.color {
        Some(bar) => {
            let width = body.dim_in_pixel().0 as i32 - pen.px(78.0) as i32;
            let (plot, right) = body.split_horizontally(width.max(1));
            (plot, Some((right, bar)))
        }
        None => (body, None),
    };
    draw_points(&plot, fig, pen)?;
    if let Some((right, bar)) = bar {
        draw_bar(&right, bar, &fig.title, pen)?;
    }
    Ok(())
}

fn draw_points<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Scatter,
    pen: Pen,
) -> Result<(), FigureError> {
    let t = fig.title.as_str();
    let (xr, yr) = fig.ranges();
    let mut chart = drawn(
        t,
        ChartBuilder::on(area)
            .margin(pen.px(8.0))
            .x_label_area_size(pen.px(38.0))
            .y_label_area_size(pen.px(52.0))
            .build_cartesian_2d(xr.clone(), yr),
    )?;
    drawn(
        t,
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .x_desc(fig.x_label.as_str())
            .y_desc(fig.y_label.as_str())
            .label_style(pen.font(11.0))
            .axis_desc_style(pen.font(12.0))
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&super::tick)
            .y_label_formatter(&super::tick)
            .draw(),
    )?;
    if fig.diagonal {
        let line = LineSeries::new([(xr.start, xr.start), (xr.end, xr.end)], BLACK.mix(0.5));
        drawn(t, chart.draw_series(line))?;
    }
    let colour = |p: &Point| {
        fig.color
            .as_ref()
            .map_or(RGBColor(UNKNOWN[0], UNKNOWN[1], UNKNOWN[2]), |c| {
                c.rgb(p.value)
            })
    };
    // Unknown values first, then by value, so the best points are drawn on top.
    let mut order: Vec<&Point> = fig.points.iter().filter(|p| p.x.is_finite()).collect();
    order.sort_by(|a, b| {
        let key = |p: &Point| p.value.filter(|v| v.is_finite()).unwrap_or(f64::MIN);
        key(a).total_cmp(&key(b))
    });
    if let Some(side) = fig.tile {
        let tiles = order.iter().map(|p| tile(p, side, colour(p).filled()));
        drawn(t, chart.draw_series(tiles))?;
    } else {
        let r = pen.px(fig.radius);
        let dots = order
            .iter()
            .map(|p| Circle::new((p.x, p.y), r, colour(p).filled()));
        drawn(t, chart.draw_series(dots))?;
    }
    for overlay in &fig.overlays {
        draw_overlay(&mut chart, overlay, &colour, fig, pen, t)?;
    }
    if !fig.overlays.is_empty() {
        drawn(
            t,
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .label_font(pen.font(11.0))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw(),
        )?;
    }
    Ok(())
}

/// A square of `side` (data units) centred on `p`, a hair smaller so that neighbours show a
/// seam.
fn tile(p: &Point, side: f64, style: ShapeStyle) -> Rectangle<(f64, f64)> {
    let h = side * 0.47;
    Rectangle::new([(p.x - h, p.y - h), (p.x + h, p.y + h)], style)
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_overlay<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    overlay: &Overlay,
    colour: &dyn Fn(&Point) -> RGBColor,
    fig: &Scatter,
    pen: Pen,
    t: &str,
) -> Result<(), FigureError> {
    let xy: Vec<(f64, f64)> = overlay.points.iter().map(|p| (p.x, p.y)).collect();
    let r = pen.px(4.0) as i32;
    let ring = match overlay.style {
        OverlayStyle::Path | OverlayStyle::Predicted => BLACK,
        OverlayStyle::Squares => RED,
    };
    let stroke = ring.stroke_width(pen.px(1.2));
    let at = |p: &Point| (p.x, p.y);
    let legend = match overlay.style {
        OverlayStyle::Path => {
            drawn(t, chart.draw_series(LineSeries::new(xy, stroke)))?;
            let dots = overlay.points.iter().map(|p| {
                EmptyElement::at(at(p))
                    + Circle::new((0, 0), r, colour(p).filled())
                    + Circle::new((0, 0), r, stroke)
            });
            drawn(t, chart.draw_series(dots))?
        }
        OverlayStyle::Squares => {
            let squares = overlay.points.iter().map(|p| {
                EmptyElement::at(at(p))
                    + Rectangle::new([(-r, -r), (r, r)], colour(p).filled())
                    + Rectangle::new([(-r, -r), (r, r)], stroke)
            });
            drawn(t, chart.draw_series(squares))?
        }
        OverlayStyle::Predicted => {
            if let Some(side) = fig.tile {
                let tiles = overlay
                    .points
                    .iter()
                    .map(|p| tile(p, side, colour(p).filled()));
                drawn(t, chart.draw_series(tiles))?;
            }
            let size = if fig.tile.is_some() {
                0
            } else {
                pen.px(fig.radius)
            };
            let dot = pen.px(1.5).max(size / 4);
            let marked = overlay.points.iter().map(|p| {
                EmptyElement::at(at(p))
                    + Circle::new((0, 0), size, colour(p).filled())
                    + Circle::new((0, 0), dot, BLACK.filled())
            });
            drawn(t, chart.draw_series(marked))?
        }
    };
    let style = overlay.style;
    let dot = pen.px(1.5).max(pen.px(fig.radius) / 4);
    legend.label(overlay.label.as_str()).legend(move |(x, y)| {
        let at = (x + 8, y);
        let (ring, square, centre) = match style {
            OverlayStyle::Path => (r as u32, 0, 0),
            OverlayStyle::Squares => (0, r, 0),
            OverlayStyle::Predicted => (r as u32, 0, dot),
        };
        EmptyElement::at(at)
            + Circle::new((0, 0), ring, stroke)
            + Rectangle::new([(-square, -square), (square, square)], stroke)
            + Circle::new((0, 0), centre, BLACK.filled())
    });
    Ok(())
}

/// The colour bar: a column of viridis steps with its value axis and label.
fn draw_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    bar: &ColorBar,
    t: &str,
    pen: Pen,
) -> Result<(), FigureError> {
    let mut chart = drawn(
        t,
        ChartBuilder::on(area)
            .margin_top(pen.px(8.0))
            .margin_bottom(pen.px(46.0))
            .margin_right(pen.px(4.0))
            .set_label_area_size(LabelAreaPosition::Right, pen.px(44.0))
            .build_cartesian_2d(0.0..1.0, bar.low..bar.high),
    )?;
    drawn(
        t,
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(bar.label.as_str())
            .label_style(pen.font(11.0))
            .axis_desc_style(pen.font(12.0))
            .y_labels(6)
            .y_label_formatter(&super::tick)
            .draw(),
    )?;
    let step = (bar.high - bar.low) / STEPS as f64;
    let cells = (0..STEPS).map(|k| {
        let lo = bar.low + step * k as f64;
        let mid = Some(lo + step / 2.0);
        Rectangle::new([(0.0, lo), (1.0, lo + step)], bar.rgb(mid).filled())
    });
    drawn(t, chart.draw_series(cells))?;
    Ok(())
}
