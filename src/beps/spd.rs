//! The small dense solve both Levenberg-Marquardt fits need: a symmetric positive definite
//! N x N system (N = 4 for the SHO, 9 for the switching loop) by Cholesky, on the stack.

/// Solve `m x = b` for symmetric positive definite `m`; `None` when a pivot is not positive
/// and finite (the caller raises the damping and tries again).
// Index loops read best for matrix algebra.
#[allow(clippy::needless_range_loop)]
pub(super) fn solve_spd<const N: usize>(m: &[[f64; N]; N], b: &[f64; N]) -> Option<[f64; N]> {
    let mut l = [[0.0f64; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s = m[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if !s.is_finite() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = [0.0; N];
    for i in 0..N {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; N];
    for i in (0..N).rev() {
        x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_refuses_indefinite_systems() {
        let m = [[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]];
        let x = solve_spd(&m, &[1.0, 2.0, 3.0]).unwrap();
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| m[i][j] * x[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-14);
        }
        assert!(solve_spd(&[[1.0, 2.0], [2.0, 1.0]], &[1.0, 1.0]).is_none());
        assert!(solve_spd(&[[f64::NAN]], &[1.0]).is_none());
    }
}
