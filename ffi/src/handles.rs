//! The registry of live handles: a slab with a generation counter per slot.
//!
//! A handle given to C is not an address: it encodes (generation, slot + 1) in a pointer-sized
//! integer, and the object lives in the registry. Looking up a freed handle finds a newer
//! generation (or an empty slot), a foreign pointer finds no matching slot, and a handle of
//! another type fails the downcast; none of these reads memory outside the registry, so a
//! stale pointer from the host can never cause a use-after-free. The generation half is mixed
//! with a per-process random key, so a forged small integer (1, 2, ...) names no live handle.

use crate::status::{FERROLAB_ERR_INVALID_HANDLE, FERROLAB_ERR_NULL_POINTER, FfiError};
use engine::progress::Progress;
use std::any::Any;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Bits of the handle value that hold slot + 1; the rest hold the generation.
const SLOT_BITS: u32 = usize::BITS / 2;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;
const GENERATION_MASK: usize = usize::MAX >> SLOT_BITS;

struct Live {
    object: Arc<dyn Any + Send + Sync>,
    last_error: Arc<Mutex<String>>,
    /// The progress of the handle's long jobs (read by `ferrolab_<object>_progress_info`).
    progress: Arc<Progress>,
}

#[derive(Default)]
struct Slot {
    generation: usize,
    live: Option<Live>,
}

#[derive(Default)]
struct Registry {
    slots: Vec<Slot>,
    free: Vec<usize>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    slots: Vec::new(),
    free: Vec::new(),
});

/// The per-process key mixed into the generation half of every handle (the slot half stays as
/// it is, so a handle is never 0).
fn key() -> usize {
    static KEY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *KEY.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        // Never 0: generation 0 must not be reachable from a forged small integer.
        (h.finish() as usize & GENERATION_MASK).max(1) << SLOT_BITS
    })
}

fn encode(slot: usize, generation: usize) -> usize {
    ((generation << SLOT_BITS) | (slot + 1)) ^ key()
}

fn decode(handle: usize) -> Option<(usize, usize)> {
    let raw = handle ^ key();
    let slot = (raw & SLOT_MASK).checked_sub(1)?;
    Some((slot, raw >> SLOT_BITS))
}

fn with_live<R>(handle: usize, f: impl FnOnce(&Live) -> R) -> Option<R> {
    let (slot, generation) = decode(handle)?;
    let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
    let entry = registry.slots.get(slot)?;
    (entry.generation == generation).then_some(())?;
    entry.live.as_ref().map(f)
}

/// Register `object`; returns the handle value to give to C.
pub(crate) fn insert<T: Any + Send + Sync>(object: T) -> Result<usize, FfiError> {
    let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
    let slot = match registry.free.pop() {
        Some(slot) => slot,
        None if registry.slots.len() < SLOT_MASK => {
            registry.slots.push(Slot::default());
            registry.slots.len() - 1
        }
        None => {
            return Err(FfiError::new(
                crate::status::FERROLAB_ERR_INVALID_ARGUMENT,
                "too many live handles",
            ));
        }
    };
    let entry = &mut registry.slots[slot];
    entry.live = Some(Live {
        object: Arc::new(object),
        last_error: Arc::default(),
        progress: Arc::default(),
    });
    Ok(encode(slot, entry.generation))
}

fn invalid(arg: &str, type_name: &str) -> FfiError {
    FfiError::new(
        FERROLAB_ERR_INVALID_HANDLE,
        format!(
            "argument {arg} is not a live {type_name} handle (freed, foreign or of another type)"
        ),
    )
}

fn null(arg: &str) -> FfiError {
    FfiError::new(FERROLAB_ERR_NULL_POINTER, format!("argument {arg} is NULL"))
}

/// The object behind `handle`, shared with the registry (so a concurrent free cannot pull it
/// away during the call).
fn get<T: Any + Send + Sync>(
    handle: usize,
    arg: &str,
    type_name: &str,
) -> Result<Arc<T>, FfiError> {
    if handle == 0 {
        return Err(null(arg));
    }
    with_live(handle, |live| Arc::clone(&live.object))
        .and_then(|object| object.downcast::<T>().ok())
        .ok_or_else(|| invalid(arg, type_name))
}

/// Release `handle`; 0 (NULL) is a no-op. A stale, foreign or wrong-type handle is an error
/// and changes nothing.
fn remove<T: Any + Send + Sync>(handle: usize, arg: &str, type_name: &str) -> Result<(), FfiError> {
    if handle == 0 {
        return Ok(());
    }
    let (slot, generation) = decode(handle).ok_or_else(|| invalid(arg, type_name))?;
    let released = {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        let entry = registry
            .slots
            .get_mut(slot)
            .filter(|e| e.generation == generation)
            .ok_or_else(|| invalid(arg, type_name))?;
        if !entry.live.as_ref().is_some_and(|l| l.object.is::<T>()) {
            return Err(invalid(arg, type_name));
        }
        entry.generation = (entry.generation + 1) & GENERATION_MASK;
        let released = entry.live.take();
        registry.free.push(slot);
        released
    };
    // Dropped outside the lock: an object's destructor may be slow.
    drop(released);
    Ok(())
}

/// Record a failure message in the handle, if it is live.
pub(crate) fn record_error(handle: usize, message: &str) {
    if let Some(slot) = with_live(handle, |live| Arc::clone(&live.last_error)) {
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = message.to_owned();
    }
}

/// Copy the last failure message of a live handle of type `T` snprintf-style (the body of
/// every `ferrolab_<object>_last_error`).
///
/// # Safety
/// As for [`write_str`](crate::strings::write_str).
unsafe fn write_last_error<T: Any + Send + Sync>(
    handle: usize,
    arg: &str,
    type_name: &str,
    buf: *mut std::ffi::c_char,
    cap: usize,
    needed: *mut usize,
) -> Result<(), FfiError> {
    let message = last_error::<T>(handle, arg, type_name)?;
    // SAFETY: forwarded contract.
    unsafe { crate::strings::write_str(&message, buf, cap, needed) }
}

/// The progress of a live handle of type `T`: the one its long jobs report to and poll.
fn progress<T: Any + Send + Sync>(
    handle: usize,
    arg: &str,
    type_name: &str,
) -> Result<Arc<Progress>, FfiError> {
    if handle == 0 {
        return Err(null(arg));
    }
    with_live(handle, |live| {
        live.object.is::<T>().then(|| Arc::clone(&live.progress))
    })
    .flatten()
    .ok_or_else(|| invalid(arg, type_name))
}

/// Write the progress of a live handle of type `T` (the body of every
/// `ferrolab_<object>_progress_info`): work done and total of the current stage, the stage,
/// and the last loss (NaN before any). Every output may be NULL.
///
/// # Safety
/// Each pointer is NULL or valid for one value of its type.
unsafe fn write_progress<T: Any + Send + Sync>(
    handle: usize,
    arg: &str,
    type_name: &str,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> Result<(), FfiError> {
    let info = progress::<T>(handle, arg, type_name)?.info();
    let stage_value = i32::try_from(info.stage).unwrap_or(i32::MAX);
    // SAFETY: the caller's contract; NULL outputs are skipped.
    unsafe {
        for (out, value) in [(done, info.done), (total, info.total)] {
            if let Some(out) = out.as_mut() {
                *out = value;
            }
        }
        if let Some(out) = stage.as_mut() {
            *out = stage_value;
        }
        if let Some(out) = last_loss.as_mut() {
            *out = info.last_loss.unwrap_or(f64::NAN);
        }
    }
    Ok(())
}

/// The last failure message recorded in a live handle of type `T`.
fn last_error<T: Any + Send + Sync>(
    handle: usize,
    arg: &str,
    type_name: &str,
) -> Result<String, FfiError> {
    if handle == 0 {
        return Err(null(arg));
    }
    with_live(handle, |live| {
        live.object.is::<T>().then(|| {
            live.last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    })
    .flatten()
    .ok_or_else(|| invalid(arg, type_name))
}

/// A handle type of the C API: the argument name its calls use in messages and its C type
/// name. One constant per type; every export on that type goes through it.
pub(crate) struct HandleType<T> {
    arg: &'static str,
    name: &'static str,
    object: PhantomData<fn() -> T>,
}

impl<T: Any + Send + Sync> HandleType<T> {
    /// The type whose C name is `name`, passed as argument `arg`.
    pub(crate) const fn new(arg: &'static str, name: &'static str) -> Self {
        Self {
            arg,
            name,
            object: PhantomData,
        }
    }

    /// The object behind a live handle of this type.
    pub(crate) fn get(&self, handle: usize) -> Result<Arc<T>, FfiError> {
        get(handle, self.arg, self.name)
    }

    /// Release a handle of this type (0 is a no-op): the body of `ferrolab_<object>_free`.
    pub(crate) fn free(&self, handle: usize) -> Result<(), FfiError> {
        remove::<T>(handle, self.arg, self.name)
    }

    /// The progress of a live handle of this type.
    pub(crate) fn progress(&self, handle: usize) -> Result<Arc<Progress>, FfiError> {
        progress::<T>(handle, self.arg, self.name)
    }

    /// The body of `ferrolab_<object>_last_error`.
    ///
    /// # Safety
    /// As for [`write_str`](crate::strings::write_str).
    pub(crate) unsafe fn write_last_error(
        &self,
        handle: usize,
        buf: *mut std::ffi::c_char,
        cap: usize,
        needed: *mut usize,
    ) -> Result<(), FfiError> {
        // SAFETY: forwarded contract.
        unsafe { write_last_error::<T>(handle, self.arg, self.name, buf, cap, needed) }
    }

    /// The body of `ferrolab_<object>_progress_info`.
    ///
    /// # Safety
    /// Each pointer is NULL or valid for one value of its type.
    pub(crate) unsafe fn write_progress(
        &self,
        handle: usize,
        done: *mut u64,
        total: *mut u64,
        stage: *mut i32,
        last_loss: *mut f64,
    ) -> Result<(), FfiError> {
        // SAFETY: forwarded contract.
        unsafe { write_progress::<T>(handle, self.arg, self.name, done, total, stage, last_loss) }
    }

    /// Units done and total of the current stage as size_t (the older
    /// `ferrolab_<object>_progress` calls; both outputs required).
    ///
    /// # Safety
    /// `done` and `total` are NULL or valid for one size_t each.
    pub(crate) unsafe fn write_counts(
        &self,
        handle: usize,
        done: *mut usize,
        total: *mut usize,
    ) -> Result<(), FfiError> {
        // SAFETY: caller's contract.
        let (done, total) = unsafe {
            (
                crate::arrays::out_arg(done, "done")?,
                crate::arrays::out_arg(total, "total")?,
            )
        };
        let progress = self.progress(handle)?;
        let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        (*done, *total) = (as_usize(progress.done()), as_usize(progress.total()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct A(i32);
    #[derive(Debug)]
    struct B;

    #[test]
    fn stale_foreign_and_wrong_type_handles_are_rejected() {
        let a = insert(A(7)).unwrap();
        assert_eq!(get::<A>(a, "h", "A").unwrap().0, 7);
        assert_eq!(
            get::<B>(a, "h", "B").unwrap_err().status,
            FERROLAB_ERR_INVALID_HANDLE
        );
        assert_eq!(
            remove::<B>(a, "h", "B").unwrap_err().status,
            FERROLAB_ERR_INVALID_HANDLE
        );
        remove::<A>(a, "h", "A").unwrap();
        assert_eq!(
            get::<A>(a, "h", "A").unwrap_err().status,
            FERROLAB_ERR_INVALID_HANDLE
        );
        assert_eq!(
            remove::<A>(a, "h", "A").unwrap_err().status,
            FERROLAB_ERR_INVALID_HANDLE
        );
        // The slot is reused with a new generation: the old handle stays dead.
        let b = insert(A(8)).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            get::<A>(a, "h", "A").unwrap_err().status,
            FERROLAB_ERR_INVALID_HANDLE
        );
        assert_eq!(get::<A>(b, "h", "A").unwrap().0, 8);
        // Addresses of real memory are not handles.
        let foreign = Box::into_raw(Box::new(0u64));
        assert!(get::<A>(foreign.addr(), "h", "A").is_err());
        drop(unsafe { Box::from_raw(foreign) });
        assert_eq!(
            get::<A>(0, "h", "A").unwrap_err().status,
            FERROLAB_ERR_NULL_POINTER
        );
        remove::<A>(0, "h", "A").unwrap();
        record_error(b, "boom");
        assert_eq!(last_error::<A>(b, "h", "A").unwrap(), "boom");
        remove::<A>(b, "h", "A").unwrap();
    }

    /// Small integers forged by a host name no live handle, even while the first slots hold
    /// live objects, so a forged `free(1)` cannot release someone's object.
    #[test]
    fn forged_small_integers_are_not_handles() {
        let live: Vec<usize> = (0..16).map(|i| insert(A(i)).unwrap()).collect();
        for forged in 1..=64usize {
            assert!(
                get::<A>(forged, "h", "A").is_err(),
                "{forged} names a live handle"
            );
            assert!(remove::<A>(forged, "h", "A").is_err());
        }
        for (i, h) in live.into_iter().enumerate() {
            assert_eq!(get::<A>(h, "h", "A").unwrap().0, i as i32);
            remove::<A>(h, "h", "A").unwrap();
        }
    }
}
