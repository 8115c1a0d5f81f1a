//! The few vector kernels of the hot loops, with one portable implementation and an AVX2 one
//! chosen at run time (never `target-cpu=native`). Both sum in the same four-lane order and
//! neither fuses multiply-adds, so they give bit-identical results on every x86-64 machine.

/// The kernels, implemented per instruction set.
pub trait Kernels {
    /// `Σ a_i b_i` accumulated in four lanes `l = i mod 4`, then `(l0 + l1) + (l2 + l3)`, then
    /// the tail (`len mod 4` terms) in order.
    fn dot(a: &[f64], b: &[f64]) -> f64;
    /// `y_i −= a_i x` for every i.
    fn axpy_neg(y: &mut [f64], a: &[f64], x: f64);
}

/// Plain Rust: any CPU.
pub struct Portable;

impl Kernels for Portable {
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

    #[inline(always)]
    fn axpy_neg(y: &mut [f64], a: &[f64], x: f64) {
        for (t, l) in y.iter_mut().zip(a) {
            *t -= l * x;
        }
    }
}

/// AVX2 (256-bit) versions; only call from code compiled with `target_feature = "avx2"` on a
/// CPU that has it.
#[cfg(target_arch = "x86_64")]
pub struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Kernels for Avx2 {
    #[inline(always)]
    fn dot(a: &[f64], b: &[f64]) -> f64 {
        use std::arch::x86_64::*;
        let n = a.len().min(b.len());
        let chunks = n / 4;
        // SAFETY: every load reads 4 values at 4c < 4·chunks <= n of both slices; the caller
        // runs on an AVX2 CPU (this type's contract).
        unsafe {
            let mut acc = _mm256_setzero_pd();
            for c in 0..chunks {
                let x = _mm256_loadu_pd(a.as_ptr().add(4 * c));
                let y = _mm256_loadu_pd(b.as_ptr().add(4 * c));
                acc = _mm256_add_pd(acc, _mm256_mul_pd(x, y));
            }
            let mut lanes = [0.0; 4];
            _mm256_storeu_pd(lanes.as_mut_ptr(), acc);
            let mut s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
            for k in 4 * chunks..n {
                s += a[k] * b[k];
            }
            s
        }
    }

    #[inline(always)]
    fn axpy_neg(y: &mut [f64], a: &[f64], x: f64) {
        use std::arch::x86_64::*;
        let n = y.len().min(a.len());
        let chunks = n / 4;
        // SAFETY: loads and stores stay below 4·chunks <= n; AVX2 per this type's contract.
        unsafe {
            let xv = _mm256_set1_pd(x);
            for c in 0..chunks {
                let p = y.as_mut_ptr().add(4 * c);
                let l = _mm256_loadu_pd(a.as_ptr().add(4 * c));
                _mm256_storeu_pd(p, _mm256_sub_pd(_mm256_loadu_pd(p), _mm256_mul_pd(l, xv)));
            }
        }
        for k in 4 * chunks..n {
            y[k] -= a[k] * x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avx2_and_portable_kernels_agree_bit_for_bit() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let a: Vec<f64> = (0..23).map(|k| (k as f64 * 0.37).sin()).collect();
            let b: Vec<f64> = (0..23).map(|k| (k as f64 * 1.91).cos() * 1e3).collect();
            for len in [0, 1, 3, 4, 7, 18, 20, 23] {
                assert_eq!(
                    Portable::dot(&a[..len], &b[..len]).to_bits(),
                    Avx2::dot(&a[..len], &b[..len]).to_bits()
                );
                let (mut y1, mut y2) = (b[..len].to_vec(), b[..len].to_vec());
                Portable::axpy_neg(&mut y1, &a[..len], 0.3);
                Avx2::axpy_neg(&mut y2, &a[..len], 0.3);
                assert_eq!(y1, y2);
            }
        }
        let s = Portable::dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5]);
        assert_eq!(s, 15.0);
    }
}
