//! The explorer's window: a top bar (space, run, backend, tasks), panel tabs, the current
//! panel's controls on the left, its view in the middle and the selected cell on the right.

use std::path::PathBuf;
use std::time::Instant;

use super::dialogs::{Dialogs, PathPurpose, PendingDialog, RfdDialogs};
use super::panels;
use super::screenshot::ScreenshotPlan;
use super::tasks::{Outcome, Task, TaskStatus, take_finished};
use super::view::{Action, Ctx, View};
use super::workspace::{self, LoadEvent, LoadRequest, Workspace};
use crate::backend::Backend;
use crate::explore::Candidate;
use crate::space::{Cell, SpaceKind};

/// The explorer's panels, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Panel {
    Training,
    Map,
    Walk,
    Landscape,
    Bo,
    Candidates,
}

impl Panel {
    pub const ALL: [Panel; 6] = [
        Panel::Training,
        Panel::Map,
        Panel::Walk,
        Panel::Landscape,
        Panel::Bo,
        Panel::Candidates,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Panel::Training => "Data & training",
            Panel::Map => "Latent map",
            Panel::Walk => "Walk",
            Panel::Landscape => "Landscape",
            Panel::Bo => "BO",
            Panel::Candidates => "Candidates",
        }
    }
}

/// How the explorer starts.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub space: SpaceKind,
    /// A run folder to open; `None` opens the space's bundled model (if one is bundled).
    pub run: Option<PathBuf>,
    pub backend: Backend,
    pub panel: Panel,
    /// A self-contained panel to show first instead (its [`View::id`], e.g. "compare").
    pub view: Option<String>,
    /// Save a PNG of the window here once the panel has its content, then close.
    pub screenshot: Option<PathBuf>,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            space: SpaceKind::Nb201,
            run: None,
            backend: Backend::Wgpu,
            panel: Panel::Map,
            view: None,
            screenshot: None,
        }
    }
}

/// The cell the inspector shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// A cell of the data set.
    Row(usize),
    /// A decoded latent point: its cell (if decoding produced one) and its row, if the cell is
    /// in the table.
    Decoded {
        cell: Option<Cell>,
        latent: Vec<f32>,
        row: Option<usize>,
        origin: String,
    },
}

/// The text of the in-window path fields.
#[derive(Debug, Clone)]
pub struct PathFields {
    /// A run folder to open or resume.
    pub run: String,
    /// A data file to open.
    pub data_file: String,
    /// Where the candidates are exported (JSON, or CSV for a `.csv` name).
    pub export: String,
}

impl PathFields {
    fn new(space: SpaceKind) -> Self {
        let here = std::env::current_dir().unwrap_or_default();
        Self {
            run: here.join("runs").display().to_string(),
            // The folder to look in; the file name is the user's.
            data_file: format!("{}{}", here.display(), std::path::MAIN_SEPARATOR),
            export: here
                .join(format!("candidates-{}.json", space.name()))
                .display()
                .to_string(),
        }
    }
}

pub struct CellspaceApp {
    pub panel: Panel,
    /// The self-contained panels (`gui::views`), each owning its state and jobs.
    pub views: Vec<Box<dyn View>>,
    /// The one shown, when it is one of `views` rather than `panel`.
    pub view: Option<usize>,
    pub workspace: Option<Workspace>,
    pub load: Option<Task<LoadEvent, Workspace>>,
    /// Errors shown in the window until dismissed.
    pub errors: Vec<String>,
    pub selection: Option<Selection>,
    pub candidates: Vec<Candidate>,
    pub map: panels::latent_map::MapState,
    pub training: panels::training::TrainingState,
    pub walk: panels::walk::WalkState,
    pub landscape: panels::landscape::LandscapeState,
    pub bo: panels::bo::BoState,
    pub decode: Option<Task<(), Selection>>,
    /// The GP's prediction at the selected decoded point (its latent, the value).
    pub decoded_prediction: Option<(Vec<f32>, Option<f64>)>,
    pub dialogs: std::sync::Arc<dyn Dialogs>,
    /// The native dialog open now (on its own thread), if any.
    pub pending_dialog: Option<PendingDialog>,
    /// The in-window path fields, which work where no native dialog can open.
    pub paths: PathFields,
    /// A one-line answer to the last file action (what was written, or why nothing was).
    pub notice: Option<String>,
    /// Whether the map's points go through the WGSL shader (a wgpu renderer is present).
    pub gpu_points: bool,
    pub backend: Backend,
    /// Seconds from launch to the first drawn latent map.
    pub first_map_seconds: Option<f64>,
    /// Mean of recent frame times (ms), as egui measured the CPU side of the frame.
    pub frame_ms: f32,
    launched: Instant,
    screenshot: Option<ScreenshotPlan>,
}

impl CellspaceApp {
    pub fn new(cc: &eframe::CreationContext<'_>, options: StartOptions) -> Self {
        Self::with_dialogs(cc, options, Box::new(RfdDialogs))
    }

    /// The app with its file dialogs answered by `dialogs` (tests use fixed answers).
    pub fn with_dialogs(
        cc: &eframe::CreationContext<'_>,
        options: StartOptions,
        dialogs: Box<dyn Dialogs>,
    ) -> Self {
        let gpu_points = match &cc.wgpu_render_state {
            Some(rs) => {
                super::point_cloud::install(rs);
                true
            }
            None => false,
        };
        let views = super::views::all();
        let view = options
            .view
            .as_ref()
            .and_then(|id| views.iter().position(|v| v.id() == id));
        let mut app = Self {
            panel: options.panel,
            views,
            view,
            workspace: None,
            load: None,
            errors: Vec::new(),
            selection: None,
            candidates: Vec::new(),
            map: Default::default(),
            training: panels::training::TrainingState::new(options.space),
            walk: Default::default(),
            landscape: Default::default(),
            bo: Default::default(),
            decode: None,
            decoded_prediction: None,
            dialogs: std::sync::Arc::from(dialogs),
            pending_dialog: None,
            paths: PathFields::new(options.space),
            notice: None,
            gpu_points,
            backend: options.backend,
            first_map_seconds: None,
            frame_ms: 0.0,
            launched: Instant::now(),
            screenshot: options
                .screenshot
                .clone()
                .map(|p| ScreenshotPlan::new(p, options.panel, view)),
        };
        let run = options
            .run
            .clone()
            .or_else(|| workspace::bundled_run(options.space));
        app.open(LoadRequest {
            space: options.space,
            run,
            data_file: None,
            backend: options.backend,
        });
        app
    }

    /// Starts opening data (and a run); the current workspace stays until it is ready.
    pub fn open(&mut self, request: LoadRequest) {
        if let Some(t) = &mut self.load {
            t.cancel();
        }
        let name = match &request.run {
            Some(dir) => format!("opening {}", dir.display()),
            None => format!("opening {}", request.space),
        };
        self.load = Some(Task::spawn(name, move |tx, cancel| {
            workspace::load(&request, &tx, &cancel)
        }));
    }

    /// Opens the bundled data (and bundled model, if any) of `space`.
    pub fn open_space(&mut self, space: SpaceKind) {
        self.open(LoadRequest {
            space,
            run: workspace::bundled_run(space),
            data_file: None,
            backend: self.backend,
        });
    }

    pub fn is_loading(&self) -> bool {
        self.load.is_some()
    }

    /// Whether any background task is running.
    pub fn busy(&self) -> bool {
        self.load.is_some()
            || self.decode.is_some()
            || self.training.task.is_some()
            || self.walk.task.is_some()
            || self.landscape.task.is_some()
            || self.bo.task.is_some()
            || self.map.tsne_task.is_some()
            || self.map.predict_task.is_some()
            || self.map.place_task.is_some()
            || self.views.iter().any(|v| v.busy())
    }

    /// What the self-contained panels see this frame.
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            workspace: self.workspace.as_ref(),
            selection: self.selection.as_ref(),
            backend: self.backend,
            training_run: self
                .training
                .task
                .as_ref()
                .and(self.training.job_dir.as_deref()),
        }
    }

    /// Applies what the self-contained panels asked for, in order.
    pub(crate) fn apply(&mut self, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Select(s) => self.selection = Some(s),
                Action::Error(e) => self.errors.push(e),
                Action::Notice(n) => self.notice = Some(n),
            }
        }
    }

    /// Runs a self-contained panel's demonstration (screenshots).
    pub(crate) fn demo_view(&mut self, i: usize) {
        self.view = Some(i);
        if let Some(r) = panels::best_row(self) {
            self.selection = Some(Selection::Row(r));
        }
        let mut actions = Vec::new();
        let mut views = std::mem::take(&mut self.views);
        if let Some(v) = views.get_mut(i) {
            v.demo(&self.ctx(), &mut actions);
        }
        self.views = views;
        self.apply(actions);
    }

    /// The cell of the current selection, its row and where it came from.
    pub fn selected_cell(&self) -> Option<(Cell, Option<usize>, String)> {
        let ws = self.workspace.as_ref()?;
        match self.selection.as_ref()? {
            Selection::Row(r) => ws
                .data
                .records
                .get(*r)
                .map(|rec| (rec.cell.clone(), Some(*r), "table".to_string())),
            Selection::Decoded {
                cell, row, origin, ..
            } => cell.clone().map(|c| (c, *row, origin.clone())),
        }
    }

    /// Adds a cell to the candidates (once).
    pub fn pin(&mut self, cell: Cell, row: Option<usize>, origin: &str) {
        let Some(ws) = &self.workspace else { return };
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

    /// Decodes a latent point in the background and selects the result.
    pub fn decode_point(&mut self, latent: Vec<f32>, origin: String) {
        let Some(ws) = &self.workspace else { return };
        let Some(run) = &ws.run else { return };
        let model = run.model.clone();
        let (data, index, device) = (ws.data.clone(), ws.index.clone(), ws.device.clone());
        self.decode = Some(Task::spawn("decoding a latent point", move |_, cancel| {
            let z = burn::tensor::Tensor::<2>::from_data(
                burn::tensor::TensorData::new(latent.clone(), [1, latent.len()]),
                &device,
            );
            let cell = crate::explore::decode_majority(&model, data.space, &z, 5, &cancel)?
                .into_iter()
                .next()
                .flatten();
            let row = cell.as_ref().and_then(|c| index.find(c));
            Ok(Selection::Decoded {
                cell,
                latent,
                row,
                origin,
            })
        }));
    }

    /// Asks the native dialog for `purpose` off the UI thread; its answer is applied by
    /// [`CellspaceApp::use_path`] once given.
    pub fn ask_path(&mut self, purpose: PathPurpose) {
        if self.pending_dialog.is_some() {
            self.notice = Some("a file dialog is already open".into());
            return;
        }
        let space = self
            .workspace
            .as_ref()
            .map_or(self.training.space, |w| w.space);
        let name = match purpose {
            PathPurpose::Export { json: false } => format!("candidates-{}.csv", space.name()),
            _ => format!("candidates-{}.json", space.name()),
        };
        self.pending_dialog = Some(PendingDialog::ask(self.dialogs.clone(), purpose, name));
    }

    /// Does what a path was chosen (or typed) for.
    pub fn use_path(&mut self, purpose: PathPurpose, path: PathBuf) {
        let space = self
            .workspace
            .as_ref()
            .map_or(self.training.space, |w| w.space);
        match purpose {
            PathPurpose::OpenRun => {
                self.paths.run = path.display().to_string();
                self.open(LoadRequest {
                    space,
                    run: Some(path),
                    data_file: None,
                    backend: self.backend,
                });
            }
            PathPurpose::OpenDataFile => {
                self.paths.data_file = path.display().to_string();
                let run = self
                    .workspace
                    .as_ref()
                    .and_then(|w| w.run.as_ref().map(|r| r.dir.clone()));
                self.open(LoadRequest {
                    space,
                    run,
                    data_file: Some(path),
                    backend: self.backend,
                });
            }
            PathPurpose::ResumeRun => {
                self.paths.run = path.display().to_string();
                panels::training::start(self, Some(path));
            }
            PathPurpose::NewRunFolder => self.training.out_dir = path.display().to_string(),
            PathPurpose::AddCurves => {
                self.paths.run = path.display().to_string();
                if let Err(e) = self.training.compare.add_run(&path) {
                    self.errors.push(e);
                }
            }
            PathPurpose::Export { json } => {
                self.paths.export = path.display().to_string();
                panels::candidates::export_to(self, &path, json);
            }
        }
    }

    fn poll_dialog(&mut self) {
        let Some(answer) = self.pending_dialog.as_ref().and_then(|d| d.poll()) else {
            return;
        };
        let Some(dialog) = self.pending_dialog.take() else {
            return;
        };
        match answer {
            Some(path) => self.use_path(dialog.purpose, path),
            None => {
                self.notice = Some(format!(
                    "nothing chosen; if no dialog appeared (no desktop portal or zenity here), \
                     {}",
                    dialog.purpose.field_hint()
                ))
            }
        }
    }

    fn poll_tasks(&mut self) {
        self.poll_dialog();
        if let Some(t) = &mut self.load {
            for LoadEvent::Stage { text, fraction } in t.drain() {
                t.status = text;
                t.progress = Some(fraction);
            }
        }
        match take_finished(&mut self.load) {
            Some(Outcome::Done(ws)) => self.workspace_opened(ws),
            Some(Outcome::Failed(e)) => self.errors.push(e),
            Some(Outcome::Cancelled) | None => {}
        }
        match take_finished(&mut self.decode) {
            Some(Outcome::Done(sel)) => self.selection = Some(sel),
            Some(Outcome::Failed(e)) => self.errors.push(e),
            Some(Outcome::Cancelled) | None => {}
        }
        panels::training::poll(self);
        panels::latent_map::poll(self);
        panels::walk::poll(self);
        panels::landscape::poll(self);
        panels::bo::poll(self);
        let mut actions = Vec::new();
        let mut views = std::mem::take(&mut self.views);
        for v in &mut views {
            v.poll(&self.ctx(), &mut actions);
        }
        self.views = views;
        self.apply(actions);
    }

    fn workspace_opened(&mut self, ws: Workspace) {
        if let Some(note) = &ws.device_note {
            eprintln!("note: {note}");
        }
        self.selection = None;
        // A point still decoding belongs to the old data (its row would point elsewhere).
        self.decode = None;
        self.decoded_prediction = None;
        self.map.reset();
        self.walk.reset();
        self.landscape.reset();
        self.bo.reset();
        for v in &mut self.views {
            v.reset();
        }
        self.candidates.clear();
        self.training.follow_workspace(&ws);
        for w in &ws.data.warnings {
            self.errors.push(format!("{WARNING}{w}"));
        }
        self.workspace = Some(ws);
    }

    pub(crate) fn note_first_map(&mut self) {
        if self.first_map_seconds.is_none() {
            let s = self.launched.elapsed().as_secs_f64();
            self.first_map_seconds = Some(s);
            eprintln!("first latent map drawn {s:.2} s after launch");
        }
    }

    fn tasks_mut(&mut self) -> Vec<&mut dyn TaskStatus> {
        let mut v: Vec<&mut dyn TaskStatus> = Vec::new();
        if let Some(t) = &mut self.load {
            v.push(t);
        }
        if let Some(t) = &mut self.decode {
            v.push(t);
        }
        if let Some(t) = &mut self.training.task {
            v.push(t);
        }
        if let Some(t) = &mut self.map.tsne_task {
            v.push(t);
        }
        if let Some(t) = &mut self.map.predict_task {
            v.push(t);
        }
        if let Some(t) = &mut self.map.place_task {
            v.push(t);
        }
        if let Some(t) = &mut self.walk.task {
            v.push(t);
        }
        if let Some(t) = &mut self.landscape.task {
            v.push(t);
        }
        if let Some(t) = &mut self.bo.task {
            v.push(t);
        }
        for view in &mut self.views {
            v.extend(view.tasks());
        }
        v
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("cellspace");
            ui.separator();
            let current = self
                .workspace
                .as_ref()
                .map_or(self.training.space, |w| w.space);
            let mut space = current;
            egui::ComboBox::from_id_salt("space")
                .selected_text(space_title(space))
                .show_ui(ui, |ui| {
                    for s in SpaceKind::ALL {
                        ui.selectable_value(&mut space, s, space_title(s));
                    }
                });
            if space != current && !self.is_loading() {
                self.open_space(space);
            }
            ui.separator();
            let run_label = self.workspace.as_ref().map_or("-".to_string(), |w| {
                w.run.as_ref().map_or("no model".to_string(), |r| {
                    let name = r.dir.file_name().map_or(r.dir.display().to_string(), |n| {
                        n.to_string_lossy().to_string()
                    });
                    format!("{name} ({})", r.manifest.config.vae.model.name())
                })
            });
            // The model picker: the space's bundled models; other runs open by path.
            let mut picked = None;
            egui::ComboBox::from_id_salt("bundled model")
                .selected_text(format!("run: {run_label}"))
                .show_ui(ui, |ui| {
                    let runs = workspace::bundled_runs(current);
                    if runs.is_empty() {
                        ui.weak(format!("no bundled model for {}", space_title(current)));
                    }
                    let open_dir = self
                        .workspace
                        .as_ref()
                        .and_then(|w| w.run.as_ref())
                        .map(|r| r.dir.clone());
                    for dir in runs {
                        let name = dir
                            .file_name()
                            .map_or(String::new(), |n| n.to_string_lossy().to_string());
                        let selected = open_dir
                            .as_ref()
                            .is_some_and(|d| d.canonicalize().ok() == dir.canonicalize().ok());
                        if ui.selectable_label(selected, name).clicked() && !selected {
                            picked = Some(dir);
                        }
                    }
                });
            if let Some(dir) = picked
                && !self.is_loading()
            {
                self.paths.run = dir.display().to_string();
                self.open(LoadRequest {
                    space: current,
                    run: Some(dir),
                    data_file: None,
                    backend: self.backend,
                });
            }
            if ui
                .button("Open run...")
                .on_hover_text(
                    "Open a run folder (run.json and its checkpoint); or type its path in \
                     Data & training",
                )
                .clicked()
            {
                self.ask_path(PathPurpose::OpenRun);
            }
            ui.separator();
            if let Some(ws) = &self.workspace {
                match &ws.device_note {
                    Some(note) => {
                        ui.label(format!("backend: {} (no GPU found)", ws.device_label))
                            .on_hover_text(note.as_str());
                    }
                    None => {
                        ui.label(format!("backend: {}", ws.device_label));
                    }
                }
                ui.separator();
            }
            let mut any = false;
            for t in self.tasks_mut() {
                any = true;
                ui.spinner();
                // Cancel first: the status text after it changes width as the job reports,
                // and a button behind it would move away from the pointer.
                if t.cancelling() {
                    ui.label("cancelling...");
                } else if ui.small_button("Cancel").clicked() {
                    t.request_cancel();
                }
                let text = if t.status().is_empty() {
                    format!("{} ({:.0} s)", t.name(), t.seconds())
                } else {
                    format!("{}: {} ({:.0} s)", t.name(), t.status(), t.seconds())
                };
                match t.progress() {
                    Some(p) => {
                        ui.add(
                            egui::ProgressBar::new(p.clamp(0.0, 1.0))
                                .desired_width(110.0)
                                .show_percentage(),
                        );
                        ui.label(text);
                    }
                    None => {
                        ui.label(text);
                    }
                }
            }
            if !any {
                ui.weak("idle");
            }
        });
        ui.horizontal(|ui| {
            for p in Panel::ALL {
                let on = self.view.is_none() && self.panel == p;
                if ui.selectable_label(on, p.title()).clicked() {
                    self.panel = p;
                    self.view = None;
                }
            }
            for (i, v) in self.views.iter().enumerate() {
                if ui
                    .selectable_label(self.view == Some(i), v.title())
                    .clicked()
                {
                    self.view = Some(i);
                }
            }
        });
    }

    fn errors_banner(&mut self, ui: &mut egui::Ui) {
        if let Some(note) = &self.notice {
            let mut dismiss = false;
            ui.horizontal(|ui| {
                ui.label(note.as_str());
                dismiss = ui.small_button("Dismiss").clicked();
            });
            if dismiss {
                self.notice = None;
            }
        }
        let mut dismiss = None;
        for (i, e) in self.errors.iter().enumerate() {
            ui.horizontal(|ui| {
                match e.strip_prefix(WARNING) {
                    Some(w) => {
                        ui.colored_label(ui.visuals().warn_fg_color, format!("Warning: {w}"))
                    }
                    None => ui.colored_label(ui.visuals().error_fg_color, format!("Error: {e}")),
                };
                if ui.small_button("Dismiss").clicked() {
                    dismiss = Some(i);
                }
            });
        }
        if let Some(i) = dismiss {
            self.errors.remove(i);
        }
    }
}

/// Marks a message of the error banner as a warning (shown in the warning colour).
pub(crate) const WARNING: &str = "warning: ";

pub fn space_title(space: SpaceKind) -> &'static str {
    match space {
        SpaceKind::Enas => "ENAS-6",
        SpaceKind::Nb201 => "NAS-Bench-201",
        SpaceKind::Nb101 => "NAS-Bench-101",
    }
}

impl eframe::App for CellspaceApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        if let Some(ms) = frame.info().cpu_usage {
            self.frame_ms = 0.9 * self.frame_ms + 0.1 * ms * 1000.0;
        }
        self.poll_tasks();
        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(270.0)
            .show(ui, |ui| {
                if let Some(i) = self.view {
                    let mut actions = Vec::new();
                    let mut views = std::mem::take(&mut self.views);
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        if let Some(v) = views.get_mut(i) {
                            v.controls(ui, &self.ctx(), &mut actions);
                        }
                    });
                    self.views = views;
                    self.apply(actions);
                    return;
                }
                egui::ScrollArea::vertical().show(ui, |ui| match self.panel {
                    Panel::Training => panels::training::controls(self, ui),
                    Panel::Map => panels::latent_map::controls(self, ui),
                    Panel::Walk => panels::walk::controls(self, ui),
                    Panel::Landscape => panels::landscape::controls(self, ui),
                    Panel::Bo => panels::bo::controls(self, ui),
                    Panel::Candidates => panels::candidates::controls(self, ui),
                });
            });
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| panels::inspector::show(self, ui));
            });
        egui::CentralPanel::default_margins().show(ui, |ui| {
            self.errors_banner(ui);
            if self.workspace.is_none() {
                ui.centered_and_justified(|ui| {
                    ui.heading(match &self.load {
                        Some(t) if !t.status.is_empty() => t.status.clone(),
                        Some(_) => "opening...".to_string(),
                        None => "nothing open: choose a space above".to_string(),
                    });
                });
                return;
            }
            if let Some(i) = self.view {
                let mut actions = Vec::new();
                let mut views = std::mem::take(&mut self.views);
                if let Some(v) = views.get_mut(i) {
                    v.view(ui, &self.ctx(), &mut actions);
                }
                self.views = views;
                self.apply(actions);
                return;
            }
            match self.panel {
                Panel::Training => panels::training::view(self, ui),
                Panel::Map => panels::latent_map::view(self, ui),
                Panel::Walk => panels::walk::view(self, ui),
                Panel::Landscape => panels::landscape::view(self, ui),
                Panel::Bo => panels::bo::view(self, ui),
                Panel::Candidates => panels::candidates::view(self, ui),
            }
        });
        if let Some(mut plan) = self.screenshot.take() {
            let keep = plan.step(self, &ctx);
            if keep {
                self.screenshot = Some(plan);
            }
        }
        if self.busy() || self.screenshot.is_some() || self.pending_dialog.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }
}
