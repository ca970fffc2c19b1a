//! File dialogs behind a trait: rfd in the app, fixed paths in tests (a test cannot click a
//! native dialog).

use std::path::PathBuf;

pub trait Dialogs {
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
