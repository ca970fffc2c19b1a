//! Cells drawn as DAGs in a grid: a walk's decoded cells (SVGe's Figure 2), candidates. Each
//! cell in layers from input (left) to output (right), nodes coloured and labelled by
//! operation, edges as arrows; the explorer's `cell_view` draws the same layout on screen.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::op_rgb;
use super::{FigureError, Pen, drawn, titled};
use crate::space::{Cell, SpaceKind};

/// One cell with the line written above it; `None`: nothing was decoded there.
#[derive(Debug, Clone, PartialEq)]
pub struct CellPanel {
    pub caption: String,
    pub cell: Option<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CellStrip {
    pub title: String,
    pub space: SpaceKind,
    pub cells: Vec<CellPanel>,
    /// Cells to a row; 0: as many as keep each cell's box about 1.6 times as wide as high.
    pub columns: usize,
}

/// The number of columns that gives `n` boxes in a `w` × `h` area the shape closest to 1.6 : 1.
fn auto_columns(n: usize, w: f64, h: f64) -> usize {
    let shape = |c: usize| {
        let rows = n.div_ceil(c) as f64;
        ((w / c as f64) / (h / rows) / 1.6).ln().abs()
    };
    (1..=n.max(1))
        .min_by(|&a, &b| shape(a).total_cmp(&shape(b)))
        .unwrap_or(1)
}

/// Layer of each node: the longest path from a source (cells are in topological order).
pub fn layers(cell: &Cell) -> Vec<usize> {
    let mut layer = vec![0usize; cell.len()];
    for j in 0..cell.len() {
        for i in 0..j {
            if cell.has_edge(i, j) {
                layer[j] = layer[j].max(layer[i] + 1);
            }
        }
    }
    layer
}

/// Node centres as fractions of a box ([0, 1]²): layer by layer left to right, spread
/// vertically within a layer.
pub fn unit_positions(cell: &Cell) -> Vec<[f32; 2]> {
    let layer = layers(cell);
    let depth = layer.iter().copied().max().unwrap_or(0);
    let mut in_layer = vec![0usize; depth + 1];
    let mut slot = vec![0usize; cell.len()];
    for (i, &l) in layer.iter().enumerate() {
        slot[i] = in_layer[l];
        in_layer[l] += 1;
    }
    (0..cell.len())
        .map(|i| {
            let l = layer[i];
            let x = if depth == 0 {
                0.5
            } else {
                l as f32 / depth as f32
            };
            [x, (slot[i] as f32 + 0.5) / in_layer[l] as f32]
        })
        .collect()
}

/// Short label of a node type: "in", "out", or the operation's kind and kernel size
/// ("c3" for a 3x3 convolution, "sep5", "avg3", "max3", "skip", "none").
pub fn short_name(space: SpaceKind, t: u8) -> String {
    match t {
        crate::space::INPUT => "in".into(),
        crate::space::OUTPUT => "out".into(),
        _ => {
            let name = space.type_name(t).to_ascii_lowercase();
            let kind = ["sep", "avg", "max"]
                .into_iter()
                .find(|k| name.contains(k))
                .or_else(|| name.contains("conv").then_some("c"))
                .or_else(|| name.contains("skip").then_some("skip"));
            let Some(kind) = kind else {
                return name.chars().take(5).collect();
            };
            // The kernel size: the digit before the first "x" of "3x3".
            let kernel = name
                .find('x')
                .and_then(|i| name[..i].chars().last())
                .filter(|c| c.is_ascii_digit());
            match kernel {
                Some(k) => format!("{kind}{k}"),
                None => kind.to_string(),
            }
        }
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &CellStrip,
    pen: Pen,
) -> Result<(), FigureError> {
    let t = fig.title.as_str();
    let body = titled(area, t, pen)?;
    let legend_h = pen.px(24.0) as i32;
    let (grid, legend) = body.split_vertically(body.dim_in_pixel().1 as i32 - legend_h);
    let (gw, gh) = grid.dim_in_pixel();
    let columns = match fig.columns {
        0 => auto_columns(fig.cells.len(), gw as f64, gh as f64),
        c => c.clamp(1, fig.cells.len().max(1)),
    };
    let rows = fig.cells.len().div_ceil(columns).max(1);
    let boxes = grid.split_evenly((rows, columns));
    for (panel, sub) in fig.cells.iter().zip(&boxes) {
        draw_panel(sub, panel, fig.space, pen, t)?;
    }
    draw_legend(&legend, fig.space, pen, t)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &CellPanel,
    space: SpaceKind,
    pen: Pen,
    t: &str,
) -> Result<(), FigureError> {
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let pad = pen.px(4.0) as i32;
    let frame = Rectangle::new(
        [(pad / 2, pad / 2), (w - pad / 2, h - pad / 2)],
        RGBColor(246, 246, 246).filled(),
    );
    drawn(t, area.draw(&frame))?;
    let caption_h = pen.px(16.0) as i32;
    let centre_top = Pos::new(HPos::Center, VPos::Top);
    let caption = Text::new(
        panel.caption.clone(),
        (w / 2, pad),
        pen.font(10.5).pos(centre_top),
    );
    drawn(t, area.draw(&caption))?;
    let Some(cell) = &panel.cell else {
        let centre = Pos::new(HPos::Center, VPos::Center);
        let text = Text::new(
            "nothing decoded",
            (w / 2, h / 2),
            pen.font(10.0).pos(centre),
        );
        return drawn(t, area.draw(&text));
    };
    let inner = [(pad * 2, caption_h + pad), (w - pad * 2, h - pad * 2)];
    draw_dag(area, cell, space, inner, pen, t)
}

/// The DAG inside `rect` (pixels of `area`).
fn draw_dag<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cell: &Cell,
    space: SpaceKind,
    rect: [(i32, i32); 2],
    pen: Pen,
    t: &str,
) -> Result<(), FigureError> {
    let [(x0, y0), (x1, y1)] = rect;
    let (rw, rh) = ((x1 - x0).max(1) as f32, (y1 - y0).max(1) as f32);
    // Neighbouring layers stay at least a node and a short arrow apart.
    let depth = layers(cell).into_iter().max().unwrap_or(0).max(1) as f32;
    let radius = (rh / (2.0 * cell.len().max(2) as f32))
        .clamp(pen.px(7.0) as f32, pen.px(13.0) as f32)
        .min(rw / (2.0 * depth + 2.0) * 0.75);
    let inset = radius + 1.0;
    let pos: Vec<(f32, f32)> = unit_positions(cell)
        .iter()
        .map(|[u, v]| {
            (
                x0 as f32 + inset + u * (rw - 2.0 * inset),
                y0 as f32 + v * rh,
            )
        })
        .collect();
    let layer = layers(cell);
    let edge = RGBColor(90, 90, 90).stroke_width(pen.px(1.1));
    for (i, j) in cell.edges() {
        let span = layer[j] - layer[i];
        let path = edge_path(pos[i], pos[j], span, (i + j) % 2 == 0, radius, rh);
        draw_arrow(area, &path, edge, pen, t)?;
    }
    let font = pen.font(f64::from(radius * 0.85 / pen.scale as f32).clamp(6.5, 11.0));
    let centre = Pos::new(HPos::Center, VPos::Center);
    for (i, &ty) in cell.types().iter().enumerate() {
        let [r, g, b] = op_rgb(ty);
        let at = (pos[i].0.round() as i32, pos[i].1.round() as i32);
        let node = Circle::new(at, radius.round() as u32, RGBColor(r, g, b).filled());
        drawn(t, area.draw(&node))?;
        let label = Text::new(
            short_name(space, ty),
            at,
            font.clone().color(&WHITE).pos(centre),
        );
        drawn(t, area.draw(&label))?;
    }
    Ok(())
}

/// The points of an edge from `a` to `b`, cut back by the node radius at both ends: straight
/// between neighbouring layers; an edge that skips layers bows out (alternately up and down,
/// by `up`) so that it does not hide the edges it passes.
fn edge_path(
    a: (f32, f32),
    b: (f32, f32),
    span: usize,
    up: bool,
    radius: f32,
    height: f32,
) -> Vec<(f32, f32)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-3);
    let (ux, uy) = (dx / len, dy / len);
    if span <= 1 {
        return vec![
            (a.0 + ux * radius, a.1 + uy * radius),
            (b.0 - ux * radius, b.1 - uy * radius),
        ];
    }
    let side = if up { -1.0 } else { 1.0 };
    let bow = side * (8.0 + 6.0 * span as f32).min(height / 2.5);
    let c = ((a.0 + b.0) / 2.0 - uy * bow, (a.1 + b.1) / 2.0 + ux * bow);
    let bezier = |s: f32| {
        let q = 1.0 - s;
        (
            q * q * a.0 + 2.0 * q * s * c.0 + s * s * b.0,
            q * q * a.1 + 2.0 * q * s * c.1 + s * s * b.1,
        )
    };
    let outside =
        |p: (f32, f32), n: (f32, f32)| ((p.0 - n.0).powi(2) + (p.1 - n.1).powi(2)).sqrt() > radius;
    (0..=24)
        .map(|k| bezier(k as f32 / 24.0))
        .filter(|&p| outside(p, a) && outside(p, b))
        .collect()
}

/// A polyline with an arrowhead at its last point.
fn draw_arrow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    path: &[(f32, f32)],
    style: ShapeStyle,
    pen: Pen,
    t: &str,
) -> Result<(), FigureError> {
    let (Some(&end), true) = (path.last(), path.len() >= 2) else {
        return Ok(());
    };
    let before = path[path.len() - 2];
    let pixels: Vec<(i32, i32)> = path
        .iter()
        .map(|&(x, y)| (x.round() as i32, y.round() as i32))
        .collect();
    drawn(t, area.draw(&PathElement::new(pixels, style)))?;
    let (dx, dy) = (end.0 - before.0, end.1 - before.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-3);
    let (ux, uy) = (dx / len, dy / len);
    let size = pen.px(5.0) as f32;
    let back = (end.0 - ux * size, end.1 - uy * size);
    let head = [
        end,
        (back.0 - uy * size * 0.5, back.1 + ux * size * 0.5),
        (back.0 + uy * size * 0.5, back.1 - ux * size * 0.5),
    ]
    .map(|(x, y)| (x.round() as i32, y.round() as i32));
    drawn(
        t,
        area.draw(&Polygon::new(head.to_vec(), style.color.filled())),
    )
}

/// One line naming every operation's colour: "c3 = conv3x3".
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    space: SpaceKind,
    pen: Pen,
    t: &str,
) -> Result<(), FigureError> {
    let font = pen.font(10.0);
    let left = Pos::new(HPos::Left, VPos::Center);
    let y = area.dim_in_pixel().1 as i32 / 2;
    let mut x = pen.px(8.0) as i32;
    let dot = pen.px(4.5);
    for (k, name) in space.op_names().iter().enumerate() {
        let ty = crate::space::FIRST_OP + k as u8;
        let [r, g, b] = op_rgb(ty);
        drawn(
            t,
            area.draw(&Circle::new(
                (x + dot as i32, y),
                dot,
                RGBColor(r, g, b).filled(),
            )),
        )?;
        x += 3 * dot as i32;
        let text = format!("{} = {name}", short_name(space, ty));
        let (tw, _) = drawn(t, area.estimate_text_size(&text, &font))?;
        drawn(
            t,
            area.draw(&Text::new(text, (x, y), font.clone().pos(left))),
        )?;
        x += tw as i32 + pen.px(14.0) as i32;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_tell_operations_apart() {
        for space in SpaceKind::ALL {
            let names: Vec<String> = (0..space.op_names().len())
                .map(|k| short_name(space, crate::space::FIRST_OP + k as u8))
                .collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{space}: {names:?}");
        }
        assert_eq!(
            short_name(SpaceKind::Nb201, crate::space::FIRST_OP + 3),
            "c3"
        );
    }

    #[test]
    fn layers_follow_the_longest_path() {
        // in -> a -> b -> out, plus in -> out directly.
        let cell = Cell::new(vec![0, 2, 3, 1], &[(0, 1), (1, 2), (2, 3), (0, 3)]).unwrap();
        assert_eq!(layers(&cell), vec![0, 1, 2, 3]);
        let pos = unit_positions(&cell);
        assert!(pos.windows(2).all(|w| w[0][0] < w[1][0]));
    }

    #[test]
    fn auto_columns_keep_boxes_wide() {
        assert_eq!(auto_columns(14, 1400.0, 400.0), 6);
        assert_eq!(auto_columns(1, 900.0, 600.0), 1);
        assert_eq!(auto_columns(6, 300.0, 900.0), 1);
    }

    #[test]
    fn a_bowed_edge_leaves_both_nodes() {
        let path = edge_path((0.0, 50.0), (200.0, 50.0), 3, true, 10.0, 100.0);
        assert!(path.len() > 5);
        assert!(path.iter().all(|p| p.0 > 0.0 && p.0 < 200.0));
        assert!(path[path.len() / 2].1 < 50.0, "bows up: {path:?}");
    }
}
