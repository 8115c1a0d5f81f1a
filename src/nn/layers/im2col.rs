//! im2col and col2im for convolutions of any number of spatial axes.
//!
//! The column matrix of a batch shard has one row per (input channel, kernel tap) and one
//! column per (sample, output position), so `W cols` (`W` as `[out, in * taps]`) is the output
//! `(C_out, samples * positions)` and each sample's output plane is a contiguous slice of it.
//! Each tap reads, for every row of the output grid (all axes but the last), either a strided
//! run of one input row or padding; those runs are worked out once per input shape.

use super::super::real::Real;

/// The output positions `first..end` of one axis that read inside the input for one kernel
/// tap; output position `o` reads input index `o * stride + offset`.
#[derive(Clone, Copy, Debug)]
struct Window {
    first: usize,
    end: usize,
    offset: isize,
}

impl Window {
    fn new(input: usize, output: usize, stride: usize, offset: isize) -> Self {
        let (n, s) = (input as isize, stride as isize);
        // Smallest o with o s + offset >= 0, and one past the largest with o s + offset < n.
        let first = if offset >= 0 {
            0
        } else {
            (-offset + s - 1) / s
        };
        let end = if offset >= n {
            0
        } else {
            (n - offset + s - 1) / s
        };
        let end = (end as usize).min(output);
        Self {
            first: (first as usize).min(end),
            end,
            offset,
        }
    }

    fn contains(&self, o: usize) -> bool {
        (self.first..self.end).contains(&o)
    }

    /// The input index read by output position `o` (inside the window).
    fn input(&self, o: usize, stride: usize) -> usize {
        (o as isize * stride as isize + self.offset) as usize
    }
}

/// Where one kernel tap reads: per output row, the input offset of the row's input row (`None`:
/// the row lies in the padding), and the window along the last axis.
#[derive(Clone, Debug)]
struct TapRuns {
    rows: Vec<Option<usize>>,
    last: Window,
}

/// The unfolding of one input shape by one kernel geometry.
#[derive(Clone, Debug)]
pub(crate) struct Unfold {
    /// Values of one input channel plane.
    pub(crate) plane: usize,
    /// Output positions per channel plane.
    pub(crate) positions: usize,
    /// Extent of the output's last axis (one output row).
    row_len: usize,
    stride: usize,
    /// In the weight's row-major tap order.
    taps: Vec<TapRuns>,
}

/// Kernel geometry along every spatial axis (PyTorch semantics).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kernel {
    pub(crate) size: usize,
    pub(crate) stride: usize,
    pub(crate) padding: usize,
    pub(crate) dilation: usize,
}

impl Unfold {
    /// The runs of every tap for spatial extents `input` giving `output`.
    pub(crate) fn new(input: &[usize], output: &[usize], k: Kernel) -> Self {
        let d = input.len();
        let windows: Vec<Vec<Window>> = (0..d)
            .map(|a| {
                (0..k.size)
                    .map(|j| {
                        let offset = (j * k.dilation) as isize - k.padding as isize;
                        Window::new(input[a], output[a], k.stride, offset)
                    })
                    .collect()
            })
            .collect();
        let taps = multi_indices(&vec![k.size; d])
            .map(|tap| TapRuns {
                rows: multi_indices(&output[..d - 1])
                    .map(|o| row_offset(&o, &tap, &windows, input, k.stride))
                    .collect(),
                last: windows[d - 1][tap[d - 1]],
            })
            .collect();
        Self {
            plane: input.iter().product(),
            positions: output.iter().product(),
            row_len: output[d - 1],
            stride: k.stride,
            taps,
        }
    }

    /// Kernel taps (`k^d`).
    pub(crate) fn taps(&self) -> usize {
        self.taps.len()
    }

    /// The column matrix `(channels * taps, samples * positions)` of `x`, samples of
    /// `(channels, plane)` each.
    pub(crate) fn unfold<T: Real>(&self, x: &[T], channels: usize) -> Vec<T> {
        let samples = x.len() / (channels * self.plane);
        let width = samples * self.positions;
        let mut cols = vec![T::zero(); channels * self.taps() * width];
        for (row, dst) in cols.chunks_exact_mut(width.max(1)).enumerate() {
            let (c, tap) = (row / self.taps(), &self.taps[row % self.taps()]);
            for (s, out) in dst.chunks_exact_mut(self.positions).enumerate() {
                let plane = &x[(s * channels + c) * self.plane..][..self.plane];
                self.gather(tap, plane, out);
            }
        }
        cols
    }

    /// col2im: adds each column entry into the input position it was read from (`dx`:
    /// samples of `(channels, plane)`).
    pub(crate) fn fold<T: Real>(&self, cols: &[T], channels: usize, dx: &mut [T]) {
        let samples = dx.len() / (channels * self.plane);
        let width = samples * self.positions;
        for (row, src) in cols.chunks_exact(width.max(1)).enumerate() {
            let (c, tap) = (row / self.taps(), &self.taps[row % self.taps()]);
            for (s, col) in src.chunks_exact(self.positions).enumerate() {
                let plane = &mut dx[(s * channels + c) * self.plane..][..self.plane];
                self.scatter_add(tap, col, plane);
            }
        }
    }

    /// One tap's values over the output positions of one sample (padding reads 0).
    fn gather<T: Real>(&self, tap: &TapRuns, plane: &[T], out: &mut [T]) {
        let w = tap.last;
        for (dst, base) in out.chunks_exact_mut(self.row_len).zip(&tap.rows) {
            let Some(base) = base.filter(|_| w.first < w.end) else {
                dst.fill(T::zero());
                continue;
            };
            dst[..w.first].fill(T::zero());
            dst[w.end..].fill(T::zero());
            let inside = &mut dst[w.first..w.end];
            let from = base + w.input(w.first, self.stride);
            if self.stride == 1 {
                inside.copy_from_slice(&plane[from..from + inside.len()]);
            } else {
                let src = plane[from..].iter().step_by(self.stride);
                inside.iter_mut().zip(src).for_each(|(d, v)| *d = *v);
            }
        }
    }

    /// The transpose of [`Self::gather`]: adds one tap's column values into the input plane.
    fn scatter_add<T: Real>(&self, tap: &TapRuns, col: &[T], plane: &mut [T]) {
        let w = tap.last;
        for (src, base) in col.chunks_exact(self.row_len).zip(&tap.rows) {
            let Some(base) = base.filter(|_| w.first < w.end) else {
                continue;
            };
            let from = base + w.input(w.first, self.stride);
            let dst = plane[from..].iter_mut().step_by(self.stride);
            dst.zip(&src[w.first..w.end]).for_each(|(d, v)| *d += *v);
        }
    }
}

/// The input offset of the input row read by output row `o` (all axes but the last) through
/// kernel tap `tap`, or `None` when an axis falls into the padding.
fn row_offset(
    o: &[usize],
    tap: &[usize],
    windows: &[Vec<Window>],
    input: &[usize],
    stride: usize,
) -> Option<usize> {
    let d = input.len();
    let mut offset = 0;
    for a in 0..d - 1 {
        let w = windows[a][tap[a]];
        if !w.contains(o[a]) {
            return None;
        }
        offset = offset * input[a] + w.input(o[a], stride);
    }
    // The row's start in the plane: times the last axis' extent.
    Some(offset * input[d - 1])
}

/// Every multi-index below `extents`, row-major (one empty index for no axes).
fn multi_indices(extents: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let count: usize = extents.iter().product();
    (0..count).map(move |mut flat| {
        let mut index = vec![0; extents.len()];
        for (i, e) in index.iter_mut().zip(extents).rev() {
            *i = flat % e;
            flat /= e;
        }
        index
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition: the value tap `tap` of channel `c` reads for output `o`.
    fn naive(x: &[f64], input: &[usize], k: Kernel, c: usize, tap: &[usize], o: &[usize]) -> f64 {
        let mut idx = 0usize;
        for a in 0..input.len() {
            let i = (o[a] * k.stride + tap[a] * k.dilation) as isize - k.padding as isize;
            if i < 0 || i >= input[a] as isize {
                return 0.0;
            }
            idx = idx * input[a] + i as usize;
        }
        x[c * input.iter().product::<usize>() + idx]
    }

    #[test]
    fn unfold_matches_the_definition_and_fold_is_its_transpose() {
        let cases: [(&[usize], Kernel); 4] = [
            (
                &[9],
                Kernel {
                    size: 3,
                    stride: 2,
                    padding: 2,
                    dilation: 3,
                },
            ),
            (
                &[5, 7],
                Kernel {
                    size: 3,
                    stride: 1,
                    padding: 1,
                    dilation: 1,
                },
            ),
            (
                &[6, 5],
                Kernel {
                    size: 2,
                    stride: 3,
                    padding: 2,
                    dilation: 2,
                },
            ),
            (
                &[3, 4, 5],
                Kernel {
                    size: 2,
                    stride: 2,
                    padding: 1,
                    dilation: 1,
                },
            ),
        ];
        for (input, k) in cases {
            let output: Vec<usize> = input
                .iter()
                .map(|n| (n + 2 * k.padding - k.dilation * (k.size - 1) - 1) / k.stride + 1)
                .collect();
            let u = Unfold::new(input, &output, k);
            let (channels, samples) = (2, 3);
            let x: Vec<f64> = (0..samples * channels * u.plane)
                .map(|i| (i as f64 * 0.37).sin())
                .collect();
            let cols = u.unfold(&x, channels);
            let width = samples * u.positions;
            for (row, values) in cols.chunks_exact(width).enumerate() {
                let c = row / u.taps();
                let tap = multi_indices(&vec![k.size; input.len()])
                    .nth(row % u.taps())
                    .unwrap();
                for (col, v) in values.iter().enumerate() {
                    let (s, p) = (col / u.positions, col % u.positions);
                    let o = multi_indices(&output).nth(p).unwrap();
                    let plane = &x[s * channels * u.plane..];
                    assert_eq!(*v, naive(plane, input, k, c, &tap, &o), "{input:?} {k:?}");
                }
            }
            // <unfold(x), r> = <x, fold(r)> for any r.
            let r: Vec<f64> = (0..cols.len()).map(|i| (i as f64 * 0.11).cos()).collect();
            let mut folded = vec![0.0; x.len()];
            u.fold(&r, channels, &mut folded);
            let lhs: f64 = cols.iter().zip(&r).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&folded).map(|(a, b)| a * b).sum();
            assert!(
                (lhs - rhs).abs() < 1e-10 * lhs.abs().max(1.0),
                "{lhs} vs {rhs}"
            );
        }
    }
}
