//! The last `eval` of a run, kept in its folder (`eval.json`) so that `compare` and the
//! explorer show Table-I figures without decoding 200,000 cells again. It names the digest of
//! the weights it measured: a retrained or replaced checkpoint makes it stale, whatever the
//! files' dates (a git clone gives every file the same date).

use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::{EvalError, EvalProtocol, GenerativeMetrics};

pub const FILE: &str = "eval.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedEval {
    /// MD5 of the checkpoint's `model.bpk` that was measured.
    pub model_md5: String,
    pub protocol: EvalProtocol,
    pub metrics: GenerativeMetrics,
    pub seconds: f64,
}

/// The hex MD5 of a file.
pub fn file_md5(path: &Path) -> Result<String, EvalError> {
    let bytes = std::fs::read(path).map_err(|error| EvalError::Io {
        path: path.to_path_buf(),
        action: "read",
        error,
    })?;
    Ok(Md5::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Writes `eval.json` into `run` (through a temporary file and a rename, so a reader never
/// sees half of it).
pub fn save(run: &Path, saved: &SavedEval) -> Result<PathBuf, EvalError> {
    let path = run.join(FILE);
    let partial = run.join(format!("{FILE}.partial"));
    let text = serde_json::to_string_pretty(saved).map_err(EvalError::Serialise)? + "\n";
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|error| EvalError::Io {
            path: path.clone(),
            action: "write",
            error,
        })?;
    Ok(path)
}

/// Keeps one evaluation of the weights in `model_file` as `run`'s `eval.json`.
pub fn keep(
    run: &Path,
    model_file: &Path,
    protocol: &EvalProtocol,
    metrics: &GenerativeMetrics,
    seconds: f64,
) -> Result<PathBuf, EvalError> {
    let saved = SavedEval {
        model_md5: file_md5(model_file)?,
        protocol: protocol.clone(),
        metrics: metrics.clone(),
        seconds,
    };
    save(run, &saved)
}

/// What `eval.json` in `run` says about the weights in `model_file`: `Ok(None)` when there is
/// no such file, `Err` naming the file when it cannot be read or measured other weights.
pub fn load(run: &Path, model_file: &Path) -> Result<Option<SavedEval>, EvalError> {
    let path = run.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(EvalError::Io {
                path,
                action: "read",
                error,
            });
        }
    };
    let saved: SavedEval = serde_json::from_str(&text).map_err(|error| EvalError::Json {
        path: path.clone(),
        error,
    })?;
    let digest = file_md5(model_file)?;
    if saved.model_md5 != digest {
        return Err(EvalError::StaleEval {
            path,
            saved: saved.model_md5,
            model_file: model_file.to_path_buf(),
            digest,
            run: run.to_path_buf(),
        });
    }
    Ok(Some(saved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::InvalidReason;

    #[test]
    fn round_trip_and_stale_weights() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model.bpk");
        std::fs::write(&model, b"weights").unwrap();
        assert_eq!(load(dir.path(), &model).unwrap(), None);
        let saved = SavedEval {
            model_md5: file_md5(&model).unwrap(),
            protocol: EvalProtocol::default(),
            metrics: GenerativeMetrics {
                reconstruction_accuracy: 0.9,
                reconstruction_accuracy_mean: 0.99,
                validity: 1.0,
                uniqueness: 0.4,
                novelty: 1.0,
                test_graphs: 10,
                decodings: 1100,
                invalid: vec![InvalidReason {
                    reason: "the chain edge 3->4 is missing".into(),
                    count: 7,
                }],
            },
            seconds: 1.5,
        };
        save(dir.path(), &saved).unwrap();
        assert_eq!(load(dir.path(), &model).unwrap(), Some(saved));
        std::fs::write(&model, b"other weights").unwrap();
        let err = load(dir.path(), &model).unwrap_err().to_string();
        assert!(err.contains("measured other weights"), "{err}");
        std::fs::write(dir.path().join(FILE), "{\"model_md5\": 3}").unwrap();
        let err = load(dir.path(), &model).unwrap_err().to_string();
        assert!(err.contains("eval.json"), "{err}");
    }
}
