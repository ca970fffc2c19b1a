//! Walks and grids on a small model trained here: the right number of decoded points, edit
//! distances between neighbours, and table look-ups.

use std::sync::atomic::AtomicBool;

use burn::tensor::Device;
use cellspace::backend::Backend;
use cellspace::data::Dataset;
use cellspace::explore::{PcaPlane, decoded_grid, great_circle_walk, line_walk};
use cellspace::latent::{CellIndex, LatentDecoder, embed_dataset};
use cellspace::model::{ModelKind, VaeConfig};
use cellspace::space::SpaceKind;
use cellspace::train::{TrainConfig, load_run, model_file, train};

/// The bundled NB201 model: a real latent space, where walks decode valid cells.
fn bundled_nb201() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models/svge-nb201")
}

#[test]
fn embeddings_are_cached_for_a_run_trained_here() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TrainConfig::paper(
        SpaceKind::Nb201,
        VaeConfig {
            hidden: 32,
            ..VaeConfig::paper(ModelKind::Svge)
        },
    );
    config.epochs = 2;
    config.batch_size = 16;
    config.learning_rate = 2e-3;
    config.backend = Backend::Cpu;
    config.train_limit = Some(64);
    config.test_limit = Some(8);
    train(
        &config,
        dir.path(),
        false,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();

    let device = Device::flex();
    let (manifest, model) = load_run(dir.path(), &device).unwrap();
    let model_file = model_file(dir.path(), &manifest);
    assert!(model_file.is_file(), "{}", model_file.display());
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let cache = dir.path().join("latents.bin");
    let never = AtomicBool::new(false);
    let embedding =
        embed_dataset(&model, &data, &device, Some((&cache, &model_file)), &never).unwrap();
    assert_eq!(embedding.means.len(), 15_625);
    assert_eq!(embedding.dims(), 56);
    // The second time comes from the cache, unchanged.
    let again = embed_dataset(&model, &data, &device, Some((&cache, &model_file)), &never).unwrap();
    assert_eq!(again.means[100], embedding.means[100]);
    // A set cancel flag stops encoding (no cache to read: a fresh path).
    let cancelled = embed_dataset(
        &model,
        &data,
        &device,
        Some((&dir.path().join("other.bin"), &model_file)),
        &AtomicBool::new(true),
    );
    let err = cancelled.unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(err.to_string(), "cancelled");
}

#[test]
fn walks_and_grids_decode_every_point() {
    let device = Device::flex();
    let run = bundled_nb201();
    let (manifest, model) = load_run(&run, &device).unwrap();
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let never = AtomicBool::new(false);
    let embedding = embed_dataset(
        &model,
        &data,
        &device,
        Some((
            &tmp.path().join("latents.bin"),
            &model_file(&run, &manifest),
        )),
        &never,
    )
    .unwrap();

    let index = CellIndex::new(&data);
    assert_eq!(index.find(&data.records[6111].cell), Some(6111));
    let decoder = LatentDecoder {
        model: &model,
        data: &data,
        index: &index,
        device: &device,
        attempts: 3,
        cancel: &never,
    };
    let walk = great_circle_walk(&decoder, &embedding.means[6111], 14, 0).unwrap();
    assert_eq!(walk.len(), 14);
    assert!(walk[0].edit_distance.is_none());
    let mut compared = 0;
    for pair in walk.windows(2) {
        if let (Some(a), Some(b)) = (&pair[0].cell, &pair[1].cell) {
            assert_eq!(pair[1].edit_distance, Some(a.edit_distance(b)));
            compared += 1;
        }
    }
    assert!(compared >= 7, "only {compared} neighbouring pairs decoded");
    // The radius of the start point is kept all along the circle.
    let norm = |z: &[f32]| z.iter().map(|v| v * v).sum::<f32>().sqrt();
    for step in &walk {
        assert!((norm(&step.latent) - norm(&embedding.means[6111])).abs() < 1e-3);
    }
    // The bundled model decodes its own cell's latent point back (step 0), and every valid
    // NB201 decoding is in the table, with its accuracy.
    assert_eq!(walk[0].row, Some(6111));
    let valid: Vec<_> = walk.iter().filter(|s| s.valid).collect();
    assert!(valid.len() >= 7, "only {} of 14 steps valid", valid.len());
    for step in valid {
        assert!(step.row.is_some() && step.accuracy.is_some());
    }
    let line = line_walk(&decoder, &embedding.means[0], &embedding.means[1], 5).unwrap();
    assert_eq!(line.len(), 5);
    assert!(
        line[4]
            .latent
            .iter()
            .zip(&embedding.means[1])
            .all(|(a, b)| (a - b).abs() < 1e-5)
    );
    assert_eq!(line[0].row, Some(0));

    let plane = PcaPlane::fit(&embedding.means).unwrap();
    let (points, distinct) = decoded_grid(&decoder, &plane, 5, 1.0).unwrap();
    assert_eq!(points.len(), 25);
    assert!((2..=25).contains(&distinct), "{distinct} distinct cells");
    assert!(points.iter().filter(|p| p.valid).count() >= 13);
    // Decoding pieces draw from generators seeded by their own points: the same grid on one
    // or three threads, and again on a second call (a 9 x 9 grid spans three pieces).
    let grid = |threads: usize| {
        cellspace::threads::set_threads(threads);
        let (points, _) = decoded_grid(&decoder, &plane, 9, 1.0).unwrap();
        cellspace::threads::set_threads(0);
        points.into_iter().map(|p| p.cell).collect::<Vec<_>>()
    };
    let one = grid(1);
    assert_eq!(one.len(), 81);
    assert_eq!(grid(3), one);
    assert_eq!(grid(1), one);

    // Cancelled: walks and grids stop with "cancelled" instead of a result.
    let stop = AtomicBool::new(true);
    let cancelled = LatentDecoder {
        cancel: &stop,
        ..decoder
    };
    let err = great_circle_walk(&cancelled, &embedding.means[0], 14, 0).unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(err.to_string(), "cancelled");
    let err = decoded_grid(&cancelled, &plane, 5, 1.0).unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(err.to_string(), "cancelled");
}

#[test]
fn encoding_on_two_threads_gives_the_one_thread_means_exactly() {
    let device = Device::flex();
    assert!(
        cellspace::backend::is_cpu(&device)
            && cellspace::backend::is_cpu(&device.clone().autodiff())
    );
    let (_, model) = load_run(&bundled_nb201(), &device).unwrap();
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let cells: Vec<&cellspace::space::Cell> =
        data.records.iter().take(3000).map(|r| &r.cell).collect();
    let run = |threads: usize| {
        cellspace::threads::set_threads(threads);
        let means = cellspace::latent::latent_means(&model, &cells, SpaceKind::Nb201, &device);
        cellspace::threads::set_threads(0);
        means.unwrap()
    };
    let (one, two, five) = (run(1), run(2), run(5));
    assert_eq!(one.len(), 3000);
    // Encoding draws no random numbers and each chunk is the same computation: bit for bit.
    assert!(
        one == two && one == five,
        "the means depend on the thread count"
    );
}

/// The Table-I protocol on the bundled NB201 model: its pieces draw from their own seeded
/// streams, so one, two and three threads give the same figures; another seed gives other draws,
/// and another prior other prior figures.
#[test]
fn evaluation_gives_the_same_figures_on_any_thread_count() {
    use cellspace::eval::{EvalProtocol, PriorFrom, evaluate};
    let device = Device::flex();
    let (_, model) = load_run(&bundled_nb201(), &device).unwrap();
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let train: Vec<&cellspace::space::Cell> = data.train().take(2000).map(|r| &r.cell).collect();
    let test: Vec<&cellspace::space::Cell> = data.test().map(|r| &r.cell).collect();
    let protocol = EvalProtocol {
        samples_per_graph: 2,
        decodes_per_sample: 3,
        prior_points: 600,
        decodes_per_prior_point: 2,
        test_limit: Some(200),
        ..Default::default()
    };
    let run = |threads: usize, protocol: &EvalProtocol| {
        cellspace::threads::set_threads(threads);
        let m = evaluate(
            &model,
            SpaceKind::Nb201,
            &train,
            &test,
            protocol,
            &device,
            &mut |_, _, _| {},
        );
        cellspace::threads::set_threads(0);
        m.unwrap()
    };
    let one = run(1, &protocol);
    assert_eq!(one.test_graphs, 200);
    // 200 graphs x (3 from the mean + 2 x 3 sampled) + 600 prior points x 2.
    assert_eq!(one.decodings, 200 * 9 + 1200);
    assert!(one.validity > 0.5, "{one:?}");
    assert_eq!(run(2, &protocol), one);
    assert_eq!(run(3, &protocol), one);
    let other = run(
        2,
        &EvalProtocol {
            seed: 1,
            ..protocol.clone()
        },
    );
    assert_ne!(
        (other.reconstruction_accuracy, other.uniqueness),
        (one.reconstruction_accuracy, one.uniqueness),
        "another seed draws other samples"
    );
    // Prior points from N(0, I) instead of the fitted normal: the test graphs' figures stay,
    // the prior's change.
    let standard = run(
        2,
        &EvalProtocol {
            prior_from: PriorFrom::Standard,
            ..protocol.clone()
        },
    );
    assert_eq!(
        standard.reconstruction_accuracy,
        one.reconstruction_accuracy
    );
    assert_ne!(
        (standard.uniqueness, standard.novelty),
        (one.uniqueness, one.novelty),
        "{standard:?} {one:?}"
    );
}

/// SVGe figure 2's start: the widest NB101 cell whose operations all sit between the input and
/// the output (four: NB101 allows 9 edges).
#[test]
fn the_flat_net_is_the_widest_one_level_nb101_cell() {
    let data = cellspace::data::Dataset::bundled(cellspace::space::SpaceKind::Nb101).unwrap();
    let row = cellspace::explore::flat_net(&data).expect("NB101 has flat cells");
    let cell = &data.records[row].cell;
    assert!(cellspace::explore::is_flat(cell));
    assert_eq!(cell.len(), 6, "four operations: {cell:?}");
    assert_eq!(cell.edge_count(), 8);
    assert!(
        data.records[row].accuracy.is_some(),
        "a labelled one exists"
    );
    // No flat cell is wider, and a chain is not flat.
    assert!(
        data.records
            .iter()
            .filter(|r| cellspace::explore::is_flat(&r.cell))
            .all(|r| r.cell.len() <= 6)
    );
    let chain = data
        .records
        .iter()
        .find(|r| r.cell.len() == 4 && r.cell.edge_count() == 3)
        .expect("NB101 has 2-operation chains");
    assert!(!cellspace::explore::is_flat(&chain.cell));
}
