//! Where stochastic decoding draws its random numbers. Burn's generator is one per process
//! (seeded by `device.seed`): decodings on several threads would draw from it in a racy order
//! and their results would change from run to run. A seeded generator of its own per piece of
//! work keeps parallel decoding reproducible, whatever the thread count.

use burn::tensor::{Device, Distribution, Tensor, TensorData};
use rand::{Rng, SeedableRng};

pub enum Noise {
    /// Burn's process-wide generator on the tensor's device.
    Device,
    /// A generator of its own (boxed: it is 320 bytes, `Device` none).
    Seeded(Box<rand::rngs::StdRng>),
}

impl Noise {
    pub fn seeded(seed: u64) -> Self {
        Noise::Seeded(Box::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }

    /// Uniform values in [lo, hi).
    pub fn uniform(&mut self, shape: [usize; 2], lo: f64, hi: f64, device: &Device) -> Tensor<2> {
        match self {
            Noise::Device => Tensor::random(shape, Distribution::Uniform(lo, hi), device),
            Noise::Seeded(rng) => {
                let (lo, hi) = (lo as f32, hi as f32);
                let values: Vec<f32> = (0..shape[0] * shape[1])
                    .map(|_| lo + (hi - lo) * rng.random::<f32>())
                    .collect();
                Tensor::from_data(TensorData::new(values, shape), device)
            }
        }
    }

    /// Standard normal values.
    pub fn normal(&mut self, shape: [usize; 2], device: &Device) -> Tensor<2> {
        match self {
            Noise::Device => Tensor::random(shape, Distribution::Normal(0.0, 1.0), device),
            Noise::Seeded(rng) => {
                // Box-Muller: two uniforms give two independent normals.
                let n = shape[0] * shape[1];
                let mut values = Vec::with_capacity(n + 1);
                while values.len() < n {
                    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]: the log stays finite
                    let u2 = rng.random::<f64>();
                    let r = (-2.0 * u1.ln()).sqrt();
                    let a = std::f64::consts::TAU * u2;
                    values.push((r * a.cos()) as f32);
                    values.push((r * a.sin()) as f32);
                }
                values.truncate(n);
                Tensor::from_data(TensorData::new(values, shape), device)
            }
        }
    }
}

/// A seed for piece `index` of a job seeded with `seed` (SplitMix64 of both): neighbouring
/// pieces get unrelated streams.
pub fn piece_seed(seed: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(index)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_noise_repeats_and_has_the_right_moments() {
        let device = burn::tensor::Device::flex();
        let draw = |seed| {
            let t = Noise::seeded(seed).normal([200, 50], &device);
            crate::model::tensor_values::<f32>(t.into_data()).unwrap()
        };
        let (a, b, c) = (draw(3), draw(3), draw(4));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let n = a.len() as f64;
        let mean = a.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = a.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
        let u = Noise::seeded(1).uniform([100, 100], 0.25, 0.75, &device);
        let u = crate::model::tensor_values::<f32>(u.into_data()).unwrap();
        assert!(u.iter().all(|&x| (0.25..0.75).contains(&x)));
        let mean = u.iter().map(|&x| x as f64).sum::<f64>() / u.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        assert_ne!(piece_seed(0, 1), piece_seed(0, 2));
        assert_ne!(piece_seed(0, 1), piece_seed(1, 0));
    }
}
