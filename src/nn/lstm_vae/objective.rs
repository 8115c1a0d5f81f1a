//! The LSTM beta-VAE as the trainer sees it: the loss and gradient of one mini-batch in `f32`,
//! BatchNorm's running statistics updated from each training batch.

use super::super::error::NnError;
use super::super::layers::Weights;
use super::super::layout::ParamLayout;
use super::super::train::{LossSums, LossWeights, Objective};
use super::network::Network;

impl Objective for Network {
    fn layout(&self) -> &ParamLayout {
        &self.params
    }

    fn row_len(&self) -> usize {
        self.arch.row_len()
    }

    fn noise_dim(&self) -> usize {
        self.arch.latent
    }

    fn state_len(&self) -> usize {
        self.state.total()
    }

    fn loss_and_gradient(
        &self,
        params: &[f32],
        state: &mut [f32],
        x: &[f32],
        noise: &[f32],
        weights: LossWeights,
        grad_scale: f32,
        grad: &mut [f32],
    ) -> Result<LossSums, NnError> {
        let x = self.input(x, x.len() / self.row_len())?;
        grad.fill(0.0);
        let w = Weights { params, state };
        let (sums, norm) =
            self.batch_loss_and_gradient(w, &x, noise, weights, f64::from(grad_scale), grad)?;
        if let Some(saved) = norm {
            self.update_running(state, &saved);
        }
        Ok(sums)
    }

    fn loss(
        &self,
        params: &[f32],
        state: &[f32],
        x: &[f32],
        noise: &[f32],
    ) -> Result<LossSums, NnError> {
        let x = self.input(x, x.len() / self.row_len())?;
        self.loss_inference(Weights { params, state }, &x, noise)
    }
}
