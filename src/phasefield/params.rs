//! Parameters of a phase-field loop simulation (physics spec §4, §5, §8) and their keys.

use super::elastic::{Elasticity, Electrostriction};
use super::error::PhaseFieldError;
use super::landau::LandauPreset;
use super::polycrystal::PolycrystalParams;
use crate::config::{Config, ConfigError, DefaultValue, KeySpec, Valid};
use std::ops::Bound::{Excluded, Included};

/// How non-polar grains and grain boundaries enter the electrostatics (spec §3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonPolarModel {
    /// Permittivity ε_r in the operator, no polarization source (D = ε0 ε_r E exactly).
    Consistent,
    /// The paper read literally: ε_r in the operator and ε0(ε_r − 1)E as a source, i.e. an
    /// operator permittivity of 2ε_r − 1.
    PaperLiteral,
}

/// Which Poisson solver runs every time step (spec §6); both agree to 1e-8 relative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoissonMethod {
    /// Banded Cholesky + Woodbury, factored once per structure.
    Direct,
    /// FFT-preconditioned conjugate gradients.
    Spectral,
}

/// The configuration keys of the simulation (structure keys are in `polycrystal::KEYS`).
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "pf.landau",
        unit: "",
        valid: Valid::OneOf(LandauPreset::WORDS),
        default: DefaultValue::Str("paper"),
        doc: "Landau coefficients: \"paper\" (paper 000, unbounded; the runaway guard stops escapes), \"stabilized\" (plus alpha1111 = 5e10) or \"sign_flipped\" (alpha111 > 0).",
    },
    KeySpec {
        name: "pf.gradient_coefficient",
        unit: "J m^3 C^-2",
        valid: Valid::Real(Included(0.0), Included(1e-6)),
        default: DefaultValue::F64(2.0e-10),
        doc: "Isotropic gradient coefficient G11 (polar-polar bonds only). Assumed: paper 000's source (its ref. 29) is not available; see physics spec §4.",
    },
    KeySpec {
        name: "pf.permittivity_grain",
        unit: "",
        valid: Valid::Real(Included(1.0), Included(10_000.0)),
        default: DefaultValue::F64(30.0),
        doc: "Relative permittivity of grains (background of polar grains, total of non-polar ones). Paper 000: 30.",
    },
    KeySpec {
        name: "pf.permittivity_boundary",
        unit: "",
        valid: Valid::Real(Included(1.0), Included(10_000.0)),
        default: DefaultValue::F64(12.0),
        doc: "Relative permittivity of grain boundaries. Paper 000: 12.",
    },
    KeySpec {
        name: "pf.nonpolar",
        unit: "",
        valid: Valid::OneOf(&["consistent", "paper_literal"]),
        default: DefaultValue::Str("consistent"),
        doc: "Electrostatics of non-polar cells: \"consistent\" (permittivity only) or \"paper_literal\" (paper 000 read literally: permittivity 2 eps_r - 1).",
    },
    KeySpec {
        name: "pf.poisson",
        unit: "",
        valid: Valid::OneOf(&["direct", "spectral"]),
        default: DefaultValue::Str("direct"),
        doc: "Poisson solver: \"direct\" (banded Cholesky, factored once; faster, see benches/README.md) or \"spectral\" (FFT-preconditioned CG).",
    },
    KeySpec {
        name: "pf.time_step_t0",
        unit: "t0",
        valid: Valid::Real(Excluded(0.0), Included(1.0)),
        default: DefaultValue::F64(0.06),
        doc: "Time step in units of t0 = 1/(|alpha1| L0); sub-stepped automatically when explicit Euler would be unstable. Paper 000: 0.06.",
    },
    KeySpec {
        name: "pf.hold_steps",
        unit: "steps",
        valid: Valid::Int(Included(1), Included(1_000_000)),
        default: DefaultValue::I64(50),
        doc: "Time steps at each voltage point before it is recorded. Paper 000: 50.",
    },
    KeySpec {
        name: "pf.points",
        unit: "",
        valid: Valid::Int(Included(4), Included(1_000_000)),
        default: DefaultValue::I64(400),
        doc: "Voltage points per loop (even): -V_max up to +V_max and back down, one full cycle. Paper 000: 400.",
    },
    KeySpec {
        name: "pf.v_max",
        unit: "V",
        valid: Valid::Real(Excluded(0.0), Included(1000.0)),
        default: DefaultValue::F64(4.0),
        doc: "Voltage amplitude of the loop (top electrode; the bottom one is grounded). Paper 000: 4 V.",
    },
    KeySpec {
        name: "pf.precycles",
        unit: "cycles",
        valid: Valid::Int(Included(0), Included(1000)),
        default: DefaultValue::I64(0),
        doc: "Full voltage cycles run before the recorded one (1 removes the start-up transient).",
    },
    KeySpec {
        name: "pf.polarization_guard",
        unit: "C/m^2",
        valid: Valid::Real(Excluded(0.0), Included(100.0)),
        default: DefaultValue::F64(0.45),
        doc: "Runaway guard: a polar cell beyond this |p| stops the simulation with an error naming the cell and step (spec §3.2).",
    },
];

/// Checked parameters of a loop simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseFieldParams {
    /// The film.
    pub structure: PolycrystalParams,
    /// Landau coefficients.
    pub landau: LandauPreset,
    /// G11, J m³ C⁻².
    pub gradient_coefficient: f64,
    /// ε_r of grains.
    pub permittivity_grain: f64,
    /// ε_r of grain boundaries.
    pub permittivity_boundary: f64,
    /// Electrostatics of non-polar cells.
    pub nonpolar: NonPolarModel,
    /// Poisson solver.
    pub poisson: PoissonMethod,
    /// Δt in units of t0.
    pub time_step_t0: f64,
    /// Steps per voltage point.
    pub hold_steps: usize,
    /// Voltage points per loop (even).
    pub points: usize,
    /// Voltage amplitude, V.
    pub v_max: f64,
    /// Cycles before the recorded one.
    pub precycles: usize,
    /// Runaway guard on |p|, C/m².
    pub polarization_guard: f64,
    /// Elastic model.
    pub elastic: Elasticity,
}

impl Default for PhaseFieldParams {
    fn default() -> Self {
        Self::from_config(&Config::new()).expect("the registry's defaults are valid")
    }
}

impl PhaseFieldParams {
    /// Read every `pf.*` key.
    ///
    /// ```
    /// use ferrolab::config::{Config, Value};
    /// use ferrolab::phasefield::params::PhaseFieldParams;
    /// let mut cfg = Config::new();
    /// cfg.set("pf.points", Value::I64(100))?;
    /// assert_eq!(PhaseFieldParams::from_config(&cfg)?.points, 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &Config) -> Result<Self, PhaseFieldError> {
        let word = |key: &str| cfg.str(key);
        let count = |key: &str| -> Result<usize, ConfigError> { Ok(cfg.i64(key)? as usize) };
        let params = Self {
            structure: PolycrystalParams::from_config(cfg)?,
            landau: LandauPreset::from_word(&word("pf.landau")?).expect("checked by the registry"),
            gradient_coefficient: cfg.f64("pf.gradient_coefficient")?,
            permittivity_grain: cfg.f64("pf.permittivity_grain")?,
            permittivity_boundary: cfg.f64("pf.permittivity_boundary")?,
            nonpolar: match word("pf.nonpolar")?.as_str() {
                "paper_literal" => NonPolarModel::PaperLiteral,
                _ => NonPolarModel::Consistent,
            },
            poisson: match word("pf.poisson")?.as_str() {
                "spectral" => PoissonMethod::Spectral,
                _ => PoissonMethod::Direct,
            },
            time_step_t0: cfg.f64("pf.time_step_t0")?,
            hold_steps: count("pf.hold_steps")?,
            points: count("pf.points")?,
            v_max: cfg.f64("pf.v_max")?,
            precycles: count("pf.precycles")?,
            polarization_guard: cfg.f64("pf.polarization_guard")?,
            elastic: {
                let material = Electrostriction {
                    q11: cfg.f64("pf.q11")?,
                    q12: cfg.f64("pf.q12")?,
                    young_modulus: cfg.f64("pf.young_modulus_gpa")? * 1e9,
                    poisson_ratio: cfg.f64("pf.poisson_ratio")?,
                };
                match cfg.i64("pf.elastic")? {
                    0 => Elasticity::Off,
                    1 => Elasticity::Clamped(material),
                    _ => Elasticity::ThinFilm {
                        material,
                        substrate_cells: cfg.i64("pf.substrate_cells")? as usize,
                    },
                }
            },
        };
        params.validate()?;
        Ok(params)
    }

    /// Check the fields against their keys' ranges and each other.
    pub fn validate(&self) -> Result<(), PhaseFieldError> {
        self.structure.validate()?;
        let mut probe = Config::new();
        use crate::config::Value::{F64, I64};
        let as_i64 = |n: usize| I64(i64::try_from(n).unwrap_or(i64::MAX));
        for (key, value) in [
            ("pf.gradient_coefficient", F64(self.gradient_coefficient)),
            ("pf.permittivity_grain", F64(self.permittivity_grain)),
            ("pf.permittivity_boundary", F64(self.permittivity_boundary)),
            ("pf.time_step_t0", F64(self.time_step_t0)),
            ("pf.hold_steps", as_i64(self.hold_steps)),
            ("pf.points", as_i64(self.points)),
            ("pf.v_max", F64(self.v_max)),
            ("pf.precycles", as_i64(self.precycles)),
            ("pf.polarization_guard", F64(self.polarization_guard)),
        ] {
            probe.set(key, value)?;
        }
        let material = match self.elastic {
            Elasticity::Off => None,
            Elasticity::Clamped(e) => Some(e),
            Elasticity::ThinFilm {
                material,
                substrate_cells,
            } => {
                probe.set("pf.substrate_cells", as_i64(substrate_cells))?;
                Some(material)
            }
        };
        if let Some(e) = &material {
            for (key, value) in [
                ("pf.q11", F64(e.q11)),
                ("pf.q12", F64(e.q12)),
                ("pf.young_modulus_gpa", F64(e.young_modulus * 1e-9)),
                ("pf.poisson_ratio", F64(e.poisson_ratio)),
            ] {
                probe.set(key, value)?;
            }
        }
        if !self.points.is_multiple_of(2) {
            return Err(PhaseFieldError::Invalid(format!(
                "pf.points = {} must be even (half the points on each branch)",
                self.points
            )));
        }
        Ok(())
    }

    /// The voltage of each recorded point (spec §8): `V_k = −V_max + kΔV` up to +V_max at
    /// k = points/2, then back down; `ΔV = 4 V_max / points`. The loop closes on V_0.
    ///
    /// ```
    /// let v = ferrolab::phasefield::params::PhaseFieldParams::default().voltages();
    /// assert_eq!((v.len(), v[0], v[200]), (400, -4.0, 4.0));
    /// assert!((v[399] + 3.96).abs() < 1e-12);
    /// ```
    pub fn voltages(&self) -> Vec<f64> {
        let half = self.points / 2;
        let dv = 4.0 * self.v_max / self.points as f64;
        (0..self.points)
            .map(|k| {
                if k <= half {
                    -self.v_max + k as f64 * dv
                } else {
                    self.v_max - (k - half) as f64 * dv
                }
            })
            .collect()
    }
}
