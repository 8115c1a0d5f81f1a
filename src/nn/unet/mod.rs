//! AtomAI's U-Net, the segmentation network papers 002 and 004 cite (docs/models.md,
//! "U-Net"): per-pixel classes of STEM frames (paper 002: domain, wall, contaminant) and atom
//! finding (paper 004: A and B cation sites). A composition of the layer set: convolution
//! units (3 x 3 convolution -> LeakyReLU 0.01 -> BatchNorm), 2 x 2 max-pooling, bilinear x2
//! upsampling with a 1 x 1 convolution, skip connections by concatenation and a per-pixel
//! softmax cross-entropy; trained on labelled crops with paper 002's augmentation on the fly
//! and applied to whole frames of any size in overlapping tiles.

mod architecture;
mod augment;
mod io;
mod keys;
mod model;
mod network;
mod objective;
mod tiles;

#[cfg(test)]
mod parity;
#[cfg(test)]
mod tests;

pub use architecture::{LEVELS, UnetArchitecture};
pub use augment::{Augmentation, min_max_scale};
pub use io::VERSION;
pub use keys::{ClassWeighting, UnetSettings};
pub use model::Unet;
