//! Property tests of every parser a user's file reaches: the three CSV tables (ENAS, NB201,
//! NB101 labels), the NB101 cell list, run.json and a checkpoint file. Each gets 10,000
//! inputs, generated or mutated from valid ones by a seeded mutator; none may panic, and every
//! rejection must be an error that names the file (or, for run.json's text, says what is
//! wrong). The counts are printed (`cargo test --release --test fuzz_parsers -- --nocapture`).
//!
//! Why no fuzzing crate: the mutations are a few lines over `rand` (already a dependency),
//! and the properties checked are the same as with proptest or arbtest; a failing case is
//! printed with its seed, so it reproduces.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const INPUTS: usize = 10_000;

/// Tokens that break parsers: separators, quotes, numbers at the edges, odd text.
const TOKENS: &[&str] = &[
    ",",
    "\n",
    "\r\n",
    "\"",
    "\"\"",
    "",
    " ",
    "-1",
    "0",
    "1",
    "2",
    "7",
    "9",
    "-0",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "0.5",
    "1.5",
    "99999999999999999999999",
    "18446744073709551616",
    "0x1F",
    "\u{feff}",
    "\u{0}",
    "é",
    "|",
    "~",
    "+",
    "()",
    "@",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "true",
    "\"format\": 99",
    "\"checkpoint\": \"../x\"",
    "\"epochs\": []",
];

/// One random change to `input`.
fn mutate(rng: &mut StdRng, input: &mut Vec<u8>) {
    let len = input.len();
    let at = |rng: &mut StdRng| {
        if len == 0 {
            0
        } else {
            rng.random_range(0..=len)
        }
    };
    match rng.random_range(0..8) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] = rng.random();
        }
        1 => {
            let i = at(rng);
            let token = TOKENS[rng.random_range(0..TOKENS.len())].as_bytes();
            input.splice(i..i, token.iter().copied());
        }
        2 if len > 0 => {
            let i = rng.random_range(0..len);
            let j = (i + rng.random_range(1..40)).min(len);
            input.drain(i..j);
        }
        3 => {
            let i = at(rng);
            input.truncate(i);
        }
        4 => {
            // Replace one field (between separators) with a token.
            let seps: Vec<usize> = (0..len)
                .filter(|&i| matches!(input[i], b',' | b'\n' | b':'))
                .collect();
            if seps.len() >= 2 {
                let k = rng.random_range(0..seps.len() - 1);
                let (a, b) = (seps[k] + 1, seps[k + 1]);
                let token = TOKENS[rng.random_range(0..TOKENS.len())].as_bytes();
                input.splice(a..b, token.iter().copied());
            }
        }
        5 => {
            // Duplicate or drop a whole line.
            let lines: Vec<usize> = (0..len).filter(|&i| input[i] == b'\n').collect();
            if lines.len() >= 2 {
                let k = rng.random_range(0..lines.len() - 1);
                let (a, b) = (lines[k] + 1, lines[k + 1] + 1);
                if rng.random() {
                    let line = input[a..b].to_vec();
                    input.splice(a..a, line);
                } else {
                    input.drain(a..b);
                }
            }
        }
        6 => {
            // A digit changed: values out of range, hashes that no longer match.
            let digits: Vec<usize> = (0..len).filter(|&i| input[i].is_ascii_digit()).collect();
            if !digits.is_empty() {
                let i = digits[rng.random_range(0..digits.len())];
                input[i] = b'0' + rng.random_range(0..10u8);
            }
        }
        _ => {
            let i = at(rng);
            let junk: Vec<u8> = (0..rng.random_range(1..8)).map(|_| rng.random()).collect();
            input.splice(i..i, junk);
        }
    }
}

/// Inputs for one parser: a quarter generated from scratch (random lines of tokens under a
/// valid header), the rest valid seeds with 1 to 4 mutations.
fn inputs(seed: u64, seeds: &[Vec<u8>], header: &str) -> impl Iterator<Item = (u64, Vec<u8>)> {
    let seeds = seeds.to_vec();
    let header = header.to_string();
    (0..INPUTS as u64).map(move |k| {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(k));
        let input = if k % 4 == 0 {
            let mut text = header.clone();
            for _ in 0..rng.random_range(0..6) {
                let fields: Vec<&str> = (0..rng.random_range(1..10))
                    .map(|_| TOKENS[rng.random_range(0..TOKENS.len())])
                    .collect();
                text.push_str(&fields.join(","));
                text.push('\n');
            }
            text.into_bytes()
        } else {
            let mut input = seeds[rng.random_range(0..seeds.len())].clone();
            for _ in 0..rng.random_range(1..5) {
                mutate(&mut rng, &mut input);
            }
            input
        };
        (k, input)
    })
}

/// Feeds every input to `parse`, which returns `Ok` or the rejection's message; fails on a
/// panic or on a message that does not pass `clear`. Returns (accepted, rejected).
fn run(
    name: &str,
    seed: u64,
    seeds: &[Vec<u8>],
    header: &str,
    mut parse: impl FnMut(&[u8]) -> Result<(), String>,
    clear: impl Fn(&str) -> bool,
) {
    // Quiet: a panic is reported below, with its input.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (mut accepted, mut rejected) = (0, 0);
    let mut failure = None;
    for (k, input) in inputs(seed, seeds, header) {
        match catch_unwind(AssertUnwindSafe(|| parse(&input))) {
            Ok(Ok(())) => accepted += 1,
            Ok(Err(message)) if clear(&message) => rejected += 1,
            Ok(Err(message)) => {
                failure = Some(format!("input {k}: unclear error {message:?}"));
                break;
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failure = Some(format!(
                    "input {k} panicked ({what}): {:?}",
                    String::from_utf8_lossy(&input)
                ));
                break;
            }
        }
    }
    std::panic::set_hook(hook);
    if let Some(f) = failure {
        panic!("{name}: {f}");
    }
    println!(
        "{name}: {} inputs, {accepted} accepted, {rejected} rejected with a clear error, 0 panics",
        accepted + rejected
    );
    assert_eq!(accepted + rejected, INPUTS);
    assert!(rejected > INPUTS / 4, "{name}: the mutations hardly bite");
}

/// The header and first `n` data lines of a bundled table.
fn head(text: &str, n: usize) -> Vec<u8> {
    let mut out: String = text.lines().take(n + 1).collect::<Vec<_>>().join("\n");
    out.push('\n');
    out.into_bytes()
}

fn names_file(message: &str) -> bool {
    message.contains("fuzz.csv")
}

#[test]
fn enas_table() {
    let data = cellspace::data::BUNDLED_ENAS;
    let header = data.lines().next().unwrap().to_string() + "\n";
    run(
        "ENAS CSV",
        1,
        &[head(data, 20)],
        &header,
        |b| {
            cellspace::data::load_enas(Path::new("fuzz.csv"), b, false)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        names_file,
    );
}

#[test]
fn nb201_table() {
    let data = cellspace::data::BUNDLED_NB201;
    let header = data.lines().next().unwrap().to_string() + "\n";
    run(
        "NB201 CSV",
        2,
        &[head(data, 20)],
        &header,
        |b| {
            cellspace::data::load_nb201(Path::new("fuzz.csv"), b, "c10_test_200")
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        names_file,
    );
}

#[test]
fn nb101_labels() {
    let data = cellspace::data::BUNDLED_NB101_LABELS;
    let header = data.lines().next().unwrap().to_string() + "\n";
    run(
        "NB101 labels CSV",
        3,
        &[head(data, 20)],
        &header,
        |b| {
            cellspace::data::load_nb101_labels(Path::new("fuzz.csv"), b)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        names_file,
    );
}

#[test]
fn nb101_cell_list() {
    use cellspace::space::{EnumeratedCell, nb101};
    // One topology of the first reference row with several operation strings.
    let adj = "0100110001000000010010000010000001000000010000000";
    let cells: Vec<EnumeratedCell> = ["02001", "01201", "22222", "10101"]
        .iter()
        .map(|ops| {
            let cell = nb101::cell_from_strings(7, adj, ops).unwrap();
            EnumeratedCell {
                hash: nb101::hash(&cell),
                cell,
            }
        })
        .collect();
    let mut seed = Vec::new();
    cellspace::data::write_nb101_cells(&mut seed, &cells).unwrap();
    assert_eq!(
        cellspace::data::load_nb101_cells(Path::new("fuzz.csv"), seed.as_slice(), true)
            .unwrap()
            .len(),
        4
    );
    run(
        "NB101 cell list",
        4,
        &[seed],
        "hash,n,edges,adj,ops\n",
        |b| {
            cellspace::data::load_nb101_cells(Path::new("fuzz.csv"), b, true)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        names_file,
    );
}

/// A manifest of the current format with one epoch.
fn current_manifest() -> Vec<u8> {
    use cellspace::model::{ModelKind, VaeConfig};
    use cellspace::train::{EpochMetrics, RunManifest, TrainConfig};
    let mut m = RunManifest::new(TrainConfig::paper(
        cellspace::space::SpaceKind::Nb201,
        VaeConfig::paper(ModelKind::Svge),
    ));
    m.checkpoint = Some("epoch-0001".into());
    m.epochs.push(EpochMetrics {
        epoch: 0,
        train_reconstruction: 1.5,
        train_kl: 20.0,
        test_reconstruction: 1.7,
        test_kl: 21.0,
        learning_rate: 1e-4,
        seconds: 3.0,
        graphs_per_second: 100.0,
    });
    serde_json::to_vec_pretty(&m).unwrap()
}

#[test]
fn run_manifest() {
    let bundled = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/svge-nb201/run.json"),
    )
    .unwrap();
    let current = current_manifest();
    cellspace::train::RunManifest::parse(std::str::from_utf8(&current).unwrap()).unwrap();
    run(
        "run.json",
        5,
        &[bundled, current],
        "{\n",
        |b| {
            cellspace::train::RunManifest::parse(&String::from_utf8_lossy(b))
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        |m| {
            // Each rejection says what is wrong: the JSON, a field, the format or a setting.
            [
                "manifest",
                "field",
                "format",
                "settings",
                "epochs",
                "learning_rate",
                "checkpoint",
            ]
            .iter()
            .any(|w| m.contains(w))
        },
    );
}

#[test]
fn run_manifest_rejections_name_the_problem() {
    use cellspace::train::RunManifest;
    let text = String::from_utf8(current_manifest()).unwrap();
    // A typo of a field is named, not dropped in favour of a default.
    let typo = text.replace("\"embedding_rounds\"", "\"embeding_rounds\"");
    let e = RunManifest::parse(&typo).unwrap_err().to_string();
    assert!(e.contains("unknown field `embeding_rounds`"), "{e}");
    // A newer format names the version that wrote it.
    let newer = text.replacen("\"format\": 2", "\"format\": 7", 1).replace(
        "\"cellspace_version\": \"0.1.0\"",
        "\"cellspace_version\": \"9.9.9\"",
    );
    let e = RunManifest::parse(&newer).unwrap_err().to_string();
    assert!(
        e.contains("format 7") && e.contains("9.9.9") && e.contains("update"),
        "{e}"
    );
    // A checkpoint outside the run folder is refused.
    let outside = text.replace("\"epoch-0001\"", "\"../elsewhere\"");
    assert!(
        RunManifest::parse(&outside)
            .unwrap_err()
            .to_string()
            .contains("checkpoint")
    );
    // Through a folder, the error names the file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.json"), typo).unwrap();
    let e = RunManifest::read(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("run.json") && e.contains("embeding_rounds"),
        "{e}"
    );
}

#[test]
fn checkpoint_file() {
    use burn::module::Module;
    use cellspace::model::{GraphVae, ModelKind, VaeConfig};
    use cellspace::space::SpaceKind;
    use cellspace::train::{RunManifest, TrainConfig, load_model};
    let device = burn::tensor::Device::flex();
    let vae = VaeConfig {
        hidden: 8,
        ..VaeConfig::paper(ModelKind::Svge)
    };
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = RunManifest::new(TrainConfig::paper(SpaceKind::Nb201, vae.clone()));
    manifest.checkpoint = Some("epoch-0001".into());
    let folder = dir.path().join("epoch-0001");
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("model.bpk");
    GraphVae::new(&vae, SpaceKind::Nb201, &device)
        .save_file(&file)
        .unwrap();
    let seed = std::fs::read(&file).unwrap();
    load_model(dir.path(), &manifest, &device).expect("the valid checkpoint loads");
    // Another model's checkpoint: one sentence naming what run.json says.
    let mut other = manifest.clone();
    other.config.vae.hidden = 16;
    let e = load_model(dir.path(), &other, &device)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not match run.json") && e.contains("state 16"),
        "{e}"
    );
    assert!(!e.contains('\n'), "one line: {e}");
    run(
        "checkpoint (model.bpk)",
        6,
        &[seed],
        "",
        |b| {
            std::fs::write(&file, b).unwrap();
            load_model(dir.path(), &manifest, &device)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
        |m| m.contains("model.bpk") && !m.contains('\n'),
    );
}
