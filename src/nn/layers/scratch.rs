//! Per-thread scratch buffers for the layers' temporaries (a convolution's column matrix and
//! product), so a training step does not allocate, page-fault and zero megabytes per layer per
//! batch. A buffer is taken out of the calling thread's pool and given back after use; a
//! thread that steals another shard's work while one is out simply takes (or makes) another.

use super::super::real::Real;
use std::any::Any;
use std::cell::RefCell;

/// Buffers kept per thread, and their bytes at most: a training step's tensors (one batch of
/// im2spec holds about 30 of 1 MB; the n = 48 rVAE about 10 of 37 MB) come back to the pool
/// and serve the next step. [`release`] empties a thread's pool when training ends.
const KEPT: usize = 64;
const KEPT_BYTES: usize = 512 << 20;

thread_local! {
    static POOL: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` values from this thread's pool (the smallest that holds `len` and is at
/// most twice as large, else a new one). Its contents are left over from earlier use: callers
/// overwrite every value they read, or use [`zeros`].
///
/// The size limit keeps big buffers (a convolution's columns) for big requests: cut down to a
/// small tensor's length, a buffer would have to be zero-filled back to its length when next
/// taken for columns (25 MB of `memset` per im2spec batch before).
pub(crate) fn take<T: Real>(len: usize) -> Vec<T> {
    if len == 0 {
        return Vec::new();
    }
    let found = POOL.with_borrow_mut(|pool| {
        let mut best: Option<(usize, usize)> = None;
        for (i, b) in pool.iter().enumerate() {
            if let Some(v) = b.downcast_ref::<Vec<T>>() {
                let cap = v.capacity();
                let fits = (len..=2 * len).contains(&cap);
                if fits && best.is_none_or(|(_, c)| cap < c) {
                    best = Some((i, cap));
                }
            }
        }
        best.map(|(i, _)| pool.swap_remove(i))
    });
    match found.and_then(|b| b.downcast::<Vec<T>>().ok()) {
        Some(b) => {
            let mut v = *b;
            if v.len() > len {
                v.truncate(len);
            } else {
                v.resize(len, T::zero());
            }
            v
        }
        None => vec![T::zero(); len],
    }
}

/// `len` zeros in a buffer from this thread's pool.
pub(crate) fn zeros<T: Real>(len: usize) -> Vec<T> {
    let mut v = take(len);
    v.fill(T::zero());
    v
}

/// A copy of `values` in a buffer from this thread's pool.
pub(crate) fn copy<T: Real>(values: &[T]) -> Vec<T> {
    let mut v = take(values.len());
    v.copy_from_slice(values);
    v
}

/// Gives `buffer` back to this thread's pool (the smallest buffers are dropped beyond
/// [`KEPT`] buffers or [`KEPT_BYTES`]).
pub(crate) fn give<T: Real>(buffer: Vec<T>) {
    if buffer.capacity() == 0 {
        return;
    }
    POOL.with_borrow_mut(|pool| {
        pool.push(Box::new(buffer));
        loop {
            let bytes: usize = pool.iter().map(|b| size_of_buffer(b.as_ref())).sum();
            if pool.len() <= KEPT && bytes <= KEPT_BYTES {
                break;
            }
            let smallest = pool
                .iter()
                .enumerate()
                .min_by_key(|(_, b)| size_of_buffer(b.as_ref()))
                .map(|(i, _)| i)
                .expect("non-empty");
            pool.swap_remove(smallest);
        }
    });
}

/// Drops every buffer of this thread's pool (the memory goes back to the system).
pub(crate) fn release() {
    POOL.with_borrow_mut(Vec::clear);
}

fn size_of_buffer(b: &dyn Any) -> usize {
    if let Some(v) = b.downcast_ref::<Vec<f32>>() {
        v.capacity() * 4
    } else if let Some(v) = b.downcast_ref::<Vec<f64>>() {
        v.capacity() * 8
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_per_type_and_sized_on_request() {
        let mut a = take::<f32>(100);
        assert_eq!(a.len(), 100);
        a.fill(1.0);
        let ptr = a.as_ptr();
        give(a);
        let b = take::<f64>(10);
        assert!(b.iter().all(|v| *v == 0.0));
        let a = take::<f32>(50);
        assert_eq!((a.len(), a.as_ptr()), (50, ptr));
        give(a);
        give(b);
        let c = take::<f32>(200);
        assert_eq!(c.len(), 200);
        assert!(c[100..].iter().all(|v| *v == 0.0));
        give(c);
    }
}
