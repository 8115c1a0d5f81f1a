//! Convolution -> LeakyReLU -> BatchNorm (PyTorch's convention): the unit paper 003's code
//! stacks (its `conv_block` and `dilated_block`) and AtomAI's U-Net repeats. The tensors are
//! named as PyTorch names a `Sequential(conv, LeakyReLU, BatchNorm)`: `NAME.0.*` for the
//! convolution, `NAME.2.*` for the normalisation.
//!
//! Paper 003's dilated pyramid sums the outputs of all three stages of every unit, so the
//! passes take an optional *tap*: forward can also add the convolution's, activation's and
//! norm's outputs into a running sum, and backward then takes that sum's gradient beside the
//! unit output's.

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::conv::{Conv, ConvSpec};
use super::init::InitScheme;
use super::{BatchNorm, BatchNormConvention, Layer, Weights, scratch};
use crate::rng::Xoshiro256;

/// One convolution with its LeakyReLU and BatchNorm.
#[derive(Clone, Debug)]
pub struct ConvUnit {
    conv: Conv,
    /// LeakyReLU's slope for negative inputs.
    slope: f64,
    norm: BatchNorm,
}

/// What the unit's backward pass needs.
pub struct ConvUnitSaved<T: Real> {
    conv: <Conv as Layer<T>>::Saved,
    activated: Tensor<T>,
    norm: <BatchNorm as Layer<T>>::Saved,
}

impl<T: Real> ConvUnitSaved<T> {
    /// Gives the saved buffers to this thread's scratch pool: a trainer calls it once a step's
    /// backward pass is done, so the next step's tensors reuse the memory.
    pub fn recycle(self) {
        self.conv.recycle();
        scratch::give(self.activated.data);
        self.norm.recycle();
    }
}

/// Gives a spent tensor's buffer to this thread's scratch pool.
pub(crate) fn recycle<T: Real>(t: Tensor<T>) {
    scratch::give(t.data);
}

/// `a += b`, element-wise.
pub(crate) fn add_assign<T: Real>(a: &mut Tensor<T>, b: &Tensor<T>) {
    a.data.iter_mut().zip(&b.data).for_each(|(x, y)| *x += *y);
}

/// `sum += c`, `+= a`, `+= y` in one pass (the order of a running sum over the stages).
fn add_stages<T: Real>(sum: &mut Tensor<T>, c: &Tensor<T>, a: &Tensor<T>, y: &Tensor<T>) {
    for (((s, c), a), y) in sum.data.iter_mut().zip(&c.data).zip(&a.data).zip(&y.data) {
        *s = *s + *c + *a + *y;
    }
}

impl ConvUnit {
    /// Declares `NAME.0.weight` (and `.bias`), `NAME.2.weight`, `NAME.2.bias` in `params` and
    /// `NAME.2.running_mean`, `NAME.2.running_var` in `state`.
    pub fn new(
        params: &mut ParamLayout,
        state: &mut ParamLayout,
        name: &str,
        spatial_dims: usize,
        spec: ConvSpec,
        slope: f64,
    ) -> Result<Self, NnError> {
        let names = [format!("{name}.0"), format!("{name}.2")];
        Self::named(params, state, names, spatial_dims, spec, slope)
    }

    /// Unit `position` of a longer `Sequential` of units (AtomAI's `ConvBlock.block`): the
    /// tensors `PREFIX.{3 position}.*` for the convolution and `PREFIX.{3 position + 2}.*`
    /// for the normalisation.
    pub fn in_sequence(
        params: &mut ParamLayout,
        state: &mut ParamLayout,
        prefix: &str,
        position: usize,
        spatial_dims: usize,
        spec: ConvSpec,
        slope: f64,
    ) -> Result<Self, NnError> {
        let names = [
            format!("{prefix}.{}", 3 * position),
            format!("{prefix}.{}", 3 * position + 2),
        ];
        Self::named(params, state, names, spatial_dims, spec, slope)
    }

    fn named(
        params: &mut ParamLayout,
        state: &mut ParamLayout,
        [conv, norm]: [String; 2],
        spatial_dims: usize,
        spec: ConvSpec,
        slope: f64,
    ) -> Result<Self, NnError> {
        Ok(Self {
            conv: Conv::new(params, &conv, spatial_dims, spec)?,
            slope,
            norm: BatchNorm::new(
                params,
                state,
                &norm,
                1,
                spec.out_channels,
                BatchNormConvention::PyTorch,
            ),
        })
    }

    /// The convolution's initial weights of `scheme`; the norm's scale 1 and shift 0, running
    /// mean 0 and variance 1.
    pub fn init<T: Real>(
        &self,
        params: &mut [T],
        state: &mut [T],
        scheme: InitScheme,
        rng: &mut Xoshiro256,
    ) {
        self.conv.init(params, scheme, rng);
        self.norm.init(params, state);
    }

    /// Folds a training batch's statistics into the norm's running ones.
    pub fn update_running<T: Real>(&self, state: &mut [T], saved: &ConvUnitSaved<T>) {
        self.norm.update_running(state, &saved.norm);
    }

    /// The activation of the convolution output `c`: in place in `c`'s buffer unless the tap
    /// also needs `c` (then written to a new buffer and returned beside it).
    fn activate<T: Real>(&self, mut c: Tensor<T>, keep: bool) -> (Tensor<T>, Option<Tensor<T>>) {
        let slope = T::of(self.slope);
        let leaky = |x: T| if x > T::zero() { x } else { x * slope };
        if !keep {
            c.data.iter_mut().for_each(|v| *v = leaky(*v));
            return (c, None);
        }
        let mut activated = Tensor {
            shape: c.shape.clone(),
            data: scratch::take(c.data.len()),
        };
        for (a, v) in activated.data.iter_mut().zip(&c.data) {
            *a = leaky(*v);
        }
        (activated, Some(c))
    }

    /// The training-mode pass: the unit's output and what backward needs; with `tap`, the
    /// convolution's, the activation's and the norm's outputs are added into it.
    pub fn forward_tapped<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        tap: Option<&mut Tensor<T>>,
    ) -> Result<(Tensor<T>, ConvUnitSaved<T>), NnError> {
        let (c, conv) = self.conv.forward(w, x)?;
        let (activated, c) = self.activate(c, tap.is_some());
        let (y, norm) = self.norm.forward(w, &activated)?;
        if let (Some(sum), Some(c)) = (tap, c) {
            add_stages(sum, &c, &activated, &y);
            recycle(c);
        }
        let saved = ConvUnitSaved {
            conv,
            activated,
            norm,
        };
        Ok((y, saved))
    }

    /// The inference-mode pass, with the tap as in [`Self::forward_tapped`].
    pub fn infer_tapped<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        tap: Option<&mut Tensor<T>>,
    ) -> Result<Tensor<T>, NnError> {
        let c = self.conv.infer(w, x)?;
        let (activated, c) = self.activate(c, tap.is_some());
        let y = self.norm.infer(w, &activated)?;
        if let (Some(sum), Some(c)) = (tap, c) {
            add_stages(sum, &c, &activated, &y);
            recycle(c);
        }
        recycle(activated);
        Ok(y)
    }

    /// The input gradient from the output's gradient `dy` and (if the forward pass was
    /// tapped) the tap's `dtap`; parameter gradients are added into `dparams`.
    pub fn backward_tapped<T: Real>(
        &self,
        w: Weights<T>,
        saved: &ConvUnitSaved<T>,
        dy: &Tensor<T>,
        dtap: Option<&Tensor<T>>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        // The activation's gradient in place (its output has its input's sign); the tap's
        // gradient reaches the norm's and the activation's outputs and `c`.
        let mut dc = self.norm.backward(w, &saved.norm, dy, dparams);
        let slope = T::of(self.slope);
        let derivative = |y: T| if y > T::zero() { T::one() } else { slope };
        let activated = &saved.activated.data;
        match dtap {
            Some(t) => {
                for ((d, y), t) in dc.data.iter_mut().zip(activated).zip(&t.data) {
                    *d = (*d + *t) * derivative(*y) + *t;
                }
            }
            None => {
                for (d, y) in dc.data.iter_mut().zip(activated) {
                    *d *= derivative(*y);
                }
            }
        }
        let dx = self.conv.backward(w, &saved.conv, &dc, dparams);
        scratch::give(dc.data);
        dx
    }
}

impl<T: Real> Layer<T> for ConvUnit {
    type Saved = ConvUnitSaved<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        self.forward_tapped(w, x, None)
    }

    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        self.backward_tapped(w, saved, dy, None, dparams)
    }

    fn infer(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        self.infer_tapped(w, x, None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::check_layer_with_state;
    use super::*;

    #[test]
    fn gradients_match_finite_differences_in_one_and_two_dimensions() {
        for (dims, shape) in [(1, vec![3, 2, 7]), (2, vec![2, 2, 4, 5])] {
            let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
            let spec = ConvSpec {
                in_channels: 2,
                out_channels: 3,
                kernel: 3,
                stride: 1,
                padding: 1,
                dilation: 1,
                bias: true,
            };
            let unit = ConvUnit::new(&mut params, &mut state, "unit", dims, spec, 0.1).unwrap();
            let s = vec![0.0f64; state.total()];
            check_layer_with_state(&unit, &params, &s, &shape, |w, rng| {
                unit.init(w, &mut vec![0.0; s.len()], InitScheme::PyTorch, rng)
            });
        }
    }

    #[test]
    fn tensors_carry_pytorch_sequential_names() {
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let spec = ConvSpec {
            in_channels: 1,
            out_channels: 4,
            kernel: 3,
            stride: 1,
            padding: 1,
            dilation: 1,
            bias: true,
        };
        ConvUnit::new(&mut params, &mut state, "enc.0", 2, spec, 0.1).unwrap();
        let names: Vec<&str> = params.tensors().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "enc.0.0.weight",
                "enc.0.0.bias",
                "enc.0.2.weight",
                "enc.0.2.bias"
            ]
        );
        assert_eq!(params.get("enc.0.0.weight").unwrap().shape, [4, 1, 3, 3]);
        assert_eq!(state.tensors()[0].name, "enc.0.2.running_mean");
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        ConvUnit::in_sequence(&mut params, &mut state, "c2.block", 1, 2, spec, 0.01).unwrap();
        let names: Vec<&str> = params.tensors().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "c2.block.3.weight",
                "c2.block.3.bias",
                "c2.block.5.weight",
                "c2.block.5.bias"
            ]
        );
    }
}
