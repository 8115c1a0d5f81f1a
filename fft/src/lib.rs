//! Real FFT plans of `f64` for ferrolab's spectral Poisson solver.
//!
//! Why a crate of its own: planning instantiates every algorithm rustfft has (scalar, SSE, AVX,
//! each for both precisions) as generic code in the crate that calls the planner. Called from
//! the core crate, that code was 27 % of its LLVM IR and was compiled again in every build of
//! the core (release, its test harness, the Windows check). Here it is compiled once per
//! profile, and the core links the non-generic function below (benches/README.md, "CI time").

use std::sync::Arc;

pub use realfft::num_complex::Complex;
pub use realfft::{ComplexToReal, RealToComplex};

/// The forward (real to complex) and inverse (complex to real, unnormalised) transforms of
/// length `n`.
///
/// ```
/// let (forward, inverse) = ferrolab_fft::plan(8);
/// let mut x: Vec<f64> = (0..8).map(|i| i as f64).collect();
/// let mut spectrum = forward.make_output_vec();
/// forward.process(&mut x, &mut spectrum).unwrap();
/// assert!((spectrum[0].re - 28.0).abs() < 1e-12); // the sum of 0..8
/// let mut back = inverse.make_output_vec();
/// inverse.process(&mut spectrum, &mut back).unwrap();
/// assert!((back[3] / 8.0 - 3.0).abs() < 1e-12);
/// ```
pub fn plan(n: usize) -> (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>) {
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    (planner.plan_fft_forward(n), planner.plan_fft_inverse(n))
}
