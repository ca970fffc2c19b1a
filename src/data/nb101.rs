//! NAS-Bench-101: the list of all cells (`hash,n,edges,adj,ops`, enumerated by cellspace and
//! cached on disk) and the labelled subset (`nb101_labelled_subset.csv`), joined by hash.

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::table::Table;
use super::{DataError, Record};
use crate::space::{EnumeratedCell, enumerate_nb101, nb101};

pub(super) const BUNDLED_NAME: &str = "assets/data/nb101_labelled_subset.csv";
pub const BUNDLED_NB101_LABELS: &str = include_str!("../../assets/data/nb101_labelled_subset.csv");
/// Number of unique NAS-Bench-101 cells.
pub const NB101_CELLS: usize = 423_624;

/// The labels of one NB101 cell (fractions as in the file; `None` where not available).
#[derive(Debug, Clone, PartialEq)]
pub struct Nb101Labels {
    pub line: u64,
    pub val_acc_108: Option<f64>,
    pub val_acc_36: Option<f64>,
    pub train_time_108: Option<f64>,
    pub params: Option<f64>,
    /// NASLib's 108-epoch validation accuracy: the only label of the 275 NASLib-only rows.
    pub naslib_val_acc_108: Option<f64>,
}

impl Nb101Labels {
    /// The accuracy cellspace uses: `val_acc_108`, else NASLib's 108-epoch value.
    pub fn accuracy(&self) -> Option<f64> {
        self.val_acc_108.or(self.naslib_val_acc_108)
    }
}

/// Loads a cell list in the `nb101_cells.csv` format. With `verify`, every row's hash is
/// recomputed and must equal the `hash` column.
pub fn load_nb101_cells(
    file: &Path,
    reader: impl Read,
    verify: bool,
) -> Result<Vec<EnumeratedCell>, DataError> {
    let table = Table::read(file, reader, &["hash", "n", "edges", "adj", "ops"])?;
    let mut cells = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let hash = table.field(row, 0);
        if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DataError::line(
                file,
                row.line,
                format!("'{hash}' is not a 32-digit hex hash"),
            ));
        }
        let n: usize = table.number(row, 1, "n")?;
        let edges: usize = table.number(row, 2, "edges")?;
        let cell = nb101::cell_from_strings(n, table.field(row, 3), table.field(row, 4))
            .map_err(|e| DataError::line(file, row.line, e.to_string()))?;
        if cell.edge_count() != edges {
            return Err(DataError::line(
                file,
                row.line,
                format!(
                    "edges column says {edges}, the matrix has {}",
                    cell.edge_count()
                ),
            ));
        }
        nb101::validate(&cell).map_err(|e| DataError::line(file, row.line, e.to_string()))?;
        if verify && nb101::hash(&cell) != hash {
            return Err(DataError::line(
                file,
                row.line,
                format!("hash {hash} does not match the cell"),
            ));
        }
        cells.push(EnumeratedCell {
            hash: hash.to_string(),
            cell,
        });
    }
    Ok(cells)
}

/// Writes cells in the `nb101_cells.csv` format, sorted by hash like the reference list.
pub fn write_nb101_cells(out: impl Write, cells: &[EnumeratedCell]) -> std::io::Result<()> {
    let mut out = BufWriter::new(out);
    writeln!(out, "hash,n,edges,adj,ops")?;
    let mut sorted: Vec<&EnumeratedCell> = cells.iter().collect();
    sorted.sort_by(|a, b| a.hash.cmp(&b.hash));
    for c in sorted {
        writeln!(
            out,
            "{},{},{},{},{}",
            c.hash,
            c.cell.len(),
            c.cell.edge_count(),
            c.cell.adjacency_string(),
            nb101::ops_string(&c.cell)
        )?;
    }
    out.flush()
}

/// Loads the labelled subset: hash -> labels.
pub fn load_nb101_labels(
    file: &Path,
    reader: impl Read,
) -> Result<HashMap<String, Nb101Labels>, DataError> {
    let table = Table::read(
        file,
        reader,
        &[
            "hash",
            "val_acc_108",
            "val_acc_36",
            "train_time_108",
            "params",
            "naslib_val_acc_108",
        ],
    )?;
    let mut labels = HashMap::with_capacity(table.rows.len());
    for row in &table.rows {
        let hash = table.field(row, 0);
        if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(DataError::line(
                file,
                row.line,
                format!("'{hash}' is not a 32-digit hex hash"),
            ));
        }
        let fraction = |k: usize, name: &str| -> Result<Option<f64>, DataError> {
            let v = table.optional_number(row, k, name)?;
            match v {
                Some(x) if !(0.0..=1.0).contains(&x) => Err(DataError::line(
                    file,
                    row.line,
                    format!("{name} {x} is not a fraction in [0, 1]"),
                )),
                _ => Ok(v),
            }
        };
        let entry = Nb101Labels {
            line: row.line,
            val_acc_108: fraction(1, "val_acc_108")?,
            val_acc_36: fraction(2, "val_acc_36")?,
            train_time_108: table.optional_number(row, 3, "train_time_108")?,
            params: table.optional_number(row, 4, "params")?,
            naslib_val_acc_108: fraction(5, "naslib_val_acc_108")?,
        };
        if labels.insert(hash.to_string(), entry).is_some() {
            return Err(DataError::line(
                file,
                row.line,
                format!("hash {hash} appears twice"),
            ));
        }
    }
    Ok(labels)
}

/// Joins labels onto cells by hash; a labelled hash that is no NB101 cell is an error.
/// Accuracy is [`Nb101Labels::accuracy`] in percent.
pub(super) fn join(
    cells: Vec<EnumeratedCell>,
    labels: &HashMap<String, Nb101Labels>,
    labels_file: &Path,
) -> Result<Vec<Record>, DataError> {
    let known: std::collections::HashSet<&str> = cells.iter().map(|c| c.hash.as_str()).collect();
    if let Some((hash, l)) = labels.iter().find(|(h, _)| !known.contains(h.as_str())) {
        return Err(DataError::line(
            labels_file,
            l.line,
            format!("hash {hash} is not a NAS-Bench-101 cell"),
        ));
    }
    Ok(cells
        .into_iter()
        .map(|c| {
            let accuracy = labels
                .get(&c.hash)
                .and_then(Nb101Labels::accuracy)
                .map(|a| a * 100.0);
            Record {
                id: c.hash,
                cell: c.cell,
                accuracy,
            }
        })
        .collect())
}

/// Where the enumerated cell list is cached: `$CELLSPACE_CACHE`, else
/// `$XDG_CACHE_HOME/cellspace`, else `~/.cache/cellspace`, else the temp dir.
pub fn nb101_cache_path() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = env("CELLSPACE_CACHE")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("cellspace")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("cellspace")))
        .unwrap_or_else(|| std::env::temp_dir().join("cellspace"));
    dir.join("nb101_cells.csv")
}

/// All 423,624 NB101 cells sorted by hash: read from the cache, or enumerated (and then
/// cached) when the cache is missing or unreadable. `progress` gets (vertices, unique so far)
/// during an enumeration.
pub fn nb101_cells_cached(
    progress: impl FnMut(usize, usize),
) -> Result<Vec<EnumeratedCell>, DataError> {
    let path = nb101_cache_path();
    if let Ok(file) = std::fs::File::open(&path) {
        match load_nb101_cells(&path, std::io::BufReader::new(file), false) {
            Ok(cells) if cells.len() == NB101_CELLS => return Ok(cells),
            Ok(cells) => eprintln!(
                "warning: {} holds {} cells instead of {NB101_CELLS}; enumerating again",
                path.display(),
                cells.len()
            ),
            Err(e) => eprintln!("warning: ignoring the NB101 cache: {e}; enumerating again"),
        }
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut cells = enumerate_nb101(nb101::MAX_VERTICES, threads, progress);
    cells.sort_by(|a, b| a.hash.cmp(&b.hash));
    if let Err(e) = write_cache(&path, &cells) {
        eprintln!(
            "warning: could not cache the NB101 cells at {}: {e}",
            path.display()
        );
    }
    Ok(cells)
}

fn write_cache(path: &Path, cells: &[EnumeratedCell]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Write beside it and rename, so an interrupted write never leaves a half cache.
    let tmp = path.with_extension(format!("csv.{}.tmp", std::process::id()));
    write_nb101_cells(std::fs::File::create(&tmp)?, cells)?;
    std::fs::rename(&tmp, path)
}
