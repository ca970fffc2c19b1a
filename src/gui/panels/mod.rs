//! One module per panel: its state, its controls (left), its view (centre), and how it reads
//! its task's events. `inspector` is the right-hand side.

pub mod bo;
pub mod candidates;
pub mod curves;
pub mod inspector;
pub mod landscape;
pub mod latent_map;
pub mod training;
pub mod walk;

use super::app::{CellspaceApp, Panel, Selection};

/// The row of the best labelled cell, if any.
pub fn best_row(app: &CellspaceApp) -> Option<usize> {
    let ws = app.workspace.as_ref()?;
    let best = ws.data.best()?;
    ws.data.records.iter().position(|r| std::ptr::eq(r, best))
}

/// Shows what a panel does with one scripted action (screenshots, demos): the best cell
/// selected, the other bundled model's curves beside the open run's on a log scale, a walk from
/// it, a landscape, a short BO run, the three best cells pinned.
pub fn demo(app: &mut CellspaceApp, panel: Panel) {
    app.panel = panel;
    let best = best_row(app);
    if let Some(r) = best {
        app.selection = Some(Selection::Row(r));
    }
    match panel {
        Panel::Map => {}
        Panel::Training => {
            let space = app
                .workspace
                .as_ref()
                .map_or(app.training.space, |w| w.space);
            let other = crate::space::SpaceKind::ALL
                .into_iter()
                .filter(|&s| s != space)
                .find_map(super::workspace::bundled_run);
            if let Some(dir) = other
                && app.training.compare.add_run(&dir).is_ok()
            {
                app.training.compare.log_scale = true;
            }
        }
        Panel::Walk => walk::start(app),
        Panel::Landscape => landscape::start(app),
        Panel::Bo => {
            app.bo.rounds = 3;
            app.bo.batch = 20;
            bo::start(app);
        }
        Panel::Candidates => {
            let Some(ws) = &app.workspace else { return };
            let mut rows: Vec<usize> = (0..ws.data.len())
                .filter(|&i| ws.data.records[i].accuracy.is_some())
                .collect();
            rows.sort_by(|&a, &b| {
                ws.data.records[b]
                    .accuracy
                    .partial_cmp(&ws.data.records[a].accuracy)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            let cells: Vec<_> = rows
                .iter()
                .take(3)
                .map(|&r| (ws.data.records[r].cell.clone(), r))
                .collect();
            for (cell, r) in cells {
                app.pin(cell, Some(r), "best in table");
            }
        }
    }
}
