//! The latent map: every cell of the space at its PCA or t-SNE position, coloured by accuracy;
//! pan, zoom, hover, select, and decode any point of the PCA plane. The other panels' decoded
//! points (a walk, BO's evaluations: the [`Board`](crate::gui::view::Board)'s overlays) are
//! drawn on top, in either projection.

use std::sync::Arc;

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, vec2};
use serde::{Deserialize, Serialize};

use crate::gui::map_widget::{color_bar, draw_cross, hover_card};
use crate::gui::point_cloud::{MapView, PointSet, PointVertex, nearest, paint_points};
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskStatus, take_finished};
use crate::gui::view::{
    Action, Ctx, OverlayStyle, RunExtra, View, keep, kept, renew_keeping_settings,
};
use crate::gui::workspace::Workspace;

/// t-SNE in the background: (epoch, epochs) events, the 2-D points as result.
pub type TsneTask = Task<(usize, usize), Vec<[f32; 2]>>;

/// Decoded points (a walk, BO's evaluations, a clicked point) placed on the t-SNE map by
/// [`crate::explore::place_on_map`]: the latents they were placed for, and where.
pub struct Placed {
    pub latents: Vec<Vec<f32>>,
    pub xy: Vec<[f32; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Projection {
    #[default]
    Pca,
    Tsne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ColorBy {
    #[default]
    Accuracy,
    Predicted,
}

/// What the point colours and positions were built from; a change rebuilds them.
#[derive(Debug, Clone, PartialEq)]
struct PointsKey {
    projection: Projection,
    color_by: ColorBy,
    min_accuracy: f64,
    max_accuracy: f64,
    op: Option<u8>,
    has_tsne: bool,
    /// Which predictions (their allocation): the GP's and the fine-tuned MLP's replace each other.
    predicted: Option<usize>,
    points: usize,
}

/// Every cell's predicted accuracy, and the GP that made it (none for the fine-tuned MLP).
pub type Prediction = (Vec<f64>, Option<crate::bo::Surrogate>);

/// Where the map's predicted accuracies come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predictor {
    SparseGp,
    FineTuned,
}

/// A map's visible window, per projection (a new projection starts fitted).
pub type ViewSlot = Option<(Projection, MapView)>;

pub struct MapPanel {
    pub projection: Projection,
    pub color_by: ColorBy,
    pub view: ViewSlot,
    pub points: PointSet,
    key: Option<PointsKey>,
    /// Accuracy filter (percent); cells outside are drawn faint and cannot be picked.
    pub min_accuracy: f64,
    pub max_accuracy: f64,
    /// Only cells containing this node type.
    pub op: Option<u8>,
    pub visible: Vec<bool>,
    pub search: String,
    pub radius: f32,
    pub hovered: Option<usize>,
    /// Where the map was last drawn (tests click into it).
    pub last_rect: Option<Rect>,
    pub perplexity: f32,
    pub tsne_epochs: usize,
    pub tsne_task: Option<TsneTask>,
    pub tsne_seconds: Option<f64>,
    pub predict_task: Option<Task<(), Prediction>>,
    pub predict_seconds: Option<f64>,
    /// What the running or last prediction used.
    pub predicted_by: Predictor,
    pub placed: Option<Placed>,
    pub place_task: Option<Task<(), Placed>>,
}

impl Default for MapPanel {
    fn default() -> Self {
        Self {
            projection: Projection::Pca,
            color_by: ColorBy::Accuracy,
            view: None,
            points: PointSet::default(),
            key: None,
            min_accuracy: 0.0,
            max_accuracy: 100.0,
            op: None,
            visible: Vec::new(),
            search: String::new(),
            radius: 2.5,
            hovered: None,
            last_rect: None,
            perplexity: 30.0,
            tsne_epochs: 500,
            tsne_task: None,
            tsne_seconds: None,
            predict_task: None,
            predict_seconds: None,
            predicted_by: Predictor::SparseGp,
            placed: None,
            place_task: None,
        }
    }
}

/// How one overlay point is drawn: its style, its value, and which overlay it belongs to.
type OverlayMark = (OverlayStyle, Option<f64>, usize);

/// The overlays' latents in one list (the map places them together), and the mark of each;
/// the selected decoded point, if any, comes last (without a mark).
fn overlay_points(ctx: &Ctx) -> (Vec<Vec<f32>>, Vec<OverlayMark>) {
    let mut latents = Vec::new();
    let mut marks = Vec::new();
    for (k, o) in ctx.board.overlays.iter().enumerate() {
        for (z, v) in o.latents.iter().zip(&o.values) {
            latents.push(z.clone());
            marks.push((o.style, *v, k));
        }
    }
    if let Some(Selection::Decoded { latent, .. }) = ctx.selection {
        latents.push(latent.clone());
    }
    (latents, marks)
}

impl MapPanel {
    /// Starts t-SNE of the latent means.
    pub fn start_tsne(&mut self, ctx: &Ctx, _actions: &mut Vec<Action>) {
        let Some(run) = ctx.workspace.and_then(|w| w.run.as_ref()) else {
            return;
        };
        let latents = run.latents.clone();
        let (perplexity, epochs) = (self.perplexity, self.tsne_epochs);
        self.tsne_task = Some(Task::spawn("t-SNE", move |tx, cancel| {
            let xy = crate::explore::tsne_2d(
                &latents,
                perplexity,
                epochs,
                |e, n| {
                    let _ = tx.send((e, n));
                },
                &cancel,
            )?;
            Ok(xy.into_iter().map(|(x, y)| [x, y]).collect())
        }));
    }

    /// Fits the sparse GP on the training split's latent means and predicts every cell.
    pub fn start_predict(&mut self, ctx: &Ctx, _actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(run) = &ws.run else { return };
        let latents = run.latents.clone();
        let data = ws.data.clone();
        self.predict_task = Some(Task::spawn("sparse GP prediction", move |_, cancel| {
            let (x, y): (Vec<Vec<f32>>, Vec<f64>) = data
                .split
                .train
                .iter()
                .filter_map(|&i| data.records[i].accuracy.map(|a| (latents[i].clone(), a)))
                .unzip();
            if x.len() < 2 {
                return Err("this data set has too few labelled training cells".into());
            }
            let settings = crate::bo::GpSettings::default();
            let gp = crate::bo::Surrogate::fit_cancellable(&x, &y, &settings, None, &cancel)?;
            let mut out = Vec::with_capacity(latents.len());
            for chunk in latents.chunks(4096) {
                crate::jobs::check(&cancel)?;
                out.extend(gp.predict(chunk)?.into_iter().map(|p| p.0));
            }
            Ok((out, Some(gp)))
        }));
        self.predicted_by = Predictor::SparseGp;
    }

    /// Every cell's accuracy as the run's fine-tuned MLP predicts it (SVGe Table II's model).
    pub fn start_fine_tuned_predict(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(dir) = ws.run.as_ref().and_then(|r| r.predictor.clone()) else {
            actions.push(Action::Error(
                "the open run has no fine-tuned predictor (cellspace finetune makes one)".into(),
            ));
            return;
        };
        let (data, device) = (ws.data.clone(), ws.device.clone());
        self.predict_task = Some(Task::spawn(
            "fine-tuned MLP prediction",
            move |_, cancel| {
                let (manifest, predictor) = crate::train::finetune::load_predictor(&dir, &device)?;
                if manifest.space != data.space {
                    return Err(format!(
                        "{}: a predictor for {}, not {}",
                        dir.display(),
                        manifest.space,
                        data.space
                    )
                    .into());
                }
                let cells: Vec<&crate::space::Cell> =
                    data.records.iter().map(|r| &r.cell).collect();
                let p = crate::train::finetune::predict_cells(
                    &predictor, &cells, data.space, &device, &cancel,
                )?;
                let scale = crate::train::finetune::TARGET_SCALE;
                Ok((p.into_iter().map(|v| v as f64 * scale).collect(), None))
            },
        ));
        self.predicted_by = Predictor::FineTuned;
    }

    /// The positions of the open run's cells in `projection`, with the colours and filters
    /// rebuilt when they changed.
    fn ensure_points(&mut self, ws: &Workspace) -> Option<Arc<Vec<[f32; 2]>>> {
        let run = ws.run.as_ref()?;
        let projection = self.projection;
        let xy = match projection {
            Projection::Pca => run.pca.clone(),
            Projection::Tsne => run.tsne.clone()?,
        };
        let key = PointsKey {
            projection,
            color_by: self.color_by,
            min_accuracy: self.min_accuracy,
            max_accuracy: self.max_accuracy,
            op: self.op,
            has_tsne: run.tsne.is_some(),
            predicted: run.predicted.as_ref().map(|p| Arc::as_ptr(p) as usize),
            points: xy.len(),
        };
        if self.key.as_ref() != Some(&key) {
            let full_range = self.min_accuracy <= 0.0 && self.max_accuracy >= 100.0;
            self.visible = ws
                .data
                .records
                .iter()
                .map(|r| {
                    let acc_ok = match r.accuracy {
                        Some(a) => a >= self.min_accuracy && a <= self.max_accuracy,
                        None => full_range,
                    };
                    acc_ok && self.op.is_none_or(|op| r.cell.types().contains(&op))
                })
                .collect();
            let faint = Color32::from_rgba_unmultiplied(170, 170, 170, 30);
            let predicted = run.predicted.as_deref();
            let vertices: Vec<PointVertex> = xy
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let color = if !self.visible[i] {
                        faint
                    } else {
                        match (self.color_by, predicted) {
                            (ColorBy::Predicted, Some(pred)) => ws.scale.color(Some(pred[i])),
                            _ => ws.scale.color(ws.data.records[i].accuracy),
                        }
                    };
                    PointVertex::new(p[0], p[1], color)
                })
                .collect();
            self.points = PointSet::new(vertices);
            self.key = Some(key);
        }
        Some(xy)
    }

    /// The map as a figure file draws it: every cell at its position, coloured as on screen
    /// (cells the filters leave out grey), the other panels' points and the selection on top.
    fn figure_of(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        use crate::figures::{Overlay, OverlayStyle as Style, Point, results::latent_map};
        let ws = ctx.workspace?;
        let run = ws.run.as_ref()?;
        let (xy, axes, name) = match self.projection {
            Projection::Pca => (run.pca.clone(), ["PC 1", "PC 2"], "PCA"),
            Projection::Tsne => (run.tsne.clone()?, ["t-SNE 1", "t-SNE 2"], "t-SNE"),
        };
        let predicted = match (self.color_by, &run.predicted) {
            (ColorBy::Predicted, Some(p)) => Some(p),
            _ => None,
        };
        let values: Vec<Option<f64>> = (0..xy.len())
            .map(|i| {
                let v = match predicted {
                    Some(p) => p.get(i).copied(),
                    None => ws.data.records.get(i).and_then(|r| r.accuracy),
                };
                v.filter(|_| self.visible.get(i).copied().unwrap_or(true))
            })
            .collect();
        let title = format!("{name} map of {}: {} cells", run.run.name(), xy.len());
        let mut fig = latent_map(&title, axes, &xy, &values);
        if let (Some(bar), Some(_)) = (fig.color.as_mut(), predicted) {
            bar.label = "predicted accuracy (%)".into();
        }
        let (latents, marks) = overlay_points(ctx);
        let placed = match self.projection {
            Projection::Pca => Some(latents.iter().map(|z| run.plane.project(z)).collect()),
            Projection::Tsne => self
                .placed
                .as_ref()
                .filter(|p| p.latents == latents)
                .map(|p| {
                    p.xy.iter()
                        .map(|q| (q[0] as f64, q[1] as f64))
                        .collect::<Vec<_>>()
                }),
        };
        for (k, o) in ctx.board.overlays.iter().enumerate() {
            let (label, style) = match o.style {
                OverlayStyle::Path => ("walk", Style::Path),
                OverlayStyle::Squares => ("BO evaluations", Style::Squares),
            };
            let points = (placed.iter().flatten().zip(&marks))
                .filter(|(_, m)| m.2 == k)
                .map(|(&(x, y), m)| Point { x, y, value: m.1 })
                .collect();
            fig.overlays.push(Overlay {
                label: label.into(),
                style,
                points,
            });
        }
        let selected = match ctx.selection {
            Some(Selection::Row(r)) => xy.get(*r).map(|p| (p[0] as f64, p[1] as f64)),
            Some(Selection::Decoded { .. }) => placed.as_ref().and_then(|p| p.last().copied()),
            None => None,
        };
        if let Some((x, y)) = selected {
            let value = match ctx.selection {
                Some(Selection::Row(r)) => values.get(*r).copied().flatten(),
                _ => None,
            };
            fig.overlays.push(Overlay {
                label: "selected".into(),
                style: Style::Squares,
                points: vec![Point { x, y, value }],
            });
        }
        fig.overlays.retain(|o| !o.points.is_empty());
        Some(crate::figures::Figure::Scatter(fig))
    }

    /// Where the overlay points are on the map: projected on the PCA plane, or placed on the
    /// t-SNE map by a background job (started here when they changed; `None` until it is
    /// done).
    fn overlay_positions(&mut self, ws: &Workspace, latents: &[Vec<f32>]) -> Option<Vec<[f64; 2]>> {
        let run = ws.run.as_ref()?;
        match self.projection {
            Projection::Pca => Some(
                latents
                    .iter()
                    .map(|z| {
                        let (x, y) = run.plane.project(z);
                        [x, y]
                    })
                    .collect(),
            ),
            Projection::Tsne => {
                if let Some(p) = &self.placed
                    && p.latents == latents
                {
                    return Some(p.xy.iter().map(|q| [q[0] as f64, q[1] as f64]).collect());
                }
                if latents.is_empty() {
                    return Some(Vec::new());
                }
                if self.place_task.is_none() {
                    let tsne = run.tsne.clone()?;
                    let (all, new) = (run.latents.clone(), latents.to_vec());
                    let perplexity = self.perplexity;
                    self.place_task = Some(Task::spawn(
                        format!("placing {} points on the t-SNE map", new.len()),
                        move |_, cancel| {
                            let xy = crate::explore::place_on_map(
                                &all, &tsne, &new, perplexity, &cancel,
                            )?;
                            Ok(Placed { latents: new, xy })
                        },
                    ));
                }
                None
            }
        }
    }

    /// Selects the cell whose id equals the search text, or whose id starts with it.
    pub fn find(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let q = self.search.trim();
        if q.is_empty() {
            return;
        }
        let rows = &ws.data.records;
        let hit = rows
            .iter()
            .position(|r| r.id == q)
            .or_else(|| rows.iter().position(|r| r.id.starts_with(q)));
        match hit {
            Some(i) => {
                actions.push(Action::Select(Selection::Row(i)));
                let xy = match self.projection {
                    Projection::Tsne => ws.run.as_ref().and_then(|r| r.tsne.clone()),
                    Projection::Pca => ws.run.as_ref().map(|r| r.pca.clone()),
                };
                if let (Some(xy), Some((_, view))) = (xy, self.view.as_mut()) {
                    view.center = [xy[i][0] as f64, xy[i][1] as f64];
                }
            }
            None => actions.push(Action::Error(format!("no cell with id or hash '{q}'"))),
        }
    }

    /// Draws the map with its overlays and handles pan, zoom, hover and clicks.
    fn draw(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let projection = self.projection;
        let Some(xy) = self.ensure_points(ws) else {
            ui.centered_and_justified(|ui| {
                ui.label(match projection {
                    Projection::Tsne => "t-SNE has not been computed yet: start it on the left",
                    Projection::Pca => {
                        "no model is open for this space: open a run or train one in Data & \
                         training"
                    }
                });
            });
            return;
        };
        let Some(run) = &ws.run else { return };
        let (latents, marks) = overlay_points(ctx);
        let positions = self
            .overlay_positions(ws, &latents)
            .filter(|p| p.len() == latents.len());
        let size = ui.available_size().max(vec2(200.0, 200.0));
        let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
        let mut view = match self.view {
            Some((p, v)) if p == projection => v,
            _ => MapView::fit(&xy),
        };
        if response.dragged() {
            view.pan(rect, response.drag_delta());
        }
        if response.double_clicked() {
            view = MapView::fit(&xy);
        }
        if let Some(p) = response.hover_pos() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                view.zoom(rect, p, (-scroll as f64 / 200.0).exp());
            }
        }
        self.view = Some((projection, view));
        self.last_rect = Some(rect);
        paint_points(
            &painter,
            rect,
            &self.points,
            &view,
            self.radius,
            ctx.frame.gpu_points,
        );
        actions.push(Action::MapDrawn);
        let to_screen = |p: [f64; 2]| view.to_screen(rect, p);
        // The selected cell.
        if let Some(Selection::Row(r)) = ctx.selection
            && let Some(p) = xy.get(*r)
        {
            let s = to_screen([p[0] as f64, p[1] as f64]);
            painter.circle_stroke(s, 7.0, Stroke::new(2.0, Color32::RED));
        }
        if let Some(positions) = positions {
            draw_overlays(&painter, ws, &positions, &marks, &to_screen);
            // The decoded point comes after the overlays' points.
            if latents.len() > marks.len()
                && let Some(p) = positions.last()
            {
                draw_cross(&painter, to_screen(*p));
            }
        }
        let visible = &self.visible;
        self.hovered = response.hover_pos().and_then(|p| {
            nearest(
                &xy,
                |i| visible.get(i).copied().unwrap_or(true),
                &view,
                rect,
                p,
                6.0,
            )
        });
        if let Some(i) = self.hovered {
            let p = xy[i];
            painter.circle_stroke(
                to_screen([p[0] as f64, p[1] as f64]),
                5.0,
                Stroke::new(1.5, ui.visuals().text_color()),
            );
            hover_card(&response, ws, i);
        }
        if response.clicked() {
            match self.hovered {
                Some(i) => actions.push(Action::Select(Selection::Row(i))),
                None => {
                    if let (Projection::Pca, Some(p)) =
                        (projection, response.interact_pointer_pos())
                    {
                        let d = view.to_data(rect, p);
                        let latent = run.plane.lift(d[0], d[1]);
                        actions.push(Action::Decode {
                            latent,
                            origin: format!("PCA plane ({:.2}, {:.2})", d[0], d[1]),
                        });
                    }
                }
            }
        }
        let label = match (self.color_by, run.predicted.as_ref()) {
            (ColorBy::Predicted, Some(_)) => match self.predicted_by {
                Predictor::SparseGp => "predicted accuracy (%, sparse GP)".to_string(),
                Predictor::FineTuned => "predicted accuracy (%, fine-tuned MLP)".to_string(),
            },
            _ => ws.data.accuracy_label.clone(),
        };
        color_bar(&painter, rect, &ws.scale, &label, ui.visuals().text_color());
        let axes = match projection {
            Projection::Pca => ("PC1", "PC2"),
            Projection::Tsne => ("t-SNE 1", "t-SNE 2"),
        };
        let weak = ui.visuals().weak_text_color();
        let font = egui::FontId::proportional(12.0);
        painter.text(
            rect.center_bottom() - vec2(0.0, 4.0),
            egui::Align2::CENTER_BOTTOM,
            axes.0,
            font.clone(),
            weak,
        );
        painter.text(
            rect.left_center() + vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            axes.1,
            font,
            weak,
        );
    }
}

/// The other panels' points: a walk as a red path of white dots, BO's evaluations as squares
/// in the accuracy colours.
fn draw_overlays(
    painter: &egui::Painter,
    ws: &Workspace,
    positions: &[[f64; 2]],
    marks: &[OverlayMark],
    to_screen: &dyn Fn([f64; 2]) -> Pos2,
) {
    let red = Color32::from_rgb(255, 80, 80);
    let pts: Vec<Pos2> = positions.iter().map(|p| to_screen(*p)).collect();
    let mut start = 0;
    while start < marks.len() {
        let k = marks[start].2;
        let end = start + marks[start..].iter().take_while(|m| m.2 == k).count();
        let group = &pts[start..end];
        match marks[start].0 {
            OverlayStyle::Path => {
                if group.len() > 1 {
                    painter.add(egui::Shape::line(group.to_vec(), Stroke::new(1.5, red)));
                }
                for p in group {
                    painter.circle(*p, 3.0, Color32::WHITE, Stroke::new(1.2, red));
                }
            }
            OverlayStyle::Squares => {
                for (p, m) in group.iter().zip(&marks[start..end]) {
                    let r = Rect::from_center_size(*p, vec2(6.0, 6.0));
                    painter.rect_filled(r, 0.0, ws.scale.color(m.1));
                    painter.rect_stroke(
                        r,
                        0.0,
                        Stroke::new(1.0, Color32::WHITE),
                        egui::StrokeKind::Outside,
                    );
                }
            }
        }
        start = end;
    }
}

/// What the map keeps between launches.
#[derive(Serialize, Deserialize)]
struct Kept {
    projection: Projection,
    color_by: ColorBy,
    min_accuracy: f64,
    max_accuracy: f64,
    op: Option<u8>,
    radius: f32,
    perplexity: f32,
    tsne_epochs: usize,
}

impl View for MapPanel {
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        self.figure_of(ctx)
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&Kept {
            projection: self.projection,
            color_by: self.color_by,
            min_accuracy: self.min_accuracy,
            max_accuracy: self.max_accuracy,
            op: self.op,
            radius: self.radius,
            perplexity: self.perplexity,
            tsne_epochs: self.tsne_epochs,
        })
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(k) = kept::<Kept>(settings) {
            self.projection = k.projection;
            self.color_by = k.color_by;
            self.min_accuracy = k.min_accuracy;
            self.max_accuracy = k.max_accuracy;
            self.op = k.op;
            self.radius = k.radius;
            self.perplexity = k.perplexity;
            self.tsne_epochs = k.tsne_epochs;
        }
    }

    fn id(&self) -> &'static str {
        "map"
    }

    fn title(&self) -> &'static str {
        "Latent map"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        if let Some(t) = &mut self.tsne_task {
            for (epoch, epochs) in t.drain() {
                t.progress = Some(epoch as f32 / epochs.max(1) as f32);
                t.status = format!("epoch {epoch} of {epochs}");
            }
        }
        let tsne_started = self.tsne_task.as_ref().map(|t| t.started);
        match take_finished(&mut self.tsne_task) {
            Some(Outcome::Done(xy)) => {
                self.tsne_seconds = tsne_started.map(|s| s.elapsed().as_secs_f64());
                actions.push(Action::Attach(RunExtra::Tsne(Arc::new(xy))));
                self.projection = Projection::Tsne;
                // Positions on the old map mean nothing on the new one.
                self.placed = None;
            }
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            Some(Outcome::Cancelled) | None => {}
        }
        match take_finished(&mut self.place_task) {
            Some(Outcome::Done(p)) => self.placed = Some(p),
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            Some(Outcome::Cancelled) | None => {}
        }
        let predict_started = self.predict_task.as_ref().map(|t| t.started);
        match take_finished(&mut self.predict_task) {
            Some(Outcome::Done((p, gp))) => {
                self.predict_seconds = predict_started.map(|s| s.elapsed().as_secs_f64());
                actions.push(Action::Attach(RunExtra::Predicted(
                    Arc::new(p),
                    gp.map(Arc::new),
                )));
            }
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            Some(Outcome::Cancelled) | None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Latent map");
        let Some(ws) = ctx.workspace else { return };
        let space = ws.space;
        let has_run = ws.run.is_some();
        let has_tsne = ws.run.as_ref().is_some_and(|r| r.tsne.is_some());
        let has_pred = ws.run.as_ref().is_some_and(|r| r.predicted.is_some());
        let explained = ws.run.as_ref().map(|r| r.plane.explained);
        ui.label(format!("{} cells ({})", ws.data.len(), ws.source));
        if !has_run {
            ui.label("No model open: the map needs one.");
            return;
        }
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.projection, Projection::Pca, "PCA");
            ui.add_enabled_ui(has_tsne, |ui| {
                ui.selectable_value(&mut self.projection, Projection::Tsne, "t-SNE")
                    .on_disabled_hover_text("compute t-SNE first");
            });
        });
        if let Some(e) = explained {
            ui.weak(format!(
                "PCA explains {:.1} % + {:.1} % of the variance; click empty space to decode it",
                e[0] * 100.0,
                e[1] * 100.0
            ));
        }
        ui.collapsing("t-SNE", |ui| {
            ui.add(egui::Slider::new(&mut self.perplexity, 5.0..=50.0).text("perplexity"));
            ui.add(egui::Slider::new(&mut self.tsne_epochs, 100..=1000).text("epochs"));
            let running = self.tsne_task.is_some();
            if ui
                .add_enabled(!running, egui::Button::new("Compute t-SNE"))
                .clicked()
            {
                self.start_tsne(ctx, actions);
            }
            if let Some(s) = self.tsne_seconds {
                ui.weak(format!("last t-SNE: {s:.1} s"));
            }
        });
        ui.separator();
        ui.label("Colour");
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.color_by, ColorBy::Accuracy, "true accuracy");
            ui.add_enabled_ui(has_pred, |ui| {
                ui.selectable_value(&mut self.color_by, ColorBy::Predicted, "predicted")
                    .on_disabled_hover_text("run the sparse GP first");
            });
        });
        let running = self.predict_task.is_some();
        if ui
            .add_enabled(!running, egui::Button::new("Predict accuracy (sparse GP)"))
            .on_hover_text(
                "Fits a sparse GP (500 inducing points) on the training split's latent means",
            )
            .clicked()
        {
            self.start_predict(ctx, actions);
        }
        if ws.run.as_ref().is_some_and(|r| r.predictor.is_some())
            && ui
                .add_enabled(
                    !running,
                    egui::Button::new("Predict accuracy (fine-tuned MLP)"),
                )
                .on_hover_text(
                    "The run's encoder and MLP fine-tuned on few labels (cellspace finetune)",
                )
                .clicked()
        {
            self.start_fine_tuned_predict(ctx, actions);
        }
        if let Some(s) = self.predict_seconds {
            let by = match self.predicted_by {
                Predictor::SparseGp => "GP fit and prediction",
                Predictor::FineTuned => "fine-tuned MLP prediction",
            };
            ui.weak(format!("{by}: {s:.1} s"));
        }
        ui.separator();
        ui.label("Filters");
        ui.add(egui::Slider::new(&mut self.min_accuracy, 0.0..=100.0).text("min accuracy"));
        ui.add(egui::Slider::new(&mut self.max_accuracy, 0.0..=100.0).text("max accuracy"));
        let op_text = self.op.map_or("any operation".to_string(), |t| {
            format!("contains {}", space.type_name(t))
        });
        egui::ComboBox::from_label("op")
            .selected_text(op_text)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.op, None, "any operation");
                for (k, name) in space.op_names().iter().enumerate() {
                    let t = crate::space::FIRST_OP + k as u8;
                    ui.selectable_value(&mut self.op, Some(t), format!("contains {name}"));
                }
            });
        if !self.visible.is_empty() {
            let visible = self.visible.iter().filter(|v| **v).count();
            ui.weak(format!("{visible} cells pass the filters"));
        }
        ui.separator();
        ui.label("Search by id or hash");
        let response = ui.text_edit_singleline(&mut self.search);
        let go = ui.button("Find").clicked()
            || (response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
        if go {
            self.find(ctx, actions);
        }
        ui.separator();
        ui.add(egui::Slider::new(&mut self.radius, 1.0..=6.0).text("point size (px)"));
        ui.weak(format!(
            "points drawn by {}; frame (CPU side) {:.1} ms",
            if ctx.frame.gpu_points {
                "the WGSL shader"
            } else {
                "egui meshes"
            },
            ctx.frame.frame_ms
        ));
        if let Some(s) = ctx.frame.first_map_seconds {
            ui.weak(format!("first map {s:.1} s after launch"));
        }
        ui.weak("drag: pan | scroll: zoom | double-click: fit");
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.draw(ui, ctx, actions);
    }

    fn reset(&mut self, _ws: &Workspace) {
        if let Some(t) = &mut self.tsne_task {
            t.cancel();
        }
        if let Some(t) = &mut self.predict_task {
            t.cancel();
        }
        if let Some(t) = &mut self.place_task {
            t.cancel();
        }
        renew_keeping_settings(self, Self::default());
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        let mut v: Vec<&mut dyn TaskStatus> = Vec::new();
        if let Some(t) = &mut self.tsne_task {
            v.push(t);
        }
        if let Some(t) = &mut self.predict_task {
            v.push(t);
        }
        if let Some(t) = &mut self.place_task {
            v.push(t);
        }
        v
    }

    fn busy(&self) -> bool {
        self.tsne_task.is_some() || self.predict_task.is_some() || self.place_task.is_some()
    }

    /// The map as it opens, with the best cell selected.
    fn demo(&mut self, _ctx: &Ctx, _actions: &mut Vec<Action>) {}
}
