//! Layer normalisation over one chosen axis, with a scale and shift per position of that axis.
//! Keras' `LayerNormalization(axis=1)` on `(B, T, C)` sequences normalises over the time axis,
//! separately for every sample and channel (scale and shift of length T, eps 1e-3); PyTorch's
//! `LayerNorm(C)` is the last axis (eps 1e-5). Variances are biased (divided by n).

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::axis::AxisView;
use super::shards::{map_reduce_grad, shards};
use super::{Layer, Weights};
use rayon::prelude::*;
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
        let (row, eps) = (v.n * v.inner, T::of(self.eps));
        let mut y = Tensor::zeros(&x.shape);
        let mut normalised = vec![T::zero(); x.data.len()];
        let mut inv_std = vec![T::zero(); v.outer * v.inner];
        // Outer indices (samples) are independent; inside one, every step runs over the inner
        // positions at once (contiguous), each summed over the axis in order.
        y.data
            .par_chunks_mut(row)
            .zip(normalised.par_chunks_mut(row))
            .zip(inv_std.par_chunks_mut(v.inner))
            .zip(x.data.par_chunks(row))
            .for_each(|(((y, xhat), s), x)| {
                let mut mean = vec![T::zero(); v.inner];
                for xk in x.chunks_exact(v.inner) {
                    mean.iter_mut().zip(xk).for_each(|(m, x)| *m += *x);
                }
                let n = T::of(v.n as f64);
                mean.iter_mut().for_each(|m| *m /= n);
                // `s` holds the variance until it is turned into 1 / sqrt(var + eps).
                for xk in x.chunks_exact(v.inner) {
                    for ((var, x), m) in s.iter_mut().zip(xk).zip(&mean) {
                        *var += (*x - *m) * (*x - *m);
                    }
                }
                s.iter_mut()
                    .for_each(|s| *s = T::one() / (*s / n + eps).sqrt());
                for (k, ((yk, hk), xk)) in y
                    .chunks_exact_mut(v.inner)
                    .zip(xhat.chunks_exact_mut(v.inner))
                    .zip(x.chunks_exact(v.inner))
                    .enumerate()
                {
                    for i in 0..v.inner {
                        hk[i] = (xk[i] - mean[i]) * s[i];
                        yk[i] = gamma[k] * hk[i] + beta[k];
                    }
                }
            });
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
        let (row, n) = (v.n * v.inner, T::of(v.n as f64));
        // Weight and bias are consecutive; shards of samples, their gradients added in order.
        let span = self.weight.start..self.bias.end;
        let dxs = map_reduce_grad(shards(v.outer), &mut dparams[span], |_, r, g| {
            let mut dx = vec![T::zero(); r.len() * row];
            // Per (axis, inner) position over the shard's samples, summed over inner at the end.
            let (mut gw, mut gb) = (vec![T::zero(); row], vec![T::zero(); row]);
            let (mut sum, mut sum_xhat) = (vec![T::zero(); v.inner], vec![T::zero(); v.inner]);
            for (o, dx) in r.clone().zip(dx.chunks_exact_mut(row)) {
                let (dy, xhat) = (&dy.data[o * row..][..row], &s.normalised[o * row..][..row]);
                sum.fill(T::zero());
                sum_xhat.fill(T::zero());
                for (k, (dyk, hk)) in dy
                    .chunks_exact(v.inner)
                    .zip(xhat.chunks_exact(v.inner))
                    .enumerate()
                {
                    let (gwk, gbk) = (
                        &mut gw[k * v.inner..][..v.inner],
                        &mut gb[k * v.inner..][..v.inner],
                    );
                    for i in 0..v.inner {
                        let d = dyk[i] * gamma[k];
                        sum[i] += d;
                        sum_xhat[i] += d * hk[i];
                        gwk[i] += dyk[i] * hk[i];
                        gbk[i] += dyk[i];
                    }
                }
                let scale = &s.inv_std[o * v.inner..][..v.inner];
                for (k, ((dxk, dyk), hk)) in dx
                    .chunks_exact_mut(v.inner)
                    .zip(dy.chunks_exact(v.inner))
                    .zip(xhat.chunks_exact(v.inner))
                    .enumerate()
                {
                    for i in 0..v.inner {
                        let d = dyk[i] * gamma[k];
                        dxk[i] = scale[i] * (d - (sum[i] + hk[i] * sum_xhat[i]) / n);
                    }
                }
            }
            let (g_w, g_b) = g.split_at_mut(v.n);
            for k in 0..v.n {
                g_w[k] += gw[k * v.inner..][..v.inner].iter().copied().sum::<T>();
                g_b[k] += gb[k * v.inner..][..v.inner].iter().copied().sum::<T>();
            }
            dx
        });
        Tensor {
            shape: dy.shape.clone(),
            data: dxs.concat(),
        }
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
