//! Errors of the phase-field engine.

use crate::config::ConfigError;

/// Why a structure could not be built or a simulation did not finish.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PhaseFieldError {
    /// A key was missing, mistyped or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Parameters that are valid alone but not together, or out of range when set directly.
    #[error("{0}")]
    Invalid(String),
    /// A polar cell left the physical range: the Landau energy of the `paper` preset is
    /// unbounded, and a strong local field can push a cell over the barrier (spec §3.2).
    #[error(
        "runaway polarization p = {polarization:e} C/m^2 in cell (row {row}, column {column}) at step {step} \
         (V = {voltage} V), beyond pf.polarization_guard = {guard}; lower pf.v_max or use pf.landau = \"stabilized\""
    )]
    Runaway {
        /// Row of the cell (0 at the bottom electrode).
        row: usize,
        /// Column of the cell.
        column: usize,
        /// Time step (counted from the start of the run, pre-cycles included).
        step: u64,
        /// Applied voltage at that step, V.
        voltage: f64,
        /// The offending polarization (NaN if it diverged).
        polarization: f64,
        /// The guard value.
        guard: f64,
    },
    /// A Poisson solve failed (iterative solver not converging, singular operator).
    #[error("electrostatic solve failed: {0}")]
    Solver(String),
    /// The caller cancelled the run.
    #[error("cancelled")]
    Cancelled,
}
