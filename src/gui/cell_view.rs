//! The one drawing of a cell used everywhere: a DAG in layers from input (left) to output
//! (right), nodes coloured and labelled by operation, edges as arrows.

use egui::{Color32, Pos2, Rect, Response, Sense, Stroke, Ui, Vec2, pos2, vec2};

use super::colormap::op_color;
use crate::space::{Cell, SpaceKind};

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

/// Node centres inside `rect`, layer by layer left to right, spread vertically within a layer.
pub fn node_positions(cell: &Cell, rect: Rect) -> Vec<Pos2> {
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
            let y = (slot[i] as f32 + 0.5) / in_layer[l] as f32;
            pos2(
                rect.left() + 14.0 + x * (rect.width() - 28.0),
                rect.top() + y * rect.height(),
            )
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
            let kind = if name.contains("sep") {
                "sep"
            } else if name.contains("avg") {
                "avg"
            } else if name.contains("max") {
                "max"
            } else if name.contains("conv") {
                "c"
            } else if name.contains("skip") {
                "skip"
            } else {
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

/// Draws `cell` into a widget of `size`; hovering shows the full operation names.
pub fn cell_view(ui: &mut Ui, cell: &Cell, space: SpaceKind, size: Vec2) -> Response {
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
    let pos = node_positions(cell, rect.shrink(4.0));
    let radius = (rect.height() / (2.0 * cell.len().max(2) as f32))
        .clamp(6.0, 13.0)
        .min(rect.width() / 14.0);
    let edge_color = ui.visuals().text_color().gamma_multiply(0.7);
    let stroke = Stroke::new(1.2, edge_color);
    let layer = layers(cell);
    for (i, j) in cell.edges() {
        let (a, b) = (pos[i], pos[j]);
        let span = layer[j] - layer[i];
        if span <= 1 {
            let dir = (b - a).normalized();
            let (start, end) = (a + dir * radius, b - dir * radius);
            painter.arrow(start, end - start, stroke);
            continue;
        }
        // An edge that skips layers bows out of the straight line, alternately up and down,
        // so that it does not hide the edges it passes.
        let normal = (b - a).normalized().rot90();
        let side = if (i + j) % 2 == 0 { 1.0 } else { -1.0 };
        let bow = side * (8.0 + 6.0 * span as f32).min(rect.height() / 2.5);
        let control = egui::pos2((a.x + b.x) / 2.0, (a.y + b.y) / 2.0) + normal * bow;
        let start = a + (control - a).normalized() * radius;
        let end = b + (control - b).normalized() * radius;
        painter.add(egui::epaint::QuadraticBezierShape::from_points_stroke(
            [start, control, end],
            false,
            Color32::TRANSPARENT,
            stroke,
        ));
        let tip = (end - control).normalized() * 6.0;
        painter.arrow(end - tip, tip, stroke);
    }
    let font = egui::FontId::proportional((radius * 0.8).clamp(7.0, 11.0));
    for (i, &t) in cell.types().iter().enumerate() {
        let fill = op_color(t);
        painter.circle(pos[i], radius, fill, Stroke::new(1.0, Color32::WHITE));
        painter.text(
            pos[i],
            egui::Align2::CENTER_CENTER,
            short_name(space, t),
            font.clone(),
            Color32::WHITE,
        );
    }
    response.on_hover_ui(|ui| {
        ui.label(cell.to_text(space.op_names()));
    })
}

/// The legend of operation colours of a space.
pub fn legend(ui: &mut Ui, space: SpaceKind) {
    ui.horizontal_wrapped(|ui| {
        for (k, name) in space.op_names().iter().enumerate() {
            let t = crate::space::FIRST_OP + k as u8;
            let (rect, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
            ui.painter().circle_filled(rect.center(), 5.0, op_color(t));
            ui.label(format!("{} = {name}", short_name(space, t)));
        }
    });
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
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(200.0, 100.0));
        let pos = node_positions(&cell, rect);
        assert!(pos.windows(2).all(|w| w[0].x < w[1].x));
    }
}
