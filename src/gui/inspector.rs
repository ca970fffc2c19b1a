//! The selected cell: its drawing, where it is in the table, its accuracy (true and
//! predicted) and graph properties, and what can be done with it (pin it, walk from it: asked
//! of whichever panel does that, as a [`Request`]).

use egui::{Ui, vec2};

use crate::gui::cell_view::{cell_view, legend};
use crate::gui::selection::Selection;
use crate::gui::view::{Action, Ctx, Request};
use crate::space::properties::{average_path_length, clustering_coefficient};

#[derive(Default)]
pub struct Inspector {
    /// The GP's prediction at the selected decoded point (its latent, the value).
    pub decoded_prediction: Option<(Vec<f32>, Option<f64>)>,
}

impl Inspector {
    pub fn show(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Selected cell");
        self.update_prediction(ctx);
        if let Some(request) = self.details(ctx, ui) {
            actions.push(Action::Request(request));
        }
        ui.separator();
        if let Some(ws) = ctx.workspace {
            ui.label("Operations");
            legend(ui, ws.space);
        }
    }

    /// The GP's prediction at a decoded point, computed once per selection.
    fn update_prediction(&mut self, ctx: &Ctx) {
        let Some(Selection::Decoded { latent, .. }) = ctx.selection else {
            return;
        };
        if self
            .decoded_prediction
            .as_ref()
            .is_some_and(|(l, _)| l == latent)
        {
            return;
        }
        let gp = ctx
            .workspace
            .and_then(|w| w.run.as_ref())
            .and_then(|r| r.surrogate.clone());
        let value = gp.and_then(|gp| {
            gp.predict(std::slice::from_ref(latent))
                .ok()?
                .first()
                .map(|p| p.0)
        });
        self.decoded_prediction = Some((latent.clone(), value));
    }

    fn details(&self, ctx: &Ctx, ui: &mut Ui) -> Option<Request> {
        let ws = ctx.workspace?;
        let mut action = None;
        let space = ws.space;
        match ctx.selection {
            None => {
                ui.label("Click a point on a map, a walk step, a grid cell or a BO result.");
            }
            Some(Selection::Decoded { cell: None, .. }) => {
                ui.label("The decoder produced no cell at this point.");
            }
            Some(sel) => {
                let (cell, row, origin) = match sel {
                    Selection::Row(r) => (
                        ws.data.records[*r].cell.clone(),
                        Some(*r),
                        "table".to_string(),
                    ),
                    Selection::Decoded {
                        cell: Some(c),
                        row,
                        origin,
                        ..
                    } => (c.clone(), *row, format!("decoded from {origin}")),
                    Selection::Decoded { cell: None, .. } => unreachable!("handled above"),
                };
                ui.weak(&origin);
                cell_view(
                    ui,
                    &cell,
                    space,
                    vec2(ui.available_width().min(320.0), 170.0),
                );
                let valid = space.is_valid(&cell);
                egui::Grid::new("inspector").num_columns(2).show(ui, |ui| {
                    ui.label("valid");
                    ui.label(if valid { "yes" } else { "no" });
                    ui.end_row();
                    ui.label("in the table");
                    match row {
                        Some(r) => ui.label(format!("yes, id {}", ws.data.records[r].id)),
                        None => ui.label("no"),
                    };
                    ui.end_row();
                    ui.label("true accuracy");
                    match row.and_then(|r| ws.data.records[r].accuracy) {
                        Some(a) => {
                            let better = ws
                                .data
                                .records
                                .iter()
                                .filter(|x| x.accuracy.is_some_and(|b| b > a))
                                .count();
                            ui.label(format!("{a:.2} % (rank {})", better + 1))
                        }
                        None => ui.label("unknown"),
                    };
                    ui.end_row();
                    let at_point = match (ctx.selection, &self.decoded_prediction) {
                        (Some(Selection::Decoded { latent, .. }), Some((l, p))) if l == latent => {
                            *p
                        }
                        _ => None,
                    };
                    let predicted = row
                        .and_then(|r| ws.run.as_ref()?.predicted.as_ref().map(|p| p[r]))
                        .or(at_point);
                    if let Some(p) = predicted {
                        ui.label("predicted (GP)");
                        ui.label(format!("{p:.2} %"));
                        ui.end_row();
                    }
                    ui.label("nodes / edges");
                    ui.label(format!("{} / {}", cell.len(), cell.edge_count()));
                    ui.end_row();
                    ui.label("avg path length");
                    ui.label(format!("{:.3}", average_path_length(&cell)));
                    ui.end_row();
                    ui.label("clustering coeff.");
                    ui.label(format!("{:.3}", clustering_coefficient(&cell)));
                    ui.end_row();
                });
                if let Some((key, s)) = crate::explore::candidates::space_string(space, &cell) {
                    ui.label(format!("{key}:"));
                    ui.add(egui::Label::new(egui::RichText::new(s).monospace()).wrap());
                }
                ui.horizontal(|ui| {
                    if ui.button("Pin as candidate").clicked() {
                        action = Some(Request::Pin {
                            cell: cell.clone(),
                            row,
                            origin: origin.clone(),
                        });
                    }
                    let can_walk = ws.run.is_some();
                    if ui
                        .add_enabled(can_walk, egui::Button::new("Walk from here"))
                        .clicked()
                    {
                        action = Some(Request::WalkFrom);
                    }
                });
            }
        }
        action
    }
}
