//! Circular statistics of angles with a symmetry period P (2 pi for a motif, pi for a wall,
//! pi/2 for a lattice variant), and models.md 2.6's metric of how well an rVAE's latent angle
//! recovers a true angle (papers 002/004). Every function maps angles to the unit circle by
//! `2 pi angle / P` and reports results in the angles' own units; wrapped results lie in
//! [-P/2, P/2). The definitions follow SciPy's `circmean`, `circvar` and `circstd` with
//! `high = P/2, low = -P/2` (`tests/oracles/circular_reference.py` checks them).

use super::AnalysisError;
use crate::limits::{bytes_of, check};
use std::f64::consts::TAU;

fn invalid(msg: String) -> AnalysisError {
    AnalysisError::Invalid(msg)
}

/// Check the period and that `angles` is non-empty and finite; return `2 pi / P`.
fn check_angles(name: &str, angles: &[f64], period: f64) -> Result<f64, AnalysisError> {
    if !(period.is_finite() && period > 0.0) {
        return Err(invalid(format!(
            "period = {period}: must be finite and greater than 0"
        )));
    }
    if angles.is_empty() {
        return Err(invalid(format!("{name}: no angles")));
    }
    if let Some(k) = angles.iter().position(|a| !a.is_finite()) {
        return Err(invalid(format!(
            "{name}[{k}] = {}: angles must be finite",
            angles[k]
        )));
    }
    Ok(TAU / period)
}

/// Check two equally long angle lists; return `2 pi / P`.
fn check_pair(
    (na, a): (&str, &[f64]),
    (nb, b): (&str, &[f64]),
    period: f64,
) -> Result<f64, AnalysisError> {
    check_angles(na, a, period)?;
    let k = check_angles(nb, b, period)?;
    if a.len() != b.len() {
        return Err(invalid(format!(
            "{nb}: {} angles for {} in {na}; they must pair up",
            b.len(),
            a.len()
        )));
    }
    Ok(k)
}

/// Sums of cos and sin of `k a` over the angles.
fn resultant(angles: &[f64], k: f64) -> (f64, f64) {
    angles.iter().fold((0.0, 0.0), |(c, s), &a| {
        let (sin, cos) = (k * a).sin_cos();
        (c + cos, s + sin)
    })
}

/// `angle` wrapped into [-P/2, P/2) by adding a multiple of `period`; NaN when the angle is
/// not finite or the period is not finite and positive.
///
/// ```
/// use ferrolab::analysis::wrap;
/// use std::f64::consts::PI;
/// assert!((wrap(3.0 * PI / 2.0, 2.0 * PI) + PI / 2.0).abs() < 1e-12);
/// assert_eq!(wrap(PI / 2.0, PI), -PI / 2.0); // P/2 itself wraps to -P/2
/// assert_eq!(wrap(0.1, 0.0).is_nan(), true);
/// ```
pub fn wrap(angle: f64, period: f64) -> f64 {
    if !(angle.is_finite() && period.is_finite() && period > 0.0) {
        return f64::NAN;
    }
    let half = period / 2.0;
    let mut r = angle - period * (angle / period + 0.5).floor();
    // Rounding can leave r a hair outside the interval.
    if r >= half {
        r -= period;
    }
    if r < -half {
        r += period;
    }
    r
}

/// The circular mean direction, in [-P/2, P/2): `P / (2 pi) atan2(sum sin, sum cos)` of the
/// angles mapped to the circle (SciPy's `circmean` on [-P/2, P/2)). When the resultant
/// vanishes the mean is undefined and the value is arbitrary (check [`resultant_length`]).
///
/// Errors: no angle, an angle not finite, a period not finite and positive.
///
/// ```
/// use ferrolab::analysis::circular_mean;
/// use std::f64::consts::PI;
/// // 170 and -170 degrees average to 180 (wrapped to -180), not 0.
/// let m = circular_mean(&[170f64.to_radians(), -170f64.to_radians()], 2.0 * PI)?;
/// assert!((m + PI).abs() < 1e-12);
/// // Walls (period pi): 80 and -80 degrees are 20 degrees apart, around 90.
/// let m = circular_mean(&[80f64.to_radians(), -80f64.to_radians()], PI)?;
/// assert!((m + PI / 2.0).abs() < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn circular_mean(angles: &[f64], period: f64) -> Result<f64, AnalysisError> {
    let k = check_angles("angles", angles, period)?;
    let (c, s) = resultant(angles, k);
    Ok(wrap(s.atan2(c) / k, period))
}

/// The mean resultant length R in [0, 1]: `|mean exp(2 pi i angle / P)|` (1 when all angles
/// agree modulo P, near 0 for angles spread evenly).
///
/// Errors: as [`circular_mean`].
///
/// ```
/// use ferrolab::analysis::resultant_length;
/// use std::f64::consts::PI;
/// assert!((resultant_length(&[0.3, 0.3 + 2.0 * PI], 2.0 * PI)? - 1.0).abs() < 1e-12);
/// assert!(resultant_length(&[0.0, PI / 2.0], PI)? < 1e-12); // opposite on the circle
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn resultant_length(angles: &[f64], period: f64) -> Result<f64, AnalysisError> {
    let k = check_angles("angles", angles, period)?;
    let (c, s) = resultant(angles, k);
    Ok((c.hypot(s) / angles.len() as f64).min(1.0))
}

/// The circular variance `1 - R` in [0, 1] (SciPy's `circvar` since 1.8).
///
/// Errors: as [`circular_mean`].
///
/// ```
/// use ferrolab::analysis::circular_variance;
/// assert!(circular_variance(&[1.0, 1.0, 1.0], 2.0)? < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn circular_variance(angles: &[f64], period: f64) -> Result<f64, AnalysisError> {
    Ok(1.0 - resultant_length(angles, period)?)
}

/// The circular standard deviation `P / (2 pi) sqrt(-2 ln R)` (SciPy's `circstd`, not
/// normalised): close to the ordinary standard deviation for concentrated angles, infinite
/// when R = 0.
///
/// Errors: as [`circular_mean`].
///
/// ```
/// use ferrolab::analysis::circular_std;
/// use std::f64::consts::PI;
/// let spread = [-0.01, 0.0, 0.01]; // rad, far below the period
/// let sd = circular_std(&spread, 2.0 * PI)?;
/// assert!((sd - (2e-4f64 / 3.0).sqrt()).abs() < 1e-6);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn circular_std(angles: &[f64], period: f64) -> Result<f64, AnalysisError> {
    let r = resultant_length(angles, period)?;
    Ok((-2.0 * r.ln()).sqrt() / (TAU / period))
}

/// The median of a non-empty list (the mean of the middle two for an even length), as NumPy's.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// `|wrap_P(phi_i - sign theta_i - offset)|` for every pair: the per-sample errors of
/// [`aligned_angle_error`] for a given alignment.
///
/// Errors: as [`aligned_angle_error`], and a sign other than +1 or -1 or an offset not finite.
///
/// ```
/// use ferrolab::analysis::aligned_errors;
/// use std::f64::consts::PI;
/// let e = aligned_errors(&[0.5, 1.0], &[0.4, 0.8], 1.0, 0.0, 2.0 * PI)?;
/// assert!((e[0] - 0.1).abs() < 1e-12 && (e[1] - 0.2).abs() < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn aligned_errors(
    phi: &[f64],
    theta: &[f64],
    sign: f64,
    offset: f64,
    period: f64,
) -> Result<Vec<f64>, AnalysisError> {
    check_pair(("phi", phi), ("theta", theta), period)?;
    if sign != 1.0 && sign != -1.0 {
        return Err(invalid(format!("sign = {sign}: must be +1 or -1")));
    }
    if !offset.is_finite() {
        return Err(invalid(format!("offset = {offset}: must be finite")));
    }
    Ok(phi
        .iter()
        .zip(theta)
        .map(|(p, t)| wrap(p - sign * t - offset, period).abs())
        .collect())
}

/// models.md 2.6's aligned angle error of latent angles `phi` against true angles `theta`
/// under symmetry period P. A model may recover the angle up to a constant offset and a
/// reflection, so for each sign s = +1, -1 the offset c_s is the circular mean of
/// `phi - s theta` on period P and the error is the median of `|wrap_P(phi - s theta - c_s)|`;
/// the result is `(median error, s, c)` of the sign with the smaller median (+1 on a tie), in
/// the angles' units (errors in [0, P/2]).
///
/// Errors: `phi` and `theta` of different lengths or empty, an angle not finite, a period not
/// finite and positive.
///
/// ```
/// use ferrolab::analysis::aligned_angle_error;
/// use std::f64::consts::PI;
/// let theta: Vec<f64> = (0..50).map(|i| 0.12 * i as f64).collect();
/// // Reflected and rotated by 1 rad: recovered exactly, with s = -1 and c = 1.
/// let phi: Vec<f64> = theta.iter().map(|t| 1.0 - t).collect();
/// let (error, s, c) = aligned_angle_error(&phi, &theta, 2.0 * PI)?;
/// assert!(error < 1e-9 && s == -1.0 && (c - 1.0).abs() < 1e-9);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn aligned_angle_error(
    phi: &[f64],
    theta: &[f64],
    period: f64,
) -> Result<(f64, f64, f64), AnalysisError> {
    check_pair(("phi", phi), ("theta", theta), period)?;
    let mut best = (f64::INFINITY, 1.0, 0.0);
    for sign in [1.0, -1.0] {
        let diff: Vec<f64> = phi.iter().zip(theta).map(|(p, t)| p - sign * t).collect();
        let offset = circular_mean(&diff, period)?;
        let errors = diff
            .iter()
            .map(|d| wrap(d - offset, period).abs())
            .collect();
        let m = median(errors);
        if m < best.0 {
            best = (m, sign, offset);
        }
    }
    Ok(best)
}

/// Circular correlation of paired angles, Jammalamadaka & SenGupta's definition
/// (*Topics in Circular Statistics*, 2001, eq. 8.2.2; astropy's `circcorrcoef`, CircStat's
/// `circ_corrcc`): with `x = 2 pi a / P`, `y = 2 pi b / P` and their circular means,
/// `sum sin(x - mean x) sin(y - mean y) / sqrt(sum sin^2(x - mean x) sum sin^2(y - mean y))`,
/// in [-1, 1]: +1 for `b = a + c`, -1 for `b = -a + c`. SciPy has no circular correlation;
/// the oracle computes this formula around SciPy's `circmean`. It depends on the means, so
/// for angles spread over the whole circle prefer [`fisher_lee_correlation`].
///
/// Errors: as [`aligned_angle_error`], and angles without spread about their mean (a zero
/// denominator).
///
/// ```
/// use ferrolab::analysis::circular_correlation;
/// use std::f64::consts::PI;
/// let a: Vec<f64> = (0..40).map(|i| (0.37 * i as f64).sin()).collect();
/// let rotated: Vec<f64> = a.iter().map(|x| x + 2.0).collect();
/// let reflected: Vec<f64> = a.iter().map(|x| 0.5 - x).collect();
/// assert!((circular_correlation(&a, &rotated, 2.0 * PI)? - 1.0).abs() < 1e-12);
/// assert!((circular_correlation(&a, &reflected, 2.0 * PI)? + 1.0).abs() < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn circular_correlation(a: &[f64], b: &[f64], period: f64) -> Result<f64, AnalysisError> {
    let k = check_pair(("a", a), ("b", b), period)?;
    let ma = circular_mean(a, period)?;
    let mb = circular_mean(b, period)?;
    let (mut num, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        let sa = (k * (x - ma)).sin();
        let sb = (k * (y - mb)).sin();
        num += sa * sb;
        saa += sa * sa;
        sbb += sb * sb;
    }
    let den = (saa * sbb).sqrt();
    if den == 0.0 {
        return Err(invalid(format!(
            "a and b: the correlation is undefined, {} has no spread about its circular mean",
            if saa == 0.0 { "a" } else { "b" }
        )));
    }
    Ok(num / den)
}

/// Fisher & Lee's circular correlation (Biometrika 70, 1983):
/// `sum_{i<j} sin(x_i - x_j) sin(y_i - y_j) / sqrt(sum_{i<j} sin^2(x_i - x_j) sum_{i<j}
/// sin^2(y_i - y_j))` with `x = 2 pi a / P`, `y = 2 pi b / P`; it needs no mean direction. It is
/// computed in O(n) from `(|S_-|^2 - |S_+|^2) / sqrt((n^2 - |C_a|^2)(n^2 - |C_b|^2))`,
/// `S_-+ = sum exp(i(x -+ y))`, `C_a = sum exp(2 i x)`, `C_b = sum exp(2 i y)`. +1 for
/// `b = a + c`, -1 for `b = -a + c`.
///
/// Errors: as [`circular_correlation`] (fewer than two pairs, or angles all equal modulo P/2).
///
/// ```
/// use ferrolab::analysis::fisher_lee_correlation;
/// use std::f64::consts::PI;
/// let a: Vec<f64> = (0..64).map(|i| 0.1 * i as f64).collect(); // all round the circle
/// let b: Vec<f64> = a.iter().map(|x| 3.0 - x).collect();
/// assert!((fisher_lee_correlation(&a, &b, 2.0 * PI)? + 1.0).abs() < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn fisher_lee_correlation(a: &[f64], b: &[f64], period: f64) -> Result<f64, AnalysisError> {
    let k = check_pair(("a", a), ("b", b), period)?;
    let n = a.len() as f64;
    let (mut minus, mut plus, mut ca, mut cb) = ([0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]);
    let add = |acc: &mut [f64; 2], t: f64| {
        let (s, c) = t.sin_cos();
        acc[0] += c;
        acc[1] += s;
    };
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (k * x, k * y);
        add(&mut minus, x - y);
        add(&mut plus, x + y);
        add(&mut ca, 2.0 * x);
        add(&mut cb, 2.0 * y);
    }
    let norm2 = |v: [f64; 2]| v[0] * v[0] + v[1] * v[1];
    let (da, db) = (n * n - norm2(ca), n * n - norm2(cb));
    // Relative to n^2, spreads below rounding are none.
    let tiny = 1e-12 * n * n;
    if da <= tiny || db <= tiny {
        return Err(invalid(format!(
            "a and b: the correlation is undefined, {} has fewer than two distinct angles \
             modulo P/2",
            if da <= tiny { "a" } else { "b" }
        )));
    }
    Ok(((norm2(minus) - norm2(plus)) / (da * db).sqrt()).clamp(-1.0, 1.0))
}

/// Histogram of the angles wrapped into [-P/2, P/2), `bins` equal bins: `(counts, edges)` with
/// `bins + 1` edges `-P/2 + i P / bins`; angle a counts in bin i when `edges[i] <= wrap(a) <
/// edges[i + 1]` (NumPy's `histogram` on that range).
///
/// Errors: no angle, an angle not finite, a period not finite and positive, `bins` = 0 or
/// beyond the memory budget.
///
/// ```
/// use ferrolab::analysis::angle_histogram;
/// use std::f64::consts::PI;
/// let (counts, edges) = angle_histogram(&[0.1, 0.2, PI + 0.1, -3.0], 2.0 * PI, 4)?;
/// assert_eq!(counts, vec![2, 0, 2, 0]); // pi + 0.1 wraps to -pi + 0.1
/// assert_eq!((edges[0], edges[2], edges.len()), (-PI, 0.0, 5));
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn angle_histogram(
    angles: &[f64],
    period: f64,
    bins: usize,
) -> Result<(Vec<usize>, Vec<f64>), AnalysisError> {
    check_angles("angles", angles, period)?;
    if bins == 0 {
        return Err(invalid("bins = 0: needs at least one bin".to_owned()));
    }
    check(
        &format!("bins = {bins}"),
        bytes_of::<[f64; 2]>(&[bins.saturating_add(1)]),
    )?;
    let start = -period / 2.0;
    let step = period / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| start + i as f64 * step).collect();
    edges[bins] = period / 2.0;
    let mut counts = vec![0; bins];
    for &a in angles {
        let x = wrap(a, period);
        let mut i = (((x - start) / step) as usize).min(bins - 1);
        if x < edges[i] {
            i -= 1;
        } else if i + 1 < bins && x >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1;
    }
    Ok((counts, edges))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Angles of a small deterministic sample: a sum of incommensurate sines.
    fn sample(n: usize, spread: f64) -> Vec<f64> {
        (0..n)
            .map(|i| spread * ((0.71 * i as f64).sin() + 0.5 * (1.93 * i as f64).cos()))
            .collect()
    }

    #[test]
    fn wrap_lands_in_the_half_open_interval() {
        for period in [2.0 * PI, PI, PI / 2.0, 1.0] {
            for i in -400..400 {
                let a = 0.0371 * i as f64 * period;
                let r = wrap(a, period);
                assert!((-period / 2.0..period / 2.0).contains(&r), "{a} -> {r}");
                let turns = (a - r) / period;
                assert!((turns - turns.round()).abs() < 1e-9);
            }
            assert_eq!(wrap(-period / 2.0, period), -period / 2.0);
            assert_eq!(wrap(period / 2.0, period), -period / 2.0);
        }
        assert!(wrap(f64::NAN, 1.0).is_nan() && wrap(1.0, -1.0).is_nan());
    }

    #[test]
    fn rotated_copies_have_zero_aligned_error_for_every_period() {
        for period in [2.0 * PI, PI, PI / 2.0] {
            let theta = sample(101, period);
            for (sign, offset) in [(1.0, 0.3), (-1.0, -1.1), (1.0, 7.0)] {
                let phi: Vec<f64> = theta
                    .iter()
                    .enumerate()
                    .map(|(i, t)| sign * t + offset + period * (i % 3) as f64)
                    .collect();
                let (e, s, c) = aligned_angle_error(&phi, &theta, period).unwrap();
                assert!(e < 1e-9, "period {period}: error {e}");
                assert_eq!(s, sign);
                assert!(
                    wrap(c - offset, period).abs() < 1e-9,
                    "offset {c} for {offset}"
                );
            }
        }
    }

    #[test]
    fn noisy_angles_give_the_noise_median_and_a_flip_is_detected() {
        let period = PI;
        let theta = sample(400, 1.0);
        // A known error of +-0.05 rad on every sample, alternating: median exactly 0.05.
        let phi: Vec<f64> = theta
            .iter()
            .enumerate()
            .map(|(i, t)| 0.4 - t + if i % 2 == 0 { 0.05 } else { -0.05 })
            .collect();
        let (e, s, c) = aligned_angle_error(&phi, &theta, period).unwrap();
        assert_eq!(s, -1.0);
        assert!((e - 0.05).abs() < 1e-3, "{e}");
        assert!((c - 0.4).abs() < 1e-3);
        // Against the unflipped angles the error is large.
        let errors = aligned_errors(&phi, &theta, 1.0, c, period).unwrap();
        assert!(median(errors) > 0.3);
    }

    #[test]
    fn statistics_of_a_concentrated_sample_match_their_linear_values() {
        let a = sample(2000, 0.01);
        let mean = a.iter().sum::<f64>() / a.len() as f64;
        let var = a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / a.len() as f64;
        for period in [2.0 * PI, PI] {
            let shifted: Vec<f64> = a.iter().map(|x| x + 5.0 * period + 0.2).collect();
            let m = circular_mean(&shifted, period).unwrap();
            assert!((m - (mean + 0.2)).abs() < 1e-6);
            let sd = circular_std(&shifted, period).unwrap();
            assert!(
                (sd - var.sqrt()).abs() < 1e-3 * var.sqrt(),
                "{sd} vs {}",
                var.sqrt()
            );
            assert!((circular_variance(&shifted, period).unwrap() - 0.0).abs() < 1e-3);
        }
    }

    #[test]
    fn correlations_see_rotations_and_reflections_and_ignore_independence() {
        let a = sample(300, 2.0);
        let b: Vec<f64> = (0..300).map(|i| 3.0 * (2.9 * i as f64).sin()).collect();
        for f in [circular_correlation, fisher_lee_correlation] {
            let rot: Vec<f64> = a.iter().map(|x| x + 1.3).collect();
            let refl: Vec<f64> = a.iter().map(|x| -x).collect();
            assert!((f(&a, &rot, 2.0 * PI).unwrap() - 1.0).abs() < 1e-9);
            assert!((f(&a, &refl, 2.0 * PI).unwrap() + 1.0).abs() < 1e-9);
            assert!(f(&a, &b, 2.0 * PI).unwrap().abs() < 0.2);
        }
    }

    #[test]
    fn bad_arguments_are_named() {
        let msg = |r: Result<f64, AnalysisError>| r.unwrap_err().to_string();
        assert!(msg(circular_mean(&[], 1.0)).starts_with("angles: no angles"));
        assert!(msg(circular_mean(&[0.0, f64::NAN], 1.0)).starts_with("angles[1] = NaN"));
        assert!(msg(circular_std(&[0.0], 0.0)).starts_with("period = 0"));
        let e = aligned_angle_error(&[0.0, 1.0], &[0.0], PI).unwrap_err();
        assert!(e.to_string().starts_with("theta: 1 angles for 2 in phi"));
        assert!(msg(circular_correlation(&[1.0, 1.0], &[0.0, 2.0], PI)).contains("a has no"));
        assert!(
            msg(fisher_lee_correlation(
                &[0.0, 2.0],
                &[1.0, 1.0 + PI / 2.0],
                PI
            ))
            .contains("b has")
        );
        assert!(
            angle_histogram(&[0.0], PI, 0)
                .unwrap_err()
                .to_string()
                .starts_with("bins = 0")
        );
        assert!(aligned_errors(&[0.0], &[0.0], 0.5, 0.0, PI).is_err());
    }
}
