//! SHO fits of many spectra (pixels x voltage steps) in parallel, with progress and cancel.

use super::sho::{ShoFit, fit};
use crate::progress::Progress;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// Why a batch fit stopped.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// Shapes disagree (the message names the arrays).
    #[error("{0}")]
    Invalid(String),
    /// Cancelled on request.
    #[error("SHO fit cancelled after {done} of {total} spectra")]
    Cancelled {
        /// Spectra fitted before the cancellation.
        done: usize,
        /// Spectra in all.
        total: usize,
    },
}

/// The frequencies a fit can use: at least 5, finite and increasing.
fn check_frequencies(f: &[f64]) -> Result<(), BatchError> {
    let invalid = |m: String| Err(BatchError::Invalid(m));
    if f.len() < 5 {
        return invalid(format!(
            "n_freq = {}: the SHO fit needs at least 5 frequencies",
            f.len()
        ));
    }
    if let Some(k) = f.iter().position(|v| !v.is_finite()) {
        return invalid(format!(
            "freq_hz[{k}] = {}: frequencies must be finite",
            f[k]
        ));
    }
    if let Some(k) = (1..f.len()).find(|&k| f[k] <= f[k - 1]) {
        return invalid(format!(
            "freq_hz[{k}] = {} is not above freq_hz[{}] = {}: frequencies must increase",
            f[k],
            k - 1,
            f[k - 1]
        ));
    }
    Ok(())
}

/// Fit every row of `re` / `im` (n_spectra x n_freq) against `freq_hz` on the library's worker
/// pool; one [`ShoFit`] per row, in order. Degenerate rows are flagged, never an error; the
/// frequencies must be at least 5, finite and increasing.
/// `progress` counts spectra and stops the fit at its next chunk of 256 when cancelled.
///
/// ```
/// use ferrolab::beps::{fit_spectra, sho::response};
/// let f: Vec<f64> = (0..48).map(|k| 290e3 + 20e3 * k as f64 / 47.0).collect();
/// let re = ndarray::Array2::from_shape_fn((3, 48), |(i, k)| response(f[k], 299e3 + 1e3 * i as f64, 1e-3, 120.0, 0.2).re);
/// let im = ndarray::Array2::from_shape_fn((3, 48), |(i, k)| response(f[k], 299e3 + 1e3 * i as f64, 1e-3, 120.0, 0.2).im);
/// let fits = fit_spectra(&f, re.view(), im.view(), &ferrolab::progress::Progress::new())?;
/// assert!((fits[2].frequency - 301e3).abs() < 1e-3);
/// # Ok::<(), ferrolab::beps::BatchError>(())
/// ```
pub fn fit_spectra(
    freq_hz: &[f64],
    re: ArrayView2<f64>,
    im: ArrayView2<f64>,
    progress: &Progress,
) -> Result<Vec<ShoFit>, BatchError> {
    if re.dim() != im.dim() || re.ncols() != freq_hz.len() {
        return Err(BatchError::Invalid(format!(
            "re is {} x {}, im {} x {}, freq_hz has {}: re and im must both be n_spectra x n_freq",
            re.nrows(),
            re.ncols(),
            im.nrows(),
            im.ncols(),
            freq_hz.len()
        )));
    }
    check_frequencies(freq_hz)?;
    let n = re.nrows();
    progress.set_total(n);
    progress.set_done(0);
    const CHUNK: usize = 256;
    let chunks: Vec<Option<Vec<ShoFit>>> = crate::parallel::install(|| {
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                if progress.is_cancelled() {
                    return None;
                }
                let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
                let fits: Vec<ShoFit> = rows
                    .clone()
                    .map(|i| {
                        let (r, m) = (re.row(i), im.row(i));
                        match (r.as_slice(), m.as_slice()) {
                            (Some(r), Some(m)) => fit(freq_hz, r, m),
                            _ => fit(freq_hz, &r.to_vec(), &m.to_vec()),
                        }
                    })
                    .collect();
                progress.advance(rows.len());
                Some(fits)
            })
            .collect()
    })
    .map_err(|e| BatchError::Invalid(e.to_string()))?;
    let mut out = Vec::with_capacity(n);
    for chunk in chunks {
        match chunk {
            Some(fits) => out.extend(fits),
            None => {
                return Err(BatchError::Cancelled {
                    done: usize::try_from(progress.done()).unwrap_or(usize::MAX),
                    total: n,
                });
            }
        }
    }
    Ok(out)
}

/// The fits as arrays: parameters (n x 4: amplitude, frequency Hz, Q, phase rad), standard
/// errors (n x 4), R^2 (n) and flag codes (n).
///
/// ```
/// let zero = vec![0.0; 8];
/// let f: Vec<f64> = (0..8).map(|k| 1e5 + k as f64).collect();
/// let fit = ferrolab::beps::sho::fit(&f, &zero, &zero); // no signal: flagged
/// let (params, _, _, flags) = ferrolab::beps::fits_to_arrays(&[fit]);
/// assert_eq!((params.dim(), flags), ((1, 4), vec![2]));
/// ```
pub fn fits_to_arrays(fits: &[ShoFit]) -> (Array2<f64>, Array2<f64>, Vec<f64>, Vec<i32>) {
    let n = fits.len();
    let params = Array2::from_shape_fn((n, 4), |(i, k)| {
        let f = &fits[i];
        [f.amplitude, f.frequency, f.quality, f.phase][k]
    });
    let errors = Array2::from_shape_fn((n, 4), |(i, k)| fits[i].std_errors[k]);
    (
        params,
        errors,
        fits.iter().map(|f| f.r2).collect(),
        fits.iter().map(|f| f.flag.code()).collect(),
    )
}
