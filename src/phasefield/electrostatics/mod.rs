//! Electrostatics of the film: the finite-volume operator and two solvers for it.

pub mod band;
pub mod direct;
pub mod operator;
pub mod spectral;
