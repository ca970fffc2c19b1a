//! BO trials kept in a run folder (`cellspace bo --keep` writes `bo.json`), so that `tables`
//! prints the SVGe paper's Table III without searching again: an NB101 trial decodes, scores
//! and encodes 500 cells and refits a sparse GP ten times, minutes on a CPU. Like `eval.json`
//! it names the digest of the weights it searched with, so a retrained model's record is stale.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RunError;
use crate::bo::BoConfig;
use crate::eval::saved::file_md5;

pub const FILE: &str = "bo.json";

/// One BO trial: where it started and what it found (accuracies in percent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoTrial {
    pub seed: u64,
    /// Best of the random labelled cells it started from.
    pub initial_best: f64,
    /// Best true accuracy found (cells outside the table never count).
    pub best: f64,
    pub best_id: Option<String>,
    /// Rank of `best` among the table's labelled cells (1: the optimum).
    pub rank: usize,
    /// Cells evaluated, and how many of them were estimates (outside the table).
    pub evaluated: usize,
    pub estimated: usize,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoRecord {
    /// MD5 of the checkpoint's `model.bpk` the trials searched with.
    pub model_md5: String,
    /// The settings of every trial but its seed.
    pub config: BoConfig,
    pub trials: Vec<BoTrial>,
}

impl BoRecord {
    /// Mean and (population) standard deviation of the trials' best accuracies.
    pub fn best_mean_std(&self) -> (f64, f64) {
        best_mean_std(&self.trials)
    }
}

/// Mean and (population) standard deviation of `trials`' best accuracies.
pub fn best_mean_std(trials: &[BoTrial]) -> (f64, f64) {
    let n = trials.len().max(1) as f64;
    let mean = trials.iter().map(|t| t.best).sum::<f64>() / n;
    let var = trials.iter().map(|t| (t.best - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn io_error(path: &Path, action: &'static str, error: std::io::Error) -> RunError {
    RunError::Record {
        path: path.to_path_buf(),
        error: format!("cannot {action} it: {error}"),
    }
}

/// Keeps `trials`, run with `config` on the weights in `model_file`, as `run`'s `bo.json`
/// (through a temporary file and a rename).
pub fn keep(
    run: &Path,
    model_file: &Path,
    config: &BoConfig,
    trials: &[BoTrial],
) -> Result<PathBuf, RunError> {
    let measure = |error| RunError::Measure {
        dir: run.to_path_buf(),
        error: Box::new(error),
    };
    let record = BoRecord {
        model_md5: file_md5(model_file).map_err(measure)?,
        config: config.clone(),
        trials: trials.to_vec(),
    };
    let path = run.join(FILE);
    let partial = run.join(format!("{FILE}.partial"));
    let text = serde_json::to_string_pretty(&record).map_err(|e| RunError::Record {
        path: path.clone(),
        error: e.to_string(),
    })? + "\n";
    std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| io_error(&path, "write", e))?;
    Ok(path)
}

/// `run`'s `bo.json`: `Ok(None)` when there is none, `Err` naming the file when it cannot be
/// read or searched with other weights than those in `model_file`.
pub fn load(run: &Path, model_file: &Path) -> Result<Option<BoRecord>, RunError> {
    let path = run.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(&path, "read", e)),
    };
    let record: BoRecord = serde_json::from_str(&text).map_err(|e| RunError::Record {
        path: path.clone(),
        error: format!("not a BO record: {e}"),
    })?;
    let now = file_md5(model_file).map_err(|error| RunError::Measure {
        dir: run.to_path_buf(),
        error: Box::new(error),
    })?;
    if record.model_md5 != now {
        return Err(RunError::Record {
            path,
            error: format!(
                "searched with other weights (MD5 {}, the checkpoint's is {now}): run \
                 `cellspace bo --keep` again",
                record.model_md5
            ),
        });
    }
    Ok(Some(record))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(seed: u64, best: f64) -> BoTrial {
        BoTrial {
            seed,
            initial_best: 90.0,
            best,
            best_id: None,
            rank: 1,
            evaluated: 600,
            estimated: 0,
            seconds: 1.0,
        }
    }

    #[test]
    fn a_kept_record_reads_back_and_goes_stale_with_the_weights() {
        let dir = tempfile::tempdir().unwrap();
        let weights = dir.path().join("model.bpk");
        std::fs::write(&weights, b"weights").unwrap();
        assert_eq!(load(dir.path(), &weights).unwrap(), None);
        let trials = [trial(0, 94.0), trial(1, 95.0)];
        keep(dir.path(), &weights, &BoConfig::default(), &trials).unwrap();
        let read = load(dir.path(), &weights).unwrap().unwrap();
        assert_eq!(read.trials, trials);
        assert_eq!(read.best_mean_std(), (94.5, 0.5));
        std::fs::write(&weights, b"retrained").unwrap();
        let err = load(dir.path(), &weights).unwrap_err().to_string();
        assert!(
            err.contains("bo.json") && err.contains("other weights"),
            "{err}"
        );
        std::fs::write(dir.path().join(FILE), "{ no").unwrap();
        let err = load(dir.path(), &weights).unwrap_err().to_string();
        assert!(err.contains("not a BO record"), "{err}");
    }
}
