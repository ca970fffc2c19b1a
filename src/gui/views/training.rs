//! Data & training: choose space and model, the papers' hyper-parameters, start / cancel /
//! resume a run and watch its curves; open data files and run folders; the learned operation
//! embedding of *-EMB models.

use std::path::PathBuf;

use egui::Ui;

use crate::backend::Backend;
use crate::gui::PathPurpose;
use crate::gui::curves::{CurveSet, CurvesState, plots};
use crate::gui::tasks::{Outcome, Task, TaskError, TaskStatus, take_finished};
use crate::gui::view::{Action, Board, Ctx, Handled, Request, View};
use crate::gui::workspace::{LoadRequest, Workspace};
use crate::model::{GcnOrder, ModelKind, VaeConfig};
use crate::space::SpaceKind;
use crate::train::{EpochMetrics, RunManifest, TrainConfig, TrainEvent};

pub struct TrainingPanel {
    pub space: SpaceKind,
    pub model: ModelKind,
    pub vae: VaeConfig,
    pub config: TrainConfig,
    /// 0: the whole training split.
    pub train_limit: usize,
    pub out_dir: String,
    pub task: Option<Task<TrainEvent, RunManifest>>,
    /// The folder the running (or last) job writes.
    pub job_dir: Option<PathBuf>,
    /// Curves: the open run's epochs, or the running job's.
    pub curves: Vec<EpochMetrics>,
    pub curves_of: String,
    pub message: Option<String>,
    pub finished_dir: Option<PathBuf>,
    /// Other runs' curves drawn beside these, and the plots' scale.
    pub compare: CurvesState,
    /// The in-window path fields (they work where no native dialog opens): a run folder to
    /// open, resume or add, and a data file to open.
    pub run_field: String,
    pub data_file_field: String,
}

fn here() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

fn default_out(space: SpaceKind, model: ModelKind) -> String {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("runs/{}-{}-{stamp}", space.name(), model.name())
}

impl TrainingPanel {
    pub fn new(space: SpaceKind) -> Self {
        let model = ModelKind::Svge;
        let vae = VaeConfig::paper(model);
        Self {
            space,
            model,
            config: TrainConfig::paper(space, vae.clone()),
            vae,
            train_limit: 0,
            out_dir: default_out(space, model),
            task: None,
            job_dir: None,
            curves: Vec::new(),
            curves_of: String::new(),
            message: None,
            finished_dir: None,
            compare: Default::default(),
            run_field: here().join("runs").display().to_string(),
            // The folder to look in; the file name is the user's.
            data_file_field: format!("{}{}", here().display(), std::path::MAIN_SEPARATOR),
        }
    }

    /// Resets the hyper-parameters to the papers' for the chosen space and model.
    pub fn paper_defaults(&mut self) {
        self.vae = VaeConfig::paper(self.model);
        self.config = TrainConfig::paper(self.space, self.vae.clone());
        self.out_dir = default_out(self.space, self.model);
    }

    /// Shows the curves of the run just opened (unless a job is running).
    pub fn follow_workspace(&mut self, ws: &Workspace) {
        if self.task.is_some() {
            return;
        }
        if ws.space != self.space {
            self.space = ws.space;
            self.paper_defaults();
        }
        // The open run's settings, so that a new run repeats it (and the panel says what it is).
        if let Some(run) = &ws.run {
            let c = &run.run.manifest.config;
            self.model = c.vae.model;
            self.vae = c.vae.clone();
            self.config = c.clone();
            self.config.init_from = None;
            self.train_limit = c.train_limit.unwrap_or(0);
            self.out_dir = default_out(self.space, self.model);
        }
        if let Some(run) = &ws.run {
            self.curves = run.run.manifest.epochs.clone();
            self.curves_of = run.run.dir.display().to_string();
        } else {
            self.curves.clear();
            self.curves_of.clear();
        }
    }
}

/// Starts training (or resuming `resume`) with the panel's settings.
impl TrainingPanel {
    pub fn start(&mut self, resume: Option<PathBuf>, actions: &mut Vec<Action>) {
        let mut config = self.config.clone();
        config.space = self.space;
        config.vae = self.vae.clone();
        config.vae.model = self.model;
        config.train_limit = (self.train_limit > 0).then_some(self.train_limit);
        let (dir, is_resume) = match resume {
            Some(d) => (d, true),
            None => (PathBuf::from(self.out_dir.trim()), false),
        };
        if dir.as_os_str().is_empty() {
            actions.push(Action::Error("choose a folder for the run".into()));
            return;
        }
        self.job_dir = Some(dir.clone());
        self.message = None;
        self.finished_dir = None;
        self.curves_of = dir.display().to_string();
        if is_resume {
            // A resumed run keeps its own settings; the panel's epochs and backend apply.
            match RunManifest::read(&dir) {
                Ok(m) => {
                    let (epochs, backend) = (config.epochs, config.backend);
                    config = m.config;
                    config.epochs = epochs;
                    config.backend = backend;
                    self.curves = m.epochs;
                }
                Err(e) => {
                    self.job_dir = None;
                    actions.push(Action::Error(e.to_string()));
                    return;
                }
            }
        } else {
            self.curves.clear();
        }
        let name = format!("training {}", dir.display());
        self.task = Some(Task::spawn(name, move |tx, cancel| {
            crate::train::train(
                &config,
                &dir,
                is_resume,
                &mut |e| {
                    let _ = tx.send(e);
                },
                &cancel,
            )
            .map_err(TaskError::from)
        }));
    }

    fn controls_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Data");
        if let Some(ws) = ctx.workspace {
            ui.label(format!(
                "{}: {} cells from {}",
                ws.space,
                ws.data.len(),
                ws.source
            ));
            ui.weak(&ws.data.accuracy_label);
            ui.weak(format!("opened in {:.1} s", ws.load_seconds));
        }
        ui.horizontal(|ui| {
            if ui
                .button("Open data file...")
                .on_hover_text("A CSV in the bundled format of the current space")
                .clicked()
            {
                actions.push(Action::AskPath(PathPurpose::OpenDataFile));
            }
            if ui.button("Open run...").clicked() {
                actions.push(Action::AskPath(PathPurpose::OpenRun));
            }
        });
        // The same without a native dialog (none opens where no desktop portal runs).
        ui.label("or type a path:");
        ui.horizontal(|ui| {
            ui.label("data file");
            ui.add(egui::TextEdit::singleline(&mut self.data_file_field).desired_width(150.0));
            let path = self.data_file_field.trim().to_string();
            if ui
                .add_enabled(!path.is_empty(), egui::Button::new("Open file"))
                .clicked()
            {
                actions.push(Action::Open(LoadRequest {
                    space: self.space,
                    run: ctx
                        .workspace
                        .and_then(|w| w.run.as_ref().map(|r| r.run.dir.clone())),
                    data_file: Some(PathBuf::from(path)),
                    backend: ctx.backend,
                }));
            }
        });
        ui.horizontal(|ui| {
            ui.label("run folder");
            ui.add(egui::TextEdit::singleline(&mut self.run_field).desired_width(150.0));
            let path = self.run_field.trim().to_string();
            if ui
                .add_enabled(!path.is_empty(), egui::Button::new("Open folder"))
                .clicked()
            {
                actions.push(Action::Open(LoadRequest {
                    space: ctx.workspace.map_or(self.space, |w| w.space),
                    run: Some(PathBuf::from(&path)),
                    data_file: None,
                    backend: ctx.backend,
                }));
            }
            if ui
                .add_enabled(
                    !path.is_empty() && self.task.is_none(),
                    egui::Button::new("Resume it"),
                )
                .on_hover_text("Continue this run folder from its last checkpoint")
                .clicked()
            {
                self.start(Some(PathBuf::from(&path)), actions);
            }
        });
        ui.separator();
        ui.heading("Train a model");
        let running = self.task.is_some();
        ui.add_enabled_ui(!running, |ui| self.settings(ui, actions));
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new("Start training"))
                .clicked()
            {
                self.start(None, actions);
            }
            if ui
                .add_enabled(!running, egui::Button::new("Resume..."))
                .on_hover_text("Continue a run folder from its last checkpoint")
                .clicked()
            {
                actions.push(Action::AskPath(PathPurpose::ResumeRun));
            }
            if ui
                .add_enabled(running, egui::Button::new("Cancel training"))
                .clicked()
                && let Some(t) = &mut self.task
            {
                t.cancel();
            }
        });
        if let Some(m) = &self.message {
            ui.label(m);
        }
        if let Some(dir) = self.finished_dir.clone() {
            if ui.button("Open this run").clicked() {
                actions.push(Action::Open(LoadRequest {
                    space: self.space,
                    run: Some(dir.clone()),
                    data_file: None,
                    backend: ctx.backend,
                }));
            }
            if ui.button("Resume this run").clicked() {
                self.start(Some(dir), actions);
            }
        }
        self.curve_controls(ui, actions);
    }

    /// Other runs' curves beside these (e.g. D-VAE and DVAE-EMB), and the log scale.
    fn curve_controls(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        ui.separator();
        ui.heading("Compare curves");
        ui.checkbox(&mut self.compare.log_scale, "log scale");
        ui.horizontal(|ui| {
            if ui.button("Add a run's curves...").clicked() {
                actions.push(Action::AskPath(PathPurpose::AddCurves));
            }
            let typed = self.run_field.trim().to_string();
            if ui
                .add_enabled(
                    !typed.is_empty(),
                    egui::Button::new("Add the run folder above"),
                )
                .clicked()
                && let Err(e) = self.compare.add_run(std::path::Path::new(&typed))
            {
                actions.push(Action::Error(e));
            }
        });
        let mut remove = None;
        for (k, c) in self.compare.added.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(format!("{} ({} epochs)", c.label, c.epochs.len()));
                if ui.small_button("Remove").clicked() {
                    remove = Some(k);
                }
            });
        }
        if let Some(k) = remove {
            self.compare.added.remove(k);
        }
    }

    fn settings(&mut self, ui: &mut Ui, actions: &mut Vec<Action>) {
        let s = &mut *self;
        let before = (s.space, s.model);
        egui::Grid::new("train-settings")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label("space");
                egui::ComboBox::from_id_salt("train-space")
                    .selected_text(s.space.name())
                    .show_ui(ui, |ui| {
                        for sp in SpaceKind::ALL {
                            ui.selectable_value(&mut s.space, sp, sp.name());
                        }
                    });
                ui.end_row();
                ui.label("model");
                egui::ComboBox::from_id_salt("train-model")
                    .selected_text(s.model.name())
                    .show_ui(ui, |ui| {
                        for &m in ModelKind::ALL {
                            ui.selectable_value(&mut s.model, m, m.name())
                                .on_hover_text(m.spec().about);
                        }
                    });
                ui.end_row();
                ui.label("epochs");
                ui.add(egui::DragValue::new(&mut s.config.epochs).range(1..=10_000));
                ui.end_row();
                ui.label("batch size");
                ui.add(egui::DragValue::new(&mut s.config.batch_size).range(1..=4096));
                ui.end_row();
                ui.label("learning rate");
                ui.add(
                    egui::DragValue::new(&mut s.config.learning_rate)
                        .speed(1e-5)
                        .range(1e-6..=1.0),
                );
                ui.end_row();
                ui.label("node state");
                ui.add(egui::DragValue::new(&mut s.vae.hidden).range(8..=1024));
                ui.end_row();
                ui.label("latent size");
                ui.add(egui::DragValue::new(&mut s.vae.latent).range(2..=256));
                ui.end_row();
                ui.label("KL weight");
                ui.add(
                    egui::DragValue::new(&mut s.vae.kl_weight)
                        .speed(1e-4)
                        .range(0.0..=10.0),
                );
                ui.end_row();
                if s.model.spec().op_embedding {
                    ui.label("op embedding dim");
                    ui.add(egui::DragValue::new(&mut s.vae.op_embedding).range(1..=64));
                    ui.end_row();
                    ui.label("rounds (DVAE-EMB)");
                    ui.add(egui::DragValue::new(&mut s.config.embedding_rounds).range(1..=20));
                    ui.end_row();
                }
                if matches!(s.model, ModelKind::GcnEmb | ModelKind::Gcn) {
                    ui.label("GCN level order");
                    egui::ComboBox::from_id_salt("train-gcn-order")
                        .selected_text(s.vae.gcn_order.name())
                        .show_ui(ui, |ui| {
                            for o in [GcnOrder::InOrder, GcnOrder::Simultaneous] {
                                ui.selectable_value(&mut s.vae.gcn_order, o, o.name());
                            }
                        })
                        .response
                        .on_hover_text(
                            "in-order: each node from its predecessors' states of the same \
                             level (the reference code); simultaneous: all from the previous \
                             level (the paper's wording)",
                        );
                    ui.end_row();
                }
                ui.label("seed");
                ui.add(egui::DragValue::new(&mut s.config.seed));
                ui.end_row();
                ui.label("training cells");
                ui.add(egui::DragValue::new(&mut s.train_limit).range(0..=500_000))
                    .on_hover_text("0: the whole training split");
                ui.end_row();
                ui.label("backend");
                egui::ComboBox::from_id_salt("train-backend")
                    .selected_text(match s.config.backend {
                        Backend::Wgpu => "wgpu (GPU)",
                        Backend::Cpu => "CPU",
                    })
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut s.config.backend, Backend::Wgpu, "wgpu (GPU)");
                        ui.selectable_value(&mut s.config.backend, Backend::Cpu, "CPU");
                    });
                ui.end_row();
                ui.label("run folder");
                ui.text_edit_singleline(&mut s.out_dir);
                ui.end_row();
            });
        if (s.space, s.model) != before {
            s.paper_defaults();
        }
        ui.horizontal(|ui| {
            if ui.button("Paper defaults").clicked() {
                self.paper_defaults();
            }
            if ui.button("Choose folder...").clicked() {
                actions.push(Action::AskPath(PathPurpose::NewRunFolder));
            }
        });
    }

    fn view_ui(&mut self, ui: &mut Ui, ctx: &Ctx) {
        if self.curves.is_empty() {
            ui.label("No epochs yet: start a run, or open a run folder to see its curves.");
        } else {
            ui.label(format!(
                "{} epochs of {}",
                self.curves.len(),
                self.curves_of
            ));
        }
        let height = (ui.available_height() - 40.0) / 2.0;
        let has_embedding = ctx
            .workspace
            .and_then(|w| w.run.as_ref())
            .is_some_and(|r| r.op_embedding.is_some());
        let height = if has_embedding { height * 0.7 } else { height };
        let name = std::path::Path::new(&self.curves_of)
            .file_name()
            .map_or(self.curves_of.clone(), |n| n.to_string_lossy().to_string());
        let current = CurveSet {
            label: name,
            epochs: self.curves.clone(),
        };
        plots(ui, &current, &self.compare, height);
        if has_embedding {
            op_embedding_plot(ctx, ui);
        }
    }
}

/// The open run's learned operation embedding.
fn op_embedding_plot(ctx: &Ctx, ui: &mut Ui) {
    let Some(ws) = ctx.workspace else { return };
    let Some(rows) = ws.run.as_ref().and_then(|r| r.op_embedding.as_ref()) else {
        return;
    };
    ui.label("Learned operation embedding (first two principal axes)");
    crate::gui::op_embedding::op_embedding_plot(ui, "op-embedding", ws.space, rows);
}

impl View for TrainingPanel {
    /// The reconstruction and KL curves of the shown run and of the runs added beside it.
    fn figure(&self, _ctx: &Ctx) -> Option<crate::figures::Figure> {
        use crate::figures::results::{Loss, training_curves};
        use crate::figures::{Figure, Sheet};
        if self.curves.is_empty() && self.compare.added.is_empty() {
            return None;
        }
        let name = std::path::Path::new(&self.curves_of)
            .file_name()
            .map_or(self.curves_of.clone(), |n| n.to_string_lossy().to_string());
        let mut runs = vec![(name, self.curves.as_slice())];
        runs.extend((self.compare.added.iter()).map(|c| (c.label.clone(), c.epochs.as_slice())));
        runs.retain(|(_, e)| !e.is_empty());
        let log = self.compare.log_scale;
        let panels = [Loss::Reconstruction, Loss::Kl]
            .map(|loss| training_curves(loss.name(), &runs, loss, log))
            .to_vec();
        Some(Figure::Sheet(Sheet {
            title: "Training curves".into(),
            columns: 2,
            panels,
        }))
    }

    fn id(&self) -> &'static str {
        "training"
    }

    fn title(&self) -> &'static str {
        "Data & training"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        if let Some(t) = &mut self.task {
            for event in t.drain() {
                match event {
                    TrainEvent::Started {
                        device,
                        fallback,
                        parameters,
                        first_epoch,
                        epochs,
                        ..
                    } => {
                        t.status = format!(
                            "{parameters} parameters on {device}, from epoch {first_epoch}"
                        );
                        if first_epoch == 0 {
                            self.curves.clear();
                        }
                        self.message = fallback.map(|f| format!("note: {f}"));
                        t.progress = Some(first_epoch as f32 / epochs.max(1) as f32);
                    }
                    TrainEvent::Batch {
                        epoch,
                        batch,
                        batches,
                        loss,
                    } => {
                        let epochs = self.config.epochs.max(1);
                        t.progress = Some(
                            (epoch as f32 + batch as f32 / batches.max(1) as f32) / epochs as f32,
                        );
                        t.status = format!(
                            "epoch {}, batch {batch}/{batches}, loss {loss:.3}",
                            epoch + 1
                        );
                    }
                    TrainEvent::Epoch(m) => self.curves.push(m),
                    TrainEvent::Finished { epochs } => {
                        self.message = Some(format!("finished {epochs} epochs"));
                    }
                    TrainEvent::Cancelled { completed_epochs } => {
                        self.message = Some(format!(
                            "cancelled after {completed_epochs} epochs; resume continues from there"
                        ));
                    }
                }
            }
        }
        match take_finished(&mut self.task) {
            Some(Outcome::Done(m)) => {
                self.finished_dir = self.job_dir.clone();
                if self.message.is_none() {
                    self.message = Some(format!("run {}", m.status));
                }
            }
            // The run folder holds every finished epoch: it can be opened or resumed.
            Some(Outcome::Cancelled) => {
                self.finished_dir = self.job_dir.clone();
                if self.message.is_none() {
                    self.message = Some("cancelled; resume continues from the last epoch".into());
                }
            }
            Some(Outcome::Failed(e)) => {
                self.message = Some(e.clone());
                actions.push(Action::Error(e));
            }
            None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.controls_ui(ui, ctx, actions);
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, _actions: &mut Vec<Action>) {
        self.view_ui(ui, ctx);
    }

    /// Shows the opened run's curves and settings (a running job keeps its own).
    fn reset(&mut self, ws: &Workspace) {
        self.follow_workspace(ws);
        if let Some(run) = &ws.run {
            self.run_field = run.run.dir.display().to_string();
        }
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        crate::gui::tasks::listed(&mut self.task)
    }

    fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// Another space's bundled model's curves beside the open run's, on a log scale.
    fn demo(&mut self, ctx: &Ctx, _actions: &mut Vec<Action>) {
        let space = ctx.workspace.map_or(self.space, |w| w.space);
        let other = SpaceKind::ALL
            .into_iter()
            .filter(|&s| s != space)
            .find_map(crate::run::bundled_run);
        if let Some(dir) = other
            && self.compare.add_run(&dir).is_ok()
        {
            self.compare.log_scale = true;
        }
    }

    /// The run being trained, for the panels that follow it live (Epochs).
    fn publish(&self, board: &mut Board) {
        if self.task.is_some() {
            board.training_run = self.job_dir.clone();
        }
    }

    /// The answers of the dialogs this panel opened.
    fn handle(&mut self, request: &Request, _ctx: &Ctx, actions: &mut Vec<Action>) -> Handled {
        let Request::Path(purpose, path) = request else {
            return Handled::No;
        };
        match purpose {
            PathPurpose::ResumeRun => {
                self.run_field = path.display().to_string();
                self.start(Some(path.clone()), actions);
                Handled::Show
            }
            PathPurpose::NewRunFolder => {
                self.out_dir = path.display().to_string();
                Handled::Yes
            }
            PathPurpose::AddCurves => {
                self.run_field = path.display().to_string();
                if let Err(e) = self.compare.add_run(path) {
                    actions.push(Action::Error(e));
                }
                Handled::Yes
            }
            _ => Handled::No,
        }
    }
}
