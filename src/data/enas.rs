//! `enas6_dvae.csv`: D-VAE's ENAS-6 table (see assets/data and shared data README).

use std::io::Read;
use std::path::Path;

use super::table::Table;
use super::{DataError, Record};
use crate::space::enas;

pub(super) const BUNDLED_NAME: &str = "assets/data/enas6_dvae.csv";
pub const BUNDLED_ENAS: &str = include_str!("../../assets/data/enas6_dvae.csv");

/// Loads an ENAS table; with `dvae_only` just the 19,020 rows D-VAE uses (`dvae_used = 1`).
/// Accuracy (a fraction in the file) is returned in percent.
pub fn load_enas(
    file: &Path,
    reader: impl Read,
    dvae_only: bool,
) -> Result<Vec<Record>, DataError> {
    let table = Table::read(file, reader, &["line", "dvae_used", "ops", "skips", "acc"])?;
    let mut records = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let used: u8 = table.number(row, 1, "dvae_used")?;
        if used > 1 {
            return Err(DataError::line(
                file,
                row.line,
                format!("dvae_used is {used}, expected 0 or 1"),
            ));
        }
        if dvae_only && used == 0 {
            continue;
        }
        let id: u64 = table.number(row, 0, "line")?;
        let cell = enas::cell_from_strings(table.field(row, 2), table.field(row, 3))
            .map_err(|e| DataError::line(file, row.line, e.to_string()))?;
        let acc: f64 = table.number(row, 4, "acc")?;
        if !(0.0..=1.0).contains(&acc) {
            return Err(DataError::line(
                file,
                row.line,
                format!("acc {acc} is not a fraction in [0, 1]"),
            ));
        }
        records.push(Record {
            id: id.to_string(),
            cell,
            accuracy: Some(acc * 100.0),
        });
    }
    Ok(records)
}
