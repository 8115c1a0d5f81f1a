//! Electrostatics of the film: the finite-volume operator and two solvers for it. Solver
//! internals of [`super::simulation::Simulation`], crate-internal; the benches reach the
//! operator and both solvers through `phasefield::bench_api`.

pub(crate) mod band;
pub(crate) mod direct;
pub(crate) mod operator;
pub(crate) mod spectral;
pub(crate) mod twisted;
