//! Direct Poisson solver, factored once per structure (physics spec §6 option 1 and §15.7).
//!
//! Column-major cell order makes the operator banded with bandwidth n1 (20 in the paper),
//! except for the periodic faces joining the last column to the first. Those are removed by a
//! rank-n1 Woodbury correction: `A = A' − V D Vᵀ`, where A' is A without the wrap couplings
//! and with their coefficients added to the two diagonals (so A' stays banded and SPD),
//! `V = [e_(i,0) + e_(i,n2−1)]_i` and `D = diag(ε_wrap,i)`. Then
//! `A⁻¹ b = y + Z S⁻¹ Vᵀ y` with `y = A'⁻¹ b`, `Z = A'⁻¹ V` and `S = D⁻¹ − Vᵀ Z` (SPD).
//! A banded LDLᵀ factor ([`super::band`]) costs O(n·n1²) once and O(n·n1) per solve; no
//! sparse-matrix crate exploits this band-plus-wrap structure, hence the hand-written factor.
//! From three columns on, A' is factored from both ends towards its middle column
//! ([`super::twisted`]), so each solve runs two independent substitution chains.

use super::band::{BandLdl, FactorError};
use super::operator::Operator;
use super::twisted::TwistedLdl;
use crate::simd::{Kernels, Lanes, Portable, WithKernels, dispatch};

/// The factored Poisson operator of one structure, its factor and Woodbury data stored and
/// applied in `T` (factored in `f64`; `f32` halves the data each solve streams, see
/// docs/physics-notes.md for its effect on loops).
#[derive(Clone, Debug)]
pub struct DirectSolver<T = f64> {
    band: Factor<T>,
    n1: usize,
    n2: usize,
    /// Woodbury data when the wrap couplings lie outside the band (n2 ≥ 3): Z (n x n1,
    /// stored column by column) and the factor of S (n1 x n1).
    wrap: Option<Wrap<T>>,
    /// The right-hand side and then the solution, in `T`.
    work: Vec<T>,
    scratch: Vec<T>,
    small: Vec<T>,
}

/// The factor of A': one band below three columns, twisted from there on.
#[derive(Clone, Debug)]
enum Factor<T> {
    Band(BandLdl<T>),
    Twisted(Box<TwistedLdl<T>>),
}

impl Factor<f64> {
    fn rounded<U: Lanes>(&self) -> Factor<U> {
        match self {
            Factor::Band(f) => Factor::Band(f.rounded()),
            Factor::Twisted(f) => Factor::Twisted(Box::new(f.rounded())),
        }
    }
}

impl<T: Lanes> Factor<T> {
    fn scratch_len(&self) -> usize {
        match self {
            Factor::Band(f) => f.scratch_len(),
            Factor::Twisted(f) => f.scratch_len(),
        }
    }

    #[inline(always)]
    fn solve<K: Kernels<T>>(&self, x: &mut [T], scratch: &mut [T]) {
        match self {
            Factor::Band(f) => f.solve::<K>(x, scratch),
            Factor::Twisted(f) => f.solve::<K>(x, scratch),
        }
    }
}

#[derive(Clone, Debug)]
struct Wrap<T> {
    /// Z in blocks of [`Lanes::WIDE`] cells (the layout of [`Kernels::axpy_neg_columns`]),
    /// the cell count padded to a whole block with zeros.
    z: Vec<T>,
    s: BandLdl<T>,
}

impl<T: Lanes> DirectSolver<T> {
    /// Factor the operator (O(n·n1²)) in `f64` and round the factor to `T`.
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
        let band = if n2 >= 3 {
            Factor::Twisted(Box::new(TwistedLdl::factor(n, n1, n2 / 2 * n1, entry)?))
        } else {
            Factor::Band(BandLdl::factor(n, n1, entry)?)
        };
        let mut scratch = vec![0.0; band.scratch_len()];
        let wrap = if wrap_outside_band {
            // Z = A'⁻¹ V, one solve per row of the film.
            let mut z = vec![0.0; n * n1];
            let mut column = vec![0.0; n];
            for i in 0..n1 {
                column.fill(0.0);
                column[i] = 1.0;
                column[(n2 - 1) * n1 + i] = 1.0;
                band.solve::<Portable>(&mut column, &mut scratch);
                for c in 0..n {
                    z[i * n + c] = column[c];
                }
            }
            // S = D⁻¹ − Vᵀ Z.
            let wrap_eps = |i: usize| op.right[(n2 - 1) * n1 + i];
            let s_entry = |k: usize, d: usize| -> f64 {
                let i = k - d;
                let vz = z[k * n + i] + z[k * n + (n2 - 1) * n1 + i];
                if d == 0 { 1.0 / wrap_eps(k) - vz } else { -vz }
            };
            let s = BandLdl::factor(n1, n1.saturating_sub(1), s_entry)?;
            let w = T::WIDE;
            let mut blocked = vec![0.0; n.div_ceil(w) * w * n1];
            for i in 0..n1 {
                for c in 0..n {
                    blocked[(c / w) * w * n1 + w * i + c % w] = z[i * n + c];
                }
            }
            Some(Wrap {
                z: blocked.iter().map(|&v| T::of(v)).collect(),
                s: s.rounded(),
            })
        } else {
            None
        };
        let band = band.rounded();
        let small = vec![T::zero(); n1 + wrap.as_ref().map_or(0, |w| w.s.scratch_len())];
        Ok(Self {
            scratch: vec![T::zero(); band.scratch_len()],
            band,
            n1,
            n2,
            wrap,
            work: vec![T::zero(); n],
            small,
        })
    }

    /// Solve A φ = b; `phi` holds b on entry and φ on exit.
    pub fn solve(&mut self, phi: &mut [f64]) {
        let mut work = std::mem::take(&mut self.work);
        for (w, p) in work.iter_mut().zip(phi.iter()) {
            *w = T::of(*p);
        }
        dispatch(Solve {
            solver: self,
            x: &mut work,
        });
        for (p, w) in phi.iter_mut().zip(&work) {
            *p = w.to_f64_exact();
        }
        self.work = work;
    }

    #[inline(always)]
    fn solve_with<K: Kernels<T>>(&mut self, phi: &mut [T]) {
        self.band.solve::<K>(phi, &mut self.scratch);
        if let Some(wrap) = &self.wrap {
            let (n1, last) = (self.n1, (self.n2 - 1) * self.n1);
            let (t, scratch) = self.small.split_at_mut(n1);
            for i in 0..n1 {
                t[i] = phi[i] + phi[last + i];
            }
            wrap.s.solve::<K>(t, scratch);
            // φ += Z t in one pass over φ (the cells' register blocks, then the tail).
            t.iter_mut().for_each(|v| *v = -*v);
            let w = T::WIDE;
            let whole = phi.len() / w * w;
            let (head, tail) = phi.split_at_mut(whole);
            K::axpy_neg_columns(head, &wrap.z, t);
            if !tail.is_empty() {
                let mut last = [T::zero(); 8];
                let last = &mut last[..w];
                last[..tail.len()].copy_from_slice(tail);
                K::axpy_neg_columns(last, &wrap.z[whole * n1..], t);
                tail.copy_from_slice(&last[..tail.len()]);
            }
        }
    }
}

/// [`DirectSolver::solve_with`] as code for [`dispatch`].
struct Solve<'a, T> {
    solver: &'a mut DirectSolver<T>,
    x: &'a mut [T],
}

impl<T: Lanes> WithKernels<T> for Solve<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<K: Kernels<T>>(self) {
        self.solver.solve_with::<K>(self.x);
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

    /// Solutions of one random system per grid shape.
    fn solutions<T: Lanes>(n1: usize, n2: usize) -> (Operator, Vec<f64>, Vec<f64>) {
        let op = random_operator(n1, n2, (n1 * 100 + n2) as u64);
        let mut solver = DirectSolver::<T>::new(&op).unwrap();
        let mut rng = Xoshiro256::seed_from_u64(1);
        let b: Vec<f64> = (0..op.len()).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        let mut x = b.clone();
        solver.solve(&mut x);
        (op, b, x)
    }

    const SHAPES: [(usize, usize); 8] = [
        (1, 1),
        (3, 1),
        (1, 5),
        (4, 2),
        (5, 3),
        (20, 16),
        (7, 40),
        (20, 256),
    ];

    #[test]
    fn solves_reproduce_the_right_hand_side_on_every_grid_shape() {
        for (n1, n2) in SHAPES {
            let (op, b, x) = solutions::<f64>(n1, n2);
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

    #[test]
    fn single_precision_solves_agree_with_double_to_single_precision_round_off() {
        for (n1, n2) in SHAPES {
            let (_, _, exact) = solutions::<f64>(n1, n2);
            let (_, _, single) = solutions::<f32>(n1, n2);
            let scale = exact.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
            let err = exact
                .iter()
                .zip(&single)
                .fold(0.0, |m: f64, (a, b)| m.max((a - b).abs()));
            assert!(err < 2e-6 * scale, "{n1} x {n2}: {err} of {scale}");
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
        DirectSolver::<f64>::new(&op).unwrap().solve(&mut phi);
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
}
