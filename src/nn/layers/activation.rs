//! Element-wise activations. Each derivative is written in terms of the output, so backward
//! needs only what forward returned.

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::{Layer, Weights};

/// An element-wise nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x > 0`, else `slope x` (`slope > 0`).
    LeakyRelu(f64),
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `x` (a linear output layer).
    Identity,
}

/// The logistic function, without overflow for either sign.
#[inline(always)]
pub(crate) fn sigmoid<T: Real>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

impl Activation {
    /// The activation of `x`.
    #[inline(always)]
    pub fn apply<T: Real>(self, x: T) -> T {
        match self {
            Self::Relu => x.max(T::zero()),
            Self::LeakyRelu(slope) => {
                if x > T::zero() {
                    x
                } else {
                    x * T::of(slope)
                }
            }
            Self::Tanh => x.tanh(),
            Self::Sigmoid => sigmoid(x),
            Self::Identity => x,
        }
    }

    /// The derivative at the input whose activation is `y`.
    #[inline(always)]
    pub fn derivative_from_output<T: Real>(self, y: T) -> T {
        match self {
            Self::Relu => {
                if y > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Self::LeakyRelu(slope) => {
                if y > T::zero() {
                    T::one()
                } else {
                    T::of(slope)
                }
            }
            Self::Tanh => T::one() - y * y,
            Self::Sigmoid => y * (T::one() - y),
            Self::Identity => T::one(),
        }
    }

    /// Applies the activation in place.
    pub fn apply_in_place<T: Real>(self, values: &mut [T]) {
        match self {
            // The vectorised kernels (f32) the LSTM gates use.
            Self::Sigmoid => T::sigmoid_in_place(values),
            Self::Tanh => T::tanh_in_place(values),
            Self::Relu | Self::LeakyRelu(_) | Self::Identity => {
                values.iter_mut().for_each(|v| *v = self.apply(*v))
            }
        }
    }

    /// Multiplies `grad` by the derivative at the inputs whose activations are `output`.
    pub fn backward_in_place<T: Real>(self, grad: &mut [T], output: &[T]) {
        grad.iter_mut()
            .zip(output)
            .for_each(|(g, y)| *g *= self.derivative_from_output(*y));
    }
}

/// An activation as a [`Layer`] without parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActivationLayer(pub Activation);

impl<T: Real> Layer<T> for ActivationLayer {
    /// The output.
    type Saved = Tensor<T>;

    fn forward(&self, _: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Tensor<T>), NnError> {
        let mut y = x.clone();
        self.0.apply_in_place(&mut y.data);
        Ok((y.clone(), y))
    }

    fn backward(&self, _: Weights<T>, y: &Tensor<T>, dy: &Tensor<T>, _: &mut [T]) -> Tensor<T> {
        let mut dx = dy.clone();
        self.0.backward_in_place(&mut dx.data, &y.data);
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layout::ParamLayout;
    use super::super::gradcheck::check_layer;
    use super::*;

    #[test]
    fn gradients_match_finite_differences_and_f32_matches_f64() {
        let layout = ParamLayout::default();
        for a in [
            Activation::Relu,
            Activation::LeakyRelu(0.1),
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Identity,
        ] {
            check_layer(&ActivationLayer(a), &layout, &[3, 4, 5], |_, _| {});
        }
    }

    #[test]
    fn sigmoid_is_exact_at_both_extremes() {
        assert_eq!(sigmoid(-800.0f64), 0.0);
        assert_eq!(sigmoid(800.0f64), 1.0);
        assert_eq!(sigmoid(0.0f32), 0.5);
    }
}
