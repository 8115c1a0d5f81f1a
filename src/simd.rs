//! The few vector kernels of the direct Poisson solve, for `f64` and `f32`, with one portable
//! implementation and an AVX2 one chosen at run time (never `target-cpu=native`). Both sum in
//! the same four-lane order and neither fuses multiply-adds, so they give bit-identical
//! results on every x86-64 machine. Four lanes of either type are one register (256-bit for
//! `f64`, 128-bit for `f32`), so both types share one AVX2 implementation and one data
//! layout.

use crate::nn::real::Real;

/// The kernels, implemented per instruction set.
pub trait Kernels<T> {
    /// `Σ a_i b_i` accumulated in four lanes `l = i mod 4`, then `(l0 + l1) + (l2 + l3)`, then
    /// the tail (`len mod 4` terms) in order.
    fn dot(a: &[T], b: &[T]) -> T;
    /// `y −= a_k x_k` for every column k of `a` in turn (k = 0, 1, ...; each entry
    /// `y_i = ((y_i − a_0i x_0) − a_1i x_1) − ...`), in one pass over `y` (len a multiple of
    /// W = [`Lanes::WIDE`]): `a` holds, per block of W entries of `y`, the W entries of
    /// column 0, then of column 1, ... (`len(y) · len(x)` values).
    fn axpy_neg_columns(y: &mut [T], a: &[T], x: &[T]);
    /// Four dot products of the rows of `m` (4 x len, row-major) with `w` (len a multiple of
    /// 4), each in the four-lane order of [`Kernels::dot`].
    fn dot4(m: &[T], w: &[T]) -> [T; 4];
    /// `w_t −= m[0][t] x0`, then `− m[1][t] x1`, `− m[2][t] x2`, `− m[3][t] x3` (len a
    /// multiple of 4).
    fn sub4(w: &mut [T], m: &[T], x: [T; 4]);
}

/// `f32` or `f64`: the element types the kernels exist for.
pub trait Lanes: Real {
    /// Values in one 256-bit register (4 `f64`, 8 `f32`): the block width of
    /// [`Kernels::axpy_neg_columns`]' layout.
    const WIDE: usize;
    /// Four lanes in one AVX2 register.
    #[cfg(target_arch = "x86_64")]
    type Quad: Register<Self>;
    /// [`Lanes::WIDE`] lanes in one AVX2 register.
    #[cfg(target_arch = "x86_64")]
    type Wide: Register<Self>;
    /// The lane sums `(l0 + l1) + (l2 + l3)` of four registers, in one register.
    ///
    /// # Safety
    /// AVX2 is enabled.
    #[cfg(target_arch = "x86_64")]
    unsafe fn lane_sums(a: Self::Quad, b: Self::Quad, c: Self::Quad, d: Self::Quad) -> Self::Quad;
}

impl Lanes for f64 {
    const WIDE: usize = 4;
    #[cfg(target_arch = "x86_64")]
    type Quad = std::arch::x86_64::__m256d;
    #[cfg(target_arch = "x86_64")]
    type Wide = std::arch::x86_64::__m256d;
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn lane_sums(a: Self::Quad, b: Self::Quad, c: Self::Quad, d: Self::Quad) -> Self::Quad {
        use std::arch::x86_64::*;
        // SAFETY: AVX2 per the caller.
        unsafe {
            // [a0+a1, b0+b1, a2+a3, b2+b3] and the same for c, d.
            let ab = _mm256_hadd_pd(a, b);
            let cd = _mm256_hadd_pd(c, d);
            let low = _mm256_permute2f128_pd(ab, cd, 0x20);
            let high = _mm256_permute2f128_pd(ab, cd, 0x31);
            _mm256_add_pd(low, high)
        }
    }
}

impl Lanes for f32 {
    const WIDE: usize = 8;
    #[cfg(target_arch = "x86_64")]
    type Quad = std::arch::x86_64::__m128;
    #[cfg(target_arch = "x86_64")]
    type Wide = std::arch::x86_64::__m256;
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn lane_sums(a: Self::Quad, b: Self::Quad, c: Self::Quad, d: Self::Quad) -> Self::Quad {
        use std::arch::x86_64::*;
        // SAFETY: SSE3 (within AVX2) per the caller.
        unsafe {
            // [a0+a1, a2+a3, b0+b1, b2+b3], then the pairs' sums.
            let ab = _mm_hadd_ps(a, b);
            let cd = _mm_hadd_ps(c, d);
            _mm_hadd_ps(ab, cd)
        }
    }
}

/// Code generic over the kernels (a closure with a type parameter), run by [`dispatch`].
pub trait WithKernels<T> {
    /// What the code returns.
    type Output;
    /// Run with kernels `K`. Implementations are `#[inline(always)]`, so that they compile
    /// with the instruction set [`dispatch`] enabled.
    fn run<K: Kernels<T>>(self) -> Self::Output;
}

/// Run `code` with the AVX2 kernels on a CPU that has them, the portable ones otherwise.
#[inline(always)]
pub fn dispatch<T: Lanes, C: WithKernels<T>>(code: C) -> C::Output {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { run_avx2(code) };
    }
    code.run::<Portable>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2<T: Lanes, C: WithKernels<T>>(code: C) -> C::Output {
    code.run::<Avx2>()
}

/// Plain Rust: any CPU.
pub struct Portable;

impl<T: Lanes> Kernels<T> for Portable {
    #[inline(always)]
    fn dot(a: &[T], b: &[T]) -> T {
        let mut lanes = [T::zero(); 4];
        let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
        let (ra, rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for l in 0..4 {
                lanes[l] += x[l] * y[l];
            }
        }
        let mut s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        for (x, y) in ra.iter().zip(rb) {
            s += *x * *y;
        }
        s
    }

    #[inline(always)]
    fn axpy_neg_columns(y: &mut [T], a: &[T], x: &[T]) {
        let (m, w) = (x.len(), T::WIDE);
        for (block, cols) in y.chunks_exact_mut(w).zip(a.chunks_exact(w * m)) {
            for (k, xk) in x.iter().enumerate() {
                for (l, t) in block.iter_mut().enumerate() {
                    *t -= cols[w * k + l] * *xk;
                }
            }
        }
    }

    #[inline(always)]
    fn dot4(m: &[T], w: &[T]) -> [T; 4] {
        let len = w.len();
        std::array::from_fn(|s| <Self as Kernels<T>>::dot(&m[s * len..(s + 1) * len], w))
    }

    #[inline(always)]
    fn sub4(w: &mut [T], m: &[T], x: [T; 4]) {
        let len = w.len();
        for (t, y) in w.iter_mut().enumerate() {
            *y = (((*y - m[t] * x[0]) - m[len + t] * x[1]) - m[2 * len + t] * x[2])
                - m[3 * len + t] * x[3];
        }
    }
}

/// Lanes of `T` in one register, the operations the AVX2 kernels need. Only call from code
/// compiled with `target_feature = "avx2"`; pointers must be valid for a register's values.
#[cfg(target_arch = "x86_64")]
pub trait Register<T>: Copy {
    /// # Safety
    /// `p` is valid for reading a register's values.
    unsafe fn load(p: *const T) -> Self;
    /// # Safety
    /// `p` is valid for writing a register's values.
    unsafe fn store(self, p: *mut T);
    /// # Safety
    /// AVX2 is enabled.
    unsafe fn splat(v: T) -> Self;
    /// # Safety
    /// AVX2 is enabled.
    unsafe fn add(self, other: Self) -> Self;
    /// # Safety
    /// AVX2 is enabled.
    unsafe fn sub(self, other: Self) -> Self;
    /// # Safety
    /// AVX2 is enabled.
    unsafe fn mul(self, other: Self) -> Self;
}

#[cfg(target_arch = "x86_64")]
impl Register<f64> for std::arch::x86_64::__m256d {
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self {
        unsafe { std::arch::x86_64::_mm256_loadu_pd(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f64) {
        unsafe { std::arch::x86_64::_mm256_storeu_pd(p, self) }
    }
    #[inline(always)]
    unsafe fn splat(v: f64) -> Self {
        unsafe { std::arch::x86_64::_mm256_set1_pd(v) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm256_add_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm256_sub_pd(self, other) }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm256_mul_pd(self, other) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Register<f32> for std::arch::x86_64::__m128 {
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        unsafe { std::arch::x86_64::_mm_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { std::arch::x86_64::_mm_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        unsafe { std::arch::x86_64::_mm_set1_ps(v) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm_add_ps(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm_sub_ps(self, other) }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm_mul_ps(self, other) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Register<f32> for std::arch::x86_64::__m256 {
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        unsafe { std::arch::x86_64::_mm256_loadu_ps(p) }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        unsafe { std::arch::x86_64::_mm256_storeu_ps(p, self) }
    }
    #[inline(always)]
    unsafe fn splat(v: f32) -> Self {
        unsafe { std::arch::x86_64::_mm256_set1_ps(v) }
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm256_add_ps(self, other) }
    }
    #[inline(always)]
    unsafe fn sub(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm256_sub_ps(self, other) }
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        unsafe { std::arch::x86_64::_mm256_mul_ps(self, other) }
    }
}

/// The four lanes' sum in the order `(l0 + l1) + (l2 + l3)`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn lane_sum<T: Lanes>(q: T::Quad) -> T {
    let mut lanes = [T::zero(); 4];
    // SAFETY: `lanes` holds four values.
    unsafe { q.store(lanes.as_mut_ptr()) };
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
}

/// AVX2 versions; only call from code compiled with `target_feature = "avx2"` on a CPU that
/// has it ([`dispatch`] does both).
#[cfg(target_arch = "x86_64")]
pub struct Avx2;

#[cfg(target_arch = "x86_64")]
impl<T: Lanes> Kernels<T> for Avx2 {
    #[inline(always)]
    fn dot(a: &[T], b: &[T]) -> T {
        let n = a.len().min(b.len());
        let chunks = n / 4;
        // SAFETY: every load reads 4 values at 4c < 4·chunks <= n of both slices; the caller
        // runs on an AVX2 CPU (this type's contract).
        unsafe {
            let mut acc = T::Quad::splat(T::zero());
            for c in 0..chunks {
                let x = T::Quad::load(a.as_ptr().add(4 * c));
                let y = T::Quad::load(b.as_ptr().add(4 * c));
                acc = acc.add(x.mul(y));
            }
            let mut s = lane_sum::<T>(acc);
            for k in 4 * chunks..n {
                s += a[k] * b[k];
            }
            s
        }
    }

    #[inline(always)]
    fn axpy_neg_columns(y: &mut [T], a: &[T], x: &[T]) {
        // Eight columns at a time keep their broadcasts in registers across the whole pass.
        const CHUNK: usize = 8;
        let w = T::WIDE;
        let (m, blocks) = (x.len(), y.len() / w);
        assert!(
            a.len() >= w * m * blocks,
            "axpy_neg_columns: a is too short"
        );
        for (chunk, xs) in x.chunks(CHUNK).enumerate() {
            let first = chunk * CHUNK;
            // SAFETY: block b reads a[w m b + w k .. + w] for k < m (within a, asserted) and
            // y[w b .. w b + w] for b < len(y) / w; AVX2 per this type's contract.
            unsafe {
                let mut xv = [T::Wide::splat(T::zero()); CHUNK];
                for (v, xk) in xv.iter_mut().zip(xs) {
                    *v = T::Wide::splat(*xk);
                }
                for b in 0..blocks {
                    let p = y.as_mut_ptr().add(w * b);
                    let cols = a.as_ptr().add(w * (m * b + first));
                    let mut acc = T::Wide::load(p);
                    for (k, v) in xv.iter().enumerate().take(xs.len()) {
                        let col = T::Wide::load(cols.add(w * k));
                        acc = acc.sub(col.mul(*v));
                    }
                    acc.store(p);
                }
            }
        }
    }

    #[inline(always)]
    fn dot4(m: &[T], w: &[T]) -> [T; 4] {
        let len = w.len();
        assert!(len.is_multiple_of(4), "dot4 needs a multiple of 4");
        // SAFETY: loads stay within w (len) and m (4·len), checked by the slicing below; AVX2
        // per this type's contract.
        let m = &m[..4 * len];
        unsafe {
            let mut acc = [T::Quad::splat(T::zero()); 4];
            for c in (0..len).step_by(4) {
                let v = T::Quad::load(w.as_ptr().add(c));
                for (s, a) in acc.iter_mut().enumerate() {
                    let row = T::Quad::load(m.as_ptr().add(s * len + c));
                    *a = a.add(row.mul(v));
                }
            }
            let mut sums = [T::zero(); 4];
            T::lane_sums(acc[0], acc[1], acc[2], acc[3]).store(sums.as_mut_ptr());
            sums
        }
    }

    #[inline(always)]
    fn sub4(w: &mut [T], m: &[T], x: [T; 4]) {
        let len = w.len();
        assert!(len.is_multiple_of(4), "sub4 needs a multiple of 4");
        let m = &m[..4 * len];
        // SAFETY: as in `dot4`.
        unsafe {
            let xs = x.map(|v| T::Quad::splat(v));
            for c in (0..len).step_by(4) {
                let p = w.as_mut_ptr().add(c);
                let mut y = T::Quad::load(p);
                for (s, xv) in xs.iter().enumerate() {
                    let row = T::Quad::load(m.as_ptr().add(s * len + c));
                    y = y.sub(row.mul(*xv));
                }
                y.store(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The four kernels' results with kernels K, on fixed data of type T.
    struct Sample<T>(std::marker::PhantomData<T>);

    type Results<T> = (Vec<T>, [T; 4], Vec<T>, Vec<T>);

    impl<T: Lanes> WithKernels<T> for Sample<T> {
        type Output = Results<T>;
        #[inline(always)]
        fn run<K: Kernels<T>>(self) -> Self::Output {
            let value = |k: usize, f: f64| T::of((k as f64 * f).sin() * 1e2);
            let a: Vec<T> = (0..23).map(|k| value(k, 0.37)).collect();
            let b: Vec<T> = (0..23).map(|k| value(k, 1.91)).collect();
            let dots = [0, 1, 3, 4, 7, 18, 20, 23]
                .map(|len| K::dot(&a[..len], &b[..len]))
                .to_vec();
            let m: Vec<T> = (0..80).map(|k| value(k, 0.71)).collect();
            let w: Vec<T> = (0..20).map(|k| value(k, 0.13)).collect();
            let four = K::dot4(&m, &w);
            let mut subbed = w.clone();
            K::sub4(&mut subbed, &m, [0.1, -0.2, 0.3, 0.4].map(T::of));
            // 16 entries (whole blocks in both precisions), 11 columns (two register chunks,
            // the second partial).
            let mut columns = m[..16].to_vec();
            K::axpy_neg_columns(&mut columns, &[&m[..], &m[..], &m[..16]].concat(), &b[..11]);
            (dots, four, subbed, columns)
        }
    }

    fn agree<T: Lanes>() {
        let portable = Sample::<T>(Default::default()).run::<Portable>();
        assert_eq!(portable, dispatch(Sample::<T>(Default::default())));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            let avx2 = unsafe { run_avx2(Sample::<T>(Default::default())) };
            assert_eq!(portable, avx2);
        }
    }

    #[test]
    fn avx2_and_portable_kernels_agree_bit_for_bit_in_both_precisions() {
        agree::<f64>();
        agree::<f32>();
        let s = <Portable as Kernels<f64>>::dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5]);
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
        let mut y = start;
        Portable::axpy_neg_columns(&mut y, &blocked, &x);
        assert_eq!(y, expected);
    }
}
