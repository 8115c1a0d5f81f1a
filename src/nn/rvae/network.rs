//! The rVAE composed from the layer set: encoder, reparameterisation, the coordinate decoder,
//! the loss and the hand-written backward pass (docs/models.md, "rVAE").
//!
//! - encoder: `Conv2d(1 -> F, 3x3, p1) -> LeakyReLU(0.1) -> Conv2d(F -> F, 3x3, p1) ->
//!   LeakyReLU(0.1) -> flatten -> Linear` heads for the means and the log standard deviations
//!   of the `L = 1 + 2 + k` latents (AtomAI's `convEncoderNet`, as paper 004's code uses it);
//! - `z = mu + exp(log_sd) eps`; latent 0 is the angle, 1-2 the offsets (with translation),
//!   the rest the content;
//! - decoder: the pixel grid rotated by the angle and shifted by `s (dx, dy)`
//!   ([`RotateTranslate`]), `h0 = tanh(W_c x' + b_c + W_z content)` (the content term without
//!   bias, broadcast over the pixels), two `Linear(H, H) -> tanh`, `Linear(H, 1)` per pixel,
//!   linear output (AtomAI's `coord_latent` and `rDecoderNet`).
//!
//! Loss per image (AtomAI's `rvae_loss`), averaged over the batch by the trainer:
//! `0.5 sum_pixels (x_hat - x)^2 + KL_rot + KL_std`, with
//! `KL_rot = -log sd_phi + log s + sd_phi^2 / (2 s^2) - 1/2` (no mean term, `s` the angle's
//! prior sd) and `KL_std` the standard normal KL of the offsets and content latents.
//!
//! Tensor names are the PyTorch reference's (`tests/oracles/rvae_reference.py`):
//! `encoder.conv1`, `encoder.conv2`, `encoder.mu`, `encoder.log_sd`, `decoder.coord`,
//! `decoder.latent`, `decoder.hidden.0`, `decoder.hidden.1`, `decoder.out`.

use super::super::error::NnError;
use super::super::layers::init::InitScheme;
use super::super::layers::scratch;
use super::super::layers::{
    Activation, Conv, ConvSaved, ConvSpec, InputGradient, Layer, Linear, RotateTranslate, Weights,
    add_broadcast_backward, gaussian_kl_log_sd, reparameterise, reparameterise_backward,
    rotation_kl_sd_only,
};
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::super::train::LossSums;
use super::architecture::RvaeArchitecture;
use crate::rng::Xoshiro256;
use num_traits::Float;
use rayon::prelude::*;

/// LeakyReLU slope of the encoder (AtomAI's `convEncoderNet`).
pub(crate) const SLOPE: f64 = 0.1;
const LEAKY: Activation = Activation::LeakyRelu(SLOPE);
const TANH: Activation = Activation::Tanh;

/// The layers of one rVAE and the layout of its parameters.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    pub arch: RvaeArchitecture,
    pub params: ParamLayout,
    conv1: Conv,
    conv2: Conv,
    mu: Linear,
    log_sd: Linear,
    grid: RotateTranslate,
    coord: Linear,
    latent: Linear,
    hidden: [Linear; 2],
    out: Linear,
}

/// Means and log standard deviations of the latents, each `(B, L)`.
#[derive(Clone, Debug)]
pub(crate) struct Encoded<T> {
    pub mu: Tensor<T>,
    pub log_sd: Tensor<T>,
}

/// What the encoder's backward pass needs.
struct EncoderSaved<T: Real> {
    conv1: ConvSaved<T>,
    /// Its input is the first LeakyReLU's output.
    conv2: ConvSaved<T>,
    /// The second LeakyReLU's output, flattened `(B, F h w)`: the heads' input.
    a2: Tensor<T>,
}

/// What the decoder's backward pass needs.
struct DecoderSaved<T> {
    angle: Vec<T>,
    /// The transformed coordinates `(B, P, 2)`.
    points: Tensor<T>,
    /// The content latents `(B, k)`.
    content: Tensor<T>,
    /// The three tanh outputs `(B, P, H)`.
    h: [Tensor<T>; 3],
}

/// The latents of `z` `(B, L)` split into angles `(B)`, offsets `(B, 2)` (zero without
/// translation) and content `(B, k)`; also their gradients.
pub(crate) struct Split<T> {
    pub angle: Vec<T>,
    pub offsets: Vec<T>,
    pub content: Tensor<T>,
}

/// A 3 x 3 convolution keeping the extent.
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
    pub fn new(arch: &RvaeArchitecture) -> Result<Self, NnError> {
        let mut params = ParamLayout::default();
        let (f, h, k, latents) = (arch.filters, arch.hidden, arch.content, arch.latents());
        let conv1 = Conv::new(&mut params, "encoder.conv1", 2, same_conv(1, f))?;
        let conv2 = Conv::new(&mut params, "encoder.conv2", 2, same_conv(f, f))?;
        let flat = f * arch.pixels();
        let mu = Linear::new(&mut params, "encoder.mu", flat, latents);
        let log_sd = Linear::new(&mut params, "encoder.log_sd", flat, latents);
        let grid = RotateTranslate::new(arch.image[0], arch.image[1], arch.translation_scale)?;
        let coord = Linear::new(&mut params, "decoder.coord", 2, h);
        let latent = Linear::without_bias(&mut params, "decoder.latent", k, h);
        let hidden = [0, 1].map(|i| Linear::new(&mut params, &format!("decoder.hidden.{i}"), h, h));
        let out = Linear::new(&mut params, "decoder.out", h, 1);
        Ok(Self {
            arch: arch.clone(),
            params,
            conv1,
            conv2,
            mu,
            log_sd,
            grid,
            coord,
            latent,
            hidden,
            out,
        })
    }

    /// PyTorch's default initial weights (AtomAI's networks are PyTorch's), drawn in
    /// declaration order.
    pub fn init<T: Real>(&self, params: &mut [T], rng: &mut Xoshiro256) {
        let scheme = InitScheme::PyTorch;
        self.conv1.init(params, scheme, rng);
        self.conv2.init(params, scheme, rng);
        for l in [&self.mu, &self.log_sd, &self.coord, &self.latent] {
            l.init(params, scheme, rng);
        }
        for l in self.hidden.iter().chain([&self.out]) {
            l.init(params, scheme, rng);
        }
    }

    /// `rows` (B x pixels, row-major images) as the encoder's `(B, 1, h, w)` input.
    pub fn input<T: Real>(&self, rows: &[T]) -> Result<Tensor<T>, NnError> {
        let [h, w] = self.arch.image;
        let n = h * w;
        if !rows.len().is_multiple_of(n) {
            return Err(NnError::Invalid(format!(
                "images: {} values are not a whole number of {h} x {w} images",
                rows.len()
            )));
        }
        Ok(Tensor {
            shape: vec![rows.len() / n, 1, h, w],
            data: rows.to_vec(),
        })
    }

    fn encode_train<T: Real>(
        &self,
        w: Weights<T>,
        x: Tensor<T>,
    ) -> Result<(Encoded<T>, EncoderSaved<T>), NnError> {
        let (a1, conv1) = self.conv1.forward_owned(w, x, LEAKY)?;
        let (a2, conv2) = self.conv2.forward_owned(w, a1, LEAKY)?;
        let a2 = reshaped(a2, &[self.mu.fan_in]);
        let mu = self.mu.infer(w, &a2)?;
        let log_sd = self.log_sd.infer(w, &a2)?;
        let saved = EncoderSaved { conv1, conv2, a2 };
        Ok((Encoded { mu, log_sd }, saved))
    }

    /// Means and log standard deviations `(B, L)` of images `(B, 1, h, w)`.
    pub fn encode<T: Real>(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Encoded<T>, NnError> {
        let (enc, saved) = self.encode_train(w, x.clone())?;
        saved.conv1.recycle();
        saved.conv2.recycle();
        recycle(saved.a2);
        Ok(enc)
    }

    /// The encoder's backward pass from the gradients in the means and log sds.
    fn encoder_backward<T: Real>(
        &self,
        w: Weights<T>,
        saved: EncoderSaved<T>,
        dmu: &Tensor<T>,
        dlog_sd: &Tensor<T>,
        grad: &mut [T],
    ) {
        let mut g = self.mu.backward(w, &saved.a2, dmu, grad);
        let g2 = self.log_sd.backward(w, &saved.a2, dlog_sd, grad);
        g.data.iter_mut().zip(&g2.data).for_each(|(a, b)| *a += *b);
        recycle(g2);
        LEAKY.backward_in_place(&mut g.data, &saved.a2.data);
        recycle(saved.a2);
        let [h, wd] = self.arch.image;
        let g = reshaped(g, &[self.arch.filters, h, wd]);
        let through = InputGradient::Through(LEAKY);
        let g1 = self.conv2.backward_with(w, &saved.conv2, &g, grad, through);
        recycle(g);
        // The images need no gradient.
        self.conv1
            .backward_with(w, &saved.conv1, &g1, grad, InputGradient::Skip);
        recycle(g1);
        saved.conv1.recycle();
        saved.conv2.recycle();
    }

    /// Angles, offsets and content of latent vectors `z` `(B, L)` (row-major).
    pub fn split<T: Real>(&self, z: &[T]) -> Split<T> {
        let (l, c0, k) = (
            self.arch.latents(),
            self.arch.content_start(),
            self.arch.content,
        );
        let rows = z.len() / l;
        let mut split = Split {
            angle: Vec::with_capacity(rows),
            offsets: Vec::with_capacity(2 * rows),
            content: Tensor::zeros(&[rows, k]),
        };
        for (row, c) in z
            .chunks_exact(l)
            .zip(split.content.data.chunks_exact_mut(k))
        {
            split.angle.push(row[0]);
            if self.arch.translation {
                split.offsets.extend_from_slice(&row[1..3]);
            } else {
                split.offsets.extend([T::zero(), T::zero()]);
            }
            c.copy_from_slice(&row[c0..]);
        }
        split
    }

    fn decode_train<T: Real>(
        &self,
        w: Weights<T>,
        z: Split<T>,
    ) -> Result<(Tensor<T>, DecoderSaved<T>), NnError> {
        let rows = z.angle.len();
        let points = self.grid.transform(&z.angle, &z.offsets)?;
        let mut h0 = self.coord.infer(w, &points)?;
        let c = self.latent.infer(w, &z.content)?;
        // The content term of each image added to its pixels' rows, then tanh, in place (in
        // parallel, an image at a time while it is in cache).
        let h = self.arch.hidden;
        h0.data
            .par_chunks_mut(self.arch.pixels() * h)
            .zip(c.data.par_chunks(h))
            .for_each(|(image, c)| {
                for row in image.chunks_exact_mut(h) {
                    row.iter_mut().zip(c).for_each(|(v, c)| *v += *c);
                }
                TANH.apply_in_place(image);
            });
        let h1 = self.hidden[0].infer_activated(w, &h0, TANH)?;
        let h2 = self.hidden[1].infer_activated(w, &h1, TANH)?;
        let y = self.out.infer(w, &h2)?;
        let y = Tensor {
            shape: vec![rows, self.arch.pixels()],
            data: y.data,
        };
        let saved = DecoderSaved {
            angle: z.angle,
            points,
            content: z.content,
            h: [h0, h1, h2],
        };
        Ok((y, saved))
    }

    /// Images `(B, pixels)` drawn at angles `(B)`, offsets `(B, 2)` and content `(B, k)`.
    pub fn decode<T: Real>(&self, w: Weights<T>, z: Split<T>) -> Result<Tensor<T>, NnError> {
        let (y, saved) = self.decode_train(w, z)?;
        saved.h.into_iter().for_each(recycle);
        Ok(y)
    }

    /// The decoder's backward pass from the gradient `dy` of the images `(B, pixels)`: the
    /// gradients in the angles `(B)`, offsets `(B, 2)` and content `(B, k)`, as a [`Split`].
    fn decoder_backward<T: Real>(
        &self,
        w: Weights<T>,
        saved: &DecoderSaved<T>,
        dy: Tensor<T>,
        grad: &mut [T],
    ) -> Result<Split<T>, NnError> {
        let (rows, h) = (saved.angle.len(), self.arch.hidden);
        let dy = Tensor {
            shape: vec![rows, self.arch.pixels(), 1],
            data: dy.data,
        };
        let [h0, h1, h2] = &saved.h;
        let g = self.out.backward_through(w, h2, &dy, grad, TANH);
        let g1 = self.hidden[1].backward_through(w, h1, &g, grad, TANH);
        recycle(g);
        let g = self.hidden[0].backward_through(w, h0, &g1, grad, TANH);
        recycle(g1);
        let dpoints = self.coord.backward(w, &saved.points, &g, grad);
        let (dangle, doffsets) = self.grid.transform_backward(&saved.angle, &dpoints)?;
        let dc = reshaped(add_broadcast_backward(&g, &[rows, 1, h]), &[h]);
        recycle(g);
        Ok(Split {
            angle: dangle,
            offsets: doffsets,
            content: self.latent.backward(w, &saved.content, &dc, grad),
        })
    }

    /// `z = mu + exp(log_sd) eps` and the standard deviations.
    fn sample<T: Real>(enc: &Encoded<T>, eps: &[T]) -> (Vec<T>, Vec<T>) {
        let two = T::of(2.0);
        let log_var: Vec<T> = enc.log_sd.data.iter().map(|l| two * *l).collect();
        reparameterise(&enc.mu.data, &log_var, eps)
    }

    /// The KL sums of the batch (angle: sd-only against the rotation prior; the rest: the
    /// standard normal), adding `scale` times their gradients to `dmu` and `dlog_sd`.
    fn kl<T: Real>(&self, enc: &Encoded<T>, scale: T, dmu: &mut [T], dlog_sd: &mut [T]) -> f64 {
        let l = self.arch.latents();
        let prior = T::of(self.arch.rotation_prior_sd);
        let mut sum = 0.0;
        for (((mu, ls), dm), dl) in enc
            .mu
            .data
            .chunks_exact(l)
            .zip(enc.log_sd.data.chunks_exact(l))
            .zip(dmu.chunks_exact_mut(l))
            .zip(dlog_sd.chunks_exact_mut(l))
        {
            sum += rotation_kl_sd_only(&ls[..1], prior, scale, &mut dl[..1]);
            sum += gaussian_kl_log_sd(&mu[1..], &ls[1..], scale, &mut dm[1..], &mut dl[1..]);
        }
        sum
    }

    /// `(B, L)` noise for `rows` images, or the error naming it.
    fn check_noise<T>(&self, eps: &[T], rows: usize) -> Result<(), NnError> {
        let l = self.arch.latents();
        if eps.len() != rows * l {
            return Err(NnError::Invalid(format!(
                "noise holds {} values, not {rows} images x {l} latents",
                eps.len()
            )));
        }
        Ok(())
    }

    /// The loss sums of images `x` (B x pixels) with noise `eps` (`B x L`), no gradient:
    /// reconstruction `sum_b 0.5 sum_p (x_hat - x)^2` and KL `sum_b (KL_rot + KL_std)`.
    pub fn loss<T: Real>(&self, w: Weights<T>, x: &[T], eps: &[T]) -> Result<LossSums, NnError> {
        let input = self.input(x)?;
        self.check_noise(eps, input.shape[0])?;
        let enc = self.encode(w, &input)?;
        let (z, _) = Self::sample(&enc, eps);
        let y = self.decode(w, self.split(&z))?;
        let n = enc.mu.data.len();
        let (mut dmu, mut dls) = (vec![T::zero(); n], vec![T::zero(); n]);
        Ok(LossSums {
            reconstruction: half_sse(&y.data, x, T::zero(), &mut []),
            kl: self.kl(&enc, T::zero(), &mut dmu, &mut dls),
            l1: 0.0,
        })
    }

    /// The loss sums of one mini-batch (as [`Self::loss`]) and the gradient of
    /// `(reconstruction + beta kl + quarter_turn) * grad_scale` added into `grad`, where
    /// `quarter_turn` is [`quarter_turn_term`] at `quarter_turn_weight` (0: off, AtomAI's
    /// loss; the sums do not include it).
    #[allow(clippy::too_many_arguments)]
    pub fn batch_loss_and_gradient<T: Real>(
        &self,
        w: Weights<T>,
        x: &[T],
        eps: &[T],
        beta: f64,
        quarter_turn_weight: f64,
        grad_scale: f64,
        grad: &mut [T],
    ) -> Result<LossSums, NnError> {
        let mut input = self.input(x)?;
        let rows = input.shape[0];
        self.check_noise(eps, rows)?;
        let pairs = quarter_turn_weight > 0.0;
        if pairs {
            // The turned images ride in the same encoder batch, after the originals.
            let turned = turned_rows(x, self.square_side()?);
            input.data.extend_from_slice(&turned);
            input.shape[0] = 2 * rows;
        }
        let (mut enc, enc_saved) = self.encode_train(w, input)?;
        let l = self.arch.latents();
        let turned_mu = pairs.then(|| {
            enc.log_sd.data.truncate(rows * l);
            enc.log_sd.shape[0] = rows;
            enc.mu.shape[0] = rows;
            enc.mu.data.split_off(rows * l)
        });
        let (z, sd) = Self::sample(&enc, eps);
        let (y, dec_saved) = self.decode_train(w, self.split(&z))?;
        let mut dy = Tensor::zeros(&y.shape);
        let reconstruction = half_sse(&y.data, x, T::of(grad_scale), &mut dy.data);
        let n = enc.mu.data.len();
        let (mut dmu, mut dls) = (vec![T::zero(); n], vec![T::zero(); n]);
        let kl = self.kl(&enc, T::of(grad_scale * beta), &mut dmu, &mut dls);

        recycle(y);
        let dz_split = self.decoder_backward(w, &dec_saved, dy, grad)?;
        dec_saved.h.into_iter().for_each(recycle);
        let (c0, k) = (self.arch.content_start(), self.arch.content);
        let mut dz = vec![T::zero(); n];
        for (b, row) in dz.chunks_exact_mut(l).enumerate() {
            row[0] = dz_split.angle[b];
            if self.arch.translation {
                row[1..3].copy_from_slice(&dz_split.offsets[2 * b..2 * b + 2]);
            }
            row[c0..].copy_from_slice(&dz_split.content.data[b * k..(b + 1) * k]);
        }
        let mut dlog_var = vec![T::zero(); n];
        reparameterise_backward(&dz, eps, &sd, &mut dmu, &mut dlog_var);
        let two = T::of(2.0);
        dls.iter_mut()
            .zip(&dlog_var)
            .for_each(|(a, b)| *a += two * *b);
        if let Some(turned) = turned_mu {
            let mut dturned = vec![T::zero(); n];
            quarter_turn_term(
                &enc.mu.data,
                &turned,
                l,
                T::of(quarter_turn_weight),
                T::of(grad_scale),
                &mut dmu,
                &mut dturned,
            );
            dmu.extend(dturned);
            dls.resize(2 * n, T::zero());
        }
        let shape = [dmu.len() / l, l];
        let dmu = Tensor::from_vec(&shape, dmu).expect("B x L");
        let dls = Tensor::from_vec(&shape, dls).expect("B x L");
        self.encoder_backward(w, enc_saved, &dmu, &dls, grad);
        Ok(LossSums {
            reconstruction,
            kl,
            l1: 0.0,
        })
    }
}

impl Network {
    /// The side of the square images the quarter-turn term needs, or the error naming it.
    pub(super) fn square_side(&self) -> Result<usize, NnError> {
        let [h, w] = self.arch.image;
        if h != w {
            return Err(NnError::Invalid(format!(
                "rvae.quarter_turn_weight > 0 needs square images, not {h} x {w}"
            )));
        }
        Ok(h)
    }
}

/// A square `n x n` image turned `turns` quarter turns clockwise (`turns = 1`:
/// `out[r][c] = in[n-1-c][r]`). The decoder draws its image at angle `phi` turned one quarter
/// clockwise when given `phi + pi/2` (the grid's points map onto each other), so the encoder
/// of such a pair should give angles a quarter turn apart and the same offsets and content.
pub(crate) fn quarter_turns<T: Copy>(image: &[T], n: usize, turns: usize) -> Vec<T> {
    let source = |r: usize, c: usize| match turns % 4 {
        0 => r * n + c,
        1 => (n - 1 - c) * n + r,
        2 => (n - 1 - r) * n + (n - 1 - c),
        _ => c * n + (n - 1 - r),
    };
    (0..n * n).map(|k| image[source(k / n, k % n)]).collect()
}

/// How many quarter turns the term turns batch row `b` by: 1, 2, 3, 1, ... The trainer
/// shuffles the rows every epoch, so every image meets every turn; pairing each image with all
/// its turns is what keeps the content from telling them apart (one turn alone links only
/// pairs, which a few orientations can satisfy with the half turn still in the content).
pub(crate) fn turns_of_row(b: usize) -> usize {
    1 + b % 3
}

/// Square images `(B, n x n)`, row `b` turned [`turns_of_row`]`(b)` quarter turns clockwise.
pub(crate) fn turned_rows<T: Copy>(images: &[T], n: usize) -> Vec<T> {
    images
        .chunks_exact(n * n)
        .enumerate()
        .flat_map(|(b, image)| quarter_turns(image, n, turns_of_row(b)))
        .collect()
}

/// The quarter-turn consistency term of a batch (an option beyond the papers; docs/models.md,
/// "rVAE"): `weight sum_b [2 (1 - cos(phi'_b - phi_b - k_b pi/2)) + sum_j>0 (mu'_bj -
/// mu_bj)^2]` over the latent means `mu` `(B, l)` of the images and `turned` of the same
/// images turned `k_b` quarter turns clockwise ([`turned_rows`]), angle first. It ties which
/// quarter turn an image shows to the angle, where the reconstruction alone may leave it in
/// the content. Adds `scale` times its gradient to `dmu` and `dturned`.
fn quarter_turn_term<T: Real>(
    mu: &[T],
    turned: &[T],
    l: usize,
    weight: T,
    scale: T,
    dmu: &mut [T],
    dturned: &mut [T],
) -> f64 {
    let (two, quarter) = (T::of(2.0), std::f64::consts::FRAC_PI_2);
    let mut sum = 0.0;
    for (row, (((a, b), da), db)) in mu
        .chunks_exact(l)
        .zip(turned.chunks_exact(l))
        .zip(dmu.chunks_exact_mut(l))
        .zip(dturned.chunks_exact_mut(l))
        .enumerate()
    {
        let miss = b[0] - a[0] - T::of(turns_of_row(row) as f64 * quarter);
        sum += (weight * two * (T::one() - Float::cos(miss))).to_f64_exact();
        let g = scale * weight * two * Float::sin(miss);
        db[0] += g;
        da[0] -= g;
        for j in 1..l {
            let d = b[j] - a[j];
            sum += (weight * d * d).to_f64_exact();
            let g = scale * weight * two * d;
            db[j] += g;
            da[j] -= g;
        }
    }
    sum
}

/// Gives `t`'s buffer to this thread's scratch pool: the step's large tensors (37 MB each at
/// n = 48, batch 32) serve the next step instead of being mapped, faulted in and unmapped.
fn recycle<T: Real>(t: Tensor<T>) {
    scratch::give(t.data);
}

/// `sum 0.5 (y - x)^2`, writing `scale (y - x)` into `dy` (when it is not empty).
fn half_sse<T: Real>(y: &[T], x: &[T], scale: T, dy: &mut [T]) -> f64 {
    let mut sse = 0.0;
    for (k, (a, b)) in y.iter().zip(x).enumerate() {
        let e = *a - *b;
        sse += (e * e).to_f64_exact();
        if let Some(d) = dy.get_mut(k) {
            *d = scale * e;
        }
    }
    0.5 * sse
}

#[cfg(test)]
mod tests {
    use super::super::super::layers::gradcheck::{finite_differences, probes, relative_error};
    use super::*;

    /// A tiny rVAE (6 x 6 images, 2 filters, 4 hidden units), its weights perturbed off the
    /// initial values, a batch of images and the noise.
    fn tiny(translation: bool) -> (Network, Vec<f64>, Vec<f64>, Vec<f64>) {
        let arch = RvaeArchitecture::new([6, 6], 2, 4, 2, translation, 0.1, 0.1).unwrap();
        let net = Network::new(&arch).unwrap();
        let mut rng = Xoshiro256::seed_from_u64(11);
        let mut p = vec![0.0; net.params.total()];
        net.init(&mut p, &mut rng);
        p.iter_mut().for_each(|v| *v += 0.1 * rng.normal());
        let batch = 3;
        let x = (0..batch * 36).map(|_| rng.uniform_in(0.0, 1.0)).collect();
        let eps = (0..batch * arch.latents()).map(|_| rng.normal()).collect();
        (net, p, x, eps)
    }

    /// The quarter-turn term of images `x` at `weight`, recomputed from two plain encodings.
    fn quarter_turn_sum(net: &Network, params: &[f64], x: &[f64], weight: f64) -> f64 {
        let w = Weights::params(params);
        let mu = |images: &[f64]| net.encode(w, &net.input(images).unwrap()).unwrap().mu.data;
        let (a, b) = (mu(x), mu(&turned_rows(x, 6)));
        let (mut da, mut db) = (vec![0.0; a.len()], vec![0.0; b.len()]);
        let l = net.arch.latents();
        quarter_turn_term(&a, &b, l, weight, 0.0, &mut da, &mut db)
    }

    #[test]
    fn the_whole_loss_gradient_matches_finite_differences() {
        for (translation, quarter) in [(true, 0.0), (false, 0.0), (true, 0.8), (false, 1.3)] {
            let (net, p, x, eps) = tiny(translation);
            let beta = 0.7;
            let loss = |params: &[f64]| -> f64 {
                let s = net.loss(Weights::params(params), &x, &eps).unwrap();
                let term = quarter_turn_sum(&net, params, &x, quarter);
                (s.reconstruction + beta * s.kl + term) / 3.0
            };
            let mut grad = vec![0.0; p.len()];
            let sums = net
                .batch_loss_and_gradient(
                    Weights::params(&p),
                    &x,
                    &eps,
                    beta,
                    quarter,
                    1.0 / 3.0,
                    &mut grad,
                )
                .unwrap();
            let term = quarter_turn_sum(&net, &p, &x, quarter);
            assert_eq!(term > 0.0, quarter > 0.0);
            let total = (sums.reconstruction + beta * sums.kl + term) / 3.0;
            assert!((total - loss(&p)).abs() < 1e-12);
            for spec in net.params.tensors() {
                let r = spec.range();
                let idx: Vec<usize> = probes(r.len()).iter().map(|i| r.start + i).collect();
                let numeric = finite_differences(loss, &p, &idx);
                let analytic: Vec<f64> = idx.iter().map(|&i| grad[i]).collect();
                let err = relative_error(&analytic, &numeric);
                assert!(
                    err < 1e-6,
                    "translation {translation}, quarter turn {quarter} {}: {err:e}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn f32_matches_f64() {
        let (net, p, x, eps) = tiny(true);
        let mut g64 = vec![0.0; p.len()];
        let s64 = net
            .batch_loss_and_gradient(Weights::params(&p), &x, &eps, 1.0, 0.5, 1.0 / 3.0, &mut g64)
            .unwrap();
        let narrow = |v: &[f64]| v.iter().map(|a| *a as f32).collect::<Vec<f32>>();
        let mut g32 = vec![0.0f32; p.len()];
        let s32 = net
            .batch_loss_and_gradient(
                Weights::params(&narrow(&p)),
                &narrow(&x),
                &narrow(&eps),
                1.0,
                0.5,
                1.0 / 3.0,
                &mut g32,
            )
            .unwrap();
        let total = |s: LossSums| s.reconstruction + s.kl;
        assert!((total(s32) - total(s64)).abs() < 1e-4 * total(s64).abs());
        let g32: Vec<f64> = g32.iter().map(|v| f64::from(*v)).collect();
        assert!(relative_error(&g32, &g64) < 1e-4);
    }

    #[test]
    fn gradients_do_not_depend_on_the_thread_count() {
        // 70 images: the layers split them into three shards, whose gradients add in order.
        let arch = RvaeArchitecture::new([6, 6], 2, 4, 2, true, 0.1, 0.1).unwrap();
        let net = Network::new(&arch).unwrap();
        let mut rng = Xoshiro256::seed_from_u64(3);
        let mut p = vec![0.0f32; net.params.total()];
        net.init(&mut p, &mut rng);
        let x: Vec<f32> = (0..70 * 36)
            .map(|_| rng.uniform_in(0.0, 1.0) as f32)
            .collect();
        let eps: Vec<f32> = (0..70 * 5).map(|_| rng.normal() as f32).collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut grad = vec![0.0f32; p.len()];
                let s = net
                    .batch_loss_and_gradient(
                        Weights::params(&p),
                        &x,
                        &eps,
                        1.0,
                        0.5,
                        1.0 / 70.0,
                        &mut grad,
                    )
                    .unwrap();
                (s, grad)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn paper_sizes_have_the_expected_parameter_counts() {
        // docs/models.md, compute sizes: n = 8 / 12 / 24 / 36 / 48 / 54 with 2 content latents,
        // translation on, 128 filters and hidden units.
        for (n, want) in [
            (8, 264_587),
            (12, 366_987),
            (24, 919_947),
            (36, 1_841_547),
            (48, 3_131_787),
            (54, 3_915_147),
        ] {
            let arch = RvaeArchitecture::new([n, n], 2, 128, 128, true, 0.1, 0.1).unwrap();
            assert_eq!(Network::new(&arch).unwrap().params.total(), want, "n = {n}");
        }
    }

    #[test]
    fn the_angle_latent_rotates_the_decoded_image() {
        // A decoder whose output depends on x' only through its first coordinate: turning by
        // pi/2 makes image(x, y) depend on y, i.e. transposes (and flips) the pattern.
        let (net, mut p, _, _) = tiny(true);
        let spec = net.params.get("decoder.latent.weight").unwrap().range();
        p[spec].fill(0.0);
        let coord = net.params.get("decoder.coord.weight").unwrap().range();
        for (j, v) in p[coord].iter_mut().enumerate() {
            if j % 2 == 1 {
                *v = 0.0; // no y dependence
            }
        }
        let w = Weights::params(&p);
        let zero = |angle: f64| Split {
            angle: vec![angle],
            offsets: vec![0.0, 0.0],
            content: Tensor::zeros(&[1, 2]),
        };
        let upright = net.decode(w, zero(0.0)).unwrap();
        let turned = net.decode(w, zero(std::f64::consts::FRAC_PI_2)).unwrap();
        // At angle 0 every row is the same; at pi/2 every column is.
        for r in 0..6 {
            for c in 0..6 {
                assert!((upright.data[r * 6 + c] - upright.data[c]).abs() < 1e-12);
                assert!((turned.data[r * 6 + c] - turned.data[r * 6]).abs() < 1e-12);
            }
        }
        // x' = cos x - sin y = -y at pi/2: row r has -y = -1 + 2r/5, the x of column r, so
        // row r is column r of the upright image: the left column is now the top row (the
        // canonical image is drawn turned clockwise by the angle).
        for r in 0..6 {
            assert!((turned.data[r * 6] - upright.data[r]).abs() < 1e-12);
        }
    }

    #[test]
    fn a_quarter_turn_of_the_angle_turns_the_image_clockwise() {
        // The pairing the quarter-turn term relies on: decoding at phi + pi/2 gives the image
        // at phi turned clockwise, whatever the weights, offsets and content.
        let (net, p, _, _) = tiny(true);
        let w = Weights::params(&p);
        let at = |angle: f64| {
            let z = Split {
                angle: vec![angle],
                offsets: vec![0.7, -0.4],
                content: Tensor::from_vec(&[1, 2], vec![0.3, -1.1]).unwrap(),
            };
            net.decode(w, z).unwrap().data
        };
        let (phi, quarter) = (0.37, std::f64::consts::FRAC_PI_2);
        let turned = quarter_turns(&at(phi), 6, 1);
        let drawn = at(phi + quarter);
        assert!(relative_error(&drawn, &turned) < 1e-12);
        // And not the other way round (the images are not symmetric).
        assert!(relative_error(&at(phi - quarter), &turned) > 1e-3);
        // k turns are k single turns; four are the identity; one moves the top-left pixel to
        // the top right.
        let image: Vec<f64> = (0..36).map(f64::from).collect();
        let mut turned = image.clone();
        for k in 1..=4 {
            turned = quarter_turns(&turned, 6, 1);
            assert_eq!(quarter_turns(&image, 6, k), turned, "{k} turns");
        }
        assert_eq!(turned, image);
        assert_eq!(quarter_turns(&image, 6, 1)[5], image[0]);
    }

    #[test]
    fn bad_sizes_are_errors_naming_their_cause() {
        let err = RvaeArchitecture::new([1, 6], 2, 4, 2, true, 0.1, 0.1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 x 2"), "{err}");
        let err = RvaeArchitecture::new([6, 6], 0, 4, 2, true, 0.1, 0.1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rvae.content_latents"), "{err}");
        let (net, p, x, eps) = tiny(true);
        let err = net
            .loss(Weights::params(&p), &x[..35], &eps)
            .unwrap_err()
            .to_string();
        assert!(err.contains("images"), "{err}");
        let err = net
            .loss(Weights::params(&p), &x, &eps[..4])
            .unwrap_err()
            .to_string();
        assert!(err.contains("noise"), "{err}");
    }
}
