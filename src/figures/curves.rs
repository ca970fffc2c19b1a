//! Lines over a shared x axis with a legend: training curves (the operation-embeddings paper's
//! Figures 3-4), with a log scale for losses that span decades.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::QUALITATIVE;
use super::{FigureError, Pen, drawn, titled};

/// One named line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<[f64; 2]>,
    pub style: Line,
    /// Index into the qualitative palette (a run's train and test curves share one).
    pub color: usize,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    Solid,
    /// A test curve beside its train curve.
    Dashed,
    /// Points without a line (each of BO's evaluations).
    Dots,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// y on a log scale: values are drawn at log10(y) and the axis reads the values.
    pub log_y: bool,
    pub series: Vec<Series>,
}

impl Curves {
    /// The drawn y of a value; `None` for what a log scale cannot show.
    fn y(&self, v: f64) -> Option<f64> {
        match (self.log_y, v.is_finite()) {
            (_, false) => None,
            (true, _) if v <= 0.0 => None,
            (true, _) => Some(v.log10()),
            (false, _) => Some(v),
        }
    }

    fn drawn_points(&self, s: &Series) -> Vec<(f64, f64)> {
        s.points
            .iter()
            .filter_map(|&[x, v]| Some((x, self.y(v)?)).filter(|_| x.is_finite()))
            .collect()
    }

    fn ranges(&self) -> (std::ops::Range<f64>, std::ops::Range<f64>) {
        let all: Vec<(f64, f64)> = self
            .series
            .iter()
            .flat_map(|s| self.drawn_points(s))
            .collect();
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(x, y) in &all {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if all.is_empty() {
            return (0.0..1.0, 0.0..1.0);
        }
        let m = if y1 > y0 { (y1 - y0) * 0.05 } else { 0.5 };
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        (x0..x1, y0 - m..y1 + m)
    }
}

/// `v` with three significant digits (an axis label of the log scale: 126, 79.4, 0.0501).
pub fn significant(v: f64) -> String {
    let decimals = (2.0 - v.abs().max(1e-12).log10().floor()).clamp(0.0, 12.0) as usize;
    format!("{v:.decimals$}")
}

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Curves,
    pen: Pen,
) -> Result<(), FigureError> {
    let t = fig.title.as_str();
    let body = titled(area, t, pen)?;
    let (xr, yr) = fig.ranges();
    let mut chart = drawn(
        t,
        ChartBuilder::on(&body)
            .margin(pen.px(8.0))
            .x_label_area_size(pen.px(38.0))
            .y_label_area_size(pen.px(56.0))
            .build_cartesian_2d(xr, yr),
    )?;
    let log = fig.log_y;
    let y_label = if log {
        format!("{} (log scale)", fig.y_label)
    } else {
        fig.y_label.clone()
    };
    let y_format = move |v: &f64| {
        if log {
            significant(10f64.powf(*v))
        } else {
            super::tick(v)
        }
    };
    drawn(
        t,
        chart
            .configure_mesh()
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .x_desc(fig.x_label.as_str())
            .y_desc(y_label)
            .y_label_formatter(&y_format)
            .x_label_formatter(&super::tick)
            .label_style(pen.font(11.0))
            .axis_desc_style(pen.font(12.0))
            .x_labels(8)
            .y_labels(7)
            .draw(),
    )?;
    for s in &fig.series {
        draw_one(&mut chart, fig, s, pen)?;
    }
    drawn(
        t,
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(pen.font(11.0))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw(),
    )
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// One series, with its legend entry.
fn draw_one<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    fig: &Curves,
    s: &Series,
    pen: Pen,
) -> Result<(), FigureError> {
    let t = fig.title.as_str();
    let [r, g, b] = QUALITATIVE[s.color % QUALITATIVE.len()];
    let style = RGBColor(r, g, b).stroke_width(pen.px(1.6));
    let points = fig.drawn_points(s);
    let dot = pen.px(1.8);
    let series = match s.style {
        Line::Solid => drawn(t, chart.draw_series(LineSeries::new(points, style)))?,
        Line::Dashed => {
            let dash = pen.px(5.0);
            let dashes = DashedLineSeries::new(points, dash, dash, style);
            drawn(t, chart.draw_series(dashes))?
        }
        Line::Dots => {
            let dots = points
                .into_iter()
                .map(|p| Circle::new(p, dot, style.filled()));
            drawn(t, chart.draw_series(dots))?
        }
    };
    let kind = s.style;
    let dash = pen.px(3.0) as i32;
    series.label(s.label.as_str()).legend(move |(x, y)| {
        let end = match kind {
            Line::Dashed => x + 2 * dash,
            _ => x + 18,
        };
        let (tip, path) = ((x + 9, y), vec![(x, y), (end, y)]);
        let width = if kind == Line::Dots {
            0
        } else {
            style.stroke_width
        };
        EmptyElement::at((0, 0))
            + PathElement::new(path, style.stroke_width(width))
            + Circle::new(
                tip,
                if kind == Line::Dots { dot } else { 0 },
                style.filled(),
            )
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_labels_have_three_significant_digits() {
        assert_eq!(significant(125.893), "126");
        assert_eq!(significant(79.433), "79.4");
        assert_eq!(significant(1.0), "1.00");
        assert_eq!(significant(0.050_12), "0.0501");
    }

    #[test]
    fn a_log_scale_leaves_out_what_it_cannot_show() {
        let c = Curves {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            log_y: true,
            series: vec![Series {
                label: "a".into(),
                points: vec![[0.0, 100.0], [1.0, 0.0], [2.0, f64::NAN], [3.0, 0.01]],
                style: Line::Solid,
                color: 0,
            }],
        };
        assert_eq!(c.drawn_points(&c.series[0]), vec![(0.0, 2.0), (3.0, -2.0)]);
    }
}
