//! The fused element-wise kernels of the fast paths: binary cross-entropy with logits (loss and
//! gradient in one pass) and squared error, written so the compiler vectorises them, with an
//! AVX2 build of the same code chosen at run time (never `target-cpu=native`).
//!
//! Hand-written because libm's `expf`/`log1pf` are scalar calls that cost more than the
//! matrix products around them at these sizes (benches/README.md). All builds round
//! identically: Rust never fuses a product and a sum into an FMA on its own.

/// `exp(t)` for `t <= 0`, within 2 ulp of the exact value for `t >= -87` (Cephes' `expf`
/// polynomial on `t - n ln 2`, `n = round(t / ln 2)`); arguments below -87 are clamped there
/// (the result, about 1.6e-38, only ever meets `1 +` or a product with a bounded factor).
#[inline(always)]
fn exp_nonpositive(t: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer in any rounding-free way
    // the compiler can vectorise (unlike `round`, a libm call on plain x86-64).
    const ROUND: f32 = 12_582_912.0;
    let t = t.max(-87.0);
    let n = (t * LOG2E + ROUND) - ROUND;
    let r = (t - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 0.166_666_65;
    p = p * r + 0.5;
    let poly = p * r * r + r + 1.0;
    let two_n = f32::from_bits(((n as i32 + 127) as u32) << 23);
    poly * two_n
}

/// `ln(1 + e)` for `0 <= e <= 1`, relative error below 1e-7: `2 atanh(s)` with
/// `s = e / (2 + e) <= 1/3`, its odd series to `s^15`.
#[inline(always)]
fn ln_one_plus(e: f32) -> f32 {
    let s = e / (2.0 + e);
    let s2 = s * s;
    let mut p = 1.0 / 15.0_f32;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    2.0 * s * p
}

const LANES: usize = 8;

/// Binary cross-entropy with logits: returns `sum_i [max(y, 0) - y x + ln(1 + e^-|y|)]` and
/// overwrites `y` with the gradient `(sigmoid(y) - x) * scale`.
#[inline(always)]
fn bce_body(y: &mut [f32], x: &[f32], scale: f32) -> f64 {
    let mut acc = [0.0f32; LANES];
    let mut tail = 0.0f32;
    let one = |v: f32, t: f32| -> (f32, f32) {
        let e = exp_nonpositive(-v.abs());
        let inv = 1.0 / (1.0 + e);
        let sigmoid = if v >= 0.0 { inv } else { e * inv };
        (v.max(0.0) - v * t + ln_one_plus(e), (sigmoid - t) * scale)
    };
    let mut ys = y.chunks_exact_mut(LANES);
    let mut xs = x.chunks_exact(LANES);
    for (yc, xc) in (&mut ys).zip(&mut xs) {
        for l in 0..LANES {
            let (loss, grad) = one(yc[l], xc[l]);
            acc[l] += loss;
            yc[l] = grad;
        }
    }
    for (v, t) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
        let (loss, grad) = one(*v, *t);
        tail += loss;
        *v = grad;
    }
    acc.iter().map(|a| f64::from(*a)).sum::<f64>() + f64::from(tail)
}

/// Squared error: returns `sum_i (y - x)^2` and overwrites `y` with `2 (y - x) scale`.
#[inline(always)]
fn squared_error_body(y: &mut [f32], x: &[f32], scale: f32) -> f64 {
    let mut acc = [0.0f32; LANES];
    let mut tail = 0.0f32;
    let mut ys = y.chunks_exact_mut(LANES);
    let mut xs = x.chunks_exact(LANES);
    for (yc, xc) in (&mut ys).zip(&mut xs) {
        for l in 0..LANES {
            let r = yc[l] - xc[l];
            acc[l] += r * r;
            yc[l] = 2.0 * r * scale;
        }
    }
    for (v, t) in ys.into_remainder().iter_mut().zip(xs.remainder()) {
        let r = *v - *t;
        tail += r * r;
        *v = 2.0 * r * scale;
    }
    acc.iter().map(|a| f64::from(*a)).sum::<f64>() + f64::from(tail)
}

/// `y = 1 / (1 + e^-y)` element-wise.
#[inline(always)]
fn sigmoid_body(y: &mut [f32]) {
    for v in y.iter_mut() {
        let e = exp_nonpositive(-v.abs());
        let inv = 1.0 / (1.0 + e);
        *v = if *v >= 0.0 { inv } else { e * inv };
    }
}

/// `y = tanh(y)` element-wise, within 3e-7 of the exact value (absolute below |y| = 0.625, where
/// an odd polynomial in `y^2` is used, relative above, from `(1 - e) / (1 + e)`, `e = exp(-2|y|)`).
#[inline(always)]
fn tanh_body(y: &mut [f32]) {
    for v in y.iter_mut() {
        let a = v.abs();
        let z = a * a;
        let mut p = -5.704_988_7e-3_f32;
        p = p * z + 2.063_909e-2;
        p = p * z - 5.373_971_6e-2;
        p = p * z + 0.133_314_42;
        p = p * z - 0.333_332_8;
        let small = p * z * a + a;
        let e = exp_nonpositive(-2.0 * a);
        let large = (1.0 - e) / (1.0 + e);
        let t = if a < 0.625 { small } else { large };
        *v = t.copysign(*v);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    // SAFETY (all three): only called after `is_x86_feature_detected!("avx2")`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn bce(y: &mut [f32], x: &[f32], scale: f32) -> f64 {
        super::bce_body(y, x, scale)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn tanh(y: &mut [f32]) {
        super::tanh_body(y)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn squared_error(y: &mut [f32], x: &[f32], scale: f32) -> f64 {
        super::squared_error_body(y, x, scale)
    }

    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn sigmoid(y: &mut [f32]) {
        super::sigmoid_body(y)
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    // SAFETY (both): only called after `is_x86_feature_detected!("avx512f")`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn tanh(y: &mut [f32]) {
        super::tanh_body(y)
    }

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sigmoid(y: &mut [f32]) {
        super::sigmoid_body(y)
    }
}

fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Binary cross-entropy with logits `y` against targets `x` in [0, 1]: the loss summed over
/// the elements; `y` is overwritten with the loss gradient times `scale`.
///
/// ```
/// let mut y = vec![0.0f32, 2.0];
/// let loss = ferrolab::nn::elementwise::bce_with_logits(&mut y, &[1.0, 0.0], 1.0);
/// let exact = 2f64.ln() + (1.0 + 2f64.exp()).ln();
/// assert!((loss - exact).abs() < 1e-6);
/// assert!((y[0] + 0.5).abs() < 1e-7); // sigmoid(0) - 1
/// ```
pub fn bce_with_logits(y: &mut [f32], x: &[f32], scale: f32) -> f64 {
    assert_eq!(y.len(), x.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 detected.
        return unsafe { avx2::bce(y, x, scale) };
    }
    bce_body(y, x, scale)
}

/// Squared error of `y` against `x`, summed; `y` is overwritten with its gradient times
/// `scale`.
///
/// ```
/// let mut y = vec![1.0f32, 3.0];
/// assert_eq!(ferrolab::nn::elementwise::squared_error(&mut y, &[0.0, 1.0], 0.5), 5.0);
/// assert_eq!(y, vec![1.0, 2.0]);
/// ```
pub fn squared_error(y: &mut [f32], x: &[f32], scale: f32) -> f64 {
    assert_eq!(y.len(), x.len());
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 detected.
        return unsafe { avx2::squared_error(y, x, scale) };
    }
    squared_error_body(y, x, scale)
}

/// The logistic function in place.
///
/// ```
/// let mut y = vec![0.0f32, 100.0, -100.0];
/// ferrolab::nn::elementwise::sigmoid(&mut y);
/// assert_eq!(y[0], 0.5);
/// assert_eq!(y[1], 1.0);
/// assert!(y[2] < 1e-37);
/// ```
pub fn sigmoid(y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: AVX-512F detected.
        return unsafe { avx512::sigmoid(y) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 detected.
        return unsafe { avx2::sigmoid(y) };
    }
    sigmoid_body(y)
}

/// The hyperbolic tangent in place.
///
/// ```
/// let mut y = vec![0.0f32, 0.5, -3.0, 100.0];
/// ferrolab::nn::elementwise::tanh(&mut y);
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 0.5f32.tanh()).abs() < 1e-7);
/// assert!((y[2] + 3f32.tanh()).abs() < 1e-7);
/// assert_eq!(y[3], 1.0);
/// ```
pub fn tanh(y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: AVX-512F detected.
        return unsafe { avx512::tanh(y) };
    }
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: AVX2 detected.
        return unsafe { avx2::tanh(y) };
    }
    tanh_body(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against f64 libm from 0 to 20 in both signs, and the build chosen at run time (AVX-512
    /// or AVX2) bit-equal to the plain.
    #[test]
    fn tanh_matches_libm_and_builds_agree() {
        let x: Vec<f32> = (-400_000..=400_000).map(|k| k as f32 * 5e-5).collect();
        let mut y = x.clone();
        tanh(&mut y);
        let worst = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (f64::from(*b) - f64::from(*a).tanh()).abs())
            .fold(0.0, f64::max);
        assert!(worst < 3e-7, "tanh absolute error {worst}");
        let mut plain = x.clone();
        tanh_body(&mut plain);
        assert_eq!(plain, y);
    }

    /// The build chosen at run time bit-equal to the plain, and within 1e-7 of f64 libm.
    #[test]
    fn sigmoid_builds_agree() {
        let x: Vec<f32> = (-200_000..=200_000).map(|k| k as f32 * 5e-4).collect();
        let mut y = x.clone();
        sigmoid(&mut y);
        let mut plain = x.clone();
        sigmoid_body(&mut plain);
        assert_eq!(plain, y);
        for (a, b) in x.iter().zip(&y) {
            let exact = 1.0 / (1.0 + (-f64::from(*a)).exp());
            assert!((f64::from(*b) - exact).abs() < 1e-7, "{a}");
        }
    }

    /// Against f64 libm over the whole range the loss meets.
    #[test]
    fn exp_and_ln_one_plus_match_libm() {
        let mut worst = (0.0f64, 0.0f64);
        for k in 0..=200_000 {
            let t = -87.0 * k as f64 / 200_000.0;
            let exact = t.exp();
            let rel =
                (f64::from(exp_nonpositive(t as f32)) - (t as f32 as f64).exp()).abs() / exact;
            worst.0 = worst.0.max(rel);
            let e = (k as f64 / 200_000.0) as f32;
            let exact = (1.0 + f64::from(e)).ln();
            if e > 0.0 {
                let rel = (f64::from(ln_one_plus(e)) - exact).abs() / exact;
                worst.1 = worst.1.max(rel);
            }
        }
        assert!(worst.0 < 2.5e-7, "exp relative error {}", worst.0);
        assert!(worst.1 < 2.5e-7, "ln(1+e) relative error {}", worst.1);
    }

    /// Loss and gradient against the f64 formulas, and the AVX2 build bit-equal to the plain.
    #[test]
    fn bce_matches_f64_reference_and_builds_agree() {
        let n = 1003;
        let y: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.37).sin() * 30.0).collect();
        let x: Vec<f32> = (0..n)
            .map(|i| ((i as f32) * 0.11).cos() * 0.5 + 0.5)
            .collect();
        let mut g = y.clone();
        let loss = bce_with_logits(&mut g, &x, 0.5);
        let mut exact = 0.0;
        for i in 0..n {
            let (v, t) = (f64::from(y[i]), f64::from(x[i]));
            exact += v.max(0.0) - v * t + (1.0 + (-v.abs()).exp()).ln();
            let grad = (1.0 / (1.0 + (-v).exp()) - t) * 0.5;
            assert!((f64::from(g[i]) - grad).abs() < 1e-7, "{i}");
        }
        assert!((loss - exact).abs() < 1e-6 * exact, "{loss} {exact}");
        let mut plain = y.clone();
        let plain_loss = bce_body(&mut plain, &x, 0.5);
        assert_eq!(plain_loss, loss);
        assert_eq!(plain, g);
    }
}
