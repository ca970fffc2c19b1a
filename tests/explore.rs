//! Walks and grids on a small model trained here: the right number of decoded points, edit
//! distances between neighbours, and table look-ups.

use std::sync::atomic::AtomicBool;

use burn::tensor::Device;
use cellspace::backend::Backend;
use cellspace::data::Dataset;
use cellspace::explore::{
    CellIndex, LatentDecoder, PcaPlane, decoded_grid, embed_dataset, great_circle_walk, line_walk,
};
use cellspace::model::{ModelKind, VaeConfig};
use cellspace::space::SpaceKind;
use cellspace::train::{TrainConfig, load_run, train};

#[test]
fn walks_and_grids_decode_every_point() {
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
    let (_, model) = load_run(dir.path(), &device).unwrap();
    let data = Dataset::bundled(SpaceKind::Nb201).unwrap();
    let cache = dir.path().join("latents.bin");
    let embedding = embed_dataset(
        &model,
        &data,
        &device,
        Some((&cache, &dir.path().join("model.bpk"))),
    );
    assert_eq!(embedding.means.len(), 15_625);
    assert_eq!(embedding.dims(), 56);
    // The second time comes from the cache, unchanged.
    let again = embed_dataset(
        &model,
        &data,
        &device,
        Some((&cache, &dir.path().join("model.bpk"))),
    );
    assert_eq!(again.means[100], embedding.means[100]);

    let index = CellIndex::new(&data);
    assert_eq!(index.find(&data.records[6111].cell), Some(6111));
    let decoder = LatentDecoder {
        model: &model,
        data: &data,
        index: &index,
        device: &device,
        attempts: 3,
    };
    let walk = great_circle_walk(&decoder, &embedding.means[0], 14, 0);
    assert_eq!(walk.len(), 14);
    assert!(walk[0].edit_distance.is_none());
    for pair in walk.windows(2) {
        if let (Some(a), Some(b)) = (&pair[0].cell, &pair[1].cell) {
            assert_eq!(pair[1].edit_distance, Some(a.edit_distance(b)));
        }
    }
    // The radius of the start point is kept all along the circle.
    let norm = |z: &[f32]| z.iter().map(|v| v * v).sum::<f32>().sqrt();
    for step in &walk {
        assert!((norm(&step.latent) - norm(&embedding.means[0])).abs() < 1e-3);
    }
    // Every valid NB201 decoding is in the table, with its accuracy.
    for step in walk.iter().filter(|s| s.valid) {
        assert!(step.row.is_some() && step.accuracy.is_some());
    }
    let line = line_walk(&decoder, &embedding.means[0], &embedding.means[1], 5);
    assert_eq!(line.len(), 5);
    assert!(
        line[4]
            .latent
            .iter()
            .zip(&embedding.means[1])
            .all(|(a, b)| (a - b).abs() < 1e-5)
    );

    let plane = PcaPlane::fit(&embedding.means).unwrap();
    let (points, distinct) = decoded_grid(&decoder, &plane, 5, 1.0);
    assert_eq!(points.len(), 25);
    assert!((1..=25).contains(&distinct));
}
