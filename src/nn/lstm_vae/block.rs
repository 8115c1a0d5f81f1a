//! The residual block of paper 001's network: BiLSTM -> ReLU -> BiLSTM -> ReLU -> add the
//! block's input (broadcast over channels when it has one) -> LayerNorm over time -> ReLU.

use super::super::error::NnError;
use super::super::layers::init::InitScheme;
use super::super::layers::{
    Activation, ActivationLayer, BiLstm, Layer, LayerNorm, LstmOutput, Weights, add_broadcast,
    add_broadcast_backward,
};
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use crate::rng::Xoshiro256;

/// Keras' LayerNormalization epsilon.
pub(crate) const KERAS_NORM_EPS: f64 = 1e-3;

const RELU: ActivationLayer = ActivationLayer(Activation::Relu);

/// One residual block on `(B, T, C)` giving `(B, T, 2h)`.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    first: BiLstm,
    second: BiLstm,
    norm: Option<LayerNorm>,
}

/// What the block's backward pass needs.
pub(crate) struct BlockSaved<T: Real> {
    input_shape: Vec<usize>,
    first: <BiLstm as Layer<T>>::Saved,
    first_out: Tensor<T>,
    second: <BiLstm as Layer<T>>::Saved,
    second_out: Tensor<T>,
    norm: Option<<LayerNorm as Layer<T>>::Saved>,
    out: Tensor<T>,
}

impl Block {
    /// Declares `NAME.lstm0.*`, `NAME.lstm1.*` and (with normalisation) `NAME.norm.*`.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        input: usize,
        hidden: usize,
        steps: usize,
        normalisation: bool,
    ) -> Self {
        Self {
            first: BiLstm::new(
                layout,
                &format!("{name}.lstm0"),
                input,
                hidden,
                LstmOutput::Sequence,
            ),
            second: BiLstm::new(
                layout,
                &format!("{name}.lstm1"),
                2 * hidden,
                hidden,
                LstmOutput::Sequence,
            ),
            norm: normalisation
                .then(|| LayerNorm::new(layout, &format!("{name}.norm"), 1, steps, KERAS_NORM_EPS)),
        }
    }

    /// Keras' initial weights.
    pub fn init<T: Real>(&self, params: &mut [T], rng: &mut Xoshiro256) {
        self.first.init(params, InitScheme::Keras, rng);
        self.second.init(params, InitScheme::Keras, rng);
        if let Some(n) = &self.norm {
            n.init(params);
        }
    }

    /// Training-mode forward pass.
    pub fn forward<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
    ) -> Result<(Tensor<T>, BlockSaved<T>), NnError> {
        let (a, first) = self.first.forward(w, x)?;
        let (first_out, _) = RELU.forward(w, &a)?;
        let (b, second) = self.second.forward(w, &first_out)?;
        let (second_out, _) = RELU.forward(w, &b)?;
        let sum = add_broadcast(&second_out, x)?;
        let (normed, norm) = match &self.norm {
            Some(n) => {
                let (y, s) = n.forward(w, &sum)?;
                (y, Some(s))
            }
            None => (sum, None),
        };
        let (out, _) = RELU.forward(w, &normed)?;
        let saved = BlockSaved {
            input_shape: x.shape.clone(),
            first,
            first_out,
            second,
            second_out,
            norm,
            out: out.clone(),
        };
        Ok((out, saved))
    }

    /// Input gradient; parameter gradients added into `dparams`.
    pub fn backward<T: Real>(
        &self,
        w: Weights<T>,
        s: &BlockSaved<T>,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        let mut d = RELU.backward(w, &s.out, dy, dparams);
        if let (Some(n), Some(ns)) = (&self.norm, &s.norm) {
            d = n.backward(w, ns, &d, dparams);
        }
        let d_residual = add_broadcast_backward(&d, &s.input_shape);
        let d = RELU.backward(w, &s.second_out, &d, dparams);
        let d = self.second.backward(w, &s.second, &d, dparams);
        let d = RELU.backward(w, &s.first_out, &d, dparams);
        let mut dx = self.first.backward(w, &s.first, &d, dparams);
        dx.data
            .iter_mut()
            .zip(&d_residual.data)
            .for_each(|(a, b)| *a += *b);
        dx
    }

    /// Inference-mode forward pass (the same arithmetic: LayerNorm has no running statistics).
    pub fn infer<T: Real>(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        self.forward(w, x).map(|(y, _)| y)
    }
}
