//! The bundled tables load completely and every row round-trips through its space's format.

use cellspace::data::{BUNDLED_ENAS, BUNDLED_NB101_LABELS, BUNDLED_NB201, Dataset};
use cellspace::space::{SpaceKind, enas, nb101, nb201};

#[test]
fn enas_rows_round_trip_and_match_the_published_figures() {
    let data = Dataset::bundled(SpaceKind::Enas).unwrap();
    assert_eq!(data.len(), 19_020);
    assert_eq!(
        (data.split.train.len(), data.split.test.len()),
        (17_118, 1_902)
    );
    let best = data.best().unwrap();
    assert!((best.accuracy.unwrap() - 75.02).abs() < 1e-9);
    // Many cells tie at 0.7502 (the weight-sharing score saturates); the first in file order wins.
    assert_eq!(
        (
            best.id.as_str(),
            enas::ops_skips_strings(&best.cell).0.as_str()
        ),
        ("3343", "254052")
    );
    // Every line: the cell read from ops/skips gives back the file's own arc string.
    let mut checked = 0;
    for line in BUNDLED_ENAS.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let cell = enas::cell_from_strings(cols[2], cols[3]).unwrap();
        assert_eq!(enas::arc_string(&cell), cols[4]);
        assert_eq!(enas::cell_from_arc(cols[4]).unwrap(), cell);
        assert!(SpaceKind::Enas.is_valid(&cell));
        checked += 1;
    }
    assert_eq!(checked, 20_020);
}

#[test]
fn nb201_rows_round_trip() {
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    assert_eq!(data.len(), 15_625);
    let best = data.best().unwrap();
    assert_eq!(best.id, "6111");
    assert!((best.accuracy.unwrap() - 94.3733).abs() < 1e-3);
    for (line, record) in BUNDLED_NB201.lines().skip(1).zip(&data.records) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(nb201::arch_str(&record.cell).as_deref(), Some(cols[1]));
        assert_eq!(nb201::ops_string(&record.cell), cols[2]);
        assert!(SpaceKind::Nb201.is_valid(&record.cell));
    }
}

/// The Rust enumeration equals the reference list (`nb101_cells.csv.gz`) byte for byte: same
/// hashes, same representatives, same order once sorted by hash. See `space::nb101_reference`
/// for how the digests were made.
fn enumeration_digest(
    max_vertices: usize,
) -> (usize, String, Vec<cellspace::space::EnumeratedCell>) {
    let cells = cellspace::space::enumerate_nb101(max_vertices, 2, |_, _| {});
    let mut text = Vec::new();
    cellspace::data::write_nb101_cells(&mut text, &cells).unwrap();
    (
        cells.len(),
        cellspace::space::nb101_reference::digest(&text),
        cells,
    )
}

#[test]
fn nb101_enumeration_up_to_6_vertices_equals_the_reference() {
    let (count, digest, _) = enumeration_digest(6);
    assert_eq!(count, 1 + 6 + 84 + 2_441 + 62_010);
    assert_eq!(digest, cellspace::space::nb101_reference::UP_TO_6_VERTICES);
}

#[test]
fn nb101_full_enumeration_equals_the_reference_and_holds_every_labelled_hash() {
    let (count, digest, cells) = enumeration_digest(7);
    assert_eq!(count, 423_624);
    assert_eq!(digest, cellspace::space::nb101_reference::FULL);
    // Every cell's own hash (recomputed from its matrix) is the hash it is listed under.
    for c in cells.iter().step_by(97) {
        assert_eq!(nb101::hash(&c.cell), c.hash);
    }
    let known: std::collections::HashSet<&str> = cells.iter().map(|c| c.hash.as_str()).collect();
    let labelled = cellspace::data::load_nb101_labels(
        std::path::Path::new("assets/data/nb101_labelled_subset.csv"),
        BUNDLED_NB101_LABELS.as_bytes(),
    )
    .unwrap();
    assert_eq!(labelled.len(), 20_276);
    assert!(labelled.keys().all(|h| known.contains(h.as_str())));
}
