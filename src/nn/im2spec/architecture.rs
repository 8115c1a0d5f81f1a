//! The shapes of paper 003's two networks.

use super::super::error::{NnError, invalid};

/// Which way a network maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// im2spec: a structure patch `(h, w)` to the spectrum `(L)` at its centre.
    ImageToSpectrum,
    /// spec2im: a spectrum `(L)` to the structure patch `(h, w)` around it.
    SpectrumToImage,
}

/// Sizes of an im2spec or spec2im network: paper 003's code with 3 (im2spec) or 4 (spec2im)
/// encoder convolutions, a dense layer to the latent vector and back, for spec2im two
/// convolutions each followed by nearest x2 upsampling, the dilated pyramid (dilations 1-4), a
/// convolution to one channel and a 1x1 output convolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncoderDecoderArchitecture {
    /// Which way it maps.
    pub direction: Direction,
    /// Patch height and width (pixels).
    pub patch: [usize; 2],
    /// Points per spectrum.
    pub spectrum_len: usize,
    /// Latent dimensions. Paper 003: 2 and 10.
    pub latent: usize,
    /// Channels of every convolution but the last two. Paper 003: 64.
    pub filters: usize,
}

/// The pyramid's dilations (paper 003's code: 1, 2, 3, 4, each with padding = dilation).
pub const DILATIONS: [usize; 4] = [1, 2, 3, 4];

impl EncoderDecoderArchitecture {
    /// Checks the sizes: spec2im's patch sides must be multiples of 4 (two x2 upsamplings).
    pub fn new(
        direction: Direction,
        patch: [usize; 2],
        spectrum_len: usize,
        latent: usize,
        filters: usize,
    ) -> Result<Self, NnError> {
        if patch.contains(&0) || spectrum_len == 0 || latent == 0 || filters == 0 {
            return Err(invalid(format!(
                "patch {patch:?}, spectrum length {spectrum_len}, latent {latent} and filters {filters} must all be at least 1"
            )));
        }
        if direction == Direction::SpectrumToImage && patch.iter().any(|s| s % 4 != 0) {
            return Err(invalid(format!(
                "spec2im: patch {}x{} must have sides that are multiples of 4 (the decoder upsamples twice by 2)",
                patch[0], patch[1]
            )));
        }
        Ok(Self {
            direction,
            patch,
            spectrum_len,
            latent,
            filters,
        })
    }

    /// Spatial extents of the input: `[h, w]` or `[L]`.
    pub fn input_extents(&self) -> Vec<usize> {
        match self.direction {
            Direction::ImageToSpectrum => self.patch.to_vec(),
            Direction::SpectrumToImage => vec![self.spectrum_len],
        }
    }

    /// Spatial extents of the output: `[L]` or `[h, w]`.
    pub fn output_extents(&self) -> Vec<usize> {
        match self.direction {
            Direction::ImageToSpectrum => vec![self.spectrum_len],
            Direction::SpectrumToImage => self.patch.to_vec(),
        }
    }

    /// Values per input row.
    pub fn input_len(&self) -> usize {
        self.input_extents().iter().product()
    }

    /// Values per output row.
    pub fn output_len(&self) -> usize {
        self.output_extents().iter().product()
    }

    /// Encoder convolutions: 3 (im2spec), 4 (spec2im).
    pub fn encoder_convolutions(&self) -> usize {
        match self.direction {
            Direction::ImageToSpectrum => 3,
            Direction::SpectrumToImage => 4,
        }
    }

    /// x2 upsamplings in the decoder: 0 (im2spec), 2 (spec2im).
    pub fn upsamplings(&self) -> usize {
        match self.direction {
            Direction::ImageToSpectrum => 0,
            Direction::SpectrumToImage => 2,
        }
    }

    /// Spatial extents the decoder's dense layer is reshaped to.
    pub fn decoder_start(&self) -> Vec<usize> {
        let f = 1 << self.upsamplings();
        self.output_extents().iter().map(|e| e / f).collect()
    }
}
