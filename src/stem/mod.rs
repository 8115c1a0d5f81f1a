#![doc = include_str!("../../docs/stem-data.md")]

mod displacement;
mod error;
mod rotated;
mod walls;
mod windows;

#[cfg(test)]
mod tests;

pub use displacement::{
    DisplacementLattice, DisplacementLatticeSettings, SUBSTRATE, displacement_lattice,
};
pub use error::StemError;
pub use rotated::{LatticeAtom, RotatedLattice, RotatedLatticeSettings, rotated_lattice};
pub use walls::{Wall, WallStack, WallStackSettings, WindowTruth, wall_stack};
pub use windows::{
    Windows, grid_shape, grid_windows, random_windows, stack_grid_windows, stack_windows_at,
    windows_at,
};
