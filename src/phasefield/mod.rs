//! Phase-field simulation of polycrystalline Hf0.5Zr0.5O2 films (paper 000, §4.1;
//! `../shared/design/physics.md`).
//!
//! So far: the polycrystal generator ([`polycrystal`]).

pub mod electrostatics;
pub mod landau;
pub mod polycrystal;
