//! Figures as files: each panel's picture and the papers' figures, drawn from plain data (points,
//! curves, cells) by one function generic over plotters' `DrawingBackend`, so that the SVG (vector:
//! text, points, paths) and the PNG are the same drawing. The explorer's "Save figure" and
//! `cellspace figures` both come here.

mod cells;
mod curves;
mod palette;
pub mod paper;
pub mod results;
mod scatter;
mod sheet;

pub use cells::{CellPanel, CellStrip, layers, short_name, unit_positions};
pub use curves::{Curves, Line, Series, significant};
pub use palette::{UNKNOWN, op_rgb, viridis_rgb};
pub use scatter::{ColorBar, Overlay, OverlayStyle, Point, Scatter};
pub use sheet::Sheet;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

/// A figure, ready to draw at any size.
#[derive(Debug, Clone)]
pub enum Figure {
    /// Points in a plane coloured by a value, with a colour bar (a latent map, a landscape,
    /// predicted against true accuracy).
    Scatter(Scatter),
    /// Lines over a shared x axis, with a legend (training curves).
    Curves(Curves),
    /// Cells drawn as DAGs in a grid (a walk's decoded cells, candidates).
    Cells(CellStrip),
    /// Several figures side by side under one title.
    Sheet(Sheet),
}

impl Figure {
    pub fn title(&self) -> &str {
        match self {
            Figure::Scatter(f) => &f.title,
            Figure::Curves(f) => &f.title,
            Figure::Cells(f) => &f.title,
            Figure::Sheet(f) => &f.title,
        }
    }
}

#[derive(Debug, Error)]
pub enum FigureError {
    #[error("{}: a figure is saved as .png or .svg", path.display())]
    Format { path: PathBuf },
    #[error(
        "a figure needs a size of at least 16 × 16 pixels and a scale in (0, 8], not {width} × {height} at {scale}"
    )]
    Size { width: u32, height: u32, scale: f64 },
    #[error("cannot draw the figure \"{title}\": {detail}")]
    Draw { title: String, detail: String },
    #[error("cannot encode the PNG: {0}")]
    Encode(String),
    #[error("{}: cannot write: {error}", path.display())]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{what}: {detail}")]
    Data { what: String, detail: String },
}

/// The file kinds a figure is saved as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    /// From a path's extension (`.png`, `.svg`, any case).
    pub fn of(path: &Path) -> Result<Self, FigureError> {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(FigureError::Format {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// A figure's size in points; a PNG has `scale` pixels per point (2 for a sharp picture on
/// a high-density screen), an SVG ignores the scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub width: u32,
    pub height: u32,
    pub scale: f64,
}

impl Size {
    pub const fn new(width: u32, height: u32, scale: f64) -> Self {
        Self {
            width,
            height,
            scale,
        }
    }

    fn check(self) -> Result<Self, FigureError> {
        if self.width >= 16 && self.height >= 16 && self.scale > 0.0 && self.scale <= 8.0 {
            Ok(self)
        } else {
            Err(FigureError::Size {
                width: self.width,
                height: self.height,
                scale: self.scale,
            })
        }
    }

    /// The PNG's pixel size.
    pub fn pixels(self) -> (u32, u32) {
        (
            (self.width as f64 * self.scale).round() as u32,
            (self.height as f64 * self.scale).round() as u32,
        )
    }
}

/// The figure as an SVG document of `size` (points).
pub fn svg(figure: &Figure, size: Size) -> Result<String, FigureError> {
    let size = size.check()?;
    register_font();
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (size.width, size.height)).into_drawing_area();
        draw_root(&root, figure, 1.0)?;
    }
    Ok(text)
}

/// The figure as an encoded PNG of `size.pixels()`.
pub fn png(figure: &Figure, size: Size) -> Result<Vec<u8>, FigureError> {
    let size = size.check()?;
    register_font();
    let (w, h) = size.pixels();
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw_root(&root, figure, size.scale)?;
    }
    // The best compression: figures are mostly flat colour, and the committed ones should be
    // small (FIGURES.md).
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Best,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(encoder, &rgb, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| FigureError::Encode(e.to_string()))?;
    Ok(out)
}

/// Writes the figure to `path`, as PNG or SVG by its extension.
pub fn save(figure: &Figure, path: &Path, size: Size) -> Result<(), FigureError> {
    let bytes = match Format::of(path)? {
        Format::Png => png(figure, size)?,
        Format::Svg => svg(figure, size)?.into_bytes(),
    };
    std::fs::write(path, bytes).map_err(|error| FigureError::Write {
        path: path.to_path_buf(),
        error,
    })
}

fn draw_root<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
    scale: f64,
) -> Result<(), FigureError> {
    let title = figure.title();
    drawn(title, root.fill(&WHITE))?;
    draw(root, figure, Pen { scale })?;
    drawn(title, root.present())
}

/// Draws `figure` into `area`: the one drawing every back end gets.
pub(crate) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &Figure,
    pen: Pen,
) -> Result<(), FigureError> {
    match figure {
        Figure::Scatter(f) => scatter::draw(area, f, pen),
        Figure::Curves(f) => curves::draw(area, f, pen),
        Figure::Cells(f) => cells::draw(area, f, pen),
        Figure::Sheet(f) => sheet::draw_sheet(area, f, pen),
    }
}

/// Sizes in points, turned into pixels of the back end (`scale` pixels a point).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pen {
    pub scale: f64,
}

impl Pen {
    /// `points` as whole pixels (at least 1).
    pub fn px(self, points: f64) -> u32 {
        (points * self.scale).round().max(1.0) as u32
    }

    pub fn font(self, points: f64) -> TextStyle<'static> {
        TextStyle::from((FONT, points * self.scale).into_font())
    }
}

/// An axis label: whole numbers without decimals ("20", not "20.0"), others with up to three
/// significant digits ("0.25", "-0.2", "0.0501").
pub(crate) fn tick(v: &f64) -> String {
    if v.round() == 0.0 && v.abs() < 1e-9 {
        "0".into()
    } else if (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        format!("{}", v.round())
    } else {
        let s = curves::significant(*v);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The family every text is set in; [`register_font`] gives it egui's Ubuntu-Light.
const FONT: &str = "sans-serif";

/// Plotters' `ab_glyph` text finds fonts by name only after they are registered (no system
/// font lookup, so no fontconfig); the first figure does it.
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure would show as missing text.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

/// A drawing step's error as a [`FigureError`] naming the figure.
pub(crate) fn drawn<T, E: std::error::Error + Send + Sync>(
    title: &str,
    result: Result<T, DrawingAreaErrorKind<E>>,
) -> Result<T, FigureError> {
    result.map_err(|e| FigureError::Draw {
        title: title.to_string(),
        detail: e.to_string(),
    })
}

/// A title line at the top of `area`; returns the area below it.
pub(crate) fn titled<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    pen: Pen,
) -> Result<DrawingArea<DB, Shift>, FigureError> {
    if title.is_empty() {
        return Ok(area.clone());
    }
    drawn(title, area.titled(title, pen.font(15.0)))
}
