//! The `im2spec.*` and `spec2im.*` configuration keys: the same settings for each of paper
//! 003's two networks, declared once by a macro so the two cannot drift apart. Defaults are the
//! paper's code: latent 10, 64 filters, Adam 1e-3, batch 64, 250 epochs, seed 1.

use super::super::error::NnError;
use super::super::schedule::{BetaSchedule, Schedule};
use super::super::train::TrainSettings;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

macro_rules! encoder_decoder_settings {
    ($(#[$meta:meta])* $name:ident, $model:literal) => {
        crate::settings! {
            $(#[$meta])*
            pub struct $name {
                /// Latent dimensions. Paper 003: 10 (and 2 for its latent maps).
                pub latent: usize = 10
                    => concat!($model, ".latent"), valid Valid::Int(Included(1), Included(4096));
                /// Channels of the convolutions. Paper 003: 64.
                pub filters: usize = 64
                    => concat!($model, ".filters"), valid Valid::Int(Included(1), Included(4096));
                /// Epochs in all. Paper 003: 250.
                pub epochs: usize = 250
                    => concat!($model, ".epochs"), unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
                /// Rows per Adam step. Paper 003: 64.
                pub batch_size: usize = 64
                    => concat!($model, ".batch_size"), unit "rows", valid Valid::Int(Included(1), Included(1 << 20));
                /// Adam's learning rate. Paper 003: 1e-3.
                pub learning_rate: f64 = 1e-3
                    => concat!($model, ".learning_rate"), valid Valid::Real(Excluded(0.0), Included(10.0));
                /// Seed of the weights and the shuffling; results do not depend on the thread
                /// count. Paper 003: 1.
                pub seed: u64 = 1
                    => concat!($model, ".seed"), valid Valid::Int(Included(0), Included(i64::MAX));
                /// Write the checkpoint file (when one is given) every this many epochs and at
                /// the end; 0: only at the end and on cancellation.
                pub checkpoint_every: usize = 10
                    => concat!($model, ".checkpoint_every"), unit "epochs", valid Valid::Int(Included(0), Included(10_000_000));
            }
        }

        impl Validate for $name {
            type Error = NnError;

            fn check_together(&self) -> Result<(), NnError> {
                Ok(())
            }
        }

        impl $name {
            /// The settings of a model with these sizes and training settings.
            pub(crate) fn from_parts(latent: usize, filters: usize, t: &TrainSettings) -> Self {
                Self {
                    latent,
                    filters,
                    epochs: t.epochs,
                    batch_size: t.batch_size,
                    learning_rate: t.learning_rate,
                    seed: t.seed,
                    checkpoint_every: t.checkpoint_every,
                }
            }

            /// The trainer's settings (no KL term, no validation split: paper 003 splits the
            /// map spatially before training).
            pub fn training(&self) -> TrainSettings {
                TrainSettings {
                    epochs: self.epochs,
                    batch_size: self.batch_size,
                    learning_rate: self.learning_rate,
                    schedule: Schedule::Beta(BetaSchedule {
                        beta: 0.0,
                        warmup_epochs: 0,
                    }),
                    seed: self.seed,
                    validation_fraction: 0.0,
                    checkpoint_every: self.checkpoint_every,
                }
            }
        }
    };
}

encoder_decoder_settings! {
    /// Everything the `im2spec.*` keys set (structure patch -> spectrum).
    ///
    /// ```
    /// let s = ferrolab::nn::im2spec::Im2SpecSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.latent, s.filters, s.epochs, s.batch_size, s.seed), (10, 64, 250, 64, 1));
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    Im2SpecSettings, "im2spec"
}

encoder_decoder_settings! {
    /// Everything the `spec2im.*` keys set (spectrum -> structure patch).
    ///
    /// ```
    /// let s = ferrolab::nn::im2spec::Spec2ImSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.latent, s.learning_rate), (10, 1e-3));
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    Spec2ImSettings, "spec2im"
}
