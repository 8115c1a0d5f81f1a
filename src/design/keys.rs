//! The `design.*` configuration keys and the settings read from them.

use super::DesignError;
use crate::config::{Config, DefaultValue, KeySpec, Valid};
use std::ops::Bound::{Excluded, Included};

/// Loops simulated by default: sized from the measured 0.59 s per paper-size loop on 2 cores
/// (benches/README.md) so the whole job, build included, stays within 10 minutes.
pub const DEFAULT_SAMPLES: i64 = 480;

/// The configuration keys of the inverse-design pipeline (paper 000 §2.3).
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "design.samples",
        unit: "loops",
        valid: Valid::Int(Included(8), Included(100_000_000)),
        default: DefaultValue::I64(DEFAULT_SAMPLES),
        doc: "Structures drawn uniformly from Table 1's box (sweep.* ranges) for the dataset; sized for a 10-minute job on 2 cores. `ferrolab design --full` uses the paper's 10 x 10 x 10 x 10 grid instead.",
    },
    KeySpec {
        name: "design.targets",
        unit: "",
        valid: Valid::OneOf(&["auto", "windows"]),
        default: DefaultValue::Str("auto"),
        doc: "\"auto\": target windows centred on the features of the dataset loop nearest the features' medians, half-width design.auto_half_width standard deviations (reachable by construction); \"windows\": the design.target_* keys.",
    },
    KeySpec {
        name: "design.auto_half_width",
        unit: "std",
        valid: Valid::Real(Excluded(0.0), Included(10.0)),
        default: DefaultValue::F64(0.3),
        doc: "Half-width of the automatic target windows, in standard deviations of each feature over the dataset.",
    },
    KeySpec {
        name: "design.target_ec_mv_per_cm",
        unit: "MV/cm",
        valid: Valid::Real(Included(0.0), Included(100.0)),
        default: DefaultValue::F64Array(&[1.0, 1.5]),
        doc: "[min, max] of the coercive field Ec (used when design.targets = \"windows\").",
    },
    KeySpec {
        name: "design.target_pr_c_per_m2",
        unit: "C/m^2",
        valid: Valid::Real(Included(0.0), Included(10.0)),
        default: DefaultValue::F64Array(&[0.1, 0.2]),
        doc: "[min, max] of the remanent polarization Pr (design.targets = \"windows\").",
    },
    KeySpec {
        name: "design.target_ps_c_per_m2",
        unit: "C/m^2",
        valid: Valid::Real(Included(0.0), Included(10.0)),
        default: DefaultValue::F64Array(&[0.2, 0.3]),
        doc: "[min, max] of the saturation polarization Ps (design.targets = \"windows\").",
    },
    KeySpec {
        name: "design.target_area_j_per_m2",
        unit: "J/m^2",
        valid: Valid::Real(Included(0.0), Included(1e3)),
        default: DefaultValue::F64Array(&[0.5, 1.5]),
        doc: "[min, max] of the loop area (design.targets = \"windows\").",
    },
    KeySpec {
        name: "design.grid_steps",
        unit: "",
        valid: Valid::Int(Included(8), Included(1000)),
        default: DefaultValue::I64(61),
        doc: "Points per axis of the latent grid over [-2, 2]^2 decoded to find the region meeting the targets (paper Fig. 4-5).",
    },
    KeySpec {
        name: "design.max_data_distance",
        unit: "latent units",
        valid: Valid::Real(Excluded(0.0), Included(10.0)),
        default: DefaultValue::F64(0.25),
        doc: "A latent grid point counts for the design only if an encoded dataset loop lies within this distance: decoded loops far from the data are extrapolations, and the GPs know nothing there.",
    },
    KeySpec {
        name: "design.paper_steps",
        unit: "",
        valid: Valid::Int(Included(0), Included(1)),
        default: DefaultValue::I64(1),
        doc: "1: on a dataset smaller than the paper's 10,000 loops, raise vae.epochs so the number of Adam steps equals vae.epochs epochs on 10,000 loops (paper 000: 200 x 79 steps); with a few hundred loops, 200 epochs leave the second latent variable unused. 0: exactly vae.epochs.",
    },
    KeySpec {
        name: "design.gp_points",
        unit: "",
        valid: Valid::Int(Included(4), Included(100_000)),
        default: DefaultValue::I64(1000),
        doc: "Training points of the GPs from latent to material parameters: min(this, dataset size), drawn with design.seed. Paper 000: 1,000.",
    },
    KeySpec {
        name: "design.verify_seeds",
        unit: "",
        valid: Valid::Int(Included(1), Included(1000)),
        default: DefaultValue::I64(8),
        doc: "Fresh films simulated with the predicted parameters (different grain geometries) to check the design.",
    },
    KeySpec {
        name: "design.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the GP subset and of the verification films.",
    },
];

/// Checked settings of the pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignSettings {
    /// Auto targets (true) or the given windows.
    pub auto_targets: bool,
    /// Half-width of auto windows in standard deviations.
    pub auto_half_width: f64,
    /// Given windows: Ec, Pr, Ps, area.
    pub windows: [[f64; 2]; 4],
    /// Latent grid points per axis.
    pub grid_steps: usize,
    /// Largest distance from a usable grid point to the nearest encoded loop.
    pub max_data_distance: f64,
    /// Match the paper's number of Adam steps on small datasets.
    pub paper_steps: bool,
    /// GP training points (at most).
    pub gp_points: usize,
    /// Verification films.
    pub verify_seeds: usize,
    /// Seed.
    pub seed: u64,
}

/// The four target features: key suffix, name in the report, column in the loop features.
pub const TARGETS: [(&str, &str, usize); 4] = [
    ("ec_mv_per_cm", "Ec (MV/cm)", 0),
    ("pr_c_per_m2", "Pr (C/m^2)", 1),
    ("ps_c_per_m2", "Ps (C/m^2)", 2),
    ("area_j_per_m2", "area (J/m^2)", 3),
];

impl DesignSettings {
    /// Read the `design.*` keys.
    pub fn from_config(cfg: &Config) -> Result<Self, DesignError> {
        let mut windows = [[0.0; 2]; 4];
        for (w, (suffix, _, _)) in windows.iter_mut().zip(TARGETS) {
            let key = format!("design.target_{suffix}");
            let v = cfg.f64_array(&key)?;
            if v.len() != 2 || v[0] > v[1] {
                return Err(DesignError::Invalid(format!(
                    "{key} = {v:?} must be [min, max] with min <= max"
                )));
            }
            *w = [v[0], v[1]];
        }
        Ok(Self {
            auto_targets: cfg.str("design.targets")? == "auto",
            auto_half_width: cfg.f64("design.auto_half_width")?,
            windows,
            grid_steps: cfg.i64("design.grid_steps")? as usize,
            max_data_distance: cfg.f64("design.max_data_distance")?,
            paper_steps: cfg.i64("design.paper_steps")? == 1,
            gp_points: cfg.i64("design.gp_points")? as usize,
            verify_seeds: cfg.i64("design.verify_seeds")? as usize,
            seed: cfg.i64("design.seed")? as u64,
        })
    }
}
