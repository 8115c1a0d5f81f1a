//! Features of a sampled P-V hysteresis loop (physics spec §9 and §15.4): coercive field,
//! remanent and saturation polarization, loop area, imprint, offset and zero crossings.
//!
//! Works on any sampling: any start point, direction, length or number of cycles. The samples
//! are split into branches at the extrema of V; a sequence whose last step leads back to its
//! first sample (or ends on it) is closed into a cycle; with several cycles the last complete
//! up and down branches are used. Sign convention: a ferroelectric loop is traversed
//! counter-clockwise in the (V, P) plane (P rises on the up branch after the coercive
//! voltage); a clockwise loop gets the features of its mirror P -> -P.
//!
//! ```
//! use ferrolab::loops::features::loop_features;
//! // A square-ish loop on 8 samples: -1 V .. 1 V and back, switching at +-0.5 V.
//! let v = [-1.0, -0.5, 0.0, 0.5, 1.0, 0.5, 0.0, -0.5];
//! let p = [-0.2, -0.2, -0.2, -0.1, 0.2, 0.2, 0.2, 0.1];
//! let f = loop_features(&v, &p, 10e-9)?;
//! assert_eq!(f.remanent_polarization, 0.2);
//! assert_eq!(f.saturation_polarization, 0.2);
//! assert_eq!((f.crossings_up, f.crossings_down), (1, 1));
//! # Ok::<(), ferrolab::loops::features::LoopError>(())
//! ```

/// The features of one loop cycle. Polarizations in C/m², voltages in V; NaN where a feature
/// is undefined (no zero crossing, or the branch does not reach V = 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopFeatures {
    /// Coercive field Ec = (V_c+ − V_c−) / (2h), MV/cm.
    pub coercive_field_mv_per_cm: f64,
    /// Voltage where P last crosses zero upwards on the up branch, V.
    pub coercive_voltage_up: f64,
    /// Voltage where P last crosses zero downwards on the down branch, V.
    pub coercive_voltage_down: f64,
    /// Remanent polarization Pr = (P_down(0) − P_up(0)) / 2, C/m².
    pub remanent_polarization: f64,
    /// Saturation polarization Ps = (P at the top of the up branch − P at the bottom of the
    /// down branch) / 2, C/m².
    pub saturation_polarization: f64,
    /// Loop area |∮ P dV| (shoelace over the cycle), J/m²: the energy dissipated per cycle per
    /// electrode area.
    pub area: f64,
    /// Imprint (V_c+ + V_c−) / 2, V.
    pub imprint_voltage: f64,
    /// Vertical offset (P_down(0) + P_up(0)) / 2, C/m².
    pub offset: f64,
    /// Number of sign changes of P on the up branch.
    pub crossings_up: usize,
    /// Number of sign changes of P on the down branch.
    pub crossings_down: usize,
}

/// Names of the values of [`LoopFeatures::to_array`], with their units.
pub const FEATURE_NAMES: [&str; 8] = [
    "ec_mv_per_cm",
    "pr_c_per_m2",
    "ps_c_per_m2",
    "area_j_per_m2",
    "imprint_v",
    "offset_c_per_m2",
    "crossings_up",
    "crossings_down",
];

impl LoopFeatures {
    /// The features as numbers in the order of [`FEATURE_NAMES`] (the C API's and the
    /// datasets' order).
    ///
    /// ```
    /// use ferrolab::loops::features::loop_features;
    /// let v = [-1.0, -0.5, 0.0, 0.5, 1.0, 0.5, 0.0, -0.5];
    /// let p = [-0.2, -0.2, -0.2, -0.1, 0.2, 0.2, 0.2, 0.1];
    /// assert_eq!(loop_features(&v, &p, 1e-8)?.to_array()[1], 0.2); // Pr
    /// # Ok::<(), ferrolab::loops::features::LoopError>(())
    /// ```
    pub fn to_array(&self) -> [f64; 8] {
        [
            self.coercive_field_mv_per_cm,
            self.remanent_polarization,
            self.saturation_polarization,
            self.area,
            self.imprint_voltage,
            self.offset,
            self.crossings_up as f64,
            self.crossings_down as f64,
        ]
    }
}

/// Why features could not be computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LoopError {
    /// Voltage and polarization differ in length.
    #[error("voltage has {voltage} samples but polarization has {polarization}")]
    LengthMismatch {
        /// Samples of voltage.
        voltage: usize,
        /// Samples of polarization.
        polarization: usize,
    },
    /// A sample is NaN or infinite.
    #[error("{what}[{index}] = {value} is not finite")]
    NonFinite {
        /// Which array.
        what: &'static str,
        /// Index of the first bad sample.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The thickness is not a positive length.
    #[error("thickness_m = {0} must be positive and finite")]
    Thickness(f64),
    /// The samples hold no complete up and down branch.
    #[error(
        "the {0} samples hold no complete cycle (an up branch and a down branch between voltage extrema)"
    )]
    NoCycle(usize),
}

/// A monotone run of samples, `first..=last` (indices into the possibly closed sequence).
#[derive(Clone, Copy, Debug)]
struct Branch {
    first: usize,
    last: usize,
    rising: bool,
}

/// Compute the features of the last complete cycle of a sampled loop; `thickness_m` converts
/// coercive voltages to fields.
pub fn loop_features(
    voltage: &[f64],
    polarization: &[f64],
    thickness_m: f64,
) -> Result<LoopFeatures, LoopError> {
    if voltage.len() != polarization.len() {
        return Err(LoopError::LengthMismatch {
            voltage: voltage.len(),
            polarization: polarization.len(),
        });
    }
    for (what, values) in [("voltage", voltage), ("polarization", polarization)] {
        if let Some(index) = values.iter().position(|x| !x.is_finite()) {
            return Err(LoopError::NonFinite {
                what,
                index,
                value: values[index],
            });
        }
    }
    if !(thickness_m > 0.0 && thickness_m.is_finite()) {
        return Err(LoopError::Thickness(thickness_m));
    }
    let (v, p, closed) = close_cycle(voltage, polarization);
    let branches = split_branches(&v);
    let (up, down) = last_cycle(&branches, closed, voltage.len())?;
    let (v_up, v_down) = (&v[up.first..=up.last], &v[down.first..=down.last]);
    let cycle_p = |p: &[f64]| -> (Vec<f64>, Vec<f64>) {
        (
            p[up.first..=up.last].to_vec(),
            p[down.first..=down.last].to_vec(),
        )
    };
    let (mut p_up, mut p_down) = cycle_p(&p);
    // Mirror clockwise loops; a loop of no area (a linear dielectric) has no orientation.
    let range = |x: &[f64]| {
        x.iter().fold(f64::NEG_INFINITY, |m, y| m.max(*y))
            - x.iter().fold(f64::INFINITY, |m, y| m.min(*y))
    };
    let scale = range(&v) * range(&p);
    if signed_area(v_up, &p_up, v_down, &p_down) < -1e-9 * scale {
        p_up.iter_mut()
            .chain(p_down.iter_mut())
            .for_each(|x| *x = -*x);
    }

    let vc_up = last_crossing(v_up, &p_up, true);
    let vc_down = last_crossing(v_down, &p_down, false);
    let p_up_0 = value_at_zero_volts(v_up, &p_up);
    let p_down_0 = value_at_zero_volts(v_down, &p_down);
    Ok(LoopFeatures {
        coercive_field_mv_per_cm: (vc_up - vc_down) / (2.0 * thickness_m) * 1e-8,
        coercive_voltage_up: vc_up,
        coercive_voltage_down: vc_down,
        remanent_polarization: (p_down_0 - p_up_0) / 2.0,
        saturation_polarization: (p_up[p_up.len() - 1] - p_down[p_down.len() - 1]) / 2.0,
        area: signed_area(v_up, &p_up, v_down, &p_down).abs(),
        imprint_voltage: (vc_up + vc_down) / 2.0,
        offset: (p_down_0 + p_up_0) / 2.0,
        crossings_up: sign_changes(&p_up),
        crossings_down: sign_changes(&p_down),
    })
}

/// Close a sampled cycle and start it at a voltage extremum. A sequence is closed when it ends
/// on its first voltage, or when its last step leads back to the first sample (the paper's
/// 400-point protocol): the wrap step continues the last direction and is no longer than the
/// longest step. A closed sequence is rotated to start at a turning point, so every branch is
/// complete. Returns the samples and whether they form a closed cycle.
fn close_cycle(v: &[f64], p: &[f64]) -> (Vec<f64>, Vec<f64>, bool) {
    let n = v.len();
    if n < 3 {
        return (v.to_vec(), p.to_vec(), false);
    }
    let longest = v
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f64::max);
    let last_direction = v
        .windows(2)
        .rev()
        .map(|w| w[1] - w[0])
        .find(|d| *d != 0.0)
        .unwrap_or(0.0);
    let wrap = v[0] - v[n - 1];
    // The distinct samples of the cycle, in order.
    let distinct = if wrap == 0.0 {
        n - 1
    } else if wrap.signum() == last_direction.signum() && wrap.abs() <= 1.5 * longest {
        n
    } else {
        return (v.to_vec(), p.to_vec(), false);
    };
    let step = |k: usize| v[(k + 1) % distinct] - v[k % distinct];
    let turning = (0..distinct).find(|&k| {
        let (before, after) = (step(k + distinct - 1), step(k));
        before != 0.0 && after != 0.0 && (before > 0.0) != (after > 0.0)
    });
    let Some(start) = turning else {
        return (v.to_vec(), p.to_vec(), false);
    };
    let order = (0..=distinct).map(|k| (start + k) % distinct);
    (
        order.clone().map(|k| v[k]).collect(),
        order.map(|k| p[k]).collect(),
        true,
    )
}

/// Maximal monotone runs of V (constant steps join the current run).
fn split_branches(v: &[f64]) -> Vec<Branch> {
    let mut branches: Vec<Branch> = Vec::new();
    for k in 0..v.len().saturating_sub(1) {
        let step = v[k + 1] - v[k];
        match branches.last_mut() {
            Some(b) if step == 0.0 || (step > 0.0) == b.rising => b.last = k + 1,
            _ if step == 0.0 => {}
            _ => branches.push(Branch {
                first: k,
                last: k + 1,
                rising: step > 0.0,
            }),
        }
    }
    branches
}

/// The last adjacent (up, down) pair of complete branches. In a closed cycle every branch is
/// complete; otherwise the first and last branches may be partial, so interior pairs are
/// preferred and a record with fewer than four branches uses its last pair.
fn last_cycle(branches: &[Branch], closed: bool, n: usize) -> Result<(Branch, Branch), LoopError> {
    let m = branches.len();
    if m < 2 {
        return Err(LoopError::NoCycle(n));
    }
    let k = if closed || m < 4 { m - 2 } else { m - 3 };
    let (a, b) = (branches[k], branches[k + 1]);
    Ok(if a.rising { (a, b) } else { (b, a) })
}

/// Shoelace sum over the closed polygon up branch, then down branch.
fn signed_area(v_up: &[f64], p_up: &[f64], v_down: &[f64], p_down: &[f64]) -> f64 {
    let vs: Vec<f64> = v_up.iter().chain(v_down).copied().collect();
    let ps: Vec<f64> = p_up.iter().chain(p_down).copied().collect();
    shoelace(&vs, &ps)
}

/// Signed area of the closed polygon through `(x_k, y_k)` in order, the last point joined to
/// the first (shoelace formula): positive counter-clockwise. Both slices have the same length
/// (the shorter one bounds the polygon otherwise).
pub(crate) fn shoelace(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    0.5 * (0..n)
        .map(|k| x[k] * y[(k + 1) % n] - x[(k + 1) % n] * y[k])
        .sum::<f64>()
}

/// Voltage of the last zero crossing of P (upwards when `rising`), linearly interpolated.
fn last_crossing(v: &[f64], p: &[f64], rising: bool) -> f64 {
    (0..p.len().saturating_sub(1))
        .rev()
        .find(|&k| {
            if rising {
                p[k] < 0.0 && p[k + 1] >= 0.0
            } else {
                p[k] > 0.0 && p[k + 1] <= 0.0
            }
        })
        .map_or(f64::NAN, |k| {
            let t = p[k] / (p[k] - p[k + 1]);
            v[k] + t * (v[k + 1] - v[k])
        })
}

/// P at V = 0 on a monotone branch, linearly interpolated; NaN if the branch misses 0 V.
fn value_at_zero_volts(v: &[f64], p: &[f64]) -> f64 {
    if let Some(k) = v.iter().position(|x| *x == 0.0) {
        return p[k];
    }
    (0..v.len().saturating_sub(1))
        .find(|&k| (v[k] < 0.0) != (v[k + 1] < 0.0))
        .map_or(f64::NAN, |k| {
            let t = v[k] / (v[k] - v[k + 1]);
            p[k] + t * (p[k + 1] - p[k])
        })
}

/// Number of sign changes of P (zero counts as non-negative).
fn sign_changes(p: &[f64]) -> usize {
    p.windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's protocol and a tanh loop with known coercive voltages ±1 V.
    fn tanh_loop(n: usize) -> (Vec<f64>, Vec<f64>) {
        let half = n / 2;
        let dv = 16.0 / n as f64;
        let v: Vec<f64> = (0..n)
            .map(|k| {
                if k <= half {
                    -4.0 + k as f64 * dv
                } else {
                    4.0 - (k - half) as f64 * dv
                }
            })
            .collect();
        let p = v
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                0.3 * if k <= half {
                    (x - 1.0).tanh()
                } else {
                    (x + 1.0).tanh()
                }
            })
            .collect();
        (v, p)
    }

    #[test]
    fn tanh_loop_has_analytic_features() {
        let (v, p) = tanh_loop(400);
        let f = loop_features(&v, &p, 10e-9).unwrap();
        // Crossings at exactly +-1 V are grid points (dV = 0.04 V): 1 V = 1 MV/cm at 10 nm.
        assert!((f.coercive_voltage_up - 1.0).abs() < 1e-12);
        assert!((f.coercive_voltage_down + 1.0).abs() < 1e-12);
        assert!((f.coercive_field_mv_per_cm - 1.0).abs() < 1e-12);
        assert!((f.remanent_polarization - 0.3 * 1f64.tanh()).abs() < 1e-12);
        // Top of the up branch tanh(4 - 1); bottom of the down branch is sample 0, tanh(-4 - 1).
        assert!((f.saturation_polarization - 0.15 * (3f64.tanh() + 5f64.tanh())).abs() < 1e-12);
        assert!(f.imprint_voltage.abs() < 1e-12 && f.offset.abs() < 1e-12);
        assert_eq!((f.crossings_up, f.crossings_down), (1, 1));
        // Area = ∮ P dV = 0.3 ∫_{-4}^{4} [tanh(V+1) − tanh(V−1)] dV
        //      = 0.3 [ln cosh(5) − ln cosh(3) − (ln cosh(3) − ln cosh(5))] (trapezoid error ~dV²).
        let exact = 0.3 * 2.0 * (5f64.cosh().ln() - 3f64.cosh().ln());
        assert!(
            (f.area - exact).abs() < 2e-3 * exact,
            "{} vs {exact}",
            f.area
        );
    }

    #[test]
    fn start_point_direction_cycles_and_mirror_do_not_change_features() {
        let (v, p) = tanh_loop(400);
        let base = loop_features(&v, &p, 10e-9).unwrap();
        let same = |f: LoopFeatures| {
            (f.coercive_field_mv_per_cm - base.coercive_field_mv_per_cm).abs() < 1e-12
                && (f.remanent_polarization - base.remanent_polarization).abs() < 1e-12
                && (f.saturation_polarization - base.saturation_polarization).abs() < 1e-12
                && (f.area - base.area).abs() < 1e-12
        };
        // Start at V = 0 on the up branch (k = 100).
        let rot = |x: &[f64], s: usize| [&x[s..], &x[..s]].concat();
        assert!(same(
            loop_features(&rot(&v, 100), &rot(&p, 100), 10e-9).unwrap()
        ));
        // Start at the top (k = 200): down branch first.
        assert!(same(
            loop_features(&rot(&v, 200), &rot(&p, 200), 10e-9).unwrap()
        ));
        // Two cycles back to back, closing sample included.
        let (v2, p2) = (
            [&v[..], &v[..], &v[..1]].concat(),
            [&p[..], &p[..], &p[..1]].concat(),
        );
        assert!(same(loop_features(&v2, &p2, 10e-9).unwrap()));
        // Clockwise: the mirror P -> -P.
        let mirrored: Vec<f64> = p.iter().map(|x| -x).collect();
        assert!(same(loop_features(&v, &mirrored, 10e-9).unwrap()));
        // Voltage mirrored (a clockwise loop): for this point-symmetric loop, (V, P) -> (-V, -P)
        // maps the loop onto itself.
        let flipped: Vec<f64> = v.iter().map(|x| -x).collect();
        assert!(same(loop_features(&flipped, &p, 10e-9).unwrap()));
    }

    #[test]
    fn matches_the_zero_d_reference_fixed_index_rules() {
        // tests/oracles/zero_d_reference.py computes the spec §9 rules by fixed indices on its
        // own 0-D loop; the general code must give the same on the same samples.
        let text = include_str!("../../tests/oracles/zero_d_reference.txt");
        let get = |name: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} = ")))
                .unwrap()
                .parse()
                .unwrap()
        };
        // Rebuild the reference loop with the same recursion (θ = 0, Paper preset).
        let (a1, a11, a111) = (-7.79e8f64, 1.15e10, -2.51e10);
        let df = |p: f64| 2.0 * a1 * p + 4.0 * a11 * p.powi(3) + 6.0 * a111 * p.powi(5);
        let mut x = get("paper.p0");
        let (v, _) = tanh_loop(400);
        let mut pol = Vec::new();
        for &volt in &v {
            for _ in 0..50 {
                x -= 0.06 / a1.abs() * (df(x) + volt / 10e-9);
            }
            pol.push(-x);
        }
        let f = loop_features(&v, &pol, 10e-9).unwrap();
        assert!((f.coercive_field_mv_per_cm - get("t2.theta0.ec")).abs() < 1e-9);
        assert!((f.remanent_polarization - get("t2.theta0.pr")).abs() < 1e-9);
        assert!((f.saturation_polarization - get("t2.theta0.ps")).abs() < 1e-9);
        assert!((f.area - get("t2.theta0.area")).abs() < 1e-9);
    }

    #[test]
    fn a_linear_dielectric_is_not_mirrored() {
        let (v, _) = tanh_loop(40);
        let p: Vec<f64> = v.iter().map(|x| 0.025 * x).collect();
        let f = loop_features(&v, &p, 1e-8).unwrap();
        assert!((f.saturation_polarization - 0.1).abs() < 1e-12);
        assert_eq!(f.coercive_field_mv_per_cm, 0.0);
    }

    #[test]
    fn bad_inputs_are_named() {
        let e = loop_features(&[0.0, 1.0], &[0.0], 1e-8).unwrap_err();
        assert_eq!(
            e.to_string(),
            "voltage has 2 samples but polarization has 1"
        );
        let e = loop_features(&[0.0, f64::NAN], &[0.0, 0.0], 1e-8).unwrap_err();
        assert_eq!(e.to_string(), "voltage[1] = NaN is not finite");
        let e = loop_features(&[0.0, 1.0], &[0.0, 0.0], 0.0).unwrap_err();
        assert!(e.to_string().contains("thickness_m = 0"));
        let e = loop_features(&[0.0, 1.0, 2.0], &[0.0, 0.0, 0.0], 1e-8).unwrap_err();
        assert!(matches!(e, LoopError::NoCycle(3)));
    }

    #[test]
    fn a_loop_that_never_crosses_zero_has_nan_coercive_field() {
        let (v, _) = tanh_loop(40);
        let p: Vec<f64> = v.iter().map(|x| 0.5 + 0.01 * x).collect();
        let f = loop_features(&v, &p, 1e-8).unwrap();
        assert!(f.coercive_field_mv_per_cm.is_nan());
        assert_eq!((f.crossings_up, f.crossings_down), (0, 0));
        assert!(f.area < 1e-12);
    }
}
