//! linfa's `Fit` and `Predict` for the decompositions, so Rust users can combine them with
//! linfa's datasets and algorithms: the params structs fit a `DatasetBase` of records
//! (n x d; the targets are ignored), the fitted models predict the transform (PCA scores,
//! NMF's W, dictionary codes).
//!
//! ```
//! use ferrolab::analysis::{Pca, PcaParams};
//! use linfa::prelude::*;
//! let records = ndarray::array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]];
//! let model: Pca = PcaParams::new(1).fit(&DatasetBase::from(records.clone()))?;
//! let scores: ndarray::Array2<f64> = model.predict(&records);
//! assert_eq!(scores, model.transform(records.view())?);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::{AnalysisError, Dictionary, DictionaryParams, Nmf, NmfParams, Pca, PcaParams};
use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array2, ArrayBase, Data, Ix2};

impl From<linfa::error::Error> for AnalysisError {
    fn from(e: linfa::error::Error) -> Self {
        AnalysisError::Invalid(e.to_string())
    }
}

impl<D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, AnalysisError> for PcaParams {
    type Object = Pca;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Pca, AnalysisError> {
        Pca::fit(dataset.records.view(), self)
    }
}

impl<D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, AnalysisError> for NmfParams {
    type Object = Nmf;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<Nmf, AnalysisError> {
        Nmf::fit(dataset.records.view(), self)
    }
}

impl<D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, AnalysisError> for DictionaryParams {
    type Object = Dictionary;

    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
    ) -> Result<Dictionary, AnalysisError> {
        Dictionary::fit(dataset.records.view(), self)
    }
}

/// Write `result` into `y`, or NaN when it failed or has the wrong shape (linfa's trait cannot
/// return an error; the inherent `transform` methods do).
fn assign_or_nan(result: Result<Array2<f64>, AnalysisError>, y: &mut Array2<f64>) {
    match result {
        Ok(v) if v.dim() == y.dim() => y.assign(&v),
        _ => y.fill(f64::NAN),
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array2<f64>> for Pca {
    /// The scores ([`Pca::transform`]); NaN for bad input.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f64>) {
        assign_or_nan(self.transform(x.view()), y);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        Array2::zeros((x.nrows(), self.components().nrows()))
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array2<f64>> for Nmf {
    /// W with H fixed ([`Nmf::transform`]); NaN for bad input.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f64>) {
        assign_or_nan(self.transform(x.view()), y);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        Array2::zeros((x.nrows(), self.components().nrows()))
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array2<f64>> for Dictionary {
    /// The codes of [`Dictionary::transform`] (OMP or lasso, as fitted); NaN for bad input.
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array2<f64>) {
        assign_or_nan(self.transform(x.view()), y);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array2<f64> {
        Array2::zeros((x.nrows(), self.atoms().nrows()))
    }
}
