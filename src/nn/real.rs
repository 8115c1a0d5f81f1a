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
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
    fn to_f64_exact(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
    fn to_f64_exact(self) -> f64 {
        self
    }
}
