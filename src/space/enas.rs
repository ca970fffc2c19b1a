//! ENAS macro space, 6 layers, in D-VAE's convention.
//!
//! Node 0 is the input (stem), node `i + 1` is layer `i`, node 7 the output. Layer `i` always
//! reads node `i`; skip bit `j` of layer `i` adds an edge from node `j` (D-VAE
//! `decode_ENAS_to_igraph`). The output reads layer 5 only.

use super::{Cell, FIRST_OP, INPUT, OUTPUT, SpaceError};

pub const LAYERS: usize = 6;
pub const NODES: usize = LAYERS + 2;
/// Number of skip bits: layer `i` has `i` of them.
pub const SKIP_BITS: usize = LAYERS * (LAYERS - 1) / 2;
pub const OP_NAMES: [&str; 6] = [
    "conv3x3",
    "sep_conv3x3",
    "conv5x5",
    "sep_conv5x5",
    "avg_pool3x3",
    "max_pool3x3",
];

fn parse_err(detail: impl Into<String>) -> SpaceError {
    SpaceError::Parse {
        what: "ENAS cell",
        detail: detail.into(),
    }
}

/// Builds a cell from the op ids of the 6 layers and the 15 skip bits (layer 1's bit first).
pub fn cell_from_ops_skips(ops: &[u8], skips: &[bool]) -> Result<Cell, SpaceError> {
    if ops.len() != LAYERS {
        return Err(parse_err(format!(
            "expected {LAYERS} ops, got {}",
            ops.len()
        )));
    }
    if skips.len() != SKIP_BITS {
        return Err(parse_err(format!(
            "expected {SKIP_BITS} skip bits, got {}",
            skips.len()
        )));
    }
    if let Some(&op) = ops.iter().find(|&&op| op as usize >= OP_NAMES.len()) {
        return Err(parse_err(format!(
            "op id {op} is not in 0..{}",
            OP_NAMES.len()
        )));
    }
    let mut types = vec![INPUT];
    types.extend(ops.iter().map(|&op| op + FIRST_OP));
    types.push(OUTPUT);
    let mut edges = Vec::new();
    let mut bit = 0;
    for layer in 0..LAYERS {
        edges.push((layer, layer + 1));
        for j in 0..layer {
            if skips[bit] {
                edges.push((j, layer + 1));
            }
            bit += 1;
        }
    }
    edges.push((LAYERS, LAYERS + 1));
    Cell::new(types, &edges)
}

/// Parses the `ops` (6 digits) and `skips` (15 bits) columns of `enas6_dvae.csv`.
pub fn cell_from_strings(ops: &str, skips: &str) -> Result<Cell, SpaceError> {
    let ops: Vec<u8> = ops
        .chars()
        .map(|c| {
            c.to_digit(10)
                .map(|d| d as u8)
                .ok_or_else(|| parse_err(format!("op '{c}' is not a digit")))
        })
        .collect::<Result<_, _>>()?;
    let skips: Vec<bool> = skips
        .chars()
        .map(|c| match c {
            '0' => Ok(false),
            '1' => Ok(true),
            _ => Err(parse_err(format!("skip bit '{c}' is not 0 or 1"))),
        })
        .collect::<Result<_, _>>()?;
    cell_from_ops_skips(&ops, &skips)
}

/// Parses ENAS's flat arc string: 21 integers, per layer the op id followed by its skip bits.
pub fn cell_from_arc(arc: &str) -> Result<Cell, SpaceError> {
    let values: Vec<u8> = arc
        .split_whitespace()
        .map(|v| {
            v.parse::<u8>()
                .map_err(|_| parse_err(format!("'{v}' is not a small integer")))
        })
        .collect::<Result<_, _>>()?;
    if values.len() != LAYERS + SKIP_BITS {
        return Err(parse_err(format!(
            "arc needs {} integers, got {}",
            LAYERS + SKIP_BITS,
            values.len()
        )));
    }
    let mut ops = Vec::with_capacity(LAYERS);
    let mut skips = Vec::with_capacity(SKIP_BITS);
    let mut at = 0;
    for layer in 0..LAYERS {
        ops.push(values[at]);
        for &b in &values[at + 1..at + 1 + layer] {
            if b > 1 {
                return Err(parse_err(format!("skip bit {b} is not 0 or 1")));
            }
            skips.push(b == 1);
        }
        at += 1 + layer;
    }
    cell_from_ops_skips(&ops, &skips)
}

/// The op ids and skip bits of a valid ENAS cell.
fn ops_skips(cell: &Cell) -> (Vec<u8>, Vec<bool>) {
    let ops = cell.inner_ops().collect();
    let skips = (0..LAYERS)
        .flat_map(|layer| (0..layer).map(move |j| (j, layer + 1)))
        .map(|(j, to)| cell.has_edge(j, to))
        .collect();
    (ops, skips)
}

/// ENAS's flat arc string (what `--child_fixed_arc` takes).
pub fn arc_string(cell: &Cell) -> String {
    let (ops, skips) = ops_skips(cell);
    let mut out = Vec::new();
    let mut bit = 0;
    for (layer, op) in ops.iter().enumerate() {
        out.push(op.to_string());
        for _ in 0..layer {
            out.push(u8::from(skips[bit]).to_string());
            bit += 1;
        }
    }
    out.join(" ")
}

/// The `ops` and `skips` column strings of `enas6_dvae.csv`.
pub fn ops_skips_strings(cell: &Cell) -> (String, String) {
    let (ops, skips) = ops_skips(cell);
    (
        ops.iter().map(|o| char::from(b'0' + o)).collect(),
        skips.iter().map(|&s| if s { '1' } else { '0' }).collect(),
    )
}

/// An ENAS cell has 8 nodes, the chain `i -> i+1`, skips only into layers, and nothing else.
pub fn validate(cell: &Cell) -> Result<(), SpaceError> {
    let bad = |m: String| Err(SpaceError::Structure(m));
    if cell.len() != NODES {
        return bad(format!(
            "an ENAS cell has {NODES} nodes, this one {}",
            cell.len()
        ));
    }
    for i in 0..NODES - 1 {
        if !cell.has_edge(i, i + 1) {
            return bad(format!("the chain edge {i}->{} is missing", i + 1));
        }
    }
    if let Some(j) = (0..NODES - 2).find(|&j| cell.has_edge(j, NODES - 1)) {
        return bad(format!(
            "only the last layer feeds the output, but node {j} does too"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_all_formats() {
        // Line 0 of final_structures6.txt: [[1],[4,0],[5,0,0],[0,1,1,1],[2,1,1,1,1],[3,0,0,0,0,1]]
        let arc = "1 4 0 5 0 0 0 1 1 1 2 1 1 1 1 3 0 0 0 0 1";
        let cell = cell_from_arc(arc).unwrap();
        assert_eq!(arc_string(&cell), arc);
        let (ops, skips) = ops_skips_strings(&cell);
        assert_eq!(ops, "145023");
        assert_eq!(skips, "000111111100001");
        assert_eq!(cell_from_strings(&ops, &skips).unwrap(), cell);
        validate(&cell).unwrap();
        // Layer 3 (node 4) has skips from nodes 0, 1 and 2; layer 5 (node 6) only from node 4.
        assert!(cell.has_edge(0, 4) && cell.has_edge(1, 4) && cell.has_edge(2, 4));
        assert!(cell.has_edge(4, 6) && !cell.has_edge(0, 6));
        assert_eq!(cell.edge_count(), 7 + 8);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(cell_from_strings("14502", "000111111100001").is_err());
        assert!(cell_from_strings("145029", "000111111100001").is_err());
        assert!(cell_from_strings("14502x", "000111111100001").is_err());
        assert!(cell_from_strings("145023", "00011111110000").is_err());
        assert!(cell_from_strings("145023", "000111111100002").is_err());
        assert!(cell_from_arc("1 4 0 5 0 0 0 1 1 1 2 1 1 1 1 3 0 0 0 0").is_err());
        assert!(cell_from_arc("1 4 0 5 0 0 0 1 1 1 2 1 1 1 1 3 0 0 0 0 7").is_err());
    }

    #[test]
    fn validity_needs_the_chain() {
        let cell = Cell::new(vec![0, 2, 2, 2, 2, 2, 2, 1], &[(0, 1), (1, 2)]).unwrap();
        assert!(validate(&cell).is_err());
    }
}
