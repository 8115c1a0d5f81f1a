//! Paper 003's encoder-decoders (docs/models.md, "im2spec and spec2im"): im2spec maps a
//! structure patch to the spectrum at its centre, spec2im a spectrum to the patch around it.
//! Both are compositions of the layer set: conv units (convolution -> LeakyReLU(0.1) ->
//! BatchNorm), a dense layer to the latent vector and back, the dilated pyramid whose output
//! sums its twelve stage outputs, and for spec2im two nearest x2 upsamplings.

mod architecture;
mod io;
mod keys;
mod model;
mod network;
mod objective;
mod pyramid;

pub use architecture::{DILATIONS, Direction, EncoderDecoderArchitecture};
pub use io::VERSION;
pub use keys::{Im2SpecSettings, Spec2ImSettings};
pub use model::EncoderDecoder;
#[cfg(test)]
mod parity;
