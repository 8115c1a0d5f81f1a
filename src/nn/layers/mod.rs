//! The layer set every network of the project is composed of (docs/nn.md).
//!
//! A layer is a small immutable description (sizes and where its tensors sit in the model's
//! flat parameter vector); its [`Layer::forward`] returns the output and what
//! [`Layer::backward`] needs, and `backward` returns the input gradient while adding the
//! parameter gradients into the model's flat gradient vector. Layers are written once,
//! generic over [`Real`] (`f32` to train, `f64` to check gradients), and split the batch into
//! shards whose boundaries depend on the batch size only, so results do not depend on the
//! number of threads.
//!
//! ```
//! use ferrolab::nn::ParamLayout;
//! use ferrolab::nn::layers::init::InitScheme;
//! use ferrolab::nn::layers::{BiLstm, Layer, Linear, LstmOutput, Weights};
//! use ferrolab::nn::tensor::Tensor;
//! let mut layout = ParamLayout::default();
//! let lstm = BiLstm::new(&mut layout, "encoder.lstm", 1, 8, LstmOutput::Last);
//! let dense = Linear::new(&mut layout, "encoder.dense", 16, 2);
//! let mut params = vec![0.0f32; layout.total()];
//! let mut rng = ferrolab::rng::Xoshiro256::seed_from_u64(0);
//! lstm.init(&mut params, InitScheme::Keras, &mut rng);
//! dense.init(&mut params, InitScheme::Keras, &mut rng);
//! let w = Weights::params(&params);
//! let x = Tensor::from_vec(&[4, 10, 1], (0..40).map(|i| (i as f32 * 0.1).sin()).collect()).unwrap();
//! let (h, saved_lstm) = lstm.forward(w, &x)?; // (4, 16): both directions' final states
//! let (y, saved_dense) = dense.forward(w, &h)?; // (4, 2)
//! let mut grad = vec![0.0f32; layout.total()];
//! let dh = dense.backward(w, &saved_dense, &y, &mut grad); // gradient of |y|^2 / 2
//! let dx = lstm.backward(w, &saved_lstm, &dh, &mut grad);
//! assert_eq!((y.shape.clone(), dx.shape), (vec![4, 2], vec![4, 10, 1]));
//! # Ok::<(), ferrolab::nn::NnError>(())
//! ```

mod activation;
mod axis;
mod batch_norm;
mod broadcast;
mod concat;
mod conv;
pub mod conv_unit;
mod cross_entropy;
mod gemm;
mod im2col;
pub mod init;
mod layer_norm;
mod linear;
mod lstm;
mod lstm_shard;
mod max_pool;
mod penalties;
mod rotate_translate;
pub(crate) mod scratch;
mod shards;
mod upsample;

#[cfg(all(test, feature = "burn"))]
mod burn_reference;
#[cfg(test)]
pub(crate) mod gradcheck;
#[cfg(test)]
mod pytorch_parity;

pub use activation::{Activation, ActivationLayer};
pub use batch_norm::{BatchNorm, BatchNormConvention};
pub use broadcast::{RepeatTime, add_broadcast, add_broadcast_backward};
pub use concat::{concat_channels, split_channels};
pub(crate) use conv::InputGradient;
pub use conv::{Conv, ConvSaved, ConvSpec};
pub use cross_entropy::{softmax_channels, softmax_cross_entropy};
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use lstm::{BiLstm, Lstm, LstmOutput};
pub use max_pool::{DEFAULT_POOL, MaxPool, MaxPoolSaved};
pub use penalties::{
    DEFAULT_ROTATION_PRIOR_SD, activity_l1, gaussian_kl, gaussian_kl_log_sd, reparameterise,
    reparameterise_backward, rotation_kl_sd_only,
};
pub use rotate_translate::{DEFAULT_TRANSLATION_SCALE, RotateTranslate};
pub use upsample::{Upsample, UpsampleMode, UpsampleSaved};

use super::error::NnError;
use super::real::Real;
use super::tensor::Tensor;

/// The model's values a layer reads: trainable parameters and non-trainable state (running
/// statistics of normalisation layers), each one flat vector addressed through the model's
/// [`super::ParamLayout`]s.
#[derive(Clone, Copy, Debug)]
pub struct Weights<'a, T> {
    /// Trainable parameters.
    pub params: &'a [T],
    /// Running statistics and other state that training updates without gradients.
    pub state: &'a [T],
}

impl<'a, T> Weights<'a, T> {
    /// Parameters without state.
    pub fn params(params: &'a [T]) -> Self {
        Self { params, state: &[] }
    }
}

/// One differentiable operation with its parameters.
pub trait Layer<T: Real> {
    /// What the forward pass keeps for the backward pass.
    type Saved;

    /// The training-mode forward pass: the output and what backward needs. Fails, naming the
    /// layer, when the input's shape does not fit.
    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError>;

    /// The input gradient from the output gradient `dy`; parameter gradients are added into
    /// `dparams` (the model's whole flat gradient, at this layer's ranges).
    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T>;

    /// The inference-mode forward pass (normalisation layers use their running statistics).
    fn infer(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        self.forward(w, x).map(|(y, _)| y)
    }
}

/// `Err` naming `layer` unless `x` has `rank` axes and its trailing axes equal `trailing`
/// (`None` entries match any extent).
pub(crate) fn check_shape<T>(
    layer: &str,
    x: &Tensor<T>,
    rank: usize,
    trailing: &[Option<usize>],
) -> Result<(), NnError> {
    let fits = x.shape.len() == rank
        && x.shape[rank - trailing.len()..]
            .iter()
            .zip(trailing)
            .all(|(have, want)| want.is_none_or(|w| w == *have))
        && x.data.len() == x.shape.iter().product::<usize>();
    if fits {
        Ok(())
    } else {
        let want: Vec<String> = std::iter::repeat_n("B".to_string(), rank - trailing.len())
            .chain(
                trailing
                    .iter()
                    .map(|t| t.map_or("*".into(), |v| v.to_string())),
            )
            .collect();
        Err(NnError::Invalid(format!(
            "{layer}: input of shape {:?} does not fit ({})",
            x.shape,
            want.join(", ")
        )))
    }
}
