//! A latent map as a widget that its panel owns: its points, its colours and its own pan and
//! zoom, so that two maps side by side (Compare) move independently and panning one panel's map
//! leaves every other map where it was. The panel decides what a hover or a click means.

use std::sync::Arc;

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, pos2, vec2};

use super::colormap::{Scale, UNKNOWN, viridis};
use super::point_cloud::{MapView, PointSet, PointVertex, nearest, paint_points};
use super::selection::Selection;
use super::view::{Action, Ctx};
use super::workspace::Workspace;

pub struct LatentMap {
    xy: Arc<Vec<[f32; 2]>>,
    points: PointSet,
    view: MapView,
    pub radius: f32,
    /// Draw the points through the WGSL shader (one such map per frame) instead of a mesh.
    pub gpu: bool,
    /// Where the map was last drawn.
    last_rect: Option<Rect>,
}

/// What happened on the map in this frame.
pub struct MapEvents {
    /// The point under the pointer.
    pub hovered: Option<usize>,
    /// The point clicked.
    pub clicked: Option<usize>,
    pub response: egui::Response,
}

/// A ring drawn around a point (the selection, a linked hover).
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    pub row: usize,
    pub color: Color32,
    pub radius: f32,
}

impl LatentMap {
    /// A map of `xy` with point `i` coloured `color(i)`, fitted to its points.
    pub fn new(xy: Arc<Vec<[f32; 2]>>, color: impl Fn(usize) -> Color32) -> Self {
        let vertices = xy
            .iter()
            .enumerate()
            .map(|(i, p)| PointVertex::new(p[0], p[1], color(i)))
            .collect();
        let view = MapView::fit(&xy);
        Self {
            xy,
            points: PointSet::new(vertices),
            view,
            radius: 1.6,
            gpu: false,
            last_rect: None,
        }
    }

    /// New points (another epoch of the same cells, say), keeping the pan and zoom.
    pub fn replace_points(&mut self, xy: Arc<Vec<[f32; 2]>>, color: impl Fn(usize) -> Color32) {
        let vertices = xy
            .iter()
            .enumerate()
            .map(|(i, p)| PointVertex::new(p[0], p[1], color(i)))
            .collect();
        self.points = PointSet::new(vertices);
        self.xy = xy;
    }

    /// Frames the view around `points` (e.g. the union of several pictures).
    pub fn fit_to(&mut self, points: &[[f32; 2]]) {
        self.view = MapView::fit(points);
    }

    pub fn len(&self) -> usize {
        self.xy.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    /// The visible window.
    pub fn view(&self) -> MapView {
        self.view
    }

    /// Where the data point `p` was on screen in the last frame.
    pub fn to_screen(&self, p: [f64; 2]) -> Option<Pos2> {
        Some(self.view.to_screen(self.last_rect?, p))
    }

    /// Where point `row` was drawn in the last frame.
    pub fn screen_of(&self, row: usize) -> Option<Pos2> {
        self.screen(self.last_rect?, row)
    }

    /// Screen position of point `row` in `rect`.
    fn screen(&self, rect: Rect, row: usize) -> Option<Pos2> {
        let p = self.xy.get(row)?;
        Some(self.view.to_screen(rect, [p[0] as f64, p[1] as f64]))
    }

    /// Draws the map into `size` (drag pans, scroll zooms, double click fits) with `marks` on
    /// top. Drawn as a mesh unless `gpu`: the GPU point shader keeps one point set per frame,
    /// so maps side by side are meshes.
    pub fn show(&mut self, ui: &mut Ui, size: egui::Vec2, marks: &[Mark]) -> MapEvents {
        let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
        self.last_rect = Some(rect);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
        if response.dragged() {
            self.view.pan(rect, response.drag_delta());
        }
        if response.double_clicked() {
            self.view = MapView::fit(&self.xy);
        }
        if let Some(p) = response.hover_pos() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                self.view.zoom(rect, p, (-scroll as f64 / 200.0).exp());
            }
        }
        paint_points(
            &painter,
            rect,
            &self.points,
            &self.view,
            self.radius,
            self.gpu,
        );
        for m in marks {
            if let Some(s) = self.screen(rect, m.row) {
                painter.circle_stroke(s, m.radius, Stroke::new(2.0, m.color));
            }
        }
        let hovered = response
            .hover_pos()
            .and_then(|p| nearest(&self.xy, |_| true, &self.view, rect, p, 6.0));
        if let Some(s) = hovered.and_then(|r| self.screen(rect, r)) {
            painter.circle_stroke(s, 5.0, Stroke::new(1.5, ui.visuals().text_color()));
        }
        let clicked = if response.clicked() { hovered } else { None };
        MapEvents {
            hovered,
            clicked,
            response,
        }
    }
}

/// The size of each of `n` maps side by side in the space left, keeping them square-ish.
pub fn side_by_side(ui: &Ui, n: usize, height_share: f32) -> egui::Vec2 {
    let avail = ui.available_size();
    let spacing = ui.spacing().item_spacing.x;
    let width = ((avail.x - spacing * (n.max(1) - 1) as f32) / n.max(1) as f32).max(120.0);
    let height = (avail.y * height_share).clamp(120.0, width.max(120.0));
    vec2(width, height)
}

/// The open run's PCA map under a panel's own points (Walk, BO): every cell coloured by its
/// true accuracy, the selection marked, a hover naming the cell and a click selecting it; with
/// this panel's own pan and zoom.
#[derive(Default)]
pub struct RunMap {
    map: Option<LatentMap>,
}

impl RunMap {
    /// Forgets the map (a new workspace).
    pub fn reset(&mut self) {
        self.map = None;
    }

    /// The visible window, once drawn.
    pub fn view(&self) -> Option<MapView> {
        self.map.as_ref().map(|m| m.view())
    }

    /// Draws the map into the space left, then `overlay` with a data-to-screen mapping.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        ctx: &Ctx,
        actions: &mut Vec<Action>,
        overlay: impl FnOnce(&egui::Painter, &dyn Fn([f64; 2]) -> Pos2),
    ) {
        let Some(ws) = ctx.workspace else { return };
        let Some(run) = &ws.run else {
            ui.label("no model is open for this space: open a run or train one");
            return;
        };
        let map = self.map.get_or_insert_with(|| {
            let mut m = LatentMap::new(run.pca.clone(), |i| {
                ws.scale.color(ws.data.records[i].accuracy)
            });
            m.radius = 2.5;
            m
        });
        map.gpu = ctx.frame.gpu_points;
        let marks: Vec<Mark> = match ctx.selection {
            Some(Selection::Row(r)) => vec![Mark {
                row: *r,
                color: Color32::RED,
                radius: 7.0,
            }],
            _ => Vec::new(),
        };
        let size = ui.available_size().max(vec2(200.0, 200.0));
        let events = map.show(ui, size, &marks);
        let rect = events.response.rect;
        let painter = ui.painter_at(rect);
        let to_screen = |p: [f64; 2]| map.to_screen(p).unwrap_or(rect.center());
        if let Some(Selection::Decoded { latent, .. }) = ctx.selection {
            let (x, y) = run.plane.project(latent);
            draw_cross(&painter, to_screen([x, y]));
        }
        overlay(&painter, &to_screen);
        if let Some(i) = events.hovered {
            hover_card(&events.response, ws, i);
        }
        if let Some(i) = events.clicked {
            actions.push(Action::Select(Selection::Row(i)));
        }
        color_bar(
            &painter,
            rect,
            &ws.scale,
            &ws.data.accuracy_label,
            ui.visuals().text_color(),
        );
    }
}

/// The tooltip of a hovered cell: its id, accuracy (true and predicted) and structure.
pub fn hover_card(response: &egui::Response, ws: &Workspace, i: usize) {
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

/// The mark of a decoded point: a red cross.
pub fn draw_cross(painter: &egui::Painter, s: Pos2) {
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
