//! Sigmoid and tanh, with a faster path for inference on Burn's CPU backend.
//!
//! Burn's CPU backend (`flex`) evaluates both with one libm call per element (`expf`,
//! `tanhf`/`expm1f`). In `eval` of the bundled SVGe that was 32 % of the time (perf, one
//! thread): the GRUs' states are small (64 per direction), so the gates' element-wise maths
//! weigh as much as their matrix products. Without autodiff, the values are mapped in place
//! eight lanes at a time with `wide`'s `exp` and `tanh` (already built for Burn's GPU
//! compiler). Training keeps Burn's own, whose backward passes it needs; so does the GPU.
//! Both agree to float round-off (`tests` below).

use burn::tensor::{DType, Device, Tensor};
use wide::f32x8;

/// Whether `x` lives on the plain CPU backend (no autodiff) as f32.
fn mapped_here<const D: usize>(x: &Tensor<D>) -> bool {
    // The device compares equal with or without autodiff: ask separately.
    !x.is_autodiff() && x.dtype() == DType::F32 && x.device() == Device::flex()
}

/// Applies `lanes` to every value of `x`, eight at a time (the tail padded).
fn map<const D: usize>(x: Tensor<D>, lanes: impl Fn(f32x8) -> f32x8) -> Tensor<D> {
    let device = x.device();
    let mut data = x.into_data();
    let values = data
        .as_mut_slice::<f32>()
        .expect("an f32 tensor has f32 values");
    let mut chunks = values.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let out = lanes(f32x8::from(&*chunk));
        chunk.copy_from_slice(out.as_array());
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let mut padded = [0f32; 8];
        padded[..tail.len()].copy_from_slice(tail);
        let out = lanes(f32x8::from(padded));
        tail.copy_from_slice(&out.as_array()[..tail.len()]);
    }
    Tensor::from_data(data, &device)
}

/// The logistic function `1 / (1 + e^-x)`.
pub fn sigmoid<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !mapped_here(&x) {
        return burn::tensor::activation::sigmoid(x);
    }
    map(x, |v| f32x8::ONE / (f32x8::ONE + (-v).exp()))
}

/// The hyperbolic tangent.
pub fn tanh<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !mapped_here(&x) {
        return x.tanh();
    }
    map(x, f32x8::tanh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    fn values(t: Tensor<1>) -> Vec<f32> {
        crate::model::tensor_values(t.into_data()).unwrap()
    }

    /// Every regime: zero, tiny, ordinary, saturated and beyond exp's range; 21 values so the
    /// padded tail is used.
    #[test]
    fn the_mapped_activations_agree_with_burns_own() {
        let device = Device::flex();
        let xs: Vec<f32> = vec![
            0.0, 1e-6, -1e-6, 1e-3, 0.1, -0.1, 0.5, -0.7, 1.0, -1.3, 2.5, -3.0, 5.0, -8.0, 9.5,
            -12.0, 20.0, -40.0, 90.0, -110.0, 0.33,
        ];
        let x = || Tensor::<1>::from_data(TensorData::new(xs.clone(), [xs.len()]), &device);
        let pairs = [
            (
                values(sigmoid(x())),
                values(burn::tensor::activation::sigmoid(x())),
            ),
            (values(tanh(x())), values(x().tanh())),
        ];
        for (fast, burn) in pairs {
            for ((f, b), x) in fast.iter().zip(&burn).zip(&xs) {
                let tolerance = 4.0 * f32::EPSILON * b.abs().max(1e-30);
                assert!((f - b).abs() <= tolerance, "at {x}: {f} against {b}");
            }
        }
    }

    /// On an autodiff device the result keeps its gradient.
    #[test]
    fn training_keeps_burns_activations_and_their_gradients() {
        let device = Device::flex().autodiff();
        let x = Tensor::<1>::from_data(TensorData::new(vec![0.5f32, -1.0], [2]), &device)
            .require_grad();
        let y = sigmoid(x.clone()) + tanh(x.clone());
        let grads = y.sum().backward();
        let g = values(x.grad(&grads).expect("a gradient"));
        let s = |v: f32| 1.0 / (1.0 + (-v).exp());
        for (v, got) in [0.5f32, -1.0].iter().zip(g) {
            let want = s(*v) * (1.0 - s(*v)) + 1.0 - v.tanh().powi(2);
            assert!((got - want).abs() < 1e-5, "{got} against {want}");
        }
    }
}
