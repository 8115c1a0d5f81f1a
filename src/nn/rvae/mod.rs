//! The rotationally invariant VAE of papers 002 and 004 (docs/models.md, "rVAE"): a
//! convolutional encoder to an angle, two offsets and content latents, and a decoder that
//! draws the image as a network of the pixel coordinates, rotated and shifted by the pose
//! latents, so the content latents are invariant to rotation and shift by construction.
//! Composed from the layer set only (docs/nn.md): `Conv`, `Linear` (with and without bias),
//! `RotateTranslate`, `add_broadcast`, the reparameterisation and the two KL terms.

pub mod analysis;
mod architecture;
mod io;
mod keys;
mod model;
mod network;
mod objective;
#[cfg(test)]
mod parity;

pub use architecture::RvaeArchitecture;
pub use io::VERSION;
pub use keys::RvaeSettings;
pub use model::{Rvae, RvaeEncoding};
