//! linfa's `Fit` and `Predict` for the GP, so Rust users can combine it with linfa's datasets
//! and algorithms: `GpParams` fits a `DatasetBase` of records (n x d) and targets (n x m, one
//! GP per column), the fitted `GaussianProcess` predicts the means.
//!
//! ```
//! use ferrolab::gp::GpParams;
//! use linfa::prelude::*;
//! let records = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
//! let targets = ndarray::array![[0.0], [0.8], [0.9], [0.1]];
//! let model = GpParams::default().fit(&Dataset::new(records.clone(), targets))?;
//! // The trait method (the inherent `predict` also returns standard deviations).
//! let mean: ndarray::Array2<f64> = Predict::predict(&model, &records);
//! assert!((mean[(1, 0)] - 0.8).abs() < 0.1);
//! # Ok::<(), ferrolab::gp::GpError>(())
//! ```

use super::GpError;
use super::model::GaussianProcess;
use super::params::GpParams;
use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array2, ArrayBase, Data, Ix2};

impl From<linfa::error::Error> for GpError {
    fn from(e: linfa::error::Error) -> Self {
        GpError::Invalid(e.to_string())
    }
}

impl<D: Data<Elem = f64>> Fit<ArrayBase<D, Ix2>, Array2<f64>, GpError> for GpParams {
    type Object = GaussianProcess;

    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, Array2<f64>>,
    ) -> Result<GaussianProcess, GpError> {
        GaussianProcess::fit(dataset.records.view(), dataset.targets.view(), self)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array2<f64>> for GaussianProcess {
    /// Predicted means; rows of the wrong dimension or with NaN give NaN (linfa's trait cannot
    /// return an error; use [`GaussianProcess::predict_mean`] for one).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f64>) {
        match self.predict_mean(x.view()) {
            Ok(mean) if mean.dim() == y.dim() => y.assign(&mean),
            _ => y.fill(f64::NAN),
        }
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        Array2::zeros((x.nrows(), self.outputs().len()))
    }
}
