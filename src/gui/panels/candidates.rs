//! Candidates: the cells a user pinned from any view, with drawing, accuracies and graph
//! properties; exported as JSON (NB101/NASLib style plus the space's own string) or CSV.

use std::path::{Path, PathBuf};

use egui::{Ui, vec2};

use crate::explore::candidates::{write_csv, write_json};
use crate::gui::PathPurpose;
use crate::gui::app::CellspaceApp;
use crate::gui::cell_view::cell_view;
use crate::space::properties::{average_path_length, clustering_coefficient};

/// Writes the candidates to `path` (JSON or CSV) and says what happened in the notice line:
/// the path and count written, or the error.
pub fn export_to(app: &mut CellspaceApp, path: &Path, json: bool) {
    let Some(space) = app.workspace.as_ref().map(|w| w.space) else {
        return;
    };
    let result = if json {
        write_json(path, space, &app.candidates)
    } else {
        write_csv(path, space, &app.candidates)
    };
    match result {
        Ok(()) => {
            app.notice = Some(format!(
                "wrote {} candidates to {}",
                app.candidates.len(),
                path.display()
            ))
        }
        Err(e) => app
            .errors
            .push(format!("export to {}: {e}", path.display())),
    }
}

pub fn controls(app: &mut CellspaceApp, ui: &mut Ui) {
    ui.heading("Candidates");
    ui.label(format!("{} pinned", app.candidates.len()));
    ui.weak("Pin cells from the inspector, a walk, the landscape or BO.");
    let any = !app.candidates.is_empty();
    if ui
        .add_enabled(any, egui::Button::new("Export JSON..."))
        .clicked()
    {
        app.ask_path(PathPurpose::Export { json: true });
    }
    if ui
        .add_enabled(any, egui::Button::new("Export CSV..."))
        .clicked()
    {
        app.ask_path(PathPurpose::Export { json: false });
    }
    // Without a native dialog: a path typed here (CSV for a .csv name, else JSON).
    ui.label("or export to:");
    ui.add(egui::TextEdit::singleline(&mut app.paths.export).desired_width(240.0));
    let path = PathBuf::from(app.paths.export.trim());
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
        export_to(app, &path, json);
    }
    if let Some(note) = &app.notice {
        ui.label(note.as_str());
    }
    if ui
        .add_enabled(any, egui::Button::new("Clear all"))
        .clicked()
    {
        app.candidates.clear();
    }
}

pub fn view(app: &mut CellspaceApp, ui: &mut Ui) {
    let Some(ws) = &app.workspace else { return };
    let space = ws.space;
    if app.candidates.is_empty() {
        ui.label("No candidates yet.");
        return;
    }
    let mut remove = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (k, c) in app.candidates.iter().enumerate() {
            ui.horizontal(|ui| {
                cell_view(ui, &c.cell, space, vec2(220.0, 110.0));
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
    if let Some(k) = remove {
        app.candidates.remove(k);
    }
}
