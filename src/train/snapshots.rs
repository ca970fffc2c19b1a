//! The latent space while it forms (operation-embeddings paper, Figures 9-10): at chosen epochs
//! training keeps the latent means of a fixed sample of cells in the run folder
//! (`snapshots/rows.json` names the sample's rows of the bundled table, `snapshots/epoch-NNNN.bin`
//! holds its means), so the explorer can show the space epoch by epoch, live while a run trains.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::TrainError;

/// Which epochs keep a snapshot, and of how many cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotPlan {
    /// Every this many epochs (the first and the last epoch always); 0: about 30 over the run.
    pub every: usize,
    /// Cells in the sample (all of them when the space has fewer).
    pub cells: usize,
}

impl Default for SnapshotPlan {
    fn default() -> Self {
        Self {
            every: 0,
            cells: 2000,
        }
    }
}

impl SnapshotPlan {
    /// Whether epoch `epoch` (0-based) of a run of `epochs` keeps a snapshot.
    pub fn wants(&self, epoch: usize, epochs: usize) -> bool {
        let every = if self.every == 0 {
            (epochs / 30).max(1)
        } else {
            self.every
        };
        epoch == 0 || epoch + 1 == epochs || (epoch + 1).is_multiple_of(every)
    }
}

pub const DIR: &str = "snapshots";
const ROWS: &str = "rows.json";

/// The sample's rows of the bundled table (sorted), drawn from `seed`.
pub fn sample_rows(total: usize, cells: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x736e_6170);
    let mut rows = rand::seq::index::sample(&mut rng, total, cells.min(total)).into_vec();
    rows.sort_unstable();
    rows
}

fn epoch_file(run: &Path, epoch: usize) -> PathBuf {
    run.join(DIR).join(format!("epoch-{epoch:04}.bin"))
}

/// Writes `bytes` to `path` through a temporary name and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| TrainError::io(path, "write", e))
}

/// Keeps the sample's rows (once per run; the same rows on resume).
pub fn write_rows(run: &Path, rows: &[usize]) -> Result<(), TrainError> {
    let dir = run.join(DIR);
    std::fs::create_dir_all(&dir).map_err(|e| TrainError::io(&dir, "create", e))?;
    let path = dir.join(ROWS);
    let text = serde_json::to_string(rows).map_err(|error| TrainError::Serialise {
        file: path.clone(),
        error,
    })? + "\n";
    write_atomic(&path, text.as_bytes())
}

pub fn read_rows(run: &Path) -> Result<Vec<usize>, TrainError> {
    let path = run.join(DIR).join(ROWS);
    let text = std::fs::read_to_string(&path).map_err(|e| TrainError::io(&path, "read", e))?;
    serde_json::from_str(&text).map_err(|error| TrainError::Json { path, error })
}

/// Keeps one epoch's means (rows in the order of `rows.json`).
pub fn write_epoch(run: &Path, epoch: usize, means: &[Vec<f32>]) -> Result<(), TrainError> {
    let dims = means.first().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(8 + means.len() * dims * 4);
    bytes.extend((means.len() as u32).to_le_bytes());
    bytes.extend((dims as u32).to_le_bytes());
    for m in means {
        for v in m {
            bytes.extend(v.to_le_bytes());
        }
    }
    write_atomic(&epoch_file(run, epoch), &bytes)
}

pub fn read_epoch(run: &Path, epoch: usize) -> Result<Vec<Vec<f32>>, TrainError> {
    let path = epoch_file(run, epoch);
    let bytes = std::fs::read(&path).map_err(|e| TrainError::io(&path, "read", e))?;
    let word = |i: usize| {
        bytes
            .get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let (Some(n), Some(d)) = (word(0), word(1)) else {
        return Err(TrainError::SnapshotTooShort { path });
    };
    if d == 0 || bytes.len() != 8 + n * d * 4 {
        return Err(TrainError::SnapshotSize {
            path,
            bytes: bytes.len(),
            means: n,
            values: d,
        });
    }
    Ok(bytes[8..]
        .chunks_exact(d * 4)
        .map(|row| {
            row.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect())
}

/// The epochs with a snapshot, up to (not including) `completed` — a snapshot written for an
/// epoch whose checkpoint was never committed (a killed run) is not shown.
pub fn epochs(run: &Path, completed: usize) -> Vec<usize> {
    let Ok(entries) = std::fs::read_dir(run.join(DIR)) else {
        return Vec::new();
    };
    let mut out: Vec<usize> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.strip_prefix("epoch-")?
                .strip_suffix(".bin")?
                .parse()
                .ok()
        })
        .filter(|&e| e < completed)
        .collect();
    out.sort_unstable();
    out
}

/// Rotates (and, if that fits better, mirrors) the centred points `xy` onto `target` (the
/// same cells' positions in the previous epoch's picture): the 2-d orthogonal Procrustes
/// solution, so that successive PCA maps do not spin or flip from one epoch to the next.
pub fn align(xy: &mut [[f32; 2]], target: &[[f32; 2]]) {
    if xy.len() != target.len() || xy.is_empty() {
        return;
    }
    let centre = |p: &[[f32; 2]]| {
        let n = p.len() as f64;
        let (sx, sy) = p
            .iter()
            .fold((0.0, 0.0), |(a, b), q| (a + q[0] as f64, b + q[1] as f64));
        (sx / n, sy / n)
    };
    let (cx, cy) = centre(xy);
    let (tx, ty) = centre(target);
    // For each handedness, the best rotation angle and the residual it leaves.
    let fit = |mirror: f64| {
        let (mut dot, mut cross) = (0.0, 0.0);
        for (p, q) in xy.iter().zip(target) {
            let (x, y) = (p[0] as f64 - cx, mirror * (p[1] as f64 - cy));
            let (u, v) = (q[0] as f64 - tx, q[1] as f64 - ty);
            dot += x * u + y * v;
            cross += x * v - y * u;
        }
        let theta = cross.atan2(dot);
        (theta, dot * theta.cos() + cross * theta.sin())
    };
    let (plain, mirrored) = (fit(1.0), fit(-1.0));
    let (mirror, theta) = if mirrored.1 > plain.1 {
        (-1.0, mirrored.0)
    } else {
        (1.0, plain.0)
    };
    let (c, s) = (theta.cos(), theta.sin());
    for p in xy.iter_mut() {
        let (x, y) = (p[0] as f64 - cx, mirror * (p[1] as f64 - cy));
        *p = [(c * x - s * y + tx) as f32, (s * x + c * y + ty) as f32];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_takes_first_every_kth_and_last() {
        let plan = SnapshotPlan {
            every: 5,
            cells: 10,
        };
        let kept: Vec<usize> = (0..12).filter(|&e| plan.wants(e, 12)).collect();
        assert_eq!(kept, vec![0, 4, 9, 11]);
        let auto = SnapshotPlan::default();
        assert_eq!((0..300).filter(|&e| auto.wants(e, 300)).count(), 31);
        assert!((0..12).all(|e| auto.wants(e, 12)));
    }

    #[test]
    fn epochs_round_trip_and_uncommitted_ones_are_hidden() {
        let dir = tempfile::tempdir().unwrap();
        write_rows(dir.path(), &[3, 7]).unwrap();
        let means = vec![vec![1.0, 2.0, 3.0], vec![-1.0, 0.5, 0.0]];
        write_epoch(dir.path(), 0, &means).unwrap();
        write_epoch(dir.path(), 4, &means).unwrap();
        assert_eq!(read_rows(dir.path()).unwrap(), vec![3, 7]);
        assert_eq!(read_epoch(dir.path(), 4).unwrap(), means);
        assert_eq!(epochs(dir.path(), 5), vec![0, 4]);
        assert_eq!(epochs(dir.path(), 4), vec![0]);
        std::fs::write(epoch_file(dir.path(), 2), [1, 0, 0, 0, 3, 0, 0, 0, 9]).unwrap();
        let err = read_epoch(dir.path(), 2).unwrap_err().to_string();
        assert!(err.contains("do not hold 1 means of 3 values"), "{err}");
    }

    #[test]
    fn align_undoes_a_rotation_and_a_mirror() {
        let target: Vec<[f32; 2]> = (0..20)
            .map(|i| {
                let t = i as f32 * 0.7;
                [t.cos() * (1.0 + i as f32 * 0.1), t.sin() * 0.5 + 2.0]
            })
            .collect();
        for mirror in [1.0f32, -1.0] {
            let (c, s) = (0.3f32.cos(), 0.3f32.sin());
            let mut moved: Vec<[f32; 2]> = target
                .iter()
                .map(|p| {
                    let (x, y) = (p[0], mirror * p[1]);
                    [c * x - s * y + 5.0, s * x + c * y - 1.0]
                })
                .collect();
            align(&mut moved, &target);
            for (a, b) in moved.iter().zip(&target) {
                assert!(
                    (a[0] - b[0]).abs() < 1e-4 && (a[1] - b[1]).abs() < 1e-4,
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
