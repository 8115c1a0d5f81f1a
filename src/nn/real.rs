//! The floating-point types the layer set is written for: `f32` (training and inference, the
//! fast path) and `f64` (the gradient checks). Every layer is written once, generic over
//! [`Real`].

use faer::traits::RealField;
use num_traits::Float;

/// `f32` or `f64`: the arithmetic of `num_traits::Float` and faer's matrix products.
pub trait Real:
    Float + RealField + Default + Copy + Send + Sync + std::fmt::Debug + std::iter::Sum + 'static
{
    /// The value nearest to `v`.
    fn of(v: f64) -> Self;
    /// The value as `f64` (exact).
    fn to_f64_exact(self) -> f64;
    /// The logistic function in place (`f32`: the vectorised kernel of
    /// [`super::elementwise::sigmoid`]; `f64`: libm).
    fn sigmoid_in_place(values: &mut [Self]);
    /// The hyperbolic tangent in place (`f32`: [`super::elementwise::tanh`]; `f64`: libm).
    fn tanh_in_place(values: &mut [Self]);
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
    fn to_f64_exact(self) -> f64 {
        f64::from(self)
    }
    fn sigmoid_in_place(values: &mut [Self]) {
        super::elementwise::sigmoid(values);
    }
    fn tanh_in_place(values: &mut [Self]) {
        super::elementwise::tanh(values);
    }
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
    fn to_f64_exact(self) -> f64 {
        self
    }
    fn sigmoid_in_place(values: &mut [Self]) {
        values
            .iter_mut()
            .for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()));
    }
    fn tanh_in_place(values: &mut [Self]) {
        values.iter_mut().for_each(|v| *v = v.tanh());
    }
}
