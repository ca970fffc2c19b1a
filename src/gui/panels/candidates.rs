//! Candidates: the cells a user pinned from any view, with drawing, accuracies and graph
//! properties; exported as JSON (NB101/NASLib style plus the space's own string) or CSV.

use egui::{Ui, vec2};

use crate::explore::candidates::{write_csv, write_json};
use crate::gui::app::CellspaceApp;
use crate::gui::cell_view::cell_view;
use crate::space::properties::{average_path_length, clustering_coefficient};

/// Exports through a save dialog; returns the path written.
pub fn export(app: &mut CellspaceApp, json: bool) -> Option<std::path::PathBuf> {
    let space = app.workspace.as_ref()?.space;
    let (name, ext) = if json {
        (format!("candidates-{}.json", space.name()), "json")
    } else {
        (format!("candidates-{}.csv", space.name()), "csv")
    };
    let path = app.dialogs.save_file("Export candidates", &name, &[ext])?;
    let result = if json {
        write_json(&path, space, &app.candidates)
    } else {
        write_csv(&path, space, &app.candidates)
    };
    match result {
        Ok(()) => Some(path),
        Err(e) => {
            app.errors.push(e);
            None
        }
    }
}

pub fn controls(app: &mut CellspaceApp, ui: &mut Ui) {
    ui.heading("Candidates");
    ui.label(format!("{} pinned", app.candidates.len()));
    ui.weak("Pin cells from the inspector, a walk, the landscape or BO.");
    let any = !app.candidates.is_empty();
    let mut written = None;
    if ui
        .add_enabled(any, egui::Button::new("Export JSON..."))
        .clicked()
    {
        written = export(app, true);
    }
    if ui
        .add_enabled(any, egui::Button::new("Export CSV..."))
        .clicked()
    {
        written = export(app, false);
    }
    let id = egui::Id::unique("candidates-export-note");
    if let Some(p) = written {
        ui.ctx()
            .data_mut(|d| d.insert_temp(id, format!("written to {}", p.display())));
    }
    if let Some(note) = ui.ctx().data(|d| d.get_temp::<String>(id)) {
        ui.label(note);
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
