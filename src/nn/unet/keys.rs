//! The `unet.*` configuration keys. Defaults are paper 002's training (Adam 1e-3, cross-entropy,
//! rotations, flips, zoom and contrast on the fly) on AtomAI's default `Unet` (16 filters) and
//! its trainer (batch 32, a 15 % test split).

use super::super::error::NnError;
use super::super::schedule::{BetaSchedule, Schedule};
use super::super::train::TrainSettings;
use super::augment::Augmentation;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

crate::text_option! {
    /// How the cross-entropy weighs the classes (`unet.class_weights`).
    pub enum ClassWeighting {
        /// Every pixel counts the same (paper 002).
        None = "none",
        /// Class `c` weighs `n / (K n_c)` over the training masks (scikit-learn's
        /// "balanced"), so thin walls count as much as the domains around them.
        Balanced = "balanced",
    }
}

crate::settings! {
    /// Everything the `unet.*` keys set.
    ///
    /// ```
    /// let s = ferrolab::nn::unet::UnetSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.classes, s.filters, s.batch_size, s.learning_rate), (3, 16, 32, 1e-3));
    /// assert!(s.rotation && s.zoom == 2.0 && s.gamma == 2.0);
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub struct UnetSettings {
        /// Classes of the per-pixel output. Paper 002: 3 (domain, wall, contaminant); atom
        /// finding: background plus one per cation class.
        pub classes: usize = 3 => "unet.classes", valid Valid::Int(Included(2), Included(255));
        /// Channels of the first block, doubling per level. AtomAI: 16.
        pub filters: usize = 16 => "unet.filters", valid Valid::Int(Included(1), Included(1024));
        /// How the loss weighs the classes.
        pub class_weights: ClassWeighting = ClassWeighting::None => "unet.class_weights";
        /// Random quarter turns and flips of each training crop (paper 002).
        pub rotation: bool = true => "unet.rotation";
        /// Largest zoom-in factor of a training crop; 1 turns zooming off. AtomAI: 2.
        pub zoom: f64 = 2.0 => "unet.zoom", valid Valid::Real(Included(1.0), Included(8.0));
        /// Largest contrast power: a crop scaled to [0, 1] is raised to a power log-uniform in
        /// [1/gamma, gamma]; 1 turns it off. AtomAI: powers in [0.5, 2).
        pub gamma: f64 = 2.0 => "unet.gamma", valid Valid::Real(Included(1.0), Included(10.0));
        /// Epochs in all (passes over the training crops).
        pub epochs: usize = 100
            => "unet.epochs", unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
        /// Crops per Adam step. AtomAI: 32.
        pub batch_size: usize = 32
            => "unet.batch_size", unit "rows", valid Valid::Int(Included(1), Included(1 << 20));
        /// Adam's learning rate. Paper 002: 1e-3.
        pub learning_rate: f64 = 1e-3
            => "unet.learning_rate", valid Valid::Real(Excluded(0.0), Included(10.0));
        /// Fraction of the crops held out (random, seeded) and reported as the test loss each
        /// epoch, without augmentation. AtomAI: 0.15.
        pub test_fraction: f64 = 0.15
            => "unet.test_fraction", valid Valid::Real(Included(0.0), Excluded(1.0));
        /// Seed of the weights, the split, the shuffling and the augmentation; results do not
        /// depend on the thread count.
        pub seed: u64 = 0 => "unet.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// Write the checkpoint file (when one is given) every this many epochs and at the
        /// end; 0: only at the end and on cancellation.
        pub checkpoint_every: usize = 10
            => "unet.checkpoint_every", unit "epochs", valid Valid::Int(Included(0), Included(10_000_000));
        /// Side of the square tiles a frame larger than one tile is segmented in (a multiple
        /// of 8).
        pub tile: usize = 256 => "unet.tile", unit "px", valid Valid::Int(Included(16), Included(8192));
        /// Pixels dropped at each inner edge of a tile, where the network sees too little
        /// context; the tiles overlap by twice this.
        pub tile_margin: usize = 16
            => "unet.tile_margin", unit "px", valid Valid::Int(Included(0), Included(4096));
        /// Class probability above which a pixel belongs to an atom (AtomAI's `Locator`: 0.5).
        pub atom_threshold: f64 = 0.5
            => "unet.atom_threshold", valid Valid::Real(Excluded(0.0), Excluded(1.0));
        /// Smallest blob, in pixels, that counts as an atom.
        pub atom_min_pixels: usize = 3
            => "unet.atom_min_pixels", unit "px", valid Valid::Int(Included(1), Included(1 << 20));
    }
}

impl Validate for UnetSettings {
    type Error = NnError;

    fn check_together(&self) -> Result<(), NnError> {
        if !self.tile.is_multiple_of(8) {
            return Err(NnError::Invalid(format!(
                "unet.tile = {}: must be a multiple of 8 (the network pools three times)",
                self.tile
            )));
        }
        if 2 * self.tile_margin >= self.tile {
            return Err(NnError::Invalid(format!(
                "unet.tile_margin = {} with unet.tile = {}: the margins must leave part of the tile",
                self.tile_margin, self.tile
            )));
        }
        Ok(())
    }
}

impl UnetSettings {
    /// The trainer's settings: no KL term; the test split as the validation rows.
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
            validation_fraction: self.test_fraction,
            checkpoint_every: self.checkpoint_every,
        }
    }

    /// The augmentation of each training crop.
    pub fn augmentation(&self) -> Augmentation {
        Augmentation {
            symmetries: self.rotation,
            zoom: self.zoom,
            gamma: self.gamma,
        }
    }
}
