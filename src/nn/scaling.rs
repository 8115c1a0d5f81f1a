//! One global min-max scaling of a whole data set to [0, 1].
//!
//! One minimum and one maximum for all values (not per feature or per sample), so relative
//! amplitudes between loops, such as one loop's Pr against another's, survive the scaling; the
//! inverse design of paper 000 reads them back from decoded loops.

use super::error::{NnError, invalid};
use ndarray::{Array2, ArrayView2};

/// `x' = (x - min) / (max - min)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinMaxScaling {
    /// Smallest value of the data fitted.
    pub min: f64,
    /// Largest value of the data fitted.
    pub max: f64,
}

impl MinMaxScaling {
    /// The scaling of `data` (every value finite, not all equal).
    ///
    /// ```
    /// use ferrolab::nn::MinMaxScaling;
    /// let data = ndarray::array![[-2.0, 0.0], [1.0, 2.0]];
    /// let s = MinMaxScaling::fit(data.view())?;
    /// assert_eq!((s.min, s.max), (-2.0, 2.0));
    /// assert_eq!(s.apply(data.view()).row(0).to_vec(), vec![0.0f32, 0.5]);
    /// assert_eq!(s.invert(0.75), 1.0);
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn fit(data: ArrayView2<f64>) -> Result<Self, NnError> {
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        for (k, v) in data.iter().enumerate() {
            if !v.is_finite() {
                let d = data.ncols().max(1);
                return Err(invalid(format!(
                    "x[{}][{}] is {v}: every value must be finite",
                    k / d,
                    k % d
                )));
            }
            min = min.min(*v);
            max = max.max(*v);
        }
        if data.is_empty() || max <= min {
            return Err(invalid(format!(
                "x has no spread (min {min}, max {max}): the min-max scaling needs two distinct values"
            )));
        }
        Ok(Self { min, max })
    }

    /// Scaled copy in `f32` (the networks' working precision).
    pub fn apply(&self, data: ArrayView2<f64>) -> Array2<f32> {
        let inv = 1.0 / (self.max - self.min);
        data.mapv(|v| ((v - self.min) * inv) as f32)
    }

    /// A scaled value back in the data's units.
    pub fn invert(&self, scaled: f64) -> f64 {
        self.min + scaled * (self.max - self.min)
    }
}
