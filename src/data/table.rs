//! Reading the CSV tables every loader shares: header by column name, line numbers in every
//! error, rows of the wrong width or with garbled values refused.

use std::io::Read;
use std::path::Path;

use super::DataError;

/// One data row: its fields by the header's column order, and its 1-based line number.
pub struct Row {
    pub line: u64,
    fields: csv::StringRecord,
}

impl Row {
    pub fn get(&self, column: usize) -> &str {
        self.fields.get(column).unwrap_or("")
    }
}

/// A parsed CSV table with the positions of the columns a loader asked for.
pub struct Table {
    pub file: std::path::PathBuf,
    pub columns: Vec<usize>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Reads `reader` (named `file` in errors), requiring the `required` columns in the header.
    pub fn read(file: &Path, reader: impl Read, required: &[&str]) -> Result<Table, DataError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(reader);
        let header = csv.headers().map_err(|e| csv_error(file, e))?.clone();
        if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
            return Err(DataError::Empty {
                file: file.to_path_buf(),
            });
        }
        let columns = required
            .iter()
            .map(|name| {
                header
                    .iter()
                    .position(|h| h.trim() == *name)
                    .ok_or_else(|| DataError::line(file, 1, format!("missing column '{name}'")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let width = header.len();
        let mut rows = Vec::new();
        for record in csv.records() {
            let fields = record.map_err(|e| csv_error(file, e))?;
            let line = fields.position().map(|p| p.line()).unwrap_or(0);
            if fields.len() == 1 && fields.get(0).is_some_and(|f| f.trim().is_empty()) {
                continue;
            }
            if fields.len() != width {
                return Err(DataError::line(
                    file,
                    line,
                    format!(
                        "{} fields, the header has {width} (truncated or garbled line?)",
                        fields.len()
                    ),
                ));
            }
            rows.push(Row { line, fields });
        }
        if rows.is_empty() {
            return Err(DataError::File {
                file: file.to_path_buf(),
                message: "no data rows".into(),
            });
        }
        Ok(Table {
            file: file.to_path_buf(),
            columns,
            rows,
        })
    }

    /// Field `k` of the required columns in `row`.
    pub fn field<'r>(&self, row: &'r Row, k: usize) -> &'r str {
        row.get(self.columns[k]).trim()
    }

    /// Parses field `k` as a number, naming the column on failure.
    pub fn number<T: std::str::FromStr>(
        &self,
        row: &Row,
        k: usize,
        name: &str,
    ) -> Result<T, DataError> {
        let text = self.field(row, k);
        text.parse().map_err(|_| {
            DataError::line(
                &self.file,
                row.line,
                format!("column '{name}': '{text}' is not a number"),
            )
        })
    }

    /// Like [`Table::number`], but an empty field is `None`.
    pub fn optional_number(
        &self,
        row: &Row,
        k: usize,
        name: &str,
    ) -> Result<Option<f64>, DataError> {
        if self.field(row, k).is_empty() {
            return Ok(None);
        }
        let value: f64 = self.number(row, k, name)?;
        if !value.is_finite() {
            return Err(DataError::line(
                &self.file,
                row.line,
                format!("column '{name}': value is not finite"),
            ));
        }
        Ok(Some(value))
    }
}

fn csv_error(file: &Path, e: csv::Error) -> DataError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            file: file.to_path_buf(),
            source,
        },
        csv::ErrorKind::Utf8 { err, .. } => {
            DataError::line(file, line, format!("not UTF-8 text: {err}"))
        }
        other => DataError::line(file, line, format!("malformed CSV: {other:?}")),
    }
}
