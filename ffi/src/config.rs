//! `ferrolab_config`: the options handle every engine reads, with typed setters and getters
//! over the key registry of the core crate (`ferrolab keys` lists the keys).

use crate::arrays::{check_finite, out_arg, slice_in, slice_out};
use crate::handles::{self, HandleType};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError};
use crate::strings::{str_arg, write_str};
use engine::config::{Config, Value};
use engine::keys;
use std::ffi::c_char;
use std::sync::{PoisonError, RwLock};

/// Opaque options handle: create with `ferrolab_config_new`, release with
/// `ferrolab_config_free`. Calls that take `const ferrolab_config *` may run concurrently on
/// one handle; setters need exclusive use of it.
pub struct ferrolab_config {
    _opaque: [u8; 0],
}

const CONFIG: HandleType<ConfigHandle> = HandleType::new("cfg", "ferrolab_config");

struct ConfigHandle(RwLock<Config>);

fn lookup(cfg: *const ferrolab_config) -> Result<std::sync::Arc<ConfigHandle>, FfiError> {
    CONFIG.get(cfg.addr())
}

fn set(cfg: *mut ferrolab_config, key: &str, value: Value) -> Result<(), FfiError> {
    let handle = lookup(cfg)?;
    let mut config = handle.0.write().unwrap_or_else(PoisonError::into_inner);
    Ok(config.set(key, value)?)
}

/// Key `key` of `cfg` through one of [`Config`]'s typed getters (`Config::f64`, ...), which
/// name the key and both types when it holds another type.
fn get<T>(
    cfg: *const ferrolab_config,
    key: &str,
    typed: impl FnOnce(&Config, &str) -> Result<T, engine::config::ConfigError>,
) -> Result<T, FfiError> {
    let handle = lookup(cfg)?;
    let config = handle.0.read().unwrap_or_else(PoisonError::into_inner);
    Ok(typed(&config, key)?)
}

/// The config a call should use: a copy of `cfg`'s, or the defaults when `cfg` is NULL.
pub(crate) fn config_or_default(cfg: *const ferrolab_config) -> Result<Config, FfiError> {
    if cfg.is_null() {
        return Ok(Config::new());
    }
    let handle = lookup(cfg)?;
    let config = handle.0.read().unwrap_or_else(PoisonError::into_inner);
    Ok(config.clone())
}

/// Create a config with every key at its default and store its handle in `*out`.
///
/// Ownership: the caller owns the handle and releases it with `ferrolab_config_free`. On error
/// `*out` is set to NULL (when `out` is not NULL).
///
/// Returns FERROLAB_OK or FERROLAB_ERR_NULL_POINTER.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_new(out: *mut *mut ferrolab_config) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let handle = handles::insert(ConfigHandle(RwLock::new(Config::new())))?;
        *out = std::ptr::without_provenance_mut(handle);
        Ok(())
    })
}

/// Release a config. NULL is a no-op. A freed or foreign handle returns
/// FERROLAB_ERR_INVALID_HANDLE and changes nothing (so a double free is reported, not fatal).
/// Must not run concurrently with other calls on the same handle.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_config_free(cfg: *mut ferrolab_config) -> i32 {
    crate::ffi_boundary!({ CONFIG.free(cfg.addr()) })
}

/// Set a real-valued key, e.g. `ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 10.0)`.
///
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_UTF8,
/// _UNKNOWN_KEY, _WRONG_TYPE (the key is not real-valued), _NON_FINITE or _OUT_OF_RANGE, with
/// a message naming the key. On error the config is unchanged.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_set_f64(
    cfg: *mut ferrolab_config,
    key: *const c_char,
    value: f64,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        set(cfg, unsafe { str_arg(key, "key") }?, Value::F64(value))
    })
}

/// Set an integer key, e.g. `ferrolab_config_set_i64(cfg, "pf.seed", 7)`.
/// Status codes as for `ferrolab_config_set_f64`.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_set_i64(
    cfg: *mut ferrolab_config,
    key: *const c_char,
    value: i64,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        set(cfg, unsafe { str_arg(key, "key") }?, Value::I64(value))
    })
}

/// Set a text key to one of its allowed words. Status codes as for `ferrolab_config_set_f64`.
/// The string is copied.
///
/// # Safety
/// `key` and `value` are NULL or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_set_str(
    cfg: *mut ferrolab_config,
    key: *const c_char,
    value: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let (key, value) = unsafe { (str_arg(key, "key")?, str_arg(value, "value")?) };
        set(cfg, key, Value::Str(value.to_owned()))
    })
}

/// Set a list-of-reals key from `len` values (copied). `values` may be NULL only when
/// `len == 0`, which is rejected as an empty list. Status codes as for
/// `ferrolab_config_set_f64`.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `values` is NULL or valid for `len` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_set_f64_array(
    cfg: *mut ferrolab_config,
    key: *const c_char,
    values: *const f64,
    len: usize,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let (key, values) = unsafe { (str_arg(key, "key")?, slice_in(values, len, "values")?) };
        check_finite(values, "values")?;
        set(cfg, key, Value::F64Array(values.to_vec()))
    })
}

/// Set a list-of-integers key from `len` values (copied). As `ferrolab_config_set_f64_array`.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `values` is NULL or valid for `len` int64_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_set_i64_array(
    cfg: *mut ferrolab_config,
    key: *const c_char,
    values: *const i64,
    len: usize,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let (key, values) = unsafe { (str_arg(key, "key")?, slice_in(values, len, "values")?) };
        set(cfg, key, Value::I64Array(values.to_vec()))
    })
}

/// Put a key back to its default.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_UTF8,
/// _UNKNOWN_KEY.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_reset(
    cfg: *mut ferrolab_config,
    key: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let key = unsafe { str_arg(key, "key") }?;
        let handle = lookup(cfg)?;
        let mut config = handle.0.write().unwrap_or_else(PoisonError::into_inner);
        Ok(config.reset(key)?)
    })
}

/// Read a real-valued key (its default unless set) into `*out`.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_UTF8,
/// _UNKNOWN_KEY or _WRONG_TYPE.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `out` is NULL or valid for one double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_get_f64(
    cfg: *const ferrolab_config,
    key: *const c_char,
    out: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let (key, out) = unsafe { (str_arg(key, "key")?, out_arg(out, "out")?) };
        *out = get(cfg, key, Config::f64)?;
        Ok(())
    })
}

/// Read an integer key into `*out`. Status codes as for `ferrolab_config_get_f64`.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `out` is NULL or valid for one int64_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_get_i64(
    cfg: *const ferrolab_config,
    key: *const c_char,
    out: *mut i64,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let (key, out) = unsafe { (str_arg(key, "key")?, out_arg(out, "out")?) };
        *out = get(cfg, key, Config::i64)?;
        Ok(())
    })
}

/// Read a text key snprintf-style into `buf` (see `ferrolab_last_error` for buf/cap/needed).
/// Status codes as for `ferrolab_config_get_f64`, plus FERROLAB_WARN_TRUNCATED.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `buf` is NULL or valid for `cap` bytes; `needed`
/// is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_get_str(
    cfg: *const ferrolab_config,
    key: *const c_char,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let key = unsafe { str_arg(key, "key") }?;
        let value = get(cfg, key, Config::str)?;
        // SAFETY: caller's contract.
        unsafe { write_str(&value, buf, cap, needed) }
    })
}

/// Copy up to `cap` elements of a list into `out`; `*len` receives the list's length.
fn write_array<T: Copy>(
    values: &[T],
    out: *mut T,
    cap: usize,
    len: *mut usize,
) -> Result<(), FfiError> {
    // SAFETY: the exports' callers guarantee `out` for `cap` elements and `len` for one.
    let (out, len) = unsafe { (slice_out(out, cap, "out")?, out_arg(len, "len")?) };
    *len = values.len();
    let n = values.len().min(cap);
    out[..n].copy_from_slice(&values[..n]);
    if n < values.len() {
        return Err(FfiError::new(
            FERROLAB_WARN_TRUNCATED,
            format!(
                "output truncated: the list has {} elements, cap = {cap}",
                values.len()
            ),
        ));
    }
    Ok(())
}

/// Read a list-of-reals key: up to `cap` values into `out`, its length into `*len` (call with
/// `cap = 0` and `out = NULL` to ask for the length). Status codes as for
/// `ferrolab_config_get_f64`, plus FERROLAB_WARN_TRUNCATED when `cap` is smaller than the list.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `out` is NULL or valid for `cap` doubles; `len`
/// is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_get_f64_array(
    cfg: *const ferrolab_config,
    key: *const c_char,
    out: *mut f64,
    cap: usize,
    len: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let key = unsafe { str_arg(key, "key") }?;
        write_array(&get(cfg, key, Config::f64_array)?, out, cap, len)
    })
}

/// Read a list-of-integers key. As `ferrolab_config_get_f64_array`.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `out` is NULL or valid for `cap` int64_t; `len`
/// is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_get_i64_array(
    cfg: *const ferrolab_config,
    key: *const c_char,
    out: *mut i64,
    cap: usize,
    len: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        let key = unsafe { str_arg(key, "key") }?;
        write_array(&get(cfg, key, Config::i64_array)?, out, cap, len)
    })
}

/// Copy the message of the last failed call on this handle (from any thread) into `buf`,
/// snprintf-style (see `ferrolab_last_error`). The empty string means none has failed.
/// Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_last_error(
    cfg: *const ferrolab_config,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { CONFIG.write_last_error(cfg.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. A configuration runs no jobs: it reports 0 of 0, stage 0 and
/// NaN; the call exists so that every handle answers it alike. Every output may be NULL. Safe from
/// any thread, also while a job runs. Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle)
/// or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_progress_info(
    cfg: *const ferrolab_config,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = cfg, {
        // SAFETY: caller's contract.
        unsafe { CONFIG.write_progress(cfg.addr(), done, total, stage, last_loss) }
    })
}

/// Write the number of known configuration keys to `*out`. Keys are numbered 0..count-1 in
/// name order for `ferrolab_config_key_name`.
/// Returns FERROLAB_OK or FERROLAB_ERR_NULL_POINTER.
///
/// # Safety
/// `out` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_key_count(out: *mut usize) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        *unsafe { out_arg(out, "out") }? = keys().len();
        Ok(())
    })
}

/// Copy the name of key number `index` (0-based, name order) into `buf`, snprintf-style.
/// Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT (index out of range).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_key_name(
    index: usize,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!({
        let spec = keys().get(index).ok_or_else(|| {
            FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!("index = {index} but there are {} keys", keys().len()),
            )
        })?;
        // SAFETY: caller's contract.
        unsafe { write_str(spec.name, buf, cap, needed) }
    })
}

/// Copy a description of `key` (type, unit, valid range, default, doc) into `buf`,
/// snprintf-style. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_UTF8, _UNKNOWN_KEY.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string; `buf` is NULL or valid for `cap` bytes; `needed`
/// is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_config_key_describe(
    key: *const c_char,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let key = unsafe { str_arg(key, "key") }?;
        let spec = Config::new().spec(key)?;
        // SAFETY: caller's contract.
        unsafe { write_str(&spec.describe(), buf, cap, needed) }
    })
}
