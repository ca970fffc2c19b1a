//! The latent map's points: drawn by a WGSL shader (`shaders/points.wgsl`) through egui-wgpu's
//! paint callback, so that NB101's 423,624 cells stay fluid; egui meshes are the fallback when
//! no wgpu renderer is at hand (tests).

use std::sync::Arc;

use eframe::egui_wgpu::{self, wgpu};
use egui::{Color32, Pos2, Rect, Vec2, pos2};

/// One point as the GPU sees it.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PointVertex {
    pub position: [f32; 2],
    pub color: [u8; 4],
}

impl PointVertex {
    pub fn new(x: f32, y: f32, color: Color32) -> Self {
        Self {
            position: [x, y],
            color: [color.r(), color.g(), color.b(), color.a()],
        }
    }
}

/// The points of a map; `generation` changes whenever the vertices do, so that they are
/// uploaded to the GPU once per change, not once per frame. Generations are unique across
/// every map of the process: two panels' maps drawn in turn never pass for one another.
#[derive(Clone, Default)]
pub struct PointSet {
    pub vertices: Arc<Vec<PointVertex>>,
    pub generation: u64,
}

impl PointSet {
    pub fn new(vertices: Vec<PointVertex>) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self {
            vertices: Arc::new(vertices),
            generation: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct ViewUniform {
    center: [f32; 2],
    scale: [f32; 2],
    radius: [f32; 2],
    _pad: [f32; 2],
}

/// GPU objects, created once and kept in egui-wgpu's callback resources.
struct Resources {
    pipeline: wgpu::RenderPipeline,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    vertices: Option<wgpu::Buffer>,
    count: u32,
    generation: u64,
}

/// Creates the pipeline; call once with the app's render state.
pub fn install(render_state: &egui_wgpu::RenderState) {
    let device = &render_state.device;
    let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("cellspace points"),
        source: wgpu::ShaderSource::Wgsl(include_str!("../../shaders/points.wgsl").into()),
    });
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("cellspace points view"),
        entries: &[wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::VERTEX,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        }],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("cellspace points"),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("cellspace points"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &shader,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &[Some(wgpu::VertexBufferLayout {
                array_stride: std::mem::size_of::<PointVertex>() as u64,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &wgpu::vertex_attr_array![0 => Float32x2, 1 => Unorm8x4],
            })],
        },
        fragment: Some(wgpu::FragmentState {
            module: &shader,
            entry_point: Some("fs_main"),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: render_state.target_format,
                blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        multiview_mask: None,
        cache: None,
    });
    let uniform = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("cellspace points view"),
        size: std::mem::size_of::<ViewUniform>() as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("cellspace points view"),
        layout: &layout,
        entries: &[wgpu::BindGroupEntry {
            binding: 0,
            resource: uniform.as_entire_binding(),
        }],
    });
    render_state
        .renderer
        .write()
        .callback_resources
        .insert(Resources {
            pipeline,
            uniform,
            bind_group,
            vertices: None,
            count: 0,
            generation: u64::MAX,
        });
}

struct Callback {
    points: PointSet,
    view: ViewUniform,
}

impl egui_wgpu::CallbackTrait for Callback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(r) = resources.get_mut::<Resources>() else {
            return Vec::new();
        };
        if r.generation != self.points.generation {
            let bytes: &[u8] = bytemuck::cast_slice(self.points.vertices.as_slice());
            r.vertices = (!bytes.is_empty()).then(|| {
                let buffer = device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("cellspace points"),
                    size: bytes.len() as u64,
                    usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                queue.write_buffer(&buffer, 0, bytes);
                buffer
            });
            r.count = self.points.vertices.len() as u32;
            r.generation = self.points.generation;
        }
        queue.write_buffer(&r.uniform, 0, bytemuck::bytes_of(&self.view));
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        render_pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(r) = resources.get::<Resources>() else {
            return;
        };
        let Some(vertices) = &r.vertices else { return };
        render_pass.set_pipeline(&r.pipeline);
        render_pass.set_bind_group(0, &r.bind_group, &[]);
        render_pass.set_vertex_buffer(0, vertices.slice(..));
        render_pass.draw(0..6, 0..r.count);
    }
}

/// The visible window of a map in data coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapView {
    pub center: [f64; 2],
    pub half: [f64; 2],
}

impl MapView {
    /// A window around every point, with a margin.
    pub fn fit(points: &[[f32; 2]]) -> Self {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k] as f64);
                hi[k] = hi[k].max(p[k] as f64);
            }
        }
        if !lo[0].is_finite() {
            return Self {
                center: [0.0, 0.0],
                half: [1.0, 1.0],
            };
        }
        let half = |k: usize| ((hi[k] - lo[k]) / 2.0 * 1.05).max(1e-6);
        Self {
            center: [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0],
            half: [half(0), half(1)],
        }
    }

    pub fn to_screen(&self, rect: Rect, p: [f64; 2]) -> Pos2 {
        pos2(
            rect.center().x + ((p[0] - self.center[0]) / self.half[0]) as f32 * rect.width() / 2.0,
            rect.center().y - ((p[1] - self.center[1]) / self.half[1]) as f32 * rect.height() / 2.0,
        )
    }

    pub fn to_data(&self, rect: Rect, p: Pos2) -> [f64; 2] {
        [
            self.center[0] + ((p.x - rect.center().x) / (rect.width() / 2.0)) as f64 * self.half[0],
            self.center[1]
                - ((p.y - rect.center().y) / (rect.height() / 2.0)) as f64 * self.half[1],
        ]
    }

    /// Zooms by `factor` (< 1 zooms in) keeping the data point under `anchor` in place.
    pub fn zoom(&mut self, rect: Rect, anchor: Pos2, factor: f64) {
        let a = self.to_data(rect, anchor);
        for ((half, center), a) in self.half.iter_mut().zip(&mut self.center).zip(a) {
            *half *= factor;
            *center = a + (*center - a) * factor;
        }
    }

    pub fn pan(&mut self, rect: Rect, delta: Vec2) {
        self.center[0] -= (delta.x / (rect.width() / 2.0)) as f64 * self.half[0];
        self.center[1] += (delta.y / (rect.height() / 2.0)) as f64 * self.half[1];
    }
}

/// Paints `points` into `rect` under `view`: by the GPU callback when `gpu`, else as a mesh.
pub fn paint_points(
    painter: &egui::Painter,
    rect: Rect,
    points: &PointSet,
    view: &MapView,
    radius_px: f32,
    gpu: bool,
) {
    if gpu {
        let uniform = ViewUniform {
            center: [view.center[0] as f32, view.center[1] as f32],
            scale: [(1.0 / view.half[0]) as f32, (1.0 / view.half[1]) as f32],
            radius: [
                2.0 * radius_px / rect.width(),
                2.0 * radius_px / rect.height(),
            ],
            _pad: [0.0; 2],
        };
        painter.add(egui_wgpu::Callback::new_paint_callback(
            rect,
            Callback {
                points: points.clone(),
                view: uniform,
            },
        ));
        return;
    }
    let mut mesh = egui::Mesh::default();
    for v in points.vertices.iter() {
        let p = view.to_screen(rect, [v.position[0] as f64, v.position[1] as f64]);
        if !rect.contains(p) {
            continue;
        }
        let c = Color32::from_rgba_unmultiplied(v.color[0], v.color[1], v.color[2], v.color[3]);
        mesh.add_colored_rect(Rect::from_center_size(p, Vec2::splat(radius_px * 2.0)), c);
    }
    painter.add(mesh);
}

/// The index of the point nearest to `pointer` within `max_px` pixels.
pub fn nearest(
    xy: &[[f32; 2]],
    visible: impl Fn(usize) -> bool,
    view: &MapView,
    rect: Rect,
    pointer: Pos2,
    max_px: f32,
) -> Option<usize> {
    let d = view.to_data(rect, pointer);
    let sx = rect.width() as f64 / (2.0 * view.half[0]);
    let sy = rect.height() as f64 / (2.0 * view.half[1]);
    let mut best = (max_px as f64 * max_px as f64, None);
    for (i, p) in xy.iter().enumerate() {
        let dx = (p[0] as f64 - d[0]) * sx;
        let dy = (p[1] as f64 - d[1]) * sy;
        let dist = dx * dx + dy * dy;
        if dist < best.0 && visible(i) {
            best = (dist, Some(i));
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_data_coordinates_round_trip() {
        let view = MapView::fit(&[[-2.0, 1.0], [4.0, 3.0]]);
        let rect = Rect::from_min_size(pos2(10.0, 20.0), egui::vec2(300.0, 200.0));
        let p = [1.5, 2.5];
        let back = view.to_data(rect, view.to_screen(rect, p));
        assert!((back[0] - p[0]).abs() < 1e-4 && (back[1] - p[1]).abs() < 1e-4);
        let mut zoomed = view;
        let anchor = view.to_screen(rect, p);
        zoomed.zoom(rect, anchor, 0.5);
        let still = zoomed.to_data(rect, anchor);
        assert!((still[0] - p[0]).abs() < 1e-4 && (still[1] - p[1]).abs() < 1e-4);
        let hit = nearest(
            &[[0.0, 0.0], [1.5, 2.5]],
            |_| true,
            &view,
            rect,
            anchor,
            5.0,
        );
        assert_eq!(hit, Some(1));
    }
}
