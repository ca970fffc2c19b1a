use thiserror::Error;

/// Why a graph is not a cell, or not a cell of a given space.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SpaceError {
    #[error("a cell needs 2 to {max} nodes, got {nodes}")]
    NodeCount { nodes: usize, max: usize },
    #[error("the first node must be the input and the last the output")]
    Endpoints,
    #[error("inner node {node} is typed as an input or output")]
    InnerEndpoint { node: usize },
    #[error("edge {from}->{to} is outside a graph of {nodes} nodes")]
    EdgeOutOfRange {
        from: usize,
        to: usize,
        nodes: usize,
    },
    #[error(
        "edge {from}->{to} points backwards: the graph has a cycle or is not in topological order"
    )]
    NotTopological { from: usize, to: usize },
    #[error("the graph has a cycle through node {node}")]
    Cycle { node: usize },
    #[error("adjacency matrix is not {nodes}x{nodes}")]
    MatrixShape { nodes: usize },
    #[error("node type {ty} does not exist in {space}")]
    UnknownType { ty: u8, space: &'static str },
    #[error("{0}")]
    Structure(String),
    /// A decoder's output in which the node type that ends a cell never came.
    #[error("no {end} node was decoded")]
    NoEnd { end: &'static str },
    #[error("cannot parse {what}: {detail}")]
    Parse { what: &'static str, detail: String },
}
