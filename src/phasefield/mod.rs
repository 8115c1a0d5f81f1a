//! Phase-field (TDGL) simulation of polycrystalline Hf0.5Zr0.5O2 films and their P-V loops
//! (paper 000, §4.1; the implementable spec is `docs/physics.md`, and
//! `docs/physics-notes.md` records where ferrolab departs from it).
//!
//! - [`polycrystal`]: the film (grains, boundaries, orientations, non-polar grains);
//! - [`landau`]: the Landau energy presets;
//! - [`elastic`]: the clamped-film elastic energy (level 1, off by default);
//! - [`thin_film`]: plane-strain elasticity of film and substrate by finite elements (level 2);
//! - [`electrostatics`]: the finite-volume Poisson operator and its direct and spectral solvers;
//! - [`params`]: the simulation parameters and their configuration keys;
//! - [`simulation`]: the time stepper ([`simulation::Simulation`]: state, one step at a
//!   given voltage);
//! - [`pv_loop`]: one P-V loop driven through the stepper ([`pv_loop::simulate_loop`]: the
//!   voltage protocol, recording, the loop's features).

pub mod dataset;
pub mod elastic;
pub mod electrostatics;
pub mod error;
pub mod landau;
pub mod params;
pub mod polycrystal;
pub mod pv_loop;
pub mod simulation;
pub mod thin_film;
