//! `cellspace bench`: training, encoding and decoding throughput per model and backend.

use std::time::Instant;

use burn::module::Module;
use burn::optim::AdamConfig;
use burn::tensor::{Tensor, TensorData};
use clap::Args;
use serde::Serialize;

use crate::backend::Backend;
use crate::data::Dataset;
use crate::model::{GraphVae, ModelKind, VaeConfig};
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
    /// Threads the training and encoding were split over (decoding runs on one).
    threads: usize,
    parameters: usize,
    /// Seconds from the process's start to the end of this model's first training batch
    /// (the rows before it included): what a user waits before the first figure.
    first_batch_seconds: f64,
    /// That first batch alone (model built, kernels compiled on a GPU, one step).
    first_batch_step_seconds: f64,
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
) -> anyhow::Result<Measured> {
    let built = Instant::now();
    let nodes = space.max_nodes();
    let config = VaeConfig::paper(model_kind);
    let threads = crate::threads::workers_for(device);
    device.seed(0);
    let train_device = device.clone().autodiff();
    let mut model = GraphVae::new(&config, space, &train_device);
    let parameters = model.num_params();
    let mut optim = AdamConfig::new().init();
    // The training loop's own step: data-parallel over the threads on the CPU.
    let mut step = |model: GraphVae, chunk: &[&Cell]| {
        let s = crate::train::batch_step(&model, chunk, nodes, &config, &train_device, threads);
        optim.step(1e-4, model, s.grads)
    };
    // One warm-up step (shader compilation on a GPU, allocation on the CPU).
    model = step(model, &cells[..32]);
    let (first_batch, first_batch_step) =
        (super::seconds_since_start(), built.elapsed().as_secs_f64());
    eprintln!(
        "  first batch done {first_batch:.1} s after the start ({first_batch_step:.1} s for the \
         batch itself)"
    );
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
    // Encoding as `embed`, `eval` and the explorer do it (chunks of 256 over the threads),
    // after a warm-up with the timed shapes (a GPU backend compiles kernels per shape).
    crate::latent::latent_means(&model, graphs, space, device)?;
    let started = Instant::now();
    let means = crate::latent::latent_means(&model, graphs, space, device)?;
    let encode = graphs.len() as f64 / started.elapsed().as_secs_f64();
    eprintln!("  encoding: {encode:.1} graphs/s");
    let latent = model.latent();
    // Decoding as `eval` does it: stochastic, pieces of 128 (the references' batch) over the
    // threads, each piece drawing from its own seeded generator.
    let pieces: Vec<(u64, Vec<f32>)> = means
        .chunks(128)
        .enumerate()
        .map(|(i, rows)| (i as u64, rows.iter().flatten().copied().collect()))
        .collect();
    let decode_piece = |(seed, flat): &(u64, Vec<f32>)| -> anyhow::Result<usize> {
        let z = Tensor::<2>::from_data(
            TensorData::new(flat.clone(), [flat.len() / latent, latent]),
            device,
        );
        let mut noise = crate::model::Noise::seeded(*seed);
        Ok(model
            .decode_drawing(&z, true, crate::model::Readout::Union, &mut noise)?
            .len())
    };
    if let Some(first) = pieces.first() {
        decode_piece(first)?;
    }
    let started = Instant::now();
    let mut decoded = 0;
    for n in crate::threads::map_ordered(threads, &pieces, decode_piece) {
        decoded += n?;
    }
    let decode = decoded as f64 / started.elapsed().as_secs_f64();
    eprintln!("  decoding: {decode:.1} graphs/s");
    Ok(Measured {
        parameters,
        first_batch,
        first_batch_step,
        rates: [train, encode, decode],
    })
}

/// What [`measure`] found for one model on one backend.
struct Measured {
    parameters: usize,
    /// Seconds from the process's start to the end of the first training batch.
    first_batch: f64,
    /// Seconds of that batch alone.
    first_batch_step: f64,
    /// Graphs per second: training, encoding, decoding.
    rates: [f64; 3],
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let data = Dataset::bundled(args.space)?;
    let cells: Vec<&Cell> = data.train().map(|r| &r.cell).collect();
    anyhow::ensure!(cells.len() >= 64, "too few cells to benchmark");
    let models = if args.models.is_empty() {
        ModelKind::on(args.space).collect()
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
            let Measured {
                parameters,
                first_batch,
                first_batch_step,
                rates: [train, encode, decode],
            } = measure(model, args.space, &cells, args, &chosen.device)?;
            rows.push(BenchRow {
                model: model.name(),
                backend: chosen.label.clone(),
                threads: crate::threads::workers_for(&chosen.device),
                parameters,
                first_batch_seconds: first_batch,
                first_batch_step_seconds: first_batch_step,
                train_graphs_per_second: train,
                encode_graphs_per_second: encode,
                decode_graphs_per_second: decode,
            });
        }
    }
    // Each model is compared with its own reference implementation in BENCHMARKS.md,
    // measured in one run on one machine; no single constant stands for all of them.
    if args.json {
        println!(
            "{}",
            serde_json::json!({"space": args.space.name(), "cores": crate::threads::cores(), "rows": rows})
        );
        return Ok(());
    }
    println!(
        "{} (graphs/s; {} cores on this machine)",
        args.space,
        crate::threads::cores()
    );
    println!(
        "{:<9} {:<28} {:>8} {:>10} {:>12} {:>10} {:>10} {:>10}",
        "model", "backend", "threads", "params", "1st batch s", "train", "encode", "decode"
    );
    for r in &rows {
        println!(
            "{:<9} {:<28} {:>8} {:>10} {:>12.1} {:>10.1} {:>10.1} {:>10.1}",
            r.model,
            r.backend,
            r.threads,
            r.parameters,
            r.first_batch_seconds,
            r.train_graphs_per_second,
            r.encode_graphs_per_second,
            r.decode_graphs_per_second,
        );
    }
    Ok(())
}
