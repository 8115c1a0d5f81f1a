//! im2spec / spec2im as the trainer sees them: a training row is the input followed by its
//! target; the loss is the mean squared error (no KL, no noise); the norms' running
//! statistics are updated from each training batch.

use super::super::error::NnError;
use super::super::layers::Weights;
use super::super::layout::ParamLayout;
use super::super::train::{LossSums, LossWeights, Objective};
use super::network::{Network, mse_rows};

impl Network {
    /// Inputs and targets of training rows, each row-major.
    fn split_rows(&self, rows: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (n_in, n_out) = (self.arch.input_len(), self.arch.output_len());
        let count = rows.len() / (n_in + n_out);
        let (mut input, mut target) = (
            Vec::with_capacity(count * n_in),
            Vec::with_capacity(count * n_out),
        );
        for row in rows.chunks_exact(n_in + n_out) {
            input.extend_from_slice(&row[..n_in]);
            target.extend_from_slice(&row[n_in..]);
        }
        (input, target)
    }
}

impl Objective for Network {
    fn layout(&self) -> &ParamLayout {
        &self.params
    }

    fn row_len(&self) -> usize {
        self.arch.input_len() + self.arch.output_len()
    }

    fn noise_dim(&self) -> usize {
        0
    }

    fn state_len(&self) -> usize {
        self.state.total()
    }

    fn loss_and_gradient(
        &self,
        params: &[f32],
        state: &mut [f32],
        rows: &[f32],
        _noise: &[f32],
        _weights: LossWeights,
        grad_scale: f32,
        grad: &mut [f32],
    ) -> Result<LossSums, NnError> {
        let (input, target) = self.split_rows(rows);
        grad.fill(0.0);
        let w = Weights { params, state };
        let (_, y, saved) = self.forward(w, input)?;
        let (losses, dy) = mse_rows(&y, &target, f64::from(grad_scale));
        self.backward(w, &saved, dy, grad);
        self.update_running(state, &saved);
        self.recycle(saved);
        Ok(LossSums {
            reconstruction: losses.iter().sum(),
            ..LossSums::default()
        })
    }

    fn loss(
        &self,
        params: &[f32],
        state: &[f32],
        rows: &[f32],
        _noise: &[f32],
    ) -> Result<LossSums, NnError> {
        let (input, target) = self.split_rows(rows);
        let w = Weights { params, state };
        let z = self.encode(w, input)?;
        let y = self.decode(w, &z)?;
        let (losses, _) = mse_rows(&y, &target, 0.0);
        Ok(LossSums {
            reconstruction: losses.iter().sum(),
            ..LossSums::default()
        })
    }
}
