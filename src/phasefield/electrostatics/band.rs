//! LDLᵀ factorisation of a symmetric positive definite band matrix, with substitutions
//! organised in blocks of four rows.
//!
//! A banded solve of this size (5120 rows, bandwidth 20) is bound by latency, not arithmetic:
//! each row needs the one before it. Four rows at a time, the contributions of all older rows
//! come from one aligned window shared by the four rows (vectorised), leaving a 4 x 4
//! triangle on the dependency chain, and results are stored as whole aligned vectors, so
//! later vector loads read them straight from the store buffer. The unit diagonal of L keeps
//! divisions off the chain.

use crate::simd::{Kernels, Lanes};

/// Why a factorisation failed (the matrix is not positive definite: for the Poisson operator
/// this is a bug).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the Poisson operator is not positive definite (pivot {pivot} = {value})")]
pub struct FactorError {
    /// Row of the failing pivot.
    pub pivot: usize,
    /// Its value.
    pub value: f64,
}

/// Rows per block.
const B: usize = 4;

/// `A = L D Lᵀ` of an n x n band matrix of half-bandwidth w, its coefficients stored and its
/// substitutions computed in `T` (factored in `f64` either way).
#[derive(Clone, Debug)]
pub struct BandLdl<T = f64> {
    n: usize,
    /// Bandwidth rounded up to a multiple of four (extra coefficients are zero).
    wp: usize,
    /// Per block of rows 4b..4b+4: the window coefficients M[s][t] = L[4b+s, 4b−wp+t]
    /// (4 x wp), the in-block triangle L10, L20, L21, L30, L31, L32, then 1/D of the 4 rows.
    blocks: Vec<T>,
}

impl BandLdl<f64> {
    /// Factor from `entry(k, d) = A[k, k−d]` for d = 0..=w.
    pub fn factor(
        n: usize,
        w: usize,
        entry: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, FactorError> {
        // Row-oriented Cholesky G (A = G Gᵀ): row k holds G[k, k−w..k−1].
        let stride = w.max(1);
        let mut g = vec![0.0; n * stride];
        let mut diag = vec![0.0; n];
        let at = |k: usize, j: usize| k * stride + (j + w - k);
        for k in 0..n {
            for d in (1..=w.min(k)).rev() {
                let j = k - d;
                let mut s = entry(k, d);
                for m in k.saturating_sub(w)..j {
                    s -= g[at(k, m)] * g[at(j, m)];
                }
                g[at(k, j)] = s / diag[j];
            }
            let s = entry(k, 0)
                - (k.saturating_sub(w)..k)
                    .map(|m| g[at(k, m)].powi(2))
                    .sum::<f64>();
            if s.is_nan() || s <= 0.0 {
                return Err(FactorError { pivot: k, value: s });
            }
            diag[k] = s.sqrt();
        }
        // L[k, j] = G[k, j] / G[j, j], D[k] = G[k, k]².
        let l = |k: usize, j: usize| -> f64 {
            if j >= n || k >= n || j >= k || k - j > w {
                0.0
            } else {
                g[at(k, j)] / diag[j]
            }
        };
        let wp = w.div_ceil(B) * B;
        let mut this = Self {
            n,
            wp,
            blocks: Vec::new(),
        };
        let nb = n.div_ceil(B);
        let len = this.block_len();
        this.blocks = vec![0.0; nb * len];
        for b in 0..nb {
            let block = &mut this.blocks[b * len..(b + 1) * len];
            for s in 0..B {
                for t in 0..wp {
                    // Column 4b − wp + t, if it exists.
                    if let Some(j) = (B * b + t).checked_sub(wp) {
                        block[s * wp + t] = l(B * b + s, j);
                    }
                }
            }
            let r = B * b;
            let tri = &mut block[B * wp..B * wp + 6];
            tri.copy_from_slice(&[
                l(r + 1, r),
                l(r + 2, r),
                l(r + 2, r + 1),
                l(r + 3, r),
                l(r + 3, r + 1),
                l(r + 3, r + 2),
            ]);
            for s in 0..B {
                let k = r + s;
                // Padding rows beyond n are the identity.
                block[B * wp + 6 + s] = if k < n {
                    1.0 / (diag[k] * diag[k])
                } else {
                    1.0
                };
            }
        }
        Ok(this)
    }

    /// The same factor with its coefficients rounded to `U`.
    pub fn rounded<U: Lanes>(&self) -> BandLdl<U> {
        BandLdl {
            n: self.n,
            wp: self.wp,
            blocks: self.blocks.iter().map(|&v| U::of(v)).collect(),
        }
    }
}

impl<T: Lanes> BandLdl<T> {
    fn block_len(&self) -> usize {
        B * self.wp + 10
    }

    /// Size of the scratch buffer `solve` needs.
    pub fn scratch_len(&self) -> usize {
        2 * self.padded_len()
    }

    /// Rows, padded to whole blocks, plus the zero window before the first block: the
    /// length of each of the two substitution vectors.
    fn padded_len(&self) -> usize {
        self.wp + self.blocks() * B
    }

    /// Blocks of four rows.
    pub fn blocks(&self) -> usize {
        self.n.div_ceil(B)
    }

    /// Rows.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Split `scratch` into the two substitution vectors u and v, with the window before the
    /// first block zeroed. Row k of either vector is at `k + window()`.
    #[inline(always)]
    pub fn substitution_vectors<'s>(&self, scratch: &'s mut [T]) -> (&'s mut [T], &'s mut [T]) {
        let (u, v) = scratch[..self.scratch_len()].split_at_mut(self.padded_len());
        u[..self.wp].fill(T::zero());
        v[..self.wp].fill(T::zero());
        (u, v)
    }

    /// Offset of row 0 in the substitution vectors.
    pub fn window(&self) -> usize {
        self.wp
    }

    /// Solve L D Lᵀ x = b in place (`x` holds b on entry).
    #[inline(always)]
    pub fn solve<K: Kernels<T>>(&self, x: &mut [T], scratch: &mut [T]) {
        let (u, v) = self.substitution_vectors(scratch);
        for b in 0..self.blocks() {
            self.forward_block::<K>(b, x, u, v);
        }
        for b in (0..self.blocks()).rev() {
            self.backward_block::<K>(b, v, x);
        }
    }

    /// Forward substitution of block b (rows 4b..4b+4): L u = b and v = D⁻¹ u, with b read
    /// from `rhs` (zero beyond its rows). Blocks run in increasing order.
    #[inline(always)]
    pub fn forward_block<K: Kernels<T>>(&self, b: usize, rhs: &[T], u: &mut [T], v: &mut [T]) {
        let (n, wp, len) = (self.n, self.wp, self.block_len());
        let block = &self.blocks[b * len..(b + 1) * len];
        let r = B * b;
        let at = |k: usize| if k < n { rhs[k] } else { T::zero() };
        let older = K::dot4(&block[..B * wp], &u[r..r + wp]);
        let t = &block[B * wp..B * wp + 6];
        let u0 = at(r) - older[0];
        let u1 = (at(r + 1) - older[1]) - t[0] * u0;
        let u2 = ((at(r + 2) - older[2]) - t[1] * u0) - t[2] * u1;
        let u3 = (((at(r + 3) - older[3]) - t[3] * u0) - t[4] * u1) - t[5] * u2;
        let d = &block[B * wp + 6..B * wp + 10];
        u[wp + r..wp + r + B].copy_from_slice(&[u0, u1, u2, u3]);
        v[wp + r..wp + r + B].copy_from_slice(&[u0 * d[0], u1 * d[1], u2 * d[2], u3 * d[3]]);
    }

    /// Backward substitution of block b: Lᵀ x = v for rows 4b..4b+4, written to `x` (its
    /// rows only), after which the block's contributions are taken from the older rows of
    /// v. Blocks run in decreasing order.
    #[inline(always)]
    pub fn backward_block<K: Kernels<T>>(&self, b: usize, v: &mut [T], x: &mut [T]) {
        let (n, wp, len) = (self.n, self.wp, self.block_len());
        let block = &self.blocks[b * len..(b + 1) * len];
        let r = B * b;
        let t = &block[B * wp..B * wp + 6];
        let y = &v[wp + r..wp + r + B];
        let x3 = y[3];
        let x2 = y[2] - t[5] * x3;
        let x1 = (y[1] - t[4] * x3) - t[2] * x2;
        let x0 = ((y[0] - t[3] * x3) - t[1] * x2) - t[0] * x1;
        for (s, xs) in [x0, x1, x2, x3].into_iter().enumerate() {
            if r + s < n {
                x[r + s] = xs;
            }
        }
        K::sub4(&mut v[r..r + wp], &block[..B * wp], [x0, x1, x2, x3]);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::simd::Portable;

    #[test]
    fn tridiagonal_factor_matches_the_analytic_one() {
        // [-1, 4, -1]: Cholesky diagonal g_k = sqrt(4 − 1/g_{k−1}²), D_k = g_k².
        let f = BandLdl::factor(6, 1, |_, d| if d == 0 { 4.0 } else { -1.0 }).unwrap();
        let len = f.block_len();
        let mut g = 2.0f64;
        for k in 1..6 {
            g = (4.0 - 1.0 / (g * g)).sqrt();
            let (b, s) = (k / B, k % B);
            let d_inv = f.blocks[b * len + B * f.wp + 6 + s];
            assert!((1.0 / d_inv - g * g).abs() < 1e-13);
        }
        let err = BandLdl::factor(2, 1, |_, d| if d == 0 { 1.0 } else { -2.0 }).unwrap_err();
        assert_eq!(err.pivot, 1);
    }

    /// A diagonally dominant band matrix of half-bandwidth w with a fixed pattern, as
    /// `entry(k, d) = A[k, k−d]`.
    pub(in super::super) fn test_matrix(w: usize) -> impl Fn(usize, usize) -> f64 {
        move |k, d| {
            if d == 0 {
                2.0 * w as f64 + 1.0
            } else {
                ((k * 7 + d * 3) % 5) as f64 / 5.0 - 0.5
            }
        }
    }

    /// The largest |A x − b| over the rows, for b_k = sin k (the tests' right-hand side).
    pub(in super::super) fn residual(a: impl Fn(usize, usize) -> f64, w: usize, x: &[f64]) -> f64 {
        let n = x.len();
        (0..n)
            .map(|k| {
                let mut ax = a(k, 0) * x[k];
                for d in 1..=w {
                    if k >= d {
                        ax += a(k, d) * x[k - d];
                    }
                    if k + d < n {
                        ax += a(k + d, d) * x[k + d];
                    }
                }
                (ax - (k as f64).sin()).abs()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn solves_random_band_systems_of_every_width_and_size() {
        for (n, w) in [(1, 0), (5, 1), (7, 3), (9, 4), (13, 5), (64, 20), (30, 29)] {
            let f = BandLdl::factor(n, w, test_matrix(w)).unwrap();
            let mut x: Vec<f64> = (0..n).map(|k| (k as f64).sin()).collect();
            let mut scratch = vec![0.0; f.scratch_len()];
            f.solve::<Portable>(&mut x, &mut scratch);
            let err = residual(test_matrix(w), w, &x);
            assert!(err < 1e-12, "n {n}, w {w}: residual {err}");
        }
    }
}
