//! The few vector kernels of the hot loops, with one portable implementation and an AVX2 one
//! chosen at run time (never `target-cpu=native`). Both sum in the same four-lane order and
//! neither fuses multiply-adds, so they give bit-identical results on every x86-64 machine.

/// The kernels, implemented per instruction set.
pub trait Kernels {
    /// `Σ a_i b_i` accumulated in four lanes `l = i mod 4`, then `(l0 + l1) + (l2 + l3)`, then
    /// the tail (`len mod 4` terms) in order.
    fn dot(a: &[f64], b: &[f64]) -> f64;
    /// `y −= a_k x_k` for every column k of `a` in turn (k = 0, 1, ...; each entry
    /// `y_i = ((y_i − a_0i x_0) − a_1i x_1) − ...`), in one pass over `y` (len a multiple of
    /// 4): `a` holds, per block of four entries of `y`, the four entries of column 0, then of
    /// column 1, ... (`len(y) · len(x)` values).
    fn axpy_neg_columns(y: &mut [f64], a: &[f64], x: &[f64]);
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
    fn axpy_neg_columns(y: &mut [f64], a: &[f64], x: &[f64]) {
        let m = x.len();
        for (block, cols) in y.chunks_exact_mut(4).zip(a.chunks_exact(4 * m)) {
            for (k, xk) in x.iter().enumerate() {
                for (l, t) in block.iter_mut().enumerate() {
                    *t -= cols[4 * k + l] * xk;
                }
            }
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
    fn axpy_neg_columns(y: &mut [f64], a: &[f64], x: &[f64]) {
        use std::arch::x86_64::*;
        // Eight columns at a time keep their broadcasts in registers across the whole pass.
        const CHUNK: usize = 8;
        let (m, blocks) = (x.len(), y.len() / 4);
        assert!(
            a.len() >= 4 * m * blocks,
            "axpy_neg_columns: a is too short"
        );
        for (chunk, xs) in x.chunks(CHUNK).enumerate() {
            let first = chunk * CHUNK;
            // SAFETY: block b reads a[4 m b + 4 k .. + 4] for k < m (within a, asserted) and
            // y[4 b .. 4 b + 4] for b < len(y) / 4; AVX2 per this type's contract.
            unsafe {
                let mut xv = [_mm256_setzero_pd(); CHUNK];
                for (v, xk) in xv.iter_mut().zip(xs) {
                    *v = _mm256_set1_pd(*xk);
                }
                for b in 0..blocks {
                    let p = y.as_mut_ptr().add(4 * b);
                    let cols = a.as_ptr().add(4 * (m * b + first));
                    let mut acc = _mm256_loadu_pd(p);
                    for (k, v) in xv.iter().enumerate().take(xs.len()) {
                        let col = _mm256_loadu_pd(cols.add(4 * k));
                        acc = _mm256_sub_pd(acc, _mm256_mul_pd(col, *v));
                    }
                    _mm256_storeu_pd(p, acc);
                }
            }
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

    #[test]
    fn columns_in_one_pass_equal_column_by_column_updates() {
        // 12 entries, 11 columns (two register chunks, the second partial).
        let (len, m) = (12, 11);
        let column = |k: usize| -> Vec<f64> {
            (0..len)
                .map(|i| ((i * 7 + k * 3) as f64 * 0.29).sin())
                .collect()
        };
        let x: Vec<f64> = (0..m).map(|k| (k as f64 * 0.61).cos() * 3.0).collect();
        let mut expected: Vec<f64> = (0..len).map(|i| i as f64 * 0.5 - 2.0).collect();
        let start = expected.clone();
        for (k, xk) in x.iter().enumerate() {
            for (y, a) in expected.iter_mut().zip(column(k)) {
                *y -= a * xk;
            }
        }
        let mut blocked = vec![0.0; len * m];
        for k in 0..m {
            for (i, v) in column(k).into_iter().enumerate() {
                blocked[(i / 4) * 4 * m + 4 * k + i % 4] = v;
            }
        }
        let mut y = start.clone();
        Portable::axpy_neg_columns(&mut y, &blocked, &x);
        assert_eq!(y, expected);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let mut y = start;
            Avx2::axpy_neg_columns(&mut y, &blocked, &x);
            assert_eq!(y, expected);
        }
    }
}
