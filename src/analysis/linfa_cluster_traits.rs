//! linfa's `Fit` and `Predict` for k-means and the Gaussian mixtures, so they combine with
//! linfa's datasets and algorithms: the params fit a `DatasetBase` of records (n x d; targets
//! are ignored), the fitted models predict cluster labels.
//!
//! ```
//! use ferrolab::analysis::{GmmParams, KMeansParams};
//! use linfa::prelude::*;
//! let records = ndarray::array![[0.0, 0.1], [0.2, 0.0], [5.0, 5.1], [5.2, 4.9]];
//! let data = DatasetBase::from(records.clone());
//! let km = KMeansParams::new(2).fit(&data)?;
//! let labels: ndarray::Array1<usize> = Predict::predict(&km, &records);
//! assert_eq!(labels, *km.labels());
//! let gmm = GmmParams::new(2).fit(&data)?;
//! let labels: ndarray::Array1<usize> = Predict::predict(&gmm, &records);
//! assert_eq!(labels[0], labels[1]);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::AnalysisError;
use super::gmm::{GaussianMixture, GmmParams};
use super::kmeans::{KMeans, KMeansParams};
use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, ArrayBase, Data, Ix2};

impl<D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, AnalysisError> for KMeansParams {
    type Object = KMeans;

    fn fit(&self, dataset: &DatasetBase<ArrayBase<D, Ix2>, T>) -> Result<KMeans, AnalysisError> {
        KMeans::fit(dataset.records.view(), self)
    }
}

impl<D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, AnalysisError> for GmmParams {
    type Object = GaussianMixture;

    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
    ) -> Result<GaussianMixture, AnalysisError> {
        GaussianMixture::fit(dataset.records.view(), self)
    }
}

/// linfa's trait cannot return an error: invalid input (wrong number of columns, a non-finite
/// value, a target of the wrong length) gives `usize::MAX` for every row; use the inherent
/// `predict` for the error.
fn fill(labels: Result<Array1<usize>, AnalysisError>, y: &mut Array1<usize>) {
    match labels {
        Ok(l) if l.len() == y.len() => y.assign(&l),
        _ => y.fill(usize::MAX),
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for KMeans {
    /// Nearest centres; `usize::MAX` everywhere for invalid input (see [`KMeans::predict`]).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        fill(KMeans::predict(self, x.view()), y);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, Array1<usize>> for GaussianMixture {
    /// Most probable components; `usize::MAX` everywhere for invalid input (see
    /// [`GaussianMixture::predict`]).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut Array1<usize>) {
        fill(GaussianMixture::predict(self, x.view()), y);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}
