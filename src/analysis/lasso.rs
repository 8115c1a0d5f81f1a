//! Sparse coding: for every row x of X (n x d) and a dictionary D (k x d, one atom per row),
//! the lasso code
//!
//! `g = argmin 0.5 ||x - D^T g||^2 + lambda ||g||_1`,
//!
//! by cyclic coordinate descent on the Gram form `0.5 g^T G g - c^T g + lambda ||g||_1` with
//! `G = D D^T` (k x k, shared) and `c = D x` (a row of `X D^T`), so one sweep costs O(k^2)
//! whatever d is. This is scikit-learn's `sparse_encode(algorithm='lasso_cd', alpha=lambda)`
//! objective (scikit-learn divides alpha by d internally because its `Lasso` divides the
//! squared error by d).
//!
//! A coordinate step is the exact minimiser over that coefficient,
//! `g_j <- soft(c_j - sum_{l != j} G_jl g_l, lambda) / G_jj`, so from a warm start the objective
//! never increases. Coordinate descent is slow along strongly correlated atoms, so whenever a
//! sweep leaves the support and the signs of a row's code unchanged (once per such face), the
//! code moves towards the exact minimiser on that face (a Cholesky solve of the support's Gram
//! block), all the way if it keeps the signs, else until a coefficient reaches 0; this cannot
//! increase the objective either. A row stops when its codes satisfy the optimality (KKT)
//! conditions to `tol` relative to `max(lambda, max_j |c_j|)`:
//! `|grad_j + lambda sign(g_j)|` where `g_j != 0` and `max(|grad_j| - lambda, 0)` where
//! `g_j = 0`, with `grad = G g - c`. Rows are independent and run in parallel.

use super::AnalysisError;
use super::dense::{check_matrix, check_tol, in_pool, invalid, matmul};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis};
use rayon::prelude::*;

/// Settings of the coordinate-descent lasso.
///
/// ```
/// let s = ferrolab::analysis::LassoSettings::default();
/// assert_eq!((s.tol, s.max_iter), (1e-10, 1000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LassoSettings {
    /// Stop a row when its largest KKT violation is at most `tol * max(lambda, max_j |c_j|)`.
    pub tol: f64,
    /// At most this many sweeps over the k coefficients of a row.
    pub max_iter: usize,
}

impl Default for LassoSettings {
    fn default() -> Self {
        Self {
            tol: 1e-10,
            max_iter: 1000,
        }
    }
}

/// Lasso codes (n x k) of the rows of `x` (n x d) on the atoms `dictionary` (k x d):
/// `argmin_G 0.5 ||X - G D||_F^2 + lambda ||G||_1,1`, row by row (definitions in the module docs
/// of `analysis::lasso`). Atoms need not be normalised; an all-zero atom gets zero codes.
///
/// Errors: empty or non-finite inputs, different numbers of columns, lambda < 0 or non-finite.
///
/// ```
/// use ferrolab::analysis::{LassoSettings, sparse_encode};
/// use ndarray::array;
/// // Orthonormal atoms: the code is the soft-thresholded projection.
/// let d = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
/// let g = sparse_encode(array![[3.0, -0.2, 5.0]].view(), d.view(), 0.5, LassoSettings::default())?;
/// assert_eq!(g, array![[2.5, 0.0]]);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn sparse_encode(
    x: ArrayView2<f64>,
    dictionary: ArrayView2<f64>,
    lambda: f64,
    settings: LassoSettings,
) -> Result<Array2<f64>, AnalysisError> {
    check_matrix(x, "x")?;
    check_matrix(dictionary, "dictionary")?;
    check_lambda(lambda)?;
    check_tol(settings.tol, "tol")?;
    if x.ncols() != dictionary.ncols() {
        return invalid(format!(
            "x has {} columns but the dictionary's atoms have {}",
            x.ncols(),
            dictionary.ncols()
        ));
    }
    let mut codes = Array2::zeros((x.nrows(), dictionary.nrows()));
    in_pool(|| {
        let gram = matmul(dictionary, false, dictionary, true);
        let cov = matmul(x, false, dictionary, true);
        encode_gram(gram.view(), cov.view(), lambda, &mut codes, settings);
    })?;
    Ok(codes)
}

/// `lambda` finite and >= 0.
pub(super) fn check_lambda(lambda: f64) -> Result<(), AnalysisError> {
    if !(lambda.is_finite() && lambda >= 0.0) {
        return invalid(format!("lambda = {lambda}: it must be finite and >= 0"));
    }
    Ok(())
}

/// Codes for every row from the Gram matrix `gram = D D^T` and `cov = X D^T`, warm-started from
/// (and written to) `codes`; rows run in parallel in the current pool.
pub(super) fn encode_gram(
    gram: ArrayView2<f64>,
    cov: ArrayView2<f64>,
    lambda: f64,
    codes: &mut Array2<f64>,
    settings: LassoSettings,
) {
    let rows: Vec<_> = codes
        .axis_iter_mut(Axis(0))
        .zip(cov.axis_iter(Axis(0)))
        .collect();
    rows.into_par_iter()
        .for_each(|(g, c)| encode_row(gram, c, lambda, g, settings));
}

/// Coordinate descent for one row, with an exact solve on a stable support.
fn encode_row(
    gram: ArrayView2<f64>,
    c: ArrayView1<f64>,
    lambda: f64,
    mut g: ArrayViewMut1<f64>,
    settings: LassoSettings,
) {
    let k = g.len();
    let scale = c.iter().fold(lambda, |m, v| m.max(v.abs()));
    if scale == 0.0 {
        // c = 0 and lambda = 0: zero is a minimiser.
        g.fill(0.0);
        return;
    }
    let mut q = vec![0.0; k]; // q = G g, kept in step with g
    let worst = |q: &[f64], g: &ArrayViewMut1<f64>| {
        (0..k)
            .map(|j| kkt_violation(q[j] - c[j], g[j], lambda))
            .fold(0.0, f64::max)
    };
    // Sign patterns of the previous sweep, of this one, and of the last face solved.
    let (mut signs, mut now, mut tried) = (vec![0i8; k], vec![0i8; k], vec![0i8; k]);
    let mut tried_any = false;
    for _ in 0..settings.max_iter {
        gram_times(gram, &g, &mut q);
        for j in 0..k {
            let gjj = gram[(j, j)];
            let new = if gjj > 0.0 {
                soft(c[j] - q[j] + gjj * g[j], lambda) / gjj
            } else {
                0.0 // an all-zero atom explains nothing
            };
            let delta = new - g[j];
            if delta != 0.0 {
                for (l, ql) in q.iter_mut().enumerate() {
                    *ql += gram[(l, j)] * delta;
                }
                g[j] = new;
            }
        }
        if worst(&q, &g) <= settings.tol * scale {
            break;
        }
        // Coordinate descent crawls along correlated atoms. Once a sweep leaves the support and
        // signs unchanged, they are probably final: minimise exactly on that face (once per
        // face) and continue from there if the signs survive.
        for (s, v) in now.iter_mut().zip(g.iter()) {
            *s = sign(*v);
        }
        if now == signs && !(tried_any && tried == now) {
            if face_minimum(gram, c, lambda, &mut g, &now) {
                gram_times(gram, &g, &mut q);
                if worst(&q, &g) <= settings.tol * scale {
                    break;
                }
            }
            tried.copy_from_slice(&now);
            tried_any = true;
        }
        std::mem::swap(&mut signs, &mut now);
    }
}

/// `q = G g`.
fn gram_times(gram: ArrayView2<f64>, g: &ArrayViewMut1<f64>, q: &mut [f64]) {
    for (j, qj) in q.iter_mut().enumerate() {
        *qj = gram.row(j).dot(g);
    }
}

fn sign(v: f64) -> i8 {
    if v > 0.0 {
        1
    } else if v < 0.0 {
        -1
    } else {
        0
    }
}

/// On the face where the coefficients outside the support S are 0 and those in it keep the
/// signs `s`, the objective is the smooth quadratic `0.5 g_S^T G_SS g_S - (c_S - lambda s)^T g_S`,
/// minimised at `G_SS h = c_S - lambda s`. If `G_SS` is numerically positive definite, move `g`
/// towards `h` (all the way if `h` keeps the signs, else until the first coefficient reaches 0),
/// which cannot increase the objective, and return true; otherwise leave `g` unchanged.
fn face_minimum(
    gram: ArrayView2<f64>,
    c: ArrayView1<f64>,
    lambda: f64,
    g: &mut ArrayViewMut1<f64>,
    signs: &[i8],
) -> bool {
    let support: Vec<usize> = (0..signs.len()).filter(|&j| signs[j] != 0).collect();
    let m = support.len();
    if m == 0 {
        return false;
    }
    // Cholesky factor L (row-major, lower) of G_SS.
    let mut l = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..=a {
            let mut v = gram[(support[a], support[b])];
            for t in 0..b {
                v -= l[a * m + t] * l[b * m + t];
            }
            if a == b {
                // A pivot lost to rounding means G_SS is (numerically) singular.
                if v <= 1e-12 * gram[(support[a], support[a])] {
                    return false;
                }
                l[a * m + a] = v.sqrt();
            } else {
                l[a * m + b] = v / l[b * m + b];
            }
        }
    }
    let mut h: Vec<f64> = support
        .iter()
        .map(|&j| c[j] - lambda * f64::from(signs[j]))
        .collect();
    for a in 0..m {
        for t in 0..a {
            h[a] -= l[a * m + t] * h[t];
        }
        h[a] /= l[a * m + a];
    }
    for a in (0..m).rev() {
        for t in a + 1..m {
            h[a] -= l[t * m + a] * h[t];
        }
        h[a] /= l[a * m + a];
    }
    // Walk from g towards h as far as the signs allow: the quadratic decreases all the way
    // (h is its minimiser), and the coefficient that would change sign first stops at 0.
    let mut t = 1.0_f64;
    let mut blocking = None;
    for (a, (&j, v)) in support.iter().zip(&h).enumerate() {
        if v * f64::from(signs[j]) < 0.0 {
            let reach = g[j] / (g[j] - v);
            if reach < t {
                (t, blocking) = (reach, Some(a));
            }
        }
    }
    if t <= 0.0 {
        return false;
    }
    for (a, (&j, v)) in support.iter().zip(h).enumerate() {
        let moved = g[j] + t * (v - g[j]);
        // Rounding must not flip a sign either.
        g[j] = if blocking == Some(a) || moved * f64::from(signs[j]) <= 0.0 {
            0.0
        } else {
            moved
        };
    }
    true
}

/// Soft thresholding: the minimiser of `0.5 (g - r)^2 + lambda |g|`.
fn soft(r: f64, lambda: f64) -> f64 {
    if r > lambda {
        r - lambda
    } else if r < -lambda {
        r + lambda
    } else {
        0.0
    }
}

/// How far coefficient `g` with smooth gradient `grad` is from the lasso optimality conditions.
fn kkt_violation(grad: f64, g: f64, lambda: f64) -> f64 {
    if g > 0.0 {
        (grad + lambda).abs()
    } else if g < 0.0 {
        (grad - lambda).abs()
    } else {
        (grad.abs() - lambda).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Two correlated atoms: the codes meet the KKT conditions, and lambda = 0 gives least
    /// squares.
    #[test]
    fn correlated_atoms_meet_kkt() {
        let d = array![[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]];
        let x = array![[1.0, 2.0, -1.0], [0.1, 0.0, 0.05], [-3.0, 1.0, 2.0]];
        for lambda in [0.0, 0.05, 0.7] {
            let g = sparse_encode(x.view(), d.view(), lambda, LassoSettings::default()).unwrap();
            let grad = (g.dot(&d) - &x).dot(&d.t());
            for (gr, gv) in grad.iter().zip(g.iter()) {
                assert!(kkt_violation(*gr, *gv, lambda) < 1e-9, "{gr} {gv} {lambda}");
            }
        }
        let bad = sparse_encode(x.view(), d.view(), -1.0, LassoSettings::default());
        assert!(matches!(bad, Err(AnalysisError::Invalid(m)) if m.contains("lambda")));
    }
}
