//! Convolution over any number of spatial axes (1-D `(B, C, L)`, 2-D `(B, C, H, W)`, 3-D with
//! the same code): zero padding, stride and dilation, PyTorch's semantics and weight layout
//! `[out, in, k, ...]`.
//!
//! Each batch shard is unfolded into one column matrix (`im2col.rs`) and multiplied by the
//! weight in one faer product, whose `(C_out, samples * positions)` result holds every sample's
//! output planes contiguously. Backward: the weight gradient is `dY cols^T` and the input
//! gradient `W^T dY` folded back (col2im), one product each per shard. The columns are rebuilt
//! in backward rather than kept, so a layer's saved state is its input.

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::gemm::{gemm, mat, mat_mut};
use super::im2col::{Kernel, Unfold};
use super::init::{InitScheme, glorot_uniform, uniform};
use super::linear::split_rows;
use super::scratch;
use super::shards::{TARGET_ROWS, map_reduce_grad, shards_of};
use super::{Activation, Layer, Weights, check_shape};
use crate::rng::Xoshiro256;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::{Mutex, PoisonError};

/// Geometry of a convolution (one value for every spatial axis, PyTorch semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvSpec {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Kernel extent along every spatial axis.
    pub kernel: usize,
    /// Step between output positions, in input positions.
    pub stride: usize,
    /// Zeros added at both ends of every spatial axis.
    pub padding: usize,
    /// Spacing of the kernel taps (1: adjacent).
    pub dilation: usize,
    /// Whether the layer has a bias per output channel.
    pub bias: bool,
}

/// A convolution layer (PyTorch's `nn.Conv1d`, `nn.Conv2d`, `nn.Conv3d` without groups).
///
/// ```
/// use ferrolab::nn::ParamLayout;
/// use ferrolab::nn::layers::init::InitScheme;
/// use ferrolab::nn::layers::{Conv, ConvSpec, Layer, Upsample, Weights};
/// use ferrolab::nn::tensor::Tensor;
/// let mut layout = ParamLayout::default();
/// let spec = ConvSpec {
///     in_channels: 1, out_channels: 4, kernel: 3, stride: 2, padding: 1, dilation: 1, bias: true,
/// };
/// let conv = Conv::new(&mut layout, "encoder.conv0", 2, spec)?;
/// let up = Upsample::new("decoder.up0", 2, 2);
/// let mut params = vec![0.0f32; layout.total()];
/// conv.init(&mut params, InitScheme::PyTorch, &mut ferrolab::rng::Xoshiro256::seed_from_u64(0));
/// let w = Weights::params(&params);
/// let x = Tensor::from_vec(&[2, 1, 8, 8], vec![0.5f32; 128]).unwrap();
/// let (h, saved_conv) = conv.forward(w, &x)?; // (2, 4, 4, 4)
/// let (y, saved_up) = up.forward(w, &h)?; // (2, 4, 8, 8)
/// let mut grad = vec![0.0f32; layout.total()];
/// let dh = up.backward(w, &saved_up, &y, &mut grad);
/// let dx = conv.backward(w, &saved_conv, &dh, &mut grad);
/// assert_eq!((h.shape, y.shape, dx.shape), (vec![2, 4, 4, 4], vec![2, 4, 8, 8], x.shape));
/// assert!(conv.forward(w, &Tensor::zeros(&[2, 3, 8, 8])).is_err()); // 3 channels, not 1
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Conv {
    name: String,
    spatial_dims: usize,
    spec: ConvSpec,
    weight: Range<usize>,
    bias: Option<Range<usize>>,
}

/// What backward needs: the input and its unfolding.
#[derive(Clone, Debug)]
pub struct ConvSaved<T> {
    x: Tensor<T>,
    unfold: Unfold,
}

impl<T: Real> ConvSaved<T> {
    /// Gives the saved input's buffer to this thread's scratch pool (for the next step).
    pub(crate) fn recycle(self) {
        scratch::give(self.x.data);
    }
}

impl Conv {
    /// [`Layer::forward`] followed by `act`, keeping `x` itself rather than a copy (one large
    /// copy less per step); the activation is applied to each shard's output while it is in
    /// cache.
    pub(crate) fn forward_owned<T: Real>(
        &self,
        w: Weights<T>,
        x: Tensor<T>,
        act: Activation,
    ) -> Result<(Tensor<T>, ConvSaved<T>), NnError> {
        let shape = self.output_shape(&x)?;
        let unfold = Unfold::new(&x.shape[2..], &shape[2..], self.kernel());
        let y = self.apply(w, &x, &unfold, &shape, act);
        Ok((y, ConvSaved { x, unfold }))
    }
}

impl Conv {
    /// Declares `NAME.weight` `[out, in, k, ...]` (`spatial_dims` kernel axes) and, if
    /// `spec.bias`, `NAME.bias` `[out]` in `layout`. Fails, naming the layer and leaving `layout`
    /// unchanged, when a channel count, the kernel, stride, dilation or `spatial_dims` is 0.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        spatial_dims: usize,
        spec: ConvSpec,
    ) -> Result<Self, NnError> {
        let zero = [
            ("spatial_dims", spatial_dims),
            ("in_channels", spec.in_channels),
            ("out_channels", spec.out_channels),
            ("kernel", spec.kernel),
            ("stride", spec.stride),
            ("dilation", spec.dilation),
        ]
        .into_iter()
        .find(|(_, v)| *v == 0);
        if let Some((what, _)) = zero {
            return Err(NnError::Invalid(format!(
                "{name}: {what} must be at least 1"
            )));
        }
        let mut shape = vec![spec.out_channels, spec.in_channels];
        shape.extend(std::iter::repeat_n(spec.kernel, spatial_dims));
        let weight = layout.push(&format!("{name}.weight"), &shape);
        let bias = spec
            .bias
            .then(|| layout.push(&format!("{name}.bias"), &[spec.out_channels]));
        Ok(Self {
            name: name.to_owned(),
            spatial_dims,
            spec,
            weight,
            bias,
        })
    }

    /// The geometry.
    pub fn spec(&self) -> ConvSpec {
        self.spec
    }

    /// Spatial axes (1: `(B, C, L)`, 2: `(B, C, H, W)`).
    pub fn spatial_dims(&self) -> usize {
        self.spatial_dims
    }

    /// Inputs each output value reads: `in * k^d`.
    fn fan_in(&self) -> usize {
        self.spec.in_channels * self.spec.kernel.pow(self.spatial_dims as u32)
    }

    /// Outputs each input value feeds (Glorot's): `out * k^d`.
    fn fan_out(&self) -> usize {
        self.spec.out_channels * self.spec.kernel.pow(self.spatial_dims as u32)
    }

    /// `InitScheme::PyTorch`: PyTorch's default (`kaiming_uniform(a = sqrt 5)`, so weight and
    /// bias uniform in `±1/sqrt(fan_in)`); `InitScheme::Keras`: Glorot-uniform weight, zero bias.
    pub fn init<T: Real>(&self, params: &mut [T], scheme: InitScheme, rng: &mut Xoshiro256) {
        let weight = &mut params[self.weight.clone()];
        match scheme {
            InitScheme::Keras => {
                glorot_uniform(weight, self.fan_in(), self.fan_out(), rng);
                if let Some(b) = &self.bias {
                    params[b.clone()].fill(T::zero());
                }
            }
            InitScheme::PyTorch => {
                let bound = 1.0 / (self.fan_in() as f64).sqrt();
                uniform(weight, bound, rng);
                if let Some(b) = &self.bias {
                    uniform(&mut params[b.clone()], bound, rng);
                }
            }
        }
    }

    /// The output extent of a spatial axis of extent `n`:
    /// `floor((n + 2p - d(k - 1) - 1) / s) + 1`, or `None` if that is below 1 (or `n` is 0).
    pub fn output_extent(&self, n: usize) -> Option<usize> {
        let s = self.spec;
        let reach = s.dilation * (s.kernel - 1) + 1;
        let padded = n + 2 * s.padding;
        (n > 0 && padded >= reach).then(|| (padded - reach) / s.stride + 1)
    }

    fn kernel(&self) -> Kernel {
        Kernel {
            size: self.spec.kernel,
            stride: self.spec.stride,
            padding: self.spec.padding,
            dilation: self.spec.dilation,
        }
    }

    /// The parameter span (weight, then bias if any: declared together).
    fn span(&self) -> Range<usize> {
        self.weight.start..self.bias.as_ref().map_or(self.weight.end, |b| b.end)
    }

    /// The output shape for input `x`, or the error naming the layer.
    fn output_shape<T>(&self, x: &Tensor<T>) -> Result<Vec<usize>, NnError> {
        let mut trailing = vec![Some(self.spec.in_channels)];
        trailing.extend(std::iter::repeat_n(None, self.spatial_dims));
        check_shape(&self.name, x, 2 + self.spatial_dims, &trailing)?;
        let mut out = vec![x.shape[0], self.spec.out_channels];
        for &n in &x.shape[2..] {
            out.push(self.output_extent(n).ok_or_else(|| {
                NnError::Invalid(format!(
                    "{}: input of shape {:?} is too small for kernel {} with dilation {} and \
                     padding {}",
                    self.name, x.shape, self.spec.kernel, self.spec.dilation, self.spec.padding
                ))
            })?);
        }
        Ok(out)
    }
}

/// Values of a shard's column matrix aimed at (512 KiB of `f32`): the unfolding and the
/// product that reads it then meet in the core's L2 cache rather than in memory (paper 003's
/// 64 -> 64 convolutions: 3 samples a shard on 8 x 8 patches, 10 on 64-point spectra, not 32;
/// about 15 % less CPU time).
const SHARD_COLUMNS: usize = 1 << 17;

/// The batch shards of `samples` samples for an unfolding of `rows` rows.
fn conv_shards(samples: usize, rows: usize, unfold: &Unfold) -> Vec<Range<usize>> {
    let per_sample = (rows * unfold.positions).max(1);
    shards_of(samples, (SHARD_COLUMNS / per_sample).clamp(1, TARGET_ROWS))
}

impl Conv {
    /// The output of every shard: unfold, one product with the weight, scatter plus bias.
    fn apply<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        unfold: &Unfold,
        shape: &[usize],
        act: Activation,
    ) -> Tensor<T> {
        let (cin, cout) = (self.spec.in_channels, self.spec.out_channels);
        let rows = cin * unfold.taps();
        let weight = &w.params[self.weight.clone()];
        let bias = self.bias.as_ref().map(|b| &w.params[b.clone()]);
        let sample_len = cin * unfold.plane;
        // Every value is written (scatter_samples).
        let mut y = Tensor {
            shape: shape.to_vec(),
            data: scratch::take(shape.iter().product()),
        };
        let ranges = conv_shards(x.shape[0], rows, unfold);
        let mut outs = split_rows(&mut y.data, &ranges, cout * unfold.positions);
        outs.par_iter_mut().zip(&ranges).for_each(|(out, r)| {
            let width = r.len() * unfold.positions;
            let mut cols = scratch::take(rows * width);
            unfold.unfold_into(
                &x.data[r.start * sample_len..r.end * sample_len],
                cin,
                &mut cols,
            );
            if r.len() == 1 {
                // One sample: the product's layout is the output's, so it lands in place (on
                // the bias). The rVAE's 128-channel 48 x 48 planes are one sample a shard.
                if let Some(bias) = bias {
                    for (plane, b) in out.chunks_exact_mut(width).zip(bias) {
                        plane.fill(*b);
                    }
                }
                gemm(
                    mat_mut(out, cout, width),
                    bias.is_some(),
                    mat(weight, cout, rows),
                    mat(&cols, rows, width),
                );
            } else {
                let mut z = scratch::take(cout * width);
                gemm(
                    mat_mut(&mut z, cout, width),
                    false,
                    mat(weight, cout, rows),
                    mat(&cols, rows, width),
                );
                scatter_samples(&z, cout, unfold.positions, bias, out);
                scratch::give(z);
            }
            if act != Activation::Identity {
                act.apply_in_place(out);
            }
            scratch::give(cols);
        });
        y
    }
}

/// Each sample's output planes from the product `z` `(channels, samples * positions)`, plus
/// the bias: `out[s][c][p] = z[c][s P + p] + b[c]`.
fn scatter_samples<T: Real>(
    z: &[T],
    channels: usize,
    positions: usize,
    bias: Option<&[T]>,
    out: &mut [T],
) {
    let width = z.len() / channels;
    for (s, sample) in out.chunks_exact_mut(channels * positions).enumerate() {
        for (c, plane) in sample.chunks_exact_mut(positions).enumerate() {
            let src = &z[c * width + s * positions..][..positions];
            let b = bias.map_or(T::zero(), |b| b[c]);
            plane.iter_mut().zip(src).for_each(|(o, v)| *o = *v + b);
        }
    }
}

/// The transpose of [`scatter_samples`]: the output gradient of a shard as
/// `(channels, samples * positions)`.
fn gather_samples<T: Real>(dy: &[T], channels: usize, positions: usize, z: &mut [T]) {
    let width = dy.len() / channels;
    for (s, sample) in dy.chunks_exact(channels * positions).enumerate() {
        for (c, plane) in sample.chunks_exact(positions).enumerate() {
            z[c * width + s * positions..][..positions].copy_from_slice(plane);
        }
    }
}

impl<T: Real> Layer<T> for Conv {
    type Saved = ConvSaved<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let shape = self.output_shape(x)?;
        let unfold = Unfold::new(&x.shape[2..], &shape[2..], self.kernel());
        let y = self.apply(w, x, &unfold, &shape, Activation::Identity);
        let saved = ConvSaved {
            x: Tensor {
                shape: x.shape.clone(),
                data: scratch::copy(&x.data),
            },
            unfold,
        };
        Ok((y, saved))
    }

    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        self.backward_with(
            w,
            saved,
            dy,
            dparams,
            InputGradient::Through(Activation::Identity),
        )
    }

    /// The forward pass without keeping the input.
    fn infer(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        let shape = self.output_shape(x)?;
        let unfold = Unfold::new(&x.shape[2..], &shape[2..], self.kernel());
        Ok(self.apply(w, x, &unfold, &shape, Activation::Identity))
    }
}

impl Conv {
    /// [`Layer::backward`] with a choice of input gradient: skipped (a network's first
    /// layer), or through the activation whose output the input is (`x = act(u)`: the
    /// gradient in `u`, multiplied by the derivative in each shard while it is in cache).
    /// Skipped, the returned tensor is empty.
    pub(crate) fn backward_with<T: Real>(
        &self,
        w: Weights<T>,
        saved: &ConvSaved<T>,
        dy: &Tensor<T>,
        dparams: &mut [T],
        input: InputGradient,
    ) -> Tensor<T> {
        let (x, unfold) = (&saved.x, &saved.unfold);
        let (cin, cout, positions) = (
            self.spec.in_channels,
            self.spec.out_channels,
            unfold.positions,
        );
        let rows = cin * unfold.taps();
        let weight = &w.params[self.weight.clone()];
        let (nw, span) = (self.weight.len(), self.span());
        let (in_len, out_len) = (cin * unfold.plane, cout * positions);
        let wanted = matches!(input, InputGradient::Through(_));
        let mut dx = Tensor {
            shape: x.shape.clone(),
            data: if wanted {
                scratch::zeros(x.data.len())
            } else {
                Vec::new()
            },
        };
        // Each shard folds into its own rows of dx (a lock per shard, never contended).
        let ranges = conv_shards(x.shape[0], rows, unfold);
        let parts: Vec<Mutex<&mut [T]>> = if wanted {
            split_rows(&mut dx.data, &ranges, in_len)
                .into_iter()
                .map(Mutex::new)
                .collect()
        } else {
            Vec::new()
        };
        map_reduce_grad(ranges, &mut dparams[span], |k, r, g| {
            if r.is_empty() {
                return;
            }
            let width = r.len() * positions;
            // One sample's output gradient is already `(channels, positions)`.
            let dy_r = &dy.data[r.start * out_len..r.end * out_len];
            let gathered = (r.len() > 1).then(|| {
                let mut dz = scratch::take(cout * width);
                gather_samples(dy_r, cout, positions, &mut dz);
                dz
            });
            let dz = gathered.as_deref().unwrap_or(dy_r);
            let (gw, gb) = g.split_at_mut(nw);
            for (b, row) in gb.iter_mut().zip(dz.chunks_exact(width)) {
                *b += row.iter().copied().sum::<T>();
            }
            let mut cols = scratch::take(rows * width);
            unfold.unfold_into(&x.data[r.start * in_len..r.end * in_len], cin, &mut cols);
            gemm(
                mat_mut(gw, cout, rows),
                false,
                mat(dz, cout, width),
                mat(&cols, rows, width).transpose(),
            );
            if let InputGradient::Through(act) = input {
                // The columns are spent: their buffer takes the column gradient W^T dY.
                gemm(
                    mat_mut(&mut cols, rows, width),
                    false,
                    mat(weight, cout, rows).transpose(),
                    mat(dz, cout, width),
                );
                let mut out = parts[k].lock().unwrap_or_else(PoisonError::into_inner);
                unfold.fold(&cols, cin, &mut out);
                if act != Activation::Identity {
                    act.backward_in_place(&mut out, &x.data[r.start * in_len..r.end * in_len]);
                }
            }
            scratch::give(cols);
            if let Some(dz) = gathered {
                scratch::give(dz);
            }
        });
        drop(parts);
        dx
    }
}

/// Which input gradient [`Conv::backward_with`] computes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum InputGradient {
    /// None (the input is data).
    Skip,
    /// Through the activation whose output the input is ([`Activation::Identity`]: plain).
    Through(Activation),
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::check_layer;
    use super::super::linear::Linear;
    use super::*;

    fn spec(
        cin: usize,
        cout: usize,
        k: usize,
        s: usize,
        p: usize,
        d: usize,
        bias: bool,
    ) -> ConvSpec {
        ConvSpec {
            in_channels: cin,
            out_channels: cout,
            kernel: k,
            stride: s,
            padding: p,
            dilation: d,
            bias,
        }
    }

    fn conv(dims: usize, spec: ConvSpec) -> (Conv, ParamLayout) {
        let mut layout = ParamLayout::default();
        let layer = Conv::new(&mut layout, "conv", dims, spec).expect("valid spec");
        (layer, layout)
    }

    fn check(dims: usize, spec: ConvSpec, shape: &[usize]) {
        let (layer, layout) = conv(dims, spec);
        check_layer(&layer, &layout, shape, |p, rng| {
            layer.init(p, InitScheme::PyTorch, rng)
        });
    }

    #[test]
    fn conv1d_gradients_match_finite_differences() {
        // (k, stride, padding, dilation, bias): plain, strided, dilated, both, pointwise.
        for (k, s, p, d, bias) in [
            (3, 1, 0, 1, true),
            (3, 2, 1, 1, false),
            (3, 1, 3, 3, true),
            (2, 2, 2, 3, false),
            (1, 1, 0, 1, true),
            (4, 3, 2, 1, true),
        ] {
            check(1, spec(3, 2, k, s, p, d, bias), &[2, 3, 9]);
        }
        // 70 samples: three batch shards, so the per-shard gradient sums are covered.
        check(1, spec(2, 2, 3, 1, 1, 1, true), &[70, 2, 5]);
    }

    #[test]
    fn conv2d_gradients_match_finite_differences() {
        // A non-square input, so a mix-up of the two axes shows.
        for (k, s, p, d, bias) in [
            (3, 1, 1, 1, true),
            (2, 2, 0, 1, false),
            (3, 2, 3, 3, true),
            (3, 1, 2, 2, false),
            (1, 2, 0, 1, true),
        ] {
            check(2, spec(2, 3, k, s, p, d, bias), &[2, 2, 7, 6]);
        }
    }

    #[test]
    fn conv3d_gradients_match_finite_differences() {
        check(3, spec(2, 2, 2, 1, 1, 1, true), &[2, 2, 3, 4, 3]);
        check(3, spec(1, 2, 3, 2, 1, 2, false), &[1, 1, 5, 4, 6]);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (layer, layout) = conv(2, spec(3, 4, 3, 2, 1, 2, true));
        let mut rng = Xoshiro256::seed_from_u64(5);
        let mut p = vec![0.0f32; layout.total()];
        layer.init(&mut p, InitScheme::PyTorch, &mut rng);
        let x = Tensor::from_vec(
            &[100, 3, 9, 8],
            (0..100 * 3 * 72).map(|_| rng.normal() as f32).collect(),
        )
        .unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let (y, saved) = layer.forward(Weights::params(&p), &x).unwrap();
                let mut g = vec![0.0f32; layout.total()];
                let dx = layer.backward(Weights::params(&p), &saved, &y, &mut g);
                (y.data, dx.data, g)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn a_wrong_input_shape_names_the_layer() {
        let mut layout = ParamLayout::default();
        let layer = Conv::new(
            &mut layout,
            "encoder.conv2",
            2,
            spec(3, 4, 3, 1, 0, 2, true),
        )
        .unwrap();
        let p = vec![0.0f64; layout.total()];
        // Rank, channels, and an extent below the dilated kernel's reach of 5.
        for shape in [
            vec![2, 3, 8],
            vec![2, 2, 8, 8],
            vec![2, 3, 8, 4],
            vec![2, 3, 0, 8],
        ] {
            let err = layer
                .forward(Weights::params(&p), &Tensor::zeros(&shape))
                .unwrap_err();
            assert!(
                err.to_string().contains("encoder.conv2"),
                "{shape:?}: {err}"
            );
        }
    }

    #[test]
    fn an_empty_batch_gives_empty_outputs_and_gradients() {
        let (layer, layout) = conv(1, spec(2, 3, 3, 1, 1, 1, true));
        let p = vec![0.5f64; layout.total()];
        let (y, saved) = layer
            .forward(Weights::params(&p), &Tensor::zeros(&[0, 2, 5]))
            .unwrap();
        assert_eq!(y.shape, vec![0, 3, 5]);
        let mut g = vec![0.0; layout.total()];
        let dx = layer.backward(Weights::params(&p), &saved, &y, &mut g);
        assert_eq!((dx.shape, g), (vec![0, 2, 5], vec![0.0; layout.total()]));
    }

    #[test]
    fn an_invalid_spec_is_an_error_naming_the_layer() {
        let good = spec(3, 4, 3, 1, 0, 1, true);
        for (dims, bad) in [
            (0, good),
            (1, ConvSpec { kernel: 0, ..good }),
            (1, ConvSpec { stride: 0, ..good }),
            (
                1,
                ConvSpec {
                    dilation: 0,
                    ..good
                },
            ),
            (
                1,
                ConvSpec {
                    in_channels: 0,
                    ..good
                },
            ),
        ] {
            let mut layout = ParamLayout::default();
            let err = Conv::new(&mut layout, "decoder.conv", dims, bad).unwrap_err();
            assert!(err.to_string().contains("decoder.conv"), "{err}");
            assert_eq!(layout.total(), 0, "nothing declared");
        }
    }

    #[test]
    fn output_extent_follows_pytorchs_formula() {
        let extent = |k, s, p, d, n| conv(1, spec(1, 1, k, s, p, d, false)).0.output_extent(n);
        assert_eq!(extent(3, 1, 1, 1, 8), Some(8));
        assert_eq!(extent(3, 1, 2, 2, 64), Some(64));
        assert_eq!(extent(3, 2, 0, 1, 5), Some(2));
        assert_eq!(extent(3, 2, 3, 3, 7), Some(4)); // (7 + 6 - 6 - 1) / 2 + 1
        assert_eq!(extent(3, 1, 0, 1, 2), None);
        assert_eq!(extent(3, 1, 0, 2, 4), None);
    }

    #[test]
    fn a_pointwise_convolution_is_a_dense_layer_over_channels() {
        let (b, c, l, out) = (3, 4, 5, 2);
        let (layer, layout) = conv(1, spec(c, out, 1, 1, 0, 1, true));
        let mut rng = Xoshiro256::seed_from_u64(9);
        let mut p = vec![0.0f64; layout.total()];
        layer.init(&mut p, InitScheme::PyTorch, &mut rng);
        let x: Vec<f64> = (0..b * c * l).map(|_| rng.normal()).collect();
        let (y, _) = layer
            .forward(
                Weights::params(&p),
                &Tensor::from_vec(&[b, c, l], x.clone()).unwrap(),
            )
            .unwrap();
        // The same weights as [out, in] on (B, L, C) rows.
        let mut dense_layout = ParamLayout::default();
        let dense = Linear::new(&mut dense_layout, "dense", c, out);
        let rows: Vec<f64> = (0..b * l * c)
            .map(|i| {
                let (s, t, ch) = (i / (l * c), i / c % l, i % c);
                x[(s * c + ch) * l + t]
            })
            .collect();
        let (z, _) = dense
            .forward(
                Weights::params(&p),
                &Tensor::from_vec(&[b, l, c], rows).unwrap(),
            )
            .unwrap();
        for (i, v) in y.data.iter().enumerate() {
            let (s, o, t) = (i / (out * l), i / l % out, i % l);
            assert!((v - z.data[(s * l + t) * out + o]).abs() < 1e-14);
        }
    }

    #[test]
    fn a_delta_kernel_shifts_the_input() {
        // Conv2d 2 -> 2, k 3, dilation 2, padding 2: the tap (0, 2) of channel c into output c
        // reads x[h - 2][w + 2], zero outside.
        let (h, w) = (5, 6);
        let (layer, layout) = conv(2, spec(2, 2, 3, 1, 2, 2, false));
        let mut p = vec![0.0f64; layout.total()];
        for c in 0..2 {
            p[(c * 2 + c) * 9 + 2] = 1.0;
        }
        let x: Vec<f64> = (0..2 * h * w).map(|i| i as f64 + 1.0).collect();
        let (y, _) = layer
            .forward(
                Weights::params(&p),
                &Tensor::from_vec(&[1, 2, h, w], x.clone()).unwrap(),
            )
            .unwrap();
        assert_eq!(y.shape, vec![1, 2, h, w]);
        for c in 0..2 {
            for i in 0..h {
                for j in 0..w {
                    let want = if i >= 2 && j + 2 < w {
                        x[(c * h + i - 2) * w + j + 2]
                    } else {
                        0.0
                    };
                    assert_eq!(y.data[(c * h + i) * w + j], want, "({c}, {i}, {j})");
                }
            }
        }
    }

    #[test]
    fn initialisations_keep_their_bounds() {
        let (layer, layout) = conv(2, spec(4, 6, 3, 1, 1, 1, true));
        let mut rng = Xoshiro256::seed_from_u64(1);
        let mut p = vec![0.0f64; layout.total()];
        layer.init(&mut p, InitScheme::PyTorch, &mut rng);
        let bound = 1.0 / 36f64.sqrt();
        assert!(p.iter().all(|v| v.abs() <= bound));
        assert!(p.iter().any(|v| v.abs() > 0.9 * bound));
        layer.init(&mut p, InitScheme::Keras, &mut rng);
        let glorot = (6.0 / (36.0 + 54.0f64)).sqrt();
        let (w, b) = p.split_at(6 * 36);
        assert!(w.iter().all(|v| v.abs() <= glorot) && w.iter().any(|v| v.abs() > 0.9 * glorot));
        assert!(b.iter().all(|v| *v == 0.0));
    }
}
