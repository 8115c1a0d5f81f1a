//! Standard scaling `z = (x - mean) / std` of spectra, with the statistics of a training set.
//!
//! Data are `(samples, steps, channels)` arrays (a single-channel set of spectra is
//! `(samples, steps, 1)`, e.g. `x.view().insert_axis(Axis(2))`). Two groupings, both paper 001's:
//!
//! - [`ScalerMode::PerStep`]: one mean and std per time step and channel (the toy spectra:
//!   "standardized the features for each spectroscopic timestep"; scikit-learn's
//!   `StandardScaler` on the flattened features);
//! - [`ScalerMode::PerChannel`]: one mean and std per channel over every sample and step (the
//!   BEPS piezoresponse and resonance loops; the paper's code scales each channel globally), so
//!   the shape of a loop along the voltage axis survives.
//!
//! The std is the population one (divisor n, as NumPy and scikit-learn). A group without spread
//! (std at rounding level of its values) is left unscaled (std 1), as scikit-learn does, so the
//! scaling never divides by zero. The scaler lives in `analysis` so that both the linear
//! baselines and the networks (`nn`) apply the same statistics.

use super::AnalysisError;
use super::dense::{invalid, mean_and_scale};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, Order};

/// Which values share a mean and std.
///
/// ```
/// use ferrolab::analysis::ScalerMode;
/// assert_ne!(ScalerMode::PerStep, ScalerMode::PerChannel);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalerMode {
    /// One per (step, channel): each feature standardised on its own.
    PerStep,
    /// One per channel, over all samples and steps.
    PerChannel,
}

/// Means and standard deviations fitted on a training set.
///
/// ```
/// use ferrolab::analysis::{ScalerMode, StandardScaler};
/// use ndarray::{Array3, Axis};
/// // 4 spectra of 3 steps, 2 channels: channel 1 is channel 0 times 100.
/// let x = Array3::from_shape_fn((4, 3, 2), |(i, k, c)| (i + k) as f64 * if c == 0 { 1.0 } else { 100.0 });
/// let global = StandardScaler::fit(x.view(), ScalerMode::PerChannel)?;
/// assert_eq!(global.mean().dim(), (1, 2));
/// let z = global.apply(x.view())?;
/// // Both channels now have mean 0 and std 1 overall, and their scaled values agree.
/// assert!(z.index_axis(Axis(2), 0).abs_diff_eq(&z.index_axis(Axis(2), 1), 1e-12));
/// let back = global.invert(z.view())?;
/// assert!(back.abs_diff_eq(&x, 1e-9));
/// // Per step: every (step, channel) column has mean 0.
/// let per_step = StandardScaler::fit(x.view(), ScalerMode::PerStep)?;
/// let z = per_step.apply(x.view())?;
/// assert!(z.mean_axis(Axis(0)).unwrap().iter().all(|m| m.abs() < 1e-12));
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StandardScaler {
    mode: ScalerMode,
    steps: usize,
    mean: Array2<f64>,
    std: Array2<f64>,
}

impl StandardScaler {
    /// The statistics of `x` (samples x steps x channels, at least one sample, every value
    /// finite).
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let x = ndarray::array![[[1.0], [10.0]], [[3.0], [10.0]]];
    /// let s = StandardScaler::fit(x.view(), ScalerMode::PerStep)?;
    /// assert_eq!(s.mean().column(0).to_vec(), vec![2.0, 10.0]);
    /// // Step 1 has no spread: left unscaled.
    /// assert_eq!(s.std().column(0).to_vec(), vec![1.0, 1.0]);
    /// assert!(StandardScaler::fit(ndarray::Array3::zeros((0, 2, 1)).view(), ScalerMode::PerStep).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(x: ArrayView3<f64>, mode: ScalerMode) -> Result<Self, AnalysisError> {
        let (n, steps, channels) = x.dim();
        if n == 0 || steps == 0 || channels == 0 {
            return invalid(format!(
                "x is {n} x {steps} x {channels}: the scaler needs at least one sample, step \
                 and channel"
            ));
        }
        check_finite(x, "x")?;
        // The groups as the columns of a matrix (a copy only for a non-standard layout).
        check_memory(x.len(), "x")?;
        let (rows, cols) = match mode {
            ScalerMode::PerStep => (n, steps * channels),
            ScalerMode::PerChannel => (n * steps, channels),
        };
        let shape_error = |e: ndarray::ShapeError| AnalysisError::Invalid(e.to_string());
        let m = x
            .to_shape(((rows, cols), Order::RowMajor))
            .map_err(shape_error)?;
        let (mean, std) = mean_and_scale(m.view());
        let groups = if mode == ScalerMode::PerStep {
            steps
        } else {
            1
        };
        let mean = mean.into_shape_with_order((groups, channels));
        let std = std.into_shape_with_order((groups, channels));
        Ok(Self {
            mode,
            steps,
            mean: mean.map_err(shape_error)?,
            std: std.map_err(shape_error)?,
        })
    }

    /// A scaler from stored statistics (a saved model's): `mean` and `std` shaped as
    /// [`mean`](Self::mean) for `steps` steps, every std finite and positive.
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let x = ndarray::array![[[0.0], [1.0]], [[2.0], [3.0]]];
    /// let s = StandardScaler::fit(x.view(), ScalerMode::PerStep)?;
    /// let again = StandardScaler::from_parts(s.mode(), 2, s.mean().to_owned(), s.std().to_owned())?;
    /// assert_eq!(again, s);
    /// assert!(StandardScaler::from_parts(s.mode(), 3, s.mean().to_owned(), s.std().to_owned()).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn from_parts(
        mode: ScalerMode,
        steps: usize,
        mean: Array2<f64>,
        std: Array2<f64>,
    ) -> Result<Self, AnalysisError> {
        let groups = if mode == ScalerMode::PerStep {
            steps
        } else {
            1
        };
        if steps == 0 || mean.nrows() != groups || mean.ncols() == 0 || std.dim() != mean.dim() {
            return invalid(format!(
                "scaler statistics of shape {:?} and {:?} do not fit {steps} steps",
                mean.dim(),
                std.dim()
            ));
        }
        if mean.iter().any(|m| !m.is_finite()) || std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return invalid(
                "scaler statistics must be finite with positive standard deviations".into(),
            );
        }
        Ok(Self {
            mode,
            steps,
            mean,
            std,
        })
    }

    /// The grouping fitted.
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let s = StandardScaler::fit(ndarray::Array3::ones((2, 3, 1)).view(), ScalerMode::PerChannel)?;
    /// assert_eq!(s.mode(), ScalerMode::PerChannel);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn mode(&self) -> ScalerMode {
        self.mode
    }

    /// Means: steps x channels ([`ScalerMode::PerStep`]) or 1 x channels
    /// ([`ScalerMode::PerChannel`]).
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let s = StandardScaler::fit(ndarray::Array3::ones((2, 3, 2)).view(), ScalerMode::PerStep)?;
    /// assert_eq!(s.mean().dim(), (3, 2));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn mean(&self) -> ArrayView2<'_, f64> {
        self.mean.view()
    }

    /// Standard deviations (1 where a group had no spread), shaped as [`mean`](Self::mean).
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let x = ndarray::array![[[0.0], [1.0]], [[2.0], [3.0]]];
    /// let s = StandardScaler::fit(x.view(), ScalerMode::PerChannel)?;
    /// assert_eq!(s.std()[[0, 0]], 1.25f64.sqrt());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn std(&self) -> ArrayView2<'_, f64> {
        self.std.view()
    }

    /// `(x - mean) / std` of data shaped as the training set's (any number of samples).
    ///
    /// Errors: other steps or channels than fitted, non-finite values.
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let x = ndarray::array![[[0.0], [1.0]], [[2.0], [3.0]]];
    /// let s = StandardScaler::fit(x.view(), ScalerMode::PerStep)?;
    /// assert_eq!(s.apply(ndarray::array![[[1.0], [2.0]]].view())?[[0, 1, 0]], 0.0);
    /// assert!(s.apply(ndarray::Array3::zeros((1, 3, 1)).view()).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn apply(&self, x: ArrayView3<f64>) -> Result<Array3<f64>, AnalysisError> {
        self.check_shape(x, "x")?;
        check_finite(x, "x")?;
        Ok(self.map(x, |v, m, s| (v - m) / s))
    }

    /// `z * std + mean`: scaled data back in the original units.
    ///
    /// Errors: other steps or channels than fitted, non-finite values.
    ///
    /// ```
    /// use ferrolab::analysis::{ScalerMode, StandardScaler};
    /// let x = ndarray::array![[[0.0], [1.0]], [[2.0], [3.0]]];
    /// let s = StandardScaler::fit(x.view(), ScalerMode::PerStep)?;
    /// assert_eq!(s.invert(ndarray::array![[[1.0], [-1.0]]].view())?, ndarray::array![[[2.0], [1.0]]]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn invert(&self, z: ArrayView3<f64>) -> Result<Array3<f64>, AnalysisError> {
        self.check_shape(z, "z")?;
        check_finite(z, "z")?;
        Ok(self.map(z, |v, m, s| v * s + m))
    }

    fn check_shape(&self, x: ArrayView3<f64>, name: &str) -> Result<(), AnalysisError> {
        let (_, steps, channels) = x.dim();
        if (steps, channels) != (self.steps, self.mean.ncols()) {
            return invalid(format!(
                "{name} has {steps} steps x {channels} channels but the scaler was fitted on \
                 {} x {}",
                self.steps,
                self.mean.ncols()
            ));
        }
        check_memory(x.len(), name)
    }

    /// `f(value, mean, std)` of every value, with the group's statistics.
    fn map(&self, x: ArrayView3<f64>, f: impl Fn(f64, f64, f64) -> f64) -> Array3<f64> {
        let per_step = self.mode == ScalerMode::PerStep;
        let mut out = x.to_owned();
        for mut sample in out.axis_iter_mut(Axis(0)) {
            for ((k, c), v) in sample.indexed_iter_mut() {
                let row = if per_step { k } else { 0 };
                *v = f(*v, self.mean[[row, c]], self.std[[row, c]]);
            }
        }
        out
    }
}

fn check_finite(x: ArrayView3<f64>, name: &str) -> Result<(), AnalysisError> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, k, c), v)) => invalid(format!(
            "{name}[{i}, {k}, {c}] is {v}: every value must be finite"
        )),
        None => Ok(()),
    }
}

/// One copy of `len` values within the memory budget.
fn check_memory(len: usize, name: &str) -> Result<(), AnalysisError> {
    use crate::limits::{bytes_of, check};
    Ok(check(
        &format!("{name} of {len} values"),
        bytes_of::<f64>(&[len]),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// Per-channel statistics are those of all of a channel's values; per-step ones those of
    /// each column; a non-standard-layout input gives the same result.
    #[test]
    fn statistics_of_each_grouping() {
        let x = Array3::from_shape_fn((5, 4, 2), |(i, k, c)| {
            ((i * 7 + k * 3 + c) % 11) as f64 + 100.0 * c as f64
        });
        let global = StandardScaler::fit(x.view(), ScalerMode::PerChannel).unwrap();
        for c in 0..2 {
            let values: Vec<f64> = x.index_axis(Axis(2), c).iter().copied().collect();
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
            assert!((global.mean()[[0, c]] - mean).abs() < 1e-12);
            assert!((global.std()[[0, c]] - var.sqrt()).abs() < 1e-12);
        }
        let per_step = StandardScaler::fit(x.view(), ScalerMode::PerStep).unwrap();
        let z = per_step.apply(x.view()).unwrap();
        for k in 0..4 {
            for c in 0..2 {
                let col = z.slice(ndarray::s![.., k, c]);
                assert!(col.mean().unwrap().abs() < 1e-12);
                assert!((col.mapv(|v| v * v).mean().unwrap() - 1.0).abs() < 1e-12);
            }
        }
        // The same data in a transposed memory order.
        let mut f = Array3::zeros(ndarray::ShapeBuilder::f((5, 4, 2)));
        f.assign(&x);
        assert_eq!(
            StandardScaler::fit(f.view(), ScalerMode::PerChannel).unwrap(),
            global
        );
    }

    #[test]
    fn bad_input_names_the_argument() {
        let x = Array3::from_elem((2, 3, 1), 1.0);
        let s = StandardScaler::fit(x.view(), ScalerMode::PerStep).unwrap();
        let e = s
            .invert(Array3::zeros((2, 3, 2)).view())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("z has 3 steps x 2 channels"), "{e}");
        let mut bad = x.clone();
        bad[[1, 2, 0]] = f64::INFINITY;
        let e = StandardScaler::fit(bad.view(), ScalerMode::PerStep)
            .unwrap_err()
            .to_string();
        assert!(e.contains("x[1, 2, 0] is inf"), "{e}");
    }
}
