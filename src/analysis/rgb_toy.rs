//! Paper 001's toy spectra (Qin et al., Figure 1): every colour (R, G, B) in [0, 1]^3 gives a
//! spectrum f(t) = tanh(20 [t - 2 (R - 0.5)]) + SELU(t - 2 (G - 0.5)) + sigmoid(-20 [t - (B - 0.5)])
//! over 25 time steps, mimicking switching spectra: ordinal, nonlinear, with phase shifts.
//!
//! The paper does not give the time grid. Its switching points lie at t = 2 (R - 0.5) and
//! 2 (G - 0.5), both in [-1, 1], and t = B - 0.5 in [-0.5, 0.5]; ferrolab's default grid is 25
//! evenly spaced steps over [-1.2, 1.2], which contains all three for every colour with a
//! margin of 0.2 (two steps) at each end, so even the extreme colours show a switch.

use crate::rng::Xoshiro256;
use ndarray::Array2;

/// SELU's constants (Klambauer et al. 2017), as PyTorch and TensorFlow use them.
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

fn selu(x: f64) -> f64 {
    SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The toy function at time `t` for colour (`r`, `g`, `b`).
///
/// ```
/// use ferrolab::analysis::rgb_toy_value;
/// // Grey (0.5, 0.5, 0.5) at t = 0: tanh(0) + SELU(0) + sigmoid(0) = 0.5.
/// assert_eq!(rgb_toy_value(0.0, 0.5, 0.5, 0.5), 0.5);
/// ```
pub fn rgb_toy_value(t: f64, r: f64, g: f64, b: f64) -> f64 {
    (20.0 * (t - 2.0 * (r - 0.5))).tanh()
        + selu(t - 2.0 * (g - 0.5))
        + sigmoid(-20.0 * (t - (b - 0.5)))
}

/// Size, time grid and seed of a toy dataset. Defaults: paper 001's 10,000 spectra of 25
/// steps, t evenly spaced over [-1.2, 1.2], seed 0.
#[derive(Clone, Debug, PartialEq)]
pub struct RgbToySpec {
    /// Number of spectra (colours drawn uniformly from [0, 1]^3).
    pub spectra: usize,
    /// Time steps per spectrum.
    pub steps: usize,
    /// First and last time.
    pub t_range: [f64; 2],
    /// Seed of the colours.
    pub seed: u64,
}

impl Default for RgbToySpec {
    fn default() -> Self {
        Self {
            spectra: 10_000,
            steps: 25,
            t_range: [-1.2, 1.2],
            seed: 0,
        }
    }
}

/// A toy dataset: the time grid, the colour of every spectrum and the spectra.
#[derive(Clone, Debug)]
pub struct RgbToy {
    /// Time of each step.
    pub t: Vec<f64>,
    /// Colours, spectra x 3 (R, G, B).
    pub rgb: Array2<f64>,
    /// Spectra, spectra x steps.
    pub spectra: Array2<f64>,
}

/// Draw a toy dataset.
///
/// ```
/// use ferrolab::analysis::{RgbToySpec, rgb_toy};
/// let toy = rgb_toy(&RgbToySpec { spectra: 4, ..Default::default() });
/// assert_eq!(toy.spectra.dim(), (4, 25));
/// assert_eq!((toy.t[0], toy.t[24]), (-1.2, 1.2));
/// ```
pub fn rgb_toy(spec: &RgbToySpec) -> RgbToy {
    let [t0, t1] = spec.t_range;
    let last = spec.steps.saturating_sub(1).max(1) as f64;
    let t: Vec<f64> = (0..spec.steps)
        .map(|k| t0 + (t1 - t0) * k as f64 / last)
        .collect();
    let mut rng = Xoshiro256::seed_from_u64(spec.seed);
    let rgb = Array2::from_shape_simple_fn((spec.spectra, 3), || rng.uniform());
    let spectra = Array2::from_shape_fn((spec.spectra, spec.steps), |(i, k)| {
        rgb_toy_value(t[k], rgb[[i, 0]], rgb[[i, 1]], rgb[[i, 2]])
    });
    RgbToy { t, rgb, spectra }
}
