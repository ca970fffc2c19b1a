//! The latent map: every cell of the space at its PCA or t-SNE position, coloured by accuracy;
//! pan, zoom, hover, select, and decode any point of the PCA plane.

use std::sync::Arc;

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};

use crate::gui::app::{CellspaceApp, Selection};
use crate::gui::colormap::{Scale, UNKNOWN, viridis};
use crate::gui::point_cloud::{MapView, PointSet, PointVertex, nearest, paint_points};
use crate::gui::tasks::{Outcome, Task, take_finished};

/// t-SNE in the background: (epoch, epochs) events, the 2-D points as result.
pub type TsneTask = Task<(usize, usize), Vec<[f32; 2]>>;

/// Decoded points (a walk, BO's evaluations, a clicked point) placed on the t-SNE map by
/// [`crate::explore::place_on_map`]: the latents they were placed for, and where.
pub struct Placed {
    pub latents: Vec<Vec<f32>>,
    pub xy: Vec<[f32; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Projection {
    #[default]
    Pca,
    Tsne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    has_predicted: bool,
    points: usize,
}

pub struct MapState {
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
    pub predict_task: Option<Task<(), (Vec<f64>, crate::bo::Surrogate)>>,
    pub predict_seconds: Option<f64>,
    pub placed: Option<Placed>,
    pub place_task: Option<Task<(), Placed>>,
}

impl Default for MapState {
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
            placed: None,
            place_task: None,
        }
    }
}

impl MapState {
    pub fn reset(&mut self) {
        if let Some(t) = &mut self.tsne_task {
            t.cancel();
        }
        if let Some(t) = &mut self.predict_task {
            t.cancel();
        }
        if let Some(t) = &mut self.place_task {
            t.cancel();
        }
        let generation = self.points.generation;
        *self = Self::default();
        self.points.generation = generation + 1;
    }
}

pub fn poll(app: &mut CellspaceApp) {
    if let Some(t) = &mut app.map.tsne_task {
        for (epoch, epochs) in t.drain() {
            t.progress = Some(epoch as f32 / epochs.max(1) as f32);
            t.status = format!("epoch {epoch} of {epochs}");
        }
    }
    let tsne_started = app.map.tsne_task.as_ref().map(|t| t.started);
    match take_finished(&mut app.map.tsne_task) {
        Some(Outcome::Done(xy)) => {
            app.map.tsne_seconds = tsne_started.map(|s| s.elapsed().as_secs_f64());
            if let Some(run) = app.workspace.as_mut().and_then(|w| w.run.as_mut()) {
                run.tsne = Some(Arc::new(xy));
            }
            app.map.projection = Projection::Tsne;
            // Positions on the old map mean nothing on the new one.
            app.map.placed = None;
        }
        Some(Outcome::Failed(e)) => app.errors.push(e),
        Some(Outcome::Cancelled) | None => {}
    }
    match take_finished(&mut app.map.place_task) {
        Some(Outcome::Done(p)) => app.map.placed = Some(p),
        Some(Outcome::Failed(e)) => app.errors.push(e),
        Some(Outcome::Cancelled) | None => {}
    }
    let predict_started = app.map.predict_task.as_ref().map(|t| t.started);
    match take_finished(&mut app.map.predict_task) {
        Some(Outcome::Done((p, gp))) => {
            app.map.predict_seconds = predict_started.map(|s| s.elapsed().as_secs_f64());
            if let Some(run) = app.workspace.as_mut().and_then(|w| w.run.as_mut()) {
                run.predicted = Some(Arc::new(p));
                run.surrogate = Some(Arc::new(gp));
            }
        }
        Some(Outcome::Failed(e)) => app.errors.push(e),
        Some(Outcome::Cancelled) | None => {}
    }
}

/// Starts t-SNE of the latent means.
pub fn start_tsne(app: &mut CellspaceApp) {
    let Some(run) = app.workspace.as_ref().and_then(|w| w.run.as_ref()) else {
        return;
    };
    let latents = run.latents.clone();
    let (perplexity, epochs) = (app.map.perplexity, app.map.tsne_epochs);
    app.map.tsne_task = Some(Task::spawn("t-SNE", move |tx, cancel| {
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
pub fn start_predict(app: &mut CellspaceApp) {
    let Some(ws) = &app.workspace else { return };
    let Some(run) = &ws.run else { return };
    let latents = run.latents.clone();
    let data = ws.data.clone();
    app.map.predict_task = Some(Task::spawn("sparse GP prediction", move |_, cancel| {
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
        Ok((out, gp))
    }));
}

fn ensure_points(app: &mut CellspaceApp, projection: Projection) -> Option<Arc<Vec<[f32; 2]>>> {
    let ws = app.workspace.as_ref()?;
    let run = ws.run.as_ref()?;
    let xy = match projection {
        Projection::Pca => run.pca.clone(),
        Projection::Tsne => run.tsne.clone()?,
    };
    let map = &mut app.map;
    let key = PointsKey {
        projection,
        color_by: map.color_by,
        min_accuracy: map.min_accuracy,
        max_accuracy: map.max_accuracy,
        op: map.op,
        has_tsne: run.tsne.is_some(),
        has_predicted: run.predicted.is_some(),
        points: xy.len(),
    };
    if map.key.as_ref() != Some(&key) {
        let full_range = map.min_accuracy <= 0.0 && map.max_accuracy >= 100.0;
        map.visible = ws
            .data
            .records
            .iter()
            .map(|r| {
                let acc_ok = match r.accuracy {
                    Some(a) => a >= map.min_accuracy && a <= map.max_accuracy,
                    None => full_range,
                };
                acc_ok && map.op.is_none_or(|op| r.cell.types().contains(&op))
            })
            .collect();
        let faint = Color32::from_rgba_unmultiplied(170, 170, 170, 30);
        let predicted = run.predicted.as_deref();
        let vertices: Vec<PointVertex> = xy
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let color = if !map.visible[i] {
                    faint
                } else {
                    match (map.color_by, predicted) {
                        (ColorBy::Predicted, Some(pred)) => ws.scale.color(Some(pred[i])),
                        _ => ws.scale.color(ws.data.records[i].accuracy),
                    }
                };
                PointVertex::new(p[0], p[1], color)
            })
            .collect();
        map.points = PointSet {
            vertices: Arc::new(vertices),
            generation: map.points.generation + 1,
        };
        map.key = Some(key);
    }
    Some(xy)
}

/// Which panel a map belongs to: each keeps its own pan and zoom, so that moving the Walk or
/// BO map leaves the Latent map tab where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapOwner {
    Map,
    Walk,
    Bo,
}

/// A map's visible window, per projection (a new projection starts fitted).
pub type ViewSlot = Option<(Projection, MapView)>;

fn view_slot(app: &mut CellspaceApp, owner: MapOwner) -> &mut ViewSlot {
    match owner {
        MapOwner::Map => &mut app.map.view,
        MapOwner::Walk => &mut app.walk.view,
        MapOwner::Bo => &mut app.bo.view,
    }
}

/// What a map interaction asks for.
pub struct MapResponse {
    pub rect: Rect,
    pub view: MapView,
}

/// Draws the map of the current workspace with `projection` and handles pan, zoom, hover and
/// clicks. `overlay` draws on top, given a data → screen mapping.
pub fn map_widget(
    app: &mut CellspaceApp,
    ui: &mut Ui,
    owner: MapOwner,
    projection: Projection,
    overlay: impl FnOnce(&egui::Painter, &dyn Fn([f64; 2]) -> Pos2),
) -> Option<MapResponse> {
    let Some(xy) = ensure_points(app, projection) else {
        ui.centered_and_justified(|ui| {
            ui.label(match projection {
                Projection::Tsne => "t-SNE has not been computed yet: start it on the left",
                Projection::Pca => {
                    "no model is open for this space: open a run or train one in Data & training"
                }
            });
        });
        return None;
    };
    let size = ui.available_size().max(vec2(200.0, 200.0));
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    let slot = view_slot(app, owner);
    let mut view = match *slot {
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
    *view_slot(app, owner) = Some((projection, view));
    if owner == MapOwner::Map {
        app.map.last_rect = Some(rect);
    }
    paint_points(
        &painter,
        rect,
        &app.map.points,
        &view,
        app.map.radius,
        app.gpu_points,
    );
    app.note_first_map();
    let to_screen = |p: [f64; 2]| view.to_screen(rect, p);
    // The selected cell.
    if let Some(Selection::Row(r)) = &app.selection
        && let Some(p) = xy.get(*r)
    {
        let s = to_screen([p[0] as f64, p[1] as f64]);
        painter.circle_stroke(s, 7.0, Stroke::new(2.0, Color32::RED));
    }
    if let (Some(Selection::Decoded { latent, .. }), Projection::Pca) = (&app.selection, projection)
        && let Some(run) = app.workspace.as_ref().and_then(|w| w.run.as_ref())
    {
        let (x, y) = run.plane.project(latent);
        draw_cross(&painter, to_screen([x, y]));
    }
    overlay(&painter, &to_screen);
    let visible = app.map.visible.clone();
    app.map.hovered = response.hover_pos().and_then(|p| {
        nearest(
            &xy,
            |i| visible.get(i).copied().unwrap_or(true),
            &view,
            rect,
            p,
            6.0,
        )
    });
    if let Some(i) = app.map.hovered {
        let p = xy[i];
        painter.circle_stroke(
            to_screen([p[0] as f64, p[1] as f64]),
            5.0,
            Stroke::new(1.5, ui.visuals().text_color()),
        );
        if let Some(ws) = &app.workspace {
            let r = &ws.data.records[i];
            let predicted = ws
                .run
                .as_ref()
                .and_then(|run| run.predicted.as_ref().map(|p| p[i]));
            response.clone().on_hover_ui_at_pointer(|ui| {
                ui.label(format!("id {}", r.id));
                ui.label(match r.accuracy {
                    Some(a) => format!("accuracy {a:.2} %"),
                    None => "accuracy unknown".into(),
                });
                if let Some(p) = predicted {
                    ui.label(format!("predicted {p:.2} %"));
                }
                ui.label(r.cell.to_text(ws.space.op_names()));
            });
        }
    }
    if response.clicked() {
        match app.map.hovered {
            Some(i) => app.selection = Some(Selection::Row(i)),
            None => {
                if let (Projection::Pca, Some(p)) = (projection, response.interact_pointer_pos())
                    && let Some(run) = app.workspace.as_ref().and_then(|w| w.run.as_ref())
                {
                    let d = view.to_data(rect, p);
                    let latent = run.plane.lift(d[0], d[1]);
                    app.decode_point(latent, format!("PCA plane ({:.2}, {:.2})", d[0], d[1]));
                }
            }
        }
    }
    if let Some(ws) = &app.workspace {
        let label = match (
            app.map.color_by,
            ws.run.as_ref().and_then(|r| r.predicted.as_ref()),
        ) {
            (ColorBy::Predicted, Some(_)) => "predicted accuracy (%)".to_string(),
            _ => ws.data.accuracy_label.clone(),
        };
        color_bar(&painter, rect, &ws.scale, &label, ui.visuals().text_color());
    }
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
    Some(MapResponse { rect, view })
}

/// The mark of a decoded point: a red cross.
fn draw_cross(painter: &egui::Painter, s: Pos2) {
    let stroke = Stroke::new(2.0, Color32::RED);
    painter.line_segment([s - vec2(6.0, 6.0), s + vec2(6.0, 6.0)], stroke);
    painter.line_segment([s + vec2(-6.0, 6.0), s + vec2(6.0, -6.0)], stroke);
}

/// A vertical colour bar in the top-right corner of `rect`.
pub fn color_bar(painter: &egui::Painter, rect: Rect, scale: &Scale, label: &str, text: Color32) {
    let bar = Rect::from_min_size(
        pos2(rect.right() - 34.0, rect.top() + 28.0),
        vec2(14.0, 160.0),
    );
    let steps = 32;
    for k in 0..steps {
        let t0 = k as f32 / steps as f32;
        let seg = Rect::from_min_max(
            pos2(
                bar.left(),
                bar.bottom() - bar.height() * (t0 + 1.0 / steps as f32),
            ),
            pos2(bar.right(), bar.bottom() - bar.height() * t0),
        );
        painter.rect_filled(seg, 0.0, viridis(t0 + 0.5 / steps as f32));
    }
    painter.rect_stroke(bar, 0.0, Stroke::new(1.0, text), egui::StrokeKind::Outside);
    let font = egui::FontId::proportional(11.0);
    painter.text(
        bar.right_top(),
        egui::Align2::RIGHT_BOTTOM,
        format!("{:.1}", scale.high),
        font.clone(),
        text,
    );
    painter.text(
        bar.right_bottom(),
        egui::Align2::RIGHT_TOP,
        format!("<= {:.1}", scale.low),
        font.clone(),
        text,
    );
    painter.text(
        pos2(bar.right(), bar.top() - 14.0),
        egui::Align2::RIGHT_BOTTOM,
        label,
        font.clone(),
        text,
    );
    let unknown = Rect::from_min_size(pos2(bar.left(), bar.bottom() + 18.0), vec2(14.0, 10.0));
    painter.rect_filled(unknown, 0.0, UNKNOWN);
    painter.text(
        unknown.left_center() - vec2(4.0, 0.0),
        egui::Align2::RIGHT_CENTER,
        "unknown",
        font,
        text,
    );
}

pub fn controls(app: &mut CellspaceApp, ui: &mut Ui) {
    ui.heading("Latent map");
    let Some(ws) = &app.workspace else { return };
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
        ui.selectable_value(&mut app.map.projection, Projection::Pca, "PCA");
        ui.add_enabled_ui(has_tsne, |ui| {
            ui.selectable_value(&mut app.map.projection, Projection::Tsne, "t-SNE")
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
        ui.add(egui::Slider::new(&mut app.map.perplexity, 5.0..=50.0).text("perplexity"));
        ui.add(egui::Slider::new(&mut app.map.tsne_epochs, 100..=1000).text("epochs"));
        let running = app.map.tsne_task.is_some();
        if ui
            .add_enabled(!running, egui::Button::new("Compute t-SNE"))
            .clicked()
        {
            start_tsne(app);
        }
        if let Some(s) = app.map.tsne_seconds {
            ui.weak(format!("last t-SNE: {s:.1} s"));
        }
    });
    ui.separator();
    ui.label("Colour");
    ui.horizontal(|ui| {
        ui.selectable_value(&mut app.map.color_by, ColorBy::Accuracy, "true accuracy");
        ui.add_enabled_ui(has_pred, |ui| {
            ui.selectable_value(&mut app.map.color_by, ColorBy::Predicted, "predicted")
                .on_disabled_hover_text("run the sparse GP first");
        });
    });
    let running = app.map.predict_task.is_some();
    if ui
        .add_enabled(!running, egui::Button::new("Predict accuracy (sparse GP)"))
        .on_hover_text(
            "Fits a sparse GP (500 inducing points) on the training split's latent means",
        )
        .clicked()
    {
        start_predict(app);
    }
    if let Some(s) = app.map.predict_seconds {
        ui.weak(format!("GP fit and prediction: {s:.1} s"));
    }
    ui.separator();
    ui.label("Filters");
    ui.add(egui::Slider::new(&mut app.map.min_accuracy, 0.0..=100.0).text("min accuracy"));
    ui.add(egui::Slider::new(&mut app.map.max_accuracy, 0.0..=100.0).text("max accuracy"));
    let op_text = app.map.op.map_or("any operation".to_string(), |t| {
        format!("contains {}", space.type_name(t))
    });
    egui::ComboBox::from_label("op")
        .selected_text(op_text)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut app.map.op, None, "any operation");
            for (k, name) in space.op_names().iter().enumerate() {
                let t = crate::space::FIRST_OP + k as u8;
                ui.selectable_value(&mut app.map.op, Some(t), format!("contains {name}"));
            }
        });
    if let Some(visible) =
        (!app.map.visible.is_empty()).then(|| app.map.visible.iter().filter(|v| **v).count())
    {
        ui.weak(format!("{visible} cells pass the filters"));
    }
    ui.separator();
    ui.label("Search by id or hash");
    let response = ui.text_edit_singleline(&mut app.map.search);
    let go = ui.button("Find").clicked()
        || (response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)));
    if go {
        find(app);
    }
    ui.separator();
    ui.add(egui::Slider::new(&mut app.map.radius, 1.0..=6.0).text("point size (px)"));
    ui.weak(format!(
        "points drawn by {}; frame (CPU side) {:.1} ms",
        if app.gpu_points {
            "the WGSL shader"
        } else {
            "egui meshes"
        },
        app.frame_ms
    ));
    if let Some(s) = app.first_map_seconds {
        ui.weak(format!("first map {s:.1} s after launch"));
    }
    ui.weak("drag: pan | scroll: zoom | double-click: fit");
}

/// Selects the cell whose id equals the search text, or whose id starts with it.
pub fn find(app: &mut CellspaceApp) {
    let Some(ws) = &app.workspace else { return };
    let q = app.map.search.trim();
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
            app.selection = Some(Selection::Row(i));
            let xy = match app.map.projection {
                Projection::Tsne => ws.run.as_ref().and_then(|r| r.tsne.clone()),
                Projection::Pca => ws.run.as_ref().map(|r| r.pca.clone()),
            };
            if let (Some(xy), Some((_, view))) = (xy, app.map.view.as_mut()) {
                view.center = [xy[i][0] as f64, xy[i][1] as f64];
            }
        }
        None => app.errors.push(format!("no cell with id or hash '{q}'")),
    }
}

/// The decoded points the map shows besides the cells, in this order: the walk's steps, BO's
/// evaluations, the selected decoded point. Returns their latents and how many are walk steps
/// and BO evaluations.
fn overlay_latents(app: &CellspaceApp) -> (Vec<Vec<f32>>, usize, usize) {
    let mut latents: Vec<Vec<f32>> = app.walk.result.iter().map(|s| s.latent.clone()).collect();
    let walk = latents.len();
    latents.extend(app.bo.evaluations.iter().map(|e| e.latent.clone()));
    let bo = latents.len() - walk;
    if let Some(Selection::Decoded { latent, .. }) = &app.selection {
        latents.push(latent.clone());
    }
    (latents, walk, bo)
}

/// Where the overlay points are on the map of `projection`: projected on the PCA plane, or
/// placed on the t-SNE map by a background job (started here when they changed; `None` until
/// it is done).
fn overlay_positions(
    app: &mut CellspaceApp,
    projection: Projection,
    latents: &[Vec<f32>],
) -> Option<Vec<[f64; 2]>> {
    let run = app.workspace.as_ref()?.run.as_ref()?;
    match projection {
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
            if let Some(p) = &app.map.placed
                && p.latents == latents
            {
                return Some(p.xy.iter().map(|q| [q[0] as f64, q[1] as f64]).collect());
            }
            if latents.is_empty() {
                return Some(Vec::new());
            }
            if app.map.place_task.is_none() {
                let tsne = run.tsne.clone()?;
                let (all, new) = (run.latents.clone(), latents.to_vec());
                let perplexity = app.map.perplexity;
                app.map.place_task = Some(Task::spawn(
                    format!("placing {} points on the t-SNE map", new.len()),
                    move |_, cancel| {
                        let xy =
                            crate::explore::place_on_map(&all, &tsne, &new, perplexity, &cancel)?;
                        Ok(Placed { latents: new, xy })
                    },
                ));
            }
            None
        }
    }
}

pub fn view(app: &mut CellspaceApp, ui: &mut Ui) {
    let projection = app.map.projection;
    let (latents, walk, bo) = overlay_latents(app);
    let positions = overlay_positions(app, projection, &latents).unwrap_or_default();
    let bo_colors: Vec<Color32> = match &app.workspace {
        Some(ws) => app
            .bo
            .evaluations
            .iter()
            .map(|e| ws.scale.color(Some(e.value)))
            .collect(),
        None => Vec::new(),
    };
    let decoded = latents.len() > walk + bo;
    map_widget(app, ui, MapOwner::Map, projection, |painter, to_screen| {
        if positions.len() != latents.len() {
            return;
        }
        let red = Color32::from_rgb(255, 80, 80);
        let pts: Vec<Pos2> = positions.iter().map(|p| to_screen(*p)).collect();
        if walk > 1 {
            painter.add(egui::Shape::line(
                pts[..walk].to_vec(),
                Stroke::new(1.5, red),
            ));
        }
        for p in &pts[..walk] {
            painter.circle(*p, 3.0, Color32::WHITE, Stroke::new(1.2, red));
        }
        for (p, c) in pts[walk..walk + bo].iter().zip(&bo_colors) {
            let r = Rect::from_center_size(*p, vec2(6.0, 6.0));
            painter.rect_filled(r, 0.0, *c);
            painter.rect_stroke(
                r,
                0.0,
                Stroke::new(1.0, Color32::WHITE),
                egui::StrokeKind::Outside,
            );
        }
        // The PCA view draws the decoded point itself (map_widget); the t-SNE view here.
        if decoded
            && projection == Projection::Tsne
            && let Some(s) = pts.last()
        {
            draw_cross(painter, *s);
        }
    });
}
