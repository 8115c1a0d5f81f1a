//! The `design.*` configuration keys and the settings read from them.

use super::DesignError;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

/// Loops simulated by default: sized from the measured 0.29 s per paper-size loop on 2 cores
/// (wall clock, issue 20; benches/README.md) so the whole job, build included, stays within
/// 10 minutes.
pub const DEFAULT_SAMPLES: usize = 1300;

crate::text_option! {
    /// Where the design's target windows come from (`design.targets`).
    pub enum TargetMode {
        /// Centred on the dataset loop nearest the features' medians.
        Auto = "auto",
        /// The `design.target_*` keys.
        Windows = "windows",
    }
}

crate::settings! {
    /// Settings of the inverse-design pipeline (paper 000 §2.3) and their `design.*` keys.
    pub struct DesignSettings {
        /// Structures drawn uniformly from Table 1's box (sweep.* ranges) for the dataset;
        /// sized for a 10-minute job on 2 cores. `ferrolab design --full` uses the paper's 10 x
        /// 10 x 10 x 10 grid instead.
        pub samples: usize = DEFAULT_SAMPLES
            => "design.samples", unit "loops", valid Valid::Int(Included(8), Included(100_000_000));
        /// "auto": target windows centred on the features of the dataset loop nearest the
        /// features' medians, half-width design.auto_half_width standard deviations (reachable
        /// by construction); "windows": the design.target_* keys.
        pub targets: TargetMode = TargetMode::Auto => "design.targets";
        /// Half-width of the automatic target windows, in standard deviations of each feature
        /// over the dataset.
        pub auto_half_width: f64 = 0.3
            => "design.auto_half_width", unit "std",
            valid Valid::Real(Excluded(0.0), Included(10.0));
        /// [min, max] of the coercive field Ec (used when design.targets = "windows").
        pub target_ec_mv_per_cm: [f64; 2] = [1.0, 1.5]
            => "design.target_ec_mv_per_cm", unit "MV/cm",
            valid Valid::Real(Included(0.0), Included(100.0));
        /// [min, max] of the remanent polarization Pr (design.targets = "windows").
        pub target_pr_c_per_m2: [f64; 2] = [0.1, 0.2]
            => "design.target_pr_c_per_m2", unit "C/m^2",
            valid Valid::Real(Included(0.0), Included(10.0));
        /// [min, max] of the saturation polarization Ps (design.targets = "windows").
        pub target_ps_c_per_m2: [f64; 2] = [0.2, 0.3]
            => "design.target_ps_c_per_m2", unit "C/m^2",
            valid Valid::Real(Included(0.0), Included(10.0));
        /// [min, max] of the loop area (design.targets = "windows").
        pub target_area_j_per_m2: [f64; 2] = [0.5, 1.5]
            => "design.target_area_j_per_m2", unit "J/m^2",
            valid Valid::Real(Included(0.0), Included(1e3));
        /// Points per axis of the latent grid over [-2, 2]^2 decoded to find the region meeting
        /// the targets (paper Fig. 4-5).
        pub grid_steps: usize = 61
            => "design.grid_steps", valid Valid::Int(Included(8), Included(1000));
        /// Points per axis of the decoded manifold over [-2, 2]^2 (paper Fig. 2e: 10).
        pub manifold_steps: usize = 10
            => "design.manifold_steps", valid Valid::Int(Included(2), Included(100));
        /// A latent grid point counts for the design only if an encoded dataset loop lies
        /// within this distance: decoded loops far from the data are extrapolations, and the
        /// GPs know nothing there.
        pub max_data_distance: f64 = 0.25
            => "design.max_data_distance", unit "latent units",
            valid Valid::Real(Excluded(0.0), Included(10.0));
        /// 1: on a dataset smaller than the paper's 10,000 loops, raise vae.epochs so the
        /// number of Adam steps equals vae.epochs epochs on 10,000 loops (paper 000: 200 x 79
        /// steps); with a few hundred loops, 200 epochs leave the second latent variable
        /// unused. Below 480 loops the steps shrink in proportion, so
        /// trial runs stay quick. 0: exactly vae.epochs.
        pub paper_steps: bool = true => "design.paper_steps";
        /// Training points of the GPs from latent to material parameters: min(this, dataset
        /// size), drawn with design.seed. Paper 000: 1,000.
        pub gp_points: usize = 1000
            => "design.gp_points", valid Valid::Int(Included(4), Included(100_000));
        /// Fresh films simulated with the predicted parameters (different grain geometries) to
        /// check the design.
        pub verify_seeds: usize = 8
            => "design.verify_seeds", valid Valid::Int(Included(1), Included(1000));
        /// Seed of the GP subset and of the verification films.
        pub seed: u64 = 0 => "design.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

impl Validate for DesignSettings {
    type Error = DesignError;

    /// Each window is an ordered pair by its type; nothing else spans fields.
    fn check_together(&self) -> Result<(), DesignError> {
        Ok(())
    }
}

impl DesignSettings {
    /// The given target windows of Ec, Pr, Ps and area, in [`TARGETS`] order.
    pub fn windows(&self) -> [[f64; 2]; 4] {
        [
            self.target_ec_mv_per_cm,
            self.target_pr_c_per_m2,
            self.target_ps_c_per_m2,
            self.target_area_j_per_m2,
        ]
    }
}

/// The four target features: key suffix, name in the report, column in the loop features.
pub const TARGETS: [(&str, &str, usize); 4] = [
    ("ec_mv_per_cm", "Ec (MV/cm)", 0),
    ("pr_c_per_m2", "Pr (C/m^2)", 1),
    ("ps_c_per_m2", "Ps (C/m^2)", 2),
    ("area_j_per_m2", "area (J/m^2)", 3),
];
