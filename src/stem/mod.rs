#![doc = include_str!("../../docs/stem-data.md")]

mod atoms;
mod displacement;
mod error;
mod maps;
mod rotated;
mod segmentation;
mod walls;
mod windows;

#[cfg(test)]
mod frames_tests;
#[cfg(test)]
mod tests;

pub use atoms::{A_SITE, AtomFrames, AtomFramesSettings, B_SITE, BACKGROUND, atom_frames};
pub use displacement::{
    DisplacementLattice, DisplacementLatticeSettings, SUBSTRATE, displacement_lattice,
};
pub use error::StemError;
pub use maps::{
    Atom, AtomFinderSettings, AtomMatch, CentreWeighting, ClassMatch, ClassScores, Connectivity,
    argmax_classes, class_scores, confusion_matrix, find_atoms, label_components, match_atoms,
    otsu_threshold, otsu_wall_baseline,
};
pub use rotated::{LatticeAtom, RotatedLattice, RotatedLatticeSettings, rotated_lattice};
pub use segmentation::{
    CONTAMINANT, Contaminant, DOMAIN, Degradation, SegmentationFrames, SegmentationFramesSettings,
    WALL, degrade, segmentation_frames,
};
pub use walls::{Wall, WallStack, WallStackSettings, WindowTruth, wall_stack};
pub use windows::{
    Windows, grid_shape, grid_windows, random_windows, stack_grid_windows, stack_windows_at,
    windows_at,
};
