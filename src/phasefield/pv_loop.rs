//! One P-V loop of a polycrystalline film (spec §8): the voltage protocol, recording and
//! features. The time stepping itself is [`super::simulation`]; this module drives it through
//! a loop.

use super::error::PhaseFieldError;
use super::params::PhaseFieldParams;
use super::polycrystal::Polycrystal;
use super::simulation::Simulation;
use crate::loops::features::{LoopFeatures, loop_features};

/// A simulated loop: `polarization[k]` (C/m², `−⟨P1⟩`) recorded at `voltage[k]` (V).
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatedLoop {
    /// Top-electrode voltage of each point, V.
    pub voltage: Vec<f64>,
    /// Recorded polarization of each point, C/m².
    pub polarization: Vec<f64>,
    /// Features of the loop (NaN where undefined).
    pub features: LoopFeatures,
    /// Sub-steps per time step that stability required.
    pub substeps: usize,
}

/// Generate the structure of `params` and simulate its loop.
///
/// ```no_run
/// use ferrolab::phasefield::{params::PhaseFieldParams, pv_loop::simulate_loop};
/// let run = simulate_loop(&PhaseFieldParams::default())?;
/// println!("Ec = {:.2} MV/cm", run.features.coercive_field_mv_per_cm);
/// # Ok::<(), ferrolab::phasefield::error::PhaseFieldError>(())
/// ```
pub fn simulate_loop(params: &PhaseFieldParams) -> Result<SimulatedLoop, PhaseFieldError> {
    let film = Polycrystal::generate(&params.structure)?;
    simulate_loop_on(&film, params, |_, _| true)
}

/// Simulate the loop of a given film. `keep_going(done, total)` is called after every voltage
/// point (pre-cycles included); returning false stops the run with
/// [`PhaseFieldError::Cancelled`].
///
/// ```
/// use ferrolab::phasefield::{params::PhaseFieldParams, polycrystal::Polycrystal};
/// use ferrolab::phasefield::pv_loop::simulate_loop_on;
/// let mut params = PhaseFieldParams::default();
/// params.structure.cells_width = 16;
/// params.points = 40;
/// params.hold_steps = 5;
/// let film = Polycrystal::generate(&params.structure)?;
/// let run = simulate_loop_on(&film, &params, |_, _| true)?;
/// assert_eq!(run.polarization.len(), 40);
/// # Ok::<(), ferrolab::phasefield::error::PhaseFieldError>(())
/// ```
pub fn simulate_loop_on(
    film: &Polycrystal,
    params: &PhaseFieldParams,
    mut keep_going: impl FnMut(usize, usize) -> bool,
) -> Result<SimulatedLoop, PhaseFieldError> {
    let mut sim = Simulation::new(film, params)?;
    let voltage = params.voltages();
    let total = voltage.len() * (params.precycles + 1);
    let mut done = 0;
    let mut polarization = Vec::with_capacity(voltage.len());
    for cycle in 0..=params.precycles {
        for &v in &voltage {
            for _ in 0..params.hold_steps {
                sim.step(v)?;
            }
            if cycle == params.precycles {
                polarization.push(sim.loop_polarization(v)?);
            }
            done += 1;
            if !keep_going(done, total) {
                return Err(PhaseFieldError::Cancelled);
            }
        }
    }
    let thickness_m = params.structure.thickness_nm() * 1e-9;
    let features = loop_features(&voltage, &polarization, thickness_m)
        .map_err(|e| PhaseFieldError::Invalid(format!("loop features: {e}")))?;
    Ok(SimulatedLoop {
        voltage,
        polarization,
        features,
        substeps: sim.substeps(),
    })
}
