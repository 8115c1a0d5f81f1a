//! The one implementation behind `ferrolab_im2spec_*` and `ferrolab_spec2im_*` (paper 003's
//! encoder-decoders): every body is generic over the direction, [`Kind`], and the two C types'
//! exports in `im2spec.rs` only name the arguments of their direction and call these.
//!
//! The two C types are distinct handle types (a handle of one is refused by the other's calls)
//! and a model file of the other direction is refused by `load`.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::running::Running;
use crate::status::{
    FERROLAB_ERR_CORRUPT_FILE, FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError,
};
use crate::strings::str_arg;
use engine::config::Config;
use engine::nn::NnError;
use engine::nn::im2spec::{Direction, EncoderDecoder, EncoderDecoderArchitecture};
use ndarray::ArrayView2;
use std::ffi::c_char;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError, RwLock};

/// One direction of paper 003's encoder-decoder as a C type.
pub(crate) trait Kind: Sized + Send + Sync + 'static {
    /// The handle type of its C type.
    const TYPE: HandleType<ModelHandle<Self>>;
    /// Which way its models map.
    const DIRECTION: Direction;
    /// `im2spec` or `spec2im`: the key prefix and the C names' middle part.
    const NAME: &'static str;
    /// The other direction's name (for the message of a refused file).
    const OTHER: &'static str;
    /// A fresh model from the `<NAME>.*` keys of `cfg`.
    fn build(
        cfg: &Config,
        patch: [usize; 2],
        spectrum_len: usize,
    ) -> Result<EncoderDecoder, NnError>;
}

/// The object behind a handle of either C type.
pub(crate) struct ModelHandle<K> {
    model: RwLock<EncoderDecoder>,
    /// The model's shapes, fixed for its life: read without waiting for a training run.
    arch: EncoderDecoderArchitecture,
    /// Checkpoint of the next training run (checked when set, handed over when it starts).
    checkpoint: Mutex<Option<PathBuf>>,
    running: Running,
    kind: PhantomData<fn() -> K>,
}

/// A size argument of a call: its name (for messages) and its value.
pub(crate) type Dim = (&'static str, usize);

fn invalid(message: String) -> FfiError {
    FfiError::new(FERROLAB_ERR_INVALID_ARGUMENT, message)
}

/// Checks each of `given` against the model's `want`; returns their product (values per row).
fn check_dims(given: &[Dim], want: &[usize]) -> Result<usize, FfiError> {
    for ((name, g), w) in given.iter().zip(want) {
        if g != w {
            return Err(invalid(format!("{name} = {g} but the model's is {w}")));
        }
    }
    given
        .iter()
        .try_fold(1usize, |acc, (_, v)| acc.checked_mul(*v))
        .ok_or_else(|| invalid("the sizes are too large".into()))
}

/// The caller's `n` rows of the values `dims` name at `ptr` as a checked, finite view.
///
/// # Safety
/// `ptr` is NULL or valid for `n * product(dims)` doubles.
unsafe fn rows_in<'a>(
    ptr: *const f64,
    n: usize,
    dims: &[Dim],
    want: &[usize],
    arg: &str,
) -> Result<ArrayView2<'a, f64>, FfiError> {
    let width = check_dims(dims, want)?;
    let len = shape_len(n, width, arg)?;
    // SAFETY: caller's contract.
    let xs = unsafe { slice_in(ptr, len, arg) }?;
    check_finite(xs, arg)?;
    Ok(ArrayView2::from_shape((n, width), xs).expect("length checked"))
}

/// The caller's output of `n` rows of `width` values (checked before anything is computed).
///
/// # Safety
/// `ptr` is NULL or valid for `n * width` doubles.
unsafe fn rows_out<'a>(
    ptr: *mut f64,
    n: usize,
    width: usize,
    arg: &str,
) -> Result<&'a mut [f64], FfiError> {
    let len = shape_len(n, width, arg)?;
    // SAFETY: caller's contract.
    unsafe { slice_out(ptr, len, arg) }
}

fn insert<K: Kind, P>(out: &mut *mut P, model: EncoderDecoder) -> Result<(), FfiError> {
    let handle = ModelHandle::<K> {
        arch: model.architecture().clone(),
        model: RwLock::new(model),
        checkpoint: Mutex::new(None),
        running: Running::default(),
        kind: PhantomData,
    };
    *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
    Ok(())
}

/// `ferrolab_<kind>_new`.
///
/// # Safety
/// `out` is NULL or valid for one pointer.
pub(crate) unsafe fn new<K: Kind, P>(
    cfg: *const ferrolab_config,
    patch: [usize; 2],
    spectrum_len: usize,
    out: *mut *mut P,
) -> Result<(), FfiError> {
    // SAFETY: caller's contract.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    let cfg = config_or_default(cfg)?;
    insert::<K, P>(out, K::build(&cfg, patch, spectrum_len)?)
}

/// `ferrolab_<kind>_set_checkpoint`.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
pub(crate) unsafe fn set_checkpoint<K: Kind>(
    handle: usize,
    path: *const c_char,
) -> Result<(), FfiError> {
    let h = K::TYPE.get(handle)?;
    let path = if path.is_null() {
        None
    } else {
        // SAFETY: caller's contract.
        Some(PathBuf::from(unsafe { str_arg(path, "path") }?))
    };
    if let Some(p) = &path {
        engine::io::atomic::check_writable(p)
            .map_err(|e| engine::io::IoError::os(p, "write a checkpoint to", e))?;
    }
    *h.checkpoint.lock().unwrap_or_else(PoisonError::into_inner) = path;
    Ok(())
}

/// Writes up to `cap` epochs' mean training losses into `out`; the warning
/// FERROLAB_WARN_TRUNCATED when more epochs are done. NULL with cap 0: no history wanted.
///
/// # Safety
/// `out` is NULL (with cap 0) or valid for `cap` doubles.
unsafe fn write_losses(losses: &[f64], out: *mut f64, cap: usize) -> Result<(), FfiError> {
    if out.is_null() && cap == 0 {
        return Ok(());
    }
    // SAFETY: caller's contract.
    let out = unsafe { slice_out(out, cap, "loss_history") }?;
    out.iter_mut().zip(losses).for_each(|(o, v)| *o = *v);
    if losses.len() > cap {
        return Err(FfiError::new(
            FERROLAB_WARN_TRUNCATED,
            format!("cap = {cap} but {} epochs are done", losses.len()),
        ));
    }
    Ok(())
}

/// `ferrolab_<kind>_train`.
///
/// # Safety
/// `inputs` and `targets` are NULL or valid for n rows of their dims' product; `loss_history`
/// NULL (with cap 0) or valid for `cap` doubles; `epochs_done` NULL or valid for one size_t.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn train<K: Kind>(
    handle: usize,
    inputs: *const f64,
    n: usize,
    input_dims: &[Dim],
    targets: *const f64,
    output_dims: &[Dim],
    loss_history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> Result<(), FfiError> {
    let h = K::TYPE.get(handle)?;
    // SAFETY: caller's contract.
    let done_out = unsafe { out_arg(epochs_done, "epochs_done") }?;
    let a = &h.arch;
    // SAFETY: caller's contract.
    let (x, y) = unsafe {
        (
            rows_in(inputs, n, input_dims, &a.input_extents(), "inputs")?,
            rows_in(targets, n, output_dims, &a.output_extents(), "targets")?,
        )
    };
    if cap > 0 {
        // SAFETY: caller's contract (checked before the run, not after it).
        unsafe { slice_out(loss_history, cap, "loss_history") }?;
    }
    let _running = h.running.enter(K::NAME)?;
    let progress = K::TYPE.progress(handle)?;
    progress.clear_cancel();
    let checkpoint = h
        .checkpoint
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let mut model = h.model.write().unwrap_or_else(PoisonError::into_inner);
    *done_out = model.epochs_done();
    model.set_checkpoint(checkpoint)?;
    let result = model.train(x, y, &progress);
    *done_out = model.epochs_done();
    let losses: Vec<f64> = model.history().iter().map(|r| r.train.total).collect();
    // SAFETY: caller's contract.
    let written = unsafe { write_losses(&losses, loss_history, cap) };
    result?;
    written
}

/// `ferrolab_<kind>_predict`: outputs of `n` inputs; `out_std` (NULL: not wanted) receives
/// zeros, the spread of one model.
///
/// # Safety
/// `inputs` is NULL or valid for n rows of its dims' product, `out` for n rows of the output
/// dims' product, `out_std` NULL or as `out`.
pub(crate) unsafe fn predict<K: Kind>(
    handle: usize,
    inputs: *const f64,
    n: usize,
    input_dims: &[Dim],
    output_dims: &[Dim],
    out: *mut f64,
    out_std: *mut f64,
) -> Result<(), FfiError> {
    let h = K::TYPE.get(handle)?;
    let a = &h.arch;
    // SAFETY: caller's contract.
    let x = unsafe { rows_in(inputs, n, input_dims, &a.input_extents(), "inputs") }?;
    let width = check_dims(output_dims, &a.output_extents())?;
    // SAFETY: caller's contract (both checked before the model runs).
    let (out, std) = unsafe {
        (
            rows_out(out, n, width, "out")?,
            if out_std.is_null() {
                None
            } else {
                Some(rows_out(out_std, n, width, "out_std")?)
            },
        )
    };
    let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
    let y = model.predict(x)?;
    out.iter_mut().zip(y.iter()).for_each(|(o, v)| *o = *v);
    if let Some(std) = std {
        std.fill(0.0);
    }
    Ok(())
}

/// `ferrolab_<kind>_encode`.
///
/// # Safety
/// `inputs` is NULL or valid for n rows of its dims' product, `out_latent` for n * latent.
pub(crate) unsafe fn encode<K: Kind>(
    handle: usize,
    inputs: *const f64,
    n: usize,
    input_dims: &[Dim],
    out_latent: *mut f64,
    latent: usize,
) -> Result<(), FfiError> {
    let h = K::TYPE.get(handle)?;
    let a = &h.arch;
    // SAFETY: caller's contract.
    let x = unsafe { rows_in(inputs, n, input_dims, &a.input_extents(), "inputs") }?;
    let width = check_dims(&[("latent", latent)], &[a.latent])?;
    // SAFETY: caller's contract.
    let out = unsafe { rows_out(out_latent, n, width, "out_latent") }?;
    let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
    let z = model.encode(x)?;
    out.iter_mut().zip(z.iter()).for_each(|(o, v)| *o = *v);
    Ok(())
}

/// `ferrolab_<kind>_decode`.
///
/// # Safety
/// `z` is NULL or valid for n * latent doubles, `out` for n rows of the output dims' product.
pub(crate) unsafe fn decode<K: Kind>(
    handle: usize,
    z: *const f64,
    n: usize,
    latent: usize,
    output_dims: &[Dim],
    out: *mut f64,
) -> Result<(), FfiError> {
    let h = K::TYPE.get(handle)?;
    let a = &h.arch;
    // SAFETY: caller's contract.
    let zs = unsafe { rows_in(z, n, &[("latent", latent)], &[a.latent], "z") }?;
    let width = check_dims(output_dims, &a.output_extents())?;
    // SAFETY: caller's contract.
    let out = unsafe { rows_out(out, n, width, "out") }?;
    let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
    let y = model.decode(zs)?;
    out.iter_mut().zip(y.iter()).for_each(|(o, v)| *o = *v);
    Ok(())
}

/// `ferrolab_<kind>_shape`: every output may be NULL.
///
/// # Safety
/// Each pointer is NULL or valid for one size_t.
pub(crate) unsafe fn shape<K: Kind>(
    handle: usize,
    patch_h: *mut usize,
    patch_w: *mut usize,
    spectrum_len: *mut usize,
    latent: *mut usize,
    parameter_count: *mut usize,
    epochs_done: *mut usize,
) -> Result<(), FfiError> {
    let h = K::TYPE.get(handle)?;
    let a = &h.arch;
    let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
    let values = [
        (patch_h, a.patch[0]),
        (patch_w, a.patch[1]),
        (spectrum_len, a.spectrum_len),
        (latent, a.latent),
        (parameter_count, model.parameter_count()),
        (epochs_done, model.epochs_done()),
    ];
    for (out, value) in values {
        // SAFETY: caller's contract; NULL outputs are skipped.
        if let Some(out) = unsafe { out.as_mut() } {
            *out = value;
        }
    }
    Ok(())
}

/// `ferrolab_<kind>_save`.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
pub(crate) unsafe fn save<K: Kind>(handle: usize, path: *const c_char) -> Result<(), FfiError> {
    // SAFETY: caller's contract.
    let path = unsafe { str_arg(path, "path") }?;
    let h = K::TYPE.get(handle)?;
    let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
    Ok(model.save(path.as_ref())?)
}

/// `ferrolab_<kind>_load`: a file of the other direction is refused.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
pub(crate) unsafe fn load<K: Kind, P>(
    path: *const c_char,
    out: *mut *mut P,
) -> Result<(), FfiError> {
    // SAFETY: caller's contract.
    let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
    *out = std::ptr::null_mut();
    let model = EncoderDecoder::load(path.as_ref())?;
    if model.architecture().direction != K::DIRECTION {
        return Err(FfiError::new(
            FERROLAB_ERR_CORRUPT_FILE,
            format!(
                "{path} holds a model of kind {other} and ferrolab_{name}_load reads kind {name} only: load it with ferrolab_{other}_load",
                other = K::OTHER,
                name = K::NAME
            ),
        ));
    }
    insert::<K, P>(out, model)
}
