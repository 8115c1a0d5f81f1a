//! Neural networks trained by gradient descent: paper 000's MLP beta-VAE today, and the home of
//! the LSTM beta-VAE (paper 001), the rotationally invariant VAE (paper 004) and im2spec /
//! spec2im (paper 003) next.
//!
//! ```
//! use ferrolab::nn::{MlpVae, VaeSettings, synthetic_loops};
//! use ferrolab::progress::Progress;
//! let loops = synthetic_loops(256, 64, 1); // 256 P-V loops of 64 points
//! let mut settings = VaeSettings::default(); // paper 000: 256 hidden, 2-D latent, beta 0.1
//! settings.epochs = 3;
//! let mut vae = MlpVae::new(&settings, 64)?;
//! let history = vae.train(loops.view(), &Progress::new())?;
//! assert_eq!(history.len(), 3);
//! let (z_mean, _z_log_var) = vae.encode(loops.view())?;
//! let decoded = vae.decode(z_mean.view())?; // in the loops' own units
//! assert_eq!(decoded.dim(), (256, 64));
//! # Ok::<(), ferrolab::nn::NnError>(())
//! ```
//!
//! ## How it is built
//! A model is a flat `f32` parameter vector plus a [`ParamLayout`] that names its tensors
//! (PyTorch's names and shapes, so weights move to and from PyTorch unchanged). Everything
//! that is not the model's own forward and backward pass is shared and works on that vector:
//! - [`adam`]: the optimiser (PyTorch's Adam, bit-for-bit the same update rule);
//! - [`schedule`]: the beta schedule (constant or linear warm-up);
//! - [`train`]: the loop: seeded shuffling, reparameterisation noise, validation split,
//!   history, progress, cancellation, checkpoints, exact resume. A model plugs in through the
//!   [`train::Objective`] trait (loss and gradient of one mini-batch);
//! - [`crate::io::network`]: the network file format (safetensors with JSON metadata and a
//!   CRC-32), for models and checkpoints;
//! - [`scaling`]: one global min-max scaling, stored with every model.
//!
//! Gradients come from two engines. The hand-written fused path ([`mlp_vae`]'s `fast` module:
//! faer matrix products, fused activations and loss, data-parallel over fixed shards) is the
//! default where it exists, because it measured faster than every framework (benches/README.md).
//! burn (pinned, Flex backend + Autodiff; cargo feature `burn`) is the general autodiff engine:
//! it verifies the fast path's gradients in the tests, trains any model on request
//! (`vae.engine = "burn"`), and is where models without a fast path are written. No burn type
//! appears in this module's public API, so upgrading burn touches `burn_engine` only.
//!
//! ## Models on the layer set
//! [`layers`] holds one set of layers written once, generic over `f32`/`f64`, each with its
//! hand-written backward pass checked against finite differences, burn's autodiff and PyTorch
//! (docs/nn.md). Models are compositions of them:
//! - [`lstm_vae`] (paper 001): residual BiLSTM blocks, staged beta and lambda, the stage with
//!   the target number of active channels selected (docs/models.md);
//! - [`im2spec`] (paper 003): convolutional encoder-decoders between structure patches and
//!   spectra;
//! - [`rvae`] (papers 002/004): the rotationally invariant VAE, a convolutional encoder to an
//!   angle, offsets and content latents and a decoder on rotated and shifted pixel
//!   coordinates;
//!
//! all sharing [`adam`], [`schedule`], [`train`] and [`crate::io::network`].

pub mod adam;
#[cfg(feature = "burn")]
mod burn_engine;
pub mod elementwise;
mod error;
pub mod im2spec;
pub mod layers;
pub mod layout;
pub mod lstm_vae;
pub mod mlp_vae;
pub mod real;
pub mod rvae;
pub mod scaling;
pub mod schedule;
pub(crate) mod state_file;
mod synthetic;
pub mod tensor;
#[cfg(test)]
mod torch_fixture;
pub mod train;
pub mod unet;

pub use error::NnError;
pub use layout::ParamLayout;
pub use mlp_vae::{
    Engine, MlpVae, Reconstruction, VaeArchitecture, VaeSettings, decode_grid_points,
};
pub use scaling::MinMaxScaling;
pub use synthetic::synthetic_loops;
pub use train::{EpochRecord, LossParts, TrainSettings};
