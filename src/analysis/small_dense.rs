//! Helpers for the small symmetric matrices of the mixtures and KDEs (d x d, d = 1-10,
//! row-major slices): Cholesky factor, triangular solve, log-determinant. Hand-written because
//! at these sizes converting to and from faer's matrices costs more than the arithmetic.

/// Lower Cholesky factor `L` (row-major, zeros above the diagonal) with `a = L Lᵀ`, or `None`
/// when `a` is not numerically positive definite (a pivot is not positive and finite).
pub(super) fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|m| l[i * d + m] * l[j * d + m]).sum();
            let s = a[i * d + j] - dot;
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// Solves `L y = b` in place (forward substitution).
pub(super) fn solve_lower(l: &[f64], d: usize, b: &mut [f64]) {
    for i in 0..d {
        let dot: f64 = (0..i).map(|m| l[i * d + m] * b[m]).sum();
        b[i] = (b[i] - dot) / l[i * d + i];
    }
}

/// `ln det(L Lᵀ) / 2 = Σ ln L_ii`.
pub(super) fn half_log_det(l: &[f64], d: usize) -> f64 {
    (0..d).map(|i| l[i * d + i].ln()).sum()
}

/// `ln Σ exp(v)` without overflow; `-inf` when every term is `-inf`.
pub(super) fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_and_detects_indefinite() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|m| l[i * 3 + m] * l[j * 3 + m]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-14);
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
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY]), f64::NEG_INFINITY);
    }
}
