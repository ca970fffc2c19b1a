//! Enumeration of every NAS-Bench-101 cell, re-implementing google-research/nasbench
//! `scripts/generate_graphs.py`: all upper-triangular "full" DAGs of 2..=7 vertices with at
//! most 9 edges, every labelling of their inner vertices, one representative per hash.

use std::collections::HashSet;

use super::nb101::{MAX_EDGES, MAX_VERTICES, OP_NAMES, hash_raw, is_full_dag};
use super::{Cell, FIRST_OP, INPUT, OUTPUT};

/// One unique NB101 cell: its official hash and the first-generated representative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumeratedCell {
    pub hash: String,
    pub cell: Cell,
}

/// The graph for `bits`: edge x -> y (x < y) iff bit `x + y(y-1)/2` is set (`gen_is_edge_fn`).
fn graph_edges(vertices: usize, bits: u32) -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    for y in 1..vertices {
        for x in 0..y {
            if bits >> (x + y * (y - 1) / 2) & 1 == 1 {
                edges.push((x, y));
            }
        }
    }
    edges
}

/// Every labelling of `inner` vertices in `itertools.product` order (first vertex most
/// significant).
fn labellings(inner: usize) -> impl Iterator<Item = Vec<u8>> {
    let ops = OP_NAMES.len();
    (0..ops.pow(inner as u32)).map(move |mut code| {
        let mut labels = vec![0u8; inner];
        for slot in labels.iter_mut().rev() {
            *slot = (code % ops) as u8;
            code /= ops;
        }
        labels
    })
}

/// Hashed labelled graphs of one range of bit patterns, in generation order.
type Hashed = Vec<([u8; 32], Cell)>;

/// Hashes of every labelled graph with `vertices` vertices and bit patterns in `range`, in
/// generation order.
fn hash_range(vertices: usize, range: std::ops::Range<u32>) -> Hashed {
    let mut out = Vec::new();
    for bits in range {
        if bits.count_ones() as usize > MAX_EDGES {
            continue;
        }
        let edges = graph_edges(vertices, bits);
        let mut skeleton_types = vec![FIRST_OP; vertices];
        skeleton_types[0] = INPUT;
        skeleton_types[vertices - 1] = OUTPUT;
        let Ok(skeleton) = Cell::new(skeleton_types, &edges) else {
            continue;
        };
        if !is_full_dag(&skeleton) {
            continue;
        }
        for labels in labellings(vertices - 2) {
            let mut types = vec![INPUT];
            types.extend(labels.iter().map(|l| l + FIRST_OP));
            types.push(OUTPUT);
            let Ok(cell) = Cell::new(types, &edges) else {
                continue;
            };
            out.push((hash_raw(&cell), cell));
        }
    }
    out
}

/// Enumerates the unique NB101 cells with at most `max_vertices` vertices, in generation
/// order, hashing on up to `threads` threads. With `max_vertices = 7` the result has
/// 423,624 cells. `progress` is called after each vertex count with (vertices, unique so far).
pub fn enumerate_nb101(
    max_vertices: usize,
    threads: usize,
    mut progress: impl FnMut(usize, usize),
) -> Vec<EnumeratedCell> {
    let max_vertices = max_vertices.min(MAX_VERTICES);
    let threads = threads.max(1);
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    let mut unique = Vec::new();
    for vertices in 2..=max_vertices {
        let total = 1u32 << (vertices * (vertices - 1) / 2);
        // Many small chunks interleaved over the threads keep them evenly loaded.
        let chunks = (threads as u32 * 16).min(total);
        let bounds: Vec<u32> = (0..=chunks)
            .map(|c| (total as u64 * c as u64 / chunks as u64) as u32)
            .collect();
        let mut results: Vec<Hashed> = vec![Vec::new(); chunks as usize];
        std::thread::scope(|scope| {
            let mut slots: Vec<(usize, &mut Hashed)> = results.iter_mut().enumerate().collect();
            let mut per_thread: Vec<Vec<(usize, &mut Hashed)>> =
                (0..threads).map(|_| Vec::new()).collect();
            for (k, slot) in slots.drain(..) {
                per_thread[k % threads].push((k, slot));
            }
            for work in per_thread {
                let bounds = &bounds;
                scope.spawn(move || {
                    for (k, slot) in work {
                        *slot = hash_range(vertices, bounds[k]..bounds[k + 1]);
                    }
                });
            }
        });
        for (fingerprint, cell) in results.into_iter().flatten() {
            if seen.insert(fingerprint) {
                let hash = String::from_utf8_lossy(&fingerprint).into_owned();
                unique.push(EnumeratedCell { hash, cell });
            }
        }
        progress(vertices, unique.len());
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_match_the_published_ones() {
        // Counts by vertex count from the reference list: 2:1, 3:6, 4:84, 5:2,441.
        let cells = enumerate_nb101(5, 2, |_, _| {});
        let count = |n: usize| cells.iter().filter(|c| c.cell.len() == n).count();
        assert_eq!((count(2), count(3), count(4), count(5)), (1, 6, 84, 2441));
    }

    #[test]
    fn labellings_follow_itertools_product() {
        let all: Vec<Vec<u8>> = labellings(2).collect();
        assert_eq!(all.len(), 9);
        assert_eq!(all[0], vec![0, 0]);
        assert_eq!(all[1], vec![0, 1]);
        assert_eq!(all[3], vec![1, 0]);
    }
}
