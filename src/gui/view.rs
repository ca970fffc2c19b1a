//! Panels that own themselves (the shape of egui's demo app): each is a struct with its own
//! state and tasks, drawn through one trait, seeing the app only through [`Ctx`] and changing
//! it only through the [`Action`]s it returns, which the app applies after the frame.
//!
//! To add a panel: write a type that implements [`View`] in a new file under `src/gui/views/`
//! and add one line to [`super::views::all`]. The app does the rest: the tab, the left and centre
//! areas, polling, the top bar's progress and Cancel, and the reset when a new workspace opens.
//! Panels never call one another: what one shows of itself to the others goes on the
//! [`Board`] (`publish`), and what one asks of another is a [`Request`] that the app hands to
//! each panel in turn until one takes it (`handle`).

use std::path::PathBuf;
use std::sync::Arc;

use super::dialogs::PathPurpose;
use super::selection::Selection;
use super::tasks::TaskStatus;
use super::workspace::{LoadRequest, Workspace};
use crate::backend::Backend;
use crate::space::Cell;

/// What a panel may see of the app in one frame.
pub struct Ctx<'a> {
    pub workspace: Option<&'a Workspace>,
    pub selection: Option<&'a Selection>,
    pub backend: Backend,
    /// What the panels published this frame.
    pub board: &'a Board,
    pub frame: FrameInfo,
}

/// Facts about the window, not about any panel.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameInfo {
    /// Whether map points can go through the WGSL shader (a wgpu renderer is present).
    pub gpu_points: bool,
    /// Mean of recent frame times (ms), the CPU side of the frame as egui measured it.
    pub frame_ms: f32,
    /// Seconds from launch to the first drawn latent map.
    pub first_map_seconds: Option<f64>,
}

/// What the panels show one another, gathered before each frame.
#[derive(Default)]
pub struct Board {
    /// Decoded points to draw on the latent maps (a walk's steps, BO's evaluations).
    pub overlays: Vec<Overlay>,
    /// The folder of the run the explorer is training now, if any.
    pub training_run: Option<PathBuf>,
}

/// Decoded latent points a panel shows on the other panels' maps.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub style: OverlayStyle,
    pub latents: Vec<Vec<f32>>,
    /// Each point's value (accuracy), where it has one: its colour.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayStyle {
    /// Points joined in order (a walk).
    Path,
    /// Squares coloured by value (BO's evaluations).
    Squares,
}

/// A result computed for the open run that the workspace keeps (every panel sees it).
#[derive(Clone)]
pub enum RunExtra {
    Tsne(Arc<Vec<[f32; 2]>>),
    /// Every cell's predicted accuracy, and the GP that made it (none for the fine-tuned MLP).
    Predicted(Arc<Vec<f64>>, Option<Arc<crate::bo::Surrogate>>),
}

/// What a panel asks the app to do after the frame (applied in order, in one place).
#[derive(Clone)]
pub enum Action {
    Select(Selection),
    Error(String),
    /// A one-line answer shown above the view (what was done, or why not).
    Notice(String),
    /// Decode a latent point in the background and select the result.
    Decode {
        latent: Vec<f32>,
        origin: String,
    },
    /// Open data (and a run); the current workspace stays until it is ready.
    Open(LoadRequest),
    /// Ask the native file dialog; the answer comes back as [`Request::Path`].
    AskPath(PathPurpose),
    /// Keep a result with the open run.
    Attach(RunExtra),
    /// A latent map was drawn (the launch-to-first-map time is measured once).
    MapDrawn,
    /// Hand a request to whichever panel takes it.
    Request(Request),
}

/// What one panel asks of another, without knowing which.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Keep this cell as a candidate.
    Pin {
        cell: Cell,
        row: Option<usize>,
        origin: String,
    },
    /// Start a walk from the selected cell.
    WalkFrom,
    /// A path the user chose or typed for `purpose`.
    Path(PathPurpose, PathBuf),
}

/// Whether a panel took a request, and whether the app should show it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    No,
    Yes,
    /// Taken; show this panel (the user asked for something it displays).
    Show,
}

/// A panel as its own type: tests and demonstrations look inside with `downcast_ref`. Every
/// panel has it (blanket impl); call it on the panel (`view.as_ref().as_any()`), not on its box.
pub trait AsAny {
    fn as_any(&self) -> &dyn std::any::Any;
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

impl<T: std::any::Any> AsAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

pub trait View: AsAny {
    /// Stable name, for `cellspace gui --panel ID`.
    fn id(&self) -> &'static str;
    /// The tab's title.
    fn title(&self) -> &'static str;
    /// Reads this panel's task events and results; never blocks.
    fn poll(&mut self, ctx: &Ctx, actions: &mut Vec<Action>);
    /// The left-hand controls.
    fn controls(&mut self, ui: &mut egui::Ui, ctx: &Ctx, actions: &mut Vec<Action>);
    /// The centre.
    fn view(&mut self, ui: &mut egui::Ui, ctx: &Ctx, actions: &mut Vec<Action>);
    /// A new workspace (space, data or run) was opened: drop what belonged to the old one and
    /// cancel its jobs.
    fn reset(&mut self, ws: &Workspace);
    /// The jobs running now, for the top bar (progress, Cancel).
    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus>;
    fn busy(&self) -> bool;
    /// What the panel does for a screenshot or a demonstration (scripts/screenshots.sh).
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>);
    /// The panel's picture as a figure file draws it ("Save figure"): what the view shows now,
    /// without the window around it; `None` while there is nothing to draw.
    fn figure(&self, ctx: &Ctx) -> Option<crate::figures::Figure>;
    /// What this panel shows the others (see [`Board`]).
    fn publish(&self, _board: &mut Board) {}
    /// The panel's settings worth keeping between launches (never its results or jobs), as
    /// JSON; `None`: nothing to keep.
    fn settings(&self) -> Option<serde_json::Value> {
        None
    }
    /// Takes back what [`View::settings`] kept. A value it cannot read (from another version)
    /// leaves the panel as it is.
    fn restore(&mut self, _settings: &serde_json::Value) {}
    /// Takes a request another panel (or the app) made, if it is this panel's to do.
    fn handle(&mut self, _request: &Request, _ctx: &Ctx, _actions: &mut Vec<Action>) -> Handled {
        Handled::No
    }
}

/// A panel's kept settings as JSON (for [`View::settings`]).
pub fn keep<T: serde::Serialize>(settings: &T) -> Option<serde_json::Value> {
    serde_json::to_value(settings).ok()
}

/// Settings kept by [`keep`], if `value` reads as `T` (for [`View::restore`]).
pub fn kept<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

/// Replaces a panel by `fresh` (its results and jobs dropped) with the panel's settings kept:
/// what a panel's `reset` does when another workspace opens.
pub fn renew_keeping_settings<T: View>(panel: &mut T, fresh: T) {
    let settings = panel.settings();
    *panel = fresh;
    if let Some(s) = settings {
        panel.restore(&s);
    }
}
