//! Landscape (SVGe figure 3): a grid over the PCA plane, each point decoded, drawn as a heat
//! map of the decoded cells' true accuracy (grey where unknown or invalid).

use egui::{Color32, Rect, Sense, Stroke, Ui, pos2, vec2};

use crate::explore::{GridPoint, LatentDecoder, decoded_grid};
use crate::gui::app::{CellspaceApp, Selection};
use crate::gui::tasks::{Outcome, Task, take_finished};

pub struct LandscapeState {
    pub size: usize,
    /// Half-width of the grid in PCA units (0: from the data).
    pub radius: f64,
    pub attempts: usize,
    pub task: Option<Task<(), (Vec<GridPoint>, usize)>>,
    pub points: Vec<GridPoint>,
    pub distinct: usize,
    pub grid: (usize, f64),
}

impl Default for LandscapeState {
    fn default() -> Self {
        Self {
            size: 25,
            radius: 0.0,
            attempts: 1,
            task: None,
            points: Vec::new(),
            distinct: 0,
            grid: (0, 0.0),
        }
    }
}

impl LandscapeState {
    pub fn reset(&mut self) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        *self = Self::default();
    }
}

pub fn poll(app: &mut CellspaceApp) {
    match take_finished(&mut app.landscape.task) {
        Some(Outcome::Done((points, distinct))) => {
            app.landscape.points = points;
            app.landscape.distinct = distinct;
        }
        Some(Outcome::Failed(e)) => app.errors.push(e),
        Some(Outcome::Cancelled) | None => {}
    }
}

/// A radius covering 98 % of the cells on both PCA axes.
fn data_radius(pca: &[[f32; 2]]) -> f64 {
    let mut v: Vec<f64> = pca
        .iter()
        .flat_map(|p| [p[0].abs() as f64, p[1].abs() as f64])
        .collect();
    if v.is_empty() {
        return 1.0;
    }
    v.sort_by(f64::total_cmp);
    v[(v.len() * 98 / 100).min(v.len() - 1)].max(1e-3)
}

pub fn start(app: &mut CellspaceApp) {
    let Some(ws) = &app.workspace else { return };
    let Some(run) = &ws.run else {
        app.errors
            .push("the landscape needs a model: open a run".into());
        return;
    };
    let radius = if app.landscape.radius > 0.0 {
        app.landscape.radius
    } else {
        data_radius(&run.pca)
    };
    app.landscape.radius = radius;
    let size = app.landscape.size.max(2);
    app.landscape.grid = (size, radius);
    let model = run.model.clone();
    let plane = run.plane.clone();
    let (data, index, device) = (ws.data.clone(), ws.index.clone(), ws.device.clone());
    let attempts = app.landscape.attempts.max(1);
    app.landscape.points.clear();
    app.landscape.task = Some(Task::spawn(
        format!("decoding a {size}x{size} grid"),
        move |_, cancel| {
            let decoder = LatentDecoder {
                model: &model,
                data: &data,
                index: &index,
                device: &device,
                attempts,
                cancel: &cancel,
            };
            decoded_grid(&decoder, &plane, size, radius)
        },
    ));
}

pub fn controls(app: &mut CellspaceApp, ui: &mut Ui) {
    ui.heading("Landscape");
    ui.label("A grid over the PCA plane; every point decoded.");
    ui.add(egui::Slider::new(&mut app.landscape.size, 5..=61).text("grid size"));
    ui.horizontal(|ui| {
        ui.label("radius (0: from the data)");
        ui.add(
            egui::DragValue::new(&mut app.landscape.radius)
                .speed(0.05)
                .range(0.0..=1000.0),
        );
    });
    ui.add(egui::Slider::new(&mut app.landscape.attempts, 1..=9).text("decodings per point"));
    let ready =
        app.landscape.task.is_none() && app.workspace.as_ref().is_some_and(|w| w.run.is_some());
    if ui
        .add_enabled(ready, egui::Button::new("Decode grid"))
        .clicked()
    {
        start(app);
    }
    let pts = &app.landscape.points;
    if !pts.is_empty() {
        let valid = pts.iter().filter(|p| p.valid).count();
        let known = pts.iter().filter(|p| p.accuracy.is_some()).count();
        ui.separator();
        ui.label(format!(
            "{} points: {valid} valid, {known} with a true accuracy, {} distinct cells",
            pts.len(),
            app.landscape.distinct
        ));
        ui.weak("Fewer distinct cells over the same area means a smoother latent space.");
    }
}

pub fn view(app: &mut CellspaceApp, ui: &mut Ui) {
    let (size, radius) = app.landscape.grid;
    if app.landscape.points.is_empty() || size == 0 {
        ui.label(if app.landscape.task.is_some() {
            "decoding the grid..."
        } else {
            "Press Decode grid."
        });
        return;
    }
    let Some(ws) = &app.workspace else { return };
    let scale = ws.scale;
    let side = ui
        .available_width()
        .min(ui.available_height() - 30.0)
        .max(150.0);
    ui.label(format!(
        "{size}x{size} grid over [-{radius:.2}, {radius:.2}]^2 of the PCA plane: {} distinct cells",
        app.landscape.distinct
    ));
    let (rect, response) = ui.allocate_exact_size(vec2(side, side), Sense::click());
    let painter = ui.painter_at(rect);
    let cell = side / size as f32;
    let mut hovered = None;
    for (k, p) in app.landscape.points.iter().enumerate() {
        let (i, j) = (k % size, k / size);
        // Row 0 of the grid is y = -radius: draw it at the bottom.
        let r = Rect::from_min_size(
            pos2(
                rect.left() + i as f32 * cell,
                rect.bottom() - (j + 1) as f32 * cell,
            ),
            vec2(cell, cell),
        );
        let color = if p.valid {
            scale.color(p.accuracy)
        } else {
            Color32::from_gray(90)
        };
        painter.rect_filled(r.shrink(0.5), 0.0, color);
        if response.hover_pos().is_some_and(|h| r.contains(h)) {
            hovered = Some(k);
            painter.rect_stroke(
                r,
                0.0,
                Stroke::new(2.0, Color32::RED),
                egui::StrokeKind::Inside,
            );
        }
    }
    super::latent_map::color_bar(
        &painter,
        rect,
        &scale,
        &ws.data.accuracy_label,
        ui.visuals().text_color(),
    );
    if let Some(k) = hovered {
        let p = &app.landscape.points[k];
        let text = match (&p.cell, p.valid, p.accuracy) {
            (None, _, _) => "nothing decoded".to_string(),
            (Some(c), false, _) => format!("invalid: {}", c.to_text(ws.space.op_names())),
            (Some(c), true, Some(a)) => format!("{a:.2} %: {}", c.to_text(ws.space.op_names())),
            (Some(c), true, None) => {
                format!("not in the table: {}", c.to_text(ws.space.op_names()))
            }
        };
        response
            .clone()
            .on_hover_text_at_pointer(format!("({:.2}, {:.2}) {text}", p.x, p.y));
        if response.clicked()
            && let Some(run) = &ws.run
        {
            let latent = run.plane.lift(p.x, p.y);
            app.selection = Some(Selection::Decoded {
                cell: p.cell.clone(),
                latent,
                row: p.row,
                origin: format!("grid ({:.2}, {:.2})", p.x, p.y),
            });
        }
    }
}
