//! A learned operation embedding (the *-EMB models) drawn as points, one per operation, on the
//! table's first two principal axes: which operations the model put close together. The
//! training panel shows the open run's; Compare shows several runs' side by side.

use egui::Ui;
use egui_plot::{Legend, Plot, Points};

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
    Plot::new(id)
        .legend(Legend::default())
        .data_aspect(1.0)
        .show(ui, |p| {
            for (t, row) in rows.iter().enumerate() {
                let (x, y) = plane.project(row);
                let name = super::cell_view::short_name(space, t as u8);
                let full = space.type_name(t as u8);
                p.points(
                    Points::new(format!("{name} ({full})"), vec![[x, y]])
                        .radius(6.0)
                        .color(super::colormap::op_color(t as u8)),
                );
            }
        });
}
