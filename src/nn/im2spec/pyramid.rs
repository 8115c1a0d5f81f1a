//! Paper 003's dilated pyramid: four conv units in a chain (dilations 1-4, padding = dilation,
//! so the extent is kept) whose output is the sum of all twelve stage outputs (every
//! convolution's, activation's and norm's), as the paper's code sums every module of its
//! `Sequential`.

use super::super::error::NnError;
use super::super::layers::conv_unit::{ConvUnit, ConvUnitSaved, add_assign, recycle};
use super::super::layers::init::InitScheme;
use super::super::layers::scratch;
use super::super::layers::{ConvSpec, Layer, Weights};
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::architecture::DILATIONS;
use crate::rng::Xoshiro256;

/// The running sum's start: zeros of `x`'s shape (every unit keeps the shape).
fn zeros_like<T: Real>(x: &Tensor<T>) -> Tensor<T> {
    Tensor {
        shape: x.shape.clone(),
        data: scratch::zeros(x.data.len()),
    }
}

/// The four units.
#[derive(Clone, Debug)]
pub(crate) struct Pyramid {
    units: Vec<ConvUnit>,
}

impl Pyramid {
    /// Declares `NAME.units.{0..3}.*` on `channels` channels in `spatial_dims` dimensions.
    pub fn new(
        params: &mut ParamLayout,
        state: &mut ParamLayout,
        name: &str,
        spatial_dims: usize,
        channels: usize,
        slope: f64,
    ) -> Result<Self, NnError> {
        let units = DILATIONS
            .iter()
            .enumerate()
            .map(|(k, &d)| {
                let spec = ConvSpec {
                    in_channels: channels,
                    out_channels: channels,
                    kernel: 3,
                    stride: 1,
                    padding: d,
                    dilation: d,
                    bias: true,
                };
                ConvUnit::new(
                    params,
                    state,
                    &format!("{name}.units.{k}"),
                    spatial_dims,
                    spec,
                    slope,
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { units })
    }

    pub fn init<T: Real>(&self, params: &mut [T], state: &mut [T], rng: &mut Xoshiro256) {
        for u in &self.units {
            u.init(params, state, InitScheme::PyTorch, rng);
        }
    }

    pub fn update_running<T: Real>(&self, state: &mut [T], saved: &[ConvUnitSaved<T>]) {
        for (u, s) in self.units.iter().zip(saved) {
            u.update_running(state, s);
        }
    }
}

impl<T: Real> Layer<T> for Pyramid {
    type Saved = Vec<ConvUnitSaved<T>>;

    /// Training mode: the sum of the twelve stage outputs.
    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let mut saved = Vec::with_capacity(self.units.len());
        let mut total = zeros_like(x);
        let mut input: Option<Tensor<T>> = None;
        for u in &self.units {
            let (y, s) = u.forward_tapped(w, input.as_ref().unwrap_or(x), Some(&mut total))?;
            saved.push(s);
            if let Some(spent) = input.replace(y) {
                recycle(spent);
            }
        }
        if let Some(spent) = input {
            recycle(spent);
        }
        Ok((total, saved))
    }

    /// Inference mode (running statistics).
    fn infer(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        let mut total = zeros_like(x);
        let mut input: Option<Tensor<T>> = None;
        for u in &self.units {
            let y = u.infer_tapped(w, input.as_ref().unwrap_or(x), Some(&mut total))?;
            if let Some(spent) = input.replace(y) {
                recycle(spent);
            }
        }
        if let Some(spent) = input {
            recycle(spent);
        }
        Ok(total)
    }

    /// The input gradient from the sum's gradient `dy`: every stage output receives `dy`, and
    /// each unit's output also the gradient of the next unit's input.
    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        let mut d_next: Option<Tensor<T>> = None;
        for (u, s) in self.units.iter().zip(saved).rev() {
            // dy + d_next, summed in d_next's buffer (addition commutes: the same values).
            if let Some(d) = &mut d_next {
                add_assign(d, dy);
            }
            let d_out = d_next.as_ref().unwrap_or(dy);
            let d = u.backward_tapped(w, s, d_out, Some(dy), dparams);
            if let Some(spent) = d_next.replace(d) {
                recycle(spent);
            }
        }
        d_next.expect("four units")
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layers::gradcheck::check_layer_with_state;
    use super::*;

    #[test]
    fn gradients_of_the_twelve_term_sum_match_finite_differences() {
        for (dims, shape) in [(1, vec![3, 2, 9]), (2, vec![2, 2, 5, 6])] {
            let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
            let p = Pyramid::new(&mut params, &mut state, "pyramid", dims, 2, 0.1).unwrap();
            let mut s = vec![0.0f64; state.total()];
            p.init(
                &mut vec![0.0; params.total()],
                &mut s,
                &mut Xoshiro256::seed_from_u64(0),
            );
            check_layer_with_state(&p, &params, &s, &shape, |w, rng| {
                p.init(w, &mut vec![0.0; s.len()], rng)
            });
        }
    }

    #[test]
    fn the_output_is_the_sum_of_every_stage_output() {
        // One channel, weights chosen so each stage is easy to follow by hand: with a zero
        // kernel and bias b, every convolution outputs b, LeakyReLU keeps b > 0, and the norm
        // of a constant gives its shift beta: the sum is 4 (b + b + beta).
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let p = Pyramid::new(&mut params, &mut state, "pyramid", 1, 1, 0.1).unwrap();
        let mut w = vec![0.0f64; params.total()];
        for t in params.tensors() {
            let value = if t.name.ends_with("0.bias") {
                0.5
            } else if t.name.ends_with("2.bias") {
                0.25
            } else {
                0.0
            };
            w[t.range()].fill(value);
        }
        let s = vec![0.0f64; state.total()];
        let x = Tensor::from_vec(&[2, 1, 5], (0..10).map(f64::from).collect()).unwrap();
        let (y, _) = p
            .forward(
                Weights {
                    params: &w,
                    state: &s,
                },
                &x,
            )
            .unwrap();
        assert!(
            y.data.iter().all(|v| (v - 4.0 * 1.25).abs() < 1e-12),
            "{:?}",
            y.data
        );
    }
}
