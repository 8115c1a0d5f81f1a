//! The `nmf.*`, `dictionary.*`, `kmeans.*`, `gmm.*`, `kde.*`, `tsne.*`, `mds.*` and `isomap.*`
//! configuration keys (the C API and `ferrolab analyze` read them) and the settings built from
//! them. Defaults are
//! scikit-learn's (SciPy's for the KDE). Each method's parameter struct is built from these
//! settings, so its defaults are the keys'.

use super::{
    AnalysisError, Bandwidth, CovarianceType, DictionaryInit, DictionaryParams,
    DictionaryTransform, GmmInit, GmmParams, KMeansInit, KMeansParams, MdsMethod, NmfInit,
    NmfParams, TsneInit, TsneMethod,
};
use crate::analysis::lasso::LassoSettings;
use crate::config::settings::Validate;
use crate::config::{Config, Valid};
use std::ops::Bound::{Excluded, Included};

crate::text_option! {
    /// How NMF's factors start (`nmf.init`).
    pub enum NmfStart {
        /// Non-negative double SVD.
        Nndsvd = "nndsvd",
        /// NNDSVD with its zeros filled with the mean of X.
        Nndsvda = "nndsvda",
        /// Seeded random (`nmf.seed`).
        Random = "random",
    }
}

crate::text_option! {
    /// How dictionary atoms start (`dictionary.init`).
    pub enum DictionaryStart {
        /// Leading right singular vectors.
        Svd = "svd",
        /// Seeded random (`dictionary.seed`).
        Random = "random",
    }
}

crate::text_option! {
    /// How a learnt dictionary codes data (`dictionary.transform`).
    pub enum DictionaryCoding {
        /// Orthogonal matching pursuit (scikit-learn's default transform).
        Omp = "omp",
        /// Lasso codes with the learning's lambda.
        Lasso = "lasso",
    }
}

crate::text_option! {
    /// How an EM run's responsibilities start (`gmm.init`).
    pub enum GmmStart {
        /// One k-means run's labels.
        KMeans = "kmeans",
        /// Seeded random ones.
        Random = "random",
    }
}

crate::text_option! {
    /// The KDE's kernel covariance rule (`kde.bandwidth`).
    pub enum BandwidthRule {
        /// Scott's factor times the data covariance.
        Scott = "scott",
        /// Silverman's factor times the data covariance.
        Silverman = "silverman",
        /// `kde.bandwidth_value` times the data covariance.
        Factor = "factor",
        /// `kde.bandwidth_value` squared times the identity.
        Isotropic = "isotropic",
    }
}

crate::settings! {
    /// The `nmf.*` keys.
    pub struct NmfSettings {
        /// How W and H start: "nndsvd" (non-negative double SVD, deterministic), "nndsvda" (its
        /// zeros filled with the mean of X) or "random" (seeded by nmf.seed).
        pub init: NmfStart = NmfStart::Nndsvd => "nmf.init";
        /// Stop when an iteration's projected-gradient violation is at most this fraction of
        /// the first one's (scikit-learn's criterion and default).
        pub tol: f64 = 1e-4 => "nmf.tol", valid Valid::Real(Included(0.0), Included(1.0));
        /// At most this many coordinate-descent iterations (each updates W, then H).
        pub max_iter: usize = 200
            => "nmf.max_iter", unit "iterations",
            valid Valid::Int(Included(1), Included(1_000_000));
        /// Seed of the random start (nmf.init = "random").
        pub seed: u64 = 0 => "nmf.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

crate::settings! {
    /// The `dictionary.*` keys.
    pub struct DictionarySettings {
        /// How the atoms start: "svd" (leading right singular vectors, deterministic) or
        /// "random" (seeded by dictionary.seed).
        pub init: DictionaryStart = DictionaryStart::Svd => "dictionary.init";
        /// Stop when an iteration lowers the objective by less than this fraction of its value
        /// (scikit-learn's default).
        pub tol: f64 = 1e-8 => "dictionary.tol", valid Valid::Real(Included(0.0), Included(1.0));
        /// At most this many alternations of sparse coding and dictionary update.
        pub max_iter: usize = 1000
            => "dictionary.max_iter", unit "iterations",
            valid Valid::Int(Included(1), Included(1_000_000));
        /// 1: centre every feature and divide it by its standard deviation first, as paper 001
        /// does; the MSE is then in standardised units.
        pub standardise: bool = false => "dictionary.standardise";
        /// Seed of the random start (dictionary.init = "random").
        pub seed: u64 = 0 => "dictionary.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// How the learnt atoms code data (reconstructions, validation errors): "omp"
        /// (orthogonal matching pursuit with dictionary.transform_nonzero atoms, scikit-learn's
        /// default transform, used by paper 001's code) or "lasso" (the lasso codes of the
        /// learning objective). The training codes are always the lasso ones.
        pub transform: DictionaryCoding = DictionaryCoding::Omp => "dictionary.transform";
        /// Non-zero coefficients per OMP code, at most the number of atoms; 0: scikit-learn's
        /// default int(min(max(features / 10, 1), atoms)) (paper 001: 2 of 3 atoms for the
        /// 25-step toy spectra, 5 of 5 for the 192-value BEPS loops).
        pub transform_nonzero: usize = 0
            => "dictionary.transform_nonzero", unit "atoms",
            valid Valid::Int(Included(0), Included(1_000_000));
    }
}

crate::settings! {
    /// The `kmeans.*` keys.
    pub struct KMeansSettings {
        /// Independent k-means++ runs; the one with the lowest inertia is kept.
        pub n_init: usize = 1
            => "kmeans.n_init", unit "runs", valid Valid::Int(Included(1), Included(10_000));
        /// At most this many Lloyd iterations per run.
        pub max_iter: usize = 300
            => "kmeans.max_iter", unit "iterations",
            valid Valid::Int(Included(1), Included(1_000_000));
        /// Stop when the summed squared centre shift is below this fraction of the mean
        /// per-feature variance.
        pub tol: f64 = 1e-4 => "kmeans.tol", valid Valid::Real(Included(0.0), Included(1.0));
        /// Seed of the k-means++ draws.
        pub seed: u64 = 0 => "kmeans.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

crate::settings! {
    /// The `gmm.*` keys.
    pub struct GmmSettings {
        /// Covariance of each component: "full", "diag" (diagonal), "tied" (one full matrix
        /// shared) or "spherical".
        pub covariance: CovarianceType = CovarianceType::Full => "gmm.covariance";
        /// EM stops when the mean log-likelihood per sample changes by less.
        pub tol: f64 = 1e-3 => "gmm.tol", valid Valid::Real(Included(0.0), Included(1e3));
        /// Added to every covariance diagonal so the components stay positive definite.
        pub reg_covar: f64 = 1e-6
            => "gmm.reg_covar", valid Valid::Real(Included(0.0), Included(1e6));
        /// At most this many EM iterations per run.
        pub max_iter: usize = 100
            => "gmm.max_iter", unit "iterations",
            valid Valid::Int(Included(1), Included(1_000_000));
        /// Independent EM runs; the one with the highest likelihood is kept.
        pub n_init: usize = 1
            => "gmm.n_init", unit "runs", valid Valid::Int(Included(1), Included(10_000));
        /// Starting responsibilities: one k-means run's labels, or seeded random ones.
        pub init: GmmStart = GmmStart::KMeans => "gmm.init";
        /// Seed of the runs' random streams.
        pub seed: u64 = 0 => "gmm.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

crate::settings! {
    /// The `kde.*` keys.
    pub struct KdeSettings {
        /// Kernel covariance: the data covariance times Scott's or Silverman's factor squared
        /// (as scipy.stats.gaussian_kde), or times kde.bandwidth_value squared ("factor"), or
        /// kde.bandwidth_value^2 times the identity ("isotropic", scikit-learn's
        /// KernelDensity).
        pub bandwidth: BandwidthRule = BandwidthRule::Scott => "kde.bandwidth";
        /// The factor (kde.bandwidth = "factor") or the kernel width h in data units
        /// ("isotropic").
        pub bandwidth_value: f64 = 1.0
            => "kde.bandwidth_value", valid Valid::Real(Excluded(0.0), Included(1e12));
    }
}

crate::settings! {
    /// The `tsne.*` keys (scikit-learn 1.x `TSNE`'s defaults).
    pub struct TsneSettings {
        /// Dimension of the embedding (at most 3 for tsne.method = "barnes_hut").
        pub n_components: usize = 2
            => "tsne.n_components", unit "dimensions",
            valid Valid::Int(Included(1), Included(1000));
        /// Effective number of neighbours of each sample's Gaussian; less than the number of
        /// samples.
        pub perplexity: f64 = 30.0
            => "tsne.perplexity", valid Valid::Real(Excluded(0.0), Included(1e6));
        /// Factor on the affinities during the first 250 iterations.
        pub early_exaggeration: f64 = 12.0
            => "tsne.early_exaggeration", valid Valid::Real(Included(1.0), Included(1e6));
        /// Gradient-descent step size; 0 means scikit-learn's "auto",
        /// max(n / early_exaggeration / 4, 50).
        pub learning_rate: f64 = 0.0
            => "tsne.learning_rate", valid Valid::Real(Included(0.0), Included(1e9));
        /// Total iterations, the 250 of early exaggeration included.
        pub max_iter: usize = 1000
            => "tsne.max_iter", unit "iterations",
            valid Valid::Int(Included(250), Included(10_000_000));
        /// Stop after this many iterations without a lower KL divergence (checked every 50).
        pub n_iter_without_progress: usize = 300
            => "tsne.n_iter_without_progress", unit "iterations",
            valid Valid::Int(Included(0), Included(10_000_000));
        /// Stop when the norm of the gradient (times the gains) is at most this.
        pub min_grad_norm: f64 = 1e-7
            => "tsne.min_grad_norm", valid Valid::Real(Included(0.0), Included(1e6));
        /// "barnes_hut" (sparse affinities on 3 perplexity neighbours, tree repulsion) or
        /// "exact" (all pairs, O(n^2) per iteration).
        pub method: TsneMethod = TsneMethod::BarnesHut => "tsne.method";
        /// Barnes-Hut opening angle: a cell is summarised when width / distance < angle.
        pub angle: f64 = 0.5 => "tsne.angle", valid Valid::Real(Included(0.0), Included(1.0));
        /// Start: "pca" (PCA scores scaled to a first-column standard deviation of 1e-4) or
        /// "random" (normal, standard deviation 1e-4, seeded by tsne.seed).
        pub init: TsneInit = TsneInit::Pca => "tsne.init";
        /// Seed of the random start.
        pub seed: u64 = 0 => "tsne.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

crate::settings! {
    /// The `mds.*` keys (scikit-learn 1.9's `MDS` and `ClassicalMDS` defaults).
    pub struct MdsSettings {
        /// "smacof" (metric stress majorisation, scikit-learn's MDS) or "classical"
        /// (Torgerson: eigenvectors of the double-centred squared distances).
        pub method: MdsMethod = MdsMethod::Smacof => "mds.method";
        /// Dimension of the embedding.
        pub n_components: usize = 2
            => "mds.n_components", unit "dimensions",
            valid Valid::Int(Included(1), Included(1000));
        /// SMACOF runs from seeded random starts; the lowest stress is kept (scikit-learn 1.9's
        /// default 1; it was 4 before).
        pub n_init: usize = 1
            => "mds.n_init", unit "runs", valid Valid::Int(Included(1), Included(10_000));
        /// At most this many Guttman transforms per SMACOF run.
        pub max_iter: usize = 300
            => "mds.max_iter", unit "iterations",
            valid Valid::Int(Included(1), Included(10_000_000));
        /// Stop when the stress falls by less than this fraction of half the summed squared
        /// embedding distances (scikit-learn 1.7+'s criterion and default; 1e-3 before).
        pub eps: f64 = 1e-6 => "mds.eps", valid Valid::Real(Included(0.0), Included(1.0));
        /// Seed of the SMACOF starts.
        pub seed: u64 = 0 => "mds.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

crate::settings! {
    /// The `isomap.*` keys (scikit-learn's `Isomap` defaults).
    pub struct IsomapSettings {
        /// Neighbours of each sample in the graph whose shortest paths approximate geodesics.
        pub n_neighbors: usize = 5
            => "isomap.n_neighbors", unit "neighbours",
            valid Valid::Int(Included(1), Included(1_000_000));
        /// Dimension of the embedding.
        pub n_components: usize = 2
            => "isomap.n_components", unit "dimensions",
            valid Valid::Int(Included(1), Included(1000));
    }
}

/// Settings whose fields are independent: each range is its key's.
macro_rules! independent_fields {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            type Error = AnalysisError;

            fn check_together(&self) -> Result<(), AnalysisError> {
                Ok(())
            }
        }
    )*};
}
independent_fields!(
    NmfSettings,
    DictionarySettings,
    KMeansSettings,
    GmmSettings,
    KdeSettings,
    TsneSettings,
    MdsSettings,
    IsomapSettings
);

impl NmfParams {
    /// `k` components with these settings.
    pub fn with_settings(n_components: usize, s: &NmfSettings) -> Self {
        Self {
            n_components,
            init: match s.init {
                NmfStart::Nndsvd => NmfInit::Nndsvd,
                NmfStart::Nndsvda => NmfInit::Nndsvda,
                NmfStart::Random => NmfInit::Random { seed: s.seed },
            },
            tol: s.tol,
            max_iter: s.max_iter,
            record_history: false,
        }
    }

    /// `k` components with the `nmf.*` keys of `cfg`.
    ///
    /// ```
    /// use ferrolab::analysis::{NmfInit, NmfParams};
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("nmf.init", Value::Str("nndsvda".into()))?;
    /// let p = NmfParams::from_config(&cfg, 3)?;
    /// assert_eq!((p.init, p.max_iter), (NmfInit::Nndsvda, 200));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &Config, n_components: usize) -> Result<Self, AnalysisError> {
        Ok(Self::with_settings(
            n_components,
            &NmfSettings::from_config(cfg)?,
        ))
    }
}

impl DictionaryParams {
    /// `k` atoms, penalty `lambda`, with these settings.
    pub fn with_settings(n_components: usize, lambda: f64, s: &DictionarySettings) -> Self {
        Self {
            n_components,
            lambda,
            max_iter: s.max_iter,
            tol: s.tol,
            init: match s.init {
                DictionaryStart::Svd => DictionaryInit::Svd,
                DictionaryStart::Random => DictionaryInit::Random { seed: s.seed },
            },
            standardise: s.standardise,
            coding: LassoSettings::default(),
            transform: match s.transform {
                DictionaryCoding::Omp => DictionaryTransform::Omp {
                    n_nonzero: (s.transform_nonzero > 0).then_some(s.transform_nonzero),
                },
                DictionaryCoding::Lasso => DictionaryTransform::Lasso,
            },
        }
    }

    /// `k` atoms, penalty `lambda`, with the `dictionary.*` keys of `cfg`.
    ///
    /// ```
    /// use ferrolab::analysis::DictionaryParams;
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("dictionary.standardise", Value::I64(1))?;
    /// let p = DictionaryParams::from_config(&cfg, 3, 0.57)?;
    /// assert!(p.standardise && p.lambda == 0.57);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(
        cfg: &Config,
        n_components: usize,
        lambda: f64,
    ) -> Result<Self, AnalysisError> {
        let settings = DictionarySettings::from_config(cfg)?;
        Ok(Self::with_settings(n_components, lambda, &settings))
    }
}

impl KMeansParams {
    /// `k` clusters (k-means++ starts) with these settings.
    pub fn with_settings(n_clusters: usize, s: &KMeansSettings) -> Self {
        Self {
            n_clusters,
            init: KMeansInit::default(),
            n_init: s.n_init,
            max_iter: s.max_iter,
            tol: s.tol,
            seed: s.seed,
        }
    }

    /// `k` clusters with the `kmeans.*` keys of `cfg` (k-means++ starts).
    ///
    /// ```
    /// use ferrolab::analysis::KMeansParams;
    /// let p = KMeansParams::from_config(&ferrolab::config::Config::new(), 4)?;
    /// assert_eq!((p.n_clusters, p.max_iter), (4, 300));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn from_config(cfg: &Config, n_clusters: usize) -> Result<Self, AnalysisError> {
        Ok(Self::with_settings(
            n_clusters,
            &KMeansSettings::from_config(cfg)?,
        ))
    }
}

impl GmmParams {
    /// `k` components with these settings.
    pub fn with_settings(n_components: usize, s: &GmmSettings) -> Self {
        Self {
            n_components,
            covariance_type: s.covariance,
            tol: s.tol,
            reg_covar: s.reg_covar,
            max_iter: s.max_iter,
            n_init: s.n_init,
            init: match s.init {
                GmmStart::KMeans => GmmInit::KMeans,
                GmmStart::Random => GmmInit::Random,
            },
            seed: s.seed,
        }
    }

    /// `k` components with the `gmm.*` keys of `cfg`.
    ///
    /// ```
    /// use ferrolab::analysis::{CovarianceType, GmmParams};
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("gmm.covariance", Value::Str("diag".into()))?;
    /// let p = GmmParams::from_config(&cfg, 8)?;
    /// assert_eq!(p.covariance_type, CovarianceType::Diagonal);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &Config, n_components: usize) -> Result<Self, AnalysisError> {
        Ok(Self::with_settings(
            n_components,
            &GmmSettings::from_config(cfg)?,
        ))
    }
}

impl Bandwidth {
    /// The bandwidth these settings name.
    pub fn from_settings(s: &KdeSettings) -> Self {
        match s.bandwidth {
            BandwidthRule::Scott => Bandwidth::Scott,
            BandwidthRule::Silverman => Bandwidth::Silverman,
            BandwidthRule::Factor => Bandwidth::Factor(s.bandwidth_value),
            BandwidthRule::Isotropic => Bandwidth::Isotropic(s.bandwidth_value),
        }
    }

    /// The bandwidth the `kde.*` keys of `cfg` name.
    ///
    /// ```
    /// use ferrolab::analysis::Bandwidth;
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("kde.bandwidth", Value::Str("isotropic".into()))?;
    /// cfg.set("kde.bandwidth_value", Value::F64(0.2))?;
    /// assert_eq!(Bandwidth::from_config(&cfg)?, Bandwidth::Isotropic(0.2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &Config) -> Result<Self, AnalysisError> {
        Ok(Self::from_settings(&KdeSettings::from_config(cfg)?))
    }
}
