//! Which structures a sweep simulates (paper 000, Table 1): a grid over the four grain
//! statistics or a random sample of their box, with a seed per structure.

use super::{DatasetError, Shard};
use crate::config::settings::Validate;
use crate::config::{Config, Valid};
use crate::limits::TooLarge;
use crate::phasefield::polycrystal::PolycrystalParams;
use crate::rng::{Xoshiro256, derive_seed};
use std::f64::consts::PI;
use std::ops::Bound::Included;

/// Sub-stream of a structure's seed for its random-mode parameters (0-2 are the film's).
const STREAM_PARAMETERS: u32 = 4;

crate::text_option! {
    /// How a sweep chooses its structures (`sweep.mode`).
    pub enum SamplingMode {
        /// An even grid of `sweep.levels` values per parameter.
        Grid = "grid",
        /// `sweep.samples` uniform draws from the box.
        Random = "random",
    }
}

crate::text_option! {
    /// Whether grid structures share their grain geometry (`sweep.geometry`).
    pub enum Geometry {
        /// Every structure draws its own geometry.
        Independent = "independent",
        /// Structures of one grain-size level share it.
        Paired = "paired",
    }
}

crate::settings! {
    /// The `sweep.*` keys: which structures a dataset simulates.
    pub struct SweepSettings {
        /// "grid": sweep.levels evenly spaced levels of each parameter, endpoints included
        /// (paper 000: 10 x 10 x 10 x 10); "random": sweep.samples uniform draws from the box.
        pub mode: SamplingMode = SamplingMode::Grid => "sweep.mode";
        /// Levels per parameter in grid mode (levels^4 structures). Paper 000: 10.
        pub levels: usize = 10 => "sweep.levels", valid Valid::Int(Included(1), Included(1000));
        /// Structures drawn in random mode.
        pub samples: usize = 10_000
            => "sweep.samples", valid Valid::Int(Included(1), Included(100_000_000));
        /// Master seed: structure k gets seed derive_seed(master, k) (src/rng.rs), or
        /// derive_seed(master, D_G level) in paired geometry.
        pub seed: u64 = 0 => "sweep.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// "independent": every structure its own grain geometry; "paired" (grid mode):
        /// structures differing only in nu, mu, sigma share geometry, nested non-polar sets and
        /// orientation draws.
        pub geometry: Geometry = Geometry::Independent => "sweep.geometry";
        /// [min, max] of the mean grain diameter D_G. Paper 000: 5-25 nm.
        pub grain_diameter_nm: [f64; 2] = [5.0, 25.0]
            => "sweep.grain_diameter_nm", unit "nm",
            valid Valid::Real(Included(0.1), Included(100_000.0));
        /// [min, max] of the polar fraction nu_ortho. Paper 000: 0.5-1.
        pub polar_fraction: [f64; 2] = [0.5, 1.0]
            => "sweep.polar_fraction", valid Valid::Real(Included(0.0), Included(1.0));
        /// [min, max] of the mean orientation mu_theta. Paper 000: 0-pi/4.
        pub orientation_mean_rad: [f64; 2] = [0.0, PI / 4.0]
            => "sweep.orientation_mean_rad", unit "rad",
            valid Valid::Real(Included(-PI), Included(PI));
        /// [min, max] of the orientation spread sigma_theta. Paper 000: 0-pi/5.
        pub orientation_spread_rad: [f64; 2] = [0.0, PI / 5.0]
            => "sweep.orientation_spread_rad", unit "rad",
            valid Valid::Real(Included(0.0), Included(PI));
    }
}

impl Validate for SweepSettings {
    type Error = DatasetError;

    /// Paired geometry needs a grid.
    fn check_together(&self) -> Result<(), DatasetError> {
        if self.geometry == Geometry::Paired && self.mode == SamplingMode::Random {
            return Err(DatasetError::Invalid(
                "sweep.geometry = \"paired\" needs sweep.mode = \"grid\"".into(),
            ));
        }
        Ok(())
    }
}

/// Names of the four swept parameters: the dataset's `parameters` columns.
pub use crate::io::dataset::PARAMETER_NAMES;

/// A checked sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Grid (levels per parameter) or random (samples).
    pub mode: SweepMode,
    /// Master seed.
    pub seed: u64,
    /// Whether grid structures share geometry across ν, μ, σ.
    pub paired: bool,
    /// [min, max] of D_G, ν, μ, σ.
    pub ranges: [[f64; 2]; 4],
}

/// Grid or random sampling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepMode {
    /// `levels` evenly spaced values per parameter.
    Grid {
        /// Levels per parameter.
        levels: usize,
    },
    /// Uniform random draws.
    Random {
        /// Number of structures.
        samples: usize,
    },
}

/// One structure of a sweep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StructureSpec {
    /// Position in the sweep (0..len).
    pub index: usize,
    /// D_G (nm), ν, μ (rad), σ (rad).
    pub parameters: [f64; 4],
    /// Seed of its film.
    pub seed: u64,
}

impl Sweep {
    /// Read the `sweep.*` keys.
    ///
    /// ```
    /// let sweep = ferrolab::phasefield::dataset::Sweep::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!(sweep.len(), 10_000); // paper 000's 10 x 10 x 10 x 10 grid
    /// # Ok::<(), ferrolab::phasefield::dataset::DatasetError>(())
    /// ```
    pub fn from_config(cfg: &Config) -> Result<Self, DatasetError> {
        Ok(Self::new(&SweepSettings::from_config(cfg)?))
    }

    /// The sweep that checked settings describe.
    pub fn new(settings: &SweepSettings) -> Self {
        Self {
            mode: match settings.mode {
                SamplingMode::Grid => SweepMode::Grid {
                    levels: settings.levels,
                },
                SamplingMode::Random => SweepMode::Random {
                    samples: settings.samples,
                },
            },
            seed: settings.seed,
            paired: settings.geometry == Geometry::Paired,
            ranges: [
                settings.grain_diameter_nm,
                settings.polar_fraction,
                settings.orientation_mean_rad,
                settings.orientation_spread_rad,
            ],
        }
    }

    /// Number of structures.
    pub fn len(&self) -> usize {
        match self.mode {
            SweepMode::Grid { levels } => levels.pow(4),
            SweepMode::Random { samples } => samples,
        }
    }

    /// Refuse a run of shard `shard` that would hold more than the process's memory budget
    /// ([`crate::limits`]): per structure, its loop of `points` values (the results, the
    /// dataset's array and the file's buffer) and its parameters, features, index and seed.
    pub fn check_memory(&self, shard: Shard, points: usize) -> Result<(), TooLarge> {
        let structures = self.len().div_ceil(shard.count);
        let per_structure = crate::limits::bytes_of::<f64>(&[3, points])
            .and_then(|loops| loops.checked_add(8 * (4 + 8 + 2 + 6)));
        let what = match self.mode {
            SweepMode::Grid { levels } => {
                format!("sweep.levels = {levels} ({structures} structures)")
            }
            SweepMode::Random { samples } => format!("sweep.samples = {samples}"),
        };
        crate::limits::check(
            &what,
            per_structure.and_then(|b| b.checked_mul(structures as u128)),
        )
    }

    /// Whether the sweep is empty (never, for a checked sweep).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Structure `index`: its parameters and seed. In grid mode D_G varies slowest, σ fastest.
    pub fn structure(&self, index: usize) -> StructureSpec {
        let level = |range: [f64; 2], k: usize, levels: usize| {
            if levels == 1 {
                range[0]
            } else {
                range[0] + (range[1] - range[0]) * k as f64 / (levels - 1) as f64
            }
        };
        match self.mode {
            SweepMode::Grid { levels } => {
                let digits = [
                    index / levels.pow(3),
                    index / levels.pow(2) % levels,
                    index / levels % levels,
                    index % levels,
                ];
                let parameters = std::array::from_fn(|p| level(self.ranges[p], digits[p], levels));
                let key = if self.paired { digits[0] } else { index };
                StructureSpec {
                    index,
                    parameters,
                    seed: derive_seed(self.seed, key as u64),
                }
            }
            SweepMode::Random { .. } => {
                let seed = derive_seed(self.seed, index as u64);
                let mut draws = Xoshiro256::substream(seed, STREAM_PARAMETERS);
                let parameters = std::array::from_fn(|p| {
                    let [lo, hi] = self.ranges[p];
                    draws.uniform_in(lo, hi)
                });
                StructureSpec {
                    index,
                    parameters,
                    seed,
                }
            }
        }
    }
}

impl StructureSpec {
    /// The film parameters of this structure: `base` with its D_G, ν, μ, σ and seed.
    pub fn film(&self, base: &PolycrystalParams) -> PolycrystalParams {
        let [d, nu, mu, sigma] = self.parameters;
        PolycrystalParams {
            grain_diameter_nm: d,
            polar_fraction: nu,
            orientation_mean_rad: mu,
            orientation_spread_rad: sigma,
            seed: self.seed,
            ..base.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Value;

    #[test]
    fn the_default_grid_is_table_1_of_paper_000() {
        let sweep = Sweep::from_config(&Config::new()).unwrap();
        assert_eq!(sweep.len(), 10_000);
        assert_eq!(sweep.structure(0).parameters, [5.0, 0.5, 0.0, 0.0]);
        let last = sweep.structure(9_999).parameters;
        assert_eq!(last[0], 25.0);
        assert_eq!(last[1], 1.0);
        assert!((last[2] - PI / 4.0).abs() < 1e-15 && (last[3] - PI / 5.0).abs() < 1e-15);
        // σ varies fastest, D_G slowest.
        assert_eq!(sweep.structure(1).parameters[3], PI / 5.0 / 9.0);
        assert_eq!(sweep.structure(1000).parameters[0], 5.0 + 20.0 / 9.0);
        assert_ne!(sweep.structure(0).seed, sweep.structure(1).seed);
    }

    #[test]
    fn paired_geometry_shares_seeds_within_a_grain_size_level() {
        let mut cfg = Config::new();
        cfg.set("sweep.geometry", Value::Str("paired".into()))
            .unwrap();
        cfg.set("sweep.levels", Value::I64(3)).unwrap();
        let sweep = Sweep::from_config(&cfg).unwrap();
        assert_eq!(sweep.structure(0).seed, sweep.structure(26).seed);
        assert_ne!(sweep.structure(26).seed, sweep.structure(27).seed);
        cfg.set("sweep.mode", Value::Str("random".into())).unwrap();
        assert!(
            Sweep::from_config(&cfg)
                .unwrap_err()
                .to_string()
                .contains("sweep.geometry")
        );
    }

    #[test]
    fn random_samples_stay_in_the_box_and_are_reproducible() {
        let mut cfg = Config::new();
        cfg.set("sweep.mode", Value::Str("random".into())).unwrap();
        cfg.set("sweep.samples", Value::I64(500)).unwrap();
        let sweep = Sweep::from_config(&cfg).unwrap();
        for k in 0..500 {
            let s = sweep.structure(k);
            assert_eq!(s, sweep.structure(k));
            for (p, range) in s.parameters.iter().zip(sweep.ranges) {
                assert!(range[0] <= *p && *p < range[1]);
            }
        }
        cfg.set("sweep.polar_fraction", Value::F64Array(vec![0.9, 0.1]))
            .unwrap();
        assert!(
            Sweep::from_config(&cfg)
                .unwrap_err()
                .to_string()
                .contains("sweep.polar_fraction")
        );
    }
}
