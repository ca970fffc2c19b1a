//! Several figures side by side under one title: the compare sheet (every bundled model of a
//! space), an epoch series (the latent space through training), Fig. 3's two halves.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Figure, FigureError, Pen, draw, titled};

#[derive(Debug, Clone)]
pub struct Sheet {
    pub title: String,
    pub columns: usize,
    /// Drawn row by row, `columns` to a row.
    pub panels: Vec<Figure>,
}

pub(super) fn draw_sheet<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Sheet,
    pen: Pen,
) -> Result<(), FigureError> {
    let body = titled(area, &fig.title, pen)?;
    let columns = fig.columns.clamp(1, fig.panels.len().max(1));
    let rows = fig.panels.len().div_ceil(columns).max(1);
    for (panel, sub) in fig.panels.iter().zip(body.split_evenly((rows, columns))) {
        draw(&sub, panel, pen)?;
    }
    Ok(())
}
