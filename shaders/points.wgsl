// The latent map's point cloud: one instanced quad per cell, cut to a disc in the fragment
// stage. Positions are in data coordinates; the uniform maps the visible window to clip space.

struct View {
    center: vec2<f32>,
    scale: vec2<f32>,
    radius: vec2<f32>,
    _pad: vec2<f32>,
};

@group(0) @binding(0) var<uniform> view: View;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) corner: vec2<f32>,
};

const CORNERS = array<vec2<f32>, 6>(
    vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
    vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
);

@vertex
fn vs_main(
    @builtin(vertex_index) vertex: u32,
    @location(0) point: vec2<f32>,
    @location(1) color: vec4<f32>,
) -> VertexOut {
    let corner = CORNERS[vertex];
    var out: VertexOut;
    let center = (point - view.center) * view.scale;
    out.position = vec4<f32>(center + corner * view.radius, 0.0, 1.0);
    // Premultiplied alpha, as egui blends.
    out.color = vec4<f32>(color.rgb * color.a, color.a);
    out.corner = corner;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let d = dot(in.corner, in.corner);
    if d > 1.0 {
        discard;
    }
    // A soft rim keeps dense regions readable.
    let edge = smoothstep(0.6, 1.0, d);
    return in.color * (1.0 - 0.35 * edge);
}
