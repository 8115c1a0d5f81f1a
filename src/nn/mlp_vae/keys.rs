//! The `vae.*` configuration keys and the settings read from them.

use super::super::error::NnError;
use super::super::schedule::{BetaSchedule, Schedule};
use super::super::train::TrainSettings;
use super::architecture::Reconstruction;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

crate::text_option! {
    /// Which engine computes the gradients (`vae.engine`).
    pub enum Engine {
        /// The hand-written fused path (default).
        Fast = "fast",
        /// burn's autodiff (cargo feature `burn`).
        Burn = "burn",
    }
}

crate::settings! {
    /// Everything the `vae.*` keys set: the architecture (besides the input length, which the
    /// data fix), the training settings and the engine. Defaults are paper 000 §4.2.
    ///
    /// ```
    /// let s = ferrolab::nn::VaeSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.hidden.clone(), s.latent_dim, s.epochs), (vec![256], 2, 200));
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub struct VaeSettings {
        /// Latent dimension. Paper 000: 2.
        pub latent_dim: usize = 2
            => "vae.latent_dim", valid Valid::Int(Included(1), Included(4096));
        /// Hidden widths of the encoder, input side first (ReLU); the decoder mirrors them.
        /// Paper 000: [256].
        pub hidden: Vec<usize> = vec![256]
            => "vae.hidden", valid Valid::Int(Included(1), Included(65_536));
        /// Weight of the KL term (beta of the beta-VAE). Paper 000: 0.1.
        pub beta: f64 = 0.1 => "vae.beta", valid Valid::Real(Included(0.0), Included(1e6));
        /// Raise beta linearly from 0 over this many epochs (KL annealing); 0 keeps it constant
        /// (paper 000).
        pub beta_warmup_epochs: usize = 0
            => "vae.beta_warmup_epochs", unit "epochs",
            valid Valid::Int(Included(0), Included(1_000_000));
        /// Passes over the training rows. Paper 000: 200.
        pub epochs: usize = 200
            => "vae.epochs", unit "epochs", valid Valid::Int(Included(1), Included(1_000_000));
        /// Rows per Adam step. Paper 000: 128.
        pub batch_size: usize = 128
            => "vae.batch_size", unit "rows", valid Valid::Int(Included(1), Included(1 << 20));
        /// Adam's learning rate (betas 0.9, 0.999, eps 1e-8 as PyTorch). Paper 000: 1e-3.
        pub learning_rate: f64 = 1e-3
            => "vae.learning_rate", valid Valid::Real(Excluded(0.0), Included(10.0));
        /// Seed of the weights, shuffling, noise and validation split; the same seed gives the
        /// same weights on the same machine, whatever the thread count.
        pub seed: u64 = 0 => "vae.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// Reconstruction loss on the [0, 1]-scaled data: "bce" (binary cross-entropy with
        /// logits, paper 000) or "mse" (summed squared error).
        pub reconstruction: Reconstruction = Reconstruction::Bce => "vae.reconstruction";
        /// Fraction of rows held out (seeded choice) and evaluated after every epoch; 0: train
        /// on all rows (paper 000).
        pub validation_fraction: f64 = 0.0
            => "vae.validation_fraction", valid Valid::Real(Included(0.0), Excluded(1.0));
        /// Write the checkpoint file (when one is given) every this many epochs and at the end;
        /// 0: never.
        pub checkpoint_every: usize = 10
            => "vae.checkpoint_every", unit "epochs",
            valid Valid::Int(Included(0), Included(1_000_000));
        /// Gradient engine: "fast" (hand-written fused path) or "burn" (burn's autodiff; needs
        /// ferrolab built with the `burn` feature). Both give the same gradients to f32
        /// round-off.
        pub engine: Engine = Engine::Fast => "vae.engine";
    }
}

impl Validate for VaeSettings {
    type Error = NnError;

    /// Each field's range is its key's; the architecture is checked with the input length.
    fn check_together(&self) -> Result<(), NnError> {
        Ok(())
    }
}

impl VaeSettings {
    /// What the training loop needs of these settings.
    ///
    /// ```
    /// let t = ferrolab::nn::VaeSettings::default().training();
    /// assert_eq!((t.epochs, t.batch_size, t.schedule.weights_at(0).beta), (200, 128, 0.1));
    /// ```
    pub fn training(&self) -> TrainSettings {
        TrainSettings {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            schedule: Schedule::Beta(BetaSchedule {
                beta: self.beta,
                warmup_epochs: self.beta_warmup_epochs,
            }),
            seed: self.seed,
            validation_fraction: self.validation_fraction,
            checkpoint_every: self.checkpoint_every,
        }
    }
}
