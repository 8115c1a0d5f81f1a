//! Linear (dense) layer on the last axis: `y = x W^T + b` for every row of every leading axis,
//! so the same layer serves batches `(B, F)`, every time step of `(B, T, F)` and every
//! coordinate row. Weights in PyTorch's `[out, in]` convention.

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::gemm::{gemm, mat, mat_mut};
use super::init::{InitScheme, glorot_uniform, uniform};
use super::scratch;
use super::shards::{TARGET_ROWS, map_reduce_grad, shards_of};
use super::{Activation, Layer, Weights, check_shape};
use crate::rng::Xoshiro256;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

/// A dense layer from `fan_in` to `fan_out` features.
#[derive(Clone, Debug)]
pub struct Linear {
    name: String,
    /// Input features.
    pub fan_in: usize,
    /// Output features.
    pub fan_out: usize,
    weight: Range<usize>,
    /// `None` for a layer without bias ([`Linear::without_bias`]).
    bias: Option<Range<usize>>,
}

impl Linear {
    /// Declares `NAME.weight` `[fan_out, fan_in]` and `NAME.bias` `[fan_out]` in `layout`.
    pub fn new(layout: &mut ParamLayout, name: &str, fan_in: usize, fan_out: usize) -> Self {
        let weight = layout.push(&format!("{name}.weight"), &[fan_out, fan_in]);
        let bias = Some(layout.push(&format!("{name}.bias"), &[fan_out]));
        Self {
            name: name.to_owned(),
            fan_in,
            fan_out,
            weight,
            bias,
        }
    }

    /// Declares `NAME.weight` `[fan_out, fan_in]` only: `y = x W^T` (PyTorch's
    /// `nn.Linear(bias=False)`; the rVAE's content-latent term, whose bias the coordinate
    /// layer beside it carries).
    pub fn without_bias(
        layout: &mut ParamLayout,
        name: &str,
        fan_in: usize,
        fan_out: usize,
    ) -> Self {
        let weight = layout.push(&format!("{name}.weight"), &[fan_out, fan_in]);
        Self {
            name: name.to_owned(),
            fan_in,
            fan_out,
            weight,
            bias: None,
        }
    }

    /// Whether the layer adds a bias.
    pub fn has_bias(&self) -> bool {
        self.bias.is_some()
    }

    /// Initial weights of `scheme`.
    pub fn init<T: Real>(&self, params: &mut [T], scheme: InitScheme, rng: &mut Xoshiro256) {
        match scheme {
            InitScheme::Keras => {
                glorot_uniform(
                    &mut params[self.weight.clone()],
                    self.fan_in,
                    self.fan_out,
                    rng,
                );
                if let Some(b) = &self.bias {
                    params[b.clone()].fill(T::zero());
                }
            }
            InitScheme::PyTorch => {
                let bound = 1.0 / (self.fan_in as f64).sqrt();
                uniform(&mut params[self.weight.clone()], bound, rng);
                if let Some(b) = &self.bias {
                    uniform(&mut params[b.clone()], bound, rng);
                }
            }
        }
    }

    /// The parameter span (weight, then bias if any: declared together).
    fn span(&self) -> Range<usize> {
        self.weight.start..self.bias.as_ref().map_or(self.weight.end, |b| b.end)
    }
}

impl<T: Real> Layer<T> for Linear {
    /// The input (for the weight gradient).
    type Saved = Tensor<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Tensor<T>), NnError> {
        let y = self.infer(w, x)?;
        Ok((y, x.clone()))
    }

    fn backward(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        self.backward_through(w, x, dy, dparams, Activation::Identity)
    }

    /// The forward pass without keeping the input (the output from the scratch pool).
    fn infer(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        self.infer_activated(w, x, Activation::Identity)
    }
}

impl Linear {
    /// [`Layer::backward`] for an input that is an activation's output, `x = act(u)`: the
    /// gradient in `u`, multiplied by the derivative in each shard while it is in cache.
    pub(crate) fn backward_through<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        dy: &Tensor<T>,
        dparams: &mut [T],
        act: Activation,
    ) -> Tensor<T> {
        let rows = x.data.len() / self.fan_in;
        let weight = &w.params[self.weight.clone()];
        let (nw, span) = (self.weight.len(), self.span());
        let ranges = linear_shards(rows);
        // Every value is written (one product per shard).
        let mut dx = Tensor {
            shape: x.shape.clone(),
            data: scratch::take(x.data.len()),
        };
        let parts: Vec<Mutex<&mut [T]>> = split_rows(&mut dx.data, &ranges, self.fan_in)
            .into_iter()
            .map(Mutex::new)
            .collect();
        map_reduce_grad(ranges, &mut dparams[span], |k, r, g| {
            let dy_r = mat(&dy.data[r.start * self.fan_out..], r.len(), self.fan_out);
            let x_r = mat(&x.data[r.start * self.fan_in..], r.len(), self.fan_in);
            let (gw, gb) = g.split_at_mut(nw);
            gemm(
                mat_mut(gw, self.fan_out, self.fan_in),
                false,
                dy_r.transpose(),
                x_r,
            );
            if !gb.is_empty() {
                for row in
                    dy.data[r.start * self.fan_out..r.end * self.fan_out].chunks_exact(self.fan_out)
                {
                    gb.iter_mut().zip(row).for_each(|(a, b)| *a += *b);
                }
            }
            let mut out = parts[k].lock().unwrap_or_else(PoisonError::into_inner);
            gemm(
                mat_mut(&mut out, r.len(), self.fan_in),
                false,
                dy_r,
                mat(weight, self.fan_out, self.fan_in),
            );
            if act != Activation::Identity {
                let x_r = &x.data[r.start * self.fan_in..r.end * self.fan_in];
                act.backward_in_place(&mut out, x_r);
            }
        });
        drop(parts);
        dx
    }

    /// `act(x W^T + b)` without keeping the input, the activation applied to each shard
    /// while it is in cache (the output from the scratch pool).
    pub(crate) fn infer_activated<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        act: Activation,
    ) -> Result<Tensor<T>, NnError> {
        let rank = x.shape.len().max(1);
        check_shape(&self.name, x, rank, &[Some(self.fan_in)])?;
        let rows = x.data.len() / self.fan_in;
        let mut shape = x.shape.clone();
        *shape.last_mut().expect("rank >= 1") = self.fan_out;
        // Every value is written: the bias, then the product added, or the product alone.
        let mut y = Tensor {
            data: scratch::take(shape.iter().product()),
            shape,
        };
        let weight = &w.params[self.weight.clone()];
        let bias = self.bias.as_ref().map(|b| &w.params[b.clone()]);
        let ranges = linear_shards(rows);
        let mut outs: Vec<&mut [T]> = split_rows(&mut y.data, &ranges, self.fan_out);
        outs.par_iter_mut().zip(&ranges).for_each(|(out, r)| {
            if let Some(bias) = bias {
                out.chunks_exact_mut(self.fan_out)
                    .for_each(|row| row.copy_from_slice(bias));
            }
            gemm(
                mat_mut(out, r.len(), self.fan_out),
                bias.is_some(),
                mat(&x.data[r.start * self.fan_in..], r.len(), self.fan_in),
                mat(weight, self.fan_out, self.fan_in).transpose(),
            );
            if act != Activation::Identity {
                act.apply_in_place(out);
            }
        });
        Ok(y)
    }
}

/// At most [`MAX_SHARDS`] shards of at least [`TARGET_ROWS`] rows: a batch keeps its 32-row
/// shards, while the rVAE decoder's (images x pixels) rows get products of thousands of rows
/// rather than thousands of 32-row products (each packing the weight again, each with its
/// own gradient buffer to reduce).
fn linear_shards(rows: usize) -> Vec<Range<usize>> {
    shards_of(rows, TARGET_ROWS.max(rows.div_ceil(MAX_SHARDS)))
}

/// Shards of one large product: enough to balance a few threads.
const MAX_SHARDS: usize = 32;

/// Disjoint mutable row blocks of `data` for the given row ranges (`width` values per row).
pub(crate) fn split_rows<'a, T>(
    mut data: &'a mut [T],
    ranges: &[Range<usize>],
    width: usize,
) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = data.split_at_mut(r.len() * width);
        out.push(head);
        data = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::check_layer;
    use super::*;

    #[test]
    fn gradients_match_finite_differences_and_f32_matches_f64() {
        let mut layout = ParamLayout::default();
        let layer = Linear::new(&mut layout, "dense", 5, 3);
        for shape in [vec![4, 5], vec![3, 7, 5], vec![70, 5]] {
            check_layer(&layer, &layout, &shape, |p, rng| {
                layer.init(p, InitScheme::PyTorch, rng)
            });
        }
    }

    #[test]
    fn without_bias_has_only_a_weight_and_its_gradients_match() {
        let mut layout = ParamLayout::default();
        let layer = Linear::without_bias(&mut layout, "decoder.latent", 4, 3);
        assert!(!layer.has_bias());
        let names: Vec<&str> = layout.tensors().iter().map(|t| t.name.as_str()).collect();
        assert_eq!((names, layout.total()), (vec!["decoder.latent.weight"], 12));
        for shape in [vec![5, 4], vec![2, 6, 4], vec![70, 4]] {
            check_layer(&layer, &layout, &shape, |p, rng| {
                layer.init(p, InitScheme::PyTorch, rng)
            });
        }
        // A zero input gives a zero output: nothing is added.
        let mut p = vec![0.0f64; 12];
        layer.init(&mut p, InitScheme::Keras, &mut Xoshiro256::seed_from_u64(1));
        let (y, _) = layer
            .forward(Weights::params(&p), &Tensor::zeros(&[2, 4]))
            .unwrap();
        assert!(y.data.iter().all(|v| *v == 0.0));
        // The weight's draws are those of a layer with bias (whose bias is drawn after).
        let mut with = ParamLayout::default();
        let biased = Linear::new(&mut with, "dense", 4, 3);
        let mut q = vec![0.0f64; with.total()];
        let mut p = vec![0.0f64; 12];
        biased.init(
            &mut q,
            InitScheme::PyTorch,
            &mut Xoshiro256::seed_from_u64(2),
        );
        layer.init(
            &mut p,
            InitScheme::PyTorch,
            &mut Xoshiro256::seed_from_u64(2),
        );
        assert_eq!(p[..], q[..12]);
    }

    #[test]
    fn a_wrong_input_width_names_the_layer() {
        let mut layout = ParamLayout::default();
        let layer = Linear::new(&mut layout, "decoder.out", 5, 3);
        let p = vec![0.0f64; layout.total()];
        let err = layer
            .forward(Weights::params(&p), &Tensor::zeros(&[2, 4]))
            .unwrap_err();
        assert!(err.to_string().contains("decoder.out"), "{err}");
    }
}
