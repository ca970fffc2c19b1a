//! Loading the benchmark tables into cells with labels, and the train/test split.
//!
//! The bundled tables are compiled into the binary (so a fresh clone or a copied binary has
//! them); user files in the same formats load through the same code.

mod enas;
mod error;
mod nb101;
mod nb201;
mod split;
mod table;

pub use enas::{BUNDLED_ENAS, load_enas};
pub use error::DataError;
pub use nb101::{
    BUNDLED_NB101_LABELS, Nb101Labels, load_nb101_cells, load_nb101_labels, nb101_cache_path,
    nb101_cells_cached, write_nb101_cells,
};
pub use nb201::{BUNDLED_NB201, NB201_METRICS, load_nb201};
pub use split::Split;

use std::path::Path;

use crate::space::{Cell, SpaceKind};

/// One cell of a data set with its identifier in the benchmark and its accuracy, if known.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// ENAS: line of the upstream file; NB201: architecture index; NB101: module hash.
    pub id: String,
    pub cell: Cell,
    /// Accuracy in percent (every space is converted to percent so they read alike).
    pub accuracy: Option<f64>,
}

/// The cells of one search space, their labels and a fixed train/test split.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub space: SpaceKind,
    pub records: Vec<Record>,
    pub split: Split,
    /// What `accuracy` measures, for display.
    pub accuracy_label: String,
    /// Doubts about a user's file that do not stop it loading (shown by every front end).
    pub warnings: Vec<String>,
    /// Whether these are the bundled table's cells, row for row (then a run may cache their
    /// latent means); false for a user's file.
    pub bundled: bool,
}

/// A file cut short (a copy or download that stopped) most often ends inside its last line: a
/// value like `0.7302` then reads as `0.73` and no parser can tell. Every file cellspace
/// writes, and the bundled ones, end with a newline, so a missing one is the sign to report.
pub fn truncation_warning(path: &Path, bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() || bytes.ends_with(b"\n") {
        return None;
    }
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().count();
    let last = text.lines().last().unwrap_or("");
    let value = last.rsplit(',').next().unwrap_or("").trim();
    let value: String = value.chars().take(40).collect();
    Some(format!(
        "{}:{line}: the file does not end with a newline, so it may have been cut short: \
         check that the last line is whole (its last value reads '{value}')",
        path.display()
    ))
}

/// Seed of the default split (documented in the README).
pub const SPLIT_SEED: u64 = 0;
/// Fraction of cells held out for testing.
pub const TEST_FRACTION: f64 = 0.1;

impl Dataset {
    pub fn new(space: SpaceKind, records: Vec<Record>, accuracy_label: impl Into<String>) -> Self {
        let split = Split::new(records.len(), TEST_FRACTION, SPLIT_SEED);
        Self {
            space,
            records,
            split,
            accuracy_label: accuracy_label.into(),
            warnings: Vec::new(),
            bundled: false,
        }
    }

    /// Marks the data as the bundled table's rows.
    fn into_bundled(self) -> Self {
        Self {
            bundled: true,
            ..self
        }
    }

    /// The bundled data of a space. NB101 needs the enumeration of all cells, which is cached
    /// on disk after the first run (see [`nb101_cells_cached`]).
    pub fn bundled(space: SpaceKind) -> Result<Self, DataError> {
        Self::bundled_rows(space).map(Self::into_bundled)
    }

    fn bundled_rows(space: SpaceKind) -> Result<Self, DataError> {
        match space {
            SpaceKind::Enas => {
                let records =
                    load_enas(Path::new(enas::BUNDLED_NAME), BUNDLED_ENAS.as_bytes(), true)?;
                Ok(Self::new(
                    space,
                    records,
                    "weight-sharing validation accuracy (%)",
                ))
            }
            SpaceKind::Nb201 => {
                let records = load_nb201(
                    Path::new(nb201::BUNDLED_NAME),
                    BUNDLED_NB201.as_bytes(),
                    "c10_test_200",
                )?;
                Ok(Self::new(
                    space,
                    records,
                    "CIFAR-10 test accuracy, 200 epochs (%)",
                ))
            }
            SpaceKind::Nb101 => {
                let cells = nb101_cells_cached(|_, _| {})?;
                let labels = load_nb101_labels(
                    Path::new(nb101::BUNDLED_NAME),
                    BUNDLED_NB101_LABELS.as_bytes(),
                )?;
                let records = nb101::join(cells, &labels, Path::new(nb101::BUNDLED_NAME))?;
                Ok(Self::new(
                    space,
                    records,
                    "validation accuracy, 108 epochs (%)",
                ))
            }
        }
    }

    /// A user's file in the bundled format of `space` (NB101: the cell list, unlabelled).
    pub fn from_file(space: SpaceKind, path: &Path) -> Result<Self, DataError> {
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        let warnings = truncation_warning(path, &bytes).into_iter().collect();
        let reader = bytes.as_slice();
        let (records, label) = match space {
            SpaceKind::Enas => (load_enas(path, reader, false)?, "accuracy (%)"),
            SpaceKind::Nb201 => (
                load_nb201(path, reader, "c10_test_200")?,
                "c10_test_200 (%)",
            ),
            SpaceKind::Nb101 => {
                let cells = load_nb101_cells(path, reader, true)?;
                let records = cells
                    .into_iter()
                    .map(|c| Record {
                        id: c.hash,
                        cell: c.cell,
                        accuracy: None,
                    })
                    .collect();
                (records, "unlabelled")
            }
        };
        if records.is_empty() {
            return Err(DataError::File {
                file: path.to_path_buf(),
                message: "no cells in the file".into(),
            });
        }
        Ok(Self {
            warnings,
            ..Self::new(space, records, label)
        })
    }

    /// The bundled NB201 table with another of its accuracy columns ([`NB201_METRICS`]).
    pub fn nb201_with_metric(metric: &str) -> Result<Self, DataError> {
        let records = load_nb201(
            Path::new(nb201::BUNDLED_NAME),
            BUNDLED_NB201.as_bytes(),
            metric,
        )?;
        Ok(Self::new(SpaceKind::Nb201, records, format!("{metric} (%)")).into_bundled())
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn train(&self) -> impl Iterator<Item = &Record> {
        self.split.train.iter().map(|&i| &self.records[i])
    }

    pub fn test(&self) -> impl Iterator<Item = &Record> {
        self.split.test.iter().map(|&i| &self.records[i])
    }

    /// The labelled record with the highest accuracy (the first one on ties).
    pub fn best(&self) -> Option<&Record> {
        let mut best: Option<&Record> = None;
        for r in &self.records {
            if r.accuracy
                .is_some_and(|a| best.is_none_or(|b| b.accuracy.is_some_and(|ba| a > ba)))
            {
                best = Some(r);
            }
        }
        best
    }
}
