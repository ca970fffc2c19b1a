//! The SVGe paper's extrapolation cells (Section IV-E): a NAS-Bench-101 cell grown by one
//! operation node, e.g. to 8 nodes, outside the benchmark (which stops at 7). The reference code
//! (automl/SVGe, `Extrapolation_Ability`) grows the best cell in two families, each new node
//! taking one of the 3 operations:
//! - **before the output**: the new node takes over the output's in-edges and feeds the
//!   output; any subset of the old nodes (input included) may also feed the output directly;
//! - **after the input**: the new node takes over the input's out-edges and is fed by the
//!   input; any subset of the old nodes after the input (output included) may also be fed by
//!   the input directly.
//!
//! That is 2 x 3 x 2^(n-1) cells for an n-node cell: 384 for the best 7-node cell. The paper
//! counts 1,384 because its script adds 1,000 unseeded random 8-node graphs, many of them
//! invalid; they are not expansions of the cell and are left out here (REPRODUCTION.md).

use std::collections::HashSet;

use super::nb101::{OP_NAMES, hash};
use super::{Cell, FIRST_OP, MAX_NODES, OUTPUT, SpaceError};

/// Which family an expansion belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Growth {
    BeforeOutput,
    AfterInput,
}

/// One grown cell and how it was grown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expansion {
    pub cell: Cell,
    pub growth: Growth,
    /// The new node's type.
    pub op: u8,
}

/// Every expansion of `cell` by one operation node, without repeats (by NB101 hash), in the
/// order: before the output, then after the input; by operation; by subset.
pub fn expansions(cell: &Cell) -> Result<Vec<Expansion>, SpaceError> {
    let n = cell.len();
    if n + 1 > MAX_NODES {
        return Err(SpaceError::NodeCount {
            nodes: n + 1,
            max: MAX_NODES,
        });
    }
    let ops: Vec<u8> = (0..OP_NAMES.len() as u8).map(|k| FIRST_OP + k).collect();
    let mut out = Vec::with_capacity((2 * ops.len()) << (n - 1));
    let mut seen = HashSet::new();
    let mut keep = |e: Expansion| {
        if seen.insert(hash(&e.cell)) {
            out.push(e);
        }
    };
    let old = cell.edges();
    // Before the output: old nodes keep their indices, the new node is n - 1, the output n.
    for &op in &ops {
        for subset in 0u32..1 << (n - 1) {
            let mut types = cell.types()[..n - 1].to_vec();
            types.extend([op, OUTPUT]);
            // The output's in-edges (into index n - 1) now end at the new node, which has
            // taken that index: the old edges stay as they are.
            let mut edges = old.clone();
            edges.push((n - 1, n));
            edges.extend(
                (0..n - 1)
                    .filter(|v| subset & (1 << v) != 0)
                    .map(|v| (v, n)),
            );
            keep(Expansion {
                cell: Cell::new(types, &edges)?,
                growth: Growth::BeforeOutput,
                op,
            });
        }
    }
    // After the input: the new node is 1, old node v becomes v + 1 (the input stays 0).
    for &op in &ops {
        for subset in 0u32..1 << (n - 1) {
            let mut types = vec![cell.types()[0], op];
            types.extend_from_slice(&cell.types()[1..]);
            let mut edges: Vec<(usize, usize)> = old
                .iter()
                .map(|&(a, b)| (if a == 0 { 1 } else { a + 1 }, b + 1))
                .collect();
            edges.push((0, 1));
            edges.extend(
                (2..=n)
                    .filter(|v| subset & (1 << (v - 2)) != 0)
                    .map(|v| (0, v)),
            );
            keep(Expansion {
                cell: Cell::new(types, &edges)?,
                growth: Growth::AfterInput,
                op,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::nb101::{cell_from_strings, is_full_dag};

    /// The best NAS-Bench-101 cell the SVGe paper grows (by validation accuracy, as named in
    /// its extrapolation script).
    fn best_cell() -> Cell {
        cell_from_strings(
            7,
            "0110101000001000010000000100000001000000010000000",
            "00001",
        )
        .unwrap()
    }

    #[test]
    fn the_papers_best_cell_grows_into_384_distinct_eight_node_cells() {
        let cell = best_cell();
        assert_eq!(hash(&cell), "ba0a27cafe7d648aa57f7d5dd64c0b48");
        let grown = expansions(&cell).unwrap();
        assert_eq!(grown.len(), 2 * 3 * 64);
        let distinct: HashSet<String> = grown.iter().map(|e| hash(&e.cell)).collect();
        assert_eq!(distinct.len(), 384);
        for e in &grown {
            assert_eq!(e.cell.len(), 8);
            assert!(is_full_dag(&e.cell), "{:?}", e.cell);
            assert!((10..=16).contains(&e.cell.edge_count()), "{:?}", e.cell);
        }
        assert_eq!(
            grown
                .iter()
                .filter(|e| e.growth == Growth::AfterInput)
                .count(),
            192
        );
        // The cell the paper trained: conv3x3 after the input, which feeds all 7 later nodes.
        let trained = grown
            .iter()
            .find(|e| {
                e.growth == Growth::AfterInput
                    && e.op == FIRST_OP
                    && (1..8).all(|v| e.cell.has_edge(0, v))
            })
            .expect("the trained cell is an expansion");
        assert_eq!(trained.cell.edge_count(), 16);
    }

    #[test]
    fn a_chain_grows_both_ways_and_full_cells_are_refused() {
        // input -> conv1x1 -> output: 2 families x 3 ops x 4 subsets, minus repeats.
        let chain = Cell::new(vec![0, FIRST_OP + 1, OUTPUT], &[(0, 1), (1, 2)]).unwrap();
        let grown = expansions(&chain).unwrap();
        // 24 less the repeats: in -> a -> conv1x1 -> out grown before the output is the same
        // cell as in -> conv1x1 -> a -> out grown after the input when a is conv1x1, and so on.
        let repeats = 24 - grown.len();
        assert!((1..12).contains(&repeats), "{} cells", grown.len());
        assert!(
            grown
                .iter()
                .all(|e| e.cell.len() == 4 && is_full_dag(&e.cell))
        );
        let eight = expansions(&best_cell()).unwrap()[0].cell.clone();
        assert!(matches!(
            expansions(&eight),
            Err(SpaceError::NodeCount { nodes: 9, .. })
        ));
    }
}
