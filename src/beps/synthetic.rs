//! Synthetic band-excitation spectroscopy data with known parameters: the SHO forward model of
//! every pixel and voltage step, switching loops for the piezoresponse, and complex Gaussian
//! noise at a chosen signal-to-noise ratio. For tests, benchmarks and examples.

use super::sho::response;
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::Array2;

/// Size and physics of a synthetic data set. Defaults: a 60 x 60 grid, 96 voltage steps (one
/// cycle of a triangle wave of +-10 V), 64 frequency bins over 290-310 kHz, SNR 20.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticSpec {
    /// Grid rows.
    pub rows: usize,
    /// Grid columns.
    pub cols: usize,
    /// Voltage steps per pixel.
    pub steps: usize,
    /// Frequency bins.
    pub bins: usize,
    /// Band, Hz.
    pub band_hz: [f64; 2],
    /// Peak amplitude over noise standard deviation (per real and imaginary part).
    pub snr: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        Self {
            rows: 60,
            cols: 60,
            steps: 96,
            bins: 64,
            band_hz: [290e3, 310e3],
            snr: 20.0,
            seed: 0,
        }
    }
}

/// Why a synthetic data set could not be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SyntheticError {
    /// A size, the band or the SNR is unusable (the message names it).
    #[error("{0}")]
    Invalid(String),
    /// The data set would exceed the process's memory budget; nothing was allocated.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
}

impl SyntheticSpec {
    /// Refuse empty or unusable specs and data sets larger than the memory budget (the arrays
    /// and room for one copy and the file bytes of a writer).
    pub fn check(&self) -> Result<(), SyntheticError> {
        let invalid = |m: String| Err(SyntheticError::Invalid(m));
        let [f_lo, f_hi] = self.band_hz;
        if self.rows == 0 || self.cols == 0 || self.steps == 0 {
            return invalid(format!(
                "size = {} x {} x {}: rows, columns and steps must be at least 1",
                self.rows, self.cols, self.steps
            ));
        }
        if self.bins < 2 {
            return invalid(format!("bins = {}: at least 2 are needed", self.bins));
        }
        if !(f_lo.is_finite() && f_hi.is_finite() && 0.0 < f_lo && f_lo < f_hi) {
            return invalid(format!(
                "band_hz = [{f_lo}, {f_hi}]: need finite 0 < low < high"
            ));
        }
        if !(self.snr.is_finite() && self.snr > 0.0) {
            return invalid(format!("snr = {}: must be finite and positive", self.snr));
        }
        let spectra = [self.rows, self.cols, self.steps]
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d));
        let bytes =
            spectra.and_then(|n| crate::limits::bytes_of::<f64>(&[3, n, 2 * self.bins + 4]));
        let what = format!(
            "size = {} x {} x {} with {} bins",
            self.rows, self.cols, self.steps, self.bins
        );
        Ok(crate::limits::check(&what, bytes)?)
    }
}

/// A synthetic data set: spectra in C order (row, column, step), the true parameters of each
/// and the voltage of each step.
pub struct SyntheticBeps {
    /// Frequency of each bin, Hz.
    pub freq_hz: Vec<f64>,
    /// DC voltage of each step, V.
    pub voltage: Vec<f64>,
    /// Real parts, (rows * cols * steps) x bins.
    pub re: Array2<f64>,
    /// Imaginary parts, same shape.
    pub im: Array2<f64>,
    /// True amplitude, frequency (Hz), Q and phase (rad) of each spectrum.
    pub truth: Array2<f64>,
    /// Standard deviation of the noise added to each real and imaginary part.
    pub noise_std: f64,
}

/// One cycle of a triangle wave 0 -> +`amplitude` -> -`amplitude` -> 0 sampled at `steps`
/// evenly spaced phases k / steps (k = 0..steps): the first point is 0 and the last one
/// step before the return to 0, so consecutive cycles join without a repeated point. With
/// `steps` a multiple of 4 the extremes are sampled exactly (at k = steps / 4 and 3 steps / 4).
///
/// ```
/// let v = ferrolab::beps::triangle_wave(8, 2.0);
/// assert_eq!(v, vec![0.0, 1.0, 2.0, 1.0, 0.0, -1.0, -2.0, -1.0]);
/// ```
pub fn triangle_wave(steps: usize, amplitude: f64) -> Vec<f64> {
    (0..steps)
        .map(|s| {
            let t = s as f64 / steps as f64;
            amplitude
                * if t < 0.25 {
                    4.0 * t
                } else if t < 0.75 {
                    2.0 - 4.0 * t
                } else {
                    4.0 * t - 4.0
                }
        })
        .collect()
}

/// The branch of each step of a sampled voltage cycle, `s_k = sign(V_k - V_{k-1})` taken
/// cyclically (`V_{-1} = V_{n-1}`): +1 rising, -1 falling. At a turning point the step that
/// *arrives* there decides, so the maximum belongs to the rising branch and the minimum to the
/// falling one (a hysteretic sample keeps the state it arrived in); a step of zero counts as
/// rising.
///
/// ```
/// let v = ferrolab::beps::triangle_wave(8, 2.0);
/// let s = ferrolab::beps::branch_signs(&v);
/// assert_eq!(s, vec![1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0, 1.0]);
/// ```
pub fn branch_signs(voltage: &[f64]) -> Vec<f64> {
    let n = voltage.len();
    (0..n)
        .map(|k| {
            let before = voltage[(k + n - 1) % n];
            if voltage[k] >= before { 1.0 } else { -1.0 }
        })
        .collect()
}

/// Generate a data set. Per pixel: resonance 300 kHz +- 3 kHz varying smoothly over the grid,
/// Q in [80, 200], a switching loop with coercive voltages drawn around +-3 V; the response
/// amplitude follows |loop| and the phase flips by pi with the polarization's sign.
///
/// ```
/// use ferrolab::beps::{SyntheticSpec, synthetic_beps};
/// let data = synthetic_beps(&SyntheticSpec { rows: 2, cols: 3, steps: 8, ..Default::default() })?;
/// assert_eq!(data.re.dim(), (2 * 3 * 8, 64));
/// assert!(synthetic_beps(&SyntheticSpec { snr: 0.0, ..Default::default() }).is_err());
/// # Ok::<(), ferrolab::beps::SyntheticError>(())
/// ```
pub fn synthetic_beps(spec: &SyntheticSpec) -> Result<SyntheticBeps, SyntheticError> {
    spec.check()?;
    let [f_lo, f_hi] = spec.band_hz;
    let freq_hz: Vec<f64> = (0..spec.bins)
        .map(|k| f_lo + (f_hi - f_lo) * k as f64 / (spec.bins.max(2) - 1) as f64)
        .collect();
    // One triangle-wave cycle 0 -> +10 -> -10 -> 0 V.
    let voltage = triangle_wave(spec.steps, 10.0);
    let n = spec.rows * spec.cols * spec.steps;
    let mut truth = Array2::zeros((n, 4));
    let amplitude0 = 1e-3;
    let mut re = Array2::zeros((n, spec.bins));
    let mut im = Array2::zeros((n, spec.bins));
    let noise_std = amplitude0 * 150.0 / spec.snr;
    for pixel in 0..spec.rows * spec.cols {
        let (r, c) = (pixel / spec.cols, pixel % spec.cols);
        let mut rng = Xoshiro256::seed_from_u64(derive_seed(spec.seed, pixel as u64));
        let w0 = 300e3
            + 3e3 * ((r as f64 / 9.0).sin() * (c as f64 / 13.0).cos())
            + rng.uniform_in(-200.0, 200.0);
        let q = rng.uniform_in(80.0, 200.0);
        let (v_up, v_down) = (rng.uniform_in(2.0, 4.0), -rng.uniform_in(2.0, 4.0));
        let phase0 = rng.uniform_in(-0.3, 0.3);
        let mut state = -1.0f64;
        for (s, v) in voltage.iter().enumerate() {
            // Rising past v_up switches up, falling past v_down switches down.
            if *v >= v_up {
                state = 1.0;
            } else if *v <= v_down {
                state = -1.0;
            }
            let saturation = 1.0 + 0.02 * v * state;
            let amplitude = amplitude0 * saturation.max(0.1);
            let phase = if state > 0.0 {
                phase0
            } else {
                phase0 + std::f64::consts::PI
            };
            let phase = (phase + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
            let row = pixel * spec.steps + s;
            for (k, f) in freq_hz.iter().enumerate() {
                let z = response(*f, w0, amplitude, q, phase);
                let (n1, n2) = rng.normal_pair();
                re[[row, k]] = z.re + noise_std * n1;
                im[[row, k]] = z.im + noise_std * n2;
            }
            truth
                .row_mut(row)
                .assign(&ndarray::arr1(&[amplitude, w0, q, phase]));
        }
    }
    Ok(SyntheticBeps {
        freq_hz,
        voltage,
        re,
        im,
        truth,
        noise_std,
    })
}
