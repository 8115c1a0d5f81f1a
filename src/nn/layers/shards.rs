//! Batch shards: contiguous row ranges whose boundaries depend on the row count only, run in
//! parallel on the library's pool and reduced in shard order, so every result is the same for
//! any number of threads.

use super::super::real::Real;
use rayon::prelude::*;
use std::ops::Range;

/// Rows per shard aimed at: small enough that a batch of a few hundred rows feeds two to
/// eight cores, large enough for efficient matrix products.
pub(crate) const TARGET_ROWS: usize = 32;

/// `rows` split into `ceil(rows / TARGET_ROWS)` near-equal contiguous ranges.
pub(crate) fn shards(rows: usize) -> Vec<Range<usize>> {
    shards_of(rows, TARGET_ROWS)
}

/// `rows` split into `ceil(rows / per_shard)` near-equal contiguous ranges.
pub(crate) fn shards_of(rows: usize, per_shard: usize) -> Vec<Range<usize>> {
    let n = rows.div_ceil(per_shard.max(1)).max(1);
    (0..n).map(|k| k * rows / n..(k + 1) * rows / n).collect()
}

/// Runs `work` on every shard of `ranges` in parallel; each call gets the shard's index and
/// rows, its own zeroed gradient buffer as long as `grad` (a layer's parameter span), and the
/// buffers are then added into `grad` in shard order. Returns the per-shard results in shard
/// order.
pub(crate) fn map_reduce_grad<T: Real, R: Send>(
    ranges: Vec<Range<usize>>,
    grad: &mut [T],
    work: impl Fn(usize, Range<usize>, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let grad_len = grad.len();
    let parts: Vec<(R, Vec<T>)> = ranges
        .into_par_iter()
        .enumerate()
        .map(|(k, range)| {
            let mut g = vec![T::zero(); grad_len];
            let r = work(k, range, &mut g);
            (r, g)
        })
        .collect();
    parts
        .into_iter()
        .map(|(r, g)| {
            grad.iter_mut().zip(&g).for_each(|(a, b)| *a += *b);
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_rows_in_order_and_depend_on_the_count_only() {
        for rows in [0, 1, 31, 32, 33, 300, 1000] {
            let s = shards(rows);
            assert_eq!(s.first().unwrap().start, 0);
            assert_eq!(s.last().unwrap().end, rows);
            assert!(s.windows(2).all(|w| w[0].end == w[1].start));
            assert!(s.iter().all(|r| r.len() <= TARGET_ROWS));
        }
        assert_eq!(shards(300).len(), 10);
    }
}
