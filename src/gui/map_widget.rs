//! A latent map as a widget that its panel owns: its points, its colours and its own pan and
//! zoom, so that two maps side by side (Compare) move independently and panning one panel's map
//! leaves every other map where it was. The panel decides what a hover or a click means.

use std::sync::Arc;

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, vec2};

use super::point_cloud::{MapView, PointSet, PointVertex, nearest, paint_points};

pub struct LatentMap {
    xy: Arc<Vec<[f32; 2]>>,
    points: PointSet,
    view: MapView,
    pub radius: f32,
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
            points: PointSet {
                vertices: Arc::new(vertices),
                generation: 1,
            },
            view,
            radius: 1.6,
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
        self.points = PointSet {
            vertices: Arc::new(vertices),
            generation: self.points.generation + 1,
        };
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
    /// top. Drawn as a mesh: the GPU point shader keeps one point set per frame, which is the
    /// main map's.
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
        paint_points(&painter, rect, &self.points, &self.view, self.radius, false);
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
