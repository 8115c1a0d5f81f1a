//! im2col and col2im for convolutions of any number of spatial axes.
//!
//! The column matrix of a batch shard has one row per (input channel, kernel tap) and one
//! column per (sample, output position), so `W cols` (`W` as `[out, in * taps]`) is the output
//! `(C_out, samples * positions)` and each sample's output plane is a contiguous slice of it.
//! Which input position each (tap, output position) reads is tabulated once per input shape:
//! an indexed copy is as fast for any stride and dilation, and for short rows (8 x 8 patches)
//! it beats copying row runs (a `memcpy`/`memset` call per run of 6-8 values, 10x slower).

use super::super::real::Real;

/// Kernel geometry along every spatial axis (PyTorch semantics).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kernel {
    pub(crate) size: usize,
    pub(crate) stride: usize,
    pub(crate) padding: usize,
    pub(crate) dilation: usize,
}

/// Marks a (tap, output position) that reads the zero padding.
const PADDING: usize = usize::MAX;

/// The unfolding of one input shape by one kernel geometry.
#[derive(Clone, Debug)]
pub(crate) struct Unfold {
    /// Values of one input channel plane.
    pub(crate) plane: usize,
    /// Output positions per channel plane.
    pub(crate) positions: usize,
    /// Per kernel tap (the weight's row-major order), per output position: the input position
    /// read within a channel plane, or [`PADDING`].
    sources: Vec<Vec<usize>>,
    /// Per tap, when every tap reads its plane shifted by a constant (stride 1, output extents
    /// equal to the input's: the 'same' convolutions): the shift, so a tap's row is one
    /// contiguous copy rather than an indexed one.
    shifts: Option<Vec<Shift>>,
}

/// A tap that reads input position `q + offset` for output position `q` in `lo..hi`, except
/// at `padding` (sorted), and padding outside `lo..hi`.
#[derive(Clone, Debug)]
struct Shift {
    offset: isize,
    lo: usize,
    hi: usize,
    padding: Vec<usize>,
}

impl Shift {
    /// The shift a tap's sources follow, if they follow one.
    fn of(sources: &[usize], plane: usize) -> Option<Self> {
        let valid = |q: &usize| sources[*q] != PADDING;
        let Some(lo) = (0..sources.len()).find(valid) else {
            return Some(Self {
                offset: 0,
                lo: 0,
                hi: 0,
                padding: Vec::new(),
            });
        };
        let hi = (0..sources.len()).rev().find(valid)? + 1;
        let offset = sources[lo] as isize - lo as isize;
        let mut padding = Vec::new();
        for (q, &i) in sources.iter().enumerate().take(hi).skip(lo) {
            if i == PADDING {
                padding.push(q);
            } else if i as isize != q as isize + offset {
                return None;
            }
        }
        // lo + offset and hi - 1 + offset are valid input positions.
        debug_assert!(((hi - 1) as isize + offset) < plane as isize);
        Some(Self {
            offset,
            lo,
            hi,
            padding,
        })
    }

    /// The input range `lo..hi` reads.
    fn source(&self) -> std::ops::Range<usize> {
        let start = (self.lo as isize + self.offset) as usize;
        start..start + (self.hi - self.lo)
    }
}

impl Unfold {
    /// The table of every tap for spatial extents `input` giving `output`.
    pub(crate) fn new(input: &[usize], output: &[usize], k: Kernel) -> Self {
        let taps = k.size.pow(input.len() as u32);
        let positions = output.iter().product();
        let sources: Vec<Vec<usize>> = (0..taps)
            .map(|tap| {
                (0..positions)
                    .map(|p| source(tap, p, input, output, k))
                    .collect()
            })
            .collect();
        let plane = input.iter().product();
        let shifts = (k.stride == 1 && input == output)
            .then(|| {
                sources
                    .iter()
                    .map(|s| Shift::of(s, plane))
                    .collect::<Option<Vec<_>>>()
            })
            .flatten();
        Self {
            plane,
            positions,
            sources,
            shifts,
        }
    }

    /// Kernel taps (`k^d`).
    pub(crate) fn taps(&self) -> usize {
        self.sources.len()
    }

    /// The column matrix `(channels * taps, samples * positions)` of `x`, samples of
    /// `(channels, plane)` each.
    #[cfg(test)]
    pub(crate) fn unfold<T: Real>(&self, x: &[T], channels: usize) -> Vec<T> {
        let samples = x.len() / (channels * self.plane);
        let mut cols = vec![T::zero(); channels * self.taps() * samples * self.positions];
        self.unfold_into(x, channels, &mut cols);
        cols
    }

    /// [`Unfold::unfold`] into `cols` (every value is written).
    pub(crate) fn unfold_into<T: Real>(&self, x: &[T], channels: usize, cols: &mut [T]) {
        let samples = x.len() / (channels * self.plane);
        let width = samples * self.positions;
        debug_assert_eq!(cols.len(), channels * self.taps() * width);
        if let Some(shifts) = &self.shifts {
            for (row, dst) in cols.chunks_exact_mut(width.max(1)).enumerate() {
                let (c, shift) = (row / self.taps(), &shifts[row % self.taps()]);
                let src = shift.source();
                for (s, out) in dst.chunks_exact_mut(self.positions).enumerate() {
                    let plane = &x[(s * channels + c) * self.plane..][..self.plane];
                    out[..shift.lo].fill(T::zero());
                    out[shift.lo..shift.hi].copy_from_slice(&plane[src.clone()]);
                    out[shift.hi..].fill(T::zero());
                    for &q in &shift.padding {
                        out[q] = T::zero();
                    }
                }
            }
            return;
        }
        for (row, dst) in cols.chunks_exact_mut(width.max(1)).enumerate() {
            let (c, sources) = (row / self.taps(), &self.sources[row % self.taps()]);
            for (s, out) in dst.chunks_exact_mut(self.positions).enumerate() {
                let plane = &x[(s * channels + c) * self.plane..][..self.plane];
                for (v, &i) in out.iter_mut().zip(sources) {
                    *v = plane.get(i).copied().unwrap_or(T::zero());
                }
            }
        }
    }

    /// col2im: adds each column entry into the input position it was read from (`dx`:
    /// samples of `(channels, plane)`).
    pub(crate) fn fold<T: Real>(&self, cols: &[T], channels: usize, dx: &mut [T]) {
        let samples = dx.len() / (channels * self.plane);
        let width = samples * self.positions;
        if let Some(shifts) = &self.shifts {
            for (row, src) in cols.chunks_exact(width.max(1)).enumerate() {
                let (c, shift) = (row / self.taps(), &shifts[row % self.taps()]);
                let (lo, start) = (shift.lo, shift.source().start);
                for (s, col) in src.chunks_exact(self.positions).enumerate() {
                    let plane = &mut dx[(s * channels + c) * self.plane..][..self.plane];
                    // The runs between padding positions: q reads q + offset.
                    let mut from = lo;
                    for end in shift.padding.iter().copied().chain([shift.hi]) {
                        let d = &mut plane[start + (from - lo)..start + (end - lo)];
                        d.iter_mut()
                            .zip(&col[from..end])
                            .for_each(|(d, v)| *d += *v);
                        from = end + 1;
                    }
                }
            }
            return;
        }
        for (row, src) in cols.chunks_exact(width.max(1)).enumerate() {
            let (c, sources) = (row / self.taps(), &self.sources[row % self.taps()]);
            for (s, col) in src.chunks_exact(self.positions).enumerate() {
                let plane = &mut dx[(s * channels + c) * self.plane..][..self.plane];
                for (v, &i) in col.iter().zip(sources) {
                    if let Some(d) = plane.get_mut(i) {
                        *d += *v;
                    }
                }
            }
        }
    }
}

/// The input position (row-major within a plane) that kernel tap `tap` reads for output
/// position `p` (both flat, row-major), or [`PADDING`].
fn source(tap: usize, p: usize, input: &[usize], output: &[usize], k: Kernel) -> usize {
    let (mut tap, mut p, mut index, mut scale) = (tap, p, 0, 1);
    // The digits of both, last axis first.
    for (&n, &m) in input.iter().zip(output).rev() {
        let (j, o) = (tap % k.size, p % m);
        (tap, p) = (tap / k.size, p / m);
        let i = (o * k.stride + j * k.dilation) as isize - k.padding as isize;
        if i < 0 || i >= n as isize {
            return PADDING;
        }
        index += i as usize * scale;
        scale *= n;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every multi-index below `extents`, row-major.
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
        let cases: [(&[usize], Kernel); 7] = [
            // 'Same' convolutions (read as shifted copies), one with taps wholly in padding.
            (
                &[9],
                Kernel {
                    size: 3,
                    stride: 1,
                    padding: 2,
                    dilation: 2,
                },
            ),
            (
                &[2],
                Kernel {
                    size: 3,
                    stride: 1,
                    padding: 3,
                    dilation: 3,
                },
            ),
            (
                &[3, 4, 5],
                Kernel {
                    size: 3,
                    stride: 1,
                    padding: 1,
                    dilation: 1,
                },
            ),
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
            assert_eq!(
                u.shifts.is_some(),
                k.stride == 1 && output == input,
                "{input:?} {k:?}"
            );
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
