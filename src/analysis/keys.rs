//! The `nmf.*`, `dictionary.*`, `kmeans.*`, `gmm.*` and `kde.*` configuration keys (the C API
//! and `ferrolab analyze` read them) and the settings built from them. Defaults are
//! scikit-learn's (SciPy's for the KDE).

use super::{
    AnalysisError, Bandwidth, CovarianceType, DictionaryInit, DictionaryParams, GmmInit, GmmParams,
    KMeansParams, NmfInit, NmfParams,
};
use crate::config::{Config, DefaultValue, KeySpec, Valid};
use std::ops::Bound::{Excluded, Included};

/// The keys of the linear baselines.
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "nmf.init",
        unit: "",
        valid: Valid::OneOf(&["nndsvd", "nndsvda", "random"]),
        default: DefaultValue::Str("nndsvd"),
        doc: "How W and H start: \"nndsvd\" (non-negative double SVD, deterministic), \"nndsvda\" (its zeros filled with the mean of X) or \"random\" (seeded by nmf.seed).",
    },
    KeySpec {
        name: "nmf.tol",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1.0)),
        default: DefaultValue::F64(1e-4),
        doc: "Stop when an iteration's projected-gradient violation is at most this fraction of the first one's (scikit-learn's criterion and default).",
    },
    KeySpec {
        name: "nmf.max_iter",
        unit: "iterations",
        valid: Valid::Int(Included(1), Included(1_000_000)),
        default: DefaultValue::I64(200),
        doc: "At most this many coordinate-descent iterations (each updates W, then H).",
    },
    KeySpec {
        name: "nmf.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the random start (nmf.init = \"random\").",
    },
    KeySpec {
        name: "dictionary.init",
        unit: "",
        valid: Valid::OneOf(&["svd", "random"]),
        default: DefaultValue::Str("svd"),
        doc: "How the atoms start: \"svd\" (leading right singular vectors, deterministic) or \"random\" (seeded by dictionary.seed).",
    },
    KeySpec {
        name: "dictionary.tol",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1.0)),
        default: DefaultValue::F64(1e-8),
        doc: "Stop when an iteration lowers the objective by less than this fraction of its value (scikit-learn's default).",
    },
    KeySpec {
        name: "dictionary.max_iter",
        unit: "iterations",
        valid: Valid::Int(Included(1), Included(1_000_000)),
        default: DefaultValue::I64(1000),
        doc: "At most this many alternations of sparse coding and dictionary update.",
    },
    KeySpec {
        name: "dictionary.standardise",
        unit: "",
        valid: Valid::Int(Included(0), Included(1)),
        default: DefaultValue::I64(0),
        doc: "1: centre every feature and divide it by its standard deviation first, as paper 001 does; the MSE is then in standardised units.",
    },
    KeySpec {
        name: "dictionary.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the random start (dictionary.init = \"random\").",
    },
    KeySpec {
        name: "kmeans.n_init",
        unit: "runs",
        valid: Valid::Int(Included(1), Included(10_000)),
        default: DefaultValue::I64(1),
        doc: "Independent k-means++ runs; the one with the lowest inertia is kept.",
    },
    KeySpec {
        name: "kmeans.max_iter",
        unit: "iterations",
        valid: Valid::Int(Included(1), Included(1_000_000)),
        default: DefaultValue::I64(300),
        doc: "At most this many Lloyd iterations per run.",
    },
    KeySpec {
        name: "kmeans.tol",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1.0)),
        default: DefaultValue::F64(1e-4),
        doc: "Stop when the summed squared centre shift is below this fraction of the mean per-feature variance.",
    },
    KeySpec {
        name: "kmeans.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the k-means++ draws.",
    },
    KeySpec {
        name: "gmm.covariance",
        unit: "",
        valid: Valid::OneOf(&["full", "diag", "tied", "spherical"]),
        default: DefaultValue::Str("full"),
        doc: "Covariance of each component: \"full\", \"diag\" (diagonal), \"tied\" (one full matrix shared) or \"spherical\".",
    },
    KeySpec {
        name: "gmm.tol",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1e3)),
        default: DefaultValue::F64(1e-3),
        doc: "EM stops when the mean log-likelihood per sample changes by less.",
    },
    KeySpec {
        name: "gmm.reg_covar",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1e6)),
        default: DefaultValue::F64(1e-6),
        doc: "Added to every covariance diagonal so the components stay positive definite.",
    },
    KeySpec {
        name: "gmm.max_iter",
        unit: "iterations",
        valid: Valid::Int(Included(1), Included(1_000_000)),
        default: DefaultValue::I64(100),
        doc: "At most this many EM iterations per run.",
    },
    KeySpec {
        name: "gmm.n_init",
        unit: "runs",
        valid: Valid::Int(Included(1), Included(10_000)),
        default: DefaultValue::I64(1),
        doc: "Independent EM runs; the one with the highest likelihood is kept.",
    },
    KeySpec {
        name: "gmm.init",
        unit: "",
        valid: Valid::OneOf(&["kmeans", "random"]),
        default: DefaultValue::Str("kmeans"),
        doc: "Starting responsibilities: one k-means run's labels, or seeded random ones.",
    },
    KeySpec {
        name: "gmm.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the runs' random streams.",
    },
    KeySpec {
        name: "kde.bandwidth",
        unit: "",
        valid: Valid::OneOf(&["scott", "silverman", "factor", "isotropic"]),
        default: DefaultValue::Str("scott"),
        doc: "Kernel covariance: the data covariance times Scott's or Silverman's factor squared (as scipy.stats.gaussian_kde), or times kde.bandwidth_value squared (\"factor\"), or kde.bandwidth_value^2 times the identity (\"isotropic\", scikit-learn's KernelDensity).",
    },
    KeySpec {
        name: "kde.bandwidth_value",
        unit: "",
        valid: Valid::Real(Excluded(0.0), Included(1e12)),
        default: DefaultValue::F64(1.0),
        doc: "The factor (kde.bandwidth = \"factor\") or the kernel width h in data units (\"isotropic\").",
    },
];

impl NmfParams {
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
        let seed = cfg.i64("nmf.seed")?.unsigned_abs();
        Ok(Self {
            init: match cfg.str("nmf.init")?.as_str() {
                "nndsvda" => NmfInit::Nndsvda,
                "random" => NmfInit::Random { seed },
                _ => NmfInit::Nndsvd,
            },
            tol: cfg.f64("nmf.tol")?,
            max_iter: cfg.i64("nmf.max_iter")? as usize,
            ..NmfParams::new(n_components)
        })
    }
}

impl DictionaryParams {
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
        let seed = cfg.i64("dictionary.seed")?.unsigned_abs();
        Ok(Self {
            init: match cfg.str("dictionary.init")?.as_str() {
                "random" => DictionaryInit::Random { seed },
                _ => DictionaryInit::Svd,
            },
            tol: cfg.f64("dictionary.tol")?,
            max_iter: cfg.i64("dictionary.max_iter")? as usize,
            standardise: cfg.i64("dictionary.standardise")? == 1,
            ..DictionaryParams::new(n_components, lambda)
        })
    }
}

impl KMeansParams {
    /// `k` clusters with the `kmeans.*` keys of `cfg` (k-means++ starts).
    ///
    /// ```
    /// use ferrolab::analysis::KMeansParams;
    /// let p = KMeansParams::from_config(&ferrolab::config::Config::new(), 4)?;
    /// assert_eq!((p.n_clusters, p.max_iter), (4, 300));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn from_config(cfg: &Config, n_clusters: usize) -> Result<Self, AnalysisError> {
        Ok(Self {
            n_init: cfg.i64("kmeans.n_init")? as usize,
            max_iter: cfg.i64("kmeans.max_iter")? as usize,
            tol: cfg.f64("kmeans.tol")?,
            seed: cfg.i64("kmeans.seed")?.unsigned_abs(),
            ..KMeansParams::new(n_clusters)
        })
    }
}

impl GmmParams {
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
        Ok(Self {
            covariance_type: match cfg.str("gmm.covariance")?.as_str() {
                "diag" => CovarianceType::Diagonal,
                "tied" => CovarianceType::Tied,
                "spherical" => CovarianceType::Spherical,
                _ => CovarianceType::Full,
            },
            tol: cfg.f64("gmm.tol")?,
            reg_covar: cfg.f64("gmm.reg_covar")?,
            max_iter: cfg.i64("gmm.max_iter")? as usize,
            n_init: cfg.i64("gmm.n_init")? as usize,
            init: match cfg.str("gmm.init")?.as_str() {
                "random" => GmmInit::Random,
                _ => GmmInit::KMeans,
            },
            seed: cfg.i64("gmm.seed")?.unsigned_abs(),
            ..GmmParams::new(n_components)
        })
    }
}

impl Bandwidth {
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
        let value = cfg.f64("kde.bandwidth_value")?;
        Ok(match cfg.str("kde.bandwidth")?.as_str() {
            "silverman" => Bandwidth::Silverman,
            "factor" => Bandwidth::Factor(value),
            "isotropic" => Bandwidth::Isotropic(value),
            _ => Bandwidth::Scott,
        })
    }
}
