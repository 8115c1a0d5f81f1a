//! Statistics and linear baselines around the models: Pearson correlation (paper 000's
//! Fig. 3), PCA / uncentred truncated SVD, NMF, lasso sparse coding, orthogonal matching
//! pursuit and dictionary learning (issue 9; paper 001's baseline), GMM, k-means and KDE, and
//! k-nearest-neighbour regression with R^2 (paper 001's information check), and the circular
//! statistics of angles with a symmetry period that score the rVAE of papers 002/004 (mean,
//! spread, correlation, histogram and models.md 2.6's aligned angle error), and the manifold
//! embeddings paper 004 compares the rVAE's latents with (t-SNE with `trustworthiness`, MDS,
//! Isomap; scikit-learn's definitions, docs/manifold.md).
//! The decompositions take `n samples x d features` matrices, check them (errors name the
//! argument), and implement linfa's `Fit` / `Predict`. Paper 001's data are here too: its RGB
//! toy spectra with their validation sets, and the standard scaling (per step or per channel)
//! that both the baselines and the networks of `nn` apply.

mod circular;
mod dense;
mod dictionary;
mod gmm;
mod isomap;
mod kde;
mod keys;
mod kmeans;
mod knn;
mod lasso;
mod linfa_cluster_traits;
mod linfa_traits;
mod manifold;
mod mds;
mod nmf;
mod omp;
mod pca;
mod pearson;
mod rand_index;
mod rgb_toy;
mod rows;
mod scaler;
mod tsne;

pub use circular::{
    aligned_angle_error, aligned_errors, angle_histogram, circular_correlation, circular_mean,
    circular_std, circular_variance, fisher_lee_correlation, resultant_length, wrap,
};
pub use dictionary::{Dictionary, DictionaryInit, DictionaryParams, DictionaryTransform};
pub use gmm::{CovarianceType, GaussianMixture, GmmInit, GmmParams};
pub use isomap::{Isomap, IsomapParams};
pub use kde::{Bandwidth, GaussianKde};
pub use keys::{
    BandwidthRule, DictionaryCoding, DictionarySettings, DictionaryStart, GmmSettings, GmmStart,
    IsomapSettings, KMeansSettings, KdeSettings, MdsSettings, NmfSettings, NmfStart, TsneSettings,
};
pub use kmeans::{KMeans, KMeansInit, KMeansParams};
pub use knn::{knn_regress, r2_score};
pub use lasso::{LassoSettings, sparse_encode};
pub use mds::{Dissimilarity, Mds, MdsEmbedding, MdsMethod, MdsParams};
pub use nmf::{Nmf, NmfInit, NmfParams};
pub use omp::{omp_nonzero_rule, orthogonal_mp};
pub use pca::{Centring, Pca, PcaParams};
pub use pearson::{pearson, pearson_matrix};
pub use rand_index::{adjusted_rand_score, rand_score};
pub use rgb_toy::{
    RGB_GAMUT_LEVELS, RGB_IMAGE_SIDE, RgbToy, RgbToySpec, rgb_toy, rgb_toy_colours, rgb_toy_gamut,
    rgb_toy_image, rgb_toy_value,
};
pub use scaler::{ScalerMode, StandardScaler};
pub use tsne::{
    LearningRate, Tsne, TsneEmbedding, TsneInit, TsneMethod, TsneParams, trustworthiness,
};

/// Why an analysis could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// Inputs of the wrong shape or with non-finite values (the message names them).
    #[error("{0}")]
    Invalid(String),
    /// A configuration key is missing, of the wrong type or out of range.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The call would need more memory than the process's budget; nothing was allocated.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
    /// Finite inputs overflowed double precision on the way (the message says what to rescale).
    #[error("{0}")]
    Numerical(String),
}

/// Refuse the work of a factorisation with `k` components of an n x d matrix when its factors,
/// their products and their updates (`copies` of n x k plus k x d plus k x k, a bound on the
/// working set) would exceed the memory budget ([`crate::limits`]).
fn check_factor_memory(n: usize, d: usize, k: usize, copies: usize) -> Result<(), AnalysisError> {
    use crate::limits::{bytes_of, check, total};
    let bytes = total(&[
        bytes_of::<f64>(&[copies, n, k]),
        bytes_of::<f64>(&[copies, k, d]),
        bytes_of::<f64>(&[k, k]),
    ]);
    Ok(check(
        &format!("n_components = {k} for x of {n} x {d}"),
        bytes,
    )?)
}

/// `ln Σ exp(v)` without overflow; `-inf` when every term is `-inf` (the mixtures' and KDEs'
/// log-densities).
fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::log_sum_exp;

    #[test]
    fn log_sum_exp_neither_overflows_nor_loses_minus_infinity() {
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY]), f64::NEG_INFINITY);
    }
}
