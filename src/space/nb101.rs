//! NAS-Bench-101: up to 7 vertices and 9 edges, 3 operations, and the official iterated
//! md5 hash (google-research/nasbench `graph_util.hash_module`) that names every cell.

use md5::{Digest, Md5};

use super::{Cell, FIRST_OP, INPUT, OUTPUT, SpaceError};

pub const OP_NAMES: [&str; 3] = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"];
pub const MAX_VERTICES: usize = 7;
pub const MAX_EDGES: usize = 9;

/// Lower-case hex md5 of `data`, as Python's `hashlib.md5(..).hexdigest()` spells it.
pub(crate) fn md5_hex(data: &[u8]) -> [u8; 32] {
    let digest = Md5::digest(data);
    let mut out = [0u8; 32];
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
    out
}

/// The label NB101 hashes a node with: -1 input, -2 output, the op index otherwise.
fn hash_label(t: u8) -> i32 {
    match t {
        INPUT => -1,
        OUTPUT => -2,
        t => (t - FIRST_OP) as i32,
    }
}

/// `graph_util.hash_module` of the cell exactly as given (no pruning): the fingerprint that
/// is equal for isomorphic cells and is the key of the NB101 data set.
pub fn hash(cell: &Cell) -> String {
    let fingerprint = hash_raw(cell);
    String::from_utf8_lossy(&fingerprint).into_owned()
}

/// [`hash`] as 32 hex bytes; the enumeration uses it to avoid allocating a `String` per graph.
pub(crate) fn hash_raw(cell: &Cell) -> [u8; 32] {
    let n = cell.len();
    let mut hashes: Vec<[u8; 32]> = (0..n)
        .map(|v| {
            let tuple = format!(
                "({}, {}, {})",
                cell.out_degree(v),
                cell.in_degree(v),
                hash_label(cell.types()[v])
            );
            md5_hex(tuple.as_bytes())
        })
        .collect();
    let preds: Vec<u8> = (0..n).map(|v| cell.predecessors(v)).collect();
    let mut buf: Vec<u8> = Vec::with_capacity(2 * n * 32 + 34);
    let mut neighbours: Vec<[u8; 32]> = Vec::with_capacity(n);
    let mut next = vec![[0u8; 32]; n];
    for _ in 0..n {
        for v in 0..n {
            buf.clear();
            for mask in [preds[v], cell.successors(v)] {
                neighbours.clear();
                neighbours.extend((0..n).filter(|&w| mask & (1 << w) != 0).map(|w| hashes[w]));
                neighbours.sort_unstable();
                for h in &neighbours {
                    buf.extend_from_slice(h);
                }
                buf.push(b'|');
            }
            buf.extend_from_slice(&hashes[v]);
            next[v] = md5_hex(&buf);
        }
        std::mem::swap(&mut hashes, &mut next);
    }
    hashes.sort_unstable();
    // Python's str() of a list of str: ['a', 'b']
    buf.clear();
    buf.push(b'[');
    for (i, h) in hashes.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b", ");
        }
        buf.push(b'\'');
        buf.extend_from_slice(h);
        buf.push(b'\'');
    }
    buf.push(b']');
    md5_hex(&buf)
}

/// Bit mask of the nodes that lie on some input -> output path.
fn on_path_mask(cell: &Cell) -> u8 {
    let n = cell.len();
    let mut from_input = 1u8;
    for v in 0..n {
        if from_input & (1 << v) != 0 {
            from_input |= cell.successors(v);
        }
    }
    let mut to_output = 1u8 << (n - 1);
    for v in (0..n).rev() {
        if cell.successors(v) & to_output != 0 {
            to_output |= 1 << v;
        }
    }
    from_input & to_output
}

/// NB101's `ModelSpec._prune`: drops every node that is not on an input -> output path.
/// `None` when the input does not reach the output at all.
pub fn prune(cell: &Cell) -> Option<Cell> {
    let n = cell.len();
    let keep = on_path_mask(cell);
    if keep & 1 == 0 || keep & (1 << (n - 1)) == 0 {
        return None;
    }
    let kept: Vec<usize> = (0..n).filter(|&v| keep & (1 << v) != 0).collect();
    let index_of = |v: usize| kept.iter().position(|&k| k == v);
    let types = kept.iter().map(|&v| cell.types()[v]).collect();
    let edges: Vec<(usize, usize)> = cell
        .edges()
        .into_iter()
        .filter_map(|(a, b)| Some((index_of(a)?, index_of(b)?)))
        .collect();
    Cell::new(types, &edges).ok()
}

/// The hash NB101 answers a user's spec with: prune, then hash.
pub fn spec_hash(cell: &Cell) -> Option<String> {
    prune(cell).map(|c| hash(&c))
}

/// Every node except the output has an out-edge and every node except the input an in-edge
/// (`graph_util.is_full_dag`), i.e. nothing would be pruned.
pub fn is_full_dag(cell: &Cell) -> bool {
    let n = cell.len();
    (0..n - 1).all(|v| cell.successors(v) != 0) && (1..n).all(|v| cell.predecessors(v) != 0)
}

fn parse_err(detail: impl Into<String>) -> SpaceError {
    SpaceError::Parse {
        what: "NAS-Bench-101 cell",
        detail: detail.into(),
    }
}

/// Builds a cell from the `n`, `adj` (n*n 0/1 chars, row-major) and `ops` (n-2 digits)
/// columns of `nb101_cells.csv`.
pub fn cell_from_strings(n: usize, adj: &str, ops: &str) -> Result<Cell, SpaceError> {
    if !(2..=MAX_VERTICES).contains(&n) {
        return Err(parse_err(format!(
            "{n} vertices, NAS-Bench-101 allows 2 to {MAX_VERTICES}"
        )));
    }
    if adj.len() != n * n {
        return Err(parse_err(format!(
            "adjacency has {} chars, {n} vertices need {}",
            adj.len(),
            n * n
        )));
    }
    if ops.len() != n - 2 {
        return Err(parse_err(format!(
            "{} ops for {} inner vertices",
            ops.len(),
            n - 2
        )));
    }
    let mut types = vec![INPUT];
    for c in ops.chars() {
        match c.to_digit(10) {
            Some(d) if (d as usize) < OP_NAMES.len() => types.push(d as u8 + FIRST_OP),
            _ => return Err(parse_err(format!("op '{c}' is not one of 0, 1, 2"))),
        }
    }
    types.push(OUTPUT);
    let mut edges = Vec::new();
    for (k, c) in adj.bytes().enumerate() {
        match c {
            b'0' => {}
            b'1' => edges.push((k / n, k % n)),
            _ => {
                return Err(parse_err(format!(
                    "adjacency char '{}' is not 0 or 1",
                    c as char
                )));
            }
        }
    }
    Cell::new(types, &edges)
}

/// The `ops` column string (n-2 digits) of a cell.
pub fn ops_string(cell: &Cell) -> String {
    cell.inner_ops().map(|o| char::from(b'0' + o)).collect()
}

/// Valid NB101 cell: at most 7 nodes and 9 edges, and the input reaches the output.
pub fn validate(cell: &Cell) -> Result<(), SpaceError> {
    if cell.len() > MAX_VERTICES {
        return Err(SpaceError::Structure(format!(
            "{} nodes, NAS-Bench-101 allows {MAX_VERTICES}",
            cell.len()
        )));
    }
    if cell.edge_count() > MAX_EDGES {
        return Err(SpaceError::Structure(format!(
            "{} edges, NAS-Bench-101 allows {MAX_EDGES}",
            cell.edge_count()
        )));
    }
    if prune(cell).is_none() {
        return Err(SpaceError::Structure(
            "the input does not reach the output".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // First row of nb101_cells.csv.gz.
    const HASH: &str = "00005c142e6f48ac74fdcf73e3439874";
    const ADJ: &str = "0100110001000000010010000010000001000000010000000";

    #[test]
    fn hash_matches_the_data_set() {
        let cell = cell_from_strings(7, ADJ, "02001").unwrap();
        assert_eq!(hash(&cell), HASH);
        assert_eq!(spec_hash(&cell).as_deref(), Some(HASH));
        validate(&cell).unwrap();
    }

    #[test]
    fn isomorphic_cells_hash_equal() {
        let cell = cell_from_strings(7, ADJ, "02001").unwrap();
        // Reverse the order of the five inner nodes, then let from_dag re-sort them.
        let n = cell.len();
        let perm = |v: usize| if v == 0 || v == n - 1 { v } else { n - 1 - v };
        let mut types = vec![0u8; n];
        for v in 0..n {
            types[perm(v)] = cell.types()[v];
        }
        let edges: Vec<(usize, usize)> = cell
            .edges()
            .iter()
            .map(|&(a, b)| (perm(a), perm(b)))
            .collect();
        let permuted = Cell::from_dag(&types, &edges).unwrap();
        assert_ne!(
            permuted, cell,
            "the permutation must change the representation"
        );
        assert_eq!(hash(&permuted), HASH);
        // A different op on one node changes the hash.
        let other = cell_from_strings(7, ADJ, "02002").unwrap();
        assert_ne!(hash(&other), HASH);
    }

    #[test]
    fn pruning_removes_dangling_nodes() {
        // 0 -> 1 -> 3, and node 2 hangs off the input without reaching the output.
        let cell = Cell::new(vec![0, 2, 3, 1], &[(0, 1), (1, 3), (0, 2)]).unwrap();
        let pruned = prune(&cell).unwrap();
        assert_eq!(pruned.len(), 3);
        assert!(!is_full_dag(&cell) && is_full_dag(&pruned));
        let cut = Cell::new(vec![0, 2, 1], &[(0, 1)]).unwrap();
        assert!(prune(&cut).is_none());
        assert!(validate(&cut).is_err());
    }

    #[test]
    fn rejects_bad_strings() {
        assert!(cell_from_strings(8, "0", "").is_err());
        assert!(cell_from_strings(3, "010001000", "3").is_err());
        assert!(cell_from_strings(3, "01000100", "0").is_err());
        assert!(cell_from_strings(3, "010001002", "0").is_err());
        // An edge below the diagonal makes a cycle.
        assert!(cell_from_strings(3, "010001010", "0").is_err());
    }
}
