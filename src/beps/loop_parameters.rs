//! Switching parameters of a fitted BEPS loop (paper 003's analysis): coercive voltages,
//! width, imprint, the responses of the two states, switchable response, loop area and
//! nucleation biases. The area comes from the loop-feature code the phase-field engine uses
//! (`crate::loops::features`), applied to the fitted loop.
//!
//! V+, V-, imprint, R+, R- and the switchable response are BGlib's definitions (checked in
//! tests/suite/beps.rs against tests/oracles/switching_reference.py). The nucleation biases are the
//! exact voltages where the fitted branch has switched 3 % of its height; BGlib's closed form
//! tries the width below the coercive voltage first and keeps its answer even when it lands
//! above it, where the branch uses the other width, so it differs from the branch's root
//! when the two widths differ (5 of the 6 reference loops, by up to 0.4 V).

use super::loop_fit::{LoopFit, loop_function};
use crate::loops::features::loop_features;

/// Fraction of a branch's height at which switching counts as nucleated.
pub const NUCLEATION_FRACTION: f64 = 0.03;

/// The switching parameters of one loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopParameters {
    /// Positive coercive voltage, V (the larger of a2 and a3).
    pub v_plus: f64,
    /// Negative coercive voltage, V (the smaller).
    pub v_minus: f64,
    /// Loop width V+ - V-, V.
    pub width: f64,
    /// Imprint (V+ + V-) / 2, V.
    pub imprint: f64,
    /// Response of the upper state, a0 + a1 (background excluded).
    pub r_plus: f64,
    /// Response of the lower state, a0.
    pub r_minus: f64,
    /// Switchable response a1.
    pub switchable: f64,
    /// Loop area |∮ f dV| of the fitted loop over the measured voltages (response x V).
    pub area: f64,
    /// Nucleation bias of branch 1 (first half of the points): the voltage where it has
    /// switched [`NUCLEATION_FRACTION`] of its height, counted from the state it starts in.
    pub nucleation_1: f64,
    /// Nucleation bias of branch 2.
    pub nucleation_2: f64,
}

impl LoopParameters {
    /// The ten values in field order: V+, V-, width, imprint, R+, R-, switchable, area,
    /// nucleation biases 1 and 2 (the column order of `ferrolab_loop_parameters` and of
    /// `ferrolab beps fit`'s `switching` array).
    ///
    /// ```
    /// use ferrolab::beps::{LoopFit, loop_parameters};
    /// let v = [-2.0, 0.0, 2.0, 0.0];
    /// let fit = LoopFit { params: [0.0, 1.0, 1.0, -1.0, 0.0, 0.1, 0.1, 0.1, 0.1], r2: 1.0, converged: true };
    /// let s = loop_parameters(&v, &fit);
    /// assert_eq!(s.to_array()[..2], [s.v_plus, s.v_minus]);
    /// ```
    pub fn to_array(&self) -> [f64; 10] {
        [
            self.v_plus,
            self.v_minus,
            self.width,
            self.imprint,
            self.r_plus,
            self.r_minus,
            self.switchable,
            self.area,
            self.nucleation_1,
            self.nucleation_2,
        ]
    }
}

/// The fitted branch's normalised shape y(v) (0 below the coercive voltage, 1 above).
fn branch_shape(fit: &LoopFit, branch: usize, v: f64) -> f64 {
    let p = &fit.params;
    // A two-point "cycle" [v, v]: point 0 lies on branch 1, point 1 on branch 2.
    let f = loop_function(&[v, v], p)[branch];
    (f - p[0] - p[4] * v) / p[1]
}

/// Where the branch's shape reaches `target`, by bisection over [lo, hi] (the shape rises
/// monotonically with v); NaN when it does not within the range.
fn solve_shape(fit: &LoopFit, branch: usize, target: f64, lo: f64, hi: f64) -> f64 {
    let g = |v: f64| branch_shape(fit, branch, v) - target;
    let (mut a, mut b) = (lo, hi);
    // NaN parameters make g NaN: no bracket, no answer (bisection would return the midpoint).
    let (ga, gb) = (g(a), g(b));
    if !(ga.is_finite() && gb.is_finite()) || ga > 0.0 || gb < 0.0 {
        return f64::NAN;
    }
    for _ in 0..100 {
        let m = 0.5 * (a + b);
        if g(m) < 0.0 {
            a = m;
        } else {
            b = m;
        }
    }
    0.5 * (a + b)
}

/// Switching parameters of `fit` for a loop measured at `voltage`; a branch of fewer than two
/// steps has no sweep direction, and its nucleation bias is NaN.
///
/// ```
/// use ferrolab::beps::{fit_loop, loop_function, loop_parameters};
/// let v: Vec<f64> = (0..64).map(|k| if k < 32 { -8.0 + 16.0 * k as f64 / 31.0 } else { 8.0 - 16.0 * (k - 32) as f64 / 31.0 }).collect();
/// let fit = fit_loop(&v, &loop_function(&v, &[-1.0, 2.0, 2.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0]), None);
/// let s = loop_parameters(&v, &fit);
/// assert!((s.imprint - 0.5).abs() < 1e-3 && (s.width - 3.0).abs() < 1e-3);
/// ```
pub fn loop_parameters(voltage: &[f64], fit: &LoopFit) -> LoopParameters {
    let p = &fit.params;
    let (v_plus, v_minus) = (p[2].max(p[3]), p[2].min(p[3]));
    let fitted = loop_function(voltage, p);
    let area = loop_features(voltage, &fitted, 1.0).map_or(f64::NAN, |f| f.area);
    let lo = voltage.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = voltage.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let half = voltage.len() / 2;
    // A branch swept upwards starts in the lower state (nucleates at y = fraction); one swept
    // downwards starts in the upper state (nucleates at y = 1 - fraction).
    let nucleation = |branch: usize, range: std::ops::Range<usize>| {
        if range.len() < 2 {
            return f64::NAN; // no direction to sweep in
        }
        let rising = voltage[range.end - 1] > voltage[range.start];
        let target = if rising {
            NUCLEATION_FRACTION
        } else {
            1.0 - NUCLEATION_FRACTION
        };
        solve_shape(fit, branch, target, lo, hi)
    };
    LoopParameters {
        v_plus,
        v_minus,
        width: v_plus - v_minus,
        imprint: 0.5 * (v_plus + v_minus),
        r_plus: p[0] + p[1],
        r_minus: p[0],
        switchable: p[1],
        area,
        nucleation_1: nucleation(0, 0..half),
        nucleation_2: nucleation(1, half..voltage.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beps::fit_loop;

    /// One or two voltages give NaN nucleation biases, never an out-of-bounds index.
    #[test]
    fn too_short_loops_give_nan_biases() {
        let fit = LoopFit {
            params: [-1.0, 2.0, 2.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0],
            r2: f64::NAN,
            converged: true,
        };
        let one = loop_parameters(&[0.0], &fit);
        assert!(one.nucleation_1.is_nan() && one.nucleation_2.is_nan());
        assert_eq!(one.width, 3.0);
        let two = loop_parameters(&[-1.0, 1.0], &fit);
        assert!(two.nucleation_1.is_nan() && two.nucleation_2.is_nan());
    }

    /// Nucleation biases bracket the coercive voltages on the correct sides, and the area of a
    /// loop with sharp branches approaches width x height.
    #[test]
    fn nucleation_and_area_of_a_sharp_loop() {
        let v: Vec<f64> = (0..400)
            .map(|k| {
                if k < 200 {
                    -8.0 + 16.0 * k as f64 / 199.0
                } else {
                    8.0 - 16.0 * (k - 200) as f64 / 199.0
                }
            })
            .collect();
        let truth = [0.0, 1.0, 2.0, -2.0, 0.0, 0.05, 0.05, 0.05, 0.05];
        let fit = fit_loop(&v, &loop_function(&v, &truth), Some(truth));
        let s = loop_parameters(&v, &fit);
        // Branch 1 rises through +2 V and starts switching just below it; branch 2 falls
        // through -2 V and starts just above it.
        assert!(
            s.nucleation_1 < 2.0 && s.nucleation_1 > 1.9,
            "{}",
            s.nucleation_1
        );
        assert!(
            s.nucleation_2 > -2.0 && s.nucleation_2 < -1.9,
            "{}",
            s.nucleation_2
        );
        assert!((s.area - 4.0).abs() < 0.05, "{}", s.area);
        assert_eq!((s.v_plus, s.v_minus), (fit.params[2], fit.params[3]));
        // A failed fit (NaN parameters) gives NaN everywhere, never a made-up voltage.
        let failed = LoopFit {
            params: [f64::NAN; 9],
            r2: f64::NAN,
            converged: false,
        };
        let s = loop_parameters(&v, &failed);
        assert!(s.nucleation_1.is_nan() && s.nucleation_2.is_nan() && s.area.is_nan());
    }
}
