//! Frame time of the latent map's point cloud: draws N points continuously for a few seconds,
//! once through the WGSL shader and once as egui meshes, and prints ms per frame and the ratio.
//! The clouds are random discs of the sizes of ENAS (19,020) and NB101 (423,624).
//!
//! `cargo run --release --example map_frames -- [POINTS...]` (needs a display; under Xvfb it
//! measures the software renderer). All runs share one window: winit allows one event loop.

use std::sync::Arc;
use std::time::Instant;

use cellspace::gui::colormap::Scale;
use cellspace::gui::point_cloud::{MapView, PointSet, PointVertex, paint_points};
use rand::{Rng, SeedableRng};

/// Frames drawn before timing starts (upload, pipeline compilation).
const WARM_FRAMES: u32 = 10;
const SECONDS: f64 = 4.0;

struct Phase {
    points: usize,
    gpu: bool,
}

struct Bench {
    phases: Vec<Phase>,
    current: usize,
    set: PointSet,
    view: MapView,
    frames: u32,
    started: Option<Instant>,
    results: Vec<(usize, bool, f64)>,
    generation: u64,
}

fn cloud(n: usize) -> Vec<[f32; 2]> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    (0..n)
        .map(|_| {
            let a = rng.random::<f32>() * std::f32::consts::TAU;
            let r = rng.random::<f32>().sqrt();
            [r * a.cos() * 3.0, r * a.sin() * 2.0]
        })
        .collect()
}

impl Bench {
    fn load(&mut self) {
        let xy = cloud(self.phases[self.current].points);
        let scale = Scale {
            low: 0.0,
            high: 1.0,
        };
        let vertices: Vec<PointVertex> = xy
            .iter()
            .enumerate()
            .map(|(i, p)| PointVertex::new(p[0], p[1], scale.color(Some((i % 97) as f64 / 96.0))))
            .collect();
        self.generation += 1;
        self.set = PointSet {
            vertices: Arc::new(vertices),
            generation: self.generation,
        };
        self.view = MapView::fit(&xy);
        self.frames = 0;
        self.started = None;
    }
}

impl eframe::App for Bench {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        // The window may draw once more after the last phase asked it to close.
        let Some(gpu) = self.phases.get(self.current).map(|p| p.gpu) else {
            return;
        };
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let rect = ui.max_rect();
            paint_points(ui.painter(), rect, &self.set, &self.view, 2.5, gpu);
        });
        self.frames += 1;
        if self.frames == WARM_FRAMES {
            self.started = Some(Instant::now());
        }
        if let Some(s) = self.started
            && s.elapsed().as_secs_f64() > SECONDS
        {
            let ms = s.elapsed().as_secs_f64() * 1000.0 / (self.frames - WARM_FRAMES) as f64;
            let phase = &self.phases[self.current];
            self.results.push((phase.points, phase.gpu, ms));
            eprintln!(
                "{} points, {}: {ms:.2} ms/frame",
                phase.points,
                if phase.gpu { "shader" } else { "mesh" }
            );
            self.current += 1;
            if self.current == self.phases.len() {
                report(&self.results);
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                return;
            }
            self.load();
        }
        ui.ctx().request_repaint();
    }
}

fn report(results: &[(usize, bool, f64)]) {
    println!("| points | WGSL shader (ms/frame) | egui mesh (ms/frame) | mesh / shader |");
    println!("|---|---|---|---|");
    for pair in results.chunks(2) {
        if let [(n, _, shader), (_, _, mesh)] = pair {
            println!("| {n} | {shader:.2} | {mesh:.2} | {:.1}× |", mesh / shader);
        }
    }
}

fn main() -> anyhow::Result<()> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![19_020, 423_624]
    } else {
        sizes
    };
    let phases = sizes
        .iter()
        .flat_map(|&n| {
            [
                Phase {
                    points: n,
                    gpu: true,
                },
                Phase {
                    points: n,
                    gpu: false,
                },
            ]
        })
        .collect();
    let mut bench = Bench {
        phases,
        current: 0,
        set: PointSet::default(),
        view: MapView::fit(&[]),
        frames: 0,
        started: None,
        results: Vec::new(),
        generation: 0,
    };
    bench.load();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1100.0, 800.0]),
        renderer: eframe::Renderer::Wgpu,
        wgpu_options: eframe::egui_wgpu::WgpuConfiguration {
            surface: eframe::egui_wgpu::SurfaceConfig {
                present_mode: eframe::egui_wgpu::wgpu::PresentMode::AutoNoVsync,
                desired_maximum_frame_latency: Some(2),
            },
            ..Default::default()
        },
        ..Default::default()
    };
    eframe::run_native(
        "cellspace map frames",
        options,
        Box::new(move |cc| {
            let rs = cc
                .wgpu_render_state
                .as_ref()
                .ok_or("the wgpu renderer did not start")?;
            cellspace::gui::point_cloud::install(rs);
            if let Some(info) = Some(rs.adapter.get_info()) {
                eprintln!("renderer: {} ({:?})", info.name, info.backend);
            }
            Ok(Box::new(bench))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open a window: {e}"))
}
