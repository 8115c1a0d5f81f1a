//! The weights of the loss terms per epoch: paper 000's beta (constant or warmed up) and paper
//! 001's stages, where beta and the L1 weight lambda rise together after priming epochs.

use super::train::LossWeights;

/// Beta of the beta-VAE per epoch: constant, or raised linearly from 0 over the first
/// `warmup_epochs` epochs (KL annealing, which keeps the latent space from collapsing early).
///
/// ```
/// use ferrolab::nn::schedule::BetaSchedule;
/// let s = BetaSchedule { beta: 0.1, warmup_epochs: 4 };
/// assert_eq!(s.at_epoch(0), 0.025);
/// assert_eq!(s.at_epoch(3), 0.1);
/// assert_eq!(s.at_epoch(100), 0.1);
/// assert_eq!(BetaSchedule { beta: 0.1, warmup_epochs: 0 }.at_epoch(0), 0.1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BetaSchedule {
    /// Final (or constant) beta.
    pub beta: f64,
    /// Epochs of the linear ramp; 0 for a constant beta.
    pub warmup_epochs: usize,
}

impl BetaSchedule {
    /// Beta during epoch `epoch` (0-based): `beta * min(1, (epoch + 1) / warmup_epochs)`.
    pub fn at_epoch(&self, epoch: usize) -> f64 {
        if self.warmup_epochs == 0 {
            return self.beta;
        }
        self.beta * ((epoch + 1) as f64 / self.warmup_epochs as f64).min(1.0)
    }
}

/// Paper 001's stages: `priming_epochs` with beta = lambda = 0, then stage
/// `k = 1 + floor((epoch - priming) / stage_epochs)` with `beta = k beta_step` and
/// `lambda = lambda_base 10^beta`.
///
/// ```
/// use ferrolab::nn::schedule::StagedSchedule;
/// let s = StagedSchedule { priming_epochs: 2000, stage_epochs: 100, beta_step: 5e-3, lambda_base: 1e-5 };
/// assert_eq!(s.stage_of(1999), 0);
/// assert_eq!(s.stage_of(2000), 1);
/// assert_eq!(s.stage_of(2100), 2);
/// let w = s.weights_at(6499); // the paper's last toy epoch: stage 45
/// assert!((w.beta - 0.225).abs() < 1e-15);
/// assert!((w.lambda - 1e-5 * 10f64.powf(0.225)).abs() < 1e-20);
/// assert_eq!(s.weights_at(0).lambda, 0.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StagedSchedule {
    /// Epochs before the first stage (beta = lambda = 0).
    pub priming_epochs: usize,
    /// Epochs per stage.
    pub stage_epochs: usize,
    /// Beta added per stage.
    pub beta_step: f64,
    /// Lambda at beta = 0 (the paper's code: 1e-5).
    pub lambda_base: f64,
}

impl StagedSchedule {
    /// The stage of `epoch` (0-based): 0 while priming, then 1, 2, ...
    pub fn stage_of(&self, epoch: usize) -> usize {
        match epoch.checked_sub(self.priming_epochs) {
            None => 0,
            Some(e) => 1 + e / self.stage_epochs.max(1),
        }
    }

    /// The last epoch (exclusive) of `stage`.
    pub fn stage_end(&self, stage: usize) -> usize {
        self.priming_epochs + stage * self.stage_epochs
    }

    /// The loss weights of `epoch`.
    pub fn weights_at(&self, epoch: usize) -> LossWeights {
        match self.stage_of(epoch) {
            0 => LossWeights::default(),
            k => {
                let beta = k as f64 * self.beta_step;
                LossWeights {
                    beta,
                    lambda: self.lambda_base * 10f64.powf(beta),
                }
            }
        }
    }
}

/// The loss weights of each epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// Paper 000: beta only.
    Beta(BetaSchedule),
    /// Paper 001: staged beta and lambda.
    Staged(StagedSchedule),
}

impl Schedule {
    /// The loss weights of `epoch` (0-based).
    pub fn weights_at(&self, epoch: usize) -> LossWeights {
        match self {
            Self::Beta(b) => LossWeights {
                beta: b.at_epoch(epoch),
                lambda: 0.0,
            },
            Self::Staged(s) => s.weights_at(epoch),
        }
    }
}
