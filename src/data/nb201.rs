//! `nb201_accuracies.csv`: every NAS-Bench-201 cell with its accuracies.

use std::io::Read;
use std::path::Path;

use super::table::Table;
use super::{DataError, Record};
use crate::space::nb201;

pub(super) const BUNDLED_NAME: &str = "assets/data/nb201_accuracies.csv";
pub const BUNDLED_NB201: &str = include_str!("../../assets/data/nb201_accuracies.csv");

/// The accuracy columns a user may pick (all in percent).
pub const NB201_METRICS: [&str; 12] = [
    "c10_test_200",
    "c100_test_200",
    "in16_test_200",
    "naslib_c10_200_s1",
    "naslib_c100_200_s1",
    "naslib_in16_200_s1",
    "c10valid_xvalid_12",
    "c10_oritest_12",
    "c100_xvalid_12",
    "c100_xtest_12",
    "in16_xvalid_12",
    "in16_xtest_12",
];

/// Loads a NB201 table with `metric` (one of [`NB201_METRICS`]) as the accuracy. The arch
/// string and the ops column must describe the same cell.
pub fn load_nb201(file: &Path, reader: impl Read, metric: &str) -> Result<Vec<Record>, DataError> {
    if !NB201_METRICS.contains(&metric) {
        return Err(DataError::File {
            file: file.to_path_buf(),
            message: format!(
                "unknown accuracy column '{metric}' (choose one of {})",
                NB201_METRICS.join(", ")
            ),
        });
    }
    let table = Table::read(file, reader, &["index", "arch_str", "ops", metric])?;
    let mut records = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let index: u64 = table.number(row, 0, "index")?;
        let bad = |e: crate::space::SpaceError| DataError::line(file, row.line, e.to_string());
        let cell = nb201::cell_from_arch_str(table.field(row, 1)).map_err(bad)?;
        let from_ops = nb201::cell_from_ops_string(table.field(row, 2)).map_err(bad)?;
        if from_ops != cell {
            return Err(DataError::line(
                file,
                row.line,
                "arch_str and ops describe different cells",
            ));
        }
        let accuracy = table.optional_number(row, 3, metric)?;
        if let Some(a) = accuracy.filter(|a| !(0.0..=100.0).contains(a)) {
            return Err(DataError::line(
                file,
                row.line,
                format!("{metric} {a} is not a percentage"),
            ));
        }
        records.push(Record {
            id: index.to_string(),
            cell,
            accuracy,
        });
    }
    Ok(records)
}
