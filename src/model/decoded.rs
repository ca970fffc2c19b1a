//! Turning decoder output (node types and edges per step) back into cells.

use crate::space::{Cell, INPUT, OUTPUT, SpaceError};

/// What a decoder produced for one graph, in its own decoding order: `types[0]` is the start
/// node and `adj[u * nodes + v]` an edge u -> v in that order.
#[derive(Debug, Clone)]
pub struct DecodedGraph {
    pub types: Vec<u8>,
    pub adj: Vec<bool>,
    pub nodes: usize,
}

impl DecodedGraph {
    /// The cell decoded in forward order (input first), cut at the first output node; the
    /// reason when no output was produced or the graph is not a cell (e.g. an input in the
    /// middle): `eval` counts these reasons.
    pub fn forward_checked(&self) -> Result<Cell, SpaceError> {
        self.cell(OUTPUT, false)
    }

    /// The cell decoded in backward order (output first, input last), put back in forward
    /// order; the reason where there is none.
    pub fn backward_checked(&self) -> Result<Cell, SpaceError> {
        self.cell(INPUT, true)
    }

    fn cell(&self, end: u8, reversed: bool) -> Result<Cell, SpaceError> {
        let n = (1..self.nodes)
            .find(|&k| self.types[k] == end)
            .ok_or(SpaceError::NoEnd {
                end: if end == OUTPUT { "output" } else { "input" },
            })?
            + 1;
        let at = |i: usize| if reversed { n - 1 - i } else { i };
        let mut types = vec![0u8; n];
        for i in 0..n {
            types[at(i)] = self.types[i];
        }
        let mut edges = Vec::new();
        for u in 0..n {
            for v in 0..n {
                if self.adj[u * self.nodes + v] {
                    edges.push(if reversed { (at(v), at(u)) } else { (u, v) });
                }
            }
        }
        Cell::new(types, &edges)
    }
}

/// SVGe's two-sided output: the union of the edges of both directions when they agree on the
/// node types; otherwise the direction that produced a cell (forward first). When neither
/// did, the forward direction's reason.
pub fn union_checked(
    forward: Result<Cell, SpaceError>,
    backward: Result<Cell, SpaceError>,
) -> Result<Cell, SpaceError> {
    match (forward, backward) {
        (Ok(f), Ok(b)) if f.types() == b.types() => {
            let mut edges = f.edges();
            edges.extend(b.edges());
            edges.sort_unstable();
            edges.dedup();
            Cell::new(f.types().to_vec(), &edges)
        }
        (Ok(f), _) => Ok(f),
        (Err(_), Ok(b)) => Ok(b),
        (Err(f), Err(_)) => Err(f),
    }
}

/// Joins the first output node to every earlier node left without successors, and only to
/// those (D-VAE's decoders and the sequence baselines end a cell this way).
pub(super) fn connect_loose_ends(g: &mut DecodedGraph) {
    let n = g.nodes;
    let Some(end) = (1..n).find(|&k| g.types[k] == OUTPUT) else {
        return;
    };
    for u in 0..end {
        g.adj[u * n + end] = false;
    }
    for u in 0..end {
        let has_successor = (u + 1..end).any(|w| g.adj[u * n + w]);
        if !has_successor {
            g.adj[u * n + end] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_and_backward_parsing() {
        // Forward: input, op, output, then padding after the end.
        let nodes = 4;
        let mut adj = vec![false; 16];
        adj[1] = true; // 0 -> 1
        adj[4 + 2] = true; // 1 -> 2
        let g = DecodedGraph {
            types: vec![0, 2, 1, 3],
            adj: adj.clone(),
            nodes,
        };
        let cell = g.forward_checked().unwrap();
        assert_eq!(cell.types(), &[0, 2, 1]);
        // The same sequence read backwards: output, op, input.
        let b = DecodedGraph {
            types: vec![1, 2, 0, 3],
            adj,
            nodes,
        };
        let back = b.backward_checked().unwrap();
        assert_eq!(back.types(), &[0, 2, 1]);
        assert_eq!(back.edges(), vec![(0, 1), (1, 2)]);
        // No end node: nothing decoded, and the reason says so.
        let endless = DecodedGraph {
            types: vec![0, 2, 2, 2],
            adj: vec![false; 16],
            nodes,
        };
        assert_eq!(
            endless.forward_checked().unwrap_err().to_string(),
            "no output node was decoded"
        );
        // An input type inside the cell: the cell's own rule names the node.
        let inner = DecodedGraph {
            types: vec![0, 0, 1, 3],
            adj: vec![false; 16],
            nodes,
        };
        assert_eq!(
            inner.forward_checked().unwrap_err(),
            SpaceError::InnerEndpoint { node: 1 }
        );
    }

    #[test]
    fn union_adds_backward_edges() {
        let f = Cell::new(vec![0, 2, 1], &[(0, 1), (1, 2)]).unwrap();
        let b = Cell::new(vec![0, 2, 1], &[(0, 1), (0, 2)]).unwrap();
        assert_eq!(union_checked(Ok(f.clone()), Ok(b)).unwrap().edge_count(), 3);
        let none = || Err(SpaceError::NoEnd { end: "input" });
        assert_eq!(union_checked(none(), Ok(f.clone())), Ok(f.clone()));
        // Neither direction a cell: the forward direction's reason.
        let no_end = SpaceError::NoEnd { end: "output" };
        assert_eq!(
            union_checked(Err(no_end.clone()), Err(SpaceError::Endpoints)),
            Err(no_end.clone())
        );
        assert_eq!(union_checked(Err(no_end), Ok(f.clone())), Ok(f));
    }
}
