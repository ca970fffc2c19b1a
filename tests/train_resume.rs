//! A cancelled run resumes from its checkpoint and ends with exactly the parameters of an
//! uninterrupted run of the same seed.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::Device;
use cellspace::backend::Backend;
use cellspace::data::Dataset;
use cellspace::model::{GraphBatch, ModelKind, VaeConfig};
use cellspace::space::{Cell, SpaceKind};
use cellspace::train::{TrainConfig, TrainEvent, load_run, train};

/// Burn's generator may be global: runs in parallel threads would draw from each other's
/// sequence, so the tests of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn config() -> TrainConfig {
    let mut vae = VaeConfig::paper(ModelKind::Svge);
    vae.hidden = 32;
    let mut config = TrainConfig::paper(SpaceKind::Enas, vae);
    config.epochs = 3;
    config.batch_size = 8;
    config.learning_rate = 1e-3;
    config.seed = 11;
    config.backend = Backend::Cpu;
    config.train_limit = Some(24);
    config.test_limit = Some(8);
    config
}

/// Latent means of a few cells under the run's model: equal parameters give equal means.
fn means(dir: &Path) -> Vec<f32> {
    let device = Device::flex();
    let (_, model) = load_run(dir, &device).unwrap();
    let data = Dataset::bundled(SpaceKind::Enas).unwrap();
    let cells: Vec<&Cell> = data.records.iter().take(4).map(|r| &r.cell).collect();
    let (mu, _) = model.encode(&GraphBatch::new(&cells, 8, &device));
    mu.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

#[test]
fn cancelled_run_resumes_identically() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let (whole, split) = (tmp.path().join("whole"), tmp.path().join("split"));
    let never = AtomicBool::new(false);
    let done = train(&config(), &whole, false, &mut |_| {}, &never).unwrap();
    assert_eq!(done.completed_epochs(), 3);

    // Cancel as soon as the first epoch is checkpointed.
    let cancel = AtomicBool::new(false);
    let stopped = train(
        &config(),
        &split,
        false,
        &mut |e| {
            if let TrainEvent::Epoch(m) = e
                && m.epoch == 0
            {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .unwrap();
    assert_eq!(
        (stopped.completed_epochs(), stopped.status.as_str()),
        (1, "cancelled")
    );
    let w = cellspace::train::RunManifest::read(&whole).unwrap();
    assert_eq!(
        w.epochs[0].train_reconstruction, stopped.epochs[0].train_reconstruction,
        "first epochs agree"
    );
    let resumed = train(&config(), &split, true, &mut |_| {}, &never).unwrap();
    assert_eq!(
        (resumed.completed_epochs(), resumed.status.as_str()),
        (3, "finished")
    );

    assert_eq!(means(&whole), means(&whole), "loading is deterministic");
    assert_eq!(means(&whole), means(&split));
    assert_eq!(
        done.epochs,
        resumed
            .epochs
            .iter()
            .map(|e| {
                let mut e = e.clone();
                e.seconds = done.epochs[e.epoch].seconds;
                e.graphs_per_second = done.epochs[e.epoch].graphs_per_second;
                e
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_new_run_refuses_to_overwrite_an_old_one() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let mut c = config();
    c.epochs = 1;
    let never = AtomicBool::new(false);
    train(&c, tmp.path(), false, &mut |_| {}, &never).unwrap();
    let err = train(&c, tmp.path(), false, &mut |_| {}, &never).unwrap_err();
    assert!(err.to_string().contains("already holds a run"), "{err}");
}

#[test]
fn fine_tuning_starts_from_the_source_weights() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let (source, tuned, other) = (
        tmp.path().join("source"),
        tmp.path().join("tuned"),
        tmp.path().join("other"),
    );
    let never = AtomicBool::new(false);
    let mut c = config();
    c.epochs = 1;
    train(&c, &source, false, &mut |_| {}, &never).unwrap();
    // With a learning rate of 0 the tuned run keeps exactly the weights it started from.
    let mut t = c.clone();
    t.learning_rate = 0.0;
    t.init_from = Some(source.clone());
    let m = train(&t, &tuned, false, &mut |_| {}, &never).unwrap();
    assert_eq!(m.config.init_from.as_deref(), Some(source.as_path()));
    assert_eq!(means(&source), means(&tuned));
    // A different model cannot be fine-tuned from it.
    let mut wrong = t.clone();
    wrong.vae.hidden = 16;
    let err = train(&wrong, &other, false, &mut |_| {}, &never)
        .unwrap_err()
        .to_string();
    assert!(err.contains("same model settings"), "{err}");
    // The message names the setting that differs, not two identical model names.
    assert!(err.contains("hidden"), "{err}");
    // The noise scale and the KL weight shape the loss only: they may change.
    let mut means_only = t.clone();
    means_only.vae.noise_scale = 0.0;
    means_only.vae.kl_weight *= 0.5;
    train(
        &means_only,
        &tmp.path().join("means"),
        false,
        &mut |_| {},
        &never,
    )
    .unwrap();
}

#[test]
fn dvae_emb_rounds_restart_the_model() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let mut c = config();
    c.vae = VaeConfig {
        hidden: 16,
        ..VaeConfig::paper(ModelKind::DvaeEmb)
    };
    c.epochs = 2;
    let never = AtomicBool::new(false);
    let one = train(&c, &tmp.path().join("one"), false, &mut |_| {}, &never).unwrap();
    let mut r = c.clone();
    r.embedding_rounds = 2;
    let two = train(&r, &tmp.path().join("two"), false, &mut |_| {}, &never).unwrap();
    // The first epoch is the same run; the second starts a new round: fresh weights (so other
    // losses than the one-round run's second epoch) and the schedule reset.
    assert_eq!(
        one.epochs[0].train_reconstruction,
        two.epochs[0].train_reconstruction
    );
    assert_ne!(
        one.epochs[1].train_reconstruction, two.epochs[1].train_reconstruction,
        "the second round did not restart the model"
    );
}

#[test]
fn two_workers_follow_the_one_worker_loss_trajectory() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let mut c = config();
    c.epochs = 4;
    c.batch_size = 12;
    let never = AtomicBool::new(false);
    let run = |threads: usize, name: &str| {
        cellspace::threads::set_threads(threads);
        let m = train(&c, &tmp.path().join(name), false, &mut |_| {}, &never).unwrap();
        cellspace::threads::set_threads(0);
        m
    };
    let one = run(1, "one");
    let two = run(2, "two");
    let three = run(3, "three");
    // Equal up to float round-off (the order of additions differs): a relative 1e-4 on every
    // epoch's losses, after 4 epochs of 2 steps each.
    for other in [&two, &three] {
        for (a, b) in one.epochs.iter().zip(&other.epochs) {
            for (x, y) in [
                (a.train_reconstruction, b.train_reconstruction),
                (a.train_kl, b.train_kl),
                (a.test_reconstruction, b.test_reconstruction),
            ] {
                assert!(
                    (x - y).abs() <= 1e-4 * x.abs().max(1e-6),
                    "epoch {}: {x} against {y}",
                    a.epoch
                );
            }
        }
    }
    // The same weights, up to round-off: Adam divides each step by the gradient's running
    // scale, so the round-off of small gradients reaches the weights; after 8 steps at lr 1e-3
    // the latent means (of size ~1) agree within 1e-3 (measured: 3e-4).
    let (a, b) = (
        means(&tmp.path().join("one")),
        means(&tmp.path().join("two")),
    );
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    let size = a.iter().map(|x| x.abs()).fold(0.0f32, f32::max);
    assert!(
        worst < 1e-3 && size > 0.1,
        "latent means (up to {size}) differ by {worst}"
    );
}

/// GCN-EMB runs before `gcn_order` existed read as simultaneous; fine-tuning one with the new
/// default order is refused, naming the flag that keeps the source's order.
#[test]
fn gcn_emb_fine_tuning_keeps_the_sources_level_order() {
    use cellspace::model::GcnOrder;
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut old: serde_json::Value =
        serde_json::to_value(VaeConfig::paper(ModelKind::GcnEmb)).unwrap();
    old.as_object_mut().unwrap().remove("gcn_order");
    let old: VaeConfig = serde_json::from_value(old).unwrap();
    assert_eq!(old.gcn_order, GcnOrder::Simultaneous);
    assert_eq!(
        VaeConfig::paper(ModelKind::GcnEmb).gcn_order,
        GcnOrder::InOrder
    );
    assert_eq!(VaeConfig::paper(ModelKind::Dvae).gcn_order, old.gcn_order);

    let tmp = tempfile::tempdir().unwrap();
    let never = AtomicBool::new(false);
    let mut c = config();
    c.vae = VaeConfig {
        hidden: 16,
        gcn_order: GcnOrder::Simultaneous,
        ..VaeConfig::paper(ModelKind::GcnEmb)
    };
    c.epochs = 1;
    let source = tmp.path().join("source");
    train(&c, &source, false, &mut |_| {}, &never).unwrap();
    let mut t = c.clone();
    t.vae.gcn_order = GcnOrder::InOrder;
    t.init_from = Some(source);
    let err = train(&t, &tmp.path().join("tuned"), false, &mut |_| {}, &never).unwrap_err();
    assert!(
        err.to_string().contains("--gcn-order simultaneous"),
        "{err}"
    );
}
