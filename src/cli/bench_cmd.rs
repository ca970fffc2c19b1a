//! `cellspace bench`: training, encoding and decoding throughput per model and backend.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use clap::Args;
use serde::Serialize;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::model::{GraphBatch, GraphVae, ModelKind, VaeConfig};
use crate::space::{Cell, SpaceKind};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, value_enum, default_value = "enas")]
    pub space: SpaceKind,
    /// Models to measure (default: all four).
    #[arg(long, value_enum, num_args = 1..)]
    pub models: Vec<ModelKind>,
    /// Backends to measure (default: cpu, and wgpu when a GPU exists).
    #[arg(long, value_enum, num_args = 1..)]
    pub backends: Vec<Backend>,
    /// Training batches to time (batch size 32).
    #[arg(long, default_value_t = 20)]
    pub train_batches: usize,
    /// Graphs to encode and to decode.
    #[arg(long, default_value_t = 1024)]
    pub graphs: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct BenchRow {
    model: &'static str,
    backend: String,
    parameters: usize,
    train_graphs_per_second: f64,
    encode_graphs_per_second: f64,
    decode_graphs_per_second: f64,
}

fn measure(
    model_kind: ModelKind,
    space: SpaceKind,
    cells: &[&Cell],
    args: &BenchArgs,
    device: &burn::tensor::Device,
) -> Result<(usize, [f64; 3]), String> {
    let nodes = space.max_nodes();
    let config = VaeConfig::paper(model_kind);
    device.seed(0);
    let train_device = device.clone().autodiff();
    let mut model = GraphVae::new(&config, space, &train_device);
    let parameters = model.num_params();
    let mut optim = AdamConfig::new().init();
    let mut step = |model: GraphVae, chunk: &[&Cell]| {
        let batch = GraphBatch::new(chunk, nodes, &train_device);
        let parts = model.loss(&batch, config.kl_weight, config.noise_scale);
        let _ = parts.total.clone().into_scalar::<f32>();
        let grads = GradientsParams::from_grads(parts.total.backward(), &model);
        optim.step(1e-4, model, grads)
    };
    // One warm-up step (shader compilation on a GPU, allocation on the CPU).
    model = step(model, &cells[..32]);
    let started = Instant::now();
    let mut trained = 0;
    for chunk in cells.chunks(32).take(args.train_batches) {
        model = step(model, chunk);
        trained += chunk.len();
    }
    let train = trained as f64 / started.elapsed().as_secs_f64();
    // Each figure as soon as it is measured, so a run stopped early still reports something.
    eprintln!("  training: {train:.1} graphs/s");

    let model = model.valid();
    let graphs = &cells[..args.graphs.min(cells.len())];
    // Warm-up with the timed chunk size: a GPU backend compiles kernels per shape.
    let warm = GraphBatch::new(&graphs[..256.min(graphs.len())], nodes, device);
    let _ = model.encode(&warm).0.into_data();
    let started = Instant::now();
    let mut latents = Vec::new();
    for chunk in graphs.chunks(256) {
        let (mu, _) = model.encode(&GraphBatch::new(chunk, nodes, device));
        latents.push(mu.clone());
        let _ = mu.into_data();
    }
    let encode = graphs.len() as f64 / started.elapsed().as_secs_f64();
    eprintln!("  encoding: {encode:.1} graphs/s");
    if let Some(first) = latents.first() {
        model.decode(first, true)?;
    }
    let started = Instant::now();
    let mut decoded = 0;
    for z in &latents {
        decoded += model.decode(z, true)?.len();
    }
    let decode = decoded as f64 / started.elapsed().as_secs_f64();
    eprintln!("  decoding: {decode:.1} graphs/s");
    Ok((parameters, [train, encode, decode]))
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let data = Dataset::bundled(args.space)?;
    let cells: Vec<&Cell> = data.train().map(|r| &r.cell).collect();
    anyhow::ensure!(cells.len() >= 64, "too few cells to benchmark");
    let models = if args.models.is_empty() {
        vec![
            ModelKind::Svge,
            ModelKind::Dvae,
            ModelKind::DvaeEmb,
            ModelKind::GcnEmb,
        ]
    } else {
        args.models.clone()
    };
    let backends = if args.backends.is_empty() {
        let mut b = vec![Backend::Cpu];
        if crate::backend::gpu_adapter().is_ok() {
            b.push(Backend::Wgpu);
        }
        b
    } else {
        args.backends.clone()
    };
    let mut rows = Vec::new();
    for backend in backends {
        let chosen = crate::backend::choose(backend);
        if let Some(reason) = &chosen.fallback {
            eprintln!("note: {reason}");
        }
        for &model in &models {
            if !args.json {
                eprintln!("measuring {} on {} …", model.name(), chosen.label);
            }
            let (parameters, [train, encode, decode]) =
                measure(model, args.space, &cells, args, &chosen.device)
                    .map_err(anyhow::Error::msg)?;
            rows.push(BenchRow {
                model: model.name(),
                backend: chosen.label.clone(),
                parameters,
                train_graphs_per_second: train,
                encode_graphs_per_second: encode,
                decode_graphs_per_second: decode,
            });
        }
    }
    // The public PyTorch D-VAE on a 2-core machine (issue "Graph VAEs"): 70 / 900 / 365 graphs/s.
    const REFERENCE: [f64; 3] = [70.0, 900.0, 365.0];
    if args.json {
        println!(
            "{}",
            serde_json::json!({"space": args.space.name(), "rows": rows, "reference_pytorch_dvae_2core": REFERENCE})
        );
        return Ok(());
    }
    println!(
        "{} (graphs/s; ratio to PyTorch D-VAE on 2 cores: 70 train, 900 encode, 365 decode)",
        args.space
    );
    println!(
        "{:<9} {:<28} {:>10} {:>14} {:>14} {:>14}",
        "model", "backend", "params", "train", "encode", "decode"
    );
    for r in &rows {
        println!(
            "{:<9} {:<28} {:>10} {:>8.0} ×{:<4.2} {:>8.0} ×{:<4.2} {:>8.0} ×{:<4.2}",
            r.model,
            r.backend,
            r.parameters,
            r.train_graphs_per_second,
            r.train_graphs_per_second / REFERENCE[0],
            r.encode_graphs_per_second,
            r.encode_graphs_per_second / REFERENCE[1],
            r.decode_graphs_per_second,
            r.decode_graphs_per_second / REFERENCE[2]
        );
    }
    Ok(())
}
