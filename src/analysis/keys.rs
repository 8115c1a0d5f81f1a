//! The `nmf.*` and `dictionary.*` configuration keys (the C API and `ferrolab analyze` read
//! them) and the settings built from them. Defaults are scikit-learn's.

use super::{AnalysisError, DictionaryInit, DictionaryParams, NmfInit, NmfParams};
use crate::config::{Config, DefaultValue, KeySpec, Valid};
use std::ops::Bound::Included;

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
