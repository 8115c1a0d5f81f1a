//! The shapes of the rotationally invariant VAE (papers 002/004; docs/models.md, "rVAE").

use super::super::error::{NnError, invalid};

/// Sizes and options of one rVAE: the image, the latent fields and the widths of the
/// encoder's convolutions and the decoder's coordinate network.
///
/// The latent vector holds, in this order, the angle (radians, unbounded), the two offsets
/// (when `translation` is on) and `content` content latents.
#[derive(Clone, Debug, PartialEq)]
pub struct RvaeArchitecture {
    /// Image height and width (pixels; both at least 2). Papers 002/004: square windows of
    /// 8-54 pixels.
    pub image: [usize; 2],
    /// Content latents. Papers 002/004: 2.
    pub content: usize,
    /// Width of the decoder's coordinate network. AtomAI: 128.
    pub hidden: usize,
    /// Channels of the encoder's two convolutions. AtomAI: 128.
    pub filters: usize,
    /// Whether the latent vector has the two offsets (paper 004: yes).
    pub translation: bool,
    /// What an offset latent of 1 moves the coordinates by. AtomAI: 0.1.
    pub translation_scale: f64,
    /// The prior standard deviation of the angle (its KL term has no mean part). AtomAI: 0.1.
    pub rotation_prior_sd: f64,
}

impl RvaeArchitecture {
    /// Checks the sizes: an image of at least 2 x 2 pixels (the grid spans [-1, 1]), at least
    /// one content latent, hidden unit and filter; positive, finite scales.
    pub fn new(
        image: [usize; 2],
        content: usize,
        hidden: usize,
        filters: usize,
        translation: bool,
        translation_scale: f64,
        rotation_prior_sd: f64,
    ) -> Result<Self, NnError> {
        if image[0] < 2 || image[1] < 2 {
            return Err(invalid(format!(
                "image of {} x {} pixels: the rVAE needs at least 2 x 2 (its coordinate grid spans [-1, 1])",
                image[0], image[1]
            )));
        }
        if image[0].checked_mul(image[1]).is_none() {
            return Err(invalid(format!(
                "image of {} x {} pixels: the pixel count overflows",
                image[0], image[1]
            )));
        }
        for (key, v) in [
            ("rvae.content_latents", content),
            ("rvae.hidden", hidden),
            ("rvae.filters", filters),
        ] {
            if v == 0 {
                return Err(invalid(format!("{key} = 0: must be at least 1")));
            }
        }
        for (key, v) in [
            ("rvae.translation_scale", translation_scale),
            ("rvae.rotation_prior_sd", rotation_prior_sd),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(invalid(format!("{key} = {v}: must be positive and finite")));
            }
        }
        Ok(Self {
            image,
            content,
            hidden,
            filters,
            translation,
            translation_scale,
            rotation_prior_sd,
        })
    }

    /// Pixels per image: the length of a data row.
    pub fn pixels(&self) -> usize {
        self.image[0] * self.image[1]
    }

    /// Latents per image: angle, offsets (with translation) and content.
    pub fn latents(&self) -> usize {
        1 + self.offset_latents() + self.content
    }

    /// 2 with translation, else 0.
    pub fn offset_latents(&self) -> usize {
        if self.translation { 2 } else { 0 }
    }

    /// Index of the first content latent.
    pub fn content_start(&self) -> usize {
        1 + self.offset_latents()
    }
}
