//! Per-thread scratch buffers for the layers' temporaries (a convolution's column matrix and
//! product), so a training step does not allocate, page-fault and zero megabytes per layer per
//! batch. A buffer is taken out of the calling thread's pool and given back after use; a
//! thread that steals another shard's work while one is out simply takes (or makes) another.

use super::super::real::Real;
use std::any::Any;
use std::cell::RefCell;

/// Buffers kept per thread: a convolution needs two at a time.
const KEPT: usize = 4;

thread_local! {
    static POOL: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` values from this thread's pool. Its contents are left over from earlier
/// use (or zero where it grew): callers overwrite every value they read.
pub(crate) fn take<T: Real>(len: usize) -> Vec<T> {
    let found = POOL.with_borrow_mut(|pool| {
        // The largest buffer of this type that holds `len`, else the largest of this type.
        let mut best: Option<(usize, usize)> = None;
        for (i, b) in pool.iter().enumerate() {
            if let Some(v) = b.downcast_ref::<Vec<T>>() {
                let cap = v.capacity();
                let better = match best {
                    None => true,
                    Some((_, c)) => (c < len && cap > c) || (cap >= len && cap < c),
                };
                if better {
                    best = Some((i, cap));
                }
            }
        }
        best.map(|(i, _)| pool.swap_remove(i))
    });
    let mut v = found
        .and_then(|b| b.downcast::<Vec<T>>().ok())
        .map_or_else(Vec::new, |b| *b);
    if v.len() > len {
        v.truncate(len);
    } else {
        v.resize(len, T::zero());
    }
    v
}

/// Gives `buffer` back to this thread's pool (the smallest is dropped when it is full).
pub(crate) fn give<T: Real>(buffer: Vec<T>) {
    POOL.with_borrow_mut(|pool| {
        pool.push(Box::new(buffer));
        if pool.len() > KEPT {
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
