//! Two of arch2vec's figures measured the way its own code measures them, beside cellspace's
//! (REPRODUCTION.md, the arch2vec NB101 gaps).
//!
//! Reconstruction: arch2vec's code scores each element, the share of node operations and of
//! adjacency entries (upper triangle, 7×7) decoded right, where cellspace counts whole cells.
//! Both are printed for the first 2,000 test cells, decoded from their latent means.
//!
//! Novelty: how NAS-Bench-101's pruning bears on it. arch2vec decodes a full 7×7
//! adjacency matrix; a decoding whose operations do not all lie on an input → output path is a
//! valid NB101 cell only after pruning (the NASBench API prunes in `is_valid`, and so does
//! cellspace). A hash taken before pruning, as arch2vec's own code does for uniqueness, finds
//! such a decoding in no table of pruned cells: counted that way it is always "novel".
//!
//! Draws prior points as `cellspace eval` does (a normal fitted to the training cells' latent
//! means), decodes each once, and prints validity, the share of valid decodings pruning changed,
//! and novelty counted after pruning (cellspace) and before it.
//!
//! `cargo run --release --example arch2vec_measures -- [RUN] [POINTS]` (defaults:
//! assets/models/arch2vec-nb101, 10000).

use std::collections::HashSet;

use burn::tensor::{Device, Tensor, TensorData};
use cellspace::data::Dataset;
use cellspace::model::{GraphVae, Noise};
use cellspace::run::Run;
use cellspace::space::{Cell, SpaceKind, nb101};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "assets/models/arch2vec-nb101".into());
    let points: usize = args.next().map_or(Ok(10_000), |p| p.parse())?;
    let device = Device::flex();
    let run = Run::open(std::path::Path::new(&dir), &device)?;
    let GraphVae::Arch2vec(model) = &run.model else {
        anyhow::bail!("{dir}: not an arch2vec run");
    };
    anyhow::ensure!(run.space() == SpaceKind::Nb101, "{dir}: not an NB101 run");
    let data = Dataset::bundled(SpaceKind::Nb101)?;
    let means = run.latents(&data, &cellspace::jobs::NEVER)?.means;
    let (centre, spread) = fitted_normal(&data.split.train, &means);
    let latent = centre.len();
    let row = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [1, latent]), &device);
    let (centre, spread) = (row(&centre), row(&spread));
    let train: HashSet<&Cell> = data.train().map(|r| &r.cell).collect();
    let test: Vec<&Cell> = data.test().take(2000).map(|r| &r.cell).collect();
    reconstruction(model, &test, &means_of(&data, &means, 2000), &device)?;

    let mut noise = Noise::seeded(0);
    let (mut valid, mut pruned, mut novel_after, mut novel_before) = (0, 0, 0, 0);
    for chunk in (0..points).collect::<Vec<_>>().chunks(500) {
        let z = noise.normal([chunk.len(), latent], &device) * spread.clone() + centre.clone();
        for g in model.decode(&z)? {
            let Ok(whole) = g.forward_checked() else {
                continue;
            };
            let Ok(cell) = model.read(&g) else { continue };
            if SpaceKind::Nb101.validate(&cell).is_err() {
                continue;
            }
            valid += 1;
            let changed = nb101::prune(&whole).as_ref() != Some(&whole);
            pruned += usize::from(changed);
            novel_after += usize::from(!train.contains(&cell));
            novel_before += usize::from(changed || !train.contains(&cell));
        }
    }
    let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    println!("{dir}: {points} prior points, each decoded once");
    println!(
        "  valid                              {:6.2} %",
        pct(valid, points)
    );
    println!(
        "  valid decodings pruning changed    {:6.2} %",
        pct(pruned, valid)
    );
    println!(
        "  novel, counted after pruning       {:6.2} %",
        pct(novel_after, valid)
    );
    println!(
        "  novel, counted before pruning      {:6.2} %",
        pct(novel_before, valid)
    );
    Ok(())
}

/// The latent means of the first `n` test cells, as one tensor.
fn means_of(data: &Dataset, means: &[Vec<f32>], n: usize) -> Vec<Vec<f32>> {
    data.split
        .test
        .iter()
        .take(n)
        .map(|&i| means[i].clone())
        .collect()
}

/// Whole-cell and per-element reconstruction of `cells` from their latent means `mu`.
fn reconstruction(
    model: &cellspace::model::Arch2vec,
    cells: &[&Cell],
    mu: &[Vec<f32>],
    device: &Device,
) -> anyhow::Result<()> {
    let latent = mu.first().map_or(0, Vec::len);
    let flat: Vec<f32> = mu.iter().flatten().copied().collect();
    let z = Tensor::<2>::from_data(TensorData::new(flat, [mu.len(), latent]), device);
    let (mut whole, mut ops, mut op_slots, mut adj, mut adj_slots) = (0, 0, 0, 0, 0);
    for (g, cell) in model.decode(&z)?.iter().zip(cells) {
        whole += usize::from(model.read(g).ok().as_ref() == Some(*cell));
        let n = cell.len();
        ops += (0..n).filter(|&i| g.types[i] == cell.types()[i]).count();
        op_slots += n;
        for u in 0..g.nodes {
            for v in u + 1..g.nodes {
                let truth = u < n && v < n && cell.has_edge(u, v);
                adj += usize::from(g.adj[u * g.nodes + v] == truth);
                adj_slots += 1;
            }
        }
    }
    let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    println!("{} test cells decoded from their means", cells.len());
    println!(
        "  whole cells right (cellspace)      {:6.2} %",
        pct(whole, cells.len())
    );
    println!(
        "  operations right (arch2vec)        {:6.2} %",
        pct(ops, op_slots)
    );
    println!(
        "  adjacency entries right (arch2vec) {:6.2} %",
        pct(adj, adj_slots)
    );
    Ok(())
}

/// Per-dimension mean and standard deviation of the training rows' latent means.
fn fitted_normal(train: &[usize], means: &[Vec<f32>]) -> (Vec<f32>, Vec<f32>) {
    let dims = means.first().map_or(0, Vec::len);
    let n = train.len().max(1) as f64;
    let mut centre = vec![0f64; dims];
    for &i in train {
        for (c, &v) in centre.iter_mut().zip(&means[i]) {
            *c += v as f64 / n;
        }
    }
    let mut var = vec![0f64; dims];
    for &i in train {
        for ((s, &v), c) in var.iter_mut().zip(&means[i]).zip(&centre) {
            *s += (v as f64 - c).powi(2) / n;
        }
    }
    let f = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect();
    (f(centre), f(var.into_iter().map(f64::sqrt).collect()))
}
