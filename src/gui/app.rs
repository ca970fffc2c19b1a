//! The explorer's window: a top bar (space, run, backend, tasks), panel tabs, the current
//! panel's controls on the left, its view in the middle and the selected cell on the right.
//! The panels are [`View`]s (`gui::views`); the app owns only what they share: the workspace,
//! the selection, the window's errors, file dialogs and the one decoding job of a clicked point.

use std::path::PathBuf;
use std::time::Instant;

use super::dialogs::{Dialogs, PathPurpose, PendingDialog, RfdDialogs};
use super::inspector::Inspector;
use super::save_figure::{FigureSaver, SaveAsk};
use super::screenshot::{ScreenshotPlan, Scripted};
use super::selection::Selection;
use super::tasks::{Outcome, Task, TaskStatus, take_finished};
use super::view::{Action, Board, Ctx, FrameInfo, Handled, Request, RunExtra, View};
use super::workspace::{self, LoadEvent, LoadRequest, Workspace};
use crate::backend::Backend;
use crate::space::SpaceKind;

/// How the explorer starts.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub space: SpaceKind,
    /// A run folder to open; `None` opens the space's bundled model (if one is bundled).
    pub run: Option<PathBuf>,
    pub backend: Backend,
    /// The panel to show first (its [`View::id`], e.g. "walk"); `None`: the latent map.
    pub panel: Option<String>,
    /// Save a PNG of the window here once the panel has its content, then close.
    pub screenshot: Option<PathBuf>,
    /// With `screenshot`: first save the panel's figure here, through the Save figure bar's
    /// typed path.
    pub save_figure: Option<PathBuf>,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            space: SpaceKind::Nb201,
            run: None,
            backend: Backend::Wgpu,
            panel: None,
            screenshot: None,
            save_figure: None,
        }
    }
}

/// The panel shown when none is asked for.
pub const FIRST_PANEL: &str = "map";

pub struct CellspaceApp {
    /// Every panel, in tab order (`gui::views::all`), each owning its state and jobs.
    pub views: Vec<Box<dyn View>>,
    /// The panel shown (an index into `views`).
    pub current: usize,
    /// The space asked for last (the workspace's, once one is open).
    pub space: SpaceKind,
    pub workspace: Option<Workspace>,
    pub load: Option<Task<LoadEvent, Workspace>>,
    /// Errors shown in the window until dismissed.
    pub errors: Vec<String>,
    pub selection: Option<Selection>,
    /// Decoding a clicked latent point (any panel may ask for it).
    pub decode: Option<Task<(), Selection>>,
    pub inspector: Inspector,
    pub dialogs: std::sync::Arc<dyn Dialogs>,
    /// The native dialog open now (on its own thread), if any.
    pub pending_dialog: Option<PendingDialog>,
    /// A one-line answer to the last file action (what was written, or why nothing was).
    pub notice: Option<String>,
    pub frame: FrameInfo,
    pub backend: Backend,
    /// What the panels published, gathered once per frame (and before a test's `act`).
    board: Board,
    launched: Instant,
    screenshot: Option<ScreenshotPlan>,
    /// The Save figure bar's settings.
    pub figure_saver: FigureSaver,
    /// Whether the panels' settings are kept between launches (not for scripted screenshots,
    /// which must look the same on every machine).
    persist: bool,
}

/// The key of the panels' settings in eframe's storage.
const SETTINGS_KEY: &str = "cellspace-settings";

/// What the explorer keeps between launches: the panel shown and each panel's settings.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct KeptSettings {
    pub panel: Option<String>,
    pub views: std::collections::BTreeMap<String, serde_json::Value>,
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
        let views = super::views::all(options.space);
        let position = |id: &str| views.iter().position(|v| v.id() == id);
        let current = options
            .panel
            .as_deref()
            .and_then(position)
            .or_else(|| position(FIRST_PANEL))
            .unwrap_or(0);
        let mut app = Self {
            views,
            current,
            space: options.space,
            workspace: None,
            load: None,
            errors: Vec::new(),
            selection: None,
            decode: None,
            inspector: Inspector::default(),
            dialogs: std::sync::Arc::from(dialogs),
            pending_dialog: None,
            notice: None,
            frame: FrameInfo {
                gpu_points,
                ..Default::default()
            },
            backend: options.backend,
            board: Board::default(),
            launched: Instant::now(),
            screenshot: options
                .screenshot
                .clone()
                .map(|p| ScreenshotPlan::new(p, current, options.save_figure.clone())),
            figure_saver: FigureSaver::default(),
            persist: options.screenshot.is_none(),
        };
        if let (Some(storage), true) = (cc.storage, app.persist) {
            app.restore_settings(storage, options.panel.is_none());
        }
        let run = options
            .run
            .clone()
            .or_else(|| crate::run::bundled_run(options.space));
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
        self.space = request.space;
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
            run: crate::run::bundled_run(space),
            data_file: None,
            backend: self.backend,
        });
    }

    pub fn is_loading(&self) -> bool {
        self.load.is_some()
    }

    /// Whether any background task is running.
    pub fn busy(&self) -> bool {
        self.load.is_some() || self.decode.is_some() || self.views.iter().any(|v| v.busy())
    }

    /// The id of the panel shown.
    pub fn current_id(&self) -> &'static str {
        self.views[self.current].id()
    }

    /// Shows the panel `id`; false if there is none.
    pub fn show_panel(&mut self, id: &str) -> bool {
        match self.views.iter().position(|v| v.id() == id) {
            Some(i) => {
                self.current = i;
                true
            }
            None => false,
        }
    }

    /// The panel of type `T` (tests and demonstrations look inside).
    pub fn panel<T: View + 'static>(&self) -> Option<&T> {
        self.views
            .iter()
            .find_map(|v| v.as_ref().as_any().downcast_ref())
    }

    pub fn panel_mut<T: View + 'static>(&mut self) -> Option<&mut T> {
        self.views
            .iter_mut()
            .find_map(|v| v.as_mut().as_any_mut().downcast_mut())
    }

    /// Runs `f` on the panel of type `T` as the frame would (with a context; its actions
    /// applied after). Tests and demonstrations start jobs through it.
    pub fn act<T: View + 'static, R>(
        &mut self,
        f: impl FnOnce(&mut T, &Ctx, &mut Vec<Action>) -> R,
    ) -> Option<R> {
        self.refresh_board();
        let mut actions = Vec::new();
        let mut views = std::mem::take(&mut self.views);
        let out = views
            .iter_mut()
            .find_map(|v| v.as_mut().as_any_mut().downcast_mut::<T>())
            .map(|p| f(p, &self.ctx(), &mut actions));
        self.views = views;
        self.apply(actions);
        out
    }

    /// Gathers what the panels show one another.
    fn refresh_board(&mut self) {
        let mut board = Board::default();
        for v in &self.views {
            v.publish(&mut board);
        }
        self.board = board;
    }

    /// What the panels see this frame.
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            workspace: self.workspace.as_ref(),
            selection: self.selection.as_ref(),
            backend: self.backend,
            board: &self.board,
            frame: self.frame,
        }
    }

    /// Calls `f` with the panel `i` (views taken out of the app meanwhile), then applies what
    /// it asked for.
    fn with_view(&mut self, i: usize, f: impl FnOnce(&mut dyn View, &Ctx, &mut Vec<Action>)) {
        let mut actions = Vec::new();
        let mut views = std::mem::take(&mut self.views);
        if let Some(v) = views.get_mut(i) {
            f(v.as_mut(), &self.ctx(), &mut actions);
        }
        self.views = views;
        self.apply(actions);
    }

    /// Applies what the panels asked for, in order.
    pub(crate) fn apply(&mut self, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Select(s) => self.selection = Some(s),
                Action::Error(e) => self.errors.push(e),
                Action::Notice(n) => self.notice = Some(n),
                Action::Decode { latent, origin } => self.decode_point(latent, origin),
                Action::Open(request) => self.open(request),
                Action::AskPath(purpose) => self.ask_path(purpose),
                Action::Attach(extra) => {
                    if let Some(run) = self.workspace.as_mut().and_then(|w| w.run.as_mut()) {
                        match extra {
                            RunExtra::Tsne(xy) => run.tsne = Some(xy),
                            RunExtra::Predicted(p, gp) => {
                                run.predicted = Some(p);
                                run.surrogate = gp;
                            }
                        }
                    }
                }
                Action::MapDrawn => self.note_first_map(),
                Action::Request(r) => self.request(r),
            }
        }
    }

    /// Hands `request` to each panel in turn until one takes it.
    pub fn request(&mut self, request: Request) {
        let mut views = std::mem::take(&mut self.views);
        let mut actions = Vec::new();
        let mut taken = None;
        for (i, v) in views.iter_mut().enumerate() {
            match v.handle(&request, &self.ctx(), &mut actions) {
                Handled::No => continue,
                h => {
                    taken = Some((i, h));
                    break;
                }
            }
        }
        self.views = views;
        match taken {
            Some((i, Handled::Show)) => self.current = i,
            Some(_) => {}
            None => self
                .errors
                .push(format!("no panel can do this: {request:?}")),
        }
        self.apply(actions);
    }

    /// Runs a panel's demonstration (screenshots): the best cell selected first.
    /// The panels' settings as kept between launches.
    pub fn kept_settings(&self) -> KeptSettings {
        KeptSettings {
            panel: self.views.get(self.current).map(|v| v.id().to_string()),
            views: (self.views.iter())
                .filter_map(|v| Some((v.id().to_string(), v.settings()?)))
                .collect(),
        }
    }

    /// Gives each panel its kept settings, and shows the kept panel if `panel`.
    pub fn apply_settings(&mut self, kept: &KeptSettings, panel: bool) {
        for v in &mut self.views {
            if let Some(s) = kept.views.get(v.id()) {
                v.restore(s);
            }
        }
        if let (true, Some(id)) = (panel, &kept.panel)
            && let Some(i) = self.views.iter().position(|v| v.id() == id)
        {
            self.current = i;
        }
    }

    /// Reads the settings kept in `storage` by an earlier launch. Unreadable ones (another
    /// version's) are said in the window and left alone.
    fn restore_settings(&mut self, storage: &dyn eframe::Storage, panel: bool) {
        let Some(text) = storage.get_string(SETTINGS_KEY) else {
            return;
        };
        match serde_json::from_str::<KeptSettings>(&text) {
            Ok(kept) => self.apply_settings(&kept, panel),
            Err(e) => {
                self.notice = Some(format!(
                    "the settings kept from the last launch could not be read ({e}); the \
                     defaults are used"
                ))
            }
        }
    }

    /// Every panel's settings back to their defaults (results and running jobs are kept).
    pub fn reset_settings(&mut self) {
        let defaults = super::views::all(self.space);
        for (v, d) in self.views.iter_mut().zip(&defaults) {
            if let Some(s) = d.settings() {
                v.restore(&s);
            }
        }
        self.notice = Some("panel settings reset to their defaults".into());
    }

    pub(crate) fn demo_view(&mut self, i: usize) {
        self.current = i;
        if let Some(r) = self.best_row() {
            self.selection = Some(Selection::Row(r));
        }
        self.with_view(i, |v, ctx, actions| v.demo(ctx, actions));
    }

    /// The row of the best labelled cell of the open data, if any.
    pub fn best_row(&self) -> Option<usize> {
        let ws = self.workspace.as_ref()?;
        let best = ws.data.best()?;
        ws.data.records.iter().position(|r| std::ptr::eq(r, best))
    }

    /// Decodes a latent point in the background and selects the result.
    pub fn decode_point(&mut self, latent: Vec<f32>, origin: String) {
        let Some(ws) = &self.workspace else { return };
        let Some(run) = &ws.run else { return };
        let model = run.run.model.clone();
        let (data, index, device) = (ws.data.clone(), ws.index.clone(), ws.device.clone());
        self.decode = Some(Task::spawn("decoding a latent point", move |_, cancel| {
            let z = burn::tensor::Tensor::<2>::from_data(
                burn::tensor::TensorData::new(latent.clone(), [1, latent.len()]),
                &device,
            );
            let cell = crate::latent::decode_majority(&model, data.space, &z, 5, &cancel)?
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
        let name = match purpose {
            PathPurpose::Export { json: false } => format!("candidates-{}.csv", self.space.name()),
            PathPurpose::SaveFigure { .. } => self
                .figure_saver
                .default_name(self.current_id(), self.space.name()),
            _ => format!("candidates-{}.json", self.space.name()),
        };
        self.pending_dialog = Some(PendingDialog::ask(self.dialogs.clone(), purpose, name));
    }

    /// Does what a path was chosen (or typed) for: opening is the app's; the rest is the
    /// panel's that asked.
    pub fn use_path(&mut self, purpose: PathPurpose, path: PathBuf) {
        match purpose {
            PathPurpose::OpenRun => self.open(LoadRequest {
                space: self.space,
                run: Some(path),
                data_file: None,
                backend: self.backend,
            }),
            PathPurpose::OpenDataFile => {
                let run = self
                    .workspace
                    .as_ref()
                    .and_then(|w| w.run.as_ref().map(|r| r.run.dir.clone()));
                self.open(LoadRequest {
                    space: self.space,
                    run,
                    data_file: Some(path),
                    backend: self.backend,
                });
            }
            PathPurpose::SaveFigure { .. } => self.save_figure(&path),
            _ => self.request(Request::Path(purpose, path)),
        }
    }

    /// The shown panel's figure now, as "Save figure" draws it.
    pub fn current_figure(&self) -> Option<crate::figures::Figure> {
        self.views.get(self.current)?.figure(&self.ctx())
    }

    /// Saves the shown panel's figure to `path` (PNG or SVG by its extension), with the bar's
    /// size and scale; says how it went in the notice or the errors.
    pub fn save_figure(&mut self, path: &std::path::Path) {
        match self.figure_saver.save(self.current_figure(), path) {
            Ok(notice) => self.notice = Some(notice),
            Err(e) => self.errors.push(format!("Save figure: {e}")),
        }
    }

    /// The Save figure bar above the view.
    fn figure_bar(&mut self, ui: &mut egui::Ui) {
        match self.figure_saver.bar_ui(ui) {
            Some(SaveAsk::Dialog) => self.ask_path(PathPurpose::SaveFigure {
                svg: self.figure_saver.svg,
            }),
            Some(SaveAsk::Typed(path)) => self.save_figure(&path),
            None => {}
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
        self.refresh_board();
        for i in 0..self.views.len() {
            self.with_view(i, |v, ctx, actions| v.poll(ctx, actions));
        }
        // The frame draws what the polls brought in.
        self.refresh_board();
    }

    fn workspace_opened(&mut self, ws: Workspace) {
        if let Some(note) = &ws.device_note {
            eprintln!("note: {note}");
        }
        self.selection = None;
        // A point still decoding belongs to the old data (its row would point elsewhere).
        self.decode = None;
        self.inspector = Inspector::default();
        for v in &mut self.views {
            v.reset(&ws);
        }
        for w in &ws.data.warnings {
            self.errors.push(format!("{WARNING}{w}"));
        }
        if let Some(open) = &ws.run
            && let Some(failure) = open.run.manifest.failure()
        {
            self.errors
                .push(format!("{WARNING}{}: {failure}", open.run.dir.display()));
        }
        self.space = ws.space;
        self.workspace = Some(ws);
    }

    fn note_first_map(&mut self) {
        if self.frame.first_map_seconds.is_none() {
            let s = self.launched.elapsed().as_secs_f64();
            self.frame.first_map_seconds = Some(s);
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
        for view in &mut self.views {
            v.extend(view.tasks());
        }
        v
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("cellspace");
            ui.separator();
            let current = self.space;
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
                    format!("{} ({})", r.run.name(), r.run.model_name())
                })
            });
            // The model picker: the space's bundled models; other runs open by path.
            let mut picked = None;
            egui::ComboBox::from_id_salt("bundled model")
                .selected_text(format!("run: {run_label}"))
                .show_ui(ui, |ui| {
                    let runs = crate::run::bundled_runs(current);
                    if runs.is_empty() {
                        ui.weak(format!("no bundled model for {}", space_title(current)));
                    }
                    let open_dir = self
                        .workspace
                        .as_ref()
                        .and_then(|w| w.run.as_ref())
                        .map(|r| r.run.dir.clone());
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
            for (i, v) in self.views.iter().enumerate() {
                if ui.selectable_label(self.current == i, v.title()).clicked() {
                    self.current = i;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.menu_button("Settings", |ui| {
                    if ui.button("Reset panel settings").clicked() {
                        self.reset_settings();
                        ui.close();
                    }
                    ui.weak("Each panel's settings are kept between launches.");
                });
            });
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
            // The button first and the text wrapped after it: a long message (a path, a
            // chain of causes) stays whole on screen and never pushes the button off it.
            ui.horizontal(|ui| {
                if ui.small_button("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                let (text, color) = match e.strip_prefix(WARNING) {
                    Some(w) => (format!("Warning: {w}"), ui.visuals().warn_fg_color),
                    None => (format!("Error: {e}"), ui.visuals().error_fg_color),
                };
                ui.add(egui::Label::new(egui::RichText::new(text).color(color)).wrap());
            });
        }
        if let Some(i) = dismiss {
            self.errors.remove(i);
        }
    }

    /// The inspector on the right: it sees the app as the panels do.
    fn inspector(&mut self, ui: &mut egui::Ui) {
        let mut actions = Vec::new();
        let mut inspector = std::mem::take(&mut self.inspector);
        inspector.show(ui, &self.ctx(), &mut actions);
        self.inspector = inspector;
        self.apply(actions);
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

impl Scripted for CellspaceApp {
    fn has_workspace(&self) -> bool {
        self.workspace.is_some()
    }

    fn busy(&self) -> bool {
        CellspaceApp::busy(self)
    }

    fn is_loading(&self) -> bool {
        CellspaceApp::is_loading(self)
    }

    fn errors(&self) -> String {
        self.errors.join("; ")
    }

    fn demo_view(&mut self, view: usize) {
        CellspaceApp::demo_view(self, view)
    }

    fn save_figure_typed(&mut self, path: &std::path::Path) -> String {
        self.figure_saver.typed = path.display().to_string();
        CellspaceApp::save_figure(self, path);
        match self.errors.last() {
            Some(e) if e.starts_with("Save figure") => e.clone(),
            _ => self.notice.clone().unwrap_or_default(),
        }
    }
}

impl eframe::App for CellspaceApp {
    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if !self.persist {
            return;
        }
        match serde_json::to_string(&self.kept_settings()) {
            Ok(text) => storage.set_string(SETTINGS_KEY, text),
            Err(e) => eprintln!("warning: the panel settings could not be kept: {e}"),
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        if let Some(ms) = frame.info().cpu_usage {
            self.frame.frame_ms = 0.9 * self.frame.frame_ms + 0.1 * ms * 1000.0;
        }
        self.poll_tasks();
        egui::Panel::top("top").show(ui, |ui| self.top_bar(ui));
        let current = self.current;
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(270.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.with_view(current, |v, ctx, actions| v.controls(ui, ctx, actions));
                });
            });
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.inspector(ui));
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
            self.figure_bar(ui);
            self.with_view(current, |v, ctx, actions| v.view(ui, ctx, actions));
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
