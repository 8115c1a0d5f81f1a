//! `ferrolab_lstm_vae`: paper 001's LSTM beta-VAE: staged training (with progress, cancel,
//! checkpoints and a folder of per-stage models), the stage records and the selected stage,
//! encode, decode, reconstruct, residuals, save and load.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::running::Running;
use crate::status::{
    FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_NO_SELECTION, FERROLAB_WARN_TRUNCATED, FfiError,
};
use crate::strings::str_arg;
use engine::nn::lstm_vae::{LstmVae, LstmVaeSettings};
use ndarray::{Array2, ArrayView2};
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Values per epoch in `ferrolab_lstm_vae_history`: epoch (from 1), beta, lambda, and the
/// epoch's mean training loss per row with its parts: total, reconstruction, KL, L1.
pub const FERROLAB_LSTM_VAE_HISTORY_FIELDS: usize = 7;

/// Values per stage in `ferrolab_lstm_vae_stages`: stage (0: priming), beta, lambda, best
/// epoch (from 1), best loss (per row), active channels.
pub const FERROLAB_LSTM_VAE_STAGE_FIELDS: usize = 6;

/// Opaque handle of an LSTM beta-VAE: `ferrolab_lstm_vae_new` or `ferrolab_lstm_vae_load`,
/// released with `ferrolab_lstm_vae_free`. Training holds the model exclusively (every call
/// that reads the model waits for it); progress, cancellation, the checkpoint and the stage
/// folder may be set or called from other threads while it trains.
pub struct ferrolab_lstm_vae {
    _opaque: [u8; 0],
}

const LSTM_VAE: HandleType<LstmVaeHandle> = HandleType::new("lstm_vae", "ferrolab_lstm_vae");

struct LstmVaeHandle {
    model: RwLock<LstmVae>,
    /// Checkpoint file and stage folder of the next training run (checked when set, handed to
    /// the model when training starts, so setting them never waits for a run).
    checkpoint: Mutex<Option<PathBuf>>,
    stage_dir: Mutex<Option<PathBuf>>,
    running: Running,
}

fn lookup(h: *const ferrolab_lstm_vae) -> Result<Arc<LstmVaeHandle>, FfiError> {
    LSTM_VAE.get(h.addr())
}

pub(crate) fn invalid(message: String) -> FfiError {
    FfiError::new(FERROLAB_ERR_INVALID_ARGUMENT, message)
}

pub(crate) fn expect_dim(what: &str, given: usize, model: usize) -> Result<(), FfiError> {
    if given == model {
        return Ok(());
    }
    Err(invalid(format!(
        "{what} = {given} but the model's is {model}"
    )))
}

fn insert(out: &mut *mut ferrolab_lstm_vae, model: LstmVae) -> Result<(), FfiError> {
    let handle = LstmVaeHandle {
        model: RwLock::new(model),
        checkpoint: Mutex::new(None),
        stage_dir: Mutex::new(None),
        running: Running::default(),
    };
    *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
    Ok(())
}

/// An optional path argument (NULL: none).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
pub(crate) unsafe fn optional_path(
    path: *const c_char,
    arg: &str,
) -> Result<Option<PathBuf>, FfiError> {
    if path.is_null() {
        return Ok(None);
    }
    // SAFETY: caller's contract.
    Ok(Some(PathBuf::from(unsafe { str_arg(path, arg) }?)))
}

/// Copy `values` into `out`, the caller's array of exactly as many.
pub(crate) fn copy_out(out: &mut [f64], values: &Array2<f64>) {
    out.iter_mut().zip(values.iter()).for_each(|(o, v)| *o = *v);
}

/// A caller's output array of `rows x cols` doubles, checked (NULL, alignment, size) before the
/// model computes anything.
///
/// # Safety
/// `ptr` is NULL or valid for `rows * cols` doubles.
pub(crate) unsafe fn rows_out<'a>(
    ptr: *mut f64,
    rows: usize,
    cols: usize,
    arg: &str,
) -> Result<&'a mut [f64], FfiError> {
    let len = shape_len(rows, cols, arg)?;
    // SAFETY: caller's contract.
    unsafe { slice_out(ptr, len, arg) }
}

/// A caller's optional output array (NULL: not wanted) of `rows x cols` doubles.
///
/// # Safety
/// `ptr` is NULL or valid for `rows * cols` doubles.
pub(crate) unsafe fn optional_rows_out<'a>(
    ptr: *mut f64,
    rows: usize,
    cols: usize,
    arg: &str,
) -> Result<Option<&'a mut [f64]>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: caller's contract.
    unsafe { rows_out(ptr, rows, cols, arg) }.map(Some)
}

/// The array `arg` (rows x cols, row-major) as a checked view, for a model whose rows have
/// `want` values; `cols_name` names the column count in messages.
///
/// # Safety
/// `x` is NULL or valid for `rows * cols` doubles.
pub(crate) unsafe fn rows_in<'a>(
    x: *const f64,
    rows: usize,
    (cols, cols_name): (usize, &str),
    want: usize,
    arg: &str,
) -> Result<ArrayView2<'a, f64>, FfiError> {
    let len = shape_len(rows, cols, arg)?;
    expect_dim(cols_name, cols, want)?;
    // SAFETY: caller's contract.
    let xs = unsafe { slice_in(x, len, arg) }?;
    check_finite(xs, arg)?;
    Ok(ArrayView2::from_shape((rows, cols), xs).expect("length checked"))
}

/// Rows of `fields` values for `count` records into `out` (room for `cap` rows); the warning
/// FERROLAB_WARN_TRUNCATED, naming `what`, when `count > cap`.
///
/// # Safety
/// `out` is NULL (with cap 0) or valid for `fields * cap` doubles.
pub(crate) unsafe fn write_rows(
    rows: impl Iterator<Item = Vec<f64>>,
    count: usize,
    fields: usize,
    out: *mut f64,
    cap: usize,
    what: &str,
) -> Result<(), FfiError> {
    if cap > 0 {
        let len = cap
            .checked_mul(fields)
            .ok_or_else(|| invalid(format!("cap = {cap}: too large")))?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(out, len, what) }?;
        for (chunk, row) in out.chunks_exact_mut(fields).zip(rows) {
            chunk.copy_from_slice(&row);
        }
    }
    if count > cap {
        return Err(FfiError::new(
            FERROLAB_WARN_TRUNCATED,
            format!("cap = {cap} rows but there are {count}"),
        ));
    }
    Ok(())
}

/// Make an untrained LSTM beta-VAE for rows of `row_len` values with the `lstm_vae.*` keys of
/// `cfg` (NULL: paper 001's toy model and schedule: h = 128, three residual BiLSTM blocks, 16
/// embedding and 16 latent channels, 2000 priming epochs then stages of 100 epochs with beta +
/// 0.005 each, 6500 epochs, Adam 3e-5, batch 300, seed 0). With `lstm_vae.variant = "beps"`
/// a row is N (piezoresponse, resonance) pairs, interleaved, so `row_len` = 2N. The settings
/// are fixed here and used by `ferrolab_lstm_vae_train`. Ownership: the caller frees `*out`
/// with `ferrolab_lstm_vae_free`; `*out` is NULL on error. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (row_len, keys inconsistent together),
/// _INVALID_HANDLE (cfg), _OUT_OF_MEMORY (the network's parameters beyond the memory budget),
/// a configuration error naming the key.
///
/// # Safety
/// `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_new(
    cfg: *const ferrolab_config,
    row_len: usize,
    out: *mut *mut ferrolab_lstm_vae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        if row_len == 0 {
            return Err(invalid("row_len = 0: rows need at least one value".into()));
        }
        let settings = LstmVaeSettings::from_config(&config_or_default(cfg)?)?;
        insert(out, LstmVae::new(&settings, row_len)?)
    })
}

/// Checkpoint file of later `ferrolab_lstm_vae_train` calls (NULL: none): adopted when it
/// exists (a checkpoint of this model and data: a run killed at any moment resumes to the same
/// bytes), rewritten atomically every `lstm_vae.checkpoint_every` epochs, at the end of every
/// stage and when training is cancelled. Returns FERROLAB_OK, or FERROLAB_ERR_INVALID_UTF8,
/// _NULL_POINTER, _INVALID_HANDLE, _IO (its folder is missing or read-only, or it is a link or
/// not a regular file: checked now, not at the first checkpoint).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_set_checkpoint(
    lstm_vae: *const ferrolab_lstm_vae,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        let h = lookup(lstm_vae)?;
        // SAFETY: caller's contract.
        let path = unsafe { optional_path(path, "path") }?;
        if let Some(p) = &path {
            engine::io::atomic::check_writable(p)
                .map_err(|e| engine::io::IoError::os(p, "write a checkpoint to", e))?;
        }
        *h.checkpoint.lock().unwrap_or_else(PoisonError::into_inner) = path;
        Ok(())
    })
}

/// Folder where later `ferrolab_lstm_vae_train` calls keep every finished stage's best weights
/// as a model file, `stage-NNN.safetensors` (NNN: the stage, 000 for priming), each readable
/// with `ferrolab_lstm_vae_load` (NULL: none kept). Returns FERROLAB_OK, or
/// FERROLAB_ERR_INVALID_UTF8, _NULL_POINTER, _INVALID_HANDLE, _IO (not a writable folder:
/// checked now).
///
/// # Safety
/// `dir` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_set_stage_dir(
    lstm_vae: *const ferrolab_lstm_vae,
    dir: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        let h = lookup(lstm_vae)?;
        // SAFETY: caller's contract.
        let dir = unsafe { optional_path(dir, "dir") }?;
        if let Some(d) = &dir {
            // The check `LstmVae::set_stage_dir` makes when training starts, made now.
            LstmVae::check_stage_dir(d)?;
        }
        *h.stage_dir.lock().unwrap_or_else(PoisonError::into_inner) = dir;
        Ok(())
    })
}

/// Train on `x` (rows x cols, row-major, the data's own units; cols must be the model's row
/// length; standardised as `lstm_vae.scaling` says with statistics fitted on the first call and
/// stored with the model) until `lstm_vae.epochs` epochs are done in total, one stage at a
/// time (priming, then beta raised by `lstm_vae.beta_step` per stage), on the library's worker
/// pool (`ferrolab_set_num_threads`), blocking. Each stage keeps its best epoch's weights; the
/// first stage after priming whose active-channel count equals `lstm_vae.target_active` is
/// selected and its weights encode and decode from then on. The same seed gives the same
/// weights whatever the thread count. After a cancellation, calling it again with the same data
/// continues exactly where it stopped. `*epochs_done` receives the epochs done (also when
/// training is cancelled or fails). Returns FERROLAB_OK, FERROLAB_WARN_NO_SELECTION (training
/// finished but no stage reached the target count: the message, from
/// `ferrolab_lstm_vae_last_error`, gives every stage's count; the model then encodes with its
/// latest weights), or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (shape,
/// constant data, other data than before, a checkpoint of another model), _NON_FINITE,
/// _CANCELLED, _NUMERICAL (the loss diverged), _OUT_OF_MEMORY (a batch's activations beyond
/// the memory budget), _IO / _CORRUPT_FILE (checkpoint, stage folder), _BUSY (this handle is
/// training on another thread; that run is not disturbed).
///
/// # Safety
/// `x` is valid for rows*cols doubles, `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_train(
    lstm_vae: *const ferrolab_lstm_vae,
    x: *const f64,
    rows: usize,
    cols: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        let h = lookup(lstm_vae)?;
        // SAFETY: caller's contract.
        let done_out = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let len = shape_len(rows, cols, "x")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(x, len, "x") }?;
        check_finite(xs, "x")?;
        let _running = h.running.enter("LSTM VAE")?;
        let progress = LSTM_VAE.progress(lstm_vae.addr())?;
        progress.clear_cancel();
        let checkpoint = h
            .checkpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let stage_dir = h
            .stage_dir
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut model = h.model.write().unwrap_or_else(PoisonError::into_inner);
        *done_out = model.epochs_done();
        expect_dim("cols", cols, model.architecture().row_len())?;
        let view = ArrayView2::from_shape((rows, cols), xs).expect("length checked");
        model.set_checkpoint(checkpoint)?;
        model.set_stage_dir(stage_dir)?;
        let result = model.train(view, &progress);
        *done_out = model.epochs_done();
        result?;
        match model.selection_warning() {
            Some(message) => Err(FfiError::new(FERROLAB_WARN_NO_SELECTION, message)),
            None => Ok(()),
        }
    })
}

/// Write the epochs done and the epochs of the run (known once training has started). Safe
/// from any thread while `ferrolab_lstm_vae_train` runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `done` and `total` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_progress(
    lstm_vae: *const ferrolab_lstm_vae,
    done: *mut usize,
    total: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        unsafe { LSTM_VAE.write_counts(lstm_vae.addr(), done, total) }
    })
}

/// Ask a running `ferrolab_lstm_vae_train` to stop before its next batch; it returns
/// FERROLAB_ERR_CANCELLED with the model at its last finished epoch (and the checkpoint
/// written, when one is set). Safe from any thread. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_lstm_vae_request_cancel(lstm_vae: *const ferrolab_lstm_vae) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        LSTM_VAE.progress(lstm_vae.addr())?.request_cancel();
        Ok(())
    })
}

/// Write the progress of this handle's training: epochs done and total of the current or last
/// `ferrolab_lstm_vae_train` (over all stages), stage 0 (the training stages are read with
/// `ferrolab_lstm_vae_stages` afterwards) and the latest epoch's mean training loss per row
/// (NaN before any). Every output may be NULL. Safe from any thread, also while training runs.
/// Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_progress_info(
    lstm_vae: *const ferrolab_lstm_vae,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        unsafe { LSTM_VAE.write_progress(lstm_vae.addr(), done, total, stage, last_loss) }
    })
}

/// Write the model's shape: the row length (values per data row), the latent channels, the
/// embedding width (`lstm_vae.embedding`), the trainable parameters and the epochs done so
/// far. Waits while the model trains. Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE.
///
/// # Safety
/// Each output is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_shape(
    lstm_vae: *const ferrolab_lstm_vae,
    row_len: *mut usize,
    latent: *mut usize,
    embedding: *mut usize,
    parameter_count: *mut usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        let (r, k, e, p, d) = unsafe {
            (
                out_arg(row_len, "row_len")?,
                out_arg(latent, "latent")?,
                out_arg(embedding, "embedding")?,
                out_arg(parameter_count, "parameter_count")?,
                out_arg(epochs_done, "epochs_done")?,
            )
        };
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let a = model.architecture();
        (*r, *k, *e) = (a.row_len(), a.latent, a.embedding);
        (*p, *d) = (model.parameter_count(), model.epochs_done());
        Ok(())
    })
}

/// The training history so far (also of a loaded model): up to `cap` rows of
/// FERROLAB_LSTM_VAE_HISTORY_FIELDS values, (epoch, beta, lambda, total, reconstruction, KL,
/// L1), the losses per-row means of the epoch, into `history`, and the epochs done into
/// `*epochs_done`; `history` may be NULL when `cap` is 0 (to ask for the count). Returns
/// FERROLAB_OK, FERROLAB_WARN_TRUNCATED (cap < epochs done), or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (cap too large).
///
/// # Safety
/// `history` is NULL (with cap 0) or valid for 7*cap doubles; `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_history(
    lstm_vae: *const ferrolab_lstm_vae,
    history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        let done = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let records = model.history();
        *done = records.len();
        let rows = records.iter().map(|r| {
            let t = r.train;
            vec![
                r.epoch as f64,
                r.beta,
                r.lambda,
                t.total,
                t.reconstruction,
                t.kl,
                t.l1,
            ]
        });
        // SAFETY: caller's contract.
        unsafe {
            write_rows(
                rows,
                records.len(),
                FERROLAB_LSTM_VAE_HISTORY_FIELDS,
                history,
                cap,
                "history",
            )
        }
    })
}

/// The finished stages in order (priming first), each at its best epoch: up to `cap` rows of
/// FERROLAB_LSTM_VAE_STAGE_FIELDS values, (stage, beta, lambda, best epoch, best loss, active
/// channels), into `records`, and each stage's mean KL per latent channel over the training data
/// (nat; a channel is active above `lstm_vae.active_threshold`) into `channel_kl` (cap x
/// latent, may be NULL); `*count` receives the number of stages. `latent` must be the model's
/// latent width. `records` may be NULL when `cap` is 0 (to ask for the count). Returns
/// FERROLAB_OK, FERROLAB_WARN_TRUNCATED (cap < stages), or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (latent differs from the model's, cap too large).
///
/// # Safety
/// `records` is NULL (with cap 0) or valid for 6*cap doubles; `channel_kl` NULL or valid for
/// cap*latent doubles; `count` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_stages(
    lstm_vae: *const ferrolab_lstm_vae,
    records: *mut f64,
    channel_kl: *mut f64,
    cap: usize,
    latent: usize,
    count: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        let count = unsafe { out_arg(count, "count") }?;
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        expect_dim("latent", latent, model.architecture().latent)?;
        let stages = model.stages();
        *count = stages.len();
        let rows = stages.iter().map(|s| {
            vec![
                s.stage as f64,
                s.beta,
                s.lambda,
                s.best_epoch as f64,
                s.best_loss,
                s.active as f64,
            ]
        });
        // SAFETY: caller's contract.
        let written = unsafe {
            write_rows(
                rows,
                stages.len(),
                FERROLAB_LSTM_VAE_STAGE_FIELDS,
                records,
                cap,
                "records",
            )
        };
        // An unusable output is reported before anything else is written, a truncation last.
        if written.as_ref().is_err_and(|e| e.status < 0) {
            return written;
        }
        if cap > 0 {
            // SAFETY: caller's contract.
            if let Some(out) = unsafe { optional_rows_out(channel_kl, cap, latent, "channel_kl") }?
            {
                for (chunk, s) in out.chunks_exact_mut(latent).zip(stages) {
                    chunk.copy_from_slice(&s.channel_kl);
                }
            }
        }
        written
    })
}

/// Write the selected stage into `*stage`: the first stage after priming with
/// `lstm_vae.target_active` active channels, whose weights encode and decode; -1 when none is
/// selected (training unfinished, or no stage reached the target: the model then uses its
/// latest weights). Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `stage` is NULL or valid for one int64_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_selected_stage(
    lstm_vae: *const ferrolab_lstm_vae,
    stage: *mut i64,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(stage, "stage") }?;
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        *out = model
            .selected_stage()
            .map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX));
        Ok(())
    })
}

/// Encode the rows of `x` (rows x cols, the data's units, standardised as in training) with
/// the selected stage's weights (the latest when none is selected): latent means into `mu`,
/// log-variances into `log_var` and one sample mu + exp(log_var / 2) eps (eps seeded by
/// `lstm_vae.seed`) into `z`, each rows x latent, and the encoder's L1-penalised activations
/// before the latent layer into `embedding` (rows x embedding_width), all row-major. `log_var`,
/// `z` and `embedding` may be NULL; `latent` and `embedding_width` must be the model's
/// (`ferrolab_lstm_vae_shape`). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (a size differs from the model's), _NON_FINITE,
/// _OUT_OF_MEMORY.
///
/// # Safety
/// `x` is valid for rows*cols doubles; `mu` (and `log_var`, `z` unless NULL) for rows*latent;
/// `embedding` NULL or valid for rows*embedding_width.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_encode(
    lstm_vae: *const ferrolab_lstm_vae,
    x: *const f64,
    rows: usize,
    cols: usize,
    mu: *mut f64,
    log_var: *mut f64,
    z: *mut f64,
    embedding: *mut f64,
    latent: usize,
    embedding_width: usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let a = model.architecture();
        expect_dim("latent", latent, a.latent)?;
        expect_dim("embedding_width", embedding_width, a.embedding)?;
        // SAFETY: caller's contract.
        let data = unsafe { rows_in(x, rows, (cols, "cols"), a.row_len(), "x") }?;
        // SAFETY: caller's contract (each output checked before the encoder runs).
        let (mu, log_var, z, embedding) = unsafe {
            (
                rows_out(mu, rows, latent, "mu")?,
                optional_rows_out(log_var, rows, latent, "log_var")?,
                optional_rows_out(z, rows, latent, "z")?,
                optional_rows_out(embedding, rows, embedding_width, "embedding")?,
            )
        };
        let enc = model.encode(data)?;
        copy_out(mu, &enc.mu);
        for (out, values) in [
            (log_var, &enc.log_var),
            (z, &enc.z),
            (embedding, &enc.embedding),
        ] {
            if let Some(out) = out {
                copy_out(out, values);
            }
        }
        Ok(())
    })
}

/// Decode latent points `z` (rows x latent) into `x_out` (rows x cols, row-major, the data's
/// own units) with the selected stage's weights (the latest when none is selected). Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (latent or
/// cols differ from the model's), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `z` is valid for rows*latent doubles, `x_out` for rows*cols.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_decode(
    lstm_vae: *const ferrolab_lstm_vae,
    z: *const f64,
    rows: usize,
    latent: usize,
    x_out: *mut f64,
    cols: usize,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let a = model.architecture();
        expect_dim("cols", cols, a.row_len())?;
        // SAFETY: caller's contract.
        let zs = unsafe { rows_in(z, rows, (latent, "latent"), a.latent, "z") }?;
        // SAFETY: caller's contract.
        let out = unsafe { rows_out(x_out, rows, cols, "x_out") }?;
        copy_out(out, &model.decode(zs)?);
        Ok(())
    })
}

/// Shared body of reconstruct and residuals: rows in, rows of the same shape out.
///
/// # Safety
/// `x` is valid for rows*cols doubles, `out` for rows*cols.
unsafe fn rows_to_rows(
    lstm_vae: *const ferrolab_lstm_vae,
    x: *const f64,
    rows: usize,
    cols: usize,
    out: *mut f64,
    out_name: &str,
    f: impl FnOnce(&LstmVae, ArrayView2<f64>) -> Result<Array2<f64>, engine::nn::NnError>,
) -> Result<(), FfiError> {
    let h = lookup(lstm_vae)?;
    let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
    // SAFETY: caller's contract.
    let data = unsafe { rows_in(x, rows, (cols, "cols"), model.architecture().row_len(), "x") }?;
    // SAFETY: caller's contract.
    let out = unsafe { rows_out(out, rows, cols, out_name) }?;
    copy_out(out, &f(&model, data)?);
    Ok(())
}

/// Reconstruct the rows of `x` (rows x cols, the data's units) through the encoder's means
/// and the decoder, into `x_out` (rows x cols, the data's units). Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (cols differs from the
/// model's row length), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `x` is valid for rows*cols doubles, `x_out` for rows*cols.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_reconstruct(
    lstm_vae: *const ferrolab_lstm_vae,
    x: *const f64,
    rows: usize,
    cols: usize,
    x_out: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        unsafe {
            rows_to_rows(
                lstm_vae,
                x,
                rows,
                cols,
                x_out,
                "x_out",
                LstmVae::reconstruct,
            )
        }
    })
}

/// Reconstruction minus data of the rows of `x` (rows x cols, the data's units), in
/// standardised units, into `residuals` (rows x cols): paper 001's errors (their squares
/// averaged over a row are its per-pixel MSE). Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (cols differs from the model's
/// row length), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `x` is valid for rows*cols doubles, `residuals` for rows*cols.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_residuals(
    lstm_vae: *const ferrolab_lstm_vae,
    x: *const f64,
    rows: usize,
    cols: usize,
    residuals: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        unsafe {
            rows_to_rows(
                lstm_vae,
                x,
                rows,
                cols,
                residuals,
                "residuals",
                LstmVae::residuals,
            )
        }
    })
}

/// Save the model (weights, standardisation, settings, stage records, the selected stage's
/// weights and, once trained, everything a continued run needs) to `path` in the network file
/// format (safetensors with JSON metadata), atomically and byte-deterministically. Waits while
/// the model trains. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8,
/// _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_save(
    lstm_vae: *const ferrolab_lstm_vae,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = lstm_vae, {
        // SAFETY: caller's contract.
        let path = unsafe { str_arg(path, "path") }?;
        let h = lookup(lstm_vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        Ok(model.save(path.as_ref())?)
    })
}

/// Load a model saved by `ferrolab_lstm_vae_save` (or a checkpoint, or a stage folder's
/// `stage-NNN.safetensors`), checking format, checksum, shapes, values and settings. Ownership
/// as for `ferrolab_lstm_vae_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_UTF8, _IO (unreadable, named), _CORRUPT_FILE (damaged, foreign or other-version
/// file), _OUT_OF_MEMORY.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_load(
    path: *const c_char,
    out: *mut *mut ferrolab_lstm_vae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        insert(out, LstmVae::load(path.as_ref())?)
    })
}

/// Release an LSTM VAE (a training run on another thread keeps the model until it returns).
/// NULL is a no-op; a freed or foreign handle returns FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_lstm_vae_free(lstm_vae: *mut ferrolab_lstm_vae) -> i32 {
    crate::ffi_boundary!({ LSTM_VAE.free(lstm_vae.addr()) })
}

/// Copy the message of the last failed call (or warning) on this LSTM VAE into `buf`,
/// snprintf-style; after FERROLAB_WARN_NO_SELECTION it names every stage's active-channel
/// count. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE (this failure does not replace any stored message).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_lstm_vae_last_error(
    lstm_vae: *const ferrolab_lstm_vae,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { LSTM_VAE.write_last_error(lstm_vae.addr(), buf, cap, needed) }
    })
}
