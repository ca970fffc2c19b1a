//! Landscape (SVGe figure 3): a grid over the PCA plane, each point decoded, drawn as a heat
//! map of the decoded cells' true accuracy (grey where unknown or invalid).

use egui::{Color32, Rect, Sense, Stroke, Ui, pos2, vec2};
use serde::{Deserialize, Serialize};

use crate::explore::{GridPoint, PcaPlane, decoded_grid, means_above};
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskStatus, take_finished};
use crate::gui::view::{Action, Ctx, View, keep, kept, renew_keeping_settings};
use crate::gui::workspace::Workspace;
use crate::latent::LatentDecoder;

pub struct LandscapePanel {
    pub size: usize,
    /// Half-width of the grid in PCA units (0: from the data).
    pub radius: f64,
    pub attempts: usize,
    /// Fit the plane to the cells above this accuracy (%) only; 0: to every cell.
    pub above: f64,
    pub task: Option<Task<(), Grid>>,
    pub points: Vec<GridPoint>,
    pub distinct: usize,
    pub grid: (usize, f64),
    /// The plane the grid lies in (the run's, or the one fitted to the cells above).
    pub plane: Option<PcaPlane>,
    /// Cells the plane was fitted to.
    pub plane_cells: usize,
    /// Accuracy of each grid point's cell as the run's fine-tuned predictor sees it, where the
    /// table has none (most NB101 cells are unlabelled) and the run has a predictor.
    pub predicted: Vec<Option<f64>>,
}

/// A decoded grid and the plane it lies in.
pub struct Grid {
    plane: PcaPlane,
    plane_cells: usize,
    radius: f64,
    points: Vec<GridPoint>,
    distinct: usize,
    predicted: Vec<Option<f64>>,
}

impl Default for LandscapePanel {
    fn default() -> Self {
        Self {
            size: 25,
            radius: 0.0,
            attempts: 1,
            above: 0.0,
            task: None,
            points: Vec::new(),
            distinct: 0,
            grid: (0, 0.0),
            plane: None,
            plane_cells: 0,
            predicted: Vec::new(),
        }
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

impl LandscapePanel {
    pub fn start(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        let Some(ws) = ctx.workspace else { return };
        let Some(run) = &ws.run else {
            actions.push(Action::Error(
                "the landscape needs a model: open a run".into(),
            ));
            return;
        };
        let size = self.size.max(2);
        let model = run.run.model.clone();
        let (data, index, device) = (ws.data.clone(), ws.index.clone(), ws.device.clone());
        let attempts = self.attempts.max(1);
        let (above, asked) = (self.above, self.radius);
        let (latents, run_plane, run_pca) =
            (run.latents.clone(), run.plane.clone(), run.pca.clone());
        let predictor = run.predictor.clone();
        self.points.clear();
        self.grid = (size, 0.0);
        self.task = Some(Task::spawn(
            format!("decoding a {size}x{size} grid"),
            move |_, cancel| {
                let (plane, plane_cells, pca) = if above > 0.0 {
                    let fitted = means_above(&data, &latents, above);
                    if fitted.len() < 2 {
                        return Err(format!(
                            "only {} labelled cells are above {above} %: the plane needs two",
                            fitted.len()
                        )
                        .into());
                    }
                    let plane = PcaPlane::fit(&fitted)?;
                    let pca = plane.project_all(&fitted);
                    (plane, fitted.len(), pca)
                } else {
                    (run_plane, latents.len(), run_pca.to_vec())
                };
                let radius = if asked > 0.0 {
                    asked
                } else {
                    data_radius(&pca)
                };
                let decoder = LatentDecoder {
                    model: &model,
                    data: &data,
                    index: &index,
                    device: &device,
                    attempts,
                    cancel: &cancel,
                };
                let (points, distinct) = decoded_grid(&decoder, &plane, size, radius)?;
                let predicted = match predictor {
                    Some(dir) => {
                        crate::explore::predict_unlabelled(&dir, &points, &device, &cancel)?
                    }
                    None => vec![None; points.len()],
                };
                Ok(Grid {
                    plane,
                    plane_cells,
                    radius,
                    points,
                    distinct,
                    predicted,
                })
            },
        ));
    }

    fn controls_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        ui.heading("Landscape");
        ui.label("A grid over the PCA plane; every point decoded.");
        ui.add(egui::Slider::new(&mut self.size, 5..=61).text("grid size"));
        ui.horizontal(|ui| {
            ui.label("radius (0: from the data)");
            ui.add(
                egui::DragValue::new(&mut self.radius)
                    .speed(0.05)
                    .range(0.0..=1000.0),
            );
        });
        ui.horizontal(|ui| {
            ui.label("plane of the cells above (%, 0: all)");
            ui.add(
                egui::DragValue::new(&mut self.above)
                    .speed(0.5)
                    .range(0.0..=100.0),
            );
        });
        ui.add(egui::Slider::new(&mut self.attempts, 1..=9).text("decodings per point"));
        if ui
            .button("SVGe figure 3 settings")
            .on_hover_text("the plane of the cells above 75 %, a grid over [-0.3, 0.3]^2")
            .clicked()
        {
            (self.above, self.radius) = (75.0, 0.3);
        }
        let ready = self.task.is_none() && ctx.workspace.is_some_and(|w| w.run.is_some());
        if ui
            .add_enabled(ready, egui::Button::new("Decode grid"))
            .clicked()
        {
            self.start(ctx, actions);
        }
        let pts = &self.points;
        if !pts.is_empty() {
            let valid = pts.iter().filter(|p| p.valid).count();
            let known = pts.iter().filter(|p| p.accuracy.is_some()).count();
            ui.separator();
            ui.label(format!(
                "{} points: {valid} valid, {known} with a true accuracy, {} distinct cells",
                pts.len(),
                self.distinct
            ));
            ui.weak("Fewer distinct cells over the same area means a smoother latent space.");
        }
    }

    fn view_ui(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        let (size, radius) = self.grid;
        if self.points.is_empty() || size == 0 {
            ui.label(if self.task.is_some() {
                "decoding the grid..."
            } else {
                "Press Decode grid."
            });
            return;
        }
        let Some(ws) = ctx.workspace else { return };
        let scale = ws.scale;
        let side = ui
            .available_width()
            .min(ui.available_height() - 30.0)
            .max(150.0);
        ui.label(format!(
            "{size}x{size} grid over [-{radius:.2}, {radius:.2}]^2 of the PCA plane of {} cells{}: \
             {} distinct cells",
            self.plane_cells,
            if self.above > 0.0 {
                format!(" above {} %", self.above)
            } else {
                String::new()
            },
            self.distinct
        ));
        if self.predicted.iter().any(|p| p.is_some()) {
            ui.weak(
                "dotted: no true accuracy, coloured by the run's fine-tuned predictor (cellspace \
                 finetune)",
            );
        }
        let (rect, response) = ui.allocate_exact_size(vec2(side, side), Sense::click());
        let painter = ui.painter_at(rect);
        let cell = side / size as f32;
        let mut hovered = None;
        for (k, p) in self.points.iter().enumerate() {
            let (i, j) = (k % size, k / size);
            // Row 0 of the grid is y = -radius: draw it at the bottom.
            let r = Rect::from_min_size(
                pos2(
                    rect.left() + i as f32 * cell,
                    rect.bottom() - (j + 1) as f32 * cell,
                ),
                vec2(cell, cell),
            );
            let predicted = self.predicted.get(k).copied().flatten();
            let color = if p.valid {
                scale.color(p.accuracy.or(predicted))
            } else {
                Color32::from_gray(90)
            };
            painter.rect_filled(r.shrink(0.5), 0.0, color);
            // A predicted colour is marked, so it never passes for a measured one.
            if p.accuracy.is_none() && predicted.is_some() {
                painter.circle_filled(r.center(), (cell * 0.12).max(1.0), Color32::BLACK);
            }
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
        crate::gui::map_widget::color_bar(
            &painter,
            rect,
            &scale,
            &ws.data.accuracy_label,
            ui.visuals().text_color(),
        );
        if let Some(k) = hovered {
            let p = &self.points[k];
            let text = match (&p.cell, p.valid, p.accuracy) {
                (None, _, _) => "nothing decoded".to_string(),
                // `valid` is the space's verdict on the cell, so the rule it breaks is there.
                (Some(c), false, _) => {
                    let why = ws.space.validate(c).err().map(|e| e.to_string());
                    format!(
                        "invalid ({}): {}",
                        why.unwrap_or_default(),
                        c.to_text(ws.space.op_names())
                    )
                }
                (Some(c), true, Some(a)) => format!("{a:.2} %: {}", c.to_text(ws.space.op_names())),
                (Some(c), true, None) => {
                    let what = if p.row.is_some() {
                        "unlabelled"
                    } else {
                        "not in the table"
                    };
                    let guess = self
                        .predicted
                        .get(k)
                        .copied()
                        .flatten()
                        .map_or(String::new(), |v| format!(", predicted {v:.2} %"));
                    format!("{what}{guess}: {}", c.to_text(ws.space.op_names()))
                }
            };
            response
                .clone()
                .on_hover_text_at_pointer(format!("({:.2}, {:.2}) {text}", p.x, p.y));
            if response.clicked()
                && let Some(plane) = &self.plane
            {
                let latent = plane.lift(p.x, p.y);
                actions.push(Action::Select(Selection::Decoded {
                    cell: p.cell.clone(),
                    latent,
                    row: p.row,
                    origin: format!("grid ({:.2}, {:.2})", p.x, p.y),
                }));
            }
        }
    }
}

/// What the landscape keeps between launches.
#[derive(Serialize, Deserialize)]
struct Kept {
    size: usize,
    radius: f64,
    attempts: usize,
    above: f64,
}

impl View for LandscapePanel {
    /// The decoded grid (SVGe Fig. 3, left), points coloured by the fine-tuned predictor
    /// dotted.
    fn figure(&self, _ctx: &Ctx) -> Option<crate::figures::Figure> {
        let (size, radius) = self.grid;
        if self.points.is_empty() || size == 0 {
            return None;
        }
        let above = if self.above > 0.0 {
            format!(" above {} %", self.above)
        } else {
            String::new()
        };
        let title = format!(
            "{size}×{size} grid over [-{radius:.2}, {radius:.2}]² of the PCA plane of {} cells{above}: {} distinct cells",
            self.plane_cells, self.distinct
        );
        Some(crate::figures::results::grid_landscape(
            &title,
            &self.points,
            &self.predicted,
        ))
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&Kept {
            size: self.size,
            radius: self.radius,
            attempts: self.attempts,
            above: self.above,
        })
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(k) = kept::<Kept>(settings) {
            (self.size, self.radius, self.attempts, self.above) =
                (k.size, k.radius, k.attempts, k.above);
        }
    }

    fn id(&self) -> &'static str {
        "landscape"
    }

    fn title(&self) -> &'static str {
        "Landscape"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        match take_finished(&mut self.task) {
            Some(Outcome::Done(grid)) => {
                self.grid = (self.grid.0, grid.radius);
                self.radius = grid.radius;
                self.points = grid.points;
                self.distinct = grid.distinct;
                self.plane = Some(grid.plane);
                self.plane_cells = grid.plane_cells;
                self.predicted = grid.predicted;
            }
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            Some(Outcome::Cancelled) | None => {}
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.controls_ui(ui, ctx, actions);
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        self.view_ui(ui, ctx, actions);
    }

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

    /// NB101: SVGe figure 3's setting (the plane of the cells above 75 %, [-0.3, 0.3]^2).
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>) {
        if ctx
            .workspace
            .is_some_and(|w| w.space == crate::space::SpaceKind::Nb101)
        {
            (self.above, self.radius) = (75.0, 0.3);
        }
        self.start(ctx, actions);
    }
}
