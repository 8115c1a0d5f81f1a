//! The weight of the KL term per epoch.

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
