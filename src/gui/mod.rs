//! The explorer: a native eframe window over the compute of `train`, `explore` and `bo`.
//! Every computation runs as a background task; the GUI starts tasks, reads their events and
//! draws. Each panel owns its state (`views`, through the `view::View` trait); compute results
//! live in `workspace`.

mod app;
pub mod cell_view;
pub mod colormap;
pub mod curves;
mod dialogs;
pub mod inspector;
pub mod map_widget;
pub mod op_embedding;
pub mod point_cloud;
mod save_figure;
mod screenshot;
pub mod selection;
pub mod tasks;
pub mod view;
pub mod views;
pub mod workspace;

pub use crate::run::bundled_runs;
pub use app::{CellspaceApp, FIRST_PANEL, KeptSettings, StartOptions};
pub use dialogs::{Dialogs, FixedDialogs, PathPurpose, RfdDialogs};
pub use selection::Selection;

/// Opens the explorer window and returns when it is closed.
pub fn run(options: StartOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("cellspace")
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([900.0, 600.0]),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native(
        "cellspace",
        native,
        Box::new(move |cc| Ok(Box::new(CellspaceApp::new(cc, options)))),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot open the explorer window: {e}. It needs a display and a Vulkan, Metal, DX12 \
             or OpenGL driver (on Linux without a GPU: Mesa's lavapipe, package \
             mesa-vulkan-drivers); the command-line jobs work without one"
        )
    })
}
