//! Scripted screenshots (`cellspace gui --panel P --screenshot FILE`): wait for the data, run
//! the panel's demonstration action, wait until every task is done, save the window as PNG
//! and close. `scripts/screenshots.sh` runs this once per panel under Xvfb.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What a scripted screenshot asks of the window it drives (the app implements it; a trait, so
/// that this file does not import the app that uses it).
pub trait Scripted {
    /// Whether data is open.
    fn has_workspace(&self) -> bool;
    /// Whether a task (loading, decoding, a panel's job) is running.
    fn busy(&self) -> bool;
    fn is_loading(&self) -> bool;
    /// The errors shown in the window, joined.
    fn errors(&self) -> String;
    /// Runs a panel's demonstration action.
    fn demo_view(&mut self, view: usize);
    /// Saves the shown panel's figure through the Save figure bar's typed path; what the
    /// window then says (the notice or the error).
    fn save_figure_typed(&mut self, path: &std::path::Path) -> String;
}

enum Phase {
    WaitingForData,
    Working { quiet_frames: u32 },
    Requested,
}

pub struct ScreenshotPlan {
    path: PathBuf,
    /// The panel to show (an index into the app's views).
    view: usize,
    phase: Phase,
    saved: Arc<Mutex<Option<Result<(), String>>>>,
    /// Save the panel's figure here first (`--save-figure`).
    figure: Option<PathBuf>,
}

impl ScreenshotPlan {
    pub fn new(path: PathBuf, view: usize, figure: Option<PathBuf>) -> Self {
        Self {
            path,
            view,
            phase: Phase::WaitingForData,
            saved: Arc::new(Mutex::new(None)),
            figure,
        }
    }

    /// Advances the plan by one frame; false once it is done (and the window closing).
    pub fn step(&mut self, app: &mut dyn Scripted, ctx: &egui::Context) -> bool {
        match &mut self.phase {
            Phase::WaitingForData => {
                if app.has_workspace() && !app.busy() {
                    app.demo_view(self.view);
                    self.phase = Phase::Working { quiet_frames: 0 };
                } else if !app.has_workspace() && !app.is_loading() {
                    eprintln!("screenshot: nothing could be opened: {}", app.errors());
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    return false;
                }
            }
            Phase::Working { quiet_frames } => {
                if app.busy() {
                    *quiet_frames = 0;
                } else {
                    *quiet_frames += 1;
                }
                // A few quiet frames let the last results lay out before the picture.
                if *quiet_frames >= 6 {
                    if let Some(figure) = self.figure.take() {
                        eprintln!("{}", app.save_figure_typed(&figure));
                    }
                    let saved = self.saved.clone();
                    let path = self.path.clone();
                    let repaint = ctx.clone();
                    ctx.request_screenshot(move |image| {
                        *saved.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(save_png(&path, &image));
                        repaint.request_repaint();
                    });
                    self.phase = Phase::Requested;
                }
            }
            Phase::Requested => {
                let done = self.saved.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(result) = done {
                    match result {
                        Ok(()) => eprintln!("screenshot written to {}", self.path.display()),
                        Err(e) => eprintln!("screenshot failed: {e}"),
                    }
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    return false;
                }
            }
        }
        ctx.request_repaint();
        true
    }
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| {
            let [r, g, b, a] = c.to_srgba_unmultiplied();
            [r, g, b, a]
        })
        .collect();
    let img = image::RgbaImage::from_raw(w as u32, h as u32, bytes)
        .ok_or_else(|| "the screenshot has an unexpected size".to_string())?;
    img.save(path)
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}
