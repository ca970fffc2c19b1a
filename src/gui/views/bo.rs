//! BO: the papers' Bayesian optimisation in the latent space, live: best-so-far curve, every
//! evaluated candidate on the PCA map as it arrives, and the best cells found.

use std::sync::Arc;

use egui::{Color32, Stroke, Ui, vec2};
use egui_plot::{Line, Plot, PlotPoints};
use serde::{Deserialize, Serialize};

use crate::bo::{BoConfig, BoEvent, BoOutcome, Evaluation};
use crate::data::{Dataset, NB201_METRICS};
use crate::gui::cell_view::cell_view;
use crate::gui::map_widget::RunMap;
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskStatus, take_finished};
use crate::gui::view::{
    Action, Board, Ctx, Overlay, OverlayStyle, Request, View, keep, kept, renew_keeping_settings,
};
use crate::gui::workspace::Workspace;
use crate::latent::{CellIndex, LatentDecoder};
use crate::space::SpaceKind;

pub struct BoPanel {
    pub rounds: usize,
    pub batch: usize,
    pub seed: u64,
    pub initial: usize,
    /// NB201's objective column.
    pub metric: String,
    pub task: Option<Task<BoEvent, BoOutcome>>,
    pub evaluations: Vec<Evaluation>,
    pub initial_best: Option<f64>,
    pub round_seconds: Vec<f64>,
    pub outcome: Option<BoOutcome>,
    /// The last run was cancelled: what it evaluated stays on show, without an outcome.
    pub cancelled: bool,
    /// The table the running or last run was scored on.
    pub data: Option<Arc<Dataset>>,
    /// This panel's own map (its own pan and zoom).
    pub map: RunMap,
    /// NB101: value decoded cells without a label by the run's fine-tuned predictor.
    pub estimate_unlabelled: bool,
}

impl Default for BoPanel {
    fn default() -> Self {
        let d = BoConfig::default();
        Self {
            rounds: d.rounds,
            batch: d.batch,
            seed: d.seed,
            initial: d.initial,
            metric: "c10_test_200".into(),
            task: None,
            evaluations: Vec::new(),
            initial_best: None,
            round_seconds: Vec::new(),
            outcome: None,
            cancelled: false,
            data: None,
            map: RunMap::default(),
            estimate_unlabelled: false,
        }
    }
}

impl BoPanel {
    pub fn start(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(run) = &ws.run else {
            actions.push(Action::Error("BO needs a model: open a run".into()));
            return;
        };
        let data = if ws.space == SpaceKind::Nb201 && self.metric != "c10_test_200" {
            match Dataset::nb201_with_metric(&self.metric) {
                Ok(d) => Arc::new(d),
                Err(e) => {
                    actions.push(Action::Error(e.to_string()));
                    return;
                }
            }
        } else {
            ws.data.clone()
        };
        let config = BoConfig {
            rounds: self.rounds.max(1),
            batch: self.batch.max(1),
            seed: self.seed,
            initial: self.initial.max(2),
            ..BoConfig::default()
        };
        let model = run.run.model.clone();
        let latents = run.latents.clone();
        let device = ws.device.clone();
        let predictor = if self.estimate_unlabelled {
            run.predictor.clone()
        } else {
            None
        };
        self.evaluations.clear();
        self.round_seconds.clear();
        self.outcome = None;
        self.cancelled = false;
        self.initial_best = None;
        self.data = Some(data.clone());
        let name = format!("BO ({} rounds x {})", config.rounds, config.batch);
        self.task = Some(Task::spawn(name, move |tx, cancel| {
            let index = CellIndex::new(&data);
            let decoder = LatentDecoder {
                model: &model,
                data: &data,
                index: &index,
                device: &device,
                attempts: 1,
                cancel: &cancel,
            };
            let loaded = match &predictor {
                Some(dir) => Some(crate::train::finetune::load_predictor(dir, &device)?),
                None => None,
            };
            let estimate = loaded
                .as_ref()
                .map(|(m, p)| crate::train::finetune::estimator(p, m.space, &device));
            Ok(crate::bo::optimise_estimating(
                &decoder,
                &latents,
                &config,
                estimate
                    .as_ref()
                    .map(|e| e as &(dyn Fn(&crate::space::Cell) -> Option<f64> + Sync)),
                &mut |e| {
                    let _ = tx.send(e);
                },
                &cancel,
            )?)
        }));
    }

    fn controls_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Bayesian optimisation");
        let Some(ws) = ctx.workspace else { return };
        let space = ws.space;
        ui.label("Sparse GP (500 inducing points) on latent means, batches chosen by expected improvement, decoded and scored on the table.");
        let running = self.task.is_some();
        ui.add_enabled_ui(!running, |ui| {
            egui::Grid::new("bo-settings")
                .num_columns(2)
                .show(ui, |ui| {
                    ui.label("rounds");
                    ui.add(egui::DragValue::new(&mut self.rounds).range(1..=100));
                    ui.end_row();
                    ui.label("batch");
                    ui.add(egui::DragValue::new(&mut self.batch).range(1..=500));
                    ui.end_row();
                    ui.label("initial cells");
                    ui.add(egui::DragValue::new(&mut self.initial).range(2..=5000));
                    ui.end_row();
                    ui.label("seed");
                    ui.add(egui::DragValue::new(&mut self.seed));
                    ui.end_row();
                    if space == SpaceKind::Nb201 {
                        ui.label("objective");
                        egui::ComboBox::from_id_salt("bo-metric")
                            .selected_text(self.metric.clone())
                            .show_ui(ui, |ui| {
                                for m in NB201_METRICS {
                                    ui.selectable_value(&mut self.metric, m.to_string(), m);
                                }
                            });
                        ui.end_row();
                    }
                });
        });
        let has_predictor = ws.run.as_ref().is_some_and(|r| r.predictor.is_some());
        if space == SpaceKind::Nb101 && has_predictor {
            ui.add_enabled(
                !running,
                egui::Checkbox::new(
                    &mut self.estimate_unlabelled,
                    "value unlabelled cells by the fine-tuned predictor",
                ),
            )
            .on_hover_text(
                "Decoded cells without a label get the run's fine-tuned predictor's value \
                 (marked 'est.'): learnt from, never counted as the best",
            );
        }
        if space == SpaceKind::Enas {
            ui.colored_label(
            ui.visuals().warn_fg_color,
            "ENAS: a decoded cell outside the table has no true accuracy; its value is the surrogate's estimate (marked 'est.').",
        );
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new("Start BO"))
                .clicked()
            {
                self.start(ctx, actions);
            }
            if ui
                .add_enabled(running, egui::Button::new("Cancel BO"))
                .clicked()
                && let Some(t) = &mut self.task
            {
                t.cancel();
            }
        });
        if !self.round_seconds.is_empty() {
            let mean = self.round_seconds.iter().sum::<f64>() / self.round_seconds.len() as f64;
            ui.weak(format!("{:.1} s per round on average", mean));
        }
        if self.cancelled {
            ui.separator();
            ui.label(format!(
                "cancelled after {} evaluations (shown above; no result recorded)",
                self.evaluations.len()
            ));
        }
        if let (Some(o), Some(data)) = (&self.outcome, &self.data) {
            ui.separator();
            ui.label(format!(
                "best found {:.2} % (start {:.2} %){}",
                o.best,
                o.initial_best,
                if o.cancelled { ", cancelled" } else { "" }
            ));
            if let Some(r) = o.best_row
                && let Some(a) = data.records[r].accuracy
            {
                let rank = data
                    .records
                    .iter()
                    .filter(|x| x.accuracy.is_some_and(|b| b > a))
                    .count()
                    + 1;
                let best = data.best().and_then(|b| b.accuracy).unwrap_or(a);
                ui.label(format!(
                    "rank {rank} of {} in the table (optimum {best:.2} %)",
                    data.records.iter().filter(|x| x.accuracy.is_some()).count()
                ));
            }
        }
    }

    fn view_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let space = ws.space;
        let scale = ws.scale;
        let height = ui.available_height();
        let best_curve: PlotPoints = self
            .evaluations
            .iter()
            .enumerate()
            .map(|(i, e)| [i as f64 + 1.0, e.best_so_far])
            .collect();
        let values: PlotPoints = self
            .evaluations
            .iter()
            .enumerate()
            .map(|(i, e)| [i as f64 + 1.0, e.value])
            .collect();
        let mut select = None;
        let mut pin = None;
        ui.columns(2, |cols| {
            cols[0].label("Best so far (and each evaluation)");
            Plot::new("bo-best")
                .height(height * 0.45)
                .x_axis_label("evaluation")
                .y_axis_label("accuracy (%)")
                .show(&mut cols[0], |p| {
                    p.points(egui_plot::Points::new("evaluated", values).radius(1.5));
                    p.line(Line::new("best so far", best_curve).width(2.0));
                });
            cols[1].label("Best cells found");
            let mut ranked: Vec<&Evaluation> = Vec::new();
            for e in &self.evaluations {
                if !ranked.iter().any(|r| r.cell == e.cell) {
                    ranked.push(e);
                }
            }
            ranked.sort_by(|a, b| b.value.total_cmp(&a.value));
            egui::ScrollArea::vertical()
                .id_salt("bo-best-cells")
                .max_height(height * 0.45)
                .show(&mut cols[1], |ui| {
                    for (k, e) in ranked.iter().take(10).enumerate() {
                        ui.horizontal(|ui| {
                            let r = cell_view(ui, &e.cell, space, vec2(150.0, 80.0));
                            if r.interact(egui::Sense::click()).clicked() {
                                select = Some((*e).clone());
                            }
                            ui.vertical(|ui| {
                                ui.label(format!(
                                    "#{} {:.2} %{}",
                                    k + 1,
                                    e.value,
                                    if e.estimated { " est." } else { "" }
                                ));
                                ui.weak(format!("round {}", e.round + 1));
                                if ui.small_button("Pin").clicked() {
                                    pin = Some((*e).clone());
                                }
                            });
                        });
                    }
                });
        });
        if let Some(e) = select {
            actions.push(Action::Select(Selection::Decoded {
                cell: Some(e.cell.clone()),
                latent: e.latent.clone(),
                row: e.row,
                origin: format!("BO round {}", e.round + 1),
            }));
        }
        if let Some(e) = pin {
            actions.push(Action::Request(Request::Pin {
                cell: e.cell.clone(),
                row: e.row,
                origin: format!("BO round {}", e.round + 1),
            }));
        }
        ui.separator();
        let marks: Vec<([f64; 2], Color32)> = match ctx.workspace.and_then(|w| w.run.as_ref()) {
            Some(run) => self
                .evaluations
                .iter()
                .map(|e| {
                    let (x, y) = run.plane.project(&e.latent);
                    ([x, y], scale.color(Some(e.value)))
                })
                .collect(),
            None => Vec::new(),
        };
        self.map.show(ui, ctx, actions, |painter, to_screen| {
            for (p, c) in &marks {
                let s = to_screen(*p);
                painter.rect_filled(egui::Rect::from_center_size(s, vec2(7.0, 7.0)), 0.0, *c);
                painter.rect_stroke(
                    egui::Rect::from_center_size(s, vec2(7.0, 7.0)),
                    0.0,
                    Stroke::new(1.0, Color32::WHITE),
                    egui::StrokeKind::Outside,
                );
            }
        });
    }
}

/// What the BO panel keeps between launches (and across runs).
#[derive(Serialize, Deserialize)]
struct Kept {
    rounds: usize,
    batch: usize,
    seed: u64,
    initial: usize,
    metric: String,
    estimate_unlabelled: bool,
}

impl View for BoPanel {
    /// Best so far and each evaluation against the evaluation count, beside the best cells
    /// found.
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        use crate::figures::{CellPanel, CellStrip, Curves, Figure, Line, Series, Sheet};
        let ws = ctx.workspace?;
        if self.evaluations.is_empty() {
            return None;
        }
        let series = |label: &str, style, color, f: fn(&Evaluation) -> f64| Series {
            label: label.into(),
            points: (self.evaluations.iter().enumerate())
                .map(|(i, e)| [i as f64 + 1.0, f(e)])
                .collect(),
            style,
            color,
        };
        let curves = Figure::Curves(Curves {
            title: "Best so far (and each evaluation)".into(),
            x_label: "evaluation".into(),
            y_label: "accuracy (%)".into(),
            log_y: false,
            series: vec![
                series("evaluated", Line::Dots, 0, |e| e.value),
                series("best so far", Line::Solid, 1, |e| e.best_so_far),
            ],
        });
        let mut ranked: Vec<&Evaluation> = Vec::new();
        for e in &self.evaluations {
            if !ranked.iter().any(|r| r.cell == e.cell) {
                ranked.push(e);
            }
        }
        ranked.sort_by(|a, b| b.value.total_cmp(&a.value));
        let cells = (ranked.iter().take(6).enumerate())
            .map(|(k, e)| CellPanel {
                caption: format!(
                    "#{} · {:.2} %{} · round {}",
                    k + 1,
                    e.value,
                    if e.estimated { " est." } else { "" },
                    e.round + 1
                ),
                cell: Some(e.cell.clone()),
            })
            .collect();
        let best = Figure::Cells(CellStrip {
            title: "Best cells found".into(),
            space: ws.space,
            cells,
            columns: 0,
        });
        Some(Figure::Sheet(Sheet {
            title: format!(
                "Bayesian optimisation: {} evaluations",
                self.evaluations.len()
            ),
            columns: 2,
            panels: vec![curves, best],
        }))
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&Kept {
            rounds: self.rounds,
            batch: self.batch,
            seed: self.seed,
            initial: self.initial,
            metric: self.metric.clone(),
            estimate_unlabelled: self.estimate_unlabelled,
        })
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(k) = kept::<Kept>(settings) {
            (self.rounds, self.batch, self.seed, self.initial) =
                (k.rounds, k.batch, k.seed, k.initial);
            self.metric = k.metric;
            self.estimate_unlabelled = k.estimate_unlabelled;
        }
    }

    fn id(&self) -> &'static str {
        "bo"
    }

    fn title(&self) -> &'static str {
        "BO"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        if let Some(t) = &mut self.task {
            for e in t.drain() {
                match e {
                    BoEvent::Started {
                        initial_best,
                        initial,
                    } => {
                        self.initial_best = Some(initial_best);
                        t.status =
                            format!("{initial} random labelled cells, best {initial_best:.2}");
                    }
                    BoEvent::Evaluated(ev) => {
                        t.status = format!(
                            "round {}: {} evaluated, best {:.2}",
                            ev.round + 1,
                            self.evaluations.len() + 1,
                            ev.best_so_far
                        );
                        self.evaluations.push(ev);
                    }
                    BoEvent::RoundDone {
                        round,
                        best,
                        seconds,
                    } => {
                        self.round_seconds.push(seconds);
                        t.progress = Some((round + 1) as f32 / self.rounds.max(1) as f32);
                        t.status =
                            format!("round {} done in {seconds:.1} s, best {best:.2}", round + 1);
                    }
                }
            }
        }
        match take_finished(&mut self.task) {
            Some(Outcome::Done(outcome)) => self.outcome = Some(outcome),
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            // The evaluations streamed so far stay on show; no outcome is recorded.
            Some(Outcome::Cancelled) => self.cancelled = true,
            None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.controls_ui(ui, ctx, actions);
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.view_ui(ui, ctx, actions);
    }

    /// Keeps the settings; drops the results and the map.
    fn reset(&mut self, _ws: &Workspace) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        renew_keeping_settings(self, Self::default());
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        crate::gui::tasks::listed(&mut self.task)
    }

    fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// A short run: 3 rounds of 20.
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.rounds = 3;
        self.batch = 20;
        self.start(ctx, actions);
    }

    /// The evaluations, on the other panels' maps.
    fn publish(&self, board: &mut Board) {
        if !self.evaluations.is_empty() {
            board.overlays.push(Overlay {
                style: OverlayStyle::Squares,
                latents: self.evaluations.iter().map(|e| e.latent.clone()).collect(),
                values: self.evaluations.iter().map(|e| Some(e.value)).collect(),
            });
        }
    }
}
