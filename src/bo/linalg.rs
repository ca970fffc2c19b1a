//! The few dense linear-algebra pieces the sparse GP needs, on row-major ndarray matrices:
//! Cholesky factorisation, inverse of a lower-triangular matrix, triangular solves, the
//! squared-exponential kernel matrix, and a projected L-BFGS minimiser. Products of big
//! matrices go through ndarray's `dot` (matrixmultiply's GEMM).
//!
//! Why not linfa-linalg's Cholesky and triangular solves: they give the same results, but made
//! `cellspace predict` on ENAS 10× slower (232.8 s against 22.1 s, measured), since the
//! hyper-parameter fit factorises 1000 × 1000 matrices about a hundred times.

use ndarray::{Array1, Array2, ArrayView2, Axis};

fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators let the compiler vectorise the loop.
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4;
    for k in 0..chunks {
        for (l, slot) in acc.iter_mut().enumerate() {
            *slot += a[4 * k + l] * b[4 * k + l];
        }
    }
    let mut sum = acc[0] + acc[1] + acc[2] + acc[3];
    for k in 4 * chunks..a.len() {
        sum += a[k] * b[k];
    }
    sum
}

/// Lower Cholesky factor `L` of a symmetric positive-definite `a` (`a = L Lᵀ`), or `None`
/// when `a` is not numerically positive definite.
pub fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let n = a.nrows();
    if a.ncols() != n {
        return None;
    }
    let mut l = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s = a[[i, j]] - dot(&l[i * n..i * n + j], &l[j * n..j * n + j]);
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Array2::from_shape_vec((n, n), l).ok()
}

/// Cholesky factor of `a + jitter·I`, with the jitter raised tenfold (from `jitter`) up to
/// four times when the factorisation fails. Returns the factor and the jitter used.
pub fn cholesky_jittered(a: &Array2<f64>, jitter: f64) -> Option<(Array2<f64>, f64)> {
    let mut jitter = jitter;
    for _ in 0..5 {
        let mut b = a.clone();
        b.diag_mut().mapv_inplace(|v| v + jitter);
        if let Some(l) = cholesky(&b) {
            return Some((l, jitter));
        }
        jitter *= 10.0;
    }
    None
}

/// Inverse of a lower-triangular matrix with a positive diagonal (lower-triangular too).
pub fn lower_inverse(l: &Array2<f64>) -> Array2<f64> {
    let n = l.nrows();
    let mut x = vec![0.0f64; n * n];
    for i in 0..n {
        // Row i of X: (e_i - Σ_{k<i} L[i][k] X[k][..]) / L[i][i]; X[k] is zero beyond column k.
        let (done, rest) = x.split_at_mut(i * n);
        let row = &mut rest[..n];
        row[i] = 1.0;
        for k in 0..i {
            let c = l[[i, k]];
            if c != 0.0 {
                let xk = &done[k * n..k * n + k + 1];
                for (r, v) in row[..=k].iter_mut().zip(xk) {
                    *r -= c * v;
                }
            }
        }
        let d = l[[i, i]];
        for r in row[..=i].iter_mut() {
            *r /= d;
        }
    }
    Array2::from_shape_vec((n, n), x).unwrap_or_else(|_| Array2::zeros((n, n)))
}

/// Solves `L Lᵀ x = b` for a lower Cholesky factor `L`.
pub fn cholesky_solve(l: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let n = l.nrows();
    let mut y = b.to_vec();
    for i in 0..n {
        let row = l.row(i);
        let mut s = y[i];
        for k in 0..i {
            s -= row[k] * y[k];
        }
        y[i] = s / row[i];
    }
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= l[[k, i]] * y[k];
        }
        y[i] = s / l[[i, i]];
    }
    Array1::from(y)
}

/// Squared-exponential kernel `s2 · exp(-½ |a_i - b_j|²)` between the rows of `a` and `b`,
/// which must already be divided by the lengthscales.
pub fn se_kernel(a: ArrayView2<f64>, b: ArrayView2<f64>, s2: f64) -> Array2<f64> {
    let na: Array1<f64> = a.map_axis(Axis(1), |r| r.dot(&r));
    let nb: Array1<f64> = b.map_axis(Axis(1), |r| r.dot(&r));
    let mut k = a.dot(&b.t());
    for (i, mut row) in k.axis_iter_mut(Axis(0)).enumerate() {
        let ai = na[i];
        for (v, bj) in row.iter_mut().zip(nb.iter()) {
            let d2 = (ai + bj - 2.0 * *v).max(0.0);
            *v = s2 * (-0.5 * d2).exp();
        }
    }
    k
}

/// Minimises `f` (value and gradient; `None` where it cannot be evaluated) inside the box
/// `[lo, hi]` by L-BFGS with a projected backtracking line search, from `x0`. Stops after
/// `max_iterations` iterations or when an iteration improves `f` by less than `1e-7·|f|`.
/// Returns the best point, its value, and the number of evaluations.
pub fn minimise_lbfgs(
    mut f: impl FnMut(&[f64]) -> Option<(f64, Vec<f64>)>,
    x0: &[f64],
    lo: &[f64],
    hi: &[f64],
    max_iterations: usize,
) -> Option<(Vec<f64>, f64, usize)> {
    let bounds = Bounds { lo, hi };
    let mut x = x0.to_vec();
    bounds.project(&mut x);
    let (fx, g) = f(&x)?;
    let mut evaluations = 1;
    if !fx.is_finite() {
        return None;
    }
    let mut current = Iterate { x, fx, g };
    let mut curvature = Curvature::default();
    for _ in 0..max_iterations {
        let (g_free, held) = bounds.free_gradient(&current);
        if g_free.iter().all(|v| v.abs() < 1e-10) {
            break;
        }
        let p = curvature.descent_direction(&g_free, &held);
        let Some((next, s)) = line_search(&mut f, &bounds, &current, &p, &mut evaluations) else {
            break;
        };
        let y: Vec<f64> = next.g.iter().zip(&current.g).map(|(a, b)| a - b).collect();
        curvature.remember(s, y);
        let improvement = current.fx - next.fx;
        current = next;
        if improvement < 1e-7 * current.fx.abs().max(1.0) {
            break;
        }
    }
    Some((current.x, current.fx, evaluations))
}

/// Sum of products in plain order: the minimiser's own dot product, kept apart from the
/// vectorised [`dot`] so that its rounding (and so its path) stays as it was.
fn vdot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>()
}

/// A point the minimiser has evaluated: where, the value, and the gradient.
struct Iterate {
    x: Vec<f64>,
    fx: f64,
    g: Vec<f64>,
}

/// The box `[lo, hi]` the minimiser must stay in.
struct Bounds<'a> {
    lo: &'a [f64],
    hi: &'a [f64],
}

impl Bounds<'_> {
    /// Moves `x` to the nearest point of the box.
    fn project(&self, x: &mut [f64]) {
        for ((v, &l), &h) in x.iter_mut().zip(self.lo).zip(self.hi) {
            *v = v.clamp(l, h);
        }
    }

    /// The gradient at `at` with the variables the box holds zeroed, and which those are:
    /// a variable at a bound whose gradient pushes it outward stays there this iteration.
    fn free_gradient(&self, at: &Iterate) -> (Vec<f64>, Vec<bool>) {
        let (x, g) = (&at.x, &at.g);
        let held: Vec<bool> = (0..x.len())
            .map(|i| (x[i] <= self.lo[i] && g[i] > 0.0) || (x[i] >= self.hi[i] && g[i] < 0.0))
            .collect();
        let mut g_free = g.clone();
        zero_held(&mut g_free, &held);
        (g_free, held)
    }
}

/// Zeroes the components of `v` the box holds, so that a step never moves them.
fn zero_held(v: &mut [f64], held: &[bool]) {
    for (vi, &a) in v.iter_mut().zip(held) {
        if a {
            *vi = 0.0;
        }
    }
}

/// The last [`Curvature::MEMORY`] steps `s`, gradient changes `y` and `1/sᵀy`: L-BFGS's
/// picture of the inverse Hessian, oldest first.
#[derive(Default)]
struct Curvature {
    pairs: Vec<(Vec<f64>, Vec<f64>, f64)>,
}

impl Curvature {
    const MEMORY: usize = 10;

    /// A direction along which `f` decreases, on the free variables only: `-H g` from the
    /// remembered curvature, or (at the start, or when that is no descent direction)
    /// steepest descent at most one unit long in its largest coordinate, forgetting the
    /// curvature.
    fn descent_direction(&mut self, g_free: &[f64], held: &[bool]) -> Vec<f64> {
        let mut p: Vec<f64> = self
            .inverse_hessian_times(g_free)
            .iter()
            .map(|v| -v)
            .collect();
        zero_held(&mut p, held);
        if vdot(&p, g_free) >= 0.0 || self.pairs.is_empty() {
            self.pairs.clear();
            let gmax = g_free.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            p = g_free.iter().map(|v| -v / gmax.max(1.0)).collect();
        }
        p
    }

    /// `H g` for the remembered inverse Hessian `H` (the two-loop recursion), `g` itself when
    /// nothing is remembered.
    fn inverse_hessian_times(&self, g: &[f64]) -> Vec<f64> {
        let mut q = g.to_vec();
        let mut alphas = Vec::with_capacity(self.pairs.len());
        for (s, y, rho) in self.pairs.iter().rev() {
            let a = rho * vdot(s, &q);
            for (qi, yi) in q.iter_mut().zip(y) {
                *qi -= a * yi;
            }
            alphas.push(a);
        }
        let gamma = self
            .pairs
            .last()
            .map_or(1.0, |(s, y, _)| vdot(s, y) / vdot(y, y).max(1e-300));
        for qi in q.iter_mut() {
            *qi *= gamma;
        }
        for ((s, y, rho), a) in self.pairs.iter().zip(alphas.iter().rev()) {
            let b = rho * vdot(y, &q);
            for (qi, si) in q.iter_mut().zip(s) {
                *qi += (a - b) * si;
            }
        }
        q
    }

    /// Remembers step `s` with gradient change `y` when it shows positive curvature (any
    /// other would make `H` indefinite), dropping the oldest beyond [`Curvature::MEMORY`].
    fn remember(&mut self, s: Vec<f64>, y: Vec<f64>) {
        let sy = vdot(&s, &y);
        if sy > 1e-12 {
            self.pairs.push((s, y, 1.0 / sy));
            if self.pairs.len() > Self::MEMORY {
                self.pairs.remove(0);
            }
        }
    }
}

/// The first of the steps `1, ½, ¼, …` (30 at most) along `p` from `current`, projected into
/// the box, that decreases `f` enough (Armijo, `1e-4`): the new point and the step actually
/// taken. `None` when none does, or when the projection leaves no descent. Counts each
/// evaluation of `f` in `evaluations`.
fn line_search(
    f: &mut impl FnMut(&[f64]) -> Option<(f64, Vec<f64>)>,
    bounds: &Bounds,
    current: &Iterate,
    p: &[f64],
    evaluations: &mut usize,
) -> Option<(Iterate, Vec<f64>)> {
    let x = &current.x;
    let mut step = 1.0;
    for _ in 0..30 {
        let mut xn: Vec<f64> = x.iter().zip(p).map(|(a, b)| a + step * b).collect();
        bounds.project(&mut xn);
        let moved: Vec<f64> = xn.iter().zip(x).map(|(a, b)| a - b).collect();
        let decrease = vdot(&current.g, &moved);
        if decrease >= 0.0 {
            // The projection removed every descending component.
            return None;
        }
        *evaluations += 1;
        if let Some((fn_, gn)) = f(&xn)
            && fn_.is_finite()
            && fn_ <= current.fx + 1e-4 * decrease
        {
            return Some((
                Iterate {
                    x: xn,
                    fx: fn_,
                    g: gn,
                },
                moved,
            ));
        }
        step *= 0.5;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cholesky_and_inverse_reproduce_the_matrix() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 5.0, 1.0], [0.6, 1.0, 3.0]];
        let l = cholesky(&a).unwrap();
        let back = l.dot(&l.t());
        assert!((&back - &a).iter().all(|v| v.abs() < 1e-12));
        let li = lower_inverse(&l);
        let eye = li.dot(&l);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((eye[[i, j]] - want).abs() < 1e-12, "{eye}");
            }
        }
        let b = array![1.0, -2.0, 0.5];
        let x = cholesky_solve(&l, &b);
        assert!((a.dot(&x) - &b).iter().all(|v| v.abs() < 1e-12));
        assert!(cholesky(&array![[1.0, 2.0], [2.0, 1.0]]).is_none());
    }

    #[test]
    fn kernel_matches_the_definition() {
        let a = array![[0.0, 1.0], [2.0, -1.0]];
        let b = array![[1.0, 1.0]];
        let k = se_kernel(a.view(), b.view(), 2.0);
        assert!((k[[0, 0]] - 2.0 * (-0.5f64).exp()).abs() < 1e-12);
        assert!((k[[1, 0]] - 2.0 * (-0.5f64 * 5.0).exp()).abs() < 1e-12);
    }

    #[test]
    fn lbfgs_finds_the_minimum_of_a_rosenbrock_valley_and_respects_bounds() {
        let rosen = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            Some((f, g))
        };
        let (x, f, _) =
            minimise_lbfgs(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], 500).unwrap();
        assert!(f < 1e-8 && (x[0] - 1.0).abs() < 1e-3, "{x:?} {f}");
        // With the optimum outside the box, the answer sits on the bound.
        let (x, _, _) =
            minimise_lbfgs(rosen, &[0.0, 0.0], &[-5.0, -5.0], &[0.5, 5.0], 500).unwrap();
        assert!(
            (x[0] - 0.5).abs() < 1e-9 && (x[1] - 0.25).abs() < 1e-3,
            "{x:?}"
        );
    }
}
