//! A neural-architecture cell as a node-labelled DAG.
//!
//! Every search space turns its own format into this one shape, so that models, drawing and
//! metrics only ever see one kind of graph (D-VAE's convention: node types, input first,
//! output last, nodes in topological order).

use std::fmt::Write as _;

use super::SpaceError;

/// Node type of the input node in every space.
pub const INPUT: u8 = 0;
/// Node type of the output node in every space.
pub const OUTPUT: u8 = 1;
/// Node type of operation `k` of a space's vocabulary is `FIRST_OP + k`.
pub const FIRST_OP: u8 = 2;
/// Largest number of nodes any supported space uses (ENAS-6 and NB201 have 8).
pub const MAX_NODES: usize = 8;

/// A node-labelled DAG in topological order: node 0 is the input, the last node the output,
/// and every edge goes from a lower to a higher index (which makes a cycle unrepresentable).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    types: Vec<u8>,
    /// `succ[i]` has bit `j` set when there is an edge `i -> j`.
    succ: Vec<u8>,
}

impl Cell {
    /// Builds a cell from node types and edges, checking the shape every space relies on.
    pub fn new(types: Vec<u8>, edges: &[(usize, usize)]) -> Result<Self, SpaceError> {
        let n = types.len();
        if !(2..=MAX_NODES).contains(&n) {
            return Err(SpaceError::NodeCount {
                nodes: n,
                max: MAX_NODES,
            });
        }
        if types[0] != INPUT || types[n - 1] != OUTPUT {
            return Err(SpaceError::Endpoints);
        }
        if let Some(i) = types[1..n - 1].iter().position(|&t| t < FIRST_OP) {
            return Err(SpaceError::InnerEndpoint { node: i + 1 });
        }
        let mut succ = vec![0u8; n];
        for &(from, to) in edges {
            if from >= n || to >= n {
                return Err(SpaceError::EdgeOutOfRange { from, to, nodes: n });
            }
            if from >= to {
                return Err(SpaceError::NotTopological { from, to });
            }
            succ[from] |= 1 << to;
        }
        Ok(Self { types, succ })
    }

    /// Builds a cell from a row-major 0/1 adjacency matrix (`adj[i][j]` = edge i -> j).
    pub fn from_matrix(types: Vec<u8>, adj: &[Vec<bool>]) -> Result<Self, SpaceError> {
        let n = types.len();
        if adj.len() != n || adj.iter().any(|row| row.len() != n) {
            return Err(SpaceError::MatrixShape { nodes: n });
        }
        let edges: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| adj[i][j]).map(move |j| (i, j)))
            .collect();
        Self::new(types, &edges)
    }

    /// Builds a cell from a DAG whose nodes may be in any order: sorts them topologically
    /// (input first, output last, ties by original index) and reports a cycle as an error.
    pub fn from_dag(types: &[u8], edges: &[(usize, usize)]) -> Result<Self, SpaceError> {
        let n = types.len();
        if let Some(&(from, to)) = edges.iter().find(|&&(a, b)| a >= n || b >= n) {
            return Err(SpaceError::EdgeOutOfRange { from, to, nodes: n });
        }
        let mut indegree = vec![0usize; n];
        for &(_, b) in edges {
            indegree[b] += 1;
        }
        let mut order = Vec::with_capacity(n);
        let mut placed = vec![false; n];
        while order.len() < n {
            // Prefer the input first and the output last among the nodes that are ready.
            let ready: Vec<usize> = (0..n).filter(|&v| !placed[v] && indegree[v] == 0).collect();
            let pick = ready
                .iter()
                .copied()
                .find(|&v| types[v] == INPUT)
                .or_else(|| ready.iter().copied().find(|&v| types[v] != OUTPUT))
                .or_else(|| ready.first().copied());
            let Some(v) = pick else {
                let stuck = (0..n).find(|&v| !placed[v]).unwrap_or(0);
                return Err(SpaceError::Cycle { node: stuck });
            };
            placed[v] = true;
            order.push(v);
            for &(a, b) in edges {
                if a == v {
                    indegree[b] -= 1;
                }
            }
        }
        let mut position = vec![0usize; n];
        for (i, &v) in order.iter().enumerate() {
            position[v] = i;
        }
        let sorted_types = order.iter().map(|&v| types[v]).collect();
        let sorted_edges: Vec<(usize, usize)> = edges
            .iter()
            .map(|&(a, b)| (position[a], position[b]))
            .collect();
        Self::new(sorted_types, &sorted_edges)
    }

    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Node types (see [`INPUT`], [`OUTPUT`], [`FIRST_OP`]).
    pub fn types(&self) -> &[u8] {
        &self.types
    }

    /// Operation index of every inner node (type minus [`FIRST_OP`]).
    pub fn inner_ops(&self) -> impl Iterator<Item = u8> + '_ {
        self.types[1..self.len() - 1].iter().map(|t| t - FIRST_OP)
    }

    pub fn has_edge(&self, from: usize, to: usize) -> bool {
        from < self.len() && to < self.len() && self.succ[from] & (1 << to) != 0
    }

    /// All edges, sorted by source then target.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        (0..self.len())
            .flat_map(|i| {
                (0..self.len())
                    .filter(move |&j| self.has_edge(i, j))
                    .map(move |j| (i, j))
            })
            .collect()
    }

    pub fn edge_count(&self) -> usize {
        self.succ.iter().map(|s| s.count_ones() as usize).sum()
    }

    /// Successor bit mask of node `i`.
    pub fn successors(&self, i: usize) -> u8 {
        self.succ[i]
    }

    /// Predecessor bit mask of node `i`.
    pub fn predecessors(&self, i: usize) -> u8 {
        (0..self.len())
            .filter(|&p| self.has_edge(p, i))
            .fold(0u8, |m, p| m | (1 << p))
    }

    pub fn out_degree(&self, i: usize) -> usize {
        self.succ[i].count_ones() as usize
    }

    pub fn in_degree(&self, i: usize) -> usize {
        self.predecessors(i).count_ones() as usize
    }

    /// Row-major 0/1 adjacency string (`n*n` chars), NB101's `adj` column format.
    pub fn adjacency_string(&self) -> String {
        let n = self.len();
        (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| if self.has_edge(i, j) { '1' } else { '0' })
            .collect()
    }

    /// Graph edit distance counting node-type substitutions, inserted/deleted nodes and
    /// inserted/deleted edges, with nodes matched by position (cells are in topological order,
    /// which is how the papers compare decoded cells along a walk).
    pub fn edit_distance(&self, other: &Cell) -> usize {
        let n = self.len().max(other.len());
        let ty = |c: &Cell, i: usize| c.types.get(i).copied();
        let nodes = (0..n).filter(|&i| ty(self, i) != ty(other, i)).count();
        let edges = (0..n)
            .map(|i| {
                let a = self.succ.get(i).copied().unwrap_or(0);
                let b = other.succ.get(i).copied().unwrap_or(0);
                (a ^ b).count_ones() as usize
            })
            .sum::<usize>();
        nodes + edges
    }

    /// A plain-text drawing: one line per node with its operation and its inputs.
    pub fn to_text(&self, op_names: &[&str]) -> String {
        let mut out = String::new();
        for (i, &t) in self.types.iter().enumerate() {
            let name = type_name(t, op_names);
            let preds: Vec<String> = (0..i)
                .filter(|&p| self.has_edge(p, i))
                .map(|p| p.to_string())
                .collect();
            let _ = write!(out, "  [{i}] {name:<16}");
            if !preds.is_empty() {
                let _ = write!(out, " <- {}", preds.join(", "));
            }
            out.push('\n');
        }
        out
    }
}

/// Human name of a node type in a space whose operations are `op_names`.
pub fn type_name<'a>(t: u8, op_names: &[&'a str]) -> &'a str {
    match t {
        INPUT => "input",
        OUTPUT => "output",
        _ => op_names
            .get((t - FIRST_OP) as usize)
            .copied()
            .unwrap_or("?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_backward_edges_as_cycles() {
        let err = Cell::new(vec![0, 2, 1], &[(0, 1), (1, 2), (2, 1)]).unwrap_err();
        assert!(matches!(err, SpaceError::NotTopological { from: 2, to: 1 }));
    }

    #[test]
    fn rejects_misplaced_endpoints_and_sizes() {
        assert!(Cell::new(vec![1, 2, 0], &[]).is_err());
        assert!(Cell::new(vec![0, 0, 1], &[]).is_err());
        assert!(Cell::new(vec![0; 9], &[]).is_err());
        assert!(Cell::new(vec![0, 2, 1], &[(0, 5)]).is_err());
    }

    #[test]
    fn from_dag_sorts_and_finds_cycles() {
        // Output listed first, input last.
        let cell = Cell::from_dag(&[1, 2, 0], &[(2, 1), (1, 0)]).unwrap();
        assert_eq!(cell.types(), &[0, 2, 1]);
        assert_eq!(cell.edges(), vec![(0, 1), (1, 2)]);
        let cyclic = Cell::from_dag(&[0, 2, 3, 1], &[(0, 1), (1, 2), (2, 1), (2, 3)]);
        assert!(matches!(cyclic, Err(SpaceError::Cycle { .. })));
    }

    #[test]
    fn degrees_and_edit_distance() {
        let a = Cell::new(vec![0, 2, 3, 1], &[(0, 1), (0, 2), (1, 3), (2, 3)]).unwrap();
        let b = Cell::new(vec![0, 2, 4, 1], &[(0, 1), (1, 2), (1, 3), (2, 3)]).unwrap();
        assert_eq!(a.out_degree(0), 2);
        assert_eq!(a.in_degree(3), 2);
        assert_eq!(a.edge_count(), 4);
        // One op substituted, one edge removed, one added.
        assert_eq!(a.edit_distance(&b), 3);
        assert_eq!(a.edit_distance(&a), 0);
        assert_eq!(a.adjacency_string(), "0110000100010000");
    }
}
