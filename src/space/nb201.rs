//! NAS-Bench-201: operations sit on the 6 edges of a 4-node cell. cellspace turns each edge
//! into a node (input, one node per edge in arch-string order, output) with fixed wiring: the
//! node of edge `a -> b` reads every edge node ending in `a` (or the input when `a = 0`) and
//! feeds every edge node starting at `b` (or the output when `b = 3`).

use super::{Cell, FIRST_OP, INPUT, OUTPUT, SpaceError};

pub const OP_NAMES: [&str; 5] = [
    "none",
    "skip_connect",
    "nor_conv_1x1",
    "nor_conv_3x3",
    "avg_pool_3x3",
];
/// The 6 edges of the 4-node cell, in arch-string order.
pub const CELL_EDGES: [(usize, usize); 6] = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)];
pub const NODES: usize = CELL_EDGES.len() + 2;

/// Node-level wiring implied by [`CELL_EDGES`] (node `k + 1` is edge `k`).
pub fn wiring() -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    for (k, &(a, b)) in CELL_EDGES.iter().enumerate() {
        let node = k + 1;
        if a == 0 {
            edges.push((0, node));
        }
        if b == 3 {
            edges.push((node, NODES - 1));
        }
        for (m, &(c, _)) in CELL_EDGES.iter().enumerate() {
            if c == b {
                edges.push((node, m + 1));
            }
        }
    }
    edges.sort_unstable();
    edges
}

fn parse_err(detail: impl Into<String>) -> SpaceError {
    SpaceError::Parse {
        what: "NAS-Bench-201 cell",
        detail: detail.into(),
    }
}

/// Builds a cell from the 6 edge op ids in arch-string order.
pub fn cell_from_ops(ops: &[u8]) -> Result<Cell, SpaceError> {
    if ops.len() != CELL_EDGES.len() {
        return Err(parse_err(format!(
            "expected {} ops, got {}",
            CELL_EDGES.len(),
            ops.len()
        )));
    }
    if let Some(op) = ops.iter().find(|&&op| op as usize >= OP_NAMES.len()) {
        return Err(parse_err(format!(
            "op id {op} is not in 0..{}",
            OP_NAMES.len()
        )));
    }
    let mut types = vec![INPUT];
    types.extend(ops.iter().map(|&o| o + FIRST_OP));
    types.push(OUTPUT);
    Cell::new(types, &wiring())
}

/// Parses the `ops` column: 6 digits.
pub fn cell_from_ops_string(ops: &str) -> Result<Cell, SpaceError> {
    let ops: Vec<u8> = ops
        .chars()
        .map(|c| {
            c.to_digit(10)
                .map(|d| d as u8)
                .ok_or_else(|| parse_err(format!("op '{c}' is not a digit")))
        })
        .collect::<Result<_, _>>()?;
    cell_from_ops(&ops)
}

/// Parses the official string `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.
pub fn cell_from_arch_str(arch: &str) -> Result<Cell, SpaceError> {
    let groups: Vec<&str> = arch.split('+').collect();
    if groups.len() != 3 {
        return Err(parse_err(format!(
            "'{arch}' has {} node groups, expected 3",
            groups.len()
        )));
    }
    let mut ops = Vec::with_capacity(6);
    for (g, group) in groups.iter().enumerate() {
        let inner = group
            .strip_prefix('|')
            .and_then(|s| s.strip_suffix('|'))
            .ok_or_else(|| parse_err(format!("group '{group}' is not enclosed in '|'")))?;
        let parts: Vec<&str> = inner.split('|').collect();
        if parts.len() != g + 1 {
            return Err(parse_err(format!("group '{group}' needs {} edges", g + 1)));
        }
        for (src, part) in parts.iter().enumerate() {
            let (name, from) = part
                .split_once('~')
                .ok_or_else(|| parse_err(format!("edge '{part}' lacks '~'")))?;
            if from != src.to_string() {
                return Err(parse_err(format!(
                    "edge '{part}' should come from node {src}"
                )));
            }
            let op = OP_NAMES
                .iter()
                .position(|&n| n == name)
                .ok_or_else(|| parse_err(format!("unknown operation '{name}'")))?;
            ops.push(op as u8);
        }
    }
    cell_from_ops(&ops)
}

/// The official arch string of a NB201 cell; `None` for a cell outside the space (a decoder
/// can produce one with other wiring or too few nodes).
pub fn arch_str(cell: &Cell) -> Option<String> {
    validate(cell).ok()?;
    let ops: Vec<&str> = cell
        .inner_ops()
        .map(|o| OP_NAMES.get(o as usize).copied())
        .collect::<Option<_>>()?;
    let [a, b, c, d, e, f] = ops.as_slice() else {
        return None;
    };
    Some(format!("|{a}~0|+|{b}~0|{c}~1|+|{d}~0|{e}~1|{f}~2|"))
}

/// The 6-digit `ops` string of a valid NB201 cell.
pub fn ops_string(cell: &Cell) -> String {
    cell.inner_ops().map(|o| char::from(b'0' + o)).collect()
}

/// A NB201 cell has exactly the fixed wiring and 8 nodes.
pub fn validate(cell: &Cell) -> Result<(), SpaceError> {
    if cell.len() != NODES {
        return Err(SpaceError::Structure(format!(
            "a NAS-Bench-201 cell has {NODES} nodes, this one {}",
            cell.len()
        )));
    }
    if cell.edges() != wiring() {
        return Err(SpaceError::Structure(
            "edges differ from NAS-Bench-201's fixed wiring".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wiring_follows_the_cell() {
        assert_eq!(
            wiring(),
            vec![
                (0, 1),
                (0, 2),
                (0, 4),
                (1, 3),
                (1, 5),
                (2, 6),
                (3, 6),
                (4, 7),
                (5, 7),
                (6, 7)
            ]
        );
    }

    #[test]
    fn round_trips() {
        let s = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";
        let cell = cell_from_arch_str(s).unwrap();
        assert_eq!(arch_str(&cell).as_deref(), Some(s));
        assert_eq!(ops_string(&cell), "421211");
        assert_eq!(cell_from_ops_string("421211").unwrap(), cell);
        validate(&cell).unwrap();
    }

    #[test]
    fn rejects_bad_input() {
        assert!(cell_from_arch_str("|avg_pool_3x3~0|+|nor_conv_1x1~0|").is_err());
        assert!(cell_from_arch_str("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|").is_err());
        assert!(cell_from_arch_str("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|").is_err());
        assert!(cell_from_ops_string("42121").is_err());
        assert!(cell_from_ops_string("421215").is_err());
    }
}
