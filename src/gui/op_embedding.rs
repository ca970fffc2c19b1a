//! A learned operation embedding (the *-EMB models) drawn as points, one per operation, on the
//! table's first two principal axes: which operations the model put close together. The
//! training panel shows the open run's; Compare shows several runs' side by side.

use egui::{Align2, RichText, Ui};
use egui_plot::{Plot, PlotPoint, Points, Text};

use crate::space::SpaceKind;

/// Draws `rows` (one embedding row per node type of `space`) as a plot named `id`.
pub fn op_embedding_plot(ui: &mut Ui, id: &str, space: SpaceKind, rows: &[Vec<f32>]) {
    let plane = match crate::explore::PcaPlane::fit(rows) {
        Ok(p) => p,
        Err(e) => {
            ui.label(format!("cannot project the embedding: {e}"));
            return;
        }
    };
    // Each point named beside it (a legend box would hide points in a small plot); the
    // inspector's legend gives the full names.
    Plot::new(id).data_aspect(1.0).show(ui, |p| {
        for (t, row) in rows.iter().enumerate() {
            let (x, y) = plane.project(row);
            let name = super::cell_view::short_name(space, t as u8);
            let full = space.type_name(t as u8);
            let color = super::colormap::op_color(t as u8);
            p.points(
                Points::new(format!("{name} ({full})"), vec![[x, y]])
                    .radius(6.0)
                    .color(color),
            );
            p.text(
                Text::new(
                    name.clone(),
                    PlotPoint::new(x, y),
                    RichText::new(format!("  {name}")),
                )
                .anchor(Align2::LEFT_CENTER)
                .color(color),
            );
        }
    });
}
