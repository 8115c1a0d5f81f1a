//! Batch normalisation over every axis but the channel axis, with running statistics for
//! inference. The two frameworks' conventions differ in three places and both are offered:
//! | | running update | eps | running variance |
//! |---|---|---|---|
//! | Keras | `0.99 old + 0.01 batch` | 1e-3 | biased (divided by m) |
//! | PyTorch | `0.9 old + 0.1 batch` | 1e-5 | unbiased (divided by m - 1) |
//!
//! Training normalises with the batch's biased variance in both.

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::axis::{AxisView, lane_dot, lane_sum};
use super::{Layer, Weights, scratch};
use rayon::prelude::*;
use std::ops::Range;

/// Values below which a parallel task is not worth its cost.
const MIN_TASK: usize = 16_384;

/// Channels per task of the per-channel sums.
fn min_channels(v: &AxisView) -> usize {
    MIN_TASK.div_ceil((v.outer * v.inner).max(1))
}

/// Samples per task of the element-wise passes, samples of `sample` values.
fn min_samples(sample: usize) -> usize {
    MIN_TASK.div_ceil(sample)
}

/// Whose running-statistics rule and epsilon a [`BatchNorm`] follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchNormConvention {
    /// `tf.keras.layers.BatchNormalization()` defaults.
    Keras,
    /// `torch.nn.BatchNorm1d/2d` defaults.
    PyTorch,
}

impl BatchNormConvention {
    /// Weight of the batch statistic in the running average.
    fn new_weight(self) -> f64 {
        match self {
            Self::Keras => 0.01,
            Self::PyTorch => 0.1,
        }
    }

    /// Added to the variance before the square root.
    pub fn eps(self) -> f64 {
        match self {
            Self::Keras => 1e-3,
            Self::PyTorch => 1e-5,
        }
    }
}

/// Normalises each of `channels` channels (at `axis`) over the batch and the other axes.
#[derive(Clone, Debug)]
pub struct BatchNorm {
    name: String,
    axis: usize,
    channels: usize,
    convention: BatchNormConvention,
    weight: Range<usize>,
    bias: Range<usize>,
    running_mean: Range<usize>,
    running_var: Range<usize>,
}

/// What backward and the running update need.
#[derive(Clone, Debug)]
pub struct BatchNormSaved<T> {
    normalised: Vec<T>,
    mean: Vec<T>,
    /// Biased batch variance per channel.
    var: Vec<T>,
    view: AxisView,
}

impl<T: Real> BatchNormSaved<T> {
    /// Gives the saved buffer to this thread's scratch pool (for the next step).
    pub(crate) fn recycle(self) {
        scratch::give(self.normalised);
    }
}

impl BatchNorm {
    /// Declares `NAME.weight`, `NAME.bias` in `params` and `NAME.running_mean`,
    /// `NAME.running_var` in `state` (PyTorch's names), all of length `channels`.
    pub fn new(
        params: &mut ParamLayout,
        state: &mut ParamLayout,
        name: &str,
        axis: usize,
        channels: usize,
        convention: BatchNormConvention,
    ) -> Self {
        Self {
            name: name.to_owned(),
            axis,
            channels,
            convention,
            weight: params.push(&format!("{name}.weight"), &[channels]),
            bias: params.push(&format!("{name}.bias"), &[channels]),
            running_mean: state.push(&format!("{name}.running_mean"), &[channels]),
            running_var: state.push(&format!("{name}.running_var"), &[channels]),
        }
    }

    /// Scale 1, shift 0, running mean 0, running variance 1 (both frameworks).
    pub fn init<T: Real>(&self, params: &mut [T], state: &mut [T]) {
        params[self.weight.clone()].fill(T::one());
        params[self.bias.clone()].fill(T::zero());
        state[self.running_mean.clone()].fill(T::zero());
        state[self.running_var.clone()].fill(T::one());
    }

    /// Folds a training batch's statistics into the running ones.
    pub fn update_running<T: Real>(&self, state: &mut [T], saved: &BatchNormSaved<T>) {
        let a = T::of(self.convention.new_weight());
        let m = saved.view.outer * saved.view.inner;
        let unbias = match self.convention {
            BatchNormConvention::Keras => T::one(),
            BatchNormConvention::PyTorch => T::of(m as f64 / (m.max(2) - 1) as f64),
        };
        for c in 0..self.channels {
            let rm = &mut state[self.running_mean.start + c];
            *rm = (T::one() - a) * *rm + a * saved.mean[c];
            let rv = &mut state[self.running_var.start + c];
            *rv = (T::one() - a) * *rv + a * saved.var[c] * unbias;
        }
    }
}

impl<T: Real> Layer<T> for BatchNorm {
    type Saved = BatchNormSaved<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let v = AxisView::new(&self.name, &x.shape, self.axis, self.channels)?;
        let (gamma, beta) = (&w.params[self.weight.clone()], &w.params[self.bias.clone()]);
        let eps = T::of(self.convention.eps());
        let m = T::of((v.outer * v.inner) as f64);
        // Each channel's statistics on its own (the same sums for any thread count), then
        // each sample's values.
        let stats: Vec<(T, T)> = (0..v.n)
            .into_par_iter()
            .with_min_len(min_channels(&v))
            .map(|c| {
                let mean = v.slices(c).map(|r| lane_sum(&x.data[r], |a| a)).sum::<T>() / m;
                let var = v
                    .slices(c)
                    .map(|r| lane_sum(&x.data[r], |a| (a - mean) * (a - mean)))
                    .sum::<T>()
                    / m;
                (mean, var)
            })
            .collect();
        let scales: Vec<T> = stats
            .iter()
            .map(|&(_, var)| T::one() / (var + eps).sqrt())
            .collect();
        // Every value of both is written below.
        let mut y = Tensor {
            shape: x.shape.clone(),
            data: scratch::take(x.data.len()),
        };
        let mut normalised = scratch::take(x.data.len());
        let sample = (v.n * v.inner).max(1);
        y.data
            .par_chunks_mut(sample)
            .zip(normalised.par_chunks_mut(sample))
            .zip(x.data.par_chunks(sample))
            .with_min_len(min_samples(sample))
            .for_each(|((ys, ns), xs)| {
                for c in 0..v.n {
                    let r = c * v.inner..(c + 1) * v.inner;
                    let (mean, s) = (stats[c].0, scales[c]);
                    for ((n, y), x) in ns[r.clone()].iter_mut().zip(&mut ys[r.clone()]).zip(&xs[r])
                    {
                        *n = (*x - mean) * s;
                        *y = gamma[c] * *n + beta[c];
                    }
                }
            });
        let (means, vars) = stats.into_iter().unzip();
        Ok((
            y,
            BatchNormSaved {
                normalised,
                mean: means,
                var: vars,
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
        let m = T::of((v.outer * v.inner) as f64);
        let eps = T::of(self.convention.eps());
        let sums: Vec<(T, T)> = (0..v.n)
            .into_par_iter()
            .with_min_len(min_channels(&v))
            .map(|c| {
                let (mut sum, mut sum_xhat) = (T::zero(), T::zero());
                for r in v.slices(c) {
                    sum += lane_sum(&dy.data[r.clone()], |a| a);
                    sum_xhat += lane_dot(&dy.data[r.clone()], &s.normalised[r]);
                }
                (sum, sum_xhat)
            })
            .collect();
        // Per channel: the scale and the two means the input gradient subtracts.
        let terms: Vec<(T, T, T)> = sums
            .iter()
            .enumerate()
            .map(|(c, &(sum, sum_xhat))| {
                dparams[self.weight.start + c] += sum_xhat;
                dparams[self.bias.start + c] += sum;
                let scale = gamma[c] / (s.var[c] + eps).sqrt();
                (scale, sum / m, sum_xhat / m)
            })
            .collect();
        // Every value is written below.
        let mut dx = Tensor {
            shape: dy.shape.clone(),
            data: scratch::take(dy.data.len()),
        };
        let sample = (v.n * v.inner).max(1);
        dx.data
            .par_chunks_mut(sample)
            .zip(dy.data.par_chunks(sample))
            .zip(s.normalised.par_chunks(sample))
            .with_min_len(min_samples(sample))
            .for_each(|((ds, gs), ns)| {
                for (c, &(scale, mean_dy, mean_dy_xhat)) in terms.iter().enumerate() {
                    let r = c * v.inner..(c + 1) * v.inner;
                    for ((d, g), n) in ds[r.clone()].iter_mut().zip(&gs[r.clone()]).zip(&ns[r]) {
                        *d = scale * (*g - mean_dy - *n * mean_dy_xhat);
                    }
                }
            });
        dx
    }

    fn infer(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        let v = AxisView::new(&self.name, &x.shape, self.axis, self.channels)?;
        let (gamma, beta) = (&w.params[self.weight.clone()], &w.params[self.bias.clone()]);
        let (rm, rv) = (
            &w.state[self.running_mean.clone()],
            &w.state[self.running_var.clone()],
        );
        let eps = T::of(self.convention.eps());
        let mut y = x.clone();
        for o in 0..v.outer {
            for c in 0..v.n {
                let s = gamma[c] / (rv[c] + eps).sqrt();
                for i in 0..v.inner {
                    let j = v.at(o, c, i);
                    y.data[j] = (x.data[j] - rm[c]) * s + beta[c];
                }
            }
        }
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::check_layer_with_state;
    use super::*;

    fn layer(
        axis: usize,
        channels: usize,
        convention: BatchNormConvention,
    ) -> (BatchNorm, ParamLayout, Vec<f64>) {
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let bn = BatchNorm::new(&mut params, &mut state, "bn", axis, channels, convention);
        let mut s = vec![0.0; state.total()];
        bn.init(&mut vec![0.0; params.total()], &mut s);
        (bn, params, s)
    }

    #[test]
    fn gradients_match_finite_differences_for_features_and_channels() {
        let (bn, params, state) = layer(1, 4, BatchNormConvention::Keras);
        check_layer_with_state(&bn, &params, &state, &[6, 4], |p, _| {
            bn.init(p, &mut [0.0; 8])
        });
        let (bn, params, state) = layer(1, 3, BatchNormConvention::PyTorch);
        check_layer_with_state(&bn, &params, &state, &[4, 3, 5], |p, _| {
            bn.init(p, &mut [0.0; 6])
        });
    }

    #[test]
    fn running_statistics_follow_each_frameworks_rule() {
        // One channel, batch 1, 2, 3, 6: mean 3, biased variance 3.5, unbiased 14/3.
        let x = Tensor::from_vec(&[4, 1], vec![1.0, 2.0, 3.0, 6.0]).unwrap();
        for (convention, mean, var) in [
            (BatchNormConvention::Keras, 0.01 * 3.0, 0.99 + 0.01 * 3.5),
            (
                BatchNormConvention::PyTorch,
                0.1 * 3.0,
                0.9 + 0.1 * 14.0 / 3.0,
            ),
        ] {
            let (bn, params, mut state) = layer(1, 1, convention);
            let mut p = vec![0.0; params.total()];
            bn.init(&mut p, &mut state);
            let (_, saved) = bn
                .forward(
                    Weights {
                        params: &p,
                        state: &state,
                    },
                    &x,
                )
                .unwrap();
            bn.update_running(&mut state, &saved);
            assert!(
                (state[0] - mean).abs() < 1e-15 && (state[1] - var).abs() < 1e-15,
                "{convention:?}: {state:?}"
            );
            // Inference uses the running statistics.
            let y = bn
                .infer(
                    Weights {
                        params: &p,
                        state: &state,
                    },
                    &x,
                )
                .unwrap();
            let want = (6.0 - mean) / (var + convention.eps()).sqrt();
            assert!((y.data[3] - want).abs() < 1e-12);
        }
    }
}
