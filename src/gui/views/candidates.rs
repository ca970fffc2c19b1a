//! Candidates: the cells a user pinned from any view (pins arrive as [`Request::Pin`]), with
//! drawing, accuracies and graph properties; exported as JSON (NB101/NASLib style plus the
//! space's own string) or CSV.

use std::path::{Path, PathBuf};

use egui::{Ui, vec2};

use crate::explore::Candidate;
use crate::explore::candidates::{write_csv, write_json};
use crate::explore::extrapolation::extrapolate;
use crate::gui::PathPurpose;
use crate::gui::cell_view::cell_view;
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskStatus, take_finished};
use crate::gui::view::{Action, Ctx, Handled, Request, View, keep, kept, renew_keeping_settings};
use crate::gui::workspace::Workspace;
use crate::space::properties::{average_path_length, clustering_coefficient};
use crate::space::{Cell, SpaceKind};
use crate::train::finetune::load_predictor;

pub struct CandidatesPanel {
    pub candidates: Vec<Candidate>,
    /// The in-window export path (JSON, or CSV for a `.csv` name): it works where no native
    /// dialog can open.
    pub export: String,
    /// Grown cells to pin from an extrapolation.
    pub top: usize,
    pub extrapolation: Option<Task<(), Grown>>,
}

/// An extrapolation's pinned cells, and what the view says about their predictions.
pub struct Grown {
    candidates: Vec<Candidate>,
    note: Option<String>,
}

impl CandidatesPanel {
    pub fn new(space: SpaceKind) -> Self {
        Self {
            candidates: Vec::new(),
            export: default_export(space),
            top: 5,
            extrapolation: None,
        }
    }

    /// The predictor folder inside the open run's folder, if it has one.
    fn predictor_dir(ctx: &Ctx) -> Option<PathBuf> {
        ctx.workspace?.run.as_ref()?.predictor.clone()
    }

    /// Grows the selected cell (or the best labelled one) by one node and pins the `top`
    /// grown cells of highest predicted accuracy (SVGe Section IV-E).
    pub fn extrapolate(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(dir) = Self::predictor_dir(ctx) else {
            actions.push(Action::Error(
                "the open run has no fine-tuned predictor: make one with `cellspace finetune \
                 --run RUN --labels 1000`"
                    .into(),
            ));
            return;
        };
        let row = match ctx.selection {
            Some(Selection::Row(r)) => Some(*r),
            Some(Selection::Decoded { row, .. }) => *row,
            None => None,
        };
        let (cell, from) = match row.or_else(|| {
            let best = ws.data.best()?;
            ws.data.records.iter().position(|r| std::ptr::eq(r, best))
        }) {
            Some(r) => (
                ws.data.records[r].cell.clone(),
                ws.data.records[r].id.clone(),
            ),
            None => {
                actions.push(Action::Error("select a cell of the table to grow".into()));
                return;
            }
        };
        let (device, top, data) = (ws.device.clone(), self.top.max(1), ws.data.clone());
        self.extrapolation = Some(Task::spawn(
            format!("growing cell {from}"),
            move |_, cancel| {
                let (manifest, predictor) = load_predictor(&dir, &device)?;
                let result = extrapolate(&predictor, &manifest, &cell, &data, &device, &cancel)?;
                let candidates = result.candidates(top, &format!("cell {from}, "));
                let fit = &result.fit;
                let outside = candidates
                    .iter()
                    .filter(|c| c.predicted.is_some_and(|p| !fit.contains(p)))
                    .count();
                let note = (outside > 0).then(|| {
                    format!(
                        "; {outside} of them predicted outside the {:.1}-{:.1} % the predictor \
                         was fitted on (their latents lie a median {:.2} from a fitted cell's, \
                         test cells {:.2})",
                        fit.range.0, fit.range.1, fit.expansion_distance, fit.test_distance
                    )
                });
                Ok(Grown { candidates, note })
            },
        ));
    }

    fn extrapolation_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        if ws.space != SpaceKind::Nb101 || ws.run.is_none() {
            return;
        }
        ui.separator();
        ui.strong("Extrapolate");
        let Some(dir) = Self::predictor_dir(ctx) else {
            ui.weak(
                "Grows a cell into 8-node cells ranked by a fine-tuned predictor; this run has \
                 none (cellspace finetune makes one).",
            );
            return;
        };
        ui.weak(format!(
            "Grow the selected cell (or the best) by one operation and pin the grown cells of \
             highest accuracy predicted by {}. They are outside NAS-Bench-101: no true accuracy.",
            dir.display()
        ));
        ui.add(egui::Slider::new(&mut self.top, 1..=20).text("cells to pin"));
        if ui
            .add_enabled(
                self.extrapolation.is_none(),
                egui::Button::new("Grow and rank"),
            )
            .clicked()
        {
            self.extrapolate(ctx, actions);
        }
    }

    /// Adds a cell to the candidates (once).
    pub fn pin(&mut self, ctx: &Ctx, cell: Cell, row: Option<usize>, origin: &str) {
        let Some(ws) = ctx.workspace else { return };
        if self.candidates.iter().any(|c| c.cell == cell) {
            return;
        }
        let predicted = row.and_then(|r| {
            ws.run
                .as_ref()
                .and_then(|run| run.predicted.as_ref().map(|p| p[r]))
        });
        self.candidates.push(Candidate {
            id: row.map(|r| ws.data.records[r].id.clone()),
            accuracy: row.and_then(|r| ws.data.records[r].accuracy),
            predicted,
            origin: origin.to_string(),
            cell,
        });
    }

    /// Writes the candidates to `path` (JSON or CSV) and says what happened in the notice line:
    /// the path and count written, or the error.
    pub fn export_to(&self, ctx: &Ctx, path: &Path, json: bool, actions: &mut Vec<Action>) {
        let Some(space) = ctx.workspace.map(|w| w.space) else {
            return;
        };
        let result = if json {
            write_json(path, space, &self.candidates)
        } else {
            write_csv(path, space, &self.candidates)
        };
        actions.push(match result {
            Ok(()) => Action::Notice(format!(
                "wrote {} candidates to {}",
                self.candidates.len(),
                path.display()
            )),
            Err(e) => Action::Error(format!("export to {}: {e}", path.display())),
        });
    }
}

fn default_export(space: SpaceKind) -> String {
    let here = std::env::current_dir().unwrap_or_default();
    here.join(format!("candidates-{}.json", space.name()))
        .display()
        .to_string()
}

impl View for CandidatesPanel {
    /// The pinned cells, each captioned with its accuracy (or prediction) and origin.
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        use crate::figures::{CellPanel, CellStrip, Figure};
        let ws = ctx.workspace?;
        if self.candidates.is_empty() {
            return None;
        }
        let cells = (self.candidates.iter().enumerate())
            .map(|(k, c)| {
                let value = match (c.accuracy, c.predicted) {
                    (Some(a), _) => format!("{a:.2} %"),
                    (None, Some(p)) => format!("{p:.2} % predicted"),
                    (None, None) => "no accuracy".into(),
                };
                CellPanel {
                    caption: format!("#{} · {value} · {}", k + 1, c.origin),
                    cell: Some(c.cell.clone()),
                }
            })
            .collect();
        Some(Figure::Cells(CellStrip {
            title: format!("{} candidates ({})", self.candidates.len(), ws.space),
            space: ws.space,
            cells,
            columns: 0,
        }))
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&self.top)
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(top) = kept::<usize>(settings) {
            self.top = top;
        }
    }

    fn id(&self) -> &'static str {
        "candidates"
    }

    fn title(&self) -> &'static str {
        "Candidates"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        match take_finished(&mut self.extrapolation) {
            Some(Outcome::Done(Grown { candidates, note })) => {
                let n = candidates.len();
                for c in candidates {
                    if !self.candidates.iter().any(|o| o.cell == c.cell) {
                        self.candidates.push(c);
                    }
                }
                actions.push(Action::Notice(format!(
                    "pinned the {n} grown cells of highest predicted accuracy{}",
                    note.unwrap_or_default()
                )));
            }
            Some(Outcome::Failed(e)) => actions.push(Action::Error(format!("extrapolation: {e}"))),
            Some(Outcome::Cancelled) | None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Candidates");
        ui.label(format!("{} pinned", self.candidates.len()));
        ui.weak("Pin cells from the inspector, a walk, the landscape or BO.");
        let any = !self.candidates.is_empty();
        if ui
            .add_enabled(any, egui::Button::new("Export JSON..."))
            .clicked()
        {
            actions.push(Action::AskPath(PathPurpose::Export { json: true }));
        }
        if ui
            .add_enabled(any, egui::Button::new("Export CSV..."))
            .clicked()
        {
            actions.push(Action::AskPath(PathPurpose::Export { json: false }));
        }
        // Without a native dialog: a path typed here (CSV for a .csv name, else JSON).
        ui.label("or export to:");
        ui.add(egui::TextEdit::singleline(&mut self.export).desired_width(240.0));
        let path = PathBuf::from(self.export.trim());
        if ui
            .add_enabled(
                any && !path.as_os_str().is_empty(),
                egui::Button::new("Export here"),
            )
            .clicked()
        {
            let json = !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            self.export_to(ctx, &path, json, actions);
        }
        if ui
            .add_enabled(any, egui::Button::new("Clear all"))
            .clicked()
        {
            self.candidates.clear();
        }
        self.extrapolation_ui(ui, ctx, actions);
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let space = ws.space;
        if self.candidates.is_empty() {
            ui.label("No candidates yet.");
            return;
        }
        let (mut remove, mut select) = (None, None);
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (k, c) in self.candidates.iter().enumerate() {
                ui.horizontal(|ui| {
                    let drawn = cell_view(ui, &c.cell, space, vec2(220.0, 110.0));
                    if drawn.interact(egui::Sense::click()).clicked() {
                        select = Some(k);
                    }
                    ui.vertical(|ui| {
                        ui.strong(
                            c.id.as_ref()
                                .map_or("not in the table".to_string(), |id| format!("id {id}")),
                        );
                        let outside = !space.is_valid(&c.cell) && c.predicted.is_some();
                        ui.label(match c.accuracy {
                            Some(a) => format!("true accuracy {a:.2} %"),
                            None if outside => "outside the benchmark: no true accuracy".into(),
                            None => "true accuracy unknown".into(),
                        });
                        if let Some(p) = c.predicted {
                            ui.label(format!("predicted {p:.2} %"));
                        }
                        let valid = if space.is_valid(&c.cell) {
                            "yes".to_string()
                        } else if outside && c.cell.len() > space.max_nodes() {
                            format!(
                                "{} nodes, beyond the space's {}",
                                c.cell.len(),
                                space.max_nodes()
                            )
                        } else {
                            "no".to_string()
                        };
                        ui.label(format!(
                            "valid: {valid} | avg path length {:.3} | clustering {:.3}",
                            average_path_length(&c.cell),
                            clustering_coefficient(&c.cell)
                        ));
                        ui.weak(format!("from {}", c.origin));
                        if ui.small_button("Remove").clicked() {
                            remove = Some(k);
                        }
                    });
                });
                ui.separator();
            }
        });
        // A click on a drawing shows the cell in the inspector (its row, where it has one).
        if let Some(k) = select {
            let c = &self.candidates[k];
            let row =
                c.id.as_ref()
                    .and_then(|id| ws.data.records.iter().position(|r| &r.id == id));
            if let Some(r) = row {
                actions.push(Action::Select(Selection::Row(r)));
            }
        }
        if let Some(k) = remove {
            self.candidates.remove(k);
        }
    }

    /// The candidates belong to the data they were pinned from: a new workspace starts empty.
    fn reset(&mut self, ws: &Workspace) {
        if let Some(t) = &mut self.extrapolation {
            t.cancel();
        }
        renew_keeping_settings(self, Self::new(ws.space));
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        crate::gui::tasks::listed(&mut self.extrapolation)
    }

    fn busy(&self) -> bool {
        self.extrapolation.is_some()
    }

    /// The three best cells of the table pinned, and on NB101 with a fine-tuned predictor the
    /// best cell's grown cells (SVGe Section IV-E).
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        if ctx.workspace.is_some_and(|w| w.space == SpaceKind::Nb101)
            && Self::predictor_dir(ctx).is_some()
        {
            self.extrapolate(ctx, actions);
        }
        let Some(ws) = ctx.workspace else { return };
        let mut rows: Vec<usize> = (0..ws.data.len())
            .filter(|&i| ws.data.records[i].accuracy.is_some())
            .collect();
        rows.sort_by(|&a, &b| {
            ws.data.records[b]
                .accuracy
                .partial_cmp(&ws.data.records[a].accuracy)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        for &r in rows.iter().take(3) {
            self.pin(
                ctx,
                ws.data.records[r].cell.clone(),
                Some(r),
                "best in table",
            );
        }
    }

    fn handle(&mut self, request: &Request, ctx: &Ctx, actions: &mut Vec<Action>) -> Handled {
        match request {
            Request::Pin { cell, row, origin } => {
                self.pin(ctx, cell.clone(), *row, origin);
                Handled::Yes
            }
            Request::Path(PathPurpose::Export { json }, path) => {
                self.export = path.display().to_string();
                self.export_to(ctx, path, *json, actions);
                Handled::Yes
            }
            _ => Handled::No,
        }
    }
}
