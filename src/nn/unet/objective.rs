//! The U-Net as the trainer sees it: a training row is a crop scaled to [0, 1] followed by its
//! mask (class indices as values); each row is augmented with its own noise draws; the loss is
//! PyTorch's `CrossEntropyLoss` over the batch's pixels (with optional class weights:
//! `sum w_y nll / sum w_y`), reported as that mean times the batch's rows so the trainer's
//! per-row means are the per-batch means; the norms' running statistics follow each batch.

use super::super::error::NnError;
use super::super::layers::{Weights, softmax_cross_entropy};
use super::super::layout::ParamLayout;
use super::super::tensor::Tensor;
use super::super::train::{LossSums, LossWeights, Objective};
use super::augment::{Augmentation, DRAWS};
use super::network::Network;

/// A network with the shape of its training crops, their augmentation and the class weights.
pub(crate) struct Segmentation<'a> {
    pub net: &'a Network,
    /// Crop height and width.
    pub crop: [usize; 2],
    pub augmentation: Augmentation,
    /// Per-class weights of the loss (`None`: all 1).
    pub class_weights: Option<Vec<f32>>,
}

impl Segmentation<'_> {
    fn pixels(&self) -> usize {
        self.crop[0] * self.crop[1]
    }

    /// The batch's images `(B, 1, h, w)` and targets, augmented when `noise` is given.
    fn batch(&self, rows: &[f32], noise: Option<&[f32]>) -> (Tensor<f32>, Vec<usize>) {
        let n = self.pixels();
        let count = rows.len() / (2 * n);
        let (mut images, mut masks) =
            (Vec::with_capacity(count * n), Vec::with_capacity(count * n));
        for row in rows.chunks_exact(2 * n) {
            images.extend_from_slice(&row[..n]);
            masks.extend_from_slice(&row[n..]);
        }
        if let Some(noise) = noise {
            let mut scratch = Vec::new();
            for ((image, mask), draws) in images
                .chunks_exact_mut(n)
                .zip(masks.chunks_exact_mut(n))
                .zip(noise.chunks_exact(DRAWS))
            {
                let [h, w] = self.crop;
                self.augmentation
                    .apply(image, mask, h, w, draws, &mut scratch);
            }
        }
        let x = Tensor {
            shape: vec![count, 1, self.crop[0], self.crop[1]],
            data: images,
        };
        (x, masks.iter().map(|&c| c as usize).collect())
    }
}

impl Objective for Segmentation<'_> {
    fn layout(&self) -> &ParamLayout {
        &self.net.params
    }

    fn row_len(&self) -> usize {
        2 * self.pixels()
    }

    fn noise_dim(&self) -> usize {
        DRAWS
    }

    fn state_len(&self) -> usize {
        self.net.state.total()
    }

    fn loss_and_gradient(
        &self,
        params: &[f32],
        state: &mut [f32],
        rows: &[f32],
        noise: &[f32],
        _weights: LossWeights,
        grad_scale: f32,
        grad: &mut [f32],
    ) -> Result<LossSums, NnError> {
        let (x, targets) = self.batch(rows, Some(noise));
        let count = x.shape[0] as f64;
        grad.fill(0.0);
        let w = Weights { params, state };
        let (logits, saved) = self.net.forward(w, &x)?;
        let weights = self.class_weights.as_deref();
        let mut dlogits = Tensor::zeros(&logits.shape);
        let scale = grad_scale * x.shape[0] as f32;
        let mean = softmax_cross_entropy(&logits, &targets, weights, scale, &mut dlogits.data)?;
        self.net.backward(w, &saved, &dlogits, grad);
        self.net.update_running(state, &saved);
        self.net.recycle(saved);
        Ok(LossSums {
            reconstruction: mean * count,
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
        let (x, targets) = self.batch(rows, None);
        let count = x.shape[0] as f64;
        let logits = self.net.infer(Weights { params, state }, &x)?;
        let weights = self.class_weights.as_deref();
        let mut unused = vec![0.0; logits.data.len()];
        let mean = softmax_cross_entropy(&logits, &targets, weights, 0.0, &mut unused)?;
        Ok(LossSums {
            reconstruction: mean * count,
            ..LossSums::default()
        })
    }
}
