//! A symmetric positive definite band matrix factored from both ends towards a middle block
//! of w rows (a "twisted" factorisation), so every solve runs two independent substitution
//! chains.
//!
//! A band substitution is bound by the latency of its chain, each block of rows waiting for
//! the one before it ([`super::band`]). Ordered top rows first (downwards), bottom rows
//! second (upwards) and the middle block last, the matrix is
//! `[A_T 0 C_Tᵀ; 0 A_B C_Bᵀ; C_T C_B A_M]`: the two bands never meet, so their substitutions
//! are interleaved and each hides the other's latency, for the same factor data as one
//! band. The couplings C touch only each band's last w rows, so eliminating a band fills
//! nothing outside a w x w block `K = L⁻¹ Cᵀ`, and the middle block's Schur complement
//! `S = A_M − Σ Kᵀ D⁻¹ K` is a dense w x w matrix.

use super::band::{BandLdl, FactorError};
use crate::simd::{Kernels, Lanes, Portable};

/// The twisted LDLᵀ factor of an n x n band matrix of half-bandwidth w, stored and applied
/// in `T` (factored in `f64`).
#[derive(Clone, Debug)]
pub struct TwistedLdl<T = f64> {
    n: usize,
    w: usize,
    /// First row of the middle block.
    mid: usize,
    /// Rows 0..mid in order.
    top: Side<T>,
    /// Rows mid+w..n in reverse order (row n−1 first).
    bottom: Side<T>,
    /// Factor of S.
    middle: BandLdl<T>,
}

/// One band and its coupling to the middle block.
#[derive(Clone, Debug)]
struct Side<T> {
    band: BandLdl<T>,
    /// Kᵀ row-major: `coupling[i * w + r] = K[r, i]`, r over the band's last w rows.
    coupling: Vec<T>,
    /// D⁻¹ K row-major: `scaled[r * w + i]`.
    scaled: Vec<T>,
}

impl Side<f64> {
    /// Factor a band and form K from `couplings(i)`, the nonzeros (row, value) of Cᵀ's column
    /// i in the band's order.
    fn factor(band: BandLdl, w: usize, couplings: impl Fn(usize) -> Vec<(usize, f64)>) -> Self {
        let len = band.len();
        let mut coupling = vec![0.0; w * w];
        let mut scaled = vec![0.0; w * w];
        let mut rhs = vec![0.0; len];
        let mut scratch = vec![0.0; band.scratch_len()];
        for i in 0..w {
            rhs.fill(0.0);
            for (row, value) in couplings(i) {
                rhs[row] = value;
            }
            let (u, v) = band.substitution_vectors(&mut scratch);
            for b in 0..band.blocks() {
                band.forward_block::<Portable>(b, &rhs, u, v);
            }
            let last = band.window() + len - w;
            for r in 0..w {
                coupling[i * w + r] = u[last + r];
                scaled[r * w + i] = v[last + r];
            }
        }
        Self {
            band,
            coupling,
            scaled,
        }
    }

    fn rounded<U: Lanes>(&self) -> Side<U> {
        let round = |values: &[f64]| values.iter().map(|&v| U::of(v)).collect();
        Side {
            band: self.band.rounded(),
            coupling: round(&self.coupling),
            scaled: round(&self.scaled),
        }
    }
}

impl<T: Lanes> Side<T> {
    /// `g −= Kᵀ v_last`: the middle block's right-hand side after eliminating this band.
    #[inline(always)]
    fn eliminate<K: Kernels<T>>(&self, g: &mut [T], v: &[T]) {
        let w = g.len();
        let last = &v[self.band.window() + self.band.len() - w..][..w];
        for (i, gi) in g.iter_mut().enumerate() {
            *gi -= K::dot(&self.coupling[i * w..(i + 1) * w], last);
        }
    }

    /// `v_last −= D⁻¹ K x_M`: the middle block's solution moved into the band's right-hand
    /// side before its backward substitution.
    #[inline(always)]
    fn substitute<K: Kernels<T>>(&self, v: &mut [T], x_middle: &[T]) {
        let w = x_middle.len();
        let start = self.band.window() + self.band.len() - w;
        for (r, vr) in v[start..start + w].iter_mut().enumerate() {
            *vr -= K::dot(&self.scaled[r * w..(r + 1) * w], x_middle);
        }
    }
}

impl TwistedLdl<f64> {
    /// Factor from `entry(k, d) = A[k, k−d]` for d = 0..=w, with the middle block at rows
    /// mid..mid+w. Needs `mid ≥ w` and `n − mid − w ≥ w` (both bands at least w rows).
    pub fn factor(
        n: usize,
        w: usize,
        mid: usize,
        entry: impl Fn(usize, usize) -> f64,
    ) -> Result<Self, FactorError> {
        assert!(
            w >= 1 && mid >= w && n >= mid + 2 * w,
            "twisted factor of {n} rows, bandwidth {w}, middle at {mid}"
        );
        let rows_below = n - mid - w;
        // Bottom row k' is row n−1−k'; A_B[k', k'−d] = A[n−1−k'+d, n−1−k'] by symmetry.
        let top = BandLdl::factor(mid, w, &entry)?;
        let bottom = BandLdl::factor(rows_below, w, |k, d| entry(n - 1 - k + d, d))?;
        // Middle row mid+i couples to top rows mid+i−w..mid and bottom rows mid+w..=mid+i+w.
        let top = Side::factor(top, w, |i| {
            (mid + i - w..mid)
                .map(|t| (t, entry(mid + i, mid + i - t)))
                .collect()
        });
        let bottom = Side::factor(bottom, w, |i| {
            (mid + w..=mid + i + w)
                .map(|g| (n - 1 - g, entry(g, g - mid - i)))
                .collect()
        });
        let schur = |i: usize, j: usize| -> f64 {
            let a = entry(mid + i, i - j);
            [&top, &bottom].iter().fold(a, |s, side| {
                (0..w).fold(s, |s, r| {
                    s - side.coupling[i * w + r] * side.scaled[r * w + j]
                })
            })
        };
        let middle = BandLdl::factor(w, w - 1, |k, d| schur(k, k - d))?;
        Ok(Self {
            n,
            w,
            mid,
            top,
            bottom,
            middle,
        })
    }

    /// The same factor with its coefficients rounded to `U`.
    pub fn rounded<U: Lanes>(&self) -> TwistedLdl<U> {
        TwistedLdl {
            n: self.n,
            w: self.w,
            mid: self.mid,
            top: self.top.rounded(),
            bottom: self.bottom.rounded(),
            middle: self.middle.rounded(),
        }
    }
}

impl<T: Lanes> TwistedLdl<T> {
    /// Size of the scratch buffer `solve` needs.
    pub fn scratch_len(&self) -> usize {
        self.top.band.scratch_len()
            + self.bottom.band.scratch_len()
            + self.bottom.band.len()
            + self.w
            + self.middle.scratch_len()
    }

    /// Solve A x = b in place (`x` holds b on entry).
    #[inline(always)]
    pub fn solve<K: Kernels<T>>(&self, x: &mut [T], scratch: &mut [T]) {
        let (n, w, mid) = (self.n, self.w, self.mid);
        let (top, bottom) = (&self.top.band, &self.bottom.band);
        let (top_scratch, rest) = scratch.split_at_mut(top.scratch_len());
        let (bottom_scratch, rest) = rest.split_at_mut(bottom.scratch_len());
        let (reversed, rest) = rest.split_at_mut(bottom.len());
        let (g, middle_scratch) = rest.split_at_mut(w);
        for (k, r) in reversed.iter_mut().enumerate() {
            *r = x[n - 1 - k];
        }
        let (tu, tv) = top.substitution_vectors(top_scratch);
        let (bu, bv) = bottom.substitution_vectors(bottom_scratch);
        let (top_blocks, bottom_blocks) = (top.blocks(), bottom.blocks());
        let blocks = top_blocks.max(bottom_blocks);
        for b in 0..blocks {
            if b < top_blocks {
                top.forward_block::<K>(b, &x[..mid], tu, tv);
            }
            if b < bottom_blocks {
                bottom.forward_block::<K>(b, reversed, bu, bv);
            }
        }
        g.copy_from_slice(&x[mid..mid + w]);
        self.top.eliminate::<K>(g, tv);
        self.bottom.eliminate::<K>(g, bv);
        self.middle.solve::<K>(g, middle_scratch);
        self.top.substitute::<K>(tv, g);
        self.bottom.substitute::<K>(bv, g);
        let (x_top, x_rest) = x.split_at_mut(mid);
        x_rest[..w].copy_from_slice(g);
        for b in (0..blocks).rev() {
            if b < top_blocks {
                top.backward_block::<K>(b, tv, x_top);
            }
            if b < bottom_blocks {
                bottom.backward_block::<K>(b, bv, reversed);
            }
        }
        for (k, r) in reversed.iter().enumerate() {
            x[n - 1 - k] = *r;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::band::tests::{residual, test_matrix};
    use super::*;

    fn solve_both<K: Kernels<f64>>(n: usize, w: usize, mid: usize) -> (Vec<f64>, Vec<f64>) {
        let a = test_matrix(w);
        let b: Vec<f64> = (0..n).map(|k| (k as f64).sin()).collect();
        let twisted = TwistedLdl::factor(n, w, mid, &a).unwrap();
        let mut x = b.clone();
        twisted.solve::<K>(&mut x, &mut vec![0.0; twisted.scratch_len()]);
        let band = BandLdl::factor(n, w, &a).unwrap();
        let mut y = b.clone();
        band.solve::<K>(&mut y, &mut vec![0.0; band.scratch_len()]);
        (x, y)
    }

    #[test]
    fn solves_random_band_systems_like_the_one_sided_factor() {
        for (n, w, mid) in [(3, 1, 1), (7, 2, 2), (13, 3, 5), (64, 20, 20), (97, 20, 40)] {
            let (x, y) = solve_both::<Portable>(n, w, mid);
            let err = residual(test_matrix(w), w, &x);
            assert!(err < 1e-12, "n {n}, w {w}: residual {err}");
            let differ = x
                .iter()
                .zip(&y)
                .fold(0.0, |m: f64, (a, b)| m.max((a - b).abs()));
            assert!(
                differ < 1e-13,
                "n {n}, w {w}: {differ} from the one-sided factor"
            );
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_kernels_give_the_portable_bits() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let (portable, _) = solve_both::<Portable>(97, 20, 40);
        let (avx2, _) = solve_both::<crate::simd::Avx2>(97, 20, 40);
        assert_eq!(portable, avx2);
    }
}
