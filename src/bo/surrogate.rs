//! The papers' surrogate: a sparse Gaussian process (FITC, Snelson & Ghahramani 2006, the
//! approximation of egobox-gp's `SparseKriging` and of the SGP in the D-VAE / SVGe code) with
//! an anisotropic squared-exponential kernel on latent points; targets are standardised inside.
//!
//! Kernel: `k(x, x') = s² · exp(-½ Σ_d (x_d - x'_d)² / ℓ_d²)`, plus Gaussian noise `σ²`.
//! The hyper-parameters (56 lengthscales, `s²`, `σ² ≥ 0.01`) maximise the exact GP's
//! marginal likelihood on at most `hyper_points` of the training points (all of them in a BO
//! run), with analytic gradients and L-BFGS, warm-started from a previous fit when one is
//! given.
//! The predictor is FITC on all training points with `inducing` inducing points drawn at
//! random from them (all of them when there are fewer): exactly the GP when every training
//! point is inducing.
//!
//! egobox-gp 0.37 fits the same model, but its fit re-optimises all 58 hyper-parameters with
//! COBYLA (gradient-free, at least 25 and up to 560 likelihood evaluations per start, 11
//! starts) and builds an `n·m × d` array of pairwise differences for every evaluation: one
//! refit on 550 BO points did not finish in 200 s, and on 14k training latents a single
//! evaluation allocates 3 GB. Hence this implementation (`BENCHMARKS.md` has the timings).

use ndarray::{Array1, Array2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;

use super::BoError;
use super::linalg::{cholesky_jittered, cholesky_solve, lower_inverse, minimise_lbfgs, se_kernel};

/// How a sparse GP is fitted.
#[derive(Debug, Clone, Serialize)]
pub struct GpSettings {
    /// Inducing points (the papers: 500); all training points when there are fewer.
    pub inducing: usize,
    /// Training points (a random subset when there are more) whose exact marginal likelihood
    /// the hyper-parameters maximise.
    pub hyper_points: usize,
    /// L-BFGS iterations of the hyper-parameter fit (0: keep the initial or warm values).
    pub max_iterations: usize,
    /// Seed of the random subsets.
    pub seed: u64,
}

impl Default for GpSettings {
    fn default() -> Self {
        Self {
            inducing: 500,
            hyper_points: 1000,
            max_iterations: 100,
            seed: 0,
        }
    }
}

/// Kernel and noise hyper-parameters, in the units of the standardised targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hyperparameters {
    /// One lengthscale per latent dimension.
    pub lengthscales: Vec<f64>,
    /// Signal variance `s²`.
    pub signal_variance: f64,
    /// Noise variance `σ²`.
    pub noise_variance: f64,
}

/// A fitted sparse GP.
#[derive(Debug, Clone)]
pub struct Surrogate {
    hyper: Hyperparameters,
    /// Inducing points divided by the lengthscales (m × d).
    inducing_scaled: Array2<f64>,
    /// `L_uu⁻¹` (m × m) and `L_B⁻¹ L_uu⁻¹` (m × m): the variance is
    /// `s² - |L_uu⁻¹ k_u|² + |L_B⁻¹ L_uu⁻¹ k_u|² + σ²`.
    luu_inv: Array2<f64>,
    lb_luu_inv: Array2<f64>,
    /// Weights of the predictive mean: `mean = k_uᵀ w`.
    weights: Array1<f64>,
    mean: f64,
    std: f64,
    dims: usize,
    /// Log marginal likelihood of the hyper-parameter subset at the fitted values (NaN when
    /// the hyper-parameters were given).
    log_likelihood: f64,
    /// Likelihood evaluations spent on the hyper-parameters.
    evaluations: usize,
}

fn check(points: &[Vec<f32>], values: &[f64]) -> Result<usize, BoError> {
    if points.len() != values.len() || points.len() < 2 {
        return Err(BoError::GpSizes {
            points: points.len(),
            values: values.len(),
        });
    }
    let dims = points[0].len();
    if dims == 0 {
        return Err(BoError::GpNoDimensions);
    }
    if let Some(index) = points.iter().position(|p| p.len() != dims) {
        return Err(BoError::GpPointDimensions {
            index,
            got: points[index].len(),
            dims,
        });
    }
    if let Some(index) = points.iter().position(|p| p.iter().any(|v| !v.is_finite())) {
        return Err(BoError::GpPointNotFinite { index });
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(BoError::GpValueNotFinite {
            index,
            value: values[index],
        });
    }
    Ok(dims)
}

fn matrix(points: &[Vec<f32>], rows: impl Iterator<Item = usize>, dims: usize) -> Array2<f64> {
    let rows: Vec<usize> = rows.collect();
    Array2::from_shape_fn((rows.len(), dims), |(i, j)| points[rows[i]][j] as f64)
}

fn scaled(x: &Array2<f64>, lengthscales: &[f64]) -> Array2<f64> {
    let inv = Array1::from_iter(lengthscales.iter().map(|l| 1.0 / l));
    x * &inv.insert_axis(Axis(0))
}

/// Smallest noise variance the fit may choose, in units of the targets' variance. Without
/// it the likelihood drives the noise of a BO run's few hundred points to zero and the GP
/// interpolates them, overshooting far above the best value between them; with 1 % the BO
/// runs on NB201 found better cells (seeds 10–13, `BENCHMARKS.md`).
const NOISE_FLOOR: f64 = 1e-2;

/// Relative jitter added to kernel matrices before factorising them.
const JITTER: f64 = 1e-8;

/// Negative log marginal likelihood of an exact GP and its gradient with respect to
/// `params = [ln ℓ_1 … ln ℓ_d, ln s², ln σ²]`.
pub(crate) fn exact_nlml(
    x: &Array2<f64>,
    y: &Array1<f64>,
    params: &[f64],
) -> Option<(f64, Vec<f64>)> {
    let (n, d) = x.dim();
    let lengthscales: Vec<f64> = params[..d].iter().map(|v| v.exp()).collect();
    let (s2, sn2) = (params[d].exp(), params[d + 1].exp());
    let xs = scaled(x, &lengthscales);
    let kf = se_kernel(xs.view(), xs.view(), s2);
    let mut k = kf.clone();
    k.diag_mut().mapv_inplace(|v| v + sn2);
    let (l, _) = cholesky_jittered(&k, JITTER * s2)?;
    let alpha = cholesky_solve(&l, y);
    let log_det: f64 = l.diag().iter().map(|v| v.ln()).sum();
    let nlml = 0.5 * y.dot(&alpha) + log_det + 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    // d ln p / dθ = ½ tr((ααᵀ - K⁻¹) dK/dθ).
    let li = lower_inverse(&l);
    let k_inv = li.t().dot(&li);
    let mut g = k_inv;
    g.mapv_inplace(|v| -v);
    for i in 0..n {
        let ai = alpha[i];
        let mut row = g.row_mut(i);
        row.scaled_add(ai, &alpha);
    }
    let trace_g: f64 = g.diag().sum();
    // M = G ∘ K_f; dK_f/d ln ℓ_d = K_f ∘ (Δ_d/ℓ_d)².
    let m = g * &kf;
    let r = m.sum_axis(Axis(1));
    let mx = m.dot(&xs);
    let mut grad = vec![0.0; d + 2];
    for (dd, slot) in grad.iter_mut().take(d).enumerate() {
        let col = xs.column(dd);
        let mut s = 0.0;
        for i in 0..n {
            s += r[i] * col[i] * col[i] - col[i] * mx[[i, dd]];
        }
        *slot = -s;
    }
    grad[d] = -0.5 * r.sum();
    grad[d + 1] = -0.5 * sn2 * trace_g;
    Some((nlml, grad))
}

impl Hyperparameters {
    /// The hyper-parameters whose logarithms are `[ln ℓ_1 … ln ℓ_dims, ln s², ln σ²]`, the
    /// form the likelihood is optimised in.
    fn from_log_params(params: &[f64], dims: usize) -> Self {
        Self {
            lengthscales: params[..dims].iter().map(|v| v.exp()).collect(),
            signal_variance: params[dims].exp(),
            noise_variance: params[dims + 1].exp(),
        }
    }
}

/// Scale of the latents (the root of their total variance, at least `1e-9`): the cold start's
/// lengthscale and the centre of the lengthscales' search box.
fn latent_spread(points: &[Vec<f32>], dims: usize) -> f64 {
    let x_all = matrix(points, 0..points.len(), dims);
    x_all.var_axis(Axis(0), 0.0).sum().sqrt().max(1e-9)
}

/// Where the hyper-parameter search starts, as log parameters: `warm` when it has `dims`
/// lengthscales, otherwise every lengthscale the latents' spread, `s² = 1`, `σ² = 0.1`.
fn starting_params(warm: Option<&Hyperparameters>, dims: usize, spread: f64) -> Vec<f64> {
    let warm: Option<Vec<f64>> = warm.filter(|h| h.lengthscales.len() == dims).map(|h| {
        h.lengthscales
            .iter()
            .map(|l| l.ln())
            .chain([h.signal_variance.ln(), h.noise_variance.ln()])
            .collect()
    });
    warm.unwrap_or_else(|| {
        std::iter::repeat_n(spread.ln(), dims)
            .chain([0.0, (0.1f64).ln()])
            .collect()
    })
}

/// The box the log hyper-parameters are searched in: lengthscales within a factor 1000 of
/// the latents' spread, `s²` in `[1e-3, 1e2]`, `σ²` in `[NOISE_FLOOR, 10]`.
struct LogBounds {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl LogBounds {
    /// The box for latents of the given spread and dimension.
    fn around(spread: f64, dims: usize) -> Self {
        let (lo_l, hi_l) = ((1e-3 * spread).ln(), (1e3 * spread).ln());
        let mut lo = vec![lo_l; dims];
        let mut hi = vec![hi_l; dims];
        lo.extend([(1e-3f64).ln(), NOISE_FLOOR.ln()]);
        hi.extend([(1e2f64).ln(), (10.0f64).ln()]);
        Self { lo, hi }
    }

    /// `params` moved into the box; a value that is not finite (a warm start with a zero or
    /// infinite hyper-parameter) goes to its lower bound.
    fn clamp(&self, params: &[f64]) -> Vec<f64> {
        params
            .iter()
            .zip(self.lo.iter().zip(&self.hi))
            .map(|(v, (l, h))| if v.is_finite() { v.clamp(*l, *h) } else { *l })
            .collect()
    }
}

/// The points (as a matrix) and standardised values the likelihood is maximised on: all of
/// them, or a random `hyper_points` (at least 2) of them, in their original order.
fn likelihood_subset(
    points: &[Vec<f32>],
    values: &[f64],
    dims: usize,
    hyper_points: usize,
    rng: &mut rand::rngs::StdRng,
) -> (Array2<f64>, Array1<f64>) {
    let n = points.len();
    let (mean, std) = standardisation(values);
    let mut rows: Vec<usize> = (0..n).collect();
    if n > hyper_points.max(2) {
        rows.shuffle(rng);
        rows.truncate(hyper_points.max(2));
        rows.sort_unstable();
    }
    let x = matrix(points, rows.iter().copied(), dims);
    let y = Array1::from_iter(rows.iter().map(|&i| (values[i] - mean) / std));
    (x, y)
}

/// Minimises the exact GP's negative log marginal likelihood on `(x, y)` over the log
/// hyper-parameters inside `bounds`, from `init`: the best parameters, their negative log
/// likelihood and the evaluations spent. [`BoError::Cancelled`] once `cancel` is set, so a
/// cut-short search is never taken for a fit.
fn maximise_likelihood(
    x: &Array2<f64>,
    y: &Array1<f64>,
    init: &[f64],
    bounds: &LogBounds,
    max_iterations: usize,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<(Vec<f64>, f64, usize), BoError> {
    let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    let fitted = minimise_lbfgs(
        |p| {
            if cancelled() {
                None
            } else {
                exact_nlml(x, y, p)
            }
        },
        init,
        &bounds.lo,
        &bounds.hi,
        max_iterations,
    );
    if cancelled() {
        return Err(crate::jobs::Cancelled.into());
    }
    fitted.ok_or(BoError::InitialKernel)
}

/// The inducing points: distinct training points, in a random order (chosen by `rng`) when
/// there are more than `inducing`, at most `inducing` (at least one) of them.
fn inducing_points(
    points: &[Vec<f32>],
    inducing: usize,
    rng: &mut rand::rngs::StdRng,
) -> Vec<Vec<f32>> {
    let n = points.len();
    let mut order: Vec<usize> = (0..n).collect();
    if inducing < n {
        order.shuffle(rng);
    }
    let mut seen = std::collections::HashSet::new();
    order
        .into_iter()
        .filter(|&i| seen.insert(points[i].iter().map(|v| v.to_bits()).collect::<Vec<_>>()))
        .take(inducing.max(1))
        .map(|i| points[i].clone())
        .collect()
}

impl Surrogate {
    /// Fits on (latent, value) pairs with at most `inducing` inducing points (all points when
    /// there are fewer), the random subsets chosen by `seed`; the other settings are
    /// [`GpSettings::default`].
    pub fn fit(
        points: &[Vec<f32>],
        values: &[f64],
        inducing: usize,
        seed: u64,
    ) -> Result<Self, BoError> {
        let settings = GpSettings {
            inducing,
            seed,
            ..GpSettings::default()
        };
        Self::fit_with(points, values, &settings, None)
    }

    /// Fits with `settings`, starting the hyper-parameter search from `warm` (e.g. the
    /// previous BO round's fit) when it has the points' dimension.
    pub fn fit_with(
        points: &[Vec<f32>],
        values: &[f64],
        settings: &GpSettings,
        warm: Option<&Hyperparameters>,
    ) -> Result<Self, BoError> {
        Self::fit_cancellable(points, values, settings, warm, &crate::jobs::NEVER)
    }

    /// [`Surrogate::fit_with`], stopping with [`BoError::Cancelled`] between likelihood
    /// evaluations of the hyper-parameter fit once `cancel` is set.
    pub fn fit_cancellable(
        points: &[Vec<f32>],
        values: &[f64],
        settings: &GpSettings,
        warm: Option<&Hyperparameters>,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Result<Self, BoError> {
        let dims = check(points, values)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(settings.seed);
        let spread = latent_spread(points, dims);
        let start = starting_params(warm, dims, spread);
        let (params, log_likelihood, evaluations) = if settings.max_iterations == 0 {
            // Nothing to fit: the warm values as they are (`from_parts` checks them).
            (start, f64::NAN, 0)
        } else {
            let bounds = LogBounds::around(spread, dims);
            let (x, y) = likelihood_subset(points, values, dims, settings.hyper_points, &mut rng);
            let (p, f, evaluations) = maximise_likelihood(
                &x,
                &y,
                &bounds.clamp(&start),
                &bounds,
                settings.max_iterations,
                cancel,
            )?;
            (p, -f, evaluations)
        };
        let hyper = Hyperparameters::from_log_params(&params, dims);
        let z = inducing_points(points, settings.inducing, &mut rng);
        let mut gp = Self::from_parts(points, values, &z, &hyper)?;
        gp.log_likelihood = log_likelihood;
        gp.evaluations = evaluations;
        Ok(gp)
    }

    /// The FITC sparse GP with the given inducing points and hyper-parameters (nothing is
    /// optimised). The targets are standardised first, so `hyper` is in standardised units.
    pub fn from_parts(
        points: &[Vec<f32>],
        values: &[f64],
        inducing: &[Vec<f32>],
        hyper: &Hyperparameters,
    ) -> Result<Self, BoError> {
        let dims = check(points, values)?;
        if inducing.is_empty() || inducing.iter().any(|z| z.len() != dims) {
            return Err(BoError::NoInducing { dims });
        }
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if hyper.lengthscales.len() != dims
            || !hyper.lengthscales.iter().all(|&l| ok(l))
            || !ok(hyper.signal_variance)
            || !ok(hyper.noise_variance)
        {
            return Err(BoError::Hyperparameters { dims });
        }
        let (mean, std) = standardisation(values);
        let n = points.len();
        let s2 = hyper.signal_variance;
        let sn2 = hyper.noise_variance;
        let x = scaled(&matrix(points, 0..n, dims), &hyper.lengthscales);
        let z = scaled(
            &matrix(inducing, 0..inducing.len(), dims),
            &hyper.lengthscales,
        );
        let y = Array1::from_iter(values.iter().map(|v| (v - mean) / std));

        let kuu = se_kernel(z.view(), z.view(), s2);
        let (luu, _) =
            cholesky_jittered(&kuu, JITTER * s2).ok_or(BoError::NotPositiveDefinite {
                matrix: "the inducing points' kernel matrix",
            })?;
        let luu_inv = lower_inverse(&luu);
        let kuf = se_kernel(z.view(), x.view(), s2);
        // V = L_uu⁻¹ K_uf; Λ = diag(K_ff - VᵀV) + σ².
        let v = luu_inv.dot(&kuf);
        let q_diag = v.map_axis(Axis(0), |c| c.dot(&c));
        let lambda: Array1<f64> = q_diag.mapv(|q| (s2 - q).max(0.0) + sn2);
        let inv_sqrt = lambda.mapv(|l| 1.0 / l.sqrt());
        // B = I + V Λ⁻¹ Vᵀ.
        let vs = &v * &inv_sqrt.clone().insert_axis(Axis(0));
        let mut b = vs.dot(&vs.t());
        b.diag_mut().mapv_inplace(|d| d + 1.0);
        let (lb, _) = cholesky_jittered(&b, 0.0).ok_or(BoError::NotPositiveDefinite {
            matrix: "the sparse GP's inner matrix",
        })?;
        let lb_inv = lower_inverse(&lb);
        let lb_luu_inv = lb_inv.dot(&luu_inv);
        // mean(x) = k_uᵀ L_uu⁻ᵀ L_B⁻ᵀ L_B⁻¹ V Λ⁻¹ y.
        let c = lb_inv.dot(&v.dot(&(&y / &lambda)));
        let weights = lb_luu_inv.t().dot(&c);
        if weights.iter().any(|w| !w.is_finite()) {
            return Err(BoError::WeightsNotFinite);
        }
        Ok(Self {
            hyper: hyper.clone(),
            inducing_scaled: z,
            luu_inv,
            lb_luu_inv,
            weights,
            mean,
            std,
            dims,
            log_likelihood: f64::NAN,
            evaluations: 0,
        })
    }

    /// Predictive mean and standard deviation (of a noisy observation, in the values' units)
    /// at each point.
    pub fn predict(&self, points: &[Vec<f32>]) -> Result<Vec<(f64, f64)>, BoError> {
        if let Some(index) = points.iter().position(|p| p.len() != self.dims) {
            return Err(BoError::PredictDimensions {
                index,
                got: points[index].len(),
                dims: self.dims,
            });
        }
        let s2 = self.hyper.signal_variance;
        let sn2 = self.hyper.noise_variance;
        let mut out = Vec::with_capacity(points.len());
        // Chunks keep the n × m kernel matrix small.
        for chunk in points.chunks(4096) {
            let x = scaled(
                &matrix(chunk, 0..chunk.len(), self.dims),
                &self.hyper.lengthscales,
            );
            let kuf = se_kernel(self.inducing_scaled.view(), x.view(), s2);
            let mu = kuf.t().dot(&self.weights);
            let a = self.luu_inv.dot(&kuf);
            let b = self.lb_luu_inv.dot(&kuf);
            let qa = a.map_axis(Axis(0), |c| c.dot(&c));
            let qb = b.map_axis(Axis(0), |c| c.dot(&c));
            for i in 0..chunk.len() {
                let var = (s2 - qa[i] + qb[i]).max(0.0) + sn2;
                out.push((mu[i] * self.std + self.mean, var.sqrt() * self.std));
            }
        }
        Ok(out)
    }

    /// The fitted hyper-parameters (standardised units): a warm start for the next fit.
    pub fn hyperparameters(&self) -> &Hyperparameters {
        &self.hyper
    }

    /// Number of inducing points.
    pub fn inducing_count(&self) -> usize {
        self.inducing_scaled.nrows()
    }

    /// Log marginal likelihood of the hyper-parameter subset (NaN when nothing was fitted).
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }

    /// Likelihood evaluations the hyper-parameter fit used.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }
}

fn standardisation(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n)
        .sqrt()
        .max(1e-12);
    (mean, std)
}

/// Expected improvement over `best` for maximisation, given a Gaussian prediction.
pub fn expected_improvement(mean: f64, std: f64, best: f64) -> f64 {
    if std <= 1e-12 {
        return (mean - best).max(0.0);
    }
    let z = (mean - best) / std;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = 0.5 * (1.0 + libm::erf(z / std::f64::consts::SQRT_2));
    (mean - best) * cdf + std * pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_improvement_textbook_values() {
        // At the incumbent with unit std: EI = phi(0) = 0.398942…
        assert!((expected_improvement(0.0, 1.0, 0.0) - 0.398_942_280_4).abs() < 1e-9);
        // One std above: EI = 1·Phi(1) + phi(1) = 0.841344746 + 0.241970725 = 1.083315471
        assert!((expected_improvement(1.0, 1.0, 0.0) - 1.083_315_471).abs() < 1e-8);
        // One std below: EI = -Phi(-1) + phi(1) = -0.158655254 + 0.241970725 = 0.083315471
        assert!((expected_improvement(-1.0, 1.0, 0.0) - 0.083_315_471).abs() < 1e-8);
        // No uncertainty: the plain improvement.
        assert_eq!(expected_improvement(2.0, 0.0, 0.5), 1.5);
        assert_eq!(expected_improvement(0.2, 0.0, 0.5), 0.0);
    }

    #[test]
    fn likelihood_gradient_matches_finite_differences() {
        // 3-d points, a target that depends on two coordinates.
        let x = Array2::from_shape_fn((30, 3), |(i, j)| ((i * 7 + j * 3) as f64 * 0.37).sin());
        let y = Array1::from_iter((0..30).map(|i| (x[[i, 0]] * 2.0).sin() + 0.3 * x[[i, 1]]));
        let params = [0.1, -0.3, 0.8, 0.2, -2.0];
        let (f, g) = exact_nlml(&x, &y, &params).unwrap();
        assert!(f.is_finite());
        for k in 0..params.len() {
            let h = 1e-5;
            let mut p = params;
            p[k] += h;
            let up = exact_nlml(&x, &y, &p).unwrap().0;
            p[k] -= 2.0 * h;
            let down = exact_nlml(&x, &y, &p).unwrap().0;
            let numeric = (up - down) / (2.0 * h);
            assert!(
                (numeric - g[k]).abs() < 1e-5 * numeric.abs().max(1.0),
                "parameter {k}: analytic {} numeric {numeric}",
                g[k]
            );
        }
    }

    #[test]
    fn fitted_lengthscales_find_the_relevant_dimension() {
        // y depends on the first of three coordinates only.
        let points: Vec<Vec<f32>> = (0..80)
            .map(|i| {
                let t = i as f32;
                vec![(t * 0.61).sin(), (t * 1.37).cos(), (t * 0.23).sin()]
            })
            .collect();
        let values: Vec<f64> = points.iter().map(|p| (2.0 * p[0] as f64).sin()).collect();
        let gp = Surrogate::fit(&points, &values, 500, 0).unwrap();
        let l = &gp.hyperparameters().lengthscales;
        assert!(l[0] < 0.3 * l[1] && l[0] < 0.3 * l[2], "{l:?}");
        assert!(gp.log_likelihood().is_finite() && gp.evaluations() > 1);
        // A warm start from the fit converges at once, to the same place.
        let settings = GpSettings::default();
        let again =
            Surrogate::fit_with(&points, &values, &settings, Some(gp.hyperparameters())).unwrap();
        assert!(
            again.evaluations() < gp.evaluations(),
            "{} {} {} {} {:?} {:?}",
            again.evaluations(),
            gp.evaluations(),
            again.log_likelihood(),
            gp.log_likelihood(),
            gp.hyperparameters(),
            again.hyperparameters()
        );
        assert!((again.log_likelihood() - gp.log_likelihood()).abs() < 1e-3);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(Surrogate::fit(&[vec![0.0]], &[1.0], 10, 0).is_err());
        assert!(Surrogate::fit(&[vec![0.0], vec![1.0, 2.0]], &[1.0, 2.0], 10, 0).is_err());
        assert!(Surrogate::fit(&[vec![0.0], vec![f32::NAN]], &[1.0, 2.0], 10, 0).is_err());
        assert!(Surrogate::fit(&[vec![0.0], vec![1.0]], &[1.0, f64::INFINITY], 10, 0).is_err());
        let gp =
            Surrogate::fit(&[vec![0.0], vec![1.0], vec![2.0]], &[1.0, 2.0, 1.5], 10, 0).unwrap();
        assert!(gp.predict(&[vec![0.0, 1.0]]).is_err());
        // Identical points are fine (the noise keeps the kernel matrix positive definite).
        let same = vec![vec![0.5f32, 0.5]; 5];
        let gp = Surrogate::fit(&same, &[1.0, 1.1, 0.9, 1.0, 1.2], 3, 0).unwrap();
        let (m, s) = gp.predict(&[vec![0.5, 0.5]]).unwrap()[0];
        assert!(m.is_finite() && s.is_finite());
    }
}
