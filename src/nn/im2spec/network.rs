//! im2spec / spec2im composed from the layer set: forward passes in training and inference
//! mode, the loss and the hand-written backward pass. Tensor names follow the PyTorch peer
//! (`benches/im2spec_peer/im2spec_torch.py`), so a state dict moves across unchanged.
//!
//! Loss per mini-batch of B rows, as PyTorch's `nn.MSELoss()`: the mean over rows and output
//! values of `(y_hat - y)^2`. Per row it is the mean over the row's values; the trainer sums
//! rows and scales by 1/B.

use super::super::error::NnError;
use super::super::layers::conv_unit::{ConvUnit, ConvUnitSaved, recycle};
use super::super::layers::init::InitScheme;
use super::super::layers::{Conv, ConvSpec, Layer, Linear, Upsample, Weights};
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::architecture::EncoderDecoderArchitecture;
use super::pyramid::Pyramid;
use crate::rng::Xoshiro256;

/// LeakyReLU slope of every unit (paper 003's code).
pub(crate) const SLOPE: f64 = 0.1;

/// The layers of one network and the layouts of its parameters and state.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    pub arch: EncoderDecoderArchitecture,
    pub params: ParamLayout,
    pub state: ParamLayout,
    encoder: Vec<ConvUnit>,
    encoder_dense: Linear,
    decoder_dense: Linear,
    /// Each followed by a nearest x2 upsampling (spec2im).
    upsampling: Vec<ConvUnit>,
    upsample: Upsample,
    pyramid: Pyramid,
    decoder_conv: ConvUnit,
    out: Conv,
}

/// What the training-mode pass keeps.
pub(crate) struct Saved<T: Real> {
    encoder: Vec<ConvUnitSaved<T>>,
    encoder_dense: <Linear as Layer<T>>::Saved,
    decoder_dense: <Linear as Layer<T>>::Saved,
    upsampling: Vec<(ConvUnitSaved<T>, <Upsample as Layer<T>>::Saved)>,
    pyramid: Vec<ConvUnitSaved<T>>,
    decoder_conv: ConvUnitSaved<T>,
    out: <Conv as Layer<T>>::Saved,
}

/// A training-mode pass: the latent vectors, the outputs `(B, output_len)` and what backward
/// needs.
pub(crate) type TrainingPass<T> = (Tensor<T>, Tensor<T>, Saved<T>);

/// A kernel-3 convolution keeping the extent.
fn same_conv(in_channels: usize, out_channels: usize) -> ConvSpec {
    ConvSpec {
        in_channels,
        out_channels,
        kernel: 3,
        stride: 1,
        padding: 1,
        dilation: 1,
        bias: true,
    }
}

/// `t` with its non-batch axes replaced by `shape`.
fn reshaped<T>(mut t: Tensor<T>, shape: &[usize]) -> Tensor<T> {
    let batch = t.shape[0];
    t.shape = std::iter::once(batch)
        .chain(shape.iter().copied())
        .collect();
    t
}

impl Network {
    /// Declares every tensor of `arch`.
    pub fn new(arch: &EncoderDecoderArchitecture) -> Result<Self, NnError> {
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let (f, input_dims, output_dims) = (
            arch.filters,
            arch.input_extents().len(),
            arch.output_extents().len(),
        );
        let encoder = (0..arch.encoder_convolutions())
            .map(|k| {
                let spec = same_conv(if k == 0 { 1 } else { f }, f);
                let name = format!("encoder_convs.{k}");
                ConvUnit::new(&mut params, &mut state, &name, input_dims, spec, SLOPE)
            })
            .collect::<Result<_, _>>()?;
        let encoder_dense = Linear::new(
            &mut params,
            "encoder_dense",
            f * arch.input_len(),
            arch.latent,
        );
        let start: usize = arch.decoder_start().iter().product();
        let decoder_dense = Linear::new(&mut params, "decoder_dense", arch.latent, f * start);
        let upsampling = (1..=arch.upsamplings())
            .map(|k| {
                let name = format!("conv{k}");
                ConvUnit::new(
                    &mut params,
                    &mut state,
                    &name,
                    output_dims,
                    same_conv(f, f),
                    SLOPE,
                )
            })
            .collect::<Result<_, _>>()?;
        let pyramid = Pyramid::new(&mut params, &mut state, "pyramid", output_dims, f, SLOPE)?;
        let decoder_conv = ConvUnit::new(
            &mut params,
            &mut state,
            "decoder_conv",
            output_dims,
            same_conv(f, 1),
            SLOPE,
        )?;
        let out_spec = ConvSpec {
            kernel: 1,
            padding: 0,
            ..same_conv(1, 1)
        };
        let out = Conv::new(&mut params, "out", output_dims, out_spec)?;
        Ok(Self {
            arch: arch.clone(),
            params,
            state,
            encoder,
            encoder_dense,
            decoder_dense,
            upsampling,
            upsample: Upsample::new("upsample", output_dims, 2),
            pyramid,
            decoder_conv,
            out,
        })
    }

    /// PyTorch's default initial weights, drawn in declaration order.
    pub fn init<T: Real>(&self, params: &mut [T], state: &mut [T], rng: &mut Xoshiro256) {
        for u in &self.encoder {
            u.init(params, state, InitScheme::PyTorch, rng);
        }
        self.encoder_dense.init(params, InitScheme::PyTorch, rng);
        self.decoder_dense.init(params, InitScheme::PyTorch, rng);
        for u in &self.upsampling {
            u.init(params, state, InitScheme::PyTorch, rng);
        }
        self.pyramid.init(params, state, rng);
        self.decoder_conv
            .init(params, state, InitScheme::PyTorch, rng);
        self.out.init(params, InitScheme::PyTorch, rng);
    }

    /// `rows` (B x input_len) as the encoder's `(B, 1, extents...)` input.
    fn input<T: Real>(&self, rows: Vec<T>) -> Result<Tensor<T>, NnError> {
        let n = self.arch.input_len();
        let shape: Vec<usize> = [rows.len() / n, 1]
            .into_iter()
            .chain(self.arch.input_extents())
            .collect();
        Tensor::from_vec(&shape, rows).ok_or_else(|| {
            NnError::Invalid(format!("input rows must hold multiples of {n} values"))
        })
    }

    /// Training mode: the latent vectors and the outputs `(B, output_len)` of input rows.
    pub fn forward<T: Real>(
        &self,
        w: Weights<T>,
        rows: Vec<T>,
    ) -> Result<TrainingPass<T>, NnError> {
        let mut x = self.input(rows)?;
        let mut encoder = Vec::with_capacity(self.encoder.len());
        for u in &self.encoder {
            let (y, s) = u.forward(w, &x)?;
            encoder.push(s);
            recycle(std::mem::replace(&mut x, y));
        }
        let flat = reshaped(x, &[self.encoder_dense.fan_in]);
        let (z, encoder_dense) = self.encoder_dense.forward(w, &flat)?;
        let (y, decoder_dense) = self.decoder_dense.forward(w, &z)?;
        let mut x = reshaped(y, &self.decoder_shape());
        let mut upsampling = Vec::with_capacity(self.upsampling.len());
        for u in &self.upsampling {
            let (y, su) = u.forward(w, &x)?;
            let (y2, sup) = self.upsample.forward(w, &y)?;
            recycle(y);
            upsampling.push((su, sup));
            recycle(std::mem::replace(&mut x, y2));
        }
        let (p, pyramid) = self.pyramid.forward(w, &x)?;
        recycle(x);
        let (x, decoder_conv) = self.decoder_conv.forward(w, &p)?;
        recycle(p);
        let (y, out) = self.out.forward(w, &x)?;
        recycle(x);
        let y = reshaped(y, &[self.arch.output_len()]);
        let saved = Saved {
            encoder,
            encoder_dense,
            decoder_dense,
            upsampling,
            pyramid,
            decoder_conv,
            out,
        };
        Ok((z, y, saved))
    }

    /// `(filters, decoder start extents...)`: what the decoder's dense output is read as.
    fn decoder_shape(&self) -> Vec<usize> {
        std::iter::once(self.arch.filters)
            .chain(self.arch.decoder_start())
            .collect()
    }

    /// The gradient of the loss in the outputs, `dy` `(B, output_len)`, back to the
    /// parameters, added into `dparams`.
    pub fn backward<T: Real>(
        &self,
        w: Weights<T>,
        saved: &Saved<T>,
        dy: Tensor<T>,
        dparams: &mut [T],
    ) {
        let out_shape: Vec<usize> = std::iter::once(1)
            .chain(self.arch.output_extents())
            .collect();
        let d = self
            .out
            .backward(w, &saved.out, &reshaped(dy, &out_shape), dparams);
        let d = {
            let spent = d;
            let d = self
                .decoder_conv
                .backward(w, &saved.decoder_conv, &spent, dparams);
            recycle(spent);
            d
        };
        let mut d = {
            let d2 = self.pyramid.backward(w, &saved.pyramid, &d, dparams);
            recycle(d);
            d2
        };
        for (u, (su, sup)) in self.upsampling.iter().zip(&saved.upsampling).rev() {
            let du = self.upsample.backward(w, sup, &d, dparams);
            recycle(std::mem::replace(&mut d, u.backward(w, su, &du, dparams)));
            recycle(du);
        }
        let d = reshaped(d, &[self.decoder_dense.fan_out]);
        let dz = self
            .decoder_dense
            .backward(w, &saved.decoder_dense, &d, dparams);
        let d = self
            .encoder_dense
            .backward(w, &saved.encoder_dense, &dz, dparams);
        let mut d = reshaped(d, &self.encoder_shape());
        for (u, s) in self.encoder.iter().zip(&saved.encoder).rev() {
            let d2 = u.backward(w, s, &d, dparams);
            recycle(std::mem::replace(&mut d, d2));
        }
        recycle(d);
    }

    /// `(filters, input extents...)`: the encoder's last output.
    fn encoder_shape(&self) -> Vec<usize> {
        std::iter::once(self.arch.filters)
            .chain(self.arch.input_extents())
            .collect()
    }

    /// Gives the saved buffers of a spent step to this thread's scratch pool.
    pub fn recycle<T: Real>(&self, saved: Saved<T>) {
        let units = saved
            .encoder
            .into_iter()
            .chain(saved.upsampling.into_iter().map(|(s, _)| s))
            .chain(saved.pyramid)
            .chain([saved.decoder_conv]);
        units.for_each(ConvUnitSaved::recycle);
        saved.out.recycle();
    }

    /// Folds a training batch's statistics into every norm's running ones.
    pub fn update_running<T: Real>(&self, state: &mut [T], saved: &Saved<T>) {
        for (u, s) in self.encoder.iter().zip(&saved.encoder) {
            u.update_running(state, s);
        }
        for (u, (s, _)) in self.upsampling.iter().zip(&saved.upsampling) {
            u.update_running(state, s);
        }
        self.pyramid.update_running(state, &saved.pyramid);
        self.decoder_conv.update_running(state, &saved.decoder_conv);
    }

    /// Inference mode: the latent vectors `(B, latent)` of input rows.
    pub fn encode<T: Real>(&self, w: Weights<T>, rows: Vec<T>) -> Result<Tensor<T>, NnError> {
        let mut x = self.input(rows)?;
        for u in &self.encoder {
            x = u.infer(w, &x)?;
        }
        self.encoder_dense
            .infer(w, &reshaped(x, &[self.encoder_dense.fan_in]))
    }

    /// Inference mode: the outputs `(B, output_len)` of latent vectors `z` `(B, latent)`.
    pub fn decode<T: Real>(&self, w: Weights<T>, z: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        let y = self.decoder_dense.infer(w, z)?;
        let mut x = reshaped(y, &self.decoder_shape());
        for u in &self.upsampling {
            x = self.upsample.infer(w, &u.infer(w, &x)?)?;
        }
        let x = self.pyramid.infer(w, &x)?;
        let x = self.decoder_conv.infer(w, &x)?;
        let y = self.out.infer(w, &x)?;
        Ok(reshaped(y, &[self.arch.output_len()]))
    }
}

/// Per-row mean squared errors of `y` against `target` (both `(B, n)` row-major), and the
/// gradient of their sum times `scale` in `y`.
pub(crate) fn mse_rows<T: Real>(y: &Tensor<T>, target: &[T], scale: f64) -> (Vec<f64>, Tensor<T>) {
    let n = y.row_len();
    let mut dy = Tensor::zeros(&y.shape);
    let g = T::of(2.0 * scale / n as f64);
    let losses = y
        .data
        .chunks_exact(n)
        .zip(target.chunks_exact(n))
        .zip(dy.data.chunks_exact_mut(n))
        .map(|((yr, tr), dr)| {
            let mut sum = 0.0;
            for ((d, &a), &b) in dr.iter_mut().zip(yr).zip(tr) {
                let e = a - b;
                sum += (e * e).to_f64_exact();
                *d = g * e;
            }
            sum / n as f64
        })
        .collect();
    (losses, dy)
}

#[cfg(test)]
mod tests {
    use super::super::super::layers::gradcheck::{finite_differences, probes, relative_error};
    use super::super::architecture::Direction;
    use super::*;

    #[test]
    fn parameter_counts_equal_the_pytorch_peers() {
        // benches/im2spec_peer/im2spec_torch.py `count` (docs/models.md, compute sizes).
        for (direction, patch, latent, want) in [
            (Direction::ImageToSpectrum, 8, 2, 145_479),
            (Direction::ImageToSpectrum, 8, 10, 211_023),
            (Direction::ImageToSpectrum, 16, 2, 170_055),
            (Direction::ImageToSpectrum, 16, 10, 333_903),
            (Direction::SpectrumToImage, 8, 2, 269_703),
            (Direction::SpectrumToImage, 8, 10, 304_527),
            (Direction::SpectrumToImage, 16, 2, 272_007),
            (Direction::SpectrumToImage, 16, 10, 312_975),
        ] {
            let arch =
                EncoderDecoderArchitecture::new(direction, [patch, patch], 64, latent, 64).unwrap();
            let net = Network::new(&arch).unwrap();
            assert_eq!(net.params.total(), want, "{direction:?} {patch} {latent}");
        }
    }

    /// A small network of `direction` with random weights, and a batch of rows and targets.
    fn small(direction: Direction) -> (Network, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let arch = EncoderDecoderArchitecture::new(direction, [4, 4], 6, 2, 3).unwrap();
        let net = Network::new(&arch).unwrap();
        let mut rng = Xoshiro256::seed_from_u64(7);
        let (mut p, mut s) = (vec![0.0; net.params.total()], vec![0.0; net.state.total()]);
        net.init(&mut p, &mut s, &mut rng);
        p.iter_mut().for_each(|v| *v += 0.1 * rng.normal());
        let batch = 3;
        let x = (0..batch * arch.input_len())
            .map(|_| rng.normal())
            .collect();
        let t = (0..batch * arch.output_len())
            .map(|_| rng.normal())
            .collect();
        (net, p, s, x, t)
    }

    #[test]
    fn the_loss_gradient_matches_finite_differences_in_both_directions() {
        for direction in [Direction::ImageToSpectrum, Direction::SpectrumToImage] {
            let (net, p, s, x, t) = small(direction);
            let loss = |params: &[f64]| -> f64 {
                let w = Weights { params, state: &s };
                let (_, y, _) = net.forward(w, x.clone()).unwrap();
                mse_rows(&y, &t, 1.0).0.iter().sum::<f64>() / 3.0
            };
            let w = Weights {
                params: &p,
                state: &s,
            };
            let (_, y, saved) = net.forward(w, x.clone()).unwrap();
            let (_, dy) = mse_rows(&y, &t, 1.0 / 3.0);
            let mut grad = vec![0.0; p.len()];
            net.backward(w, &saved, dy, &mut grad);
            for spec in net.params.tensors() {
                let r = spec.range();
                let idx: Vec<usize> = probes(r.len()).iter().map(|i| r.start + i).collect();
                let numeric = finite_differences(loss, &p, &idx);
                let analytic: Vec<f64> = idx.iter().map(|&i| grad[i]).collect();
                let err = relative_error(&analytic, &numeric);
                assert!(err < 1e-6, "{direction:?} {}: {err:e}", spec.name);
            }
        }
    }

    #[test]
    fn training_mode_updates_the_running_statistics_and_inference_uses_them() {
        let (net, p, mut s, x, _) = small(Direction::ImageToSpectrum);
        let before = s.clone();
        let w = Weights {
            params: &p,
            state: &s,
        };
        let (_, y_train, saved) = net.forward(w, x.clone()).unwrap();
        net.update_running(&mut s, &saved);
        assert!(s.iter().zip(&before).any(|(a, b)| a != b));
        let w = Weights {
            params: &p,
            state: &s,
        };
        let z = net.encode(w, x.clone()).unwrap();
        let y_infer = net.decode(w, &z).unwrap();
        assert_eq!(y_infer.shape, y_train.shape);
        assert!(
            y_infer
                .data
                .iter()
                .zip(&y_train.data)
                .any(|(a, b)| (a - b).abs() > 1e-6)
        );
    }
}
