//! Upsampling by an integer factor along every spatial axis: `(B, C, L) -> (B, C, f L)`,
//! `(B, C, H, W) -> (B, C, f H, f W)`, in two modes.
//!
//! - **Nearest** (PyTorch's `nn.Upsample(scale_factor=f, mode="nearest")`): each value copied
//!   into an `f^d` block; backward sums each block of the output gradient.
//! - **Linear** (PyTorch's `F.interpolate(x, scale_factor=f, mode="bilinear",
//!   align_corners=False)` on `(B, C, H, W)`; `"linear"` in 1-D, `"trilinear"` in 3-D): along each
//!   axis, output position `j` reads the source coordinate `s = (j + 0.5) / f - 0.5`, clamped
//!   below at 0, from its neighbours `i0 = floor(s)` and `i1 = min(i0 + 1, n - 1)` with weights
//!   `1 - lambda` and `lambda = s - i0`. The axes are interpolated one after the other (last
//!   first, the order of PyTorch's arithmetic), from per-axis tables of neighbours and weights
//!   built once per input shape and shared by every plane; backward is the transpose, the
//!   same passes in reverse order scattering `dy` back with the same weights.
//!
//! Every (sample, channel) plane is computed on its own, in parallel, so results do not depend
//! on the number of threads.

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::{Layer, Weights, check_shape, scratch};
use rayon::prelude::*;

/// How [`Upsample`] fills the new positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsampleMode {
    /// Copies of the nearest input value (`mode="nearest"`).
    Nearest,
    /// Linear interpolation along each axis with half-pixel centres (`mode="linear"`,
    /// `"bilinear"`, `"trilinear"`, `align_corners=False`).
    Linear,
}

/// Upsampling by an integer factor; no parameters.
///
/// ```
/// use ferrolab::nn::layers::{Layer, Upsample, Weights};
/// use ferrolab::nn::tensor::Tensor;
/// let up = Upsample::bilinear("decoder.up1", 2);
/// let x = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
/// let w = Weights::params(&[]);
/// let (y, saved) = up.forward(w, &x)?;
/// // The first output row: source row 0, columns at -0.25 (clamped to 0), 0.25, 0.75, 1.25.
/// assert_eq!(y.shape, vec![1, 1, 4, 4]);
/// assert_eq!(&y.data[..4], &[1.0, 1.25, 1.75, 2.0]);
/// // The transpose spreads a gradient of ones back: every input gets f^2 = 4 in total.
/// let dx = up.backward(w, &saved, &Tensor::from_vec(&[1, 1, 4, 4], vec![1.0; 16]).unwrap(), &mut []);
/// assert_eq!(dx.data, vec![4.0; 4]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Upsample {
    name: String,
    spatial_dims: usize,
    factor: usize,
    mode: UpsampleMode,
}

/// What backward needs: the input's shape and, in nearest mode, per output position of a
/// channel plane the input position it copies (linear mode rebuilds its small tables).
#[derive(Clone, Debug)]
pub struct UpsampleSaved {
    shape: Vec<usize>,
    source: Vec<usize>,
}

/// One axis of linear interpolation: per output position, the two input neighbours and their
/// weights.
struct AxisTable<T> {
    low: Vec<usize>,
    high: Vec<usize>,
    w_low: Vec<T>,
    w_high: Vec<T>,
}

impl<T: Real> AxisTable<T> {
    /// The table of an axis of `n` input positions upsampled by `factor` (PyTorch's
    /// `align_corners=False` source index: `(j + 0.5) / factor - 0.5`, clamped below at 0).
    fn new(n: usize, factor: usize) -> Self {
        let count = n * factor;
        let mut table = Self {
            low: Vec::with_capacity(count),
            high: Vec::with_capacity(count),
            w_low: Vec::with_capacity(count),
            w_high: Vec::with_capacity(count),
        };
        let scale = 1.0 / factor as f64;
        for j in 0..count {
            let source = (scale * (j as f64 + 0.5) - 0.5).max(0.0);
            // source < n - 1/2, so floor(source) <= n - 1.
            let low = (source.floor() as usize).min(n - 1);
            let lambda = source - low as f64;
            table.low.push(low);
            table.high.push((low + 1).min(n - 1));
            table.w_low.push(T::of(1.0 - lambda));
            table.w_high.push(T::of(lambda));
        }
        table
    }

    fn outputs(&self) -> usize {
        self.low.len()
    }

    /// `dst` `(outer, n_out, inner)` interpolated from `src` `(outer, n_in, inner)` along the
    /// middle axis.
    fn apply(&self, src: &[T], dst: &mut [T], n_in: usize, inner: usize) {
        let n_out = self.outputs();
        for (s, d) in src
            .chunks_exact(n_in * inner)
            .zip(dst.chunks_exact_mut(n_out * inner))
        {
            if inner == 1 {
                for (j, out) in d.iter_mut().enumerate() {
                    *out = self.w_low[j] * s[self.low[j]] + self.w_high[j] * s[self.high[j]];
                }
            } else {
                for (j, out) in d.chunks_exact_mut(inner).enumerate() {
                    let (wl, wh) = (self.w_low[j], self.w_high[j]);
                    let a = &s[self.low[j] * inner..][..inner];
                    let b = &s[self.high[j] * inner..][..inner];
                    out.iter_mut()
                        .zip(a.iter().zip(b))
                        .for_each(|(o, (a, b))| *o = wl * *a + wh * *b);
                }
            }
        }
    }

    /// The transpose of [`Self::apply`]: `dsrc` `(outer, n_in, inner)` from `ddst`
    /// `(outer, n_out, inner)`, every output gradient added to its two neighbours.
    fn transpose(&self, ddst: &[T], dsrc: &mut [T], n_in: usize, inner: usize) {
        dsrc.fill(T::zero());
        let n_out = self.outputs();
        for (g, d) in ddst
            .chunks_exact(n_out * inner)
            .zip(dsrc.chunks_exact_mut(n_in * inner))
        {
            if inner == 1 {
                for (j, g) in g.iter().enumerate() {
                    d[self.low[j]] += self.w_low[j] * *g;
                    d[self.high[j]] += self.w_high[j] * *g;
                }
            } else {
                for (j, g) in g.chunks_exact(inner).enumerate() {
                    let (wl, wh) = (self.w_low[j], self.w_high[j]);
                    d[self.low[j] * inner..][..inner]
                        .iter_mut()
                        .zip(g)
                        .for_each(|(d, g)| *d += wl * *g);
                    d[self.high[j] * inner..][..inner]
                        .iter_mut()
                        .zip(g)
                        .for_each(|(d, g)| *d += wh * *g);
                }
            }
        }
    }
}

/// The first `len` values of `buffer`, grown as needed (contents left over: every pass writes
/// all of its destination).
fn prefix<T: Real>(buffer: &mut Vec<T>, len: usize) -> &mut [T] {
    if buffer.len() < len {
        buffer.resize(len, T::zero());
    }
    &mut buffer[..len]
}

/// Runs the axis passes of one plane from `src` into `dst`: `steps` lists, in order, each
/// pass's axis table and its `(n_in, inner, out_len)`; two scratch buffers hold the
/// intermediate planes. `transpose` picks the backward passes.
fn run_passes<T: Real>(
    src: &[T],
    dst: &mut [T],
    steps: &[(&AxisTable<T>, usize, usize, usize)],
    buffers: &mut (Vec<T>, Vec<T>),
    transpose: bool,
) {
    let (current, next) = buffers;
    let last = steps.len() - 1;
    for (k, &(table, n_in, inner, out_len)) in steps.iter().enumerate() {
        let input: &[T] = if k == 0 { src } else { &current[..] };
        let output: &mut [T] = if k == last {
            &mut *dst
        } else {
            prefix(next, out_len)
        };
        if transpose {
            table.transpose(input, output, n_in, inner);
        } else {
            table.apply(input, output, n_in, inner);
        }
        if k != last {
            std::mem::swap(current, next);
            current.truncate(out_len);
        }
    }
}

impl Upsample {
    /// Nearest-neighbour upsampling of `spatial_dims` axes by `factor`. A factor or
    /// `spatial_dims` of 0 is reported by `forward`, naming the layer.
    pub fn new(name: &str, spatial_dims: usize, factor: usize) -> Self {
        Self::with_mode(name, spatial_dims, factor, UpsampleMode::Nearest)
    }

    /// Linear interpolation of `spatial_dims` axes by `factor` (`align_corners=False`).
    pub fn linear(name: &str, spatial_dims: usize, factor: usize) -> Self {
        Self::with_mode(name, spatial_dims, factor, UpsampleMode::Linear)
    }

    /// Bilinear upsampling of `(B, C, H, W)` by `factor` (the U-Net's `F.interpolate(x,
    /// scale_factor=2, mode="bilinear", align_corners=False)` for `factor` 2).
    pub fn bilinear(name: &str, factor: usize) -> Self {
        Self::linear(name, 2, factor)
    }

    /// Upsampling of `spatial_dims` axes by `factor` in `mode`.
    pub fn with_mode(name: &str, spatial_dims: usize, factor: usize, mode: UpsampleMode) -> Self {
        Self {
            name: name.to_owned(),
            spatial_dims,
            factor,
            mode,
        }
    }

    /// The mode.
    pub fn mode(&self) -> UpsampleMode {
        self.mode
    }

    /// The output shape for input `x`, or the error naming the layer.
    fn output_shape<T>(&self, x: &Tensor<T>) -> Result<Vec<usize>, NnError> {
        if self.factor == 0 || self.spatial_dims == 0 {
            return Err(NnError::Invalid(format!(
                "{}: factor {} and spatial_dims {} must be at least 1",
                self.name, self.factor, self.spatial_dims
            )));
        }
        // Any channel count and extents: "(B, *, *, ...)" in the message.
        check_shape(
            &self.name,
            x,
            2 + self.spatial_dims,
            &vec![None; 1 + self.spatial_dims],
        )?;
        if x.shape[2..].contains(&0) {
            return Err(NnError::Invalid(format!(
                "{}: input of shape {:?} has an empty spatial axis",
                self.name, x.shape
            )));
        }
        let mut shape = x.shape.clone();
        shape[2..].iter_mut().for_each(|n| *n *= self.factor);
        Ok(shape)
    }

    /// Per output position of a plane of extents `output`, the input position it copies.
    fn sources(&self, input: &[usize], output: &[usize]) -> Vec<usize> {
        let count: usize = output.iter().product();
        (0..count)
            .map(|mut flat| {
                // Row-major digits of the output position, last axis first.
                let (mut source, mut scale) = (0, 1);
                for (n_in, n_out) in input.iter().zip(output).rev() {
                    source += (flat % n_out) / self.factor * scale;
                    flat /= n_out;
                    scale *= n_in;
                }
                source
            })
            .collect()
    }

    /// The output for input `x` and what backward needs.
    fn run<T: Real>(&self, x: &Tensor<T>) -> Result<(Tensor<T>, UpsampleSaved), NnError> {
        let shape = self.output_shape(x)?;
        let (plane_in, plane_out) = (
            x.shape[2..].iter().product(),
            shape[2..].iter().product::<usize>(),
        );
        // Every value is written below.
        let len = shape.iter().product();
        let mut y = Tensor {
            shape,
            data: scratch::take(len),
        };
        let mut source = Vec::new();
        let planes = y
            .data
            .par_chunks_mut(plane_out)
            .zip(x.data.par_chunks(plane_in));
        // Each (sample, channel) plane on its own: the values do not depend on the threads.
        match self.mode {
            UpsampleMode::Nearest => {
                source = self.sources(&x.shape[2..], &y.shape[2..]);
                planes.for_each(|(out, plane)| {
                    out.iter_mut()
                        .zip(&source)
                        .for_each(|(o, &s)| *o = plane[s]);
                });
            }
            UpsampleMode::Linear => {
                let tables = self.tables(&x.shape[2..]);
                let steps = forward_steps(&x.shape[2..], &tables, self.factor);
                planes.for_each_init(
                    || (Vec::new(), Vec::new()),
                    |buffers, (out, plane)| run_passes(plane, out, &steps, buffers, false),
                );
            }
        }
        let saved = UpsampleSaved {
            shape: x.shape.clone(),
            source,
        };
        Ok((y, saved))
    }

    /// The linear mode's tables, one per spatial axis of extents `input`.
    fn tables<T: Real>(&self, input: &[usize]) -> Vec<AxisTable<T>> {
        input
            .iter()
            .map(|n| AxisTable::new(*n, self.factor))
            .collect()
    }
}

/// The forward passes of a plane of extents `input`: the last axis first, each as (table,
/// input extent, values after the axis, values of the plane after the pass).
fn forward_steps<'a, T: Real>(
    input: &[usize],
    tables: &'a [AxisTable<T>],
    factor: usize,
) -> Vec<(&'a AxisTable<T>, usize, usize, usize)> {
    let mut extents = input.to_vec();
    (0..input.len())
        .rev()
        .map(|a| {
            let inner = extents[a + 1..].iter().product();
            let n_in = extents[a];
            extents[a] *= factor;
            (&tables[a], n_in, inner, extents.iter().product())
        })
        .collect()
}

/// The backward passes (transposes) of a plane upsampled from extents `input`: the first axis
/// first, each as (table, input extent, values after the axis, values of the plane after the
/// pass).
fn backward_steps<'a, T: Real>(
    input: &[usize],
    tables: &'a [AxisTable<T>],
    factor: usize,
) -> Vec<(&'a AxisTable<T>, usize, usize, usize)> {
    let mut extents: Vec<usize> = input.iter().map(|n| n * factor).collect();
    (0..input.len())
        .map(|a| {
            let inner = extents[a + 1..].iter().product();
            extents[a] = input[a];
            (&tables[a], input[a], inner, extents.iter().product())
        })
        .collect()
}

impl<T: Real> Layer<T> for Upsample {
    type Saved = UpsampleSaved;

    fn forward(&self, _: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        self.run(x)
    }

    fn backward(
        &self,
        _: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        _: &mut [T],
    ) -> Tensor<T> {
        let plane_in = saved.shape[2..].iter().product();
        let plane_out = plane_in * self.factor.pow(self.spatial_dims as u32);
        let len = saved.shape.iter().product();
        let mut dx = Tensor {
            shape: saved.shape.clone(),
            data: match self.mode {
                UpsampleMode::Nearest => scratch::zeros(len),
                // The last pass writes every value.
                UpsampleMode::Linear => scratch::take(len),
            },
        };
        let planes = dx
            .data
            .par_chunks_mut(plane_in)
            .zip(dy.data.par_chunks(plane_out));
        match self.mode {
            UpsampleMode::Nearest => planes.for_each(|(plane, grad)| {
                grad.iter()
                    .zip(&saved.source)
                    .for_each(|(g, &s)| plane[s] += *g);
            }),
            UpsampleMode::Linear => {
                let tables = self.tables(&saved.shape[2..]);
                let steps = backward_steps(&saved.shape[2..], &tables, self.factor);
                planes.for_each_init(
                    || (Vec::new(), Vec::new()),
                    |buffers, (plane, grad)| run_passes(grad, plane, &steps, buffers, true),
                );
            }
        }
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layout::ParamLayout;
    use super::super::gradcheck::check_layer;
    use super::*;

    #[test]
    fn gradients_match_finite_differences_in_one_and_two_dimensions() {
        let layout = ParamLayout::default();
        check_layer(&Upsample::new("up", 1, 2), &layout, &[2, 3, 4], |_, _| {});
        check_layer(
            &Upsample::new("up", 2, 3),
            &layout,
            &[2, 2, 3, 4],
            |_, _| {},
        );
        check_layer(
            &Upsample::new("up", 3, 2),
            &layout,
            &[1, 2, 2, 3, 2],
            |_, _| {},
        );
    }

    #[test]
    fn copies_each_value_into_its_block_and_sums_the_block_back() {
        let up = Upsample::new("up", 2, 2);
        let x = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
        let (y, saved) = up.forward(Weights::params(&[]), &x).unwrap();
        let want = [
            1.0, 1.0, 2.0, 2.0, //
            1.0, 1.0, 2.0, 2.0, //
            3.0, 3.0, 4.0, 4.0, //
            3.0, 3.0, 4.0, 4.0,
        ];
        assert_eq!(
            (y.shape.clone(), y.data.as_slice()),
            (vec![1, 1, 4, 4], &want[..])
        );
        let dy = Tensor::from_vec(&[1, 1, 4, 4], (0..16).map(f64::from).collect()).unwrap();
        let dx = up.backward(Weights::params(&[]), &saved, &dy, &mut []);
        // Block sums: 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15.
        assert_eq!(dx.data, vec![10.0, 18.0, 42.0, 50.0]);
    }

    #[test]
    fn linear_gradients_match_finite_differences_in_one_two_and_three_dimensions() {
        let layout = ParamLayout::default();
        check_layer(
            &Upsample::linear("up", 1, 2),
            &layout,
            &[2, 3, 5],
            |_, _| {},
        );
        check_layer(
            &Upsample::bilinear("up", 2),
            &layout,
            &[2, 2, 3, 5],
            |_, _| {},
        );
        check_layer(
            &Upsample::bilinear("up", 3),
            &layout,
            &[1, 2, 4, 3],
            |_, _| {},
        );
        check_layer(
            &Upsample::bilinear("up", 2),
            &layout,
            &[1, 1, 1, 1],
            |_, _| {},
        );
        check_layer(
            &Upsample::linear("up", 3, 2),
            &layout,
            &[1, 2, 2, 3, 2],
            |_, _| {},
        );
    }

    #[test]
    fn bilinear_on_a_2x2_plane_equals_the_hand_computed_values() {
        // Source coordinates along each axis: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (its
        // upper neighbour clamped to 1), so the weights of (x0, x1) per output position are
        // (1, 0), (3/4, 1/4), (1/4, 3/4), (3/4 on x1, 1/4 on x1).
        let up = Upsample::bilinear("up", 2);
        let x = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
        let (y, saved) = up.forward(Weights::params(&[]), &x).unwrap();
        #[rustfmt::skip]
        let want = [
            1.0, 1.25, 1.75, 2.0,
            1.5, 1.75, 2.25, 2.5,
            2.5, 2.75, 3.25, 3.5,
            3.0, 3.25, 3.75, 4.0,
        ];
        assert_eq!(y.data, want);
        // The transpose of a gradient at one output position: (1, 1) reads
        // (3/4, 1/4) x (3/4, 1/4) of the four inputs.
        let mut dy = Tensor::zeros(&[1, 1, 4, 4]);
        dy.data[5] = 16.0;
        let dx = up.backward(Weights::params(&[]), &saved, &dy, &mut []);
        assert_eq!(dx.data, vec![9.0, 3.0, 3.0, 1.0]);
        // Factor 3 on a row of 2: coordinates -1/3 (clamped), 0, 1/3, 2/3, 1, 4/3 (clamped
        // neighbour), so 1, 1, 4/3, 5/3, 2, 2.
        let up3 = Upsample::linear("up", 1, 3);
        let x = Tensor::from_vec(&[1, 1, 2], vec![1.0f64, 2.0]).unwrap();
        let y = up3.infer(Weights::params(&[]), &x).unwrap();
        let want = [1.0, 1.0, 4.0 / 3.0, 5.0 / 3.0, 2.0, 2.0];
        assert!(
            y.data.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-15),
            "{:?}",
            y.data
        );
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let mut rng = crate::rng::Xoshiro256::seed_from_u64(4);
        let x = Tensor::from_vec(
            &[30, 3, 5, 7],
            (0..30 * 3 * 35).map(|_| rng.normal() as f32).collect(),
        )
        .unwrap();
        for up in [Upsample::bilinear("up", 2), Upsample::new("up", 2, 2)] {
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| {
                    let w = Weights::params(&[]);
                    let (y, saved) = up.forward(w, &x).unwrap();
                    let dx = up.backward(w, &saved, &y, &mut []);
                    (y.data, dx.data)
                })
            };
            assert_eq!(run(1), run(3), "{:?}", up.mode());
        }
    }

    #[test]
    fn a_wrong_input_or_a_zero_factor_names_the_layer() {
        let w = Weights::params(&[]);
        let x = Tensor::<f64>::zeros(&[2, 3, 4]);
        for (layer, input) in [
            (Upsample::new("decoder.up1", 2, 2), &x),
            (Upsample::new("decoder.up1", 1, 0), &x),
            (Upsample::new("decoder.up1", 0, 2), &x),
            (
                Upsample::new("decoder.up1", 1, 2),
                &Tensor::zeros(&[2, 3, 0]),
            ),
            (Upsample::bilinear("decoder.up1", 2), &x),
            (
                Upsample::bilinear("decoder.up1", 0),
                &Tensor::zeros(&[2, 3, 4, 4]),
            ),
            (
                Upsample::bilinear("decoder.up1", 2),
                &Tensor::zeros(&[2, 3, 0, 4]),
            ),
        ] {
            let err = layer.forward(w, input).unwrap_err();
            assert!(err.to_string().contains("decoder.up1"), "{err}");
        }
    }
}
