//! Max pooling with a window and stride of `k` on every spatial axis (PyTorch's
//! `F.max_pool2d(x, kernel_size=k, stride=k)`, and its 1-D and 3-D forms): `(B, C, H, W) ->
//! (B, C, H / k, W / k)` with the extents rounded down and no padding. Within a window the
//! first maximum in scan order (row-major) wins a tie, and a NaN wins over any number, the
//! last NaN of the window over an earlier one (PyTorch's CPU kernel: a value replaces the
//! running maximum when it is larger or NaN). Backward routes each output gradient to the
//! input position that won its window.

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::{Layer, Weights, check_shape, scratch};
use rayon::prelude::*;

/// The U-Net's window and stride (AtomAI's `nn.MaxPool2d(2, 2)`).
pub const DEFAULT_POOL: usize = 2;

/// Max pooling over windows of `k^d` values with stride `k`; no parameters.
///
/// ```
/// use ferrolab::nn::layers::{Layer, MaxPool, Weights};
/// use ferrolab::nn::tensor::Tensor;
/// let pool = MaxPool::new("encoder.pool1", 2, 2);
/// // One 2 x 4 plane: two windows [[1, 5], [3, 2]] and [[0, 4], [4, 1]] (a tie).
/// let x = Tensor::from_vec(&[1, 1, 2, 4], vec![1.0f64, 5.0, 0.0, 4.0, 3.0, 2.0, 4.0, 1.0]).unwrap();
/// let w = Weights::params(&[]);
/// let (y, saved) = pool.forward(w, &x)?;
/// assert_eq!((y.shape.clone(), y.data.clone()), (vec![1, 1, 1, 2], vec![5.0, 4.0]));
/// let dy = Tensor::from_vec(&[1, 1, 1, 2], vec![10.0, 20.0]).unwrap();
/// let dx = pool.backward(w, &saved, &dy, &mut []);
/// // The tie goes to the first 4 in scan order.
/// assert_eq!(dx.data, vec![0.0, 10.0, 0.0, 20.0, 0.0, 0.0, 0.0, 0.0]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MaxPool {
    name: String,
    spatial_dims: usize,
    kernel: usize,
}

/// What backward needs: the input's shape and, per output value, the position within its
/// input plane that won the window.
#[derive(Clone, Debug)]
pub struct MaxPoolSaved {
    shape: Vec<usize>,
    plane_out: usize,
    argmax: Vec<u32>,
}

/// Per output position of a plane, the flat input position of its window's first value, and
/// the offsets of the window's values from it in scan order.
struct Windows {
    starts: Vec<usize>,
    offsets: Vec<usize>,
}

impl MaxPool {
    /// Pooling of `spatial_dims` axes with window and stride `kernel`. A kernel or
    /// `spatial_dims` of 0 is reported by `forward`, naming the layer.
    pub fn new(name: &str, spatial_dims: usize, kernel: usize) -> Self {
        Self {
            name: name.to_owned(),
            spatial_dims,
            kernel,
        }
    }

    /// The U-Net's pooling: 2-D, window and stride [`DEFAULT_POOL`].
    pub fn halving(name: &str) -> Self {
        Self::new(name, 2, DEFAULT_POOL)
    }

    /// The output shape for input `x`, or the error naming the layer.
    fn output_shape<T>(&self, x: &Tensor<T>) -> Result<Vec<usize>, NnError> {
        if self.kernel == 0 || self.spatial_dims == 0 {
            return Err(NnError::Invalid(format!(
                "{}: kernel {} and spatial_dims {} must be at least 1",
                self.name, self.kernel, self.spatial_dims
            )));
        }
        check_shape(
            &self.name,
            x,
            2 + self.spatial_dims,
            &vec![None; 1 + self.spatial_dims],
        )?;
        if x.shape[2..].iter().any(|n| *n < self.kernel) {
            return Err(NnError::Invalid(format!(
                "{}: input of shape {:?} is smaller than the {}-wide pooling window",
                self.name, x.shape, self.kernel
            )));
        }
        let plane: usize = x.shape[2..].iter().product();
        if u32::try_from(plane).is_err() {
            return Err(NnError::Invalid(format!(
                "{}: input of shape {:?} has planes of more than 2^32 values",
                self.name, x.shape
            )));
        }
        let mut shape = x.shape.clone();
        shape[2..].iter_mut().for_each(|n| *n /= self.kernel);
        Ok(shape)
    }

    /// The windows of a plane of extents `input` pooled to `output`.
    fn windows(&self, input: &[usize], output: &[usize]) -> Windows {
        let k = self.kernel;
        // Row-major strides of the input plane.
        let mut strides = vec![1; input.len()];
        for a in (0..input.len().saturating_sub(1)).rev() {
            strides[a] = strides[a + 1] * input[a + 1];
        }
        let count: usize = output.iter().product();
        let starts = (0..count)
            .map(|mut flat| {
                let mut start = 0;
                for a in (0..output.len()).rev() {
                    start += (flat % output[a]) * k * strides[a];
                    flat /= output[a];
                }
                start
            })
            .collect();
        let taps = k.pow(input.len() as u32);
        let offsets = (0..taps)
            .map(|mut flat| {
                let mut offset = 0;
                for stride in strides.iter().rev() {
                    offset += (flat % k) * stride;
                    flat /= k;
                }
                offset
            })
            .collect();
        Windows { starts, offsets }
    }

    /// Pools every plane of `x` into the output, and the winners into `argmax` when given.
    fn run<T: Real>(
        &self,
        x: &Tensor<T>,
        argmax: Option<&mut Vec<u32>>,
    ) -> Result<Tensor<T>, NnError> {
        let shape = self.output_shape(x)?;
        let windows = self.windows(&x.shape[2..], &shape[2..]);
        let (plane_in, plane_out) = (x.shape[2..].iter().product(), windows.starts.len());
        let len = shape.iter().product();
        // Every value is written below.
        let mut y = Tensor {
            shape,
            data: scratch::take(len),
        };
        let pool_plane = |out: &mut [T], plane: &[T], winners: Option<&mut [u32]>| {
            let (first, rest) = windows.offsets.split_first().expect("k^d >= 1 taps");
            let mut pick = |o: usize, start: usize| {
                let mut at = start + first;
                let mut best = plane[at];
                for off in rest {
                    let v = plane[start + off];
                    // Strictly larger, or NaN: ties keep the first, the last NaN wins. Selects
                    // rather than a branch, which random data would mispredict.
                    let take = v > best || v.is_nan();
                    best = if take { v } else { best };
                    at = if take { start + off } else { at };
                }
                out[o] = best;
                at
            };
            match winners {
                Some(w) => windows
                    .starts
                    .iter()
                    .enumerate()
                    .for_each(|(o, &s)| w[o] = pick(o, s) as u32),
                None => windows.starts.iter().enumerate().for_each(|(o, &s)| {
                    pick(o, s);
                }),
            }
        };
        let planes = y
            .data
            .par_chunks_mut(plane_out)
            .zip(x.data.par_chunks(plane_in));
        match argmax {
            Some(argmax) => {
                // Zeroed pages from the allocator, touched first by the parallel writes below.
                *argmax = vec![0u32; len];
                planes
                    .zip(argmax.par_chunks_mut(plane_out))
                    .for_each(|((out, plane), w)| pool_plane(out, plane, Some(w)));
            }
            None => planes.for_each(|(out, plane)| pool_plane(out, plane, None)),
        }
        Ok(y)
    }
}

impl<T: Real> Layer<T> for MaxPool {
    type Saved = MaxPoolSaved;

    fn forward(&self, _: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let mut argmax = Vec::new();
        let y = self.run(x, Some(&mut argmax))?;
        let saved = MaxPoolSaved {
            shape: x.shape.clone(),
            plane_out: y.shape[2..].iter().product(),
            argmax,
        };
        Ok((y, saved))
    }

    fn backward(
        &self,
        _: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        _: &mut [T],
    ) -> Tensor<T> {
        let mut dx = Tensor {
            shape: saved.shape.clone(),
            data: scratch::zeros(saved.shape.iter().product()),
        };
        let plane_in = saved.shape[2..].iter().product();
        dx.data
            .par_chunks_mut(plane_in)
            .zip(dy.data.par_chunks(saved.plane_out))
            .zip(saved.argmax.par_chunks(saved.plane_out))
            .for_each(|((plane, grad), winners)| {
                grad.iter()
                    .zip(winners)
                    .for_each(|(g, &at)| plane[at as usize] += *g);
            });
        dx
    }

    fn infer(&self, _: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        self.run(x, None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layout::ParamLayout;
    use super::super::gradcheck::check_layer;
    use super::*;
    use crate::rng::Xoshiro256;

    #[test]
    fn gradients_match_finite_differences_in_one_two_and_three_dimensions() {
        // Random normal inputs have no ties, so the maximum is differentiable at them; odd
        // extents leave a remainder that pooling drops (gradient 0 there).
        let layout = ParamLayout::default();
        check_layer(&MaxPool::new("pool", 1, 2), &layout, &[2, 3, 7], |_, _| {});
        check_layer(
            &MaxPool::new("pool", 2, 2),
            &layout,
            &[2, 3, 5, 6],
            |_, _| {},
        );
        check_layer(
            &MaxPool::new("pool", 2, 3),
            &layout,
            &[2, 2, 7, 6],
            |_, _| {},
        );
        check_layer(
            &MaxPool::new("pool", 3, 2),
            &layout,
            &[1, 2, 4, 5, 4],
            |_, _| {},
        );
    }

    #[test]
    fn a_4x4_plane_with_ties_pools_to_the_first_maximum() {
        let pool = MaxPool::halving("pool");
        #[rustfmt::skip]
        let x = Tensor::from_vec(&[1, 1, 4, 4], vec![
            1.0f64, 3.0, 2.0, 2.0,
            3.0, 0.0, 2.0, 2.0,
            -1.0, -4.0, 7.0, 5.0,
            -2.0, -1.0, 6.0, 7.0,
        ])
        .unwrap();
        let w = Weights::params(&[]);
        let (y, saved) = pool.forward(w, &x).unwrap();
        assert_eq!(y.shape, vec![1, 1, 2, 2]);
        assert_eq!(y.data, vec![3.0, 2.0, -1.0, 7.0]);
        assert_eq!(pool.infer(w, &x).unwrap().data, y.data);
        let dy = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let dx = pool.backward(w, &saved, &dy, &mut []);
        // Ties: the 3 at (0, 1) before the one at (1, 0); the first 2 of four; the first -1
        // (at (2, 0)) before (3, 1); the 7 at (2, 2) before (3, 3).
        #[rustfmt::skip]
        let want = vec![
            0.0, 1.0, 2.0, 0.0,
            0.0, 0.0, 0.0, 0.0,
            3.0, 0.0, 4.0, 0.0,
            0.0, 0.0, 0.0, 0.0,
        ];
        assert_eq!(dx.data, want);
    }

    #[test]
    fn odd_extents_drop_the_remainder_and_nan_propagates_as_in_pytorch() {
        let pool = MaxPool::halving("pool");
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        // Four 2 x 3 planes (the last column is dropped): NaN after a number, two NaNs (the
        // last wins), a NaN before a larger number, all -inf (the first wins).
        #[rustfmt::skip]
        let x = Tensor::from_vec(&[1, 4, 2, 3], vec![
            1.0, nan, 9.0, 2.0, 0.0, 9.0,
            nan, 1.0, 9.0, nan, 0.0, 9.0,
            nan, 5.0, 9.0, 6.0, 7.0, 9.0,
            -inf, -inf, 9.0, -inf, -inf, 9.0,
        ])
        .unwrap();
        let w = Weights::params(&[]);
        let (y, saved) = pool.forward(w, &x).unwrap();
        assert_eq!(y.shape, vec![1, 4, 1, 1]);
        assert!(y.data[..3].iter().all(|v| v.is_nan()));
        assert_eq!(y.data[3], -inf);
        let dx = pool.backward(
            w,
            &saved,
            &Tensor::from_vec(&[1, 4, 1, 1], vec![1.0; 4]).unwrap(),
            &mut [],
        );
        let hit: Vec<usize> = dx
            .data
            .chunks(6)
            .map(|p| p.iter().position(|g| *g == 1.0).unwrap())
            .collect();
        // Positions within each 2 x 3 plane: (0, 1), (1, 0), (0, 0), (0, 0).
        assert_eq!(hit, vec![1, 3, 0, 0]);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let pool = MaxPool::halving("pool");
        let mut rng = Xoshiro256::seed_from_u64(3);
        let x = Tensor::from_vec(
            &[40, 3, 9, 8],
            (0..40 * 3 * 72).map(|_| rng.normal() as f32).collect(),
        )
        .unwrap();
        let run = |threads: usize| {
            let threads = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            threads.install(|| {
                let w = Weights::params(&[]);
                let (y, saved) = pool.forward(w, &x).unwrap();
                let dx = pool.backward(w, &saved, &y, &mut []);
                (y.data, dx.data)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn a_small_or_wrong_input_or_a_zero_kernel_names_the_layer() {
        let w = Weights::params(&[]);
        for (layer, shape) in [
            (MaxPool::halving("encoder.pool2"), vec![2, 3, 4]),
            (MaxPool::halving("encoder.pool2"), vec![2, 3, 1, 4]),
            (MaxPool::new("encoder.pool2", 2, 3), vec![2, 3, 4, 2]),
            (MaxPool::new("encoder.pool2", 2, 0), vec![2, 3, 4, 4]),
            (MaxPool::new("encoder.pool2", 0, 2), vec![2, 3]),
        ] {
            let err = layer.forward(w, &Tensor::<f64>::zeros(&shape)).unwrap_err();
            assert!(
                err.to_string().contains("encoder.pool2"),
                "{shape:?}: {err}"
            );
        }
    }

    /// Forward + backward timings of the U-Net's pooling and bilinear upsampling on
    /// `(16, 64, 128, 128)` f32 on the library's pool (ignored: 270 MB of buffers):
    /// `cargo test --release --lib nn::layers::max_pool::tests::timings -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timings_of_pooling_and_bilinear_upsampling() {
        use super::super::upsample::Upsample;
        use std::time::Instant;
        let shape = [16, 64, 128, 128];
        let mut rng = Xoshiro256::seed_from_u64(1);
        let x = Tensor::from_vec(
            &shape,
            (0..shape.iter().product())
                .map(|_| rng.normal() as f32)
                .collect(),
        )
        .unwrap();
        let w = Weights::params(&[]);
        let time = |what: &str, run: &(dyn Fn() -> (f64, f64) + Sync)| {
            let mut best = (f64::INFINITY, f64::INFINITY);
            for _ in 0..5 {
                let (f, b) = crate::parallel::install(run).unwrap();
                best = (best.0.min(f), best.1.min(b));
            }
            eprintln!(
                "{what} on {shape:?} f32, {} threads: forward {:.1} ms, backward {:.1} ms \
                 (best of 5)",
                crate::parallel::num_threads(),
                best.0 * 1e3,
                best.1 * 1e3
            );
        };
        let pool = MaxPool::halving("pool");
        time("max pool k 2", &|| {
            let start = Instant::now();
            let (y, saved) = pool.forward(w, &x).unwrap();
            let forward = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let dx = pool.backward(w, &saved, &y, &mut []);
            let backward = start.elapsed().as_secs_f64();
            scratch::give(y.data);
            scratch::give(dx.data);
            (forward, backward)
        });
        let up = Upsample::bilinear("up", 2);
        time("bilinear by 2", &|| {
            let start = Instant::now();
            let (y, saved) = up.forward(w, &x).unwrap();
            let forward = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let dx = up.backward(w, &saved, &y, &mut []);
            let backward = start.elapsed().as_secs_f64();
            scratch::give(y.data);
            scratch::give(dx.data);
            (forward, backward)
        });
    }
}
