//! Layer normalisation over one chosen axis, with a scale and shift per position of that axis.
//! Keras' `LayerNormalization(axis=1)` on `(B, T, C)` sequences normalises over the time axis,
//! separately for every sample and channel (scale and shift of length T, eps 1e-3); PyTorch's
//! `LayerNorm(C)` is the last axis (eps 1e-5). Variances are biased (divided by n).

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::axis::{AxisView, moments};
use super::{Layer, Weights};
use std::ops::Range;

/// Normalises over `axis` of extent `n`.
#[derive(Clone, Debug)]
pub struct LayerNorm {
    name: String,
    axis: usize,
    n: usize,
    eps: f64,
    weight: Range<usize>,
    bias: Range<usize>,
}

/// What backward needs: the normalised values and `1 / sqrt(var + eps)` per group.
#[derive(Clone, Debug)]
pub struct LayerNormSaved<T> {
    normalised: Vec<T>,
    inv_std: Vec<T>,
    view: AxisView,
}

impl LayerNorm {
    /// Declares `NAME.weight` and `NAME.bias` of length `n`; normalises over `axis` (the batch
    /// is axis 0) with `eps` added to the variance.
    pub fn new(layout: &mut ParamLayout, name: &str, axis: usize, n: usize, eps: f64) -> Self {
        Self {
            name: name.to_owned(),
            axis,
            n,
            eps,
            weight: layout.push(&format!("{name}.weight"), &[n]),
            bias: layout.push(&format!("{name}.bias"), &[n]),
        }
    }

    /// Scale 1, shift 0 (both frameworks).
    pub fn init<T: Real>(&self, params: &mut [T]) {
        params[self.weight.clone()].fill(T::one());
        params[self.bias.clone()].fill(T::zero());
    }
}

impl<T: Real> Layer<T> for LayerNorm {
    type Saved = LayerNormSaved<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let v = AxisView::new(&self.name, &x.shape, self.axis, self.n)?;
        let (gamma, beta) = (&w.params[self.weight.clone()], &w.params[self.bias.clone()]);
        let mut y = Tensor::zeros(&x.shape);
        let mut normalised = vec![T::zero(); x.data.len()];
        let mut inv_std = Vec::with_capacity(v.outer * v.inner);
        for o in 0..v.outer {
            for i in 0..v.inner {
                let (mean, var) = moments(&x.data, (0..v.n).map(|k| v.at(o, k, i)));
                let s = T::one() / (var + T::of(self.eps)).sqrt();
                for k in 0..v.n {
                    let j = v.at(o, k, i);
                    normalised[j] = (x.data[j] - mean) * s;
                    y.data[j] = gamma[k] * normalised[j] + beta[k];
                }
                inv_std.push(s);
            }
        }
        Ok((
            y,
            LayerNormSaved {
                normalised,
                inv_std,
                view: v,
            },
        ))
    }

    fn backward(
        &self,
        w: Weights<T>,
        s: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        let v = s.view;
        let gamma = &w.params[self.weight.clone()];
        let mut dx = Tensor::zeros(&dy.shape);
        let n = T::of(v.n as f64);
        for o in 0..v.outer {
            for i in 0..v.inner {
                let (mut sum, mut sum_xhat) = (T::zero(), T::zero());
                for k in 0..v.n {
                    let j = v.at(o, k, i);
                    let d = dy.data[j] * gamma[k];
                    sum += d;
                    sum_xhat += d * s.normalised[j];
                    dparams[self.weight.start + k] += dy.data[j] * s.normalised[j];
                    dparams[self.bias.start + k] += dy.data[j];
                }
                let scale = s.inv_std[o * v.inner + i];
                for (k, g) in gamma.iter().enumerate() {
                    let j = v.at(o, k, i);
                    let d = dy.data[j] * *g;
                    dx.data[j] = scale * (d - (sum + s.normalised[j] * sum_xhat) / n);
                }
            }
        }
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::check_layer;
    use super::*;

    #[test]
    fn gradients_match_finite_differences_over_time_and_over_channels() {
        let mut layout = ParamLayout::default();
        let over_time = LayerNorm::new(&mut layout, "norm", 1, 6, 1e-3);
        check_layer(&over_time, &layout, &[3, 6, 4], |p, _| over_time.init(p));
        let mut layout = ParamLayout::default();
        let over_channels = LayerNorm::new(&mut layout, "norm", 2, 4, 1e-5);
        check_layer(&over_channels, &layout, &[3, 6, 4], |p, _| {
            over_channels.init(p)
        });
    }

    #[test]
    fn keras_time_axis_normalises_each_channel_of_each_sample_over_time() {
        let mut layout = ParamLayout::default();
        let norm = LayerNorm::new(&mut layout, "norm", 1, 3, 0.0);
        let mut p = vec![0.0f64; layout.total()];
        norm.init(&mut p);
        // (B=1, T=3, C=2): channel 0 is 1, 2, 3 over time; channel 1 is 10, 10, 40.
        let x = Tensor::from_vec(&[1, 3, 2], vec![1.0, 10.0, 2.0, 10.0, 3.0, 40.0]).unwrap();
        let (y, _) = norm.forward(Weights::params(&p), &x).unwrap();
        let a = (1.5f64).sqrt(); // (1, 2, 3): deviations -1, 0, 1 over sd sqrt(2/3)
        let want = [
            -a,
            -1.0 / 2f64.sqrt(),
            0.0,
            -1.0 / 2f64.sqrt(),
            a,
            2f64.sqrt(),
        ];
        for (g, w) in y.data.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{:?}", y.data);
        }
    }
}
