//! Pool-based BO, as arch2vec runs it on NAS-Bench-101: the candidates are the labelled cells
//! themselves, encoded once. Each round fits the sparse GP on the cells queried so far and
//! queries the unqueried cells of highest expected improvement. Nothing is decoded, so it
//! works where a decoded cell is usually unlabelled (NB101: 20,276 of 423,624 cells).
//! Random search over the same pool with the same number of queries, and the pool's best
//! value (the oracle), say what the BO figure is worth.

use std::sync::atomic::AtomicBool;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use super::{BoError, GpSettings, Hyperparameters, Surrogate, expected_improvement};

/// Settings of a pool run.
#[derive(Debug, Clone, Serialize)]
pub struct PoolConfig {
    /// Cells queried at random before the first fit.
    pub initial: usize,
    pub rounds: usize,
    /// Cells queried per round.
    pub batch: usize,
    pub seed: u64,
    pub gp: GpSettings,
}

impl PoolConfig {
    /// Queries in all: the budget random search gets too.
    pub fn queries(&self) -> usize {
        self.initial + self.rounds * self.batch
    }
}

/// One run over the pool: the best value after each query, and the rows queried in order.
#[derive(Debug, Clone, Serialize)]
pub struct PoolRun {
    pub best_after: Vec<f64>,
    pub queried: Vec<usize>,
}

impl PoolRun {
    pub fn best(&self) -> f64 {
        self.best_after.last().copied().unwrap_or(f64::NEG_INFINITY)
    }

    fn push(&mut self, row: usize, value: f64) {
        let best = self.best().max(value);
        self.queried.push(row);
        self.best_after.push(best);
    }
}

fn check_pool(latents: &[Vec<f32>], values: &[f64]) -> Result<(), BoError> {
    if latents.len() != values.len() {
        return Err(BoError::PoolSizes {
            latents: latents.len(),
            values: values.len(),
        });
    }
    if values.len() < 2 {
        return Err(BoError::PoolTooSmall);
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(BoError::PoolValue {
            index,
            value: values[index],
        });
    }
    Ok(())
}

/// Pool-based BO over (`latents`, `values`), row for row.
pub fn pool_bo(
    latents: &[Vec<f32>],
    values: &[f64],
    config: &PoolConfig,
    cancel: &AtomicBool,
) -> Result<PoolRun, BoError> {
    check_pool(latents, values)?;
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(config.seed));
    let mut run = PoolRun {
        best_after: Vec::new(),
        queried: Vec::new(),
    };
    let mut taken = vec![false; n];
    for &row in order.iter().take(config.initial.clamp(2, n)) {
        taken[row] = true;
        run.push(row, values[row]);
    }
    let mut warm: Option<Hyperparameters> = None;
    for round in 0..config.rounds {
        crate::jobs::check(cancel)?;
        if run.queried.len() == n {
            break;
        }
        let x: Vec<Vec<f32>> = run.queried.iter().map(|&r| latents[r].clone()).collect();
        let y: Vec<f64> = run.queried.iter().map(|&r| values[r]).collect();
        let settings = GpSettings {
            seed: config.seed.wrapping_add(round as u64),
            ..config.gp.clone()
        };
        let gp = Surrogate::fit_cancellable(&x, &y, &settings, warm.as_ref(), cancel)?;
        warm = Some(gp.hyperparameters().clone());
        let rest: Vec<usize> = (0..n).filter(|&r| !taken[r]).collect();
        let points: Vec<Vec<f32>> = rest.iter().map(|&r| latents[r].clone()).collect();
        let best = run.best();
        let mut scored: Vec<(f64, usize)> = gp
            .predict(&points)?
            .into_iter()
            .zip(&rest)
            .map(|((mean, std), &r)| (expected_improvement(mean, std, best), r))
            .collect();
        // Highest EI first; ties by row, so a run is reproducible.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, row) in scored.iter().take(config.batch) {
            taken[row] = true;
            run.push(row, values[row]);
        }
    }
    Ok(run)
}

/// Random search: `queries` cells of the pool drawn without replacement.
pub fn random_search(values: &[f64], queries: usize, seed: u64) -> PoolRun {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    let mut run = PoolRun {
        best_after: Vec::new(),
        queried: Vec::new(),
    };
    for &row in order.iter().take(queries) {
        run.push(row, values[row]);
    }
    run
}

/// Mean and standard deviation of the best values of several runs.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub std: f64,
    pub runs: usize,
}

impl Summary {
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Self {
            mean,
            std: var.sqrt(),
            runs: values.len(),
        }
    }
}

/// Pool BO against random search with the same queries, over seeds `0..seeds` (offset by the
/// config's seed), and the oracle.
#[derive(Debug, Clone, Serialize)]
pub struct PoolComparison {
    pub pool: usize,
    pub queries: usize,
    pub bo: Summary,
    pub random: Summary,
    pub oracle: f64,
}

pub fn compare_with_random(
    latents: &[Vec<f32>],
    values: &[f64],
    config: &PoolConfig,
    seeds: usize,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<PoolComparison, BoError> {
    check_pool(latents, values)?;
    let (mut bo, mut random) = (Vec::new(), Vec::new());
    for s in 0..seeds.max(1) {
        progress(s, seeds.max(1));
        let seeded = PoolConfig {
            seed: config.seed.wrapping_add(s as u64),
            ..config.clone()
        };
        let run = pool_bo(latents, values, &seeded, cancel)?;
        random.push(random_search(values, run.queried.len(), seeded.seed ^ 0x5EED).best());
        bo.push(run.best());
    }
    Ok(PoolComparison {
        pool: values.len(),
        queries: config.queries().min(values.len()),
        bo: Summary::of(&bo),
        random: Summary::of(&random),
        oracle: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth toy: 400 points of a 3-D latent grid, valued by closeness to one corner.
    fn toy() -> (Vec<Vec<f32>>, Vec<f64>) {
        let mut latents = Vec::new();
        let mut values = Vec::new();
        for i in 0..400u32 {
            let p = [
                (i % 8) as f32 / 7.0,
                ((i / 8) % 10) as f32 / 9.0,
                (i / 80) as f32 / 4.0,
            ];
            let d: f32 = p
                .iter()
                .zip([0.9f32, 0.2, 0.7])
                .map(|(a, b)| (a - b).powi(2))
                .sum();
            latents.push(p.to_vec());
            values.push(100.0 - 50.0 * d as f64);
        }
        (latents, values)
    }

    fn config(seed: u64) -> PoolConfig {
        PoolConfig {
            initial: 10,
            rounds: 4,
            batch: 5,
            seed,
            gp: GpSettings {
                inducing: 100,
                hyper_points: 100,
                max_iterations: 30,
                seed,
            },
        }
    }

    #[test]
    fn pool_bo_finds_the_toys_optimum_where_random_search_does_not() {
        let (latents, values) = toy();
        let never = AtomicBool::new(false);
        let c =
            compare_with_random(&latents, &values, &config(0), 5, &mut |_, _| {}, &never).unwrap();
        assert_eq!(c.queries, 30);
        assert_eq!(c.pool, 400);
        // 30 of 400 queries: BO reaches the optimum in every run, random search rarely.
        assert_eq!(c.bo.mean, c.oracle, "{c:?}");
        assert_eq!(c.bo.std, 0.0);
        assert!(c.random.mean < c.oracle, "{c:?}");
        let run = pool_bo(&latents, &values, &config(3), &never).unwrap();
        assert_eq!(run.queried.len(), 30);
        let distinct: std::collections::HashSet<_> = run.queried.iter().collect();
        assert_eq!(distinct.len(), 30, "a cell is queried once");
        assert!(run.best_after.windows(2).all(|w| w[1] >= w[0]));
    }

    #[test]
    fn bad_pools_are_errors() {
        let never = AtomicBool::new(false);
        let one = vec![vec![0.0f32; 2]];
        assert!(pool_bo(&one, &[1.0], &config(0), &never).is_err());
        assert!(pool_bo(&[vec![0.0], vec![1.0]], &[1.0], &config(0), &never).is_err());
        let err = pool_bo(
            &[vec![0.0], vec![1.0]],
            &[1.0, f64::NAN],
            &config(0),
            &never,
        );
        assert!(err.unwrap_err().to_string().contains("pool cell 1"));
    }
}
