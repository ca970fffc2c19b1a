//! Cells turned into padded, dense tensors: what every model consumes.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::space::{Cell, INPUT, OUTPUT};

/// One direction of a batch of graphs, padded to `nodes` nodes.
#[derive(Debug, Clone)]
pub struct DirectedBatch {
    /// Node types, [B, N] (padding uses the start type; it is masked out).
    pub types: Tensor<2, Int>,
    /// `adj[b, u, v] = 1` for an edge u -> v, [B, N, N].
    pub adj: Tensor<3>,
}

/// A batch of cells for training: the graphs in order, and reversed (node i becomes n-1-i,
/// edges flipped) for SVGe's backward decoder.
#[derive(Debug, Clone)]
pub struct GraphBatch {
    pub size: usize,
    pub nodes: usize,
    pub forward: DirectedBatch,
    pub backward: DirectedBatch,
    /// 1 for real nodes, [B, N, 1].
    pub node_mask: Tensor<3>,
    /// Decoding step k (adding node k+1) exists in the graph: [B, N-1].
    pub step_mask: Tensor<2>,
    /// Node counts.
    pub lengths: Vec<usize>,
}

fn directed(cells: &[&Cell], nodes: usize, reversed: bool, device: &Device) -> DirectedBatch {
    let b = cells.len();
    let mut types = vec![0i64; b * nodes];
    let mut adj = vec![0f32; b * nodes * nodes];
    for (g, cell) in cells.iter().enumerate() {
        let n = cell.len();
        let at = |i: usize| if reversed { n - 1 - i } else { i };
        let pad = if reversed { OUTPUT } else { INPUT };
        for i in 0..nodes {
            types[g * nodes + i] = if i < n { cell.types()[at(i)] } else { pad } as i64;
        }
        for (u, v) in cell.edges() {
            let (u, v) = if reversed { (at(v), at(u)) } else { (u, v) };
            adj[g * nodes * nodes + u * nodes + v] = 1.0;
        }
    }
    DirectedBatch {
        types: Tensor::from_data(TensorData::new(types, [b, nodes]), device),
        adj: Tensor::from_data(TensorData::new(adj, [b, nodes, nodes]), device),
    }
}

impl GraphBatch {
    /// The node count a batch of `cells` needs: the space's, or more for grown cells (SVGe's
    /// encoder reads any size; extrapolation encodes 8-node NB101 cells).
    pub fn nodes_for(cells: &[&Cell], space: crate::space::SpaceKind) -> usize {
        cells
            .iter()
            .map(|c| c.len())
            .max()
            .unwrap_or(0)
            .max(space.max_nodes())
    }

    /// Pads `cells` (each at most `nodes` nodes) into tensors on `device`.
    pub fn new(cells: &[&Cell], nodes: usize, device: &Device) -> Self {
        let b = cells.len();
        let lengths: Vec<usize> = cells.iter().map(|c| c.len()).collect();
        let mut node_mask = vec![0f32; b * nodes];
        let mut step_mask = vec![0f32; b * (nodes - 1)];
        for (g, &n) in lengths.iter().enumerate() {
            for i in 0..n.min(nodes) {
                node_mask[g * nodes + i] = 1.0;
            }
            for k in 0..n.saturating_sub(1).min(nodes - 1) {
                step_mask[g * (nodes - 1) + k] = 1.0;
            }
        }
        Self {
            size: b,
            nodes,
            forward: directed(cells, nodes, false, device),
            backward: directed(cells, nodes, true, device),
            node_mask: Tensor::from_data(TensorData::new(node_mask, [b, nodes, 1]), device),
            step_mask: Tensor::from_data(TensorData::new(step_mask, [b, nodes - 1]), device),
            lengths,
        }
    }
}

/// `[1, N, 1]` with ones at positions `0..=last` (the nodes that exist at a decoding step).
pub fn prefix_mask(nodes: usize, last: usize, device: &Device) -> Tensor<3> {
    let v: Vec<f32> = (0..nodes)
        .map(|i| if i <= last { 1.0 } else { 0.0 })
        .collect();
    Tensor::from_data(TensorData::new(v, [1, nodes, 1]), device)
}

/// `[1, N, 1]` with a single one at `position`.
pub fn position_mask(nodes: usize, position: usize, device: &Device) -> Tensor<3> {
    let v: Vec<f32> = (0..nodes)
        .map(|i| if i == position { 1.0 } else { 0.0 })
        .collect();
    Tensor::from_data(TensorData::new(v, [1, nodes, 1]), device)
}
