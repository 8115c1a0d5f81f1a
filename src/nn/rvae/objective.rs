//! The rVAE as the trainer sees it: a training row is one image (row-major pixels), the noise
//! one standard-normal draw per latent, the loss AtomAI's (reconstruction + KL, weight
//! `beta` = 1 from the settings' schedule) plus, when asked for, the quarter-turn consistency
//! term; no state besides the weights.

use super::super::error::NnError;
use super::super::layers::Weights;
use super::super::layout::ParamLayout;
use super::super::train::{LossSums, LossWeights, Objective};
use super::network::Network;

/// The network and the weight of its optional training term.
pub(super) struct RvaeObjective<'a> {
    pub net: &'a Network,
    /// `rvae.quarter_turn_weight` (0: AtomAI's loss).
    pub quarter_turn_weight: f64,
}

impl Objective for RvaeObjective<'_> {
    fn layout(&self) -> &ParamLayout {
        &self.net.params
    }

    fn row_len(&self) -> usize {
        self.net.arch.pixels()
    }

    fn noise_dim(&self) -> usize {
        self.net.arch.latents()
    }

    fn loss_and_gradient(
        &self,
        params: &[f32],
        _state: &mut [f32],
        x: &[f32],
        noise: &[f32],
        weights: LossWeights,
        grad_scale: f32,
        grad: &mut [f32],
    ) -> Result<LossSums, NnError> {
        grad.fill(0.0);
        self.net.batch_loss_and_gradient(
            Weights::params(params),
            x,
            noise,
            weights.beta,
            self.quarter_turn_weight,
            f64::from(grad_scale),
            grad,
        )
    }

    fn loss(
        &self,
        params: &[f32],
        _state: &[f32],
        x: &[f32],
        noise: &[f32],
    ) -> Result<LossSums, NnError> {
        self.net.loss(Weights::params(params), x, noise)
    }
}
