//! Principal component analysis by the thin SVD of the (optionally centred or standardised) data
//! matrix: `X' = U S V^T`, components = the first k rows of `V^T`, scores = `X' V_k = U_k S_k`.
//!
//! Paper 003 deliberately does not normalise its hysteresis loops, so besides the centred PCA
//! (scikit-learn's `PCA`, optionally after `StandardScaler`) the uncentred decomposition
//! (scikit-learn's `TruncatedSVD`, a plain SVD of the raw data) is available through
//! [`Centring::None`]; its explained variances follow `TruncatedSVD`'s definitions.
//!
//! Signs: a singular vector's sign is arbitrary, so every component is flipped so that its entry
//! of largest magnitude is positive (scikit-learn's convention since 1.5); scores flip with it.

use super::AnalysisError;
use super::dense::{
    check_columns, check_matrix, gram_svd, in_pool, invalid, matmul, mean_and_scale, standardise,
    thin_svd, unstandardise,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// What is done to each feature (column) before the SVD.
///
/// ```
/// use ferrolab::analysis::Centring;
/// assert_eq!(Centring::default(), Centring::Centre);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Centring {
    /// Raw data, no centring: the SVD of X itself (scikit-learn's `TruncatedSVD`). For data
    /// whose offset is meaningful, such as un-normalised hysteresis loops (paper 003).
    None,
    /// Subtract each feature's mean (scikit-learn's `PCA`).
    #[default]
    Centre,
    /// Subtract each feature's mean and divide by its standard deviation (ddof 0, as
    /// `StandardScaler`; constant features are divided by 1), then PCA.
    Standardise,
}

/// Settings of a PCA; fit with [`Pca::fit`] or linfa's `Fit` on a `DatasetBase`.
///
/// ```
/// use ferrolab::analysis::{Centring, PcaParams};
/// let p = PcaParams::new(2).centring(Centring::None);
/// assert_eq!((p.n_components, p.centring), (2, Centring::None));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PcaParams {
    /// Number of components k, 1 <= k <= min(n, d).
    pub n_components: usize,
    /// Treatment of the features before the SVD.
    pub centring: Centring,
}

impl PcaParams {
    /// `k` components of centred data.
    ///
    /// ```
    /// use ferrolab::analysis::{Centring, PcaParams};
    /// assert_eq!(PcaParams::new(3).centring, Centring::Centre);
    /// ```
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            centring: Centring::Centre,
        }
    }

    /// The same settings with another [`Centring`].
    ///
    /// ```
    /// use ferrolab::analysis::{Centring, PcaParams};
    /// let p = PcaParams::new(3).centring(Centring::Standardise);
    /// assert_eq!(p.centring, Centring::Standardise);
    /// ```
    pub fn centring(mut self, centring: Centring) -> Self {
        self.centring = centring;
        self
    }
}

/// A fitted PCA (or uncentred truncated SVD).
///
/// ```
/// use ferrolab::analysis::{Pca, PcaParams};
/// use ndarray::array;
/// let x = array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
/// let pca = Pca::fit(x.view(), &PcaParams::new(1))?;
/// // The direction of largest variance is the first axis, with variance 8 / (n - 1).
/// assert!((pca.components()[[0, 0]] - 1.0).abs() < 1e-12);
/// assert!((pca.explained_variance()[0] - 8.0 / 3.0).abs() < 1e-12);
/// assert!((pca.explained_variance_ratio()[0] - 0.8).abs() < 1e-12);
/// let scores = pca.transform(x.view())?;
/// assert!((scores[[0, 0]] - 2.0).abs() < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pca {
    components: Array2<f64>,
    singular_values: Array1<f64>,
    explained_variance: Array1<f64>,
    explained_variance_ratio: Array1<f64>,
    mean: Array1<f64>,
    scale: Array1<f64>,
    centring: Centring,
}

impl Pca {
    /// Fit `x` (n samples x d features).
    ///
    /// Explained variances: centred, `S_i^2 / (n - 1)` and ratio `S_i^2 / sum_j S_j^2` over all
    /// min(n, d) singular values (as `PCA`); uncentred, the population variance (ddof 0) of
    /// each score column and ratio over the summed population variances of the features (as
    /// `TruncatedSVD`). Ratios are NaN when the data have no variance at all.
    ///
    /// Errors: empty or non-finite `x`, k outside 1..=min(n, d), centring with n < 2.
    ///
    /// ```
    /// use ferrolab::analysis::{Centring, Pca, PcaParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
    /// let svd = Pca::fit(x.view(), &PcaParams::new(1).centring(Centring::None))?;
    /// // Uncentred: the first singular value of x itself is sqrt(2 * 14).
    /// assert!((svd.singular_values()[0] - 28f64.sqrt()).abs() < 1e-12);
    /// assert!(Pca::fit(x.view(), &PcaParams::new(3)).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(x: ArrayView2<f64>, params: &PcaParams) -> Result<Self, AnalysisError> {
        check_matrix(x, "x")?;
        let (n, d) = x.dim();
        let k = params.n_components;
        if k == 0 || k > n.min(d) {
            return invalid(format!(
                "n_components = {k}: it must be in 1..=min(n, d) = 1..={} for x of {n} x {d}",
                n.min(d)
            ));
        }
        let centred = params.centring != Centring::None;
        if centred && n < 2 {
            return invalid(format!(
                "x has {n} row: centred PCA needs at least 2 samples (or Centring::None)"
            ));
        }
        let (mean, scale) = match params.centring {
            Centring::None => (Array1::zeros(d), Array1::ones(d)),
            Centring::Centre => (x.sum_axis(Axis(0)) / n as f64, Array1::ones(d)),
            Centring::Standardise => mean_and_scale(x),
        };
        let z = standardise(x, mean.view(), scale.view());
        // Tall data: the d x d Gram matrix's eigenvectors (as scikit-learn's "auto" picks
        // "covariance_eigh" for n >= 10 d, d <= 1000), else the thin SVD.
        let (s, vt) = in_pool(|| {
            if n >= 10 * d && d <= 1000 {
                gram_svd(z.view())
            } else {
                thin_svd(z.view()).map(|svd| (svd.s, svd.vt))
            }
        })??;
        let components = vt.slice(ndarray::s![..k, ..]).to_owned();
        let singular_values = s.slice(ndarray::s![..k]).to_owned();
        let (explained_variance, explained_variance_ratio) = if centred {
            let total: f64 = s.iter().map(|s| s * s).sum();
            (
                singular_values.mapv(|s| s * s / (n - 1) as f64),
                singular_values.mapv(|s| s * s / total),
            )
        } else {
            let scores = in_pool(|| matmul(z.view(), false, components.view(), true))?;
            let ev = population_variances(scores.view());
            let total = population_variances(z.view()).sum();
            let ratio = ev.mapv(|v| v / total);
            (ev, ratio)
        };
        Ok(Self {
            components,
            singular_values,
            explained_variance,
            explained_variance_ratio,
            mean,
            scale,
            centring: params.centring,
        })
    }

    /// The components, k x d, unit rows, largest-magnitude entry of each positive.
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// let identity = ndarray::array![[1.0, 0.0], [0.0, 1.0]];
    /// assert!(pca.components().iter().zip(&identity).all(|(a, b)| (a - b).abs() < 1e-12));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn components(&self) -> ArrayView2<'_, f64> {
        self.components.view()
    }

    /// The k largest singular values of the treated data, non-increasing.
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// let s = pca.singular_values();
    /// assert!((s[0] - 8f64.sqrt()).abs() < 1e-12 && (s[1] - 2f64.sqrt()).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn singular_values(&self) -> ArrayView1<'_, f64> {
        self.singular_values.view()
    }

    /// Variance along each component (definitions at [`Pca::fit`]).
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// assert!((pca.explained_variance()[1] - 2.0 / 3.0).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn explained_variance(&self) -> ArrayView1<'_, f64> {
        self.explained_variance.view()
    }

    /// Fraction of the total variance along each component (definitions at [`Pca::fit`]).
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// assert!((pca.explained_variance_ratio().sum() - 1.0).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn explained_variance_ratio(&self) -> ArrayView1<'_, f64> {
        self.explained_variance_ratio.view()
    }

    /// The per-feature offset subtracted before the SVD (zeros when uncentred).
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// assert_eq!(pca.mean().to_vec(), vec![0.0, 0.0]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn mean(&self) -> ArrayView1<'_, f64> {
        self.mean.view()
    }

    /// The per-feature divisor (ones unless [`Centring::Standardise`]).
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// assert_eq!(pca.scale().to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn scale(&self) -> ArrayView1<'_, f64> {
        self.scale.view()
    }

    /// The treatment the model was fitted with.
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// let x = ndarray::array![[2.0, 0.0], [0.0, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(2))?;
    /// assert_eq!(pca.centring(), ferrolab::analysis::Centring::Centre);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn centring(&self) -> Centring {
        self.centring
    }

    /// Scores of `x` (m x d): `((x - mean) / scale) V_k`, m x k.
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [3.0, 1.0, 0.0], [1.0, 2.0, 2.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(3))?;
    /// // With all components, scores map back onto the data exactly.
    /// let back = pca.inverse_transform(pca.transform(x.view())?.view())?;
    /// assert!(back.iter().zip(x.iter()).all(|(a, b)| (a - b).abs() < 1e-12));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        check_matrix(x, "x")?;
        check_columns(x, "x", self.components.ncols())?;
        let z = standardise(x, self.mean.view(), self.scale.view());
        in_pool(|| matmul(z.view(), false, self.components.view(), true))
    }

    /// Data (m x d) of scores (m x k): `scores V_k^T * scale + mean`, the projection of the
    /// original data onto the span of the components.
    ///
    /// ```
    /// use ferrolab::analysis::{Pca, PcaParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 1.0], [2.0, 2.0], [4.0, 4.0]];
    /// let pca = Pca::fit(x.view(), &PcaParams::new(1))?;
    /// let back = pca.inverse_transform(array![[0.0]].view())?;
    /// assert!((back[[0, 0]] - 7.0 / 3.0).abs() < 1e-12); // the mean
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn inverse_transform(&self, scores: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        check_matrix(scores, "scores")?;
        if scores.ncols() != self.components.nrows() {
            return invalid(format!(
                "scores has {} columns but the model has {} components",
                scores.ncols(),
                self.components.nrows()
            ));
        }
        let z = in_pool(|| matmul(scores, false, self.components.view(), false))?;
        Ok(unstandardise(z, self.mean.view(), self.scale.view()))
    }
}

/// Population variance (ddof 0) of each column.
fn population_variances(x: ArrayView2<f64>) -> Array1<f64> {
    let n = x.nrows() as f64;
    Array1::from_shape_fn(x.ncols(), |j| {
        let col = x.column(j);
        let mean = col.sum() / n;
        col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Standardising equals centring the features divided by their standard deviations
    /// (distinct loadings, so the sign convention has no ties).
    #[test]
    fn standardise_is_centre_of_scaled_data() {
        let x = array![
            [1.0, 10.0, 5.0, 0.3],
            [2.0, 30.0, 5.0, 0.1],
            [0.0, 20.0, 5.0, 0.7],
            [4.0, 70.0, 5.0, 0.2],
            [3.0, 20.0, 5.0, 0.2]
        ];
        let a = Pca::fit(x.view(), &PcaParams::new(2).centring(Centring::Standardise)).unwrap();
        assert_eq!(a.scale()[2], 1.0);
        let scaled = &x / &a.scale();
        let b = Pca::fit(scaled.view(), &PcaParams::new(2)).unwrap();
        for (p, q) in a.components().iter().zip(b.components().iter()) {
            assert!((p - q).abs() < 1e-12);
        }
        let bad = array![[1.0, f64::NAN]];
        assert!(Pca::fit(bad.view(), &PcaParams::new(1)).is_err());
        assert!(Pca::fit(x.view(), &PcaParams::new(0)).is_err());
        assert!(a.transform(array![[1.0, 2.0]].view()).is_err());
        // The constant feature carries no weight.
        assert!(a.components().column(2).iter().all(|v| v.abs() < 1e-12));
    }
}
