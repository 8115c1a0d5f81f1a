//! `ferrolab_sample_generate`: the simulated microscope of paper 003's automated experiment
//! (a structure image whose pixels determine their loops, with planted anomalies), so a C
//! controller can close its loop without hardware.

use crate::arrays::{shape_len, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use engine::experiment::{Sample, SampleSettings};

fn expect_key(what: &str, given: usize, key: &str, value: usize) -> Result<(), FfiError> {
    if given == value {
        return Ok(());
    }
    Err(FfiError::new(
        FERROLAB_ERR_INVALID_ARGUMENT,
        format!("{what} = {given} but {key} = {value}"),
    ))
}

/// An optional output (NULL: not wanted) of `len` values.
///
/// # Safety
/// `ptr` is NULL or valid for `len` values.
unsafe fn optional_out<'a, T>(
    ptr: *mut T,
    len: usize,
    arg: &str,
) -> Result<Option<&'a mut [T]>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: caller's contract.
    unsafe { slice_out(ptr, len, arg) }.map(Some)
}

/// Generate the simulated sample of the `sample.*` keys of `cfg` (NULL: 60 x 60 pixels,
/// 64-step loops over 0 -> +12 -> -12 -> 0 V, 3 anomalies right of column 42, seed 0) and write,
/// each output NULL when not wanted: the structure image into `out_image` (rows x cols,
/// row-major), every pixel's measured (noisy) loop into `out_loops` (rows x cols x steps), the
/// voltage of each step into `out_voltage` (steps) and the anomaly mask into `out_anomaly`
/// (rows x cols, 1 where the loop does not follow the structure, else 0). `rows`, `cols` and
/// `steps` must equal `sample.rows`, `sample.cols` and `sample.steps`. The same keys give the
/// same sample. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (a size
/// differs from its key, no room for the anomalies), _INVALID_HANDLE (cfg), _OUT_OF_MEMORY, a
/// configuration error naming the key.
///
/// ```c
/// double image[16 * 16], loops[16 * 16 * 16], voltage[16];
/// int32_t s = ferrolab_sample_generate(cfg, image, 16, 16, loops, 16, voltage, NULL);
/// ```
///
/// # Safety
/// `out_image` and `out_anomaly` are NULL or valid for rows*cols values, `out_loops` NULL or
/// valid for rows*cols*steps doubles, `out_voltage` NULL or valid for steps.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_sample_generate(
    cfg: *const ferrolab_config,
    out_image: *mut f64,
    rows: usize,
    cols: usize,
    out_loops: *mut f64,
    steps: usize,
    out_voltage: *mut f64,
    out_anomaly: *mut i32,
) -> i32 {
    crate::ffi_boundary!({
        let settings = SampleSettings::from_config(&config_or_default(cfg)?)?;
        expect_key("rows", rows, "sample.rows", settings.rows)?;
        expect_key("cols", cols, "sample.cols", settings.cols)?;
        expect_key("steps", steps, "sample.steps", settings.steps)?;
        let pixels = shape_len(rows, cols, "the image")?;
        let values = shape_len(pixels, steps, "the loops")?;
        // SAFETY: caller's contract (every output checked before the sample is generated).
        let (image, loops, voltage, anomaly) = unsafe {
            (
                optional_out(out_image, pixels, "out_image")?,
                optional_out(out_loops, values, "out_loops")?,
                optional_out(out_voltage, steps, "out_voltage")?,
                optional_out(out_anomaly, pixels, "out_anomaly")?,
            )
        };
        let sample = Sample::generate(&settings)?;
        if let Some(out) = image {
            out.iter_mut()
                .zip(sample.image.iter())
                .for_each(|(o, v)| *o = *v);
        }
        if let Some(out) = loops {
            out.iter_mut()
                .zip(sample.loops.iter())
                .for_each(|(o, v)| *o = *v);
        }
        if let Some(out) = voltage {
            out.copy_from_slice(&sample.voltage);
        }
        if let Some(out) = anomaly {
            out.iter_mut()
                .zip(sample.anomaly.iter())
                .for_each(|(o, a)| *o = i32::from(*a));
        }
        Ok(())
    })
}
