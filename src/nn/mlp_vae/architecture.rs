//! The shape of an MLP VAE and where each layer's weights sit in the flat parameter vector.

use super::super::error::{NnError, invalid};
use super::super::layout::ParamLayout;
use super::fast::SHARD_ROWS;
use std::ops::Range;

crate::text_option! {
    /// The reconstruction term of the loss (`vae.reconstruction`).
    pub enum Reconstruction {
        /// Binary cross-entropy between the scaled data and `sigmoid(decoder output)`, summed
        /// over the points of a row (paper 000). Decoded values are `sigmoid(output)`.
        Bce = "bce",
        /// Squared error between the scaled data and the decoder output, summed over the
        /// points of a row (a Gaussian likelihood of fixed variance). Decoded values are the
        /// output itself.
        Mse = "mse",
    }
}

/// Encoder `input -> hidden[0] -> ... -> hidden[L-1]` (ReLU) with a linear mean and a linear
/// log-variance head of size `latent_dim`; decoder `latent -> hidden[L-1] -> ... -> hidden[0]`
/// (ReLU) `-> input` (linear). Paper 000: input 400, hidden [256], latent 2, BCE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaeArchitecture {
    /// Values per data row.
    pub input_dim: usize,
    /// Hidden widths of the encoder (the decoder mirrors them).
    pub hidden: Vec<usize>,
    /// Latent dimension.
    pub latent_dim: usize,
    /// Reconstruction loss.
    pub reconstruction: Reconstruction,
}

/// One fully connected layer: weight `[fan_out, fan_in]` (PyTorch's convention) and bias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dense {
    pub w: Range<usize>,
    pub b: Range<usize>,
    pub fan_in: usize,
    pub fan_out: usize,
}

/// Every layer of the network, in forward order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layers {
    pub encoder: Vec<Dense>,
    pub mean: Dense,
    pub log_var: Dense,
    pub decoder: Vec<Dense>,
    pub output: Dense,
}

impl Layers {
    /// Every layer in storage order.
    pub fn all(&self) -> impl Iterator<Item = &Dense> {
        self.encoder
            .iter()
            .chain([&self.mean, &self.log_var])
            .chain(&self.decoder)
            .chain([&self.output])
    }

    /// Widest activation, for scratch buffers.
    pub fn max_width(&self) -> usize {
        self.encoder
            .iter()
            .chain(&self.decoder)
            .chain([&self.output, &self.mean])
            .flat_map(|l| [l.fan_in, l.fan_out])
            .max()
            .unwrap_or(0)
    }
}

impl VaeArchitecture {
    /// Check the sizes: every width positive, at least one hidden layer, no size absurdly large.
    pub fn validate(&self) -> Result<(), NnError> {
        const LIMIT: usize = 1 << 24;
        if self.input_dim == 0 || self.input_dim > LIMIT {
            return Err(invalid(format!(
                "input_dim = {}: must be in 1..={LIMIT}",
                self.input_dim
            )));
        }
        if self.hidden.is_empty() || self.hidden.iter().any(|h| *h == 0 || *h > 65_536) {
            return Err(invalid(format!(
                "vae.hidden = {:?}: one or more widths in 1..=65536",
                self.hidden
            )));
        }
        if self.latent_dim == 0 || self.latent_dim > 4096 {
            return Err(invalid(format!(
                "vae.latent_dim = {}: must be in 1..=4096",
                self.latent_dim
            )));
        }
        Ok(())
    }

    /// Refuse an architecture whose training would need more memory than the process's budget
    /// ([`crate::limits`]): the parameters, Adam's two moments and, per worker, a gradient and
    /// the activations of one shard of rows (checked arithmetic; nothing is allocated here).
    pub fn check_memory(&self) -> Result<(), NnError> {
        let workers = crate::parallel::num_threads() as u128;
        let widths = self.hidden.iter().try_fold(
            self.input_dim as u128 + self.latent_dim as u128,
            |acc, &h| acc.checked_add(2 * h as u128),
        );
        let parameters = self.hidden.iter().chain([&self.latent_dim]).try_fold(
            (0u128, self.input_dim as u128),
            |(count, fan_in), &width| {
                // This layer and its mirror in the decoder; the latent layer twice (mean and
                // log-variance heads) plus the decoder's output layer.
                let layer = fan_in
                    .checked_mul(width as u128)?
                    .checked_add(width as u128)?;
                Some((count.checked_add(layer.checked_mul(2)?)?, width as u128))
            },
        );
        let bytes = parameters.zip(widths).and_then(|((count, _), widths)| {
            let per_worker = count.checked_add(widths.checked_mul(4 * SHARD_ROWS as u128)?)?;
            count
                .checked_mul(3)?
                .checked_add(per_worker.checked_mul(workers)?)?
                .checked_mul(size_of::<f32>() as u128)
        });
        let what = format!(
            "VAE of input_dim = {}, vae.hidden = {:?}, vae.latent_dim = {}",
            self.input_dim, self.hidden, self.latent_dim
        );
        Ok(crate::limits::check(&what, bytes)?)
    }

    /// Tensor names and shapes in storage order (PyTorch-style names, `[out, in]` weights).
    pub fn layout(&self) -> ParamLayout {
        self.build().0
    }

    pub(crate) fn layers(&self) -> Layers {
        self.build().1
    }

    fn build(&self) -> (ParamLayout, Layers) {
        let mut layout = ParamLayout::default();
        let mut dense = |name: &str, fan_in: usize, fan_out: usize| Dense {
            w: layout.push(&format!("{name}.weight"), &[fan_out, fan_in]),
            b: layout.push(&format!("{name}.bias"), &[fan_out]),
            fan_in,
            fan_out,
        };
        let mut encoder = Vec::new();
        let mut width = self.input_dim;
        for (i, h) in self.hidden.iter().enumerate() {
            encoder.push(dense(&format!("encoder.hidden.{i}"), width, *h));
            width = *h;
        }
        let mean = dense("encoder.mean", width, self.latent_dim);
        let log_var = dense("encoder.log_var", width, self.latent_dim);
        let mut decoder = Vec::new();
        let mut width = self.latent_dim;
        for (i, h) in self.hidden.iter().rev().enumerate() {
            decoder.push(dense(&format!("decoder.hidden.{i}"), width, *h));
            width = *h;
        }
        let output = dense("decoder.output", width, self.input_dim);
        let layers = Layers {
            encoder,
            mean,
            log_var,
            decoder,
            output,
        };
        (layout, layers)
    }
}
