//! Crash safety of checkpoints: a training *process* is killed (SIGKILL) at random moments,
//! many of them inside a checkpoint's writes, and resumed each time; it must end with exactly
//! the weights and metrics of an uninterrupted run.

#![cfg(unix)]

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

const KILLS: usize = 20;

fn cellspace() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cellspace"));
    c.env("BURN_DEVICE", "flex")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// `train` of a tiny SVGe on ENAS into (or resuming) `dir`.
fn start(dir: &Path, resume: bool, epochs: usize, pause_ms: u64) -> Child {
    let mut c = cellspace();
    c.args(["train", "--backend", "cpu", "--epochs", &epochs.to_string()]);
    if resume {
        c.arg("--resume").arg(dir);
    } else {
        c.args([
            "--space",
            "enas",
            "--model",
            "svge",
            "--hidden",
            "16",
            "--batch-size",
            "8",
        ])
        .args([
            "--train-limit",
            "24",
            "--test-limit",
            "8",
            "--seed",
            "5",
            "--lr",
            "0.001",
        ])
        .arg("--out")
        .arg(dir);
    }
    c.env("CELLSPACE_CHECKPOINT_PAUSE_MS", pause_ms.to_string());
    c.spawn().expect("cellspace runs")
}

/// The manifest as JSON (None before the first write).
fn manifest(dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("run.json")).ok()?;
    Some(serde_json::from_str(&text).expect("run.json is always whole"))
}

/// Whether the folder shows a checkpoint write in progress: a `.partial` folder, or an epoch
/// folder that run.json does not name yet.
fn inside_a_write(dir: &Path) -> bool {
    let named = manifest(dir).and_then(|m| m["checkpoint"].as_str().map(String::from));
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.ends_with(".partial")
                || (name.starts_with("epoch-") && Some(name.as_str()) != named.as_deref())
        })
}

/// Metrics of each epoch without the timings.
fn figures(m: &serde_json::Value) -> Vec<serde_json::Value> {
    m["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut e = e.clone();
            e["seconds"] = 0.into();
            e["graphs_per_second"] = 0.into();
            e
        })
        .collect()
}

/// What the run's weights compute, bit for bit: the latent means of a few cells (the encoder)
/// and the loss of a batch with fixed noise (encoder and decoder). The checkpoint files
/// themselves differ between processes: Burn gives each parameter a random id.
fn outputs(dir: &Path) -> Vec<u32> {
    use cellspace::model::GraphBatch;
    let device = burn::tensor::Device::flex();
    let (manifest, model) = cellspace::train::load_run(dir, &device).unwrap();
    let data = cellspace::data::Dataset::bundled(manifest.config.space).unwrap();
    let cells: Vec<&cellspace::space::Cell> =
        data.records.iter().take(16).map(|r| &r.cell).collect();
    let batch = GraphBatch::new(&cells, manifest.config.space.max_nodes(), &device);
    let (mu, _) = model.encode(&batch);
    let mut bits: Vec<u32> = mu
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect();
    device.seed(1);
    let loss = model.loss(&batch, 0.005, 1.0).total.into_scalar::<f32>();
    bits.push(loss.to_bits());
    bits
}

#[test]
fn killed_and_resumed_training_ends_with_the_weights_of_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let killed = tmp.path().join("killed");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut epochs = 12;
    let (mut kills, mut inside, mut resumes) = (0, 0, 0);
    let started = Instant::now();
    loop {
        let resume = manifest(&killed).is_some();
        resumes += usize::from(resume);
        let mut child = start(&killed, resume, epochs, 60);
        // Each kill lands 0.15-1.2 s after the start: at start-up, mid-epoch or mid-checkpoint.
        let deadline = Instant::now() + Duration::from_millis(rng.random_range(150..1200));
        let mut exited = None;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        match exited {
            Some(status) => {
                assert!(status.success(), "an unkilled run failed: {status}");
                if kills >= KILLS {
                    break;
                }
                // Finished before enough kills: train on to more epochs (resume may change them).
                epochs += 6;
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                inside += usize::from(inside_a_write(&killed));
                // Whatever the moment, the run folder is consistent: its manifest parses and
                // names a checkpoint that exists (once one epoch is done).
                if let Some(m) = manifest(&killed)
                    && let Some(folder) = m["checkpoint"].as_str()
                {
                    assert!(killed.join(folder).join("model.bpk").is_file());
                    assert!(killed.join(folder).join("optimizer.bpk").is_file());
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the test ran too long"
        );
    }
    let done = manifest(&killed).unwrap();
    assert_eq!(done["status"], "finished");
    assert_eq!(done["epochs"].as_array().unwrap().len(), epochs);

    let whole = tmp.path().join("whole");
    let status = start(&whole, false, epochs, 0).wait().unwrap();
    assert!(status.success());
    let reference = manifest(&whole).unwrap();
    let (a, b) = (figures(&done), figures(&reference));
    let first = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i));
    assert!(
        first.is_none(),
        "the losses differ from epoch {first:?} on: {:?} against {:?}",
        first.and_then(|i| a.get(i)),
        first.and_then(|i| b.get(i))
    );
    assert!(
        outputs(&killed) == outputs(&whole),
        "the weights differ from the uninterrupted run's"
    );
    println!(
        "{kills} kills ({inside} inside a checkpoint write), {resumes} resumes, {epochs} epochs, \
         {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(inside >= 1, "no kill landed inside a checkpoint write");
}
