//! The sparse GP against exact answers (a closed-form exact GP, egobox-gp's FITC), and the BO
//! loop on a toy objective in a 2-D latent space, without a trained model.

use std::sync::atomic::AtomicBool;

use cellspace::bo::{
    BoConfig, BoError, BoEvent, CandidateSampler, GpSettings, Hyperparameters, Objective,
    Observation, Score, Surrogate, optimise_objective,
};
use cellspace::space::{Cell, FIRST_OP, INPUT, OUTPUT};
use egobox_gp::{Inducings, ParamTuning, SparseKriging, ThetaTuning};
use linfa::prelude::*;
use ndarray::{Array1, Array2};

/// Solves `a x = b` by Gauss-Jordan elimination with partial pivoting (small systems only).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))
            .unwrap();
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c].clone();
        for r in 0..n {
            if r != c {
                let f = a[r][c] / pivot[c];
                for (x, p) in a[r][c..].iter_mut().zip(&pivot[c..]) {
                    *x -= f * p;
                }
                b[r] -= f * b[c];
            }
        }
    }
    (0..n).map(|i| b[i] / a[i][i]).collect()
}

fn kernel(a: &[f32], b: &[f32], h: &Hyperparameters) -> f64 {
    let d2: f64 = a
        .iter()
        .zip(b)
        .zip(&h.lengthscales)
        .map(|((x, y), l)| ((*x as f64 - *y as f64) / l).powi(2))
        .sum();
    h.signal_variance * (-0.5 * d2).exp()
}

fn toy_data() -> (Vec<Vec<f32>>, Vec<f64>, Vec<Vec<f32>>) {
    let train: Vec<Vec<f32>> = (0..25)
        .map(|i| {
            let t = i as f32;
            vec![(t * 0.73).sin() * 2.0, (t * 0.41).cos() * 1.5]
        })
        .collect();
    let values: Vec<f64> = train
        .iter()
        .map(|p| 90.0 + 3.0 * (p[0] as f64).sin() * (0.7 * p[1] as f64).cos())
        .collect();
    let test: Vec<Vec<f32>> = (0..30)
        .map(|i| {
            let t = i as f32;
            vec![(t * 0.37).cos() * 2.2, (t * 0.91).sin() * 1.7]
        })
        .collect();
    (train, values, test)
}

#[test]
fn sparse_gp_with_every_training_point_inducing_is_the_exact_gp() {
    let (train, values, test) = toy_data();
    let hyper = Hyperparameters {
        lengthscales: vec![0.8, 1.3],
        signal_variance: 1.5,
        noise_variance: 0.01,
    };
    // The exact GP in closed form, on the standardised values the surrogate works with.
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let y: Vec<f64> = values.iter().map(|v| (v - mean) / std).collect();
    let k: Vec<Vec<f64>> = train
        .iter()
        .enumerate()
        .map(|(i, a)| {
            train
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    kernel(a, b, &hyper) + if i == j { hyper.noise_variance } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let alpha = solve(k.clone(), y.clone());
    let exact: Vec<(f64, f64)> = test
        .iter()
        .map(|x| {
            let ks: Vec<f64> = train.iter().map(|t| kernel(x, t, &hyper)).collect();
            let m: f64 = ks.iter().zip(&alpha).map(|(a, b)| a * b).sum();
            let v = solve(k.clone(), ks.clone());
            let var = hyper.signal_variance - ks.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>()
                + hyper.noise_variance;
            (mean + std * m, std * var.sqrt())
        })
        .collect();

    let sparse = Surrogate::from_parts(&train, &values, &train, &hyper).unwrap();
    // The same model through `fit_with`: inducing points ≥ training points, nothing optimised.
    let settings = GpSettings {
        inducing: 500,
        max_iterations: 0,
        ..GpSettings::default()
    };
    let fitted = Surrogate::fit_with(&train, &values, &settings, Some(&hyper)).unwrap();
    assert_eq!(fitted.inducing_count(), 25);
    for gp in [&sparse, &fitted] {
        let got = gp.predict(&test).unwrap();
        for ((m, s), (em, es)) in got.iter().zip(&exact) {
            assert!((m - em).abs() < 1e-6 * std, "mean {m} vs exact {em}");
            assert!((s - es).abs() < 1e-6 * std, "std {s} vs exact {es}");
        }
    }
    // With 5 inducing points it is an approximation: close, but not the exact GP.
    let few = Surrogate::from_parts(&train, &values, &train[..5], &hyper).unwrap();
    let got = few.predict(&test).unwrap();
    let worst = got
        .iter()
        .zip(&exact)
        .map(|(a, b)| (a.0 - b.0).abs())
        .fold(0.0, f64::max);
    assert!(
        worst > 1e-3 * std,
        "5 inducing points cannot be exact ({worst})"
    );
}

#[test]
fn fitc_matches_egobox_sparse_gp_with_the_same_inducing_points() {
    let (train, values, test) = toy_data();
    // Standardised values, so the surrogate's own standardisation changes nothing.
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let y: Vec<f64> = values.iter().map(|v| (v - mean) / std).collect();
    let to_array = |p: &[Vec<f32>]| Array2::from_shape_fn((p.len(), 2), |(i, j)| p[i][j] as f64);
    let inducing: Vec<Vec<f32>> = train.iter().step_by(3).cloned().collect();
    // egobox's kernel is exp(-½ Σ θ_d² Δ_d²): θ = 1 / lengthscale. (egobox 0.37's sparse fit
    // accepts fixed thetas only as one value for every dimension.)
    let noise = 0.02;
    let ego = SparseKriging::params(Inducings::Located(to_array(&inducing)))
        .theta_tuning(ThetaTuning::Fixed(Array1::from(vec![1.0 / 0.9])))
        .noise_variance(ParamTuning::Fixed(noise))
        .seed(Some(0))
        .fit(&Dataset::new(to_array(&train), Array1::from(y.clone())))
        .unwrap();
    let hyper = Hyperparameters {
        lengthscales: ego.theta().iter().map(|t| 1.0 / t).collect(),
        signal_variance: ego.variance(),
        noise_variance: ego.noise_variance(),
    };
    assert!((hyper.lengthscales[0] - 0.9).abs() < 1e-9, "{hyper:?}");
    assert!((hyper.noise_variance - noise).abs() < 1e-12);
    let ours = Surrogate::from_parts(&train, &y, &inducing, &hyper).unwrap();
    let got = ours.predict(&test).unwrap();
    let x = to_array(&test);
    let means = ego.predict(&x).unwrap();
    let vars = ego.predict_var(&x).unwrap();
    for (i, (m, s)) in got.iter().enumerate() {
        assert!(
            (m - means[i]).abs() < 1e-6,
            "mean {m} vs egobox {}",
            means[i]
        );
        assert!(
            (s * s - vars[i]).abs() < 1e-6,
            "variance {} vs egobox {}",
            s * s,
            vars[i]
        );
    }
}

/// A toy space: a 2-D latent square [-1, 1]² decodes to the nearest point of a 41 × 41
/// lattice, stored as a 4-node cell whose two inner node types are the lattice indices.
struct Lattice {
    decoded: usize,
}

const SIDE: usize = 41;

fn lattice_cell(i: usize, j: usize) -> Cell {
    Cell::new(
        vec![INPUT, FIRST_OP + i as u8, FIRST_OP + j as u8, OUTPUT],
        &[],
    )
    .unwrap()
}

fn coords(cell: &Cell) -> (usize, usize) {
    let t = cell.types();
    ((t[1] - FIRST_OP) as usize, (t[2] - FIRST_OP) as usize)
}

fn at(i: usize) -> f32 {
    -1.0 + 2.0 * i as f32 / (SIDE - 1) as f32
}

/// Two bumps: the global maximum at (0.35, -0.4), a lower one at (-0.5, 0.5).
fn objective(i: usize, j: usize) -> f64 {
    let (x, y) = (at(i) as f64, at(j) as f64);
    (-((x - 0.35).powi(2) + (y + 0.4).powi(2)) / 0.1).exp()
        + 0.6 * (-((x + 0.5).powi(2) + (y - 0.5).powi(2)) / 0.05).exp()
}

impl Objective for Lattice {
    fn decode(&mut self, points: &[Vec<f32>]) -> Result<Vec<Option<Cell>>, BoError> {
        self.decoded += points.len();
        Ok(points
            .iter()
            .map(|z| {
                let index = |v: f32| {
                    (((v + 1.0) / 2.0 * (SIDE - 1) as f32).round() as i64).clamp(0, SIDE as i64 - 1)
                        as usize
                };
                Some(lattice_cell(index(z[0]), index(z[1])))
            })
            .collect())
    }

    fn score(&mut self, cell: &Cell, _estimate: f64) -> Score {
        let (i, j) = coords(cell);
        Score::Measured {
            value: objective(i, j),
            row: Some(i * SIDE + j),
        }
    }

    fn encode(&mut self, cell: &Cell) -> Result<Vec<f32>, BoError> {
        let (i, j) = coords(cell);
        Ok(vec![at(i), at(j)])
    }
}

fn toy_run(sampler: CandidateSampler, seed: u64) -> cellspace::bo::BoOutcome {
    // Start in the corner of the lower bump, far from the global maximum.
    let initial: Vec<Observation> = [(4, 34), (8, 30), (12, 36), (2, 26), (10, 40), (6, 38)]
        .iter()
        .map(|&(i, j)| Observation {
            latent: vec![at(i), at(j)],
            cell: lattice_cell(i, j),
            row: Some(i * SIDE + j),
            value: objective(i, j),
        })
        .collect();
    let region: Vec<Vec<f32>> = (0..SIDE)
        .flat_map(|i| (0..SIDE).map(move |j| vec![at(i), at(j)]))
        .collect();
    let config = BoConfig {
        rounds: 8,
        batch: 5,
        candidates: 2000,
        sampler,
        seed,
        ..BoConfig::default()
    };
    let mut toy = Lattice { decoded: 0 };
    let mut evaluated = 0;
    let mut rounds = 0;
    let outcome = optimise_objective(
        &mut toy,
        initial,
        &region,
        &config,
        &mut |e| match e {
            BoEvent::Evaluated(_) => evaluated += 1,
            BoEvent::RoundDone { .. } => rounds += 1,
            BoEvent::Started { initial, .. } => assert_eq!(initial, 6),
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(toy.decoded >= outcome.evaluations.len());
    assert_eq!(evaluated, outcome.evaluations.len());
    assert_eq!(rounds, 8);
    assert_eq!(outcome.fit_seconds.len(), 8);
    outcome
}

#[test]
fn bo_finds_the_optimum_of_a_toy_objective_in_a_2d_latent() {
    // The global maximum of the lattice.
    let (bi, bj) = (0..SIDE)
        .flat_map(|i| (0..SIDE).map(move |j| (i, j)))
        .max_by(|a, b| objective(a.0, a.1).total_cmp(&objective(b.0, b.1)))
        .unwrap();
    assert!((at(bi) - 0.35).abs() < 1e-6 && (at(bj) + 0.4).abs() < 1e-6);
    for sampler in [CandidateSampler::Box, CandidateSampler::Near] {
        let outcome = toy_run(sampler, 0);
        assert!(!outcome.cancelled);
        assert!(outcome.initial_best < 0.7, "{}", outcome.initial_best);
        // At most 8 × 5 = 40 of the 1,681 lattice cells are evaluated.
        assert!(outcome.evaluations.len() <= 40);
        assert_eq!(
            outcome.best_cell.as_ref().map(coords),
            Some((bi, bj)),
            "{sampler:?}: best {} at {:?}",
            outcome.best,
            outcome.best_cell.as_ref().map(coords)
        );
        assert_eq!(outcome.best, objective(bi, bj));
        assert_eq!(outcome.best_row, Some(bi * SIDE + bj));
        // Best-so-far never decreases, and no cell is evaluated twice.
        for pair in outcome.evaluations.windows(2) {
            assert!(pair[1].best_so_far >= pair[0].best_so_far);
        }
        let mut cells: Vec<_> = outcome
            .evaluations
            .iter()
            .map(|e| coords(&e.cell))
            .collect();
        cells.sort();
        cells.dedup();
        assert_eq!(cells.len(), outcome.evaluations.len());
    }
}

#[test]
fn a_cancelled_run_stops_before_its_first_round() {
    let initial = vec![
        Observation {
            latent: vec![0.0, 0.0],
            cell: lattice_cell(20, 20),
            row: None,
            value: objective(20, 20),
        },
        Observation {
            latent: vec![0.5, 0.5],
            cell: lattice_cell(30, 30),
            row: None,
            value: objective(30, 30),
        },
    ];
    let outcome = optimise_objective(
        &mut Lattice { decoded: 0 },
        initial.clone(),
        &[vec![-1.0, -1.0], vec![1.0, 1.0]],
        &BoConfig::default(),
        &mut |_| {},
        &AtomicBool::new(true),
    )
    .unwrap();
    assert!(outcome.cancelled && outcome.evaluations.is_empty());
    // Bad input is an error, not a panic.
    let mismatched = optimise_objective(
        &mut Lattice { decoded: 0 },
        initial,
        &[vec![0.0, 0.0, 0.0]],
        &BoConfig::default(),
        &mut |_| {},
        &AtomicBool::new(false),
    );
    let Err(message) = mismatched else {
        panic!("a 3-d region for 2-d points is refused");
    };
    assert!(
        message.to_string().contains("the first has 2, another 3"),
        "the error names both dimensions: {message}"
    );
}
