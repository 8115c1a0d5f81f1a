//! Paper 001's toy spectra (Qin et al., Figure 1): every colour (R, G, B) in [0, 1]^3 gives a
//! spectrum f(t) = tanh(20 [t - 2 (R - 0.5)]) + SELU(t - 2 (G - 0.5)) + sigmoid(-20 [t - (B - 0.5)])
//! over 25 time steps, mimicking switching spectra: ordinal, nonlinear, with phase shifts.
//!
//! The paper does not give the time grid; the code published with it (the DeepMatter package,
//! `generate_data`) uses `linspace(-1, 1, 25)`, which is ferrolab's default. The tanh and SELU
//! switches of the extreme colours (R or G near 0 or 1) then sit at the ends of the grid.
//!
//! Three sets of colours: random ones for training ([`rgb_toy`], 10,000 uniform colours in the
//! paper), and the two validation sets, which stand in for the paper's (its painting is not
//! public and its gamut sampling unstated): a 128 x 128 image with smooth, periodic and sharp
//! colour changes ([`rgb_toy_image`]) and a regular grid over the whole gamut
//! ([`rgb_toy_gamut`], 21^3 colours).

use super::AnalysisError;
use super::dense::invalid;
use crate::rng::Xoshiro256;
use ndarray::{Array2, ArrayView2};

/// SELU's constants (Klambauer et al. 2017), as PyTorch and TensorFlow use them.
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

/// Side of the validation image, pixels.
pub const RGB_IMAGE_SIDE: usize = 128;

/// Levels per colour axis of the default validation gamut (21^3 = 9,261 colours).
pub const RGB_GAMUT_LEVELS: usize = 21;

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

/// Size, time grid and seed of a toy dataset of random colours. Defaults: paper 001's 10,000
/// spectra of 25 steps, t = linspace(-1, 1, 25), seed 0.
#[derive(Clone, Debug, PartialEq)]
pub struct RgbToySpec {
    /// Number of spectra (colours drawn uniformly from [0, 1]^3).
    pub spectra: usize,
    /// Time steps per spectrum, >= 1.
    pub steps: usize,
    /// First and last time (finite, first < last when steps > 1).
    pub t_range: [f64; 2],
    /// Seed of the colours.
    pub seed: u64,
}

impl Default for RgbToySpec {
    fn default() -> Self {
        Self {
            spectra: 10_000,
            steps: 25,
            t_range: [-1.0, 1.0],
            seed: 0,
        }
    }
}

impl RgbToySpec {
    /// The time grid: `steps` evenly spaced times from `t_range[0]` to `t_range[1]`, computed
    /// as NumPy's `linspace` does (`t0 + k * step`, the last one exactly `t_range[1]`), so a
    /// Python reference sees the same floating-point grid.
    ///
    /// Errors: `steps` = 0, a non-finite or reversed `t_range`.
    ///
    /// ```
    /// let t = ferrolab::analysis::RgbToySpec::default().time_grid()?;
    /// assert_eq!((t.len(), t[0], t[12], t[24]), (25, -1.0, 0.0, 1.0));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn time_grid(&self) -> Result<Vec<f64>, AnalysisError> {
        let [t0, t1] = self.t_range;
        if self.steps == 0 {
            return invalid("steps = 0: a spectrum needs at least one time step".into());
        }
        if !(t0.is_finite() && t1.is_finite()) || (self.steps > 1 && t0 >= t1) {
            return invalid(format!(
                "t_range = [{t0}, {t1}]: it must be finite with first < last"
            ));
        }
        crate::limits::check(
            &format!("steps = {}", self.steps),
            crate::limits::bytes_of::<f64>(&[self.steps]),
        )?;
        if self.steps == 1 {
            return Ok(vec![t0]);
        }
        let step = (t1 - t0) / (self.steps - 1) as f64;
        let mut t: Vec<f64> = (0..self.steps).map(|k| t0 + k as f64 * step).collect();
        t[self.steps - 1] = t1;
        Ok(t)
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

/// Draw a toy dataset of random colours.
///
/// Errors: a bad grid ([`RgbToySpec::time_grid`]) or a dataset beyond the memory budget.
///
/// ```
/// use ferrolab::analysis::{RgbToySpec, rgb_toy};
/// let toy = rgb_toy(&RgbToySpec { spectra: 4, ..Default::default() })?;
/// assert_eq!(toy.spectra.dim(), (4, 25));
/// assert_eq!((toy.t[0], toy.t[24]), (-1.0, 1.0));
/// assert!(rgb_toy(&RgbToySpec { steps: 0, ..Default::default() }).is_err());
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn rgb_toy(spec: &RgbToySpec) -> Result<RgbToy, AnalysisError> {
    let t = spec.time_grid()?;
    check_size(spec.spectra, t.len(), "spectra")?;
    let mut rng = Xoshiro256::seed_from_u64(spec.seed);
    let rgb = Array2::from_shape_simple_fn((spec.spectra, 3), || rng.uniform());
    Ok(spectra_of(t, rgb))
}

/// The spectra of given colours (`rgb`: n x 3, each value finite) on the time grid `t`.
///
/// ```
/// use ferrolab::analysis::{RgbToySpec, rgb_toy_colours};
/// let t = RgbToySpec::default().time_grid()?;
/// let toy = rgb_toy_colours(&t, ndarray::array![[0.5, 0.5, 0.5]].view())?;
/// assert_eq!(toy.spectra[[0, 12]], 0.5);
/// assert!(rgb_toy_colours(&t, ndarray::array![[0.5, 0.5]].view()).is_err());
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn rgb_toy_colours(t: &[f64], rgb: ArrayView2<f64>) -> Result<RgbToy, AnalysisError> {
    if rgb.ncols() != 3 {
        return invalid(format!(
            "rgb has {} columns: it needs 3 (R, G, B)",
            rgb.ncols()
        ));
    }
    if let Some(((i, j), v)) = rgb.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return invalid(format!("rgb[{i}, {j}] is {v}: every value must be finite"));
    }
    if let Some((k, v)) = t.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return invalid(format!("t[{k}] is {v}: every time must be finite"));
    }
    if t.is_empty() {
        return invalid("t is empty: a spectrum needs at least one time step".into());
    }
    check_size(rgb.nrows(), t.len(), "rgb")?;
    Ok(spectra_of(t.to_vec(), rgb.to_owned()))
}

/// The validation image (128 x 128 pixels, row i, column j, pixel index i * 128 + j):
/// R = j / 127 (a ramp across), G = 0.5 + 0.5 sin(2 pi i / 64) (two periods down),
/// B = 1 inside the disc (i - 64)^2 + (j - 64)^2 < 40^2 and 0.2 outside (a sharp edge). It
/// stands in for paper 001's painting, which is not public: every colour axis varies, smoothly,
/// periodically and abruptly, so the codes can be drawn back as images.
///
/// ```
/// use ferrolab::analysis::{RgbToySpec, rgb_toy_image};
/// let image = rgb_toy_image(&RgbToySpec::default().time_grid()?)?;
/// assert_eq!((image.rgb.nrows(), image.spectra.ncols()), (128 * 128, 25));
/// assert_eq!(image.rgb.row(64).to_vec(), vec![64.0 / 127.0, 0.5, 0.2]); // row 0, column 64
/// assert_eq!(image.rgb[[64 * 128 + 64, 2]], 1.0); // the centre of the disc
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn rgb_toy_image(t: &[f64]) -> Result<RgbToy, AnalysisError> {
    let side = RGB_IMAGE_SIDE;
    let rgb = Array2::from_shape_fn((side * side, 3), |(p, c)| {
        let (i, j) = ((p / side) as f64, (p % side) as f64);
        match c {
            0 => j / (side - 1) as f64,
            1 => 0.5 + 0.5 * (std::f64::consts::TAU * i / 64.0).sin(),
            _ => {
                if (i - 64.0).powi(2) + (j - 64.0).powi(2) < 40.0f64.powi(2) {
                    1.0
                } else {
                    0.2
                }
            }
        }
    });
    rgb_toy_colours(t, rgb.view())
}

/// The validation gamut: every colour of a regular grid of `levels` values per axis over
/// [0, 1] (`levels`^3 colours; R varies slowest, B fastest). Paper 001 validates on "the full
/// RGB color gamut" without saying how it was sampled; ferrolab's default is
/// [`RGB_GAMUT_LEVELS`] = 21 levels (steps of 0.05).
///
/// Errors: `levels` < 2, a gamut beyond the memory budget.
///
/// ```
/// use ferrolab::analysis::{RgbToySpec, rgb_toy_gamut};
/// let gamut = rgb_toy_gamut(&RgbToySpec::default().time_grid()?, 21)?;
/// assert_eq!(gamut.rgb.nrows(), 9261);
/// assert_eq!(gamut.rgb.row(1).to_vec(), vec![0.0, 0.0, 0.05]);
/// assert!(rgb_toy_gamut(&[0.0], 1).is_err());
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn rgb_toy_gamut(t: &[f64], levels: usize) -> Result<RgbToy, AnalysisError> {
    if levels < 2 {
        return invalid(format!(
            "levels = {levels}: the gamut grid needs at least 2 values per axis (0 and 1)"
        ));
    }
    let n = levels
        .checked_pow(3)
        .ok_or_else(|| AnalysisError::Invalid(format!("levels = {levels}: levels^3 overflows")))?;
    check_size(n, t.len(), "levels")?;
    let last = (levels - 1) as f64;
    let rgb = Array2::from_shape_fn((n, 3), |(p, c)| {
        let index = match c {
            0 => p / (levels * levels),
            1 => (p / levels) % levels,
            _ => p % levels,
        };
        index as f64 / last
    });
    rgb_toy_colours(t, rgb.view())
}

/// Refuse `n` spectra of `steps` steps (with their colours) beyond the memory budget.
fn check_size(n: usize, steps: usize, what: &str) -> Result<(), AnalysisError> {
    use crate::limits::{bytes_of, check, total};
    let bytes = total(&[bytes_of::<f64>(&[n, steps]), bytes_of::<f64>(&[n, 3])]);
    Ok(check(
        &format!("{what}: {n} spectra of {steps} steps"),
        bytes,
    )?)
}

fn spectra_of(t: Vec<f64>, rgb: Array2<f64>) -> RgbToy {
    let spectra = Array2::from_shape_fn((rgb.nrows(), t.len()), |(i, k)| {
        rgb_toy_value(t[k], rgb[[i, 0]], rgb[[i, 1]], rgb[[i, 2]])
    });
    RgbToy { t, rgb, spectra }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The generator oracles of the design note (models.md 1.5), computed independently in
    /// float64 from the formula.
    #[test]
    fn generator_oracles() {
        let cases = [
            ([0.0, 0.5, 0.5, 0.5], 0.5),
            ([1.0, 1.0, 0.0, 1.0], 2.101_447_372_579_663_4),
            ([-1.0, 0.0, 1.0, 0.0], -0.520_211_866_464_397_2),
            ([0.25, 0.2, 0.7, 0.9], 1.707_684_911_990_027),
        ];
        for ([t, r, g, b], want) in cases {
            let got = rgb_toy_value(t, r, g, b);
            assert!(
                (got - want).abs() < 1e-12,
                "f({t}, {r}, {g}, {b}) = {got}, not {want}"
            );
        }
    }

    /// The grid is NumPy's linspace(-1, 1, 25): step 1/12 exactly at k = 12 (t = 0) and the
    /// ends exact; spectra of random colours are reproducible by seed.
    #[test]
    fn default_grid_and_seeds() {
        let spec = RgbToySpec {
            spectra: 50,
            ..Default::default()
        };
        let t = spec.time_grid().unwrap();
        for (k, v) in t.iter().enumerate() {
            assert_eq!(*v, -1.0 + k as f64 * (2.0 / 24.0), "t[{k}]");
        }
        let a = rgb_toy(&spec).unwrap();
        let b = rgb_toy(&spec).unwrap();
        let c = rgb_toy(&RgbToySpec { seed: 1, ..spec }).unwrap();
        assert_eq!(a.spectra, b.spectra);
        assert_ne!(a.rgb, c.rgb);
        assert_eq!(
            a.spectra[[7, 3]],
            rgb_toy_value(t[3], a.rgb[[7, 0]], a.rgb[[7, 1]], a.rgb[[7, 2]])
        );
    }

    /// The image's three patterns and the gamut's ordering and corners.
    #[test]
    fn image_and_gamut_colours() {
        let t = [0.0];
        let image = rgb_toy_image(&t).unwrap();
        let at = |i: usize, j: usize| image.rgb.row(i * 128 + j).to_vec();
        assert_eq!(at(0, 0), vec![0.0, 0.5, 0.2]);
        assert_eq!(at(0, 127)[0], 1.0);
        assert!((at(16, 5)[1] - 1.0).abs() < 1e-15 && at(48, 5)[1].abs() < 1e-15);
        // The disc's edge: radius 40 is outside (strict inequality), 39 inside.
        assert_eq!((at(64, 104)[2], at(64, 103)[2]), (0.2, 1.0));
        let inside = image.rgb.column(2).iter().filter(|b| **b == 1.0).count();
        assert!(
            (inside as f64 - std::f64::consts::PI * 1600.0).abs() < 40.0,
            "{inside}"
        );
        let gamut = rgb_toy_gamut(&t, 3).unwrap();
        assert_eq!(gamut.rgb.nrows(), 27);
        assert_eq!(gamut.rgb.row(0).to_vec(), vec![0.0, 0.0, 0.0]);
        assert_eq!(gamut.rgb.row(5).to_vec(), vec![0.0, 0.5, 1.0]);
        assert_eq!(gamut.rgb.row(26).to_vec(), vec![1.0, 1.0, 1.0]);
        assert_eq!(gamut.spectra[[5, 0]], rgb_toy_value(0.0, 0.0, 0.5, 1.0));
    }

    #[test]
    fn bad_sizes_name_the_argument() {
        let err = |r: Result<RgbToy, AnalysisError>| r.unwrap_err().to_string();
        let e = err(rgb_toy(&RgbToySpec {
            t_range: [1.0, -1.0],
            ..Default::default()
        }));
        assert!(e.contains("t_range"), "{e}");
        let e = err(rgb_toy(&RgbToySpec {
            spectra: usize::MAX / 2,
            ..Default::default()
        }));
        assert!(e.contains("spectra"), "{e}");
        let e = err(rgb_toy_gamut(&[0.0], usize::MAX / 2));
        assert!(e.contains("levels"), "{e}");
        let e = err(rgb_toy_colours(
            &[],
            ndarray::array![[0.0, 0.0, 0.0]].view(),
        ));
        assert!(e.contains("t is empty"), "{e}");
        let e = err(rgb_toy_colours(
            &[0.0],
            ndarray::array![[0.0, f64::NAN, 0.0]].view(),
        ));
        assert!(e.contains("rgb[0, 1]"), "{e}");
    }
}
