//! Compare: the open run beside other runs on the same space. Their PCA maps side by side, with
//! the hovered and the selected cell marked in every map, and the figures of `cellspace
//! compare` under them, each with the line that says what it measures.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::{Color32, RichText, Ui};
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::eval::compare::{FigureRow, RunFigures, rows};
use crate::eval::smoothness::SmoothnessSettings;
use crate::explore::PcaPlane;
use crate::gui::map_widget::{LatentMap, Mark, side_by_side};
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskStatus, take_finished};
use crate::gui::view::{Action, Ctx, View, keep, kept};
use crate::run::{Run, bundled_runs};
use crate::space::SpaceKind;
use crate::train::RunManifest;

/// One run, measured.
pub struct ComparedRun {
    pub name: String,
    pub pca: Arc<Vec<[f32; 2]>>,
    pub figures: RunFigures,
    /// The learned operation embedding of the *-EMB models, one row per node type.
    pub op_embedding: Option<Vec<Vec<f32>>>,
}

pub struct Comparison {
    pub space: SpaceKind,
    pub runs: Vec<ComparedRun>,
    pub rows: Vec<FigureRow>,
}

pub struct ComparePanel {
    /// Runs to put beside the open one.
    pub chosen: Vec<PathBuf>,
    /// A run folder typed by the user, added with "Add".
    pub path: String,
    pub gp_runs: usize,
    pub settings: SmoothnessSettings,
    pub task: Option<Task<String, Comparison>>,
    pub result: Option<Comparison>,
    pub maps: Vec<LatentMap>,
    /// The cell under the pointer in any of the maps, marked in all of them.
    pub hovered: Option<usize>,
    /// The space's bundled runs, read once per workspace (not every frame).
    bundled: Option<(SpaceKind, Vec<PathBuf>)>,
}

impl Default for ComparePanel {
    fn default() -> Self {
        Self {
            chosen: Vec::new(),
            path: String::new(),
            gp_runs: 1,
            settings: SmoothnessSettings::default(),
            task: None,
            result: None,
            maps: Vec::new(),
            hovered: None,
            bundled: None,
        }
    }
}

/// The narrowest a compared map is drawn, in points.
const MIN_MAP: f32 = 230.0;

/// How many maps a row holds: as many as fit at `MIN_MAP`, at most four.
fn map_columns(width: f32, maps: usize) -> usize {
    let fit = ((width / MIN_MAP).floor() as usize).clamp(1, 4);
    fit.min(maps.max(1))
}

/// The learned operation embeddings of the compared *-EMB runs side by side (the
/// operation-embeddings paper's argument: which operations each model puts close together).
fn op_embeddings(ui: &mut Ui, c: &Comparison) {
    let with: Vec<&ComparedRun> = c.runs.iter().filter(|r| r.op_embedding.is_some()).collect();
    if with.is_empty() {
        return;
    }
    ui.strong("Learned operation embeddings (each on its first two principal axes)");
    let width = (ui.available_width() / with.len() as f32 - 8.0).max(160.0);
    ui.horizontal_top(|ui| {
        for (i, run) in with.iter().enumerate() {
            let Some(rows) = &run.op_embedding else {
                continue;
            };
            ui.allocate_ui(egui::vec2(width, 200.0), |ui| {
                ui.vertical(|ui| {
                    ui.label(&run.name);
                    let id = format!("compare-op-embedding-{i}");
                    crate::gui::op_embedding::op_embedding_plot(ui, &id, c.space, rows);
                });
            });
        }
    });
    ui.separator();
}

fn name_of(dir: &Path) -> String {
    dir.file_name().map_or(dir.display().to_string(), |n| {
        n.to_string_lossy().to_string()
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || a.canonicalize()
            .ok()
            .is_some_and(|x| b.canonicalize().ok() == Some(x))
}

/// What the comparison job measures.
struct Request {
    /// The open run first.
    dirs: Vec<PathBuf>,
    /// The open workspace's cells.
    data: Arc<Dataset>,
    device: burn::tensor::Device,
    gp_runs: usize,
    settings: SmoothnessSettings,
}

/// Measures every run of `request`: latent means, their PCA plane, and the comparison figures.
fn measure(
    request: Request,
    status: &std::sync::mpsc::Sender<String>,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Comparison, String> {
    let Request {
        dirs,
        data,
        device,
        gp_runs,
        settings,
    } = request;
    let mut runs = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let name = name_of(dir);
        let _ = status.send(format!("{name} ({} of {})", i + 1, dirs.len()));
        let run = Run::open_for(dir, data.space, &device).map_err(|e| e.to_string())?;
        let means = run.latents(&data, cancel).map_err(|e| e.to_string())?.means;
        let plane = PcaPlane::fit(&means).map_err(|e| format!("{}: {e}", dir.display()))?;
        let pca: Vec<[f32; 2]> = plane.project_all(&means);
        let figures = run
            .figures(&data, &means, gp_runs, &settings, cancel)
            .map_err(|e| e.to_string())?;
        runs.push(ComparedRun {
            name: format!("{name} ({})", run.model_name()),
            pca: Arc::new(pca),
            figures,
            op_embedding: run.op_embedding().map_err(|e| e.to_string())?,
        });
    }
    let figures: Vec<RunFigures> = runs.iter().map(|r| r.figures.clone()).collect();
    Ok(Comparison {
        space: data.space,
        rows: rows(&figures, &settings),
        runs,
    })
}

impl ComparePanel {
    fn open_dir<'a>(ctx: &'a Ctx) -> Option<&'a Path> {
        ctx.workspace?.run.as_ref().map(|r| r.run.dir.as_path())
    }

    /// Adds a run folder after checking that it is a run of the open space.
    fn add(&mut self, dir: PathBuf, ctx: &Ctx) -> Result<(), String> {
        let space = ctx.workspace.map(|w| w.space).ok_or("open a space first")?;
        let manifest = RunManifest::read(&dir).map_err(|e| e.to_string())?;
        if manifest.config.space != space {
            return Err(format!(
                "{}: a {} run; the open space is {space}",
                dir.display(),
                manifest.config.space
            ));
        }
        if Self::open_dir(ctx).is_some_and(|d| same_dir(d, &dir))
            || self.chosen.iter().any(|c| same_dir(c, &dir))
        {
            return Ok(());
        }
        self.chosen.push(dir);
        Ok(())
    }

    /// Starts measuring the open run and the chosen ones.
    pub fn start(&mut self, ctx: &Ctx) -> Result<(), String> {
        let ws = ctx.workspace.ok_or("open a space first")?;
        let open = Self::open_dir(ctx).ok_or("open a run first: it is the first of the maps")?;
        if self.chosen.is_empty() {
            return Err("choose at least one run to compare with".into());
        }
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        let mut dirs = vec![open.to_path_buf()];
        dirs.extend(self.chosen.iter().cloned());
        let request = Request {
            dirs,
            data: ws.data.clone(),
            device: ws.device.clone(),
            gp_runs: self.gp_runs,
            settings: self.settings.clone(),
        };
        self.task = Some(Task::spawn("comparing runs", move |tx, cancel| {
            Ok(measure(request, &tx, &cancel)?)
        }));
        Ok(())
    }

    fn table(&self, ui: &mut Ui, comparison: &Comparison) {
        egui::Grid::new("compare figures")
            .striped(true)
            .num_columns(comparison.runs.len() + 2)
            .show(ui, |ui| {
                ui.strong("figure");
                ui.strong("better");
                for r in &comparison.runs {
                    ui.strong(&r.name);
                }
                ui.end_row();
                for row in &comparison.rows {
                    ui.label(&row.figure).on_hover_text(&row.meaning);
                    ui.weak(match row.better {
                        crate::eval::compare::Better::Higher => "higher",
                        crate::eval::compare::Better::Lower => "lower",
                        crate::eval::compare::Better::Neither => "baseline",
                    });
                    for (i, v) in row.values.iter().enumerate() {
                        let text = RichText::new(v);
                        ui.label(if row.best.contains(&i) {
                            text.strong().color(ui.visuals().hyperlink_color)
                        } else {
                            text
                        });
                    }
                    ui.end_row();
                }
            });
        ui.add_space(6.0);
        ui.weak("Hover a figure's name for what it measures; the best of each row is highlighted.");
        for (r, run) in comparison.runs.iter().enumerate() {
            if let Err(why) = &run.figures.eval {
                ui.weak(format!(
                    "{}: no Table-I figures: {why}",
                    comparison.runs[r].name
                ));
            }
        }
    }
}

/// What the compare panel keeps between launches: the runs chosen and how they are measured.
#[derive(Serialize, Deserialize)]
struct Kept {
    chosen: Vec<PathBuf>,
    gp_runs: usize,
    settings: SmoothnessSettings,
}

impl View for ComparePanel {
    /// Each compared run's PCA map side by side, coloured by accuracy.
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        use crate::figures::{Figure, Sheet, results::latent_map};
        let ws = ctx.workspace?;
        let result = self.result.as_ref()?;
        let accuracy: Vec<Option<f64>> = ws.data.records.iter().map(|r| r.accuracy).collect();
        let panels = (result.runs.iter())
            .map(|r| Figure::Scatter(latent_map(&r.name, ["PC 1", "PC 2"], &r.pca, &accuracy)))
            .collect();
        Some(Figure::Sheet(Sheet {
            title: format!(
                "{} runs on {}: the PCA plane of each",
                result.runs.len(),
                result.space
            ),
            columns: result.runs.len().clamp(1, 4),
            panels,
        }))
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&Kept {
            chosen: self.chosen.clone(),
            gp_runs: self.gp_runs,
            settings: self.settings.clone(),
        })
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(k) = kept::<Kept>(settings) {
            self.chosen = k.chosen;
            self.gp_runs = k.gp_runs;
            self.settings = k.settings;
        }
    }

    fn id(&self) -> &'static str {
        "compare"
    }

    fn title(&self) -> &'static str {
        "Compare"
    }

    fn poll(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        if let Some(t) = &mut self.task
            && let Some(s) = t.drain().pop()
        {
            t.status = s;
        }
        match take_finished(&mut self.task) {
            Some(Outcome::Done(c)) => {
                let ws = ctx.workspace;
                self.maps = c
                    .runs
                    .iter()
                    .map(|r| {
                        LatentMap::new(r.pca.clone(), |i| match ws {
                            Some(ws) => ws.scale.color(ws.data.records[i].accuracy),
                            None => Color32::GRAY,
                        })
                    })
                    .collect();
                self.result = Some(c);
            }
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            Some(Outcome::Cancelled) | None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Compare latent spaces");
        let Some(ws) = ctx.workspace else {
            ui.label("Open a space first.");
            return;
        };
        let open = Self::open_dir(ctx);
        match open {
            Some(dir) => ui.label(format!("The open run, {}, beside:", name_of(dir))),
            None => ui.label("Open a run first: it is the first map."),
        };
        if self.bundled.as_ref().is_none_or(|(s, _)| *s != ws.space) {
            self.bundled = Some((ws.space, bundled_runs(ws.space)));
        }
        let bundled: Vec<PathBuf> = self
            .bundled
            .as_ref()
            .map_or(&[][..], |(_, b)| b.as_slice())
            .iter()
            .filter(|d| !open.is_some_and(|o| same_dir(o, d)))
            .cloned()
            .collect();
        for dir in &bundled {
            let mut on = self.chosen.iter().any(|c| same_dir(c, dir));
            if ui.checkbox(&mut on, name_of(dir)).changed() {
                if on {
                    self.chosen.push(dir.clone());
                } else {
                    self.chosen.retain(|c| !same_dir(c, dir));
                }
            }
        }
        let mut remove = None;
        for (i, dir) in self.chosen.iter().enumerate() {
            if bundled.iter().any(|b| same_dir(b, dir)) {
                continue;
            }
            ui.horizontal(|ui| {
                ui.label(dir.display().to_string());
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.chosen.remove(i);
        }
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut self.path).hint_text("another run folder"));
            if ui.button("Add").clicked() {
                let dir = PathBuf::from(self.path.trim());
                match self.add(dir, ctx) {
                    Ok(()) => self.path.clear(),
                    Err(e) => actions.push(Action::Error(e)),
                }
            }
        });
        ui.separator();
        ui.add(egui::Slider::new(&mut self.gp_runs, 0..=10).text("GP seeds"))
            .on_hover_text(
                "sparse-GP fits per run (the operation-embeddings paper: 10; 0 skips the GP)",
            );
        ui.add(egui::Slider::new(&mut self.settings.walks, 1..=100).text("walks"));
        ui.add(egui::Slider::new(&mut self.settings.k, 1..=50).text("neighbours k"));
        ui.add(egui::Slider::new(&mut self.settings.within, 0..=10).text("close: edits at most"));
        let can = open.is_some() && !self.chosen.is_empty() && self.task.is_none();
        if ui
            .add_enabled(can, egui::Button::new("Compare runs"))
            .on_disabled_hover_text("needs an open run and at least one run to compare with")
            .clicked()
            && let Err(e) = self.start(ctx)
        {
            actions.push(Action::Error(e));
        }
        ui.weak(
            "Each run's cells are encoded (cached in its folder), projected on its own PCA \
             plane and measured: the Table-I figures of its last `eval`, the GP fit and the \
             smoothness figures of `cellspace compare`.",
        );
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(c) = &self.result else {
            ui.centered_and_justified(|ui| {
                ui.label(match &self.task {
                    Some(t) => format!("measuring {}", t.status),
                    None => "choose runs on the left and press Compare runs".to_string(),
                });
            });
            return;
        };
        let selected = match ctx.selection {
            Some(Selection::Row(r)) => Some(*r),
            _ => None,
        };
        let mut marks = Vec::new();
        if let Some(r) = selected {
            marks.push(Mark {
                row: r,
                color: Color32::RED,
                radius: 7.0,
            });
        }
        if let Some(r) = self.hovered {
            marks.push(Mark {
                row: r,
                color: ui.visuals().text_color(),
                radius: 6.0,
            });
        }
        // Up to four maps a row, none narrower than MIN_MAP: six or seven models still show
        // their cells (the papers' ENAS comparison has six).
        let columns = map_columns(ui.available_width(), self.maps.len());
        let rows = self.maps.len().div_ceil(columns);
        let size = side_by_side(ui, columns, 0.6 / rows as f32);
        let mut hovered = None;
        let mut maps = self.maps.iter_mut().zip(&c.runs).peekable();
        while maps.peek().is_some() {
            ui.horizontal_top(|ui| {
                for (map, run) in maps.by_ref().take(columns) {
                    ui.vertical(|ui| {
                        ui.strong(&run.name);
                        let events = map.show(ui, size, &marks);
                        hovered = hovered.or(events.hovered);
                        if let Some(r) = events.clicked {
                            actions.push(Action::Select(Selection::Row(r)));
                        }
                    });
                }
            });
        }
        self.hovered = hovered;
        if let (Some(r), Some(ws)) = (self.hovered, ctx.workspace) {
            let rec = &ws.data.records[r];
            ui.label(format!(
                "cell {} ({}), marked in every map",
                rec.id,
                rec.accuracy
                    .map_or("accuracy unknown".to_string(), |a| format!("{a:.2} %"))
            ));
        } else {
            ui.weak("Hover a point: the same cell is marked in every map; click selects it.");
        }
        ui.separator();
        if c.space != ctx.workspace.map_or(c.space, |w| w.space) {
            return;
        }
        egui::ScrollArea::both().show(ui, |ui| {
            op_embeddings(ui, c);
            self.table(ui, c)
        });
    }

    fn reset(&mut self, ws: &crate::gui::workspace::Workspace) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        self.task = None;
        self.result = None;
        self.maps.clear();
        self.hovered = None;
        // The runs chosen to compare stay chosen while they are of the open space (and not the
        // open run itself).
        let open = ws.run.as_ref().map(|r| r.run.dir.clone());
        self.chosen.retain(|dir| {
            open.as_deref().is_none_or(|o| !same_dir(o, dir))
                && RunManifest::read(dir).is_ok_and(|m| m.config.space == ws.space)
        });
        self.bundled = None;
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        match &mut self.task {
            Some(t) => vec![t as &mut dyn TaskStatus],
            None => Vec::new(),
        }
    }

    fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// The papers' comparison: every bundled run of the space beside the open one.
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        if let Some(ws) = ctx.workspace {
            for dir in bundled_runs(ws.space) {
                let _ = self.add(dir, ctx);
            }
        }
        if let Err(e) = self.start(ctx) {
            actions.push(Action::Error(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seven ENAS models in a 1,100-point panel: two rows of four and three, none narrower
    /// than the minimum; a narrow panel stacks them.
    #[test]
    fn compared_maps_wrap_into_rows_that_keep_them_readable() {
        assert_eq!(map_columns(1100.0, 7), 4);
        assert_eq!(map_columns(1100.0, 2), 2);
        assert_eq!(map_columns(500.0, 7), 2);
        assert_eq!(map_columns(100.0, 3), 1);
        assert_eq!(map_columns(1100.0, 0), 1);
        for n in 1..=8 {
            let c = map_columns(1100.0, n);
            assert!(1100.0 / c as f32 >= MIN_MAP && c <= n.max(1));
        }
    }
}
