//! Hyper-parameters and options of the GP, and their configuration keys.

use super::GpError;
use super::kernel::KernelKind;
use crate::config::{Config, DefaultValue, KeySpec, Valid};
use std::ops::Bound::{Excluded, Included};

/// Log-space bounds of every hyper-parameter during optimisation (scikit-learn's defaults).
pub const BOUNDS: (f64, f64) = (1e-5, 1e5);

/// The configuration keys of the GP. Defaults are paper 000's GP, scikit-learn's
/// `ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.005, "fixed")` with `alpha = 1e-10`.
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "gp.kernel",
        unit: "",
        valid: Valid::OneOf(&["rbf", "rbf_ard", "matern32", "matern52"]),
        default: DefaultValue::Str("rbf"),
        doc: "Correlation: \"rbf\" (one length scale), \"rbf_ard\" (one per input dimension), \"matern32\", \"matern52\" (ARD when gp.length_scale lists one value per dimension).",
    },
    KeySpec {
        name: "gp.signal_variance",
        unit: "",
        valid: Valid::Real(Excluded(0.0), Included(1e10)),
        default: DefaultValue::F64(1.0),
        doc: "Signal variance sigma^2 (the starting value when optimised). Paper 000 / scikit-learn: 1.0.",
    },
    KeySpec {
        name: "gp.length_scale",
        unit: "input units",
        valid: Valid::Real(Excluded(0.0), Included(1e10)),
        default: DefaultValue::F64Array(&[1.0]),
        doc: "Length scale(s): one value, or one per input dimension for ARD (a single value is used for every dimension). Starting values when optimised.",
    },
    KeySpec {
        name: "gp.noise_variance",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1e10)),
        default: DefaultValue::F64(0.005),
        doc: "White-noise variance. Paper 000: 0.005, fixed.",
    },
    KeySpec {
        name: "gp.optimize",
        unit: "",
        valid: Valid::Int(Included(0), Included(1)),
        default: DefaultValue::I64(1),
        doc: "1: maximise the log marginal likelihood over the log hyper-parameters (bounded quasi-Newton); 0: keep them fixed.",
    },
    KeySpec {
        name: "gp.optimize_noise",
        unit: "",
        valid: Valid::Int(Included(0), Included(1)),
        default: DefaultValue::I64(0),
        doc: "1: also learn the noise variance; 0: keep it fixed (paper 000).",
    },
    KeySpec {
        name: "gp.n_restarts",
        unit: "",
        valid: Valid::Int(Included(0), Included(1000)),
        default: DefaultValue::I64(0),
        doc: "Extra optimiser starts drawn uniformly in the log bounds (seeded by gp.seed). scikit-learn's n_restarts_optimizer; paper: 0.",
    },
    KeySpec {
        name: "gp.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the restarts and of posterior samples.",
    },
    KeySpec {
        name: "gp.normalize_y",
        unit: "",
        valid: Valid::Int(Included(0), Included(1)),
        default: DefaultValue::I64(0),
        doc: "1: fit each output centred and scaled to unit variance (scikit-learn's normalize_y).",
    },
    KeySpec {
        name: "gp.jitter",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1.0)),
        default: DefaultValue::F64(1e-10),
        doc: "Added to the diagonal when fitting (scikit-learn's alpha); grown tenfold while the Cholesky factorisation fails, and reported.",
    },
    KeySpec {
        name: "gp.predict_latent",
        unit: "",
        valid: Valid::Int(Included(0), Included(1)),
        default: DefaultValue::I64(0),
        doc: "0: predicted std includes the noise variance (as scikit-learn's with a WhiteKernel); 1: std of the latent function.",
    },
];

/// Checked GP options.
#[derive(Clone, Debug, PartialEq)]
pub struct GpParams {
    /// Correlation family.
    pub kind: KernelKind,
    /// One length scale per input dimension.
    pub ard: bool,
    /// Starting (or fixed) signal variance.
    pub signal_variance: f64,
    /// Starting (or fixed) length scales (one, or one per dimension).
    pub length_scales: Vec<f64>,
    /// Noise variance.
    pub noise_variance: f64,
    /// Optimise the kernel hyper-parameters.
    pub optimize: bool,
    /// Optimise the noise variance too.
    pub optimize_noise: bool,
    /// Extra random starts.
    pub n_restarts: usize,
    /// Seed of restarts and samples.
    pub seed: u64,
    /// Centre and scale each output.
    pub normalize_y: bool,
    /// Diagonal regularisation.
    pub jitter: f64,
    /// Predict the latent function's std (without noise).
    pub predict_latent: bool,
}

impl Default for GpParams {
    fn default() -> Self {
        Self::from_config(&Config::new()).expect("the registry's defaults are valid")
    }
}

impl GpParams {
    /// Read the `gp.*` keys.
    ///
    /// ```
    /// let p = ferrolab::gp::GpParams::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((p.noise_variance, p.optimize), (0.005, true));
    /// # Ok::<(), ferrolab::gp::GpError>(())
    /// ```
    pub fn from_config(cfg: &Config) -> Result<Self, GpError> {
        let word = cfg.str("gp.kernel")?;
        let kind = match word.as_str() {
            "matern32" => KernelKind::Matern32,
            "matern52" => KernelKind::Matern52,
            _ => KernelKind::Rbf,
        };
        let length_scales = cfg.f64_array("gp.length_scale")?;
        let flag = |key: &str| -> Result<bool, GpError> { Ok(cfg.i64(key)? == 1) };
        Ok(Self {
            kind,
            ard: word == "rbf_ard" || (kind != KernelKind::Rbf && length_scales.len() > 1),
            signal_variance: cfg.f64("gp.signal_variance")?,
            length_scales,
            noise_variance: cfg.f64("gp.noise_variance")?,
            optimize: flag("gp.optimize")?,
            optimize_noise: flag("gp.optimize_noise")?,
            n_restarts: cfg.i64("gp.n_restarts")? as usize,
            seed: cfg.i64("gp.seed")?.unsigned_abs(),
            normalize_y: flag("gp.normalize_y")?,
            jitter: cfg.f64("gp.jitter")?,
            predict_latent: flag("gp.predict_latent")?,
        })
    }

    /// Check every value against its key's range (for parameters built directly rather than
    /// from a config), naming the key.
    pub fn validate(&self) -> Result<(), GpError> {
        use crate::config::Value::{F64, F64Array, I64};
        let mut probe = Config::new();
        probe.set("gp.signal_variance", F64(self.signal_variance))?;
        probe.set("gp.length_scale", F64Array(self.length_scales.clone()))?;
        probe.set("gp.noise_variance", F64(self.noise_variance))?;
        probe.set("gp.jitter", F64(self.jitter))?;
        probe.set(
            "gp.n_restarts",
            I64(i64::try_from(self.n_restarts).unwrap_or(i64::MAX)),
        )?;
        Ok(())
    }

    /// Starting length scales for inputs of dimension `d`, or an error naming the key.
    pub(crate) fn initial_length_scales(&self, d: usize) -> Result<Vec<f64>, GpError> {
        match (self.ard, self.length_scales.len()) {
            (false, 1) => Ok(self.length_scales.clone()),
            (false, n) => Err(GpError::Invalid(format!(
                "gp.length_scale has {n} values but the kernel is isotropic; use gp.kernel = \"rbf_ard\" or one value"
            ))),
            (true, 1) => Ok(vec![self.length_scales[0]; d]),
            (true, n) if n == d => Ok(self.length_scales.clone()),
            (true, n) => Err(GpError::Invalid(format!(
                "gp.length_scale has {n} values but the inputs have {d} dimensions"
            ))),
        }
    }
}
