//! Time the SHO fit of a whole synthetic band-excitation map (default 60 x 60 pixels x 96
//! voltage steps x 64 bins, SNR 20) on the worker pool and report how well the known
//! parameters come back.
//!
//! ```text
//! cargo run --release --example sho_map -- [ROWS COLS STEPS] [THREADS]
//! ```

use ferrolab::beps::{ShoFlag, SyntheticSpec, fit_spectra, synthetic_beps};
use ferrolab::progress::Progress;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let mut spec = SyntheticSpec::default();
    if args.len() >= 3 {
        (spec.rows, spec.cols, spec.steps) = (args[0], args[1], args[2]);
    }
    ferrolab::parallel::set_num_threads(args.get(3).copied().unwrap_or(2))?;
    let started = Instant::now();
    let data = synthetic_beps(&spec)?;
    let generated = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let fits = fit_spectra(
        &data.freq_hz,
        data.re.view(),
        data.im.view(),
        &Progress::new(),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let ok = fits.iter().filter(|f| f.flag == ShoFlag::Ok).count();
    let mut errors: Vec<f64> = fits
        .iter()
        .zip(data.truth.rows())
        .map(|(f, t)| (f.frequency - t[1]).abs())
        .collect();
    errors.sort_by(f64::total_cmp);
    let iterations = fits.iter().map(|f| f.iterations as f64).sum::<f64>() / fits.len() as f64;
    println!(
        "{} x {} x {} map ({} spectra of {} bins, generated in {generated:.1} s): fitted in {seconds:.2} s on {} threads ({:.2} us per spectrum, {iterations:.1} iterations), {ok} converged, resonance error median {:.1} Hz, 99th percentile {:.1} Hz",
        spec.rows,
        spec.cols,
        spec.steps,
        fits.len(),
        spec.bins,
        ferrolab::parallel::num_threads(),
        seconds / fits.len() as f64 * 1e6,
        errors[errors.len() / 2],
        errors[errors.len() * 99 / 100]
    );
    Ok(())
}
