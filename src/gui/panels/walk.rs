//! Walk (SVGe figure 2): decode equidistant points on a great circle through the selected
//! cell (or a straight line to a second cell); a strip of the decoded cells with edit distance
//! and accuracy per step, and the path on the PCA map.

use egui::{Color32, Stroke, Ui, vec2};

use crate::explore::{LatentDecoder, WalkStep, great_circle_walk, line_walk};
use crate::gui::app::{CellspaceApp, Selection};
use crate::gui::cell_view::cell_view;
use crate::gui::tasks::{Outcome, Task, take_finished};

use super::latent_map::{MapOwner, Projection, map_widget};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkMode {
    GreatCircle,
    Line,
}

pub struct WalkState {
    pub steps: usize,
    pub seed: u64,
    pub mode: WalkMode,
    /// Id of the line walk's end cell.
    pub target: String,
    pub task: Option<Task<(), Vec<WalkStep>>>,
    pub result: Vec<WalkStep>,
    pub start_label: String,
    /// This panel's own pan and zoom.
    pub view: super::latent_map::ViewSlot,
}

impl Default for WalkState {
    fn default() -> Self {
        Self {
            steps: 14,
            seed: 0,
            mode: WalkMode::GreatCircle,
            target: String::new(),
            task: None,
            result: Vec::new(),
            start_label: String::new(),
            view: None,
        }
    }
}

impl WalkState {
    pub fn reset(&mut self) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        self.task = None;
        self.result.clear();
        self.view = None;
    }
}

pub fn poll(app: &mut CellspaceApp) {
    match take_finished(&mut app.walk.task) {
        Some(Outcome::Done(steps)) => app.walk.result = steps,
        Some(Outcome::Failed(e)) => app.errors.push(e),
        Some(Outcome::Cancelled) | None => {}
    }
}

/// The latent point of the current selection.
fn selected_latent(app: &CellspaceApp) -> Option<(Vec<f32>, String)> {
    let ws = app.workspace.as_ref()?;
    let run = ws.run.as_ref()?;
    match app.selection.as_ref()? {
        Selection::Row(r) => Some((
            run.latents[*r].clone(),
            format!("cell {}", ws.data.records[*r].id),
        )),
        Selection::Decoded { latent, origin, .. } => Some((latent.clone(), origin.clone())),
    }
}

/// Starts a walk from the selected cell.
pub fn start(app: &mut CellspaceApp) {
    let Some((from, label)) = selected_latent(app) else {
        app.errors.push("select a cell to walk from first".into());
        return;
    };
    let Some(ws) = &app.workspace else { return };
    let Some(run) = &ws.run else { return };
    let to = match app.walk.mode {
        WalkMode::GreatCircle => None,
        WalkMode::Line => {
            let q = app.walk.target.trim();
            match ws.data.records.iter().position(|r| r.id == q) {
                Some(r) => Some(run.latents[r].clone()),
                None => {
                    app.errors.push(format!("no cell with id '{q}' to walk to"));
                    return;
                }
            }
        }
    };
    let model = run.model.clone();
    let (data, index, device) = (ws.data.clone(), ws.index.clone(), ws.device.clone());
    let (steps, seed) = (app.walk.steps.max(2), app.walk.seed);
    app.walk.start_label = label;
    app.walk.result.clear();
    app.walk.task = Some(Task::spawn("walk", move |_, cancel| {
        let decoder = LatentDecoder {
            model: &model,
            data: &data,
            index: &index,
            device: &device,
            attempts: 5,
            cancel: &cancel,
        };
        match to {
            None => great_circle_walk(&decoder, &from, steps, seed),
            Some(to) => line_walk(&decoder, &from, &to, steps),
        }
    }));
}

pub fn controls(app: &mut CellspaceApp, ui: &mut Ui) {
    ui.heading("Walk");
    ui.label(match selected_latent(app) {
        Some((_, label)) => format!("from {label}"),
        None => "select a start cell on a map".into(),
    });
    ui.horizontal(|ui| {
        ui.selectable_value(&mut app.walk.mode, WalkMode::GreatCircle, "great circle");
        ui.selectable_value(&mut app.walk.mode, WalkMode::Line, "line to...");
    });
    if app.walk.mode == WalkMode::Line {
        ui.horizontal(|ui| {
            ui.label("end cell id");
            ui.text_edit_singleline(&mut app.walk.target);
        });
    }
    ui.add(egui::Slider::new(&mut app.walk.steps, 3..=40).text("steps"));
    if app.walk.mode == WalkMode::GreatCircle {
        ui.horizontal(|ui| {
            ui.label("direction seed");
            ui.add(egui::DragValue::new(&mut app.walk.seed));
        });
    }
    let ready = app.walk.task.is_none() && selected_latent(app).is_some();
    if ui
        .add_enabled(ready, egui::Button::new("Start walk"))
        .clicked()
    {
        start(app);
    }
    ui.weak("Each point is decoded 5 times; the most frequent valid cell is shown.");
    let r = &app.walk.result;
    if !r.is_empty() {
        let valid = r.iter().filter(|s| s.valid).count();
        let known = r.iter().filter(|s| s.row.is_some()).count();
        let distinct: std::collections::HashSet<_> =
            r.iter().filter_map(|s| s.cell.as_ref()).collect();
        ui.separator();
        ui.label(format!(
            "{} steps: {valid} valid, {known} in the table, {} distinct cells",
            r.len(),
            distinct.len()
        ));
    }
}

pub fn view(app: &mut CellspaceApp, ui: &mut Ui) {
    let space = match &app.workspace {
        Some(ws) => ws.space,
        None => return,
    };
    let mut select = None;
    let mut pin = None;
    if app.walk.result.is_empty() {
        ui.label(if app.walk.task.is_some() {
            "decoding the walk..."
        } else {
            "Select a cell and press Walk."
        });
    } else {
        egui::ScrollArea::horizontal()
            .id_salt("walk-strip")
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for (k, step) in app.walk.result.iter().enumerate() {
                        ui.vertical(|ui| {
                            ui.set_width(150.0);
                            ui.label(format!("step {k}"));
                            match &step.cell {
                                Some(cell) => {
                                    let r = cell_view(ui, cell, space, vec2(150.0, 95.0));
                                    if r.interact(egui::Sense::click()).clicked() {
                                        select = Some(k);
                                    }
                                }
                                None => {
                                    ui.label("(nothing decoded)");
                                }
                            }
                            ui.label(match step.edit_distance {
                                Some(d) => format!("edit distance {d}"),
                                None => "start".into(),
                            });
                            ui.label(match (step.valid, step.accuracy) {
                                (false, _) => "invalid".to_string(),
                                (true, Some(a)) => format!("{a:.2} %"),
                                (true, None) => "not in table".to_string(),
                            });
                            if step.cell.is_some() && ui.small_button("Pin").clicked() {
                                pin = Some(k);
                            }
                        });
                        ui.separator();
                    }
                });
            });
    }
    if let Some(k) = select {
        let s = &app.walk.result[k];
        app.selection = Some(Selection::Decoded {
            cell: s.cell.clone(),
            latent: s.latent.clone(),
            row: s.row,
            origin: format!("walk step {k}"),
        });
    }
    if let Some(k) = pin
        && let Some(cell) = app.walk.result[k].cell.clone()
    {
        let row = app.walk.result[k].row;
        app.pin(cell, row, &format!("walk step {k}"));
    }
    ui.separator();
    let path: Vec<[f64; 2]> = match app.workspace.as_ref().and_then(|w| w.run.as_ref()) {
        Some(run) => app
            .walk
            .result
            .iter()
            .map(|s| {
                let (x, y) = run.plane.project(&s.latent);
                [x, y]
            })
            .collect(),
        None => Vec::new(),
    };
    map_widget(
        app,
        ui,
        MapOwner::Walk,
        Projection::Pca,
        |painter, to_screen| {
            let pts: Vec<egui::Pos2> = path.iter().map(|p| to_screen(*p)).collect();
            if pts.len() > 1 {
                let mut closed = pts.clone();
                closed.push(pts[0]);
                painter.add(egui::Shape::line(
                    closed,
                    Stroke::new(2.0, Color32::from_rgb(255, 80, 80)),
                ));
            }
            for (k, p) in pts.iter().enumerate() {
                painter.circle(
                    *p,
                    4.0,
                    Color32::WHITE,
                    Stroke::new(1.5, Color32::from_rgb(200, 0, 0)),
                );
                painter.text(
                    *p + vec2(6.0, -6.0),
                    egui::Align2::LEFT_BOTTOM,
                    k.to_string(),
                    egui::FontId::proportional(11.0),
                    Color32::from_rgb(200, 0, 0),
                );
            }
        },
    );
}
