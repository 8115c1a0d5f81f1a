//! Phase rotation: the instrument phase offset theta that turns fitted amplitudes and phases
//! into piezoresponse loops `A cos(phi + theta)`.
//!
//! Criterion: the two polarization states respond with opposite phases (phi and phi + pi), so
//! the responses `A e^{i phi}` lie along one line through the origin of the complex plane. The
//! theta that best separates the states rotates that line onto the real axis: it maximises
//! the spread of `A cos(phi + theta)` (equivalently minimises `sum (A sin(phi + theta))^2`),
//! which has the closed form `theta = -arg(sum A^2 e^{2 i phi}) / 2`. The remaining sign
//! (theta or theta + pi) is chosen so that theta lies in (-pi/2, pi/2].

use num_complex::Complex64;

/// The phase offset of `amplitude`/`phase` pairs (NaN pairs are skipped); NaN when no pair is
/// finite or the responses have no preferred direction.
///
/// ```
/// use ferrolab::beps::phase_rotation;
/// // Two states at phases 0.7 and 0.7 - pi.
/// let theta = phase_rotation(&[1.0, 2.0, 1.5], &[0.7, 0.7 - std::f64::consts::PI, 0.7]);
/// assert!((theta + 0.7).abs() < 1e-12);
/// ```
pub fn phase_rotation(amplitude: &[f64], phase: &[f64]) -> f64 {
    let s: Complex64 = amplitude
        .iter()
        .zip(phase)
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .map(|(a, p)| Complex64::from_polar(a * a, 2.0 * p))
        .sum();
    if s.norm() == 0.0 {
        return f64::NAN;
    }
    let theta = -0.5 * s.arg();
    // arg is in (-pi, pi], so theta is in [-pi/2, pi/2); move -pi/2 to +pi/2.
    if theta <= -std::f64::consts::FRAC_PI_2 {
        theta + std::f64::consts::PI
    } else {
        theta
    }
}

/// `A cos(phi + theta)` for every pair.
///
/// ```
/// let loop_ = ferrolab::beps::piezoresponse(&[2.0, 2.0], &[0.0, std::f64::consts::PI], 0.0);
/// assert_eq!(loop_[0], 2.0);
/// assert!((loop_[1] + 2.0).abs() < 1e-12);
/// ```
pub fn piezoresponse(amplitude: &[f64], phase: &[f64], theta: f64) -> Vec<f64> {
    amplitude
        .iter()
        .zip(phase)
        .map(|(a, p)| a * (p + theta).cos())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed form against a brute-force scan of the criterion.
    #[test]
    fn closed_form_maximises_the_spread() {
        let amplitude: Vec<f64> = (0..50)
            .map(|k| 1.0 + (k as f64 * 0.37).sin().abs())
            .collect();
        let phase: Vec<f64> = (0..50)
            .map(|k| {
                2.1 + 0.2 * (k as f64 * 1.3).cos()
                    + if k % 3 == 0 {
                        std::f64::consts::PI
                    } else {
                        0.0
                    }
            })
            .collect();
        let theta = phase_rotation(&amplitude, &phase);
        let off_axis = |t: f64| -> f64 {
            amplitude
                .iter()
                .zip(&phase)
                .map(|(a, p)| (a * (p + t).sin()).powi(2))
                .sum()
        };
        let best = (0..100_000)
            .map(|k| -std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * k as f64 / 100_000.0)
            .min_by(|a, b| off_axis(*a).total_cmp(&off_axis(*b)))
            .unwrap();
        assert!((theta - best).abs() < 1e-4, "{theta} vs {best}");
        assert!(phase_rotation(&[f64::NAN], &[0.0]).is_nan());
    }
}
