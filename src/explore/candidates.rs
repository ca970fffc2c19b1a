//! Candidate architectures a user picked, and their export: JSON in the NB101/NASLib style
//! (`{"matrix": …, "ops": […]}`) plus each space's own string, or CSV.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};

use super::ExploreError;
use crate::space::properties::{average_path_length, clustering_coefficient};
use crate::space::{Cell, SpaceKind, enas, nb101, nb201};

/// A pinned cell and what is known of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    #[serde(skip)]
    pub cell: Cell,
    /// Benchmark identifier when the cell is in the table.
    pub id: Option<String>,
    pub accuracy: Option<f64>,
    pub predicted: Option<f64>,
    /// Where it was picked: "latent map", "walk step 3", "BO round 2", …
    pub origin: String,
}

/// The node labels of the NASLib/NB101 format: "input", operation names…, "output".
fn op_labels(space: SpaceKind, cell: &Cell) -> Vec<String> {
    cell.types()
        .iter()
        .map(|&t| match t {
            crate::space::INPUT => "input".to_string(),
            crate::space::OUTPUT => "output".to_string(),
            t => space.type_name(t).to_string(),
        })
        .collect()
}

fn matrix(cell: &Cell) -> Vec<Vec<u8>> {
    (0..cell.len())
        .map(|i| {
            (0..cell.len())
                .map(|j| u8::from(cell.has_edge(i, j)))
                .collect()
        })
        .collect()
}

/// The space's own string of a cell (NB201 arch string, ENAS arc, NB101 hash), if valid.
pub fn space_string(space: SpaceKind, cell: &Cell) -> Option<(&'static str, String)> {
    if !space.is_valid(cell) {
        return None;
    }
    match space {
        SpaceKind::Nb201 => nb201::arch_str(cell).map(|s| ("arch_str", s)),
        SpaceKind::Enas => Some(("arc", enas::arc_string(cell))),
        SpaceKind::Nb101 => nb101::spec_hash(cell).map(|h| ("hash", h)),
    }
}

/// One candidate as a JSON object.
pub fn candidate_json(space: SpaceKind, c: &Candidate) -> Value {
    let mut v = json!({
        "space": space.name(),
        "matrix": matrix(&c.cell),
        "ops": op_labels(space, &c.cell),
        "id": c.id,
        "accuracy": c.accuracy,
        "predicted_accuracy": c.predicted,
        "valid": space.is_valid(&c.cell),
        "average_path_length": average_path_length(&c.cell),
        "clustering_coefficient": clustering_coefficient(&c.cell),
        "origin": c.origin,
    });
    if let Some((key, s)) = space_string(space, &c.cell) {
        v[key] = json!(s);
    }
    v
}

/// Writes all candidates as a JSON array.
pub fn write_json(
    path: &Path,
    space: SpaceKind,
    candidates: &[Candidate],
) -> Result<(), ExploreError> {
    let list: Vec<Value> = candidates
        .iter()
        .map(|c| candidate_json(space, c))
        .collect();
    let text = serde_json::to_string_pretty(&list).map_err(ExploreError::Serialise)?;
    std::fs::write(path, text + "\n").map_err(|error| ExploreError::Write {
        path: path.to_path_buf(),
        error,
    })
}

/// Writes all candidates as CSV: id, accuracy, predicted, valid, space string, ops, matrix
/// rows (as NB101's flat 0/1 string), graph properties, origin.
pub fn write_csv(
    path: &Path,
    space: SpaceKind,
    candidates: &[Candidate],
) -> Result<(), ExploreError> {
    let err = |error: csv::Error| ExploreError::WriteCsv {
        path: path.to_path_buf(),
        error,
    };
    let io = |e: std::io::Error| err(e.into());
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    w.write_record([
        "id",
        "accuracy",
        "predicted_accuracy",
        "valid",
        "space_string",
        "ops",
        "adjacency",
        "average_path_length",
        "clustering_coefficient",
        "origin",
    ])
    .map_err(err)?;
    let num = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.4}"));
    for c in candidates {
        w.write_record([
            c.id.clone().unwrap_or_default(),
            num(c.accuracy),
            num(c.predicted),
            space.is_valid(&c.cell).to_string(),
            space_string(space, &c.cell).map_or(String::new(), |(_, s)| s),
            op_labels(space, &c.cell).join(" "),
            c.cell.adjacency_string(),
            format!("{:.4}", average_path_length(&c.cell)),
            format!("{:.4}", clustering_coefficient(&c.cell)),
            c.origin.clone(),
        ])
        .map_err(err)?;
    }
    w.flush().map_err(io)?;
    let mut inner = w.into_inner().map_err(|e| io(e.into_error()))?;
    inner.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nb201_candidate_exports_matrix_ops_and_arch_string() {
        let cell = nb201::cell_from_ops(&[0, 1, 2, 3, 4, 0]).unwrap();
        let c = Candidate {
            cell: cell.clone(),
            id: Some("42".into()),
            accuracy: Some(91.5),
            predicted: None,
            origin: "test".into(),
        };
        let v = candidate_json(SpaceKind::Nb201, &c);
        assert_eq!(v["arch_str"], json!(nb201::arch_str(&cell).unwrap()));
        assert_eq!(v["ops"][0], json!("input"));
        assert_eq!(v["matrix"].as_array().unwrap().len(), cell.len());
        let dir = tempfile::tempdir().unwrap();
        write_json(
            &dir.path().join("c.json"),
            SpaceKind::Nb201,
            std::slice::from_ref(&c),
        )
        .unwrap();
        write_csv(&dir.path().join("c.csv"), SpaceKind::Nb201, &[c]).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("c.csv")).unwrap();
        assert!(csv.lines().nth(1).unwrap().starts_with("42,91.5000,"));
    }
}
