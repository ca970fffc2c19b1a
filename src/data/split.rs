use rand::SeedableRng;
use rand::seq::SliceRandom;

/// A seeded 90/10-style train/test split of row indices: the rows are shuffled with rand's
/// `StdRng` seeded by `seed`, the first part trains and the last `test_fraction` tests
/// (the same arrangement as D-VAE's loader, though not its Python shuffle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

impl Split {
    pub fn new(n: usize, test_fraction: f64, seed: u64) -> Self {
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let test_len = ((n as f64) * test_fraction.clamp(0.0, 1.0)).round() as usize;
        let test = order.split_off(n - test_len);
        Self { train: order, test }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_seeded_disjoint_and_complete() {
        let a = Split::new(19_020, 0.1, 0);
        assert_eq!((a.train.len(), a.test.len()), (17_118, 1_902));
        assert_eq!(a, Split::new(19_020, 0.1, 0));
        assert_ne!(a, Split::new(19_020, 0.1, 1));
        let mut all: Vec<usize> = a.train.iter().chain(&a.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..19_020).collect::<Vec<_>>());
    }
}
