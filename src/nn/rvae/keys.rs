//! The `rvae.*` configuration keys. Defaults are paper 004's run (its code, AtomAI's `rVAE`):
//! 2 content latents, 128 filters and hidden units, translation on with scale 0.1, angle prior
//! 0.1, Adam 1e-4, batch 32, 100 epochs, a random 15 % test split, seed 0.

use super::super::error::NnError;
use super::super::schedule::{BetaSchedule, Schedule};
use super::super::train::TrainSettings;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

crate::settings! {
    /// Everything the `rvae.*` keys set.
    ///
    /// ```
    /// let s = ferrolab::nn::rvae::RvaeSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.content_latents, s.hidden, s.filters), (2, 128, 128));
    /// assert_eq!((s.epochs, s.batch_size, s.learning_rate, s.seed), (100, 32, 1e-4, 0));
    /// assert!(s.translation && s.test_fraction == 0.15);
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub struct RvaeSettings {
        /// Content latents besides the angle and the offsets. Papers 002/004: 2.
        pub content_latents: usize = 2
            => "rvae.content_latents", valid Valid::Int(Included(1), Included(4096));
        /// Width of the decoder's coordinate network (three tanh layers). AtomAI: 128.
        pub hidden: usize = 128 => "rvae.hidden", valid Valid::Int(Included(1), Included(4096));
        /// Channels of the encoder's two 3 x 3 convolutions. AtomAI's conv encoder: 128.
        pub filters: usize = 128 => "rvae.filters", valid Valid::Int(Included(1), Included(4096));
        /// Whether two latents shift the image (paper 004: on; off leaves the angle and the
        /// content latents).
        pub translation: bool = true => "rvae.translation";
        /// Coordinate shift per unit offset latent, in half-widths of the image. AtomAI: 0.1.
        pub translation_scale: f64 = 0.1
            => "rvae.translation_scale", valid Valid::Real(Excluded(0.0), Included(10.0));
        /// Prior standard deviation of the angle (radians); its KL term has no mean part, so the
        /// angle may take any value. AtomAI: 0.1.
        pub rotation_prior_sd: f64 = 0.1
            => "rvae.rotation_prior_sd", unit "rad", valid Valid::Real(Excluded(0.0), Included(100.0));
        /// Weight of the quarter-turn consistency term (0: off, the papers' loss): each
        /// training image is also encoded turned a quarter turn clockwise, and the angles are
        /// pulled a quarter turn apart and the offsets and content together. For square windows
        /// of lattices with a four-fold symmetry, whose quarter turns the papers' loss may leave
        /// in the content (docs/models.md, "rVAE").
        pub quarter_turn_weight: f64 = 0.0
            => "rvae.quarter_turn_weight", valid Valid::Real(Included(0.0), Included(1e6));
        /// Epochs in all. Paper 004: 100.
        pub epochs: usize = 100
            => "rvae.epochs", unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
        /// Images per Adam step. Paper 004: 32.
        pub batch_size: usize = 32
            => "rvae.batch_size", unit "rows", valid Valid::Int(Included(1), Included(1 << 20));
        /// Adam's learning rate. Papers 002/004: 1e-4.
        pub learning_rate: f64 = 1e-4
            => "rvae.learning_rate", valid Valid::Real(Excluded(0.0), Included(10.0));
        /// Fraction of the images held out (random, seeded) and reported as the test loss
        /// each epoch. Paper 004: 0.15.
        pub test_fraction: f64 = 0.15
            => "rvae.test_fraction", valid Valid::Real(Included(0.0), Excluded(1.0));
        /// Seed of the weights, the split, the shuffling and the noise; results do not depend
        /// on the thread count. Paper 004: 0.
        pub seed: u64 = 0 => "rvae.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// Write the checkpoint file (when one is given) every this many epochs and at the
        /// end; 0: only at the end and on cancellation.
        pub checkpoint_every: usize = 10
            => "rvae.checkpoint_every", unit "epochs", valid Valid::Int(Included(0), Included(10_000_000));
    }
}

impl Validate for RvaeSettings {
    type Error = NnError;

    fn check_together(&self) -> Result<(), NnError> {
        Ok(())
    }
}

impl RvaeSettings {
    /// The trainer's settings: the KL terms at weight 1 every epoch (AtomAI's loss), the
    /// test split as the validation rows.
    pub fn training(&self) -> TrainSettings {
        TrainSettings {
            epochs: self.epochs,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
            schedule: Schedule::Beta(BetaSchedule {
                beta: 1.0,
                warmup_epochs: 0,
            }),
            seed: self.seed,
            validation_fraction: self.test_fraction,
            checkpoint_every: self.checkpoint_every,
        }
    }
}
