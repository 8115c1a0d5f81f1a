//! The `ae.*` configuration keys of the automated-experiment session (docs/experiment.md).
//! The members' network and optimiser come from the `im2spec.*` keys, but for the latent
//! size, epochs and seed, which the session sets.

use super::error::ExperimentError;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::Included;

crate::text_option! {
    /// How unmeasured locations are ranked (`ae.acquisition`).
    pub enum Acquisition {
        /// The ensemble's spread: the mean over the spectrum of the members' standard
        /// deviation (the design's default: where the models disagree, the structure does not
        /// determine the spectrum yet).
        EnsembleStd = "ensemble_std",
        /// Latent novelty: minus the log-density of a location's latent vector under a
        /// Gaussian mixture of the measured locations' latents.
        LatentNovelty = "latent_novelty",
        /// Uniformly random (a control).
        Random = "random",
        /// Row by row, left to right (a control: the order of a raster scan).
        Raster = "raster",
    }
}

crate::text_option! {
    /// The error a new measurement's surprise is ranked by (`ae.error_metric`).
    pub enum ErrorMetric {
        /// `sqrt(mean (y_hat - y)^2 / mean (y_hat + y)^2)` (paper 003's plotted error).
        Nrms = "nrms",
        /// Mean squared error.
        Mse = "mse",
        /// Absolute difference of the loop areas (shoelace).
        Area = "area",
    }
}

crate::settings! {
    /// Everything the `ae.*` keys set.
    ///
    /// ```
    /// let s = ferrolab::experiment::AeSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.window_px, s.ensemble_size, s.exclusion_radius_px), (8, 5, 4.0));
    /// # Ok::<(), ferrolab::experiment::ExperimentError>(())
    /// ```
    pub struct AeSettings {
        /// Side of the square structure patch centred on a location (even). Paper 003: 8.
        pub window_px: usize = 8
            => "ae.window_px", unit "px", valid Valid::Int(Included(2), Included(512));
        /// Latent dimensions of every member. Paper 003's latent maps: 2.
        pub latent_dim: usize = 2
            => "ae.latent_dim", valid Valid::Int(Included(1), Included(4096));
        /// How unmeasured locations are ranked.
        pub acquisition: Acquisition = Acquisition::EnsembleStd => "ae.acquisition";
        /// im2spec models in the ensemble, each with its own seed and bootstrap resample.
        pub ensemble_size: usize = 5
            => "ae.ensemble_size", valid Valid::Int(Included(1), Included(256));
        /// No two locations of one ranking lie closer than this (0: no exclusion).
        pub exclusion_radius_px: f64 = 4.0
            => "ae.exclusion_radius_px", unit "px", valid Valid::Real(Included(0.0), Included(1e6));
        /// The error of a new measurement against its prediction reported as its surprise.
        pub error_metric: ErrorMetric = ErrorMetric::Nrms => "ae.error_metric";
        /// Epochs of a member's first training. Paper 003: 250.
        pub epochs_initial: usize = 250
            => "ae.epochs_initial", unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
        /// Epochs of every later, warm-started update.
        pub epochs_update: usize = 50
            => "ae.epochs_update", unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
        /// Seed of the members (member k: seed + k), their resamples and the random rule.
        pub seed: u64 = 0 => "ae.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// Mixture components of `latent_novelty` (fewer when fewer locations are measured).
        pub novelty_components: usize = 8
            => "ae.novelty_components", valid Valid::Int(Included(1), Included(256));
    }
}

impl Validate for AeSettings {
    type Error = ExperimentError;

    fn check_together(&self) -> Result<(), ExperimentError> {
        if !self.window_px.is_multiple_of(2) {
            return Err(super::error::invalid(format!(
                "ae.window_px = {}: a centred window needs an even width",
                self.window_px
            )));
        }
        Ok(())
    }
}
