//! Direct Poisson solver, factored once per structure (physics spec §6 option 1 and §15.7).
//!
//! Column-major cell order makes the operator banded with bandwidth n1 (20 in the paper),
//! except for the periodic faces joining the last column to the first. Those are removed by a
//! rank-n1 Woodbury correction: `A = A' − V D Vᵀ`, where A' is A without the wrap couplings
//! and with their coefficients added to the two diagonals (so A' stays banded and SPD),
//! `V = [e_(i,0) + e_(i,n2−1)]_i` and `D = diag(ε_wrap,i)`. Then
//! `A⁻¹ b = y + Z S⁻¹ Vᵀ y` with `y = A'⁻¹ b`, `Z = A'⁻¹ V` and `S = D⁻¹ − Vᵀ Z` (SPD).
//! A banded Cholesky factor costs O(n·n1²) once and O(n·n1) per solve; no sparse-matrix
//! crate exploits this band-plus-wrap structure, hence the hand-written factor.

use super::operator::Operator;

/// Why a factorisation failed (an operator that is not positive definite: a bug).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the Poisson operator is not positive definite (pivot {pivot} = {value})")]
pub struct FactorError {
    /// Row of the failing pivot.
    pub pivot: usize,
    /// Its value.
    pub value: f64,
}

/// Cholesky factor of a symmetric positive definite band matrix, L Lᵀ.
#[derive(Clone, Debug)]
struct BandCholesky {
    n: usize,
    w: usize,
    /// Row k holds L[k, k−w], ..., L[k, k−1] (zero before column 0), then 1 / L[k, k].
    rows: Vec<f64>,
}

impl BandCholesky {
    /// Factor from a function giving A[k, k−d] for d = 0..=w.
    fn factor(
        n: usize,
        w: usize,
        entry: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, FactorError> {
        let stride = w + 1;
        let mut rows = vec![0.0; n * stride];
        let mut diag = vec![0.0; n];
        for k in 0..n {
            for d in (1..=w.min(k)).rev() {
                let j = k - d;
                // L[k,j] = (A[k,j] − Σ_m L[k,m] L[j,m]) / L[j,j] over common columns m < j.
                let mut s = entry(k, d);
                for m in k.saturating_sub(w)..j {
                    if m + w >= j {
                        s -= rows[k * stride + (m + w - k)] * rows[j * stride + (m + w - j)];
                    }
                }
                rows[k * stride + (w - d)] = s / diag[j];
            }
            let row = &rows[k * stride..k * stride + w];
            let s = entry(k, 0) - row.iter().map(|x| x * x).sum::<f64>();
            if s.is_nan() || s <= 0.0 {
                return Err(FactorError { pivot: k, value: s });
            }
            diag[k] = s.sqrt();
            rows[k * stride + w] = 1.0 / diag[k];
        }
        Ok(Self { n, w, rows })
    }

    /// Solve L Lᵀ x = b in place. `scratch` holds w leading zeros plus the vector.
    #[inline(always)]
    fn solve(&self, x: &mut [f64], scratch: &mut [f64]) {
        let y = scratch;
        y[..self.w].fill(0.0);
        // The paper's 20-cell film gets a kernel of fixed width, which the compiler unrolls
        // and vectorises completely.
        match self.w {
            0 => {
                for (k, xk) in x.iter_mut().enumerate() {
                    *xk *= self.rows[k] * self.rows[k];
                }
            }
            20 => self.substitute::<20>(x, y),
            _ => self.substitute_any(x, y),
        }
    }

    #[inline(always)]
    fn substitute<const W: usize>(&self, x: &mut [f64], y: &mut [f64]) {
        let stride = W + 1;
        for k in 0..self.n {
            let row: &[f64; W] = self.rows[k * stride..k * stride + W].try_into().unwrap();
            let window: &[f64; W] = y[k..k + W].try_into().unwrap();
            y[W + k] = (x[k] - dot_but_last(row, window)) * self.rows[k * stride + W];
        }
        for k in (0..self.n).rev() {
            let row: &[f64; W] = self.rows[k * stride..k * stride + W].try_into().unwrap();
            let xk = y[W + k] * self.rows[k * stride + W];
            x[k] = xk;
            let window: &mut [f64; W] = (&mut y[k..k + W]).try_into().unwrap();
            for d in 0..W {
                window[d] -= row[d] * xk;
            }
        }
    }

    #[inline(always)]
    fn substitute_any(&self, x: &mut [f64], y: &mut [f64]) {
        let (w, stride) = (self.w, self.w + 1);
        // Forward, row form: y_k = (b_k − Σ_d L[k,k−d] y_{k−d}) / L[k,k].
        for k in 0..self.n {
            let row = &self.rows[k * stride..(k + 1) * stride];
            y[w + k] = (x[k] - dot_but_last(&row[..w], &y[k..k + w])) * row[w];
        }
        // Backward, axpy form: x_k = y_k / L[k,k], then remove its column from the rows above.
        for k in (0..self.n).rev() {
            let row = &self.rows[k * stride..(k + 1) * stride];
            let xk = y[w + k] * row[w];
            x[k] = xk;
            for (t, l) in y[k..k + w].iter_mut().zip(&row[..w]) {
                *t -= l * xk;
            }
        }
    }
}

/// `Σ a_i b_i` with the last term added last: in the forward substitution the last term is the
/// newest unknown, so only one multiply-add per row waits for it.
#[inline(always)]
fn dot_but_last(a: &[f64], b: &[f64]) -> f64 {
    let last = a.len() - 1;
    dot(&a[..last], &b[..last]) + a[last] * b[last]
}

/// Dot product in four independent lanes (a fixed summation order, so every build gives the
/// same bits; the lanes map onto SIMD registers).
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            lanes[l] += x[l] * y[l];
        }
    }
    let mut s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// The factored Poisson operator of one structure.
#[derive(Clone, Debug)]
pub struct DirectSolver {
    band: BandCholesky,
    n1: usize,
    n2: usize,
    /// Woodbury data when the wrap couplings lie outside the band (n2 ≥ 3): Z (n x n1, row
    /// per cell) and the Cholesky factor of S (n1 x n1).
    wrap: Option<Wrap>,
    scratch: Vec<f64>,
    small: Vec<f64>,
}

#[derive(Clone, Debug)]
struct Wrap {
    z: Vec<f64>,
    s: BandCholesky,
}

impl DirectSolver {
    /// Factor the operator (O(n·n1²)).
    pub fn new(op: &Operator) -> Result<Self, FactorError> {
        let (n1, n2, n) = (op.n1, op.n2, op.len());
        let wrap_outside_band = n2 >= 3;
        // A'[k, k−d]: vertical neighbours at d = 1, horizontal at d = n1 (and the wrap face
        // for n2 = 2, which joins the same two cells).
        let entry = |k: usize, d: usize| -> f64 {
            let mut a = 0.0;
            if d == 0 {
                a = op.diagonal(k);
                let j = k / n1;
                if wrap_outside_band && (j == 0 || j == n2 - 1) {
                    // The wrap face's coefficient, added once more (A' = A + V D Vᵀ).
                    a += op.right[(n2 - 1) * n1 + k % n1];
                }
            }
            if d == 1 && !k.is_multiple_of(n1) {
                a -= op.below[k];
            }
            if d == n1 && k >= n1 {
                a -= op.right[k - n1];
                if n2 == 2 {
                    a -= op.right[k];
                }
            }
            a
        };
        let band = BandCholesky::factor(n, n1, entry)?;
        let mut scratch = vec![0.0; n + n1];
        let wrap = if wrap_outside_band {
            // Z = A'⁻¹ V, one solve per row of the film.
            let mut z = vec![0.0; n * n1];
            let mut column = vec![0.0; n];
            for i in 0..n1 {
                column.fill(0.0);
                column[i] = 1.0;
                column[(n2 - 1) * n1 + i] = 1.0;
                band.solve(&mut column, &mut scratch);
                for c in 0..n {
                    z[c * n1 + i] = column[c];
                }
            }
            // S = D⁻¹ − Vᵀ Z.
            let wrap_eps = |i: usize| op.right[(n2 - 1) * n1 + i];
            let s_entry = |k: usize, d: usize| -> f64 {
                let i = k - d;
                let vz = z[i * n1 + k] + z[((n2 - 1) * n1 + i) * n1 + k];
                if d == 0 { 1.0 / wrap_eps(k) - vz } else { -vz }
            };
            let s = BandCholesky::factor(n1, n1.saturating_sub(1), s_entry)?;
            Some(Wrap { z, s })
        } else {
            None
        };
        Ok(Self {
            band,
            n1,
            n2,
            wrap,
            scratch,
            small: vec![0.0; 3 * n1],
        })
    }

    /// Solve A φ = b; `phi` holds b on entry and φ on exit.
    pub fn solve(&mut self, phi: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { self.solve_avx2(phi) };
        }
        self.solve_generic(phi);
    }

    /// The same code compiled for AVX2: the kernels inline into it and use 256-bit registers.
    /// No FMA: the results are bit-identical to the generic build.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn solve_avx2(&mut self, phi: &mut [f64]) {
        self.solve_generic(phi);
    }

    #[inline(always)]
    fn solve_generic(&mut self, phi: &mut [f64]) {
        self.band.solve(phi, &mut self.scratch);
        if let Some(wrap) = &self.wrap {
            let (n1, last) = (self.n1, (self.n2 - 1) * self.n1);
            let (t, scratch) = self.small.split_at_mut(n1);
            for i in 0..n1 {
                t[i] = phi[i] + phi[last + i];
            }
            wrap.s.solve(t, scratch);
            for (x, z) in phi.iter_mut().zip(wrap.z.chunks_exact(n1)) {
                *x += dot(z, t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Xoshiro256;

    fn random_operator(n1: usize, n2: usize, seed: u64) -> Operator {
        let mut rng = Xoshiro256::seed_from_u64(seed);
        let eps = (0..n1 * n2)
            .map(|_| if rng.uniform() < 0.3 { 12.0 } else { 30.0 })
            .collect();
        Operator::new(n1, n2, 0.5e-9, eps)
    }

    #[test]
    fn solves_reproduce_the_right_hand_side_on_every_grid_shape() {
        for (n1, n2) in [(1, 1), (3, 1), (1, 5), (4, 2), (5, 3), (20, 16), (7, 40)] {
            let op = random_operator(n1, n2, (n1 * 100 + n2) as u64);
            let mut solver = DirectSolver::new(&op).unwrap();
            let mut rng = Xoshiro256::seed_from_u64(1);
            let b: Vec<f64> = (0..op.len()).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
            let mut x = b.clone();
            solver.solve(&mut x);
            let mut ax = vec![0.0; op.len()];
            op.apply(&x, &mut ax);
            let err = ax
                .iter()
                .zip(&b)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-12, "{n1} x {n2}: residual {err}");
        }
    }

    /// Max error against spec T8's manufactured solution on an n1 x n2 grid of a 10 nm x 20 nm
    /// film: uniform ε, P2 = A cos(k x2), V = 0, φ = A/(k ε0 ε) sin(k x2) [1 − cosh(k(x1 −
    /// h/2)) / cosh(kh/2)].
    fn manufactured_error(n1: usize, n2: usize) -> f64 {
        use super::super::operator::EPSILON_0;
        let (h, w, eps, a) = (10e-9, 20e-9, 30.0, 0.2);
        let dx = h / n1 as f64;
        let k = 2.0 * std::f64::consts::PI / w;
        let op = Operator::new(n1, n2, dx, vec![eps; n1 * n2]);
        let x = |c: usize| (((c % n1) as f64 + 0.5) * dx, ((c / n1) as f64 + 0.5) * dx);
        let p1 = vec![0.0; op.len()];
        let p2: Vec<f64> = (0..op.len()).map(|c| a * (k * x(c).1).cos()).collect();
        let mut phi = vec![0.0; op.len()];
        op.rhs(&p1, &p2, 0.0, &mut phi);
        DirectSolver::new(&op).unwrap().solve(&mut phi);
        let exact = |c: usize| {
            let (x1, x2) = x(c);
            a / (k * EPSILON_0 * eps)
                * (k * x2).sin()
                * (1.0 - (k * (x1 - h / 2.0)).cosh() / (k * h / 2.0).cosh())
        };
        (0..op.len())
            .map(|c| (phi[c] - exact(c)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn t8_manufactured_solution_converges_at_second_order() {
        let errors = [
            manufactured_error(20, 40),
            manufactured_error(40, 80),
            manufactured_error(80, 160),
        ];
        let ratios = [errors[0] / errors[1], errors[1] / errors[2]];
        // Second order: halving Δx divides the error by 4 (approached from below as the
        // electrode half-cells' share shrinks).
        assert!(
            (3.5..4.4).contains(&ratios[0])
                && (3.7..4.4).contains(&ratios[1])
                && ratios[1] > ratios[0],
            "errors {errors:?}, ratios {ratios:?}"
        );
    }

    #[test]
    fn band_cholesky_matches_a_dense_factorisation() {
        // Tridiagonal [-1, 4, -1]: L has the continued-fraction diagonal l_k = sqrt(4 − 1/l_{k−1}²).
        let f = BandCholesky::factor(6, 1, |_, d| if d == 0 { 4.0 } else { -1.0 }).unwrap();
        let mut l = 2.0f64;
        for k in 1..6 {
            l = (4.0 - 1.0 / (l * l)).sqrt();
            assert!((1.0 / f.rows[k * 2 + 1] - l).abs() < 1e-14);
        }
        let err = BandCholesky::factor(2, 1, |_, d| if d == 0 { 1.0 } else { -2.0 }).unwrap_err();
        assert_eq!(err.pivot, 1);
    }
}
