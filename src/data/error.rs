use std::path::PathBuf;

use thiserror::Error;

/// Why a data file could not be loaded; always names the file and, where there is one, the line.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the file is empty (expected a header line)")]
    Empty { file: PathBuf },
    #[error("{file}:{line}: {message}")]
    Line {
        file: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: PathBuf, message: String },
}

impl DataError {
    pub(crate) fn line(file: &std::path::Path, line: u64, message: impl Into<String>) -> Self {
        DataError::Line {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}
