//! The models that ship in `assets/models`, found by what their `run.json` says.

use std::path::{Path, PathBuf};

use crate::space::SpaceKind;
use crate::train::RunManifest;

/// Where bundled models are looked for: beside the working directory first, then in the
/// source tree the binary was built from.
fn bundled_bases() -> [PathBuf; 2] {
    [
        PathBuf::from("assets/models"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models"),
    ]
}

/// Every bundled model of a space (run folders whose `run.json` names that space), sorted by
/// folder name, from the first base that has any. A folder with an unreadable `run.json` is
/// left out here; opening it by path reports why.
pub fn bundled_runs(space: SpaceKind) -> Vec<PathBuf> {
    for base in bundled_bases() {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut runs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|dir| RunManifest::read(dir).is_ok_and(|m| m.config.space == space))
            .collect();
        if !runs.is_empty() {
            runs.sort();
            return runs;
        }
    }
    Vec::new()
}

/// The model a space opens with: its bundled SVGe (the flagship of both papers' comparisons),
/// else its first bundled model.
pub fn bundled_run(space: SpaceKind) -> Option<PathBuf> {
    let runs = bundled_runs(space);
    let svge = format!("svge-{}", space.name());
    runs.iter()
        .find(|d| d.file_name().is_some_and(|n| n == svge.as_str()))
        .or(runs.first())
        .cloned()
}
