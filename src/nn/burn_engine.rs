//! The MLP VAE written with burn's tensors (Flex CPU backend + Autodiff): gradients by reverse
//! mode autodiff, copied back into the flat parameter vector that ferrolab's optimiser,
//! checkpoints and files share with the fast path. The one place that names burn types, so a
//! burn upgrade touches this file only.

use super::error::NnError;
use super::layout::ParamLayout;
use super::mlp_vae::{Reconstruction, VaeArchitecture};
use super::train::{LossSums, LossWeights, Objective};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

/// The MLP VAE's objective computed by burn.
pub struct BurnVae {
    arch: VaeArchitecture,
    layout: ParamLayout,
}

/// Per-row loss terms of a batch as burn tensors: reconstruction [rows], KL [rows].
struct Terms {
    reconstruction: Tensor<1>,
    kl: Tensor<1>,
}

impl BurnVae {
    /// The objective of `arch`.
    pub fn new(arch: &VaeArchitecture) -> Self {
        Self {
            arch: arch.clone(),
            layout: arch.layout(),
        }
    }

    fn device(autodiff: bool) -> Device {
        let device = Device::flex();
        if autodiff { device.autodiff() } else { device }
    }

    fn matrix(values: &[f32], rows: usize, cols: usize, device: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), device)
    }

    /// Leaf tensors of every parameter, in layout order (requiring gradients when `track`).
    fn leaves(&self, params: &[f32], device: &Device, track: bool) -> Vec<Tensor<2>> {
        self.layout
            .tensors()
            .iter()
            .map(|t| {
                // Biases become [1, n] rows that broadcast over the batch.
                let (r, c) = match t.shape[..] {
                    [r, c] => (r, c),
                    _ => (1, t.len()),
                };
                let leaf = Self::matrix(&params[t.range()], r, c, device);
                if track { leaf.require_grad() } else { leaf }
            })
            .collect()
    }

    /// Forward pass and per-row losses; `leaves` in layout order.
    fn terms(&self, leaves: &[Tensor<2>], x: Tensor<2>, noise: Tensor<2>) -> Terms {
        let layer = |i: usize, input: Tensor<2>| -> Tensor<2> {
            input.matmul(leaves[2 * i].clone().transpose()) + leaves[2 * i + 1].clone()
        };
        let depth = self.arch.hidden.len();
        let mut h = x.clone();
        for i in 0..depth {
            h = relu(layer(i, h));
        }
        let mu = layer(depth, h.clone());
        let log_var = layer(depth + 1, h);
        let std = (log_var.clone() * 0.5).exp();
        let mut g = mu.clone() + std * noise;
        for i in 0..depth {
            g = relu(layer(depth + 2 + i, g));
        }
        let y = layer(2 * depth + 2, g);
        let per_element = match self.arch.reconstruction {
            // max(y, 0) - y x + ln(1 + e^-|y|), the stable form of BCE with logits.
            Reconstruction::Bce => relu(y.clone()) - y.clone() * x + (y.abs().neg()).exp().log1p(),
            Reconstruction::Mse => (y - x).powi_scalar(2),
        };
        let kl_per_element = (log_var.clone().exp() + mu.clone() * mu - log_var - 1.0) * 0.5;
        Terms {
            reconstruction: per_element.sum_dim(1).squeeze_dim(1),
            kl: kl_per_element.sum_dim(1).squeeze_dim(1),
        }
    }

    fn inputs(&self, x: &[f32], noise: &[f32], device: &Device) -> (Tensor<2>, Tensor<2>, usize) {
        let rows = x.len() / self.arch.input_dim;
        (
            Self::matrix(x, rows, self.arch.input_dim, device),
            Self::matrix(noise, rows, self.arch.latent_dim, device),
            rows,
        )
    }
}

fn scalar(t: Tensor<1>) -> Result<f64, NnError> {
    let v: Vec<f32> = t
        .sum()
        .try_to_vec_as()
        .map_err(|e| NnError::Numerical(format!("burn: {e:?}")))?;
    Ok(f64::from(v[0]))
}

impl Objective for BurnVae {
    fn layout(&self) -> &ParamLayout {
        &self.layout
    }

    fn row_len(&self) -> usize {
        self.arch.input_dim
    }

    fn noise_dim(&self) -> usize {
        self.arch.latent_dim
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
        let beta = weights.beta as f32;
        let device = Self::device(true);
        let leaves = self.leaves(params, &device, true);
        let (xt, nt, _) = self.inputs(x, noise, &device);
        let terms = self.terms(&leaves, xt, nt);
        let sums = LossSums {
            reconstruction: scalar(terms.reconstruction.clone().detach())?,
            kl: scalar(terms.kl.clone().detach())?,
            l1: 0.0,
        };
        let objective = (terms.reconstruction.sum() + terms.kl.sum() * beta) * grad_scale;
        let grads = objective.backward();
        for (leaf, t) in leaves.iter().zip(self.layout.tensors()) {
            let g: Vec<f32> = leaf
                .grad(&grads)
                .ok_or_else(|| NnError::Numerical(format!("burn: no gradient for {}", t.name)))?
                .try_to_vec_as()
                .map_err(|e| NnError::Numerical(format!("burn: {e:?}")))?;
            grad[t.range()].copy_from_slice(&g);
        }
        Ok(sums)
    }

    fn loss(
        &self,
        params: &[f32],
        _: &[f32],
        x: &[f32],
        noise: &[f32],
    ) -> Result<LossSums, NnError> {
        let device = Self::device(false);
        let leaves = self.leaves(params, &device, false);
        let (xt, nt, _) = self.inputs(x, noise, &device);
        let terms = self.terms(&leaves, xt, nt);
        Ok(LossSums {
            reconstruction: scalar(terms.reconstruction)?,
            kl: scalar(terms.kl)?,
            l1: 0.0,
        })
    }
}
