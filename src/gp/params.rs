//! Hyper-parameters and options of the GP, and their configuration keys.

use super::GpError;
use super::kernel::KernelKind;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

/// Log-space bounds of every hyper-parameter during optimisation (scikit-learn's defaults).
pub const BOUNDS: (f64, f64) = (1e-5, 1e5);

crate::text_option! {
    /// The kernel a GP starts from (`gp.kernel`).
    pub enum KernelChoice {
        /// Squared exponential with one length scale.
        Rbf = "rbf",
        /// Squared exponential with one length scale per input dimension.
        RbfArd = "rbf_ard",
        /// Matérn ν = 3/2 (ARD when several length scales are given).
        Matern32 = "matern32",
        /// Matérn ν = 5/2 (ARD when several length scales are given).
        Matern52 = "matern52",
    }
}

impl KernelChoice {
    /// The choice that gives correlation `kind`, with one length scale per dimension or not.
    pub fn of(kind: KernelKind, ard: bool) -> Self {
        match (kind, ard) {
            (KernelKind::Rbf, false) => Self::Rbf,
            (KernelKind::Rbf, true) => Self::RbfArd,
            (KernelKind::Matern32, _) => Self::Matern32,
            (KernelKind::Matern52, _) => Self::Matern52,
        }
    }
}

crate::settings! {
    /// Hyper-parameters and options of the GP and their `gp.*` keys. Defaults are paper 000's
    /// GP, scikit-learn's `ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.005, "fixed")` with
    /// `alpha = 1e-10`.
    ///
    /// ```
    /// let p = ferrolab::gp::GpParams::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((p.noise_variance, p.optimize), (0.005, true));
    /// # Ok::<(), ferrolab::gp::GpError>(())
    /// ```
    pub struct GpParams {
        /// Correlation: "rbf" (one length scale), "rbf_ard" (one per input dimension),
        /// "matern32", "matern52" (ARD when gp.length_scale lists one value per dimension).
        pub kernel: KernelChoice = KernelChoice::Rbf => "gp.kernel";
        /// Signal variance sigma^2 (the starting value when optimised). Paper 000 /
        /// scikit-learn: 1.0.
        pub signal_variance: f64 = 1.0
            => "gp.signal_variance", valid Valid::Real(Excluded(0.0), Included(1e10));
        /// Length scale(s): one value, or one per input dimension for ARD (a single value is
        /// used for every dimension). Starting values when optimised.
        pub length_scales: Vec<f64> = vec![1.0]
            => "gp.length_scale", unit "input units",
            valid Valid::Real(Excluded(0.0), Included(1e10));
        /// White-noise variance. Paper 000: 0.005, fixed.
        pub noise_variance: f64 = 0.005
            => "gp.noise_variance", valid Valid::Real(Included(0.0), Included(1e10));
        /// 1: maximise the log marginal likelihood over the log hyper-parameters (bounded
        /// quasi-Newton); 0: keep them fixed.
        pub optimize: bool = true => "gp.optimize";
        /// 1: also learn the noise variance; 0: keep it fixed (paper 000).
        pub optimize_noise: bool = false => "gp.optimize_noise";
        /// Extra optimiser starts drawn uniformly in the log bounds (seeded by gp.seed).
        /// scikit-learn's n_restarts_optimizer; paper: 0.
        pub n_restarts: usize = 0 => "gp.n_restarts", valid Valid::Int(Included(0), Included(1000));
        /// Seed of the restarts and of posterior samples.
        pub seed: u64 = 0 => "gp.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// 1: fit each output centred and scaled to unit variance (scikit-learn's normalize_y).
        pub normalize_y: bool = false => "gp.normalize_y";
        /// Added to the diagonal when fitting (scikit-learn's alpha); grown tenfold while the
        /// Cholesky factorisation fails, and reported.
        pub jitter: f64 = 1e-10 => "gp.jitter", valid Valid::Real(Included(0.0), Included(1.0));
        /// 0: predicted std includes the noise variance (as scikit-learn's with a WhiteKernel);
        /// 1: std of the latent function.
        pub predict_latent: bool = false => "gp.predict_latent";
    }
}

impl Validate for GpParams {
    type Error = GpError;

    /// Each field's range is its key's; the length scales' count is checked against the data.
    fn check_together(&self) -> Result<(), GpError> {
        Ok(())
    }
}

impl GpParams {
    /// The correlation family.
    pub fn kind(&self) -> KernelKind {
        match self.kernel {
            KernelChoice::Rbf | KernelChoice::RbfArd => KernelKind::Rbf,
            KernelChoice::Matern32 => KernelKind::Matern32,
            KernelChoice::Matern52 => KernelKind::Matern52,
        }
    }

    /// Whether each input dimension has its own length scale.
    pub fn ard(&self) -> bool {
        match self.kernel {
            KernelChoice::Rbf => false,
            KernelChoice::RbfArd => true,
            KernelChoice::Matern32 | KernelChoice::Matern52 => self.length_scales.len() > 1,
        }
    }

    /// Starting length scales for inputs of dimension `d`, or an error naming the key.
    pub(crate) fn initial_length_scales(&self, d: usize) -> Result<Vec<f64>, GpError> {
        match (self.ard(), self.length_scales.len()) {
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
