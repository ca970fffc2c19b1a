//! Walk (SVGe figure 2): decode equidistant points on a great circle through the selected
//! cell (or a straight line to a second cell); a strip of the decoded cells with edit distance
//! and accuracy per step, and the path on the PCA map.

use egui::{Color32, Stroke, Ui, vec2};
use serde::{Deserialize, Serialize};

use crate::explore::{WalkStep, flat_net, great_circle_walk, line_walk};
use crate::gui::cell_view::cell_view;
use crate::gui::map_widget::RunMap;
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskStatus, take_finished};
use crate::gui::view::{
    Action, Board, Ctx, Handled, Overlay, OverlayStyle, Request, View, keep, kept,
};
use crate::gui::workspace::Workspace;
use crate::latent::LatentDecoder;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WalkMode {
    GreatCircle,
    Line,
}

pub struct WalkPanel {
    pub steps: usize,
    pub seed: u64,
    pub mode: WalkMode,
    /// Id of the line walk's end cell.
    pub target: String,
    pub task: Option<Task<(), Vec<WalkStep>>>,
    pub result: Vec<WalkStep>,
    pub start_label: String,
    /// This panel's own map (its own pan and zoom).
    pub map: RunMap,
}

impl Default for WalkPanel {
    fn default() -> Self {
        Self {
            steps: 14,
            seed: 0,
            mode: WalkMode::GreatCircle,
            target: String::new(),
            task: None,
            result: Vec::new(),
            start_label: String::new(),
            map: RunMap::default(),
        }
    }
}

/// The latent point of the current selection.
fn selected_latent(ctx: &Ctx) -> Option<(Vec<f32>, String)> {
    let ws = ctx.workspace?;
    let run = ws.run.as_ref()?;
    match ctx.selection? {
        Selection::Row(r) => Some((
            run.latents[*r].clone(),
            format!("cell {}", ws.data.records[*r].id),
        )),
        Selection::Decoded { latent, origin, .. } => Some((latent.clone(), origin.clone())),
    }
}

impl WalkPanel {
    /// Starts a walk from the selected cell.
    pub fn start(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some((from, label)) = selected_latent(ctx) else {
            actions.push(Action::Error("select a cell to walk from first".into()));
            return;
        };
        self.start_from(ctx, from, label, actions);
    }

    /// Selects the space's flat net (SVGe figure 2's start, see [`flat_net`]) and walks the
    /// great circle from it.
    pub fn start_from_flat_net(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(run) = &ws.run else { return };
        let Some(row) = flat_net(&ws.data) else {
            actions.push(Action::Error(format!("{} has no flat cell", ws.space)));
            return;
        };
        actions.push(Action::Select(Selection::Row(row)));
        self.mode = WalkMode::GreatCircle;
        let label = format!("the flat net, cell {}", ws.data.records[row].id);
        self.start_from(ctx, run.latents[row].clone(), label, actions);
    }

    fn start_from(&mut self, ctx: &Ctx, from: Vec<f32>, label: String, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(run) = &ws.run else { return };
        let to = match self.mode {
            WalkMode::GreatCircle => None,
            WalkMode::Line => {
                let q = self.target.trim();
                match ws.data.records.iter().position(|r| r.id == q) {
                    Some(r) => Some(run.latents[r].clone()),
                    None => {
                        actions.push(Action::Error(format!("no cell with id '{q}' to walk to")));
                        return;
                    }
                }
            }
        };
        let model = run.run.model.clone();
        let (data, index, device) = (ws.data.clone(), ws.index.clone(), ws.device.clone());
        let (steps, seed) = (self.steps.max(2), self.seed);
        self.start_label = label;
        self.result.clear();
        self.task = Some(Task::spawn("walk", move |_, cancel| {
            let decoder = LatentDecoder {
                model: &model,
                data: &data,
                index: &index,
                device: &device,
                attempts: 5,
                cancel: &cancel,
            };
            Ok(match to {
                None => great_circle_walk(&decoder, &from, steps, seed)?,
                Some(to) => line_walk(&decoder, &from, &to, steps)?,
            })
        }));
    }

    fn controls_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Walk");
        ui.label(match selected_latent(ctx) {
            Some((_, label)) => format!("from {label}"),
            None => "select a start cell on a map".into(),
        });
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.mode, WalkMode::GreatCircle, "great circle");
            ui.selectable_value(&mut self.mode, WalkMode::Line, "line to...");
        });
        if self.mode == WalkMode::Line {
            ui.horizontal(|ui| {
                ui.label("end cell id");
                ui.text_edit_singleline(&mut self.target);
            });
        }
        ui.add(egui::Slider::new(&mut self.steps, 3..=40).text("steps"));
        if self.mode == WalkMode::GreatCircle {
            ui.horizontal(|ui| {
                ui.label("direction seed");
                ui.add(egui::DragValue::new(&mut self.seed));
            });
        }
        let ready = self.task.is_none() && selected_latent(ctx).is_some();
        if ui
            .add_enabled(ready, egui::Button::new("Start walk"))
            .clicked()
        {
            self.start(ctx, actions);
        }
        let has_run = self.task.is_none() && ctx.workspace.is_some_and(|w| w.run.is_some());
        if ui
            .add_enabled(has_run, egui::Button::new("Walk from the flat net"))
            .on_hover_text(
                "SVGe figure 2: a great circle from the widest cell whose operations all sit \
                 between the input and the output",
            )
            .clicked()
        {
            self.start_from_flat_net(ctx, actions);
        }
        ui.weak("Each point is decoded 5 times; the most frequent valid cell is shown.");
        let r = &self.result;
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

    fn view_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let space = match ctx.workspace {
            Some(ws) => ws.space,
            None => return,
        };
        let mut select = None;
        let mut pin = None;
        if self.result.is_empty() {
            ui.label(if self.task.is_some() {
                "decoding the walk..."
            } else {
                "Select a cell and press Walk."
            });
        } else {
            egui::ScrollArea::horizontal()
                .id_salt("walk-strip")
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        for (k, step) in self.result.iter().enumerate() {
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
                                    // The rule the decoded cell breaks, so that a walk
                                    // through invalid regions says what goes wrong there.
                                    (false, _) => match step
                                        .cell
                                        .as_ref()
                                        .and_then(|c| space.validate(c).err())
                                    {
                                        Some(why) => format!("invalid: {why}"),
                                        None => "invalid".to_string(),
                                    },
                                    (true, Some(a)) => format!("{a:.2} %"),
                                    (true, None) if step.row.is_some() => "unlabelled".to_string(),
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
            let s = &self.result[k];
            actions.push(Action::Select(Selection::Decoded {
                cell: s.cell.clone(),
                latent: s.latent.clone(),
                row: s.row,
                origin: format!("walk step {k}"),
            }));
        }
        if let Some(k) = pin
            && let Some(cell) = self.result[k].cell.clone()
        {
            let row = self.result[k].row;
            actions.push(Action::Request(Request::Pin {
                cell,
                row,
                origin: format!("walk step {k}"),
            }));
        }
        ui.separator();
        let path: Vec<[f64; 2]> = match ctx.workspace.and_then(|w| w.run.as_ref()) {
            Some(run) => self
                .result
                .iter()
                .map(|s| {
                    let (x, y) = run.plane.project(&s.latent);
                    [x, y]
                })
                .collect(),
            None => Vec::new(),
        };
        self.map.show(ui, ctx, actions, |painter, to_screen| {
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
        });
    }
}

/// What the walk panel keeps between launches.
#[derive(Serialize, Deserialize)]
struct Kept {
    steps: usize,
    seed: u64,
    mode: WalkMode,
}

impl View for WalkPanel {
    /// The walk's decoded cells in order (what `cellspace figures` draws for SVGe Fig. 2).
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        let ws = ctx.workspace?;
        if self.result.is_empty() {
            return None;
        }
        let title = format!(
            "A walk of {} steps from {}",
            self.result.len(),
            self.start_label
        );
        Some(crate::figures::results::walk_cells(
            &title,
            ws.space,
            &self.result,
            0,
        ))
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&Kept {
            steps: self.steps,
            seed: self.seed,
            mode: self.mode,
        })
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(k) = kept::<Kept>(settings) {
            (self.steps, self.seed, self.mode) = (k.steps, k.seed, k.mode);
        }
    }

    fn id(&self) -> &'static str {
        "walk"
    }

    fn title(&self) -> &'static str {
        "Walk"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        match take_finished(&mut self.task) {
            Some(Outcome::Done(steps)) => self.result = steps,
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            Some(Outcome::Cancelled) | None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.controls_ui(ui, ctx, actions);
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.view_ui(ui, ctx, actions);
    }

    fn reset(&mut self, _ws: &Workspace) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        self.task = None;
        self.result.clear();
        self.map.reset();
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        crate::gui::tasks::listed(&mut self.task)
    }

    fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// NB101: SVGe figure 2, the great circle from the flat net; elsewhere from the selection.
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        if ctx
            .workspace
            .is_some_and(|w| w.space == crate::space::SpaceKind::Nb101)
        {
            self.start_from_flat_net(ctx, actions);
        } else {
            self.start(ctx, actions);
        }
    }

    /// The walk's steps, on the other panels' maps.
    fn publish(&self, board: &mut Board) {
        if !self.result.is_empty() {
            board.overlays.push(Overlay {
                style: OverlayStyle::Path,
                latents: self.result.iter().map(|s| s.latent.clone()).collect(),
                values: self.result.iter().map(|s| s.accuracy).collect(),
            });
        }
    }

    /// "Walk from here" in the inspector.
    fn handle(&mut self, request: &Request, ctx: &Ctx, actions: &mut Vec<Action>) -> Handled {
        match request {
            Request::WalkFrom => {
                if self.task.is_none() {
                    self.start(ctx, actions);
                }
                Handled::Show
            }
            _ => Handled::No,
        }
    }
}
