//! Band-excitation piezoresponse spectroscopy (BEPS, papers 001 and 003): simple harmonic
//! oscillator fits of the cantilever response at every pixel and voltage step, batch fitting
//! in parallel, the phase rotation that turns fits into piezoresponse loops, synthetic data with
//! known parameters (SHO spectra; paper 001's maps of mixed switching mechanisms), and the
//! reading of `ferrolab beps fit` output as piezoresponse and resonance loops.
//!
//! ```
//! use ferrolab::progress::Progress;
//! use ferrolab::beps::{SyntheticSpec, fit_spectra, synthetic_beps};
//! let data = synthetic_beps(&SyntheticSpec { rows: 2, cols: 2, steps: 4, ..Default::default() })
//!     .expect("a small valid spec");
//! let fits = fit_spectra(&data.freq_hz, data.re.view(), data.im.view(), &Progress::new())?;
//! let error = (fits[0].frequency - data.truth[[0, 1]]).abs();
//! assert!(error < 5.0 * fits[0].std_errors[1] + 1.0, "{error} Hz");
//! # Ok::<(), ferrolab::beps::BatchError>(())
//! ```

mod batch;
mod fit_output;
mod loop_fit;
mod loop_parameters;
mod mechanisms;
mod rotation;
pub mod sho;
mod sho_kernel;
mod synthetic;

pub use batch::{BatchError, fit_spectra, fits_to_arrays};
pub use fit_output::{FitLoops, fit_loop_labels, read_fit_loops};
pub use loop_fit::{LoopFit, fit_loop, fit_loops, loop_function, loop_initial_guess, rising_first};
pub use loop_parameters::{LoopParameters, NUCLEATION_FRACTION, loop_parameters};
pub use mechanisms::{Mechanism, MechanismMap, MechanismSpec, mechanism_map, mechanism_spectra};
pub use rotation::{phase_rotation, piezoresponse};
pub use sho::{ShoFit, ShoFlag};
pub use synthetic::{
    SyntheticBeps, SyntheticError, SyntheticSpec, branch_signs, synthetic_beps, triangle_wave,
};
