//! Candidates: the cells a user pinned from any view (pins arrive as [`Request::Pin`]), with
//! drawing, accuracies and graph properties; exported as JSON (NB101/NASLib style plus the
//! space's own string) or CSV.

use std::path::{Path, PathBuf};

use egui::{Ui, vec2};

use crate::explore::Candidate;
use crate::explore::candidates::{write_csv, write_json};
use crate::gui::PathPurpose;
use crate::gui::app::Selection;
use crate::gui::cell_view::cell_view;
use crate::gui::tasks::TaskStatus;
use crate::gui::view::{Action, Ctx, Handled, Request, View};
use crate::gui::workspace::Workspace;
use crate::space::properties::{average_path_length, clustering_coefficient};
use crate::space::{Cell, SpaceKind};

pub struct CandidatesPanel {
    pub candidates: Vec<Candidate>,
    /// The in-window export path (JSON, or CSV for a `.csv` name): it works where no native
    /// dialog can open.
    pub export: String,
}

impl CandidatesPanel {
    pub fn new(space: SpaceKind) -> Self {
        Self {
            candidates: Vec::new(),
            export: default_export(space),
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
    fn id(&self) -> &'static str {
        "candidates"
    }

    fn title(&self) -> &'static str {
        "Candidates"
    }

    fn poll(&mut self, _ctx: &Ctx, _actions: &mut Vec<Action>) {}

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
                        ui.label(match c.accuracy {
                            Some(a) => format!("true accuracy {a:.2} %"),
                            None => "true accuracy unknown".into(),
                        });
                        if let Some(p) = c.predicted {
                            ui.label(format!("predicted {p:.2} %"));
                        }
                        ui.label(format!(
                            "valid: {} | avg path length {:.3} | clustering {:.3}",
                            if space.is_valid(&c.cell) { "yes" } else { "no" },
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
        self.candidates.clear();
        self.export = default_export(ws.space);
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        Vec::new()
    }

    fn busy(&self) -> bool {
        false
    }

    /// The three best cells of the table pinned.
    fn demo(&mut self, ctx: &Ctx, _actions: &mut Vec<Action>) {
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
