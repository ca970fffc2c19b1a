//! The one drawing of a cell used everywhere: a DAG in layers from input (left) to output
//! (right), nodes coloured and labelled by operation, edges as arrows.

use egui::{Color32, Pos2, Rect, Response, Sense, Stroke, Ui, Vec2, pos2, vec2};

use super::colormap::op_color;
use crate::space::{Cell, SpaceKind};

pub use crate::figures::{layers, short_name};

/// Node centres inside `rect`, layer by layer left to right, spread vertically within a layer
/// (the layout figure files use, `crate::figures::unit_positions`).
pub fn node_positions(cell: &Cell, rect: Rect) -> Vec<Pos2> {
    crate::figures::unit_positions(cell)
        .into_iter()
        .map(|[x, y]| {
            pos2(
                rect.left() + 14.0 + x * (rect.width() - 28.0),
                rect.top() + y * rect.height(),
            )
        })
        .collect()
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
    fn nodes_go_left_to_right_by_layer() {
        // in -> a -> b -> out, plus in -> out directly.
        let cell = Cell::new(vec![0, 2, 3, 1], &[(0, 1), (1, 2), (2, 3), (0, 3)]).unwrap();
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(200.0, 100.0));
        let pos = node_positions(&cell, rect);
        assert!(pos.windows(2).all(|w| w[0].x < w[1].x));
        assert!(pos.iter().all(|p| rect.contains(*p)));
    }
}
