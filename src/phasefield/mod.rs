//! Phase-field (TDGL) simulation of polycrystalline Hf0.5Zr0.5O2 films and their P-V loops
//! (paper 000, §4.1; the implementable spec is `docs/physics.md`, and
//! `docs/physics-notes.md` records where ferrolab departs from it).
//!
//! - [`dataset`]: parallel, checkpointed, shardable sweeps over the grain statistics
//!   (paper 000, Table 1) into datasets of P-V loops;
//! - [`error`]: the errors of the phase-field engine ([`error::PhaseFieldError`]);
//! - [`polycrystal`]: the film (grains, boundaries, orientations, non-polar grains);
//! - [`landau`]: the Landau energy presets;
//! - [`elastic`]: the clamped-film elastic energy (level 1, off by default);
//! - `thin_film` (crate-internal): plane-strain elasticity of film and substrate by finite
//!   elements (level 2);
//! - `electrostatics` (crate-internal): the finite-volume Poisson operator and its direct and
//!   spectral solvers;
//! - `field_extrapolation` (crate-internal): Poisson solves every k-th step, the potential
//!   extrapolated between them;
//! - `local_update` (crate-internal): the fused local pass of a time step;
//! - [`params`]: the simulation parameters and their configuration keys;
//! - [`simulation`]: the time stepper ([`simulation::Simulation`]: state, one step at a
//!   given voltage);
//! - [`pv_loop`]: one P-V loop driven through the stepper ([`pv_loop::simulate_loop`]: the
//!   voltage protocol, recording, the loop's features).

pub mod dataset;
pub mod elastic;
pub(crate) mod electrostatics;
pub mod error;
mod field_extrapolation;
pub mod landau;
mod local_update;
pub mod params;
pub mod polycrystal;
pub mod pv_loop;
pub mod simulation;
pub(crate) mod thin_film;

/// The Poisson operator and solvers, re-exported for `benches/phasefield.rs` only: not part of
/// the API (hidden from the docs, free to change). One hidden re-export of the types the bench
/// times is cleaner than keeping three solver modules public, with every field and helper in
/// them, for one bench file.
#[doc(hidden)]
pub mod bench_api {
    pub use super::electrostatics::band::FactorError;
    pub use super::electrostatics::direct::DirectSolver;
    pub use super::electrostatics::operator::Operator;
    pub use super::electrostatics::spectral::{SpectralError, SpectralSolver};
}
