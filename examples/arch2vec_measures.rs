//! arch2vec's figures measured the way its own code measures them, beside cellspace's
//! (REPRODUCTION.md, the arch2vec gaps). Read in AIoT-MLSys-Lab/arch2vec
//! (`models/pretraining_nasbench101.py`, `pretraining_nasbench201.py`, `utils/utils.py`).
//!
//! Reconstruction: arch2vec's code scores each element, the share of node operations and of
//! adjacency entries (upper triangle) decoded right, where cellspace counts whole cells.
//! Both are printed for the first 2,000 test cells, decoded from their latent means.
//!
//! Prior decodings: points drawn as `cellspace eval` draws them (a normal fitted to the
//! training cells' latent means, as arch2vec's code does), each decoded once, as arch2vec's
//! code decodes its 10,000 points. Validity is counted by cellspace's rule and by the
//! reference's:
//! - NB101: cellspace cuts the decoded matrix at its first output node and prunes; arch2vec
//!   hands the whole 7×7 matrix to the NASBench API, which prunes to the vertices on a path
//!   from vertex 0 to vertex 6 and then asks for input and output at those two ends: a cell
//!   decoded with its output before row 6 is invalid there.
//! - NB201: cellspace checks the operations and the fixed wiring; arch2vec's
//!   `is_valid_nasbench201` checks the operations only (and not the first inner node's).
//!
//! Uniqueness (distinct valid decodings among the valid ones) and novelty (valid decodings not
//! among the training cells) are printed under both rules: keyed on the cell cellspace reads
//! (pruned on NB101), and on the decoded matrix as it is (arch2vec's code hashes the unpruned
//! matrix with its one-hot operations; the key here is the matrix itself, in decoding order).
//! On NB101, novelty keyed on the matrix counts a decoding whose pruning changed it as new, as
//! a table of pruned cells cannot hold it.
//!
//! `cargo run --release --example arch2vec_measures -- [RUN] [POINTS]` (defaults:
//! assets/models/arch2vec-nb101, 10000; an NB201 run takes the NB201 rules).

use std::collections::HashSet;

use burn::tensor::{Device, Tensor, TensorData};
use cellspace::data::Dataset;
use cellspace::model::{Arch2vec, DecodedGraph, GraphVae, Noise};
use cellspace::run::Run;
use cellspace::space::{Cell, FIRST_OP, INPUT, OUTPUT, SpaceKind};

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
    let space = run.space();
    anyhow::ensure!(
        space != SpaceKind::Enas,
        "{dir}: arch2vec has no ENAS rules"
    );
    let data = Dataset::bundled(space)?;
    let means = run.latents(&data, &cellspace::jobs::NEVER)?.means;
    let test: Vec<&Cell> = data.test().take(2000).map(|r| &r.cell).collect();
    reconstruction(model, &test, &means_of(&data, &means, 2000), &device)?;

    let (centre, spread) = fitted_normal(&data.split.train, &means);
    let latent = centre.len();
    let row = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [1, latent]), &device);
    let (centre, spread) = (row(&centre), row(&spread));
    let train: HashSet<&Cell> = data.train().map(|r| &r.cell).collect();
    let train_matrices: HashSet<Matrix> = data.train().map(|r| Matrix::of_cell(&r.cell)).collect();
    let mut ours = Tally::default();
    let mut theirs = Tally::default();
    let mut noise = Noise::seeded(0);
    for chunk in (0..points).collect::<Vec<_>>().chunks(500) {
        let z = noise.normal([chunk.len(), latent], &device) * spread.clone() + centre.clone();
        for g in model.decode(&z)? {
            let matrix = Matrix::of_decoded(&g);
            let new_matrix = !train_matrices.contains(&matrix);
            // The cell cellspace reads, where its rule finds one; arch2vec's rule may accept a
            // decoding without one, which is then keyed and counted new by its matrix.
            let cell = model.read(&g).ok().filter(|c| space.is_valid(c));
            let new_cell = cell.as_ref().is_none_or(|c| !train.contains(c));
            let key = cell
                .as_ref()
                .map_or_else(|| matrix.clone(), Matrix::of_cell);
            if cell.is_some() {
                ours.count(key.clone(), new_cell, matrix.clone(), new_matrix);
            }
            let valid = match space {
                SpaceKind::Nb101 => reference_valid_nb101(&g),
                _ => reference_valid_nb201(&g),
            };
            if valid {
                theirs.count(key, new_cell, matrix, new_matrix);
            }
        }
    }
    println!("{dir}: {points} prior points, each decoded once");
    ours.print("cellspace's validity rule", points);
    theirs.print("arch2vec's validity rule", points);
    Ok(())
}

/// A decoding as arch2vec's code keys it: the node types and the upper triangle as decoded.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Matrix(Vec<u8>, Vec<bool>);

impl Matrix {
    /// The decoding up to its last node with an edge: the rows after it have none, as
    /// arch2vec's zero padding after a smaller cell (their types are left out).
    fn of_decoded(g: &DecodedGraph) -> Self {
        let n = g.nodes;
        let used = (0..n)
            .rev()
            .find(|&v| (0..n).any(|u| g.adj[u * n + v] || g.adj[v * n + u]))
            .map_or(1, |v| v + 1);
        let adj = (0..used * used)
            .map(|i| g.adj[(i / used) * n + i % used])
            .collect();
        Self(g.types[..used].to_vec(), adj)
    }

    fn of_cell(cell: &Cell) -> Self {
        let n = cell.len();
        let mut adj = vec![false; n * n];
        for (u, v) in cell.edges() {
            adj[u * n + v] = true;
        }
        Self(cell.types().to_vec(), adj)
    }
}

/// Valid decodings under one rule: how many, how many distinct, how many new.
#[derive(Default)]
struct Tally {
    valid: usize,
    distinct_cells: HashSet<Matrix>,
    distinct_matrices: HashSet<Matrix>,
    new_cells: usize,
    new_matrices: usize,
}

impl Tally {
    fn count(&mut self, cell: Matrix, new_cell: bool, matrix: Matrix, new_matrix: bool) {
        self.valid += 1;
        self.distinct_cells.insert(cell);
        self.distinct_matrices.insert(matrix);
        self.new_cells += usize::from(new_cell);
        self.new_matrices += usize::from(new_matrix);
    }

    fn print(&self, rule: &str, points: usize) {
        let pct = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
        println!("  {rule}");
        println!(
            "    valid                            {:6.2} %",
            pct(self.valid, points)
        );
        let line = |what: &str, n: usize| println!("    {what:<33}{:6.2} %", pct(n, self.valid));
        line("unique, keyed on the cell", self.distinct_cells.len());
        line("unique, keyed on the matrix", self.distinct_matrices.len());
        line("novel, keyed on the cell", self.new_cells);
        line("novel, keyed on the matrix", self.new_matrices);
    }
}

/// arch2vec's NB101 validity: the NASBench API's `ModelSpec` prunes the decoded 7×7 matrix to
/// the vertices both reachable from vertex 0 and reaching the last vertex (a spec whose input
/// does not reach that vertex is invalid), then `is_valid` asks for an input first, an output
/// last, operations between and at most 9 edges. Pruned vertices may carry any type.
fn reference_valid_nb101(g: &DecodedGraph) -> bool {
    let n = g.nodes;
    let edge = |u: usize, v: usize| g.adj[u * n + v];
    let mut from = vec![false; n];
    from[0] = true;
    for v in 1..n {
        from[v] = (0..v).any(|u| from[u] && edge(u, v));
    }
    let mut to = vec![false; n];
    to[n - 1] = true;
    for u in (0..n - 1).rev() {
        to[u] = (u + 1..n).any(|v| to[v] && edge(u, v));
    }
    if !from[n - 1] {
        return false;
    }
    let kept: Vec<usize> = (0..n).filter(|&v| from[v] && to[v]).collect();
    let at = |v: usize| kept.iter().position(|&k| k == v);
    let mut edges = Vec::new();
    for u in 0..n {
        for v in u + 1..n {
            if let (true, Some(a), Some(b)) = (edge(u, v), at(u), at(v)) {
                edges.push((a, b));
            }
        }
    }
    let types = kept.iter().map(|&v| g.types[v]).collect();
    Cell::new(types, &edges).is_ok_and(|c| c.edge_count() <= 9)
}

/// arch2vec's `is_valid_nasbench201`: an input first, an output last, and operations at
/// positions 2 to 6 (its loop starts at 2); the adjacency is not looked at.
fn reference_valid_nb201(g: &DecodedGraph) -> bool {
    let n = g.nodes;
    g.types[0] == INPUT
        && g.types[n - 1] == OUTPUT
        && g.types[2..n - 1].iter().all(|&t| t >= FIRST_OP)
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
    model: &Arch2vec,
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
