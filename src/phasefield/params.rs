//! Parameters of a phase-field loop simulation (physics spec §4, §5, §8) and their keys.

use super::elastic::ElasticParams;
use super::error::PhaseFieldError;
use super::landau::LandauPreset;
use super::polycrystal::PolycrystalParams;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

crate::text_option! {
    /// How non-polar grains and grain boundaries enter the electrostatics (spec §3.6).
    pub enum NonPolarModel {
        /// Permittivity ε_r in the operator, no polarization source (D = ε0 ε_r E exactly).
        Consistent = "consistent",
        /// The paper read literally: ε_r in the operator and ε0(ε_r − 1)E as a source, i.e. an
        /// operator permittivity of 2ε_r − 1.
        PaperLiteral = "paper_literal",
    }
}

crate::text_option! {
    /// Which Poisson solver computes the potential (spec §6); they agree to 1e-6 relative
    /// (single precision) and 1e-8 (the double-precision ones with each other).
    pub enum PoissonMethod {
        /// Banded Cholesky + Woodbury, factored once per structure in f64, stored and applied
        /// in f32.
        Direct = "direct",
        /// The same factor stored and applied in f64: the reference for "direct".
        DirectF64 = "direct_f64",
        /// FFT-preconditioned conjugate gradients.
        Spectral = "spectral",
    }
}

crate::settings! {
    /// Parameters of a loop simulation and their `pf.*` keys.
    ///
    /// ```
    /// use ferrolab::config::{Config, Value};
    /// use ferrolab::phasefield::params::PhaseFieldParams;
    /// let mut cfg = Config::new();
    /// cfg.set("pf.points", Value::I64(100))?;
    /// assert_eq!(PhaseFieldParams::from_config(&cfg)?.points, 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub struct PhaseFieldParams {
        /// The film.
        pub structure: PolycrystalParams;
        /// Landau coefficients: "stabilized" (default: paper 000's plus alpha1111 = 5e10, so
        /// no structure runs away; its eighth-order term is semi-implicit and costs no
        /// sub-steps), "paper" (exactly paper 000's, unbounded below; the runaway guard stops
        /// escapes) or "sign_flipped" (alpha111 > 0).
        pub landau: LandauPreset = LandauPreset::Stabilized => "pf.landau";
        /// Isotropic gradient coefficient G11 (polar-polar bonds only). Assumed: paper 000's
        /// source (its ref. 29) is not available; see physics spec §4.
        pub gradient_coefficient: f64 = 2.0e-10
            => "pf.gradient_coefficient", unit "J m^3 C^-2",
            valid Valid::Real(Included(0.0), Included(1e-6));
        /// Relative permittivity of grains (background of polar grains, total of non-polar
        /// ones). Paper 000: 30.
        pub permittivity_grain: f64 = 30.0
            => "pf.permittivity_grain", valid Valid::Real(Included(1.0), Included(10_000.0));
        /// Relative permittivity of grain boundaries. Paper 000: 12.
        pub permittivity_boundary: f64 = 12.0
            => "pf.permittivity_boundary", valid Valid::Real(Included(1.0), Included(10_000.0));
        /// Electrostatics of non-polar cells: "consistent" (permittivity only) or
        /// "paper_literal" (paper 000 read literally: permittivity 2 eps_r - 1).
        pub nonpolar: NonPolarModel = NonPolarModel::Consistent => "pf.nonpolar";
        /// Poisson solver: "direct" (banded Cholesky, factored once, applied in single
        /// precision; fastest, see benches/README.md), "direct_f64" (the same in double
        /// precision) or "spectral" (FFT-preconditioned CG).
        pub poisson: PoissonMethod = PoissonMethod::Direct => "pf.poisson";
        /// Poisson solves every this many time steps; between them the polarization's
        /// potential is extrapolated linearly from the last two solves (the applied part is
        /// exact). 1 solves every step, as physics spec §5 states.
        pub solve_every: usize = 2
            => "pf.solve_every", unit "steps", valid Valid::Int(Included(1), Included(64));
        /// Time step in units of t0 = 1/(|alpha1| L0); sub-stepped automatically when explicit
        /// Euler would be unstable. Paper 000: 0.06.
        pub time_step_t0: f64 = 0.06
            => "pf.time_step_t0", unit "t0", valid Valid::Real(Excluded(0.0), Included(1.0));
        /// Time steps at each voltage point before it is recorded. Paper 000: 50.
        pub hold_steps: usize = 50
            => "pf.hold_steps", unit "steps", valid Valid::Int(Included(1), Included(1_000_000));
        /// Voltage points per loop (even): -V_max up to +V_max and back down, one full cycle.
        /// Paper 000: 400.
        pub points: usize = 400 => "pf.points", valid Valid::Int(Included(4), Included(1_000_000));
        /// Voltage amplitude of the loop (top electrode; the bottom one is grounded). Paper
        /// 000: 4 V.
        pub v_max: f64 = 4.0
            => "pf.v_max", unit "V", valid Valid::Real(Excluded(0.0), Included(1000.0));
        /// Full voltage cycles run before the recorded one (1 removes the start-up transient).
        pub precycles: usize = 0
            => "pf.precycles", unit "cycles", valid Valid::Int(Included(0), Included(1000));
        /// Runaway guard: a polar cell beyond this |p| stops the simulation with an error
        /// naming the cell and step (spec §3.2).
        pub polarization_guard: f64 = 0.45
            => "pf.polarization_guard", unit "C/m^2",
            valid Valid::Real(Excluded(0.0), Included(100.0));
        /// The elastic model and material.
        pub elastic: ElasticParams;
    }
}

impl Validate for PhaseFieldParams {
    type Error = PhaseFieldError;

    /// The film's checks, and an even number of points (half on each branch).
    fn check_together(&self) -> Result<(), PhaseFieldError> {
        self.structure.check_together()?;
        self.elastic.check_together()?;
        if !self.points.is_multiple_of(2) {
            return Err(PhaseFieldError::Invalid(format!(
                "pf.points = {} must be even (half the points on each branch)",
                self.points
            )));
        }
        Ok(())
    }
}

impl PhaseFieldParams {
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
