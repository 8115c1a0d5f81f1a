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
    /// Four dot products of the rows of `m` (4 x len, row-major) with `w` (len a multiple of
    /// 4), each in the four-lane order of [`Kernels::dot`].
    fn dot4(m: &[f64], w: &[f64]) -> [f64; 4];
    /// `w_t −= m[0][t] x0`, then `− m[1][t] x1`, `− m[2][t] x2`, `− m[3][t] x3` (len a
    /// multiple of 4).
    fn sub4(w: &mut [f64], m: &[f64], x: [f64; 4]);
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

    #[inline(always)]
    fn dot4(m: &[f64], w: &[f64]) -> [f64; 4] {
        let len = w.len();
        std::array::from_fn(|s| Self::dot(&m[s * len..(s + 1) * len], w))
    }

    #[inline(always)]
    fn sub4(w: &mut [f64], m: &[f64], x: [f64; 4]) {
        let len = w.len();
        for (t, y) in w.iter_mut().enumerate() {
            *y = (((*y - m[t] * x[0]) - m[len + t] * x[1]) - m[2 * len + t] * x[2])
                - m[3 * len + t] * x[3];
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

    #[inline(always)]
    fn dot4(m: &[f64], w: &[f64]) -> [f64; 4] {
        use std::arch::x86_64::*;
        let len = w.len();
        assert!(len.is_multiple_of(4), "dot4 needs a multiple of 4");
        // SAFETY: loads stay within w (len) and m (4·len), checked by the slicing below; AVX2
        // per this type's contract.
        let m = &m[..4 * len];
        unsafe {
            let mut acc = [_mm256_setzero_pd(); 4];
            for c in (0..len).step_by(4) {
                let v = _mm256_loadu_pd(w.as_ptr().add(c));
                for (s, a) in acc.iter_mut().enumerate() {
                    let row = _mm256_loadu_pd(m.as_ptr().add(s * len + c));
                    *a = _mm256_add_pd(*a, _mm256_mul_pd(row, v));
                }
            }
            acc.map(|a| {
                let mut lanes = [0.0; 4];
                _mm256_storeu_pd(lanes.as_mut_ptr(), a);
                (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
            })
        }
    }

    #[inline(always)]
    fn sub4(w: &mut [f64], m: &[f64], x: [f64; 4]) {
        use std::arch::x86_64::*;
        let len = w.len();
        assert!(len.is_multiple_of(4), "sub4 needs a multiple of 4");
        let m = &m[..4 * len];
        // SAFETY: as in `dot4`.
        unsafe {
            let xs = x.map(|v| _mm256_set1_pd(v));
            for c in (0..len).step_by(4) {
                let p = w.as_mut_ptr().add(c);
                let mut y = _mm256_loadu_pd(p);
                for (s, xv) in xs.iter().enumerate() {
                    let row = _mm256_loadu_pd(m.as_ptr().add(s * len + c));
                    y = _mm256_sub_pd(y, _mm256_mul_pd(row, *xv));
                }
                _mm256_storeu_pd(p, y);
            }
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
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let m: Vec<f64> = (0..80).map(|k| (k as f64 * 0.71).sin()).collect();
            let w: Vec<f64> = (0..20).map(|k| (k as f64 * 0.13).cos()).collect();
            let a = Portable::dot4(&m, &w);
            let b = Avx2::dot4(&m, &w);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
            let (mut y1, mut y2) = (w.clone(), w.clone());
            Portable::sub4(&mut y1, &m, [0.1, -0.2, 0.3, 0.4]);
            Avx2::sub4(&mut y2, &m, [0.1, -0.2, 0.3, 0.4]);
            assert_eq!(y1, y2);
        }
        let s = Portable::dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5]);
        assert_eq!(s, 15.0);
    }
}
