//! "Save figure": the shown panel's figure alone (not the window), drawn by `crate::figures` as
//! a PNG of a chosen size and scale or as an SVG, to a path from the file dialog or typed in
//! the bar's field (the fallback where no desktop portal answers).

use std::path::{Path, PathBuf};

use egui::Ui;

use crate::figures::{Figure, Format, Size, save};

/// The bar's settings: size, PNG scale, the format the dialog proposes, the typed path.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureSaver {
    pub width: u32,
    pub height: u32,
    pub scale: f64,
    pub svg: bool,
    pub typed: String,
}

impl Default for FigureSaver {
    fn default() -> Self {
        Self {
            width: 900,
            height: 600,
            scale: 1.0,
            svg: false,
            typed: String::new(),
        }
    }
}

/// What the bar was asked for this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveAsk {
    /// Open the save dialog (its answer comes back as a path to [`FigureSaver::save`]).
    Dialog,
    /// Save to the typed path.
    Typed(PathBuf),
}

impl FigureSaver {
    pub fn size(&self) -> Size {
        Size::new(self.width, self.height, self.scale)
    }

    /// The name the dialog proposes: `<panel>-<space>.png` (or `.svg`).
    pub fn default_name(&self, panel: &str, space: &str) -> String {
        format!("{panel}-{space}.{}", if self.svg { "svg" } else { "png" })
    }

    /// One line of controls above the view. (Whether the panel has a figure is asked only on
    /// a click: building one every frame would copy every point of a large map.)
    pub fn bar_ui(&mut self, ui: &mut Ui) -> Option<SaveAsk> {
        let mut ask = None;
        // Wrapped, so that a narrow panel (Compare beside its side bar) keeps the Save button
        // on screen instead of clipping it at the right edge.
        ui.horizontal_wrapped(|ui| {
            let button = ui
                .button("Save figure...")
                .on_hover_text("this panel's figure alone, through the file dialog");
            if button.clicked() {
                ask = Some(SaveAsk::Dialog);
            }
            ui.selectable_value(&mut self.svg, false, "PNG");
            ui.selectable_value(&mut self.svg, true, "SVG");
            ui.add(egui::DragValue::new(&mut self.width).range(200..=6000));
            ui.label("×");
            ui.add(egui::DragValue::new(&mut self.height).range(150..=6000));
            ui.label("pt, scale");
            ui.add(
                egui::DragValue::new(&mut self.scale)
                    .range(0.5..=4.0)
                    .speed(0.05),
            )
            .on_hover_text("PNG pixels per point (an SVG is vector)");
            ui.separator();
            ui.add(
                egui::TextEdit::singleline(&mut self.typed)
                    .hint_text("or type a path: fig.png / fig.svg")
                    .desired_width(200.0),
            );
            let typed = !self.typed.trim().is_empty();
            if ui.add_enabled(typed, egui::Button::new("Save")).clicked() {
                ask = Some(SaveAsk::Typed(PathBuf::from(self.typed.trim())));
            }
        });
        ask
    }

    /// Writes `figure` to `path` (PNG or SVG by its extension); the notice to show.
    pub fn save(&self, figure: Option<Figure>, path: &Path) -> Result<String, String> {
        let figure = figure.ok_or("this panel has nothing to draw yet")?;
        Format::of(path).map_err(|e| e.to_string())?;
        save(&figure, path, self.size()).map_err(|e| e.to_string())?;
        Ok(format!("figure saved to {}", path.display()))
    }
}
