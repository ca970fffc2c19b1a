//! Epochs: the latent space as it formed during training (operation-embeddings paper, Figures
//! 9-10), from the snapshots a run keeps (`train::snapshots`). A slider and a play button step
//! through the epochs; each epoch's PCA map is rotated onto the previous one so that the
//! picture moves only as the space does. While the explorer trains a run, the panel follows it
//! and new epochs appear as they are written.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{Color32, Ui};
use serde::{Deserialize, Serialize};

use crate::explore::PcaPlane;
use crate::gui::map_widget::{LatentMap, Mark};
use crate::gui::selection::Selection;
use crate::gui::tasks::{Outcome, Task, TaskError, TaskStatus, take_finished};
use crate::gui::view::{Action, Ctx, View, keep, kept};
use crate::train::RunManifest;
use crate::train::snapshots;

/// One epoch's picture: the sample's 2-d positions.
pub struct Frame {
    pub epoch: usize,
    /// On the epoch's PCA plane, rotated onto the previous frame.
    pub xy: Arc<Vec<[f32; 2]>>,
    /// By t-SNE started from the previous frame's t-SNE, once computed.
    pub tsne: Option<Arc<Vec<[f32; 2]>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EpochProjection {
    Pca,
    Tsne,
}

/// t-SNE maps computed by a job: (epoch, positions).
type TsneFrames = Vec<(usize, Arc<Vec<[f32; 2]>>)>;

/// t-SNE of the sample at each of `epochs` (ascending), each started from the map before it
/// (`start` for the first), so that the layout carries over from epoch to epoch.
fn tsne_frames(
    dir: PathBuf,
    epochs: Vec<usize>,
    start: Option<Arc<Vec<[f32; 2]>>>,
    progress: &std::sync::mpsc::Sender<(usize, usize)>,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<TsneFrames, TaskError> {
    let mut out = Vec::new();
    let mut previous = start;
    for (k, &epoch) in epochs.iter().enumerate() {
        let _ = progress.send((k, epochs.len()));
        let means = snapshots::read_epoch(&dir, epoch)?;
        let xy = crate::explore::tsne_2d_from(
            &means,
            previous.as_deref().map(|v| v.as_slice()),
            30.0,
            300,
            |_, _| {},
            cancel,
        )?;
        let mut xy: Vec<[f32; 2]> = xy.into_iter().map(|(x, y)| [x, y]).collect();
        // t-SNE does not care how its map is turned: turn it onto the previous one.
        if let Some(prev) = &previous {
            snapshots::align(&mut xy, prev);
        }
        let xy = Arc::new(xy);
        previous = Some(xy.clone());
        out.push((epoch, xy));
    }
    Ok(out)
}

/// Frames computed by a job, for the epochs after the ones already shown.
struct Computed {
    dir: PathBuf,
    rows: Vec<usize>,
    frames: Vec<Frame>,
}

pub struct EpochsPanel {
    /// The run whose snapshots are shown.
    pub dir: Option<PathBuf>,
    /// Rows of the bundled table in the snapshot sample.
    pub rows: Vec<usize>,
    pub frames: Vec<Frame>,
    /// The frame shown.
    pub index: usize,
    pub playing: bool,
    /// Seconds per epoch while playing.
    pub pace: f32,
    last_advance: Instant,
    last_scan: Instant,
    /// Epochs with a snapshot that have no frame yet (found by the last scan).
    pending: Vec<usize>,
    task: Option<Task<(), Computed>>,
    pub projection: EpochProjection,
    tsne_task: Option<Task<(usize, usize), TsneFrames>>,
    map: Option<LatentMap>,
    /// The frame and projection the map shows.
    map_of: Option<(usize, EpochProjection)>,
    /// Why nothing is shown, when nothing is.
    pub note: Option<String>,
}

impl Default for EpochsPanel {
    fn default() -> Self {
        Self {
            dir: None,
            rows: Vec::new(),
            frames: Vec::new(),
            index: 0,
            playing: false,
            pace: 0.4,
            last_advance: Instant::now(),
            last_scan: Instant::now() - Duration::from_secs(10),
            pending: Vec::new(),
            task: None,
            projection: EpochProjection::Pca,
            tsne_task: None,
            map: None,
            map_of: None,
            note: None,
        }
    }
}

/// Reads and projects `epochs` of `dir`, each rotated onto the frame before it (`previous`
/// for the first).
fn compute(
    dir: PathBuf,
    epochs: Vec<usize>,
    previous: Option<Arc<Vec<[f32; 2]>>>,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Computed, TaskError> {
    let rows = snapshots::read_rows(&dir)?;
    let mut frames = Vec::new();
    let mut last = previous;
    for epoch in epochs {
        crate::jobs::check(cancel)?;
        let means = snapshots::read_epoch(&dir, epoch)?;
        if means.len() != rows.len() {
            return Err(format!(
                "{}: epoch {epoch}'s snapshot has {} means for {} sample rows",
                dir.display(),
                means.len(),
                rows.len()
            )
            .into());
        }
        let plane =
            PcaPlane::fit(&means).map_err(|e| format!("{} epoch {epoch}: {e}", dir.display()))?;
        let mut xy: Vec<[f32; 2]> = plane.project_all(&means);
        if let Some(prev) = &last {
            snapshots::align(&mut xy, prev);
        }
        let xy = Arc::new(xy);
        last = Some(xy.clone());
        frames.push(Frame {
            epoch,
            xy,
            tsne: None,
        });
    }
    Ok(Computed { dir, rows, frames })
}

impl EpochsPanel {
    /// The map as last drawn (tests find points on it).
    pub fn map(&self) -> Option<&LatentMap> {
        self.map.as_ref()
    }

    /// The run to follow: the one the explorer is training, else the open one.
    fn target<'a>(ctx: &'a Ctx) -> Option<&'a Path> {
        ctx.board
            .training_run
            .as_deref()
            .or_else(|| ctx.workspace?.run.as_ref().map(|r| r.run.dir.as_path()))
    }

    fn clear(&mut self) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
        if let Some(t) = &mut self.tsne_task {
            t.cancel();
        }
        *self = Self {
            pace: self.pace,
            projection: self.projection,
            ..Self::default()
        };
    }

    /// The positions of frame `i` in the chosen projection (`None`: t-SNE not computed yet).
    fn positions(&self, i: usize) -> Option<Arc<Vec<[f32; 2]>>> {
        let f = self.frames.get(i)?;
        match self.projection {
            EpochProjection::Pca => Some(f.xy.clone()),
            EpochProjection::Tsne => f.tsne.clone(),
        }
    }

    /// In the t-SNE view, starts t-SNE for the frames that have none, from the last that has.
    fn ensure_tsne(&mut self) {
        if self.projection != EpochProjection::Tsne || self.tsne_task.is_some() {
            return;
        }
        let Some(dir) = self.dir.clone() else { return };
        let Some(first) = self.frames.iter().position(|f| f.tsne.is_none()) else {
            return;
        };
        let start = first
            .checked_sub(1)
            .and_then(|i| self.frames[i].tsne.clone());
        let epochs: Vec<usize> = self.frames[first..].iter().map(|f| f.epoch).collect();
        self.tsne_task = Some(Task::spawn("t-SNE of the epochs", move |tx, cancel| {
            tsne_frames(dir, epochs, start, &tx, &cancel)
        }));
    }

    /// Looks for new snapshots (at most once a second) and starts a job for them.
    fn scan(&mut self, ctx: &Ctx) {
        let Some(target) = Self::target(ctx) else {
            if self.dir.is_some() {
                self.clear();
            }
            self.note = Some("open a run (or train one) to see its latent space form".into());
            return;
        };
        if self.dir.as_deref() != Some(target) {
            self.clear();
            self.dir = Some(target.to_path_buf());
        }
        if self.last_scan.elapsed() < Duration::from_secs(1) || self.task.is_some() {
            return;
        }
        self.last_scan = Instant::now();
        let completed = match RunManifest::read(target) {
            Ok(m) => m.completed_epochs(),
            Err(e) => {
                self.note = Some(e.to_string());
                return;
            }
        };
        let known: Vec<usize> = self.frames.iter().map(|f| f.epoch).collect();
        self.pending = snapshots::epochs(target, completed)
            .into_iter()
            .filter(|e| !known.contains(e))
            .collect();
        if self.frames.is_empty() && self.pending.is_empty() {
            self.note = Some(format!(
                "{} keeps no snapshots: runs trained before snapshots existed, or with \
                 --no-snapshots, have none (train --resume … --snapshot-every K adds them)",
                target.display()
            ));
            return;
        }
        self.note = None;
        if !self.pending.is_empty() {
            let (dir, epochs) = (target.to_path_buf(), self.pending.clone());
            let previous = self.frames.last().map(|f| f.xy.clone());
            self.task = Some(Task::spawn("projecting epochs", move |_, cancel| {
                compute(dir, epochs, previous, &cancel)
            }));
        }
    }

    fn color(ctx: &Ctx, rows: &[usize], i: usize) -> Color32 {
        match ctx.workspace {
            Some(ws) => rows
                .get(i)
                .and_then(|&r| ws.data.records.get(r))
                .map_or(Color32::GRAY, |rec| ws.scale.color(rec.accuracy)),
            None => Color32::GRAY,
        }
    }
}

/// What the epochs panel keeps between launches.
#[derive(Serialize, Deserialize)]
struct Kept {
    projection: EpochProjection,
    pace: f32,
}

impl View for EpochsPanel {
    /// The epoch shown, its snapshot sample coloured by accuracy.
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure> {
        let ws = ctx.workspace?;
        let index = self.index.min(self.frames.len().checked_sub(1)?);
        let xy = self.positions(index)?;
        let accuracy: Vec<Option<f64>> = (self.rows.iter())
            .map(|&r| ws.data.records.get(r).and_then(|rec| rec.accuracy))
            .collect();
        let run = self
            .dir
            .as_ref()
            .and_then(|d| d.file_name())
            .map_or(String::new(), |n| format!("{}, ", n.to_string_lossy()));
        let axes = match self.projection {
            EpochProjection::Pca => ["PC 1", "PC 2"],
            EpochProjection::Tsne => ["t-SNE 1", "t-SNE 2"],
        };
        let title = format!(
            "{run}epoch {}: {} sampled cells",
            self.frames[index].epoch + 1,
            xy.len()
        );
        let fig = crate::figures::results::latent_map(&title, axes, &xy, &accuracy);
        Some(crate::figures::Figure::Scatter(fig))
    }

    fn settings(&self) -> Option<serde_json::Value> {
        keep(&Kept {
            projection: self.projection,
            pace: self.pace,
        })
    }

    fn restore(&mut self, settings: &serde_json::Value) {
        if let Some(k) = kept::<Kept>(settings) {
            (self.projection, self.pace) = (k.projection, k.pace);
        }
    }

    fn id(&self) -> &'static str {
        "epochs"
    }

    fn title(&self) -> &'static str {
        "Epochs"
    }

    fn poll(&mut self, _ctx: &Ctx, actions: &mut Vec<Action>) {
        match take_finished(&mut self.task) {
            Some(Outcome::Done(c)) if self.dir.as_deref() == Some(c.dir.as_path()) => {
                let follow = self.index + 1 >= self.frames.len();
                self.rows = c.rows;
                self.frames.extend(c.frames);
                self.frames.sort_by_key(|f| f.epoch);
                // Following the newest epoch (live training) unless the user went back.
                if follow && !self.frames.is_empty() {
                    self.index = self.frames.len() - 1;
                }
            }
            Some(Outcome::Failed(e)) => {
                self.note = Some(e.clone());
                actions.push(Action::Error(e));
            }
            _ => {}
        }
        if let Some(t) = &mut self.tsne_task
            && let Some((k, n)) = t.drain().pop()
        {
            t.progress = Some(k as f32 / n.max(1) as f32);
            t.status = format!("epoch {} of {n}", k + 1);
        }
        match take_finished(&mut self.tsne_task) {
            Some(Outcome::Done(maps)) => {
                for (epoch, xy) in maps {
                    if let Some(f) = self.frames.iter_mut().find(|f| f.epoch == epoch) {
                        f.tsne = Some(xy);
                    }
                }
                self.map = None;
                self.map_of = None;
            }
            Some(Outcome::Failed(e)) => actions.push(Action::Error(e)),
            _ => {}
        }
        if self.playing
            && !self.frames.is_empty()
            && self.last_advance.elapsed().as_secs_f32() >= self.pace
        {
            self.last_advance = Instant::now();
            if self.index + 1 < self.frames.len() {
                self.index += 1;
            } else {
                self.playing = false;
            }
        }
    }

    fn controls(&mut self, ui: &mut Ui, ctx: &Ctx, _actions: &mut Vec<Action>) {
        ui.heading("The latent space, epoch by epoch");
        self.scan(ctx);
        match &self.dir {
            Some(dir) => {
                let training = ctx.board.training_run.as_deref() == Some(dir.as_path());
                ui.label(format!(
                    "{}{}",
                    dir.display(),
                    if training { " (training now)" } else { "" }
                ));
            }
            None => {
                ui.label("No run open.");
            }
        }
        if let Some(f) = self.frames.get(self.index) {
            ui.label(format!(
                "snapshot {} of {}: epoch {} ({} cells)",
                self.index + 1,
                self.frames.len(),
                f.epoch + 1,
                self.rows.len()
            ));
        }
        ui.horizontal(|ui| {
            let before = self.projection;
            ui.selectable_value(&mut self.projection, EpochProjection::Pca, "PCA");
            ui.selectable_value(&mut self.projection, EpochProjection::Tsne, "t-SNE")
                .on_hover_text(
                    "each epoch's t-SNE starts from the epoch before (300 iterations) and is \
                     turned onto it",
                );
            if self.projection != before {
                self.map = None;
                self.map_of = None;
            }
        });
        self.ensure_tsne();
        if self.frames.len() > 1 {
            let last = self.frames.len() - 1;
            ui.add(
                egui::Slider::new(&mut self.index, 0..=last)
                    .text("snapshot")
                    .custom_formatter(|v, _| {
                        self.frames
                            .get(v as usize)
                            .map_or(String::new(), |f| format!("epoch {}", f.epoch + 1))
                    }),
            );
            ui.horizontal(|ui| {
                let label = if self.playing { "Pause" } else { "Play" };
                if ui.button(label).clicked() {
                    if !self.playing && self.index == last {
                        self.index = 0;
                    }
                    self.playing = !self.playing;
                    self.last_advance = Instant::now();
                }
                ui.add(egui::Slider::new(&mut self.pace, 0.05..=2.0).text("s per epoch"));
            });
        }
        ui.weak(
            "PCA: each epoch's map is the PCA plane of that epoch's latent means, rotated onto \
             the epoch before so that the picture moves only as the space does. t-SNE: each \
             epoch's map starts from the one before and is turned onto it. Colour: accuracy.",
        );
    }

    fn view(&mut self, ui: &mut Ui, ctx: &Ctx, actions: &mut Vec<Action>) {
        if self.frames.is_empty() {
            ui.centered_and_justified(|ui| {
                ui.label(match (&self.note, &self.task) {
                    (_, Some(_)) => "projecting the snapshots...".to_string(),
                    (Some(n), None) => n.clone(),
                    (None, None) => "looking for snapshots...".to_string(),
                });
            });
            return;
        }
        let index = self.index.min(self.frames.len() - 1);
        let Some(xy) = self.positions(index) else {
            ui.centered_and_justified(|ui| {
                ui.label("computing the t-SNE maps of the epochs...");
            });
            return;
        };
        if self.map_of != Some((index, self.projection)) {
            let rows = self.rows.clone();
            let color = |i: usize| Self::color(ctx, &rows, i);
            match &mut self.map {
                Some(map) => map.replace_points(xy, color),
                None => {
                    let mut map = LatentMap::new(xy, color);
                    // Every frame in one window (the union of their extents), so that motion
                    // shows as motion.
                    let all: Vec<[f32; 2]> = (0..self.frames.len())
                        .filter_map(|i| self.positions(i))
                        .flat_map(|p| p.iter().copied().collect::<Vec<_>>())
                        .collect();
                    map.fit_to(&all);
                    map.radius = 2.2;
                    self.map = Some(map);
                }
            }
            self.map_of = Some((index, self.projection));
        }
        let selected_row = match ctx.selection {
            Some(Selection::Row(r)) => Some(*r),
            _ => None,
        };
        let marks: Vec<Mark> = selected_row
            .and_then(|r| self.rows.iter().position(|&x| x == r))
            .map(|i| Mark {
                row: i,
                color: Color32::RED,
                radius: 7.0,
            })
            .into_iter()
            .collect();
        ui.strong(format!("epoch {}", self.frames[index].epoch + 1));
        let size = ui.available_size() - egui::vec2(0.0, 4.0);
        if let Some(map) = &mut self.map {
            let events = map.show(ui, size.max(egui::vec2(200.0, 200.0)), &marks);
            if let Some(i) = events.clicked
                && let Some(&row) = self.rows.get(i)
            {
                actions.push(Action::Select(Selection::Row(row)));
            }
        }
    }

    fn reset(&mut self, _ws: &crate::gui::workspace::Workspace) {
        self.clear();
    }

    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus> {
        let mut out: Vec<&mut dyn TaskStatus> = Vec::new();
        if let Some(t) = &mut self.task {
            out.push(t);
        }
        if let Some(t) = &mut self.tsne_task {
            out.push(t);
        }
        out
    }

    fn busy(&self) -> bool {
        self.task.is_some() || self.tsne_task.is_some() || self.playing
    }

    fn demo(&mut self, _ctx: &Ctx, _actions: &mut Vec<Action>) {}
}
