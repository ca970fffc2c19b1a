//! File dialogs behind a trait: rfd in the app, fixed paths in tests (a test cannot click a
//! native dialog). The app asks them on a thread of their own ([`PendingDialog`]): rfd blocks
//! until the user answers, and where no desktop portal (or zenity) runs it answers "nothing
//! chosen" at once, exactly as a cancel does. So every dialog has an in-window path field
//! beside it, and a "nothing chosen" answer says where to type the path instead.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

pub trait Dialogs: Send + Sync {
    fn pick_folder(&self, title: &str) -> Option<PathBuf>;
    fn pick_file(&self, title: &str, extensions: &[&str]) -> Option<PathBuf>;
    fn save_file(&self, title: &str, default_name: &str, extensions: &[&str]) -> Option<PathBuf>;
}

/// Native dialogs through rfd.
pub struct RfdDialogs;

impl Dialogs for RfdDialogs {
    fn pick_folder(&self, title: &str) -> Option<PathBuf> {
        rfd::FileDialog::new().set_title(title).pick_folder()
    }

    fn pick_file(&self, title: &str, extensions: &[&str]) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .add_filter("data", extensions)
            .pick_file()
    }

    fn save_file(&self, title: &str, default_name: &str, extensions: &[&str]) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_file_name(default_name)
            .add_filter("file", extensions)
            .save_file()
    }
}

/// Answers every dialog with a fixed choice (for tests and scripted runs).
#[derive(Debug, Clone, Default)]
pub struct FixedDialogs {
    pub folder: Option<PathBuf>,
    pub file: Option<PathBuf>,
    /// Save dialogs answer `save_dir/<default name>`.
    pub save_dir: Option<PathBuf>,
}

impl Dialogs for FixedDialogs {
    fn pick_folder(&self, _: &str) -> Option<PathBuf> {
        self.folder.clone()
    }

    fn pick_file(&self, _: &str, _: &[&str]) -> Option<PathBuf> {
        self.file.clone()
    }

    fn save_file(&self, _: &str, default_name: &str, _: &[&str]) -> Option<PathBuf> {
        self.save_dir.as_ref().map(|d| d.join(default_name))
    }
}

/// What a path is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    OpenRun,
    OpenDataFile,
    ResumeRun,
    NewRunFolder,
    /// Add a run's training curves to the plots.
    AddCurves,
    /// Export the candidates, as JSON or CSV.
    Export {
        json: bool,
    },
    /// Save the shown panel's figure, as SVG or PNG.
    SaveFigure {
        svg: bool,
    },
}

impl PathPurpose {
    /// Where to type the path when no dialog can open.
    pub fn field_hint(self) -> &'static str {
        match self {
            PathPurpose::OpenRun
            | PathPurpose::ResumeRun
            | PathPurpose::OpenDataFile
            | PathPurpose::AddCurves => "type it in the path field of Data & training",
            PathPurpose::NewRunFolder => "type it in the run folder field",
            PathPurpose::Export { .. } => "type it in the export field of Candidates",
            PathPurpose::SaveFigure { .. } => {
                "type it in the path field of Save figure, above the view"
            }
        }
    }
}

/// A native dialog open on its own thread; the window polls it every frame.
pub struct PendingDialog {
    pub purpose: PathPurpose,
    answer: Receiver<Option<PathBuf>>,
}

impl PendingDialog {
    /// Opens the dialog for `purpose`; `name` is the file name a save dialog proposes.
    pub fn ask(dialogs: Arc<dyn Dialogs>, purpose: PathPurpose, name: String) -> Self {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let path = match purpose {
                PathPurpose::OpenRun => dialogs.pick_folder("Open a cellspace run folder"),
                PathPurpose::ResumeRun => dialogs.pick_folder("Resume a run folder"),
                PathPurpose::NewRunFolder => dialogs.pick_folder("Folder for the new run"),
                PathPurpose::AddCurves => dialogs.pick_folder("A run folder whose curves to add"),
                PathPurpose::OpenDataFile => dialogs.pick_file("Open a data file", &["csv", "txt"]),
                PathPurpose::Export { json } => dialogs.save_file(
                    "Export candidates",
                    &name,
                    &[if json { "json" } else { "csv" }],
                ),
                PathPurpose::SaveFigure { svg } => {
                    dialogs.save_file("Save figure", &name, &[if svg { "svg" } else { "png" }])
                }
            };
            let _ = tx.send(path);
        });
        Self {
            purpose,
            answer: rx,
        }
    }

    /// `None` while the dialog is open; then the path chosen, or `Some(None)` when nothing
    /// was (cancelled, or no dialog could open).
    pub fn poll(&self) -> Option<Option<PathBuf>> {
        match self.answer.try_recv() {
            Ok(path) => Some(path),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(None),
        }
    }
}
