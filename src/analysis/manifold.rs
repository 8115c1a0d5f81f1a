//! Building blocks shared by t-SNE, MDS and Isomap: squared Euclidean distances, exact
//! k-nearest neighbours (brute force, in parallel over rows), and the largest eigenpairs of a
//! dense symmetric matrix (faer's dense solver for small matrices, Lanczos with full
//! reorthogonalisation for large ones), with scikit-learn's sign convention.
//!
//! Every parallel loop goes through [`map_row_blocks`]: each row is computed by the same
//! sequential code whatever the thread count, and reductions add the per-row values in row
//! order, so results are bit-identical for any pool size.

use super::AnalysisError;
use super::rows::map_row_blocks;
use crate::rng::Xoshiro256;
use faer::Mat;
use ndarray::Array2;

/// `‖a − b‖²` with four independent accumulators (vectorisable; the summation order is fixed).
#[inline]
pub(super) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s
}

/// For every row of `x` (row-major, n x d), its `k` nearest other rows as (index, squared
/// distance), ascending by distance then index (ties go to the lower index). Brute force,
/// O(n² d), parallel over rows.
pub(super) fn knn(
    x: &[f64],
    n: usize,
    d: usize,
    k: usize,
) -> Result<Vec<Vec<(usize, f64)>>, AnalysisError> {
    let k = k.min(n.saturating_sub(1));
    map_row_blocks(n, n * d, |rows| {
        let mut buf: Vec<(f64, usize)> = Vec::with_capacity(n);
        rows.map(|i| {
            buf.clear();
            let xi = &x[i * d..(i + 1) * d];
            buf.extend(
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| (sq_dist(xi, &x[j * d..(j + 1) * d]), j)),
            );
            let order =
                |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if k == 0 {
                return Vec::new();
            }
            if k < buf.len() {
                buf.select_nth_unstable_by(k - 1, order);
                buf.truncate(k);
            }
            buf.sort_unstable_by(order);
            buf.iter().map(|&(d2, j)| (j, d2)).collect()
        })
        .collect()
    })
}

/// Matrices up to this size are decomposed densely (faer); larger ones by Lanczos.
const DENSE_EIGEN_MAX: usize = 600;

/// The `k` largest (algebraic) eigenvalues of the symmetric n x n matrix `a` (row-major),
/// non-increasing, and their unit eigenvectors as the columns of an n x k matrix, each flipped
/// so that its entry of largest magnitude (the first on ties) is positive (scikit-learn's
/// `svd_flip(u, None)`, used by `KernelPCA` and `ClassicalMDS`).
pub(super) fn top_eigen(
    a: &[f64],
    n: usize,
    k: usize,
) -> Result<(Vec<f64>, Array2<f64>), AnalysisError> {
    let (values, mut vectors) = if n <= DENSE_EIGEN_MAX {
        dense_top(a, n, k)?
    } else {
        lanczos_top(a, n, k)?
    };
    for mut col in vectors.columns_mut() {
        let mut best = 0;
        for (i, v) in col.iter().enumerate() {
            if v.abs() > col[best].abs() {
                best = i;
            }
        }
        if col[best] < 0.0 {
            col.mapv_inplace(|v| -v);
        }
    }
    Ok((values, vectors))
}

fn eigen_failed<E: std::fmt::Debug>(e: E) -> AnalysisError {
    AnalysisError::Numerical(format!("the eigensolver did not converge: {e:?}"))
}

fn dense_top(a: &[f64], n: usize, k: usize) -> Result<(Vec<f64>, Array2<f64>), AnalysisError> {
    let m = Mat::from_fn(n, n, |i, j| a[i * n + j]);
    let eigen = m
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(eigen_failed)?;
    let (s, u) = (eigen.S(), eigen.U());
    // faer sorts upwards.
    let values = (0..k).map(|c| s[n - 1 - c]).collect();
    let vectors = Array2::from_shape_fn((n, k), |(i, c)| u[(i, n - 1 - c)]);
    Ok((values, vectors))
}

/// `y = a x` for the row-major symmetric n x n `a`, parallel over rows.
fn matvec(a: &[f64], n: usize, x: &[f64]) -> Result<Vec<f64>, AnalysisError> {
    map_row_blocks(n, n, |rows| {
        rows.map(|i| {
            let row = &a[i * n..(i + 1) * n];
            let mut acc = [0.0f64; 4];
            let (cr, cx) = (row.chunks_exact(4), x.chunks_exact(4));
            let (rr, rx) = (cr.remainder(), cx.remainder());
            for (p, q) in cr.zip(cx) {
                for l in 0..4 {
                    acc[l] += p[l] * q[l];
                }
            }
            let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
            for (p, q) in rr.iter().zip(rx) {
                s += p * q;
            }
            s
        })
        .collect()
    })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Lanczos with full reorthogonalisation from a fixed seeded start vector: `m` steps, the
/// Ritz pairs of the tridiagonal matrix, accepted when every wanted Ritz residual
/// `|β_m s_m|` is below 1e-11 of the largest Ritz value's magnitude; otherwise restarted
/// with twice the steps (up to n, where the Krylov space is the whole space and the result
/// exact).
fn lanczos_top(a: &[f64], n: usize, k: usize) -> Result<(Vec<f64>, Array2<f64>), AnalysisError> {
    let mut m = (2 * k + 40).min(n);
    loop {
        crate::limits::check(
            &format!("a Lanczos basis of {m} vectors for a {n} x {n} matrix"),
            crate::limits::bytes_of::<f64>(&[m + 1, n]),
        )?;
        let mut rng = Xoshiro256::seed_from_u64(0x1a9c_205e);
        let mut v: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let norm = dot(&v, &v).sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        let mut basis: Vec<Vec<f64>> = vec![v];
        let (mut alpha, mut beta) = (Vec::new(), Vec::new());
        let mut scale = 0.0f64;
        for j in 0..m {
            let mut w = matvec(a, n, &basis[j])?;
            let aj = dot(&w, &basis[j]);
            alpha.push(aj);
            // Twice-is-enough Gram-Schmidt against the whole basis.
            for _ in 0..2 {
                for b in &basis {
                    let c = dot(&w, b);
                    w.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
                }
            }
            let bj = dot(&w, &w).sqrt();
            scale = scale.max(aj.abs()).max(bj);
            if j + 1 == m || bj <= 1e-13 * scale.max(f64::MIN_POSITIVE) {
                beta.push(bj);
                break;
            }
            beta.push(bj);
            w.iter_mut().for_each(|x| *x /= bj);
            basis.push(w);
        }
        let steps = alpha.len();
        let t = Mat::from_fn(steps, steps, |i, j| {
            if i == j {
                alpha[i]
            } else if i + 1 == j {
                beta[i]
            } else if j + 1 == i {
                beta[j]
            } else {
                0.0
            }
        });
        let eigen = t
            .self_adjoint_eigen(faer::Side::Lower)
            .map_err(eigen_failed)?;
        let (theta, s) = (eigen.S(), eigen.U());
        let kk = k.min(steps);
        let top = theta[steps - 1].abs().max(theta[0].abs());
        let last_beta = beta[steps - 1];
        let invariant = last_beta <= 1e-13 * scale.max(f64::MIN_POSITIVE);
        let converged = (0..kk).all(|c| {
            (last_beta * s[(steps - 1, steps - 1 - c)]).abs() <= 1e-11 * top.max(f64::MIN_POSITIVE)
        });
        if (converged && kk == k) || steps >= n || (invariant && kk == k) || m >= n {
            let values = (0..k)
                .map(|c| if c < kk { theta[steps - 1 - c] } else { 0.0 })
                .collect();
            let mut vectors = Array2::zeros((n, k));
            for c in 0..kk {
                let col = steps - 1 - c;
                for (j, b) in basis.iter().enumerate().take(steps) {
                    let coef = s[(j, col)];
                    for (i, x) in b.iter().enumerate() {
                        vectors[(i, c)] += coef * x;
                    }
                }
            }
            return Ok((values, vectors));
        }
        m = (2 * m).min(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanczos_matches_the_dense_solver() {
        let n = 700;
        let mut rng = Xoshiro256::seed_from_u64(3);
        let g: Vec<f64> = (0..n * 5).map(|_| rng.normal()).collect();
        // A low-rank-plus-noise symmetric matrix, like a centred distance kernel.
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                let mut s = 0.0;
                for l in 0..5 {
                    s += g[i * 5 + l] * g[j * 5 + l] * (5 - l) as f64;
                }
                a[i * n + j] = s + if i == j { 0.01 } else { 0.0 };
            }
        }
        let (lv, lx) = lanczos_top(&a, n, 3).unwrap();
        let (dv, dx) = dense_top(&a, n, 3).unwrap();
        for c in 0..3 {
            assert!((lv[c] - dv[c]).abs() < 1e-9 * dv[0], "{lv:?} {dv:?}");
            let d: f64 = (0..n).map(|i| lx[(i, c)] * dx[(i, c)]).sum();
            assert!((d.abs() - 1.0).abs() < 1e-9, "{d}");
        }
    }

    #[test]
    fn knn_orders_by_distance_then_index() {
        let x = [0.0, 1.0, -1.0, 3.0];
        let nn = knn(&x, 4, 1, 2).unwrap();
        assert_eq!(nn[0], vec![(1, 1.0), (2, 1.0)]);
        assert_eq!(nn[3], vec![(1, 4.0), (0, 9.0)]);
        assert!((sq_dist(&[1.0; 7], &[0.0; 7]) - 7.0).abs() < 1e-15);
    }
}
