//! The simple harmonic oscillator (SHO) response of a cantilever in band-excitation PFM and its
//! Levenberg-Marquardt fit with an analytic Jacobian on the complex residual.
//!
//! Model (as BGlib): `R(w) = A w0^2 e^{i phi} / (w^2 - w0^2 - i w w0 / Q)`, with A the drive
//! amplitude (|R(w0)| = A Q), w0 the resonance frequency (Hz), Q the quality factor and phi
//! the phase. Frequencies are fitted in units of the band's mean frequency and responses in
//! units of the largest |R|, which keeps the normal equations well conditioned.

use super::sho_kernel::{Bins, normal_equations, ssr as ssr_at};
use crate::linalg::solve_spd;
use num_complex::Complex64;

/// Fitted SHO parameters of one spectrum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShoFit {
    /// Amplitude A (units of the response).
    pub amplitude: f64,
    /// Resonance frequency w0, Hz.
    pub frequency: f64,
    /// Quality factor Q.
    pub quality: f64,
    /// Phase phi, rad, in (-pi, pi].
    pub phase: f64,
    /// Standard errors of (A, w0, Q, phi) from the residual variance and (J^T J)^-1.
    pub std_errors: [f64; 4],
    /// Coefficient of determination of the complex fit, 1 - SSR / SST.
    pub r2: f64,
    /// Why the fit is not trustworthy, if it is not.
    pub flag: ShoFlag,
    /// Levenberg-Marquardt iterations taken.
    pub iterations: usize,
}

/// Outcome of a fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShoFlag {
    /// Converged.
    Ok,
    /// The spectrum holds NaN or infinite values (parameters are NaN).
    NonFinite,
    /// The response is zero or has no resonance to fit (parameters are NaN).
    NoSignal,
    /// The iteration limit was reached before convergence (parameters are the last iterate).
    NotConverged,
}

impl ShoFlag {
    /// Integer code for arrays and the C API: 0 ok, 1 non-finite, 2 no signal, 3 not
    /// converged.
    pub fn code(self) -> i32 {
        match self {
            ShoFlag::Ok => 0,
            ShoFlag::NonFinite => 1,
            ShoFlag::NoSignal => 2,
            ShoFlag::NotConverged => 3,
        }
    }
}

/// The SHO response at angular-or-plain frequency `w` (same unit as `w0`).
///
/// ```
/// use ferrolab::beps::sho::response;
/// let r = response(300e3, 300e3, 1e-3, 200.0, 0.0);
/// // At resonance the response is i A Q.
/// assert!((r.re).abs() < 1e-15 && (r.im - 0.2).abs() < 1e-12);
/// ```
pub fn response(w: f64, w0: f64, amplitude: f64, quality: f64, phase: f64) -> Complex64 {
    let d = Complex64::new(w * w - w0 * w0, -w * w0 / quality);
    Complex64::from_polar(amplitude * w0 * w0, phase) / d
}

/// The analytic initial guess on normalised data: w0 at the largest |R| (refined by a
/// parabola through its neighbours), Q from the half-power bandwidth, and A e^{i phi} as the
/// linear least-squares coefficient of the model shape with w0 and Q fixed.
fn initial_guess(w: &[f64], data: &[Complex64]) -> [f64; 4] {
    // Squared magnitudes: no square root per bin.
    let mag2: Vec<f64> = data.iter().map(|c| c.norm_sqr()).collect();
    let k = mag2
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(k, _)| k)
        .unwrap_or(0);
    let mut w0 = w[k];
    if k > 0 && k + 1 < w.len() {
        let (y0, y1, y2) = (mag2[k - 1].sqrt(), mag2[k].sqrt(), mag2[k + 1].sqrt());
        let denom = y0 - 2.0 * y1 + y2;
        if denom < 0.0 {
            let shift = (0.5 * (y0 - y2) / denom).clamp(-1.0, 1.0);
            w0 = w[k] + shift * 0.5 * (w[k + 1] - w[k - 1]);
        }
    }
    // Half-power points (|R| >= max / sqrt 2) on each side of the peak.
    let half = mag2[k] / 2.0;
    let left = (0..k).rev().find(|&j| mag2[j] < half).map(|j| w[j]);
    let right = (k + 1..w.len()).find(|&j| mag2[j] < half).map(|j| w[j]);
    let band = w[w.len() - 1] - w[0];
    let width = match (left, right) {
        (Some(l), Some(r)) => r - l,
        (Some(l), None) => 2.0 * (w0 - l),
        (None, Some(r)) => 2.0 * (r - w0),
        (None, None) => band,
    };
    let q = (w0 / width.max(1e-9)).clamp(1.0, 1e5);
    // Linear coefficient c = A e^{i phi} of the shape g = w0^2 / D.
    let (mut num, mut den) = (Complex64::new(0.0, 0.0), 0.0);
    for (wk, dk) in w.iter().zip(data) {
        let g = w0 * w0 / Complex64::new(wk * wk - w0 * w0, -wk * w0 / q);
        num += g.conj() * dk;
        den += g.norm_sqr();
    }
    let c = num / den.max(f64::MIN_POSITIVE);
    [c.norm(), w0, q, c.arg()]
}

/// Fit one spectrum: `freq_hz` (increasing) and the complex response `re + i im`.
///
/// ```
/// use ferrolab::beps::sho::{ShoFlag, fit, response};
/// let f: Vec<f64> = (0..64).map(|k| 290e3 + 20e3 * k as f64 / 63.0).collect();
/// let r: Vec<_> = f.iter().map(|w| response(*w, 301e3, 2e-3, 150.0, 0.4)).collect();
/// let re: Vec<f64> = r.iter().map(|c| c.re).collect();
/// let im: Vec<f64> = r.iter().map(|c| c.im).collect();
/// let s = fit(&f, &re, &im);
/// assert_eq!(s.flag, ShoFlag::Ok);
/// assert!((s.frequency - 301e3).abs() < 1e-3 && (s.quality - 150.0).abs() < 1e-6);
/// ```
pub fn fit(freq_hz: &[f64], re: &[f64], im: &[f64]) -> ShoFit {
    let failed = |flag| ShoFit {
        amplitude: f64::NAN,
        frequency: f64::NAN,
        quality: f64::NAN,
        phase: f64::NAN,
        std_errors: [f64::NAN; 4],
        r2: f64::NAN,
        flag,
        iterations: 0,
    };
    let n = freq_hz.len();
    if n < 5 || re.len() != n || im.len() != n {
        return failed(ShoFlag::NoSignal);
    }
    if freq_hz.iter().chain(re).chain(im).any(|v| !v.is_finite()) {
        return failed(ShoFlag::NonFinite);
    }
    let scale_w = freq_hz.iter().sum::<f64>() / n as f64;
    let scale_r = re
        .iter()
        .zip(im)
        .map(|(a, b)| a * a + b * b)
        .fold(0.0f64, f64::max)
        .sqrt();
    // NaN cannot occur here: every input was checked finite above.
    if scale_w <= 0.0 || scale_r <= 0.0 {
        return failed(ShoFlag::NoSignal);
    }
    let w: Vec<f64> = freq_hz.iter().map(|f| f / scale_w).collect();
    let data: Vec<Complex64> = re
        .iter()
        .zip(im)
        .map(|(a, b)| Complex64::new(a / scale_r, b / scale_r))
        .collect();
    let mut p = initial_guess(&w, &data);
    let bins = Bins::new(
        w,
        data.iter().map(|d| d.re).collect(),
        data.iter().map(|d| d.im).collect(),
    );
    if !p.iter().all(|v| v.is_finite()) || p[0] == 0.0 {
        return failed(ShoFlag::NoSignal);
    }
    let (mut ssr, mut jtj, mut jtr) = normal_equations(&bins, &p);
    let mut lambda = 1e-3;
    let mut converged = false;
    let mut iterations = 0;
    const MAX_ITERATIONS: usize = 200;
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let mut m = jtj;
        for (a, row) in m.iter_mut().enumerate() {
            row[a] += lambda * jtj[a][a].max(1e-30);
        }
        let Some(step) = solve_spd(&m, &jtr.map(|v| -v)) else {
            lambda *= 10.0;
            continue;
        };
        let mut trial = [
            p[0] + step[0],
            p[1] + step[1],
            p[2] + step[2],
            p[3] + step[3],
        ];
        if trial[1] <= 0.0 || trial[2] <= 0.0 {
            lambda *= 10.0;
            continue;
        }
        if trial[0] < 0.0 {
            // -A e^{i phi} = A e^{i (phi + pi)}: the same curve, positive amplitude.
            trial[0] = -trial[0];
            trial[3] += std::f64::consts::PI;
        }
        let trial_ssr = ssr_at(&bins, &trial);
        if trial_ssr < ssr {
            let relative = (ssr - trial_ssr) / ssr.max(1e-300);
            let small_step = step
                .iter()
                .zip(&p)
                .all(|(s, v)| s.abs() <= 1e-10 * (v.abs() + 1e-10));
            p = trial;
            (ssr, jtj, jtr) = normal_equations(&bins, &p);
            lambda = (lambda * 0.3).max(1e-12);
            if relative < 1e-12 || small_step || ssr < 1e-28 {
                converged = true;
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                // No direction lowers the residual: a minimum to machine precision.
                converged = true;
                break;
            }
        }
    }
    // Standard errors from the residual variance and the inverse normal matrix.
    let dof = (2 * n).saturating_sub(4).max(1) as f64;
    let sigma2 = ssr / dof;
    let mut std_errors = [f64::NAN; 4];
    for (a, se) in std_errors.iter_mut().enumerate() {
        let mut e = [0.0; 4];
        e[a] = 1.0;
        if let Some(col) = solve_spd(&jtj, &e) {
            *se = (sigma2 * col[a]).max(0.0).sqrt();
        }
    }
    let mean = data.iter().sum::<Complex64>() / n as f64;
    let sst: f64 = data.iter().map(|d| (d - mean).norm_sqr()).sum();
    let phase =
        (p[3] + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
    ShoFit {
        amplitude: p[0] * scale_r,
        frequency: p[1] * scale_w,
        quality: p[2],
        phase: if phase == -std::f64::consts::PI {
            std::f64::consts::PI
        } else {
            phase
        },
        std_errors: [
            std_errors[0] * scale_r,
            std_errors[1] * scale_w,
            std_errors[2],
            std_errors[3],
        ],
        r2: if sst > 0.0 { 1.0 - ssr / sst } else { f64::NAN },
        flag: if converged {
            ShoFlag::Ok
        } else {
            ShoFlag::NotConverged
        },
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's J^T r and J^T J against central differences of the public `response`.
    #[test]
    fn normal_equations_match_finite_differences() {
        let p: [f64; 4] = [1.3, 1.02, 80.0, 0.7];
        // 7 bins: one group of four lanes and three left over.
        let w: Vec<f64> = (0..7).map(|k| 0.97 + 0.012 * k as f64).collect();
        let data: Vec<Complex64> = w.iter().map(|x| Complex64::new(x.sin(), x.cos())).collect();
        let model = |p: &[f64; 4], x: f64| response(x, p[1], p[0], p[2], p[3]);
        let jacobian: Vec<[Complex64; 4]> = w
            .iter()
            .map(|&x| {
                std::array::from_fn(|a| {
                    let h = 1e-6 * p[a].abs().max(1.0);
                    let (mut up, mut down) = (p, p);
                    up[a] += h;
                    down[a] -= h;
                    (model(&up, x) - model(&down, x)) / (2.0 * h)
                })
            })
            .collect();
        let bins = Bins::new(
            w.clone(),
            data.iter().map(|d| d.re).collect(),
            data.iter().map(|d| d.im).collect(),
        );
        let (ssr_k, jtj, jtr) = normal_equations(&bins, &p);
        let residuals: Vec<Complex64> = w
            .iter()
            .zip(&data)
            .map(|(x, d)| model(&p, *x) - d)
            .collect();
        let ssr_ref: f64 = residuals.iter().map(|r| r.norm_sqr()).sum();
        assert!((ssr_k - ssr_ref).abs() < 1e-12 * ssr_ref);
        assert_eq!(ssr_at(&bins, &p), ssr_k);
        for a in 0..4 {
            let g: f64 = jacobian
                .iter()
                .zip(&residuals)
                .map(|(j, r)| (j[a].conj() * r).re)
                .sum();
            assert!(
                (jtr[a] - g).abs() < 1e-6 * g.abs().max(1.0),
                "J^T r[{a}]: {} vs {g}",
                jtr[a]
            );
            for b in 0..4 {
                let m: f64 = jacobian.iter().map(|j| (j[a].conj() * j[b]).re).sum();
                let tol = 1e-6 * (jtj[a][a] * jtj[b][b]).sqrt();
                assert!(
                    (jtj[a][b] - m).abs() < tol,
                    "J^T J[{a}][{b}]: {} vs {m}",
                    jtj[a][b]
                );
            }
        }
    }

    #[test]
    fn degenerate_spectra_are_flagged() {
        let f: Vec<f64> = (0..32).map(|k| 1e5 + k as f64 * 100.0).collect();
        let zero = vec![0.0; 32];
        assert_eq!(fit(&f, &zero, &zero).flag, ShoFlag::NoSignal);
        let mut nan = vec![1.0; 32];
        nan[3] = f64::NAN;
        assert_eq!(fit(&f, &nan, &zero).flag, ShoFlag::NonFinite);
        assert_eq!(fit(&f[..3], &zero[..3], &zero[..3]).flag, ShoFlag::NoSignal);
        // A flat, non-resonant response still returns numbers, never a panic.
        let flat = fit(&f, &vec![1.0; 32], &zero);
        assert!(flat.flag != ShoFlag::NonFinite);
    }
}
