//! Panels that own themselves (the shape of egui's demo app): each is a struct with its own
//! state and tasks, drawn through one trait, seeing the app only through [`Ctx`] and changing
//! it only through the [`Action`]s it returns, which the app applies after the frame.
//!
//! To add a panel: write a type that implements [`View`] in a new file under `src/gui/views/`
//! and add one line to [`super::views::all`]. The app does the rest: the tab, the left and centre
//! areas, polling, the top bar's progress and Cancel, and the reset when a new workspace opens.
//! (The older panels in `panels/` are free functions over the app; they move here one by one.)

use super::app::Selection;
use super::tasks::TaskStatus;
use super::workspace::Workspace;
use crate::backend::Backend;

/// What a panel may see of the app in one frame.
pub struct Ctx<'a> {
    pub workspace: Option<&'a Workspace>,
    pub selection: Option<&'a Selection>,
    pub backend: Backend,
    /// The folder of the run the explorer is training now, if any.
    pub training_run: Option<&'a std::path::Path>,
}

/// What a panel asks the app to do after the frame (applied in order, in one place).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Select(Selection),
    Error(String),
    /// A one-line answer shown above the view (what was done, or why not).
    Notice(String),
}

pub trait View {
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
    fn reset(&mut self);
    /// The jobs running now, for the top bar (progress, Cancel).
    fn tasks(&mut self) -> Vec<&mut dyn TaskStatus>;
    fn busy(&self) -> bool;
    /// What the panel does for a screenshot or a demonstration (scripts/screenshots.sh).
    fn demo(&mut self, ctx: &Ctx, actions: &mut Vec<Action>);
    /// The panel as its own type (tests look inside with `downcast_ref`).
    fn as_any(&self) -> &dyn std::any::Any;
}
