//! The 9-parameter switching-loop function of the BEPS literature (the one BGlib fits) and its
//! bounded Levenberg-Marquardt fit with an analytic Jacobian and a data-driven start.
//!
//! The loop is measured over one voltage cycle; the first half of the points is branch 1, the
//! second half branch 2. On a branch with coercive voltage c and widths (b_lo, b_hi):
//! `g = (b_hi - b_lo)/2 (erf(d (v - c)) + 1) + b_lo` (b_lo below c, b_hi above, d = 1000 /V),
//! `y = (g erf((v - c)/g) + b_lo) / (b_lo + b_hi)` (from 0 far below c to 1 far above), and
//! `f = a0 + a1 y + a4 v`. Branch 1 uses (a2, b0, b1), branch 2 (a3, b2, b3). So a0 is the
//! loop's floor, a1 its height, a2 and a3 the coercive voltages, a4 a linear background and
//! b0..b3 how sharply each branch turns on either side of its coercive voltage.

use crate::linalg::solve_spd;

/// Sharpness of the width switch at the coercive voltage, 1/V (BGlib's value).
const D: f64 = 1000.0;

/// A fitted loop.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopFit {
    /// a0, a1, a2, a3, a4, b0, b1, b2, b3.
    pub params: [f64; 9],
    /// Coefficient of determination.
    pub r2: f64,
    /// True when the iteration converged.
    pub converged: bool,
}

fn erf_prime(x: f64) -> f64 {
    std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp()
}

/// Value of one branch point and its derivatives with respect to (c, b_lo, b_hi), times a1
/// added by the caller.
fn branch(v: f64, c: f64, bl: f64, bh: f64) -> (f64, [f64; 3]) {
    let u = v - c;
    let s = libm::erf(u * D);
    let g = 0.5 * (bh - bl) * (s + 1.0) + bl;
    let t = libm::erf(u / g);
    let e = erf_prime(u / g);
    let n = bl + bh;
    let y = (g * t + bl) / n;
    let dg_dc = -0.5 * (bh - bl) * erf_prime(u * D) * D;
    let dg_dbl = 0.5 * (1.0 - s);
    let dg_dbh = 0.5 * (s + 1.0);
    let shape = t - e * u / g;
    let dy_dc = (dg_dc * shape - e) / n;
    let dy_dbl = (dg_dbl * shape + 1.0) / n - y / n;
    let dy_dbh = dg_dbh * shape / n - y / n;
    (y, [dy_dc, dy_dbl, dy_dbh])
}

/// The loop function at `voltage` (one cycle, branch 1 = first half of the points).
///
/// ```
/// let v: Vec<f64> = (0..40).map(|k| if k < 20 { -5.0 + k as f64 / 2.0 } else { 5.0 - (k - 20) as f64 / 2.0 }).collect();
/// let f = ferrolab::beps::loop_function(&v, &[-1.0, 2.0, 1.5, -1.5, 0.0, 0.5, 0.5, 0.5, 0.5]);
/// assert!((f[0] + 1.0).abs() < 1e-6 && (f[19] - 1.0).abs() < 1e-3); // floor a0, top a0 + a1
/// ```
pub fn loop_function(voltage: &[f64], p: &[f64; 9]) -> Vec<f64> {
    let half = voltage.len() / 2;
    voltage
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let (c, bl, bh) = if k < half {
                (p[2], p[5], p[6])
            } else {
                (p[3], p[7], p[8])
            };
            p[0] + p[1] * branch(*v, c, bl, bh).0 + p[4] * v
        })
        .collect()
}

/// Value and the 9 derivatives at point k.
fn point(voltage: &[f64], k: usize, p: &[f64; 9]) -> (f64, [f64; 9]) {
    let v = voltage[k];
    let first = k < voltage.len() / 2;
    let (c, bl, bh) = if first {
        (p[2], p[5], p[6])
    } else {
        (p[3], p[7], p[8])
    };
    let (y, d) = branch(v, c, bl, bh);
    let mut g = [0.0; 9];
    g[0] = 1.0;
    g[1] = y;
    g[4] = v;
    let (ic, il, ih) = if first { (2, 5, 6) } else { (3, 7, 8) };
    g[ic] = p[1] * d[0];
    g[il] = p[1] * d[1];
    g[ih] = p[1] * d[2];
    (p[0] + p[1] * y + p[4] * v, g)
}

/// Box bounds: coercive voltages inside the voltage range, widths positive and at most the
/// range, height and background free.
fn bounds(voltage: &[f64]) -> ([f64; 9], [f64; 9]) {
    let lo_v = voltage.iter().copied().fold(f64::INFINITY, f64::min);
    let hi_v = voltage.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = (hi_v - lo_v).max(1e-12);
    let w_min = 1e-3 * span;
    let inf = f64::INFINITY;
    (
        [-inf, -inf, lo_v, lo_v, -inf, w_min, w_min, w_min, w_min],
        [inf, inf, hi_v, hi_v, inf, span, span, span, span],
    )
}

/// The data-driven start: floor and height from the loop's extremes, each branch's coercive
/// voltage where it crosses mid-height, widths a tenth of the voltage range.
///
/// ```
/// let v = [-2.0, -1.0, 0.0, 1.0, 2.0, 2.0, 1.0, 0.0, -1.0, -2.0];
/// let r = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0];
/// let p = ferrolab::beps::loop_initial_guess(&v, &r);
/// assert_eq!((p[0], p[1]), (0.0, 1.0)); // floor and height
/// assert_eq!((p[2], p[3]), (0.5, -0.5)); // mid-height crossings of the two branches
/// ```
pub fn loop_initial_guess(voltage: &[f64], response: &[f64]) -> [f64; 9] {
    let lo = response.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = response.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mid = 0.5 * (lo + hi);
    let half = voltage.len() / 2;
    let crossing = |range: std::ops::Range<usize>| -> f64 {
        let idx: Vec<usize> = range.collect();
        idx.windows(2)
            .find(|w| (response[w[0]] - mid) * (response[w[1]] - mid) <= 0.0)
            .map(|w| {
                let (r0, r1) = (response[w[0]], response[w[1]]);
                let t = if r1 != r0 {
                    (mid - r0) / (r1 - r0)
                } else {
                    0.5
                };
                voltage[w[0]] + t * (voltage[w[1]] - voltage[w[0]])
            })
            .unwrap_or(voltage[idx[idx.len() / 2]])
    };
    let (lower, upper) = bounds(voltage);
    let width = 0.1 * (upper[2] - lower[2]);
    [
        lo,
        hi - lo,
        crossing(0..half),
        crossing(half..voltage.len()),
        0.0,
        width,
        width,
        width,
        width,
    ]
}

/// Fit the loop function to `response` over `voltage` (one cycle, equal lengths, at least 10
/// points), from [`loop_initial_guess`] unless `start` is given.
///
/// ```
/// use ferrolab::beps::{fit_loop, loop_function};
/// let v: Vec<f64> = (0..64).map(|k| if k < 32 { -8.0 + 16.0 * k as f64 / 31.0 } else { 8.0 - 16.0 * (k - 32) as f64 / 31.0 }).collect();
/// let truth = [-1.0, 2.0, 2.0, -1.5, 0.01, 1.0, 1.5, 1.2, 0.8];
/// let fit = fit_loop(&v, &loop_function(&v, &truth), None);
/// assert!(fit.r2 > 0.999999);
/// assert!((fit.params[2] - 2.0).abs() < 1e-3 && (fit.params[3] + 1.5).abs() < 1e-3);
/// ```
// Index loops read best for the 9 x 9 normal equations.
#[allow(clippy::needless_range_loop)]
pub fn fit_loop(voltage: &[f64], response: &[f64], start: Option<[f64; 9]>) -> LoopFit {
    let nan = LoopFit {
        params: [f64::NAN; 9],
        r2: f64::NAN,
        converged: false,
    };
    let n = voltage.len();
    if n < 10 || response.len() != n || voltage.iter().chain(response).any(|x| !x.is_finite()) {
        return nan;
    }
    let (lower, upper) = bounds(voltage);
    let clamp =
        |p: [f64; 9]| -> [f64; 9] { std::array::from_fn(|i| p[i].clamp(lower[i], upper[i])) };
    let mut p = clamp(start.unwrap_or_else(|| loop_initial_guess(voltage, response)));
    let ssr_of = |p: &[f64; 9]| -> f64 {
        loop_function(voltage, p)
            .iter()
            .zip(response)
            .map(|(f, r)| (f - r).powi(2))
            .sum()
    };
    let mut ssr = ssr_of(&p);
    let mut lambda = 1e-3;
    let mut converged = false;
    for _ in 0..500 {
        let mut jtj = [[0.0; 9]; 9];
        let mut jtr = [0.0; 9];
        for k in 0..n {
            let (f, g) = point(voltage, k, &p);
            let r = f - response[k];
            for a in 0..9 {
                jtr[a] += g[a] * r;
                for b in 0..=a {
                    jtj[a][b] += g[a] * g[b];
                }
            }
        }
        for a in 0..9 {
            for b in a + 1..9 {
                jtj[a][b] = jtj[b][a];
            }
        }
        let mut improved = false;
        while lambda < 1e12 {
            let mut m = jtj;
            for (a, row) in m.iter_mut().enumerate() {
                row[a] += lambda * jtj[a][a].max(1e-12);
            }
            if let Some(step) = solve_spd(&m, &jtr.map(|x| -x)) {
                let trial = clamp(std::array::from_fn(|i| p[i] + step[i]));
                let trial_ssr = ssr_of(&trial);
                if trial_ssr < ssr {
                    let relative = (ssr - trial_ssr) / ssr.max(1e-300);
                    p = trial;
                    ssr = trial_ssr;
                    lambda = (lambda * 0.3).max(1e-12);
                    improved = true;
                    if relative < 1e-12 {
                        converged = true;
                    }
                    break;
                }
            }
            lambda *= 10.0;
        }
        if !improved {
            // No step lowers the residual: a minimum within the bounds.
            converged = true;
        }
        if converged {
            break;
        }
    }
    let mean = response.iter().sum::<f64>() / n as f64;
    let sst: f64 = response.iter().map(|r| (r - mean).powi(2)).sum();
    LoopFit {
        params: p,
        r2: if sst > 0.0 { 1.0 - ssr / sst } else { f64::NAN },
        converged,
    }
}

/// The order in which to read a loop so that it starts at its most negative voltage: the
/// loop function's branch 1 is the first half of the points, which must be the rising sweep.
/// Acquisition often starts at 0 V (0 -> +V -> -V -> 0), hence the roll.
///
/// ```
/// let order = ferrolab::beps::rising_first(&[0.0, 5.0, 0.0, -5.0]);
/// assert_eq!(order, vec![3, 0, 1, 2]);
/// ```
pub fn rising_first(voltage: &[f64]) -> Vec<usize> {
    let n = voltage.len();
    let start = (0..n)
        .min_by(|a, b| voltage[*a].total_cmp(&voltage[*b]))
        .unwrap_or(0);
    (0..n).map(|k| (start + k) % n).collect()
}

/// [`fit_loop`] on every row of `loops` (n x steps) in parallel on the worker pool.
///
/// ```
/// let v: Vec<f64> = (0..20).map(|k| if k < 10 { k as f64 - 5.0 } else { 14.0 - k as f64 }).collect();
/// let loops = ndarray::Array2::from_shape_fn((3, 20), |(i, k)| ((v[k] - i as f64 * 0.1) * 2.0).tanh());
/// assert_eq!(ferrolab::beps::fit_loops(&v, loops.view()).len(), 3);
/// ```
pub fn fit_loops(voltage: &[f64], loops: ndarray::ArrayView2<f64>) -> Vec<LoopFit> {
    use rayon::prelude::*;
    let rows: Vec<Vec<f64>> = loops.rows().into_iter().map(|r| r.to_vec()).collect();
    crate::parallel::install(|| {
        rows.par_iter()
            .map(|r| fit_loop(voltage, r, None))
            .collect()
    })
    .unwrap_or_else(|_| rows.iter().map(|r| fit_loop(voltage, r, None)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analytic Jacobian against central differences, away from the width switch.
    #[test]
    fn jacobian_matches_finite_differences() {
        let v: Vec<f64> = (0..40)
            .map(|k| {
                if k < 20 {
                    -5.0 + 0.5 * k as f64 + 0.013
                } else {
                    5.0 - 0.5 * (k - 20) as f64 + 0.013
                }
            })
            .collect();
        let p = [-0.5, 2.0, 1.3, -1.7, 0.02, 0.9, 1.4, 1.1, 0.7];
        for k in 0..v.len() {
            let (_, g) = point(&v, k, &p);
            for a in 0..9 {
                let h = 1e-6;
                let (mut up, mut down) = (p, p);
                up[a] += h;
                down[a] -= h;
                let fd = (point(&v, k, &up).0 - point(&v, k, &down).0) / (2.0 * h);
                assert!(
                    (fd - g[a]).abs() < 1e-6 * (1.0 + g[a].abs()),
                    "point {k}, parameter {a}: {fd} vs {}",
                    g[a]
                );
            }
        }
    }
}
