//! Exact inference for one output: the Cholesky factor of `K + (σ_n² + jitter) I` (faer), the
//! log marginal likelihood and its analytic gradient in every log hyper-parameter.
//!
//! `log p(y) = −½ yᵀα − Σ log L_ii − (n/2) log 2π` with `α = K_y⁻¹ y`, and
//! `∂ log p/∂θ_j = ½ tr((ααᵀ − K_y⁻¹) ∂K_y/∂θ_j)` (Rasmussen & Williams, eq. 5.9), the trace
//! accumulated pair by pair so that no derivative matrix is formed.

use super::GpError;
use super::kernel::Kernel;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt;
use faer::{Mat, Par};
use ndarray::{ArrayView1, ArrayView2};

/// Tries of the adaptive jitter: each multiplies the added diagonal by ten.
const JITTER_TRIES: usize = 12;

/// A factored covariance: lower Cholesky factor of `K + (noise + jitter) I`.
pub(crate) struct Factor {
    pub l: Mat<f64>,
    /// The diagonal regularisation actually added (≥ the requested jitter).
    pub jitter: f64,
}

/// Covariance matrix K (noise-free) of the rows of `x`, lower triangle filled.
fn covariance(kernel: &Kernel, x: ArrayView2<f64>) -> Mat<f64> {
    let n = x.nrows();
    let rows: Vec<&[f64]> = x
        .rows()
        .into_iter()
        .map(|r| r.to_slice().expect("contiguous rows"))
        .collect();
    Mat::from_fn(n, n, |i, j| {
        if i >= j {
            kernel.eval(rows[i], rows[j])
        } else {
            0.0
        }
    })
}

/// Factor `K + (noise + jitter) I`, growing the jitter tenfold until the factorisation
/// succeeds (never panics; reports the jitter used).
pub(crate) fn factor(
    kernel: &Kernel,
    noise: f64,
    jitter: f64,
    x: ArrayView2<f64>,
    par: Par,
) -> Result<Factor, GpError> {
    let n = x.nrows();
    let k = covariance(kernel, x);
    let mut mem = MemBuffer::new(llt::factor::cholesky_in_place_scratch::<f64>(
        n,
        par,
        Default::default(),
    ));
    let mut added = jitter;
    for _ in 0..JITTER_TRIES {
        let mut l = k.clone();
        for i in 0..n {
            l[(i, i)] += noise + added;
        }
        let stack = MemStack::new(&mut mem);
        if llt::factor::cholesky_in_place(
            l.as_mut(),
            Default::default(),
            par,
            stack,
            Default::default(),
        )
        .is_ok()
        {
            for j in 0..n {
                for i in 0..j {
                    l[(i, j)] = 0.0;
                }
            }
            return Ok(Factor { l, jitter: added });
        }
        added = if added > 0.0 {
            added * 10.0
        } else {
            1e-10 * kernel.signal_variance.max(1e-300)
        };
    }
    Err(GpError::NotPositiveDefinite {
        jitter: added / 10.0,
    })
}

/// Solve `L Lᵀ v = b` in place.
pub(crate) fn solve(factor: &Factor, b: &mut [f64], par: Par) {
    let n = b.len();
    let mut rhs = faer::MatMut::from_column_major_slice_mut(b, n, 1);
    llt::solve::solve_in_place(
        factor.l.as_ref(),
        rhs.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(
            llt::solve::solve_in_place_scratch::<f64>(n, 1, par),
        )),
    );
}

/// The log marginal likelihood and its gradient in
/// `[log σ², log ℓ..., (log σ_n² if learned)]`.
pub(crate) struct Evaluation {
    pub lml: f64,
    pub gradient: Vec<f64>,
}

/// The training data of one output and how to factor it.
#[derive(Clone, Copy)]
pub(crate) struct Data<'a> {
    pub x: ArrayView2<'a, f64>,
    pub y: ArrayView1<'a, f64>,
    pub jitter: f64,
    pub par: Par,
}

/// Evaluate at a kernel and noise; `learn_noise` appends the noise derivative.
pub(crate) fn evaluate(
    data: &Data,
    kernel: &Kernel,
    noise: f64,
    learn_noise: bool,
) -> Result<Evaluation, GpError> {
    let Data { x, y, jitter, par } = *data;
    let n = x.nrows();
    let f = factor(kernel, noise, jitter, x, par)?;
    let mut alpha: Vec<f64> = y.to_vec();
    solve(&f, &mut alpha, par);
    let log_det: f64 = (0..n).map(|i| f.l[(i, i)].ln()).sum();
    let fit: f64 = y.iter().zip(&alpha).map(|(a, b)| a * b).sum();
    let lml = -0.5 * fit - log_det - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    let mut inverse = Mat::<f64>::zeros(n, n);
    {
        let mut mem = MemBuffer::new(llt::inverse::inverse_scratch::<f64>(n, par));
        llt::inverse::inverse(inverse.as_mut(), f.l.as_ref(), par, MemStack::new(&mut mem));
    }
    let dims = kernel.length_scales.len();
    let mut grad = vec![0.0; 1 + dims + usize::from(learn_noise)];
    let rows: Vec<&[f64]> = x
        .rows()
        .into_iter()
        .map(|r| r.to_slice().expect("contiguous rows"))
        .collect();
    let mut per_dim = vec![0.0; dims];
    for i in 0..n {
        // Diagonal: ∂K_ii/∂log σ² = σ², length scales do not act; the noise term acts here.
        let w_ii = alpha[i] * alpha[i] - inverse[(i, i)];
        grad[0] += 0.5 * w_ii * kernel.signal_variance;
        if learn_noise {
            grad[1 + dims] += 0.5 * w_ii * noise;
        }
        for k in 0..i {
            // W is symmetric: the pair (i, k) counts twice.
            let w = alpha[i] * alpha[k] - inverse[(i, k)];
            let r2 = kernel.scaled_distance2(rows[i], rows[k]);
            let (corr, slope) = kernel.kind.correlation_and_slope(r2);
            grad[0] += w * kernel.signal_variance * corr;
            let scale = w * kernel.signal_variance * slope;
            if dims == 1 {
                per_dim[0] += scale * r2;
            } else {
                for (d, acc) in per_dim.iter_mut().enumerate() {
                    let delta = (rows[i][d] - rows[k][d]) / kernel.length_scales[d];
                    *acc += scale * delta * delta;
                }
            }
        }
    }
    grad[1..=dims].copy_from_slice(&per_dim);
    Ok(Evaluation {
        lml,
        gradient: grad,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::kernel::KernelKind;
    use crate::rng::Xoshiro256;
    use ndarray::{Array1, Array2};

    fn data(n: usize, d: usize) -> (Array2<f64>, Array1<f64>) {
        let mut rng = Xoshiro256::seed_from_u64(4);
        let x = Array2::from_shape_fn((n, d), |_| rng.uniform_in(-2.0, 2.0));
        let y = Array1::from_shape_fn(n, |i| x[(i, 0)].sin() + 0.1 * rng.normal());
        (x, y)
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let (x, y) = data(25, 3);
        for (kind, lengths) in [
            (KernelKind::Rbf, vec![0.9]),
            (KernelKind::Rbf, vec![0.7, 1.3, 2.0]),
            (KernelKind::Matern32, vec![0.8, 1.1, 1.6]),
            (KernelKind::Matern52, vec![1.2]),
        ] {
            let kernel = Kernel {
                kind,
                signal_variance: 1.4,
                length_scales: lengths,
            };
            let noise: f64 = 0.02;
            let eval = |theta: &[f64]| {
                let k = kernel.with_theta(theta);
                let noise = theta[theta.len() - 1].exp();
                let data = Data {
                    x: x.view(),
                    y: y.view(),
                    jitter: 1e-10,
                    par: Par::Seq,
                };
                evaluate(&data, &k, noise, true).unwrap()
            };
            let mut theta = kernel.theta();
            theta.push(noise.ln());
            let analytic = eval(&theta).gradient;
            for j in 0..theta.len() {
                let h = 1e-5;
                let (mut up, mut down) = (theta.clone(), theta.clone());
                up[j] += h;
                down[j] -= h;
                let fd = (eval(&up).lml - eval(&down).lml) / (2.0 * h);
                assert!(
                    (fd - analytic[j]).abs() < 1e-6 * (1.0 + fd.abs()),
                    "{kind:?} θ[{j}]: analytic {} vs finite difference {fd}",
                    analytic[j]
                );
            }
        }
    }

    #[test]
    fn singular_kernel_matrices_get_more_jitter_and_say_so() {
        // Repeated inputs without noise or jitter: K is singular.
        let x = ndarray::array![[0.0], [0.0], [1.0], [1.0]];
        let kernel = Kernel {
            kind: KernelKind::Rbf,
            signal_variance: 1.0,
            length_scales: vec![1.0],
        };
        let f = factor(&kernel, 0.0, 0.0, x.view(), Par::Seq).unwrap();
        assert!(f.jitter > 0.0 && f.jitter <= 1e-6, "jitter {}", f.jitter);
        let g = factor(&kernel, 0.0, 1e-8, x.view(), Par::Seq).unwrap();
        assert_eq!(g.jitter, 1e-8, "a sufficient requested jitter is kept");
    }
}
