//! Small dense linear algebra: one Cholesky factorisation of a symmetric positive definite
//! matrix (d x d, row-major, d up to about 10), its triangular solves and log-determinant.
//!
//! Two kinds of callers share it:
//! - the mixtures and KDEs of [`crate::analysis`], with the size known at run time: [`cholesky`]
//!   returns the factor for repeated [`solve_lower`] / [`half_log_det`];
//! - the Levenberg-Marquardt fits of [`crate::beps`] (4 x 4 for the SHO, millions of solves per
//!   map; 9 x 9 for the switching loop), with the size known at compile time: [`solve_spd`]
//!   runs the same factor and solves on the stack, without allocating.
//!
//! Hand-written because at these sizes converting to and from faer's matrices costs more than
//! the arithmetic.

/// Writes the lower Cholesky factor `L` of `a` (`a = L Lᵀ`, both `d x d` row-major) into the
/// lower triangle of `l`, leaving its upper triangle as it was. Returns `false` when `a` is
/// not numerically positive definite (a pivot is not positive and finite); `l` then holds a
/// partial factor.
#[inline]
fn factor_into(a: &[f64], d: usize, l: &mut [f64]) -> bool {
    let (a, l) = (&a[..d * d], &mut l[..d * d]);
    for i in 0..d {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|m| l[i * d + m] * l[j * d + m]).sum();
            let s = a[i * d + j] - dot;
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return false;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    true
}

/// Lower Cholesky factor `L` (row-major, zeros above the diagonal) with `a = L Lᵀ`, or `None`
/// when `a` is not numerically positive definite (a pivot is not positive and finite).
pub(crate) fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    factor_into(a, d, &mut l).then_some(l)
}

/// Solves `L y = b` in place (forward substitution).
#[inline]
pub(crate) fn solve_lower(l: &[f64], d: usize, b: &mut [f64]) {
    let (l, b) = (&l[..d * d], &mut b[..d]);
    for i in 0..d {
        let dot: f64 = (0..i).map(|m| l[i * d + m] * b[m]).sum();
        b[i] = (b[i] - dot) / l[i * d + i];
    }
}

/// Solves `Lᵀ x = y` in place (back substitution with the transpose of the lower factor).
#[inline]
fn solve_lower_transposed(l: &[f64], d: usize, y: &mut [f64]) {
    let (l, y) = (&l[..d * d], &mut y[..d]);
    for i in (0..d).rev() {
        let dot: f64 = (i + 1..d).map(|m| l[m * d + i] * y[m]).sum();
        y[i] = (y[i] - dot) / l[i * d + i];
    }
}

/// `ln det(L Lᵀ) / 2 = Σ ln L_ii`.
pub(crate) fn half_log_det(l: &[f64], d: usize) -> f64 {
    (0..d).map(|i| l[i * d + i].ln()).sum()
}

/// Solves `m x = b` for symmetric positive definite `m` by [`cholesky`]'s factorisation, on
/// the stack; `None` when a pivot is not positive and finite (the Levenberg-Marquardt callers
/// raise the damping and try again).
#[inline]
pub(crate) fn solve_spd<const N: usize>(m: &[[f64; N]; N], b: &[f64; N]) -> Option<[f64; N]> {
    let mut l = [[0.0f64; N]; N];
    if !factor_into(m.as_flattened(), N, l.as_flattened_mut()) {
        return None;
    }
    let mut x = *b;
    solve_lower(l.as_flattened(), N, &mut x);
    solve_lower_transposed(l.as_flattened(), N, &mut x);
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 9] = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];

    #[test]
    fn cholesky_factors_and_detects_indefinite() {
        let l = cholesky(&A, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|m| l[i * 3 + m] * l[j * 3 + m]).sum();
                assert!((s - A[i * 3 + j]).abs() < 1e-14);
            }
        }
        let mut b = [1.0, 2.0, 3.0];
        solve_lower(&l, 3, &mut b);
        // L b_solved must give back (1, 2, 3).
        for (i, want) in [1.0, 2.0, 3.0].iter().enumerate() {
            let s: f64 = (0..3).map(|m| l[i * 3 + m] * b[m]).sum();
            assert!((s - want).abs() < 1e-14);
        }
        // det = 4 (5 * 3 - 1) - 2 (2 * 3 - 0.4) + 0.4 (2 - 5 * 0.4) = 44.8
        assert!((2.0 * half_log_det(&l, 3) - 44.8f64.ln()).abs() < 1e-14);
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
        assert!(cholesky(&[f64::NAN], 1).is_none());
    }

    #[test]
    fn solve_spd_solves_and_refuses_indefinite_systems() {
        let m = [[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]];
        assert_eq!(m.as_flattened(), A);
        let x = solve_spd(&m, &[1.0, 2.0, 3.0]).unwrap();
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| m[i][j] * x[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-14);
        }
        // The same factor as the runtime-size path, bit for bit.
        let mut y = [1.0, 2.0, 3.0];
        let l = cholesky(&A, 3).unwrap();
        solve_lower(&l, 3, &mut y);
        solve_lower_transposed(&l, 3, &mut y);
        assert_eq!(x.map(f64::to_bits), y.map(f64::to_bits));
        assert!(solve_spd(&[[1.0, 2.0], [2.0, 1.0]], &[1.0, 1.0]).is_none());
        assert!(solve_spd(&[[f64::NAN]], &[1.0]).is_none());
    }
}
