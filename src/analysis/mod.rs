//! Statistics and linear baselines around the models. Today: Pearson correlation (paper 000's
//! Fig. 3); PCA, NMF, dictionary learning, GMM, k-means and KDE join it (issue 9).

mod pearson;
mod rgb_toy;

pub use pearson::{pearson, pearson_matrix};
pub use rgb_toy::{RgbToy, RgbToySpec, rgb_toy, rgb_toy_value};

/// Why an analysis could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// Inputs of the wrong shape or with non-finite values (the message names them).
    #[error("{0}")]
    Invalid(String),
}
