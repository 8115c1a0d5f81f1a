//! The hand-written forward and backward pass of the MLP VAE: faer's `f32` matrix products
//! (runtime-dispatched AVX2/AVX-512 kernels) for the layers, the bias folded into the product,
//! ReLU, reparameterisation, KL and the reconstruction loss fused into single passes, and a
//! batch split into fixed shards of [`SHARD_ROWS`] rows run in parallel, each with its own
//! gradient buffer, summed in shard order. Fixed shards make the result independent of the
//! thread count. Kept because it trains several times faster than burn and PyTorch on this
//! model (benches/README.md); its gradients are checked against burn's autodiff and finite
//! differences in the tests.

use super::super::elementwise::{bce_with_logits, sigmoid, squared_error};
use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::train::{LossSums, LossWeights, Objective};
use super::architecture::{Dense, Layers, Reconstruction, VaeArchitecture};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;
use std::sync::{Mutex, PoisonError};

/// Rows per shard: a batch of 128 (paper 000) is two shards, one per core of a laptop-class
/// machine, each still large enough for efficient matrix products.
pub const SHARD_ROWS: usize = 64;

fn mat(s: &[f32], rows: usize, cols: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(&s[..rows * cols], rows, cols)
}

fn mat_mut(s: &mut [f32], rows: usize, cols: usize) -> MatMut<'_, f32> {
    MatMut::from_row_major_slice_mut(&mut s[..rows * cols], rows, cols)
}

/// `out = relu?(input W^T + b)` for `rows` rows.
fn dense_forward(p: &[f32], l: &Dense, input: &[f32], rows: usize, out: &mut [f32], relu: bool) {
    let out = &mut out[..rows * l.fan_out];
    for row in out.chunks_exact_mut(l.fan_out) {
        row.copy_from_slice(&p[l.b.clone()]);
    }
    matmul(
        mat_mut(out, rows, l.fan_out),
        Accum::Add,
        mat(input, rows, l.fan_in),
        mat(&p[l.w.clone()], l.fan_out, l.fan_in).transpose(),
        1.0,
        Par::Seq,
    );
    if relu {
        out.iter_mut().for_each(|v| *v = v.max(0.0));
    }
}

/// Weight and bias gradients of a layer from its output gradient `dout`, written over `grad`.
fn dense_param_grad(l: &Dense, input: &[f32], dout: &[f32], rows: usize, grad: &mut [f32]) {
    matmul(
        mat_mut(&mut grad[l.w.clone()], l.fan_out, l.fan_in),
        Accum::Replace,
        mat(dout, rows, l.fan_out).transpose(),
        mat(input, rows, l.fan_in),
        1.0,
        Par::Seq,
    );
    let gb = &mut grad[l.b.clone()];
    gb.fill(0.0);
    for row in dout[..rows * l.fan_out].chunks_exact(l.fan_out) {
        gb.iter_mut().zip(row).for_each(|(g, d)| *g += d);
    }
}

/// Input gradient `din (+)= dout W`.
fn dense_input_grad(
    p: &[f32],
    l: &Dense,
    dout: &[f32],
    rows: usize,
    din: &mut [f32],
    accumulate: bool,
) {
    matmul(
        mat_mut(din, rows, l.fan_in),
        if accumulate {
            Accum::Add
        } else {
            Accum::Replace
        },
        mat(dout, rows, l.fan_out),
        mat(&p[l.w.clone()], l.fan_out, l.fan_in),
        1.0,
        Par::Seq,
    );
}

/// Zero the gradient where the ReLU was off (its output is 0).
fn relu_mask(grad: &mut [f32], activation: &[f32]) {
    grad.iter_mut()
        .zip(activation)
        .for_each(|(g, a)| *g = if *a > 0.0 { *g } else { 0.0 });
}

/// Activations and scratch of one shard.
#[derive(Default)]
struct Work {
    encoder: Vec<Vec<f32>>,
    mu: Vec<f32>,
    log_var: Vec<f32>,
    std: Vec<f32>,
    z: Vec<f32>,
    decoder: Vec<Vec<f32>>,
    y: Vec<f32>,
    back_a: Vec<f32>,
    back_b: Vec<f32>,
    dmu: Vec<f32>,
    dlv: Vec<f32>,
}

impl Work {
    fn sized(layers: &Layers, rows: usize) -> Self {
        let act = |ls: &[Dense]| ls.iter().map(|l| vec![0.0; rows * l.fan_out]).collect();
        let k = layers.mean.fan_out;
        let wide = rows * layers.max_width();
        Self {
            encoder: act(&layers.encoder),
            mu: vec![0.0; rows * k],
            log_var: vec![0.0; rows * k],
            std: vec![0.0; rows * k],
            z: vec![0.0; rows * k],
            decoder: act(&layers.decoder),
            y: vec![0.0; rows * layers.output.fan_out],
            back_a: vec![0.0; wide],
            back_b: vec![0.0; wide],
            dmu: vec![0.0; rows * k],
            dlv: vec![0.0; rows * k],
        }
    }
}

/// A shard's workspace and its own gradient (unused by the first shard, which writes the
/// caller's buffer).
struct Shard {
    work: Work,
    grad: Vec<f32>,
}

/// The MLP VAE's loss and gradient, computed by hand.
pub struct FastVae {
    arch: VaeArchitecture,
    layout: ParamLayout,
    layers: Layers,
    pool: Mutex<Vec<Shard>>,
}

impl FastVae {
    /// The fast path of `arch` (validated).
    pub fn new(arch: &VaeArchitecture) -> Self {
        Self {
            arch: arch.clone(),
            layout: arch.layout(),
            layers: arch.layers(),
            pool: Mutex::new(Vec::new()),
        }
    }

    fn take_shards(&self, count: usize) -> Vec<Shard> {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        let mut shards: Vec<Shard> = (0..count.min(pool.len()))
            .map(|_| pool.pop().expect("counted"))
            .collect();
        while shards.len() < count {
            shards.push(Shard {
                work: Work::sized(&self.layers, SHARD_ROWS),
                grad: vec![0.0; self.layout.total()],
            });
        }
        shards
    }

    fn return_shards(&self, shards: Vec<Shard>) {
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(shards);
    }

    /// Encoder: fills `w.encoder`, `w.mu`, `w.log_var`.
    fn encode_into(&self, p: &[f32], x: &[f32], rows: usize, w: &mut Work) {
        let l = &self.layers;
        for (i, layer) in l.encoder.iter().enumerate() {
            let (done, rest) = w.encoder.split_at_mut(i);
            let input = if i == 0 { x } else { &done[i - 1] };
            dense_forward(p, layer, input, rows, &mut rest[0], true);
        }
        let h = w.encoder.last().expect("at least one hidden layer");
        dense_forward(p, &l.mean, h, rows, &mut w.mu, false);
        dense_forward(p, &l.log_var, h, rows, &mut w.log_var, false);
    }

    /// Decoder from `w.z`: fills `w.decoder` and the output `w.y` (logits for BCE).
    fn decode_into(&self, p: &[f32], rows: usize, w: &mut Work) {
        let l = &self.layers;
        for (i, layer) in l.decoder.iter().enumerate() {
            let (done, rest) = w.decoder.split_at_mut(i);
            let input = if i == 0 { &w.z } else { &done[i - 1] };
            dense_forward(p, layer, input, rows, &mut rest[0], true);
        }
        let h = w.decoder.last().expect("at least one hidden layer");
        dense_forward(p, &l.output, h, rows, &mut w.y, false);
    }

    /// `z = mu + exp(log_var / 2) eps`; returns the KL divergence to N(0, I) summed over rows.
    fn sample_latent(&self, rows: usize, noise: &[f32], w: &mut Work) -> f64 {
        let n = rows * self.arch.latent_dim;
        let mut kl = 0.0f64;
        let latent = w.mu[..n].iter().zip(&w.log_var[..n]).zip(&noise[..n]);
        for (((mu, lv), eps), (std, z)) in latent.zip(w.std.iter_mut().zip(w.z.iter_mut())) {
            *std = (0.5 * lv).exp();
            *z = mu + *std * eps;
            kl += -0.5 * f64::from(1.0 + lv - mu * mu - *std * *std);
        }
        kl
    }

    /// Reconstruction loss summed over rows; `w.y` becomes its gradient times `scale`.
    fn reconstruction(&self, x: &[f32], rows: usize, w: &mut Work, scale: f32) -> f64 {
        let y = &mut w.y[..rows * self.arch.input_dim];
        let x = &x[..rows * self.arch.input_dim];
        let d = self.arch.input_dim;
        // Row by row, so the f32 partial sums stay short and the total is summed in f64.
        let rows_of = y.chunks_exact_mut(d).zip(x.chunks_exact(d));
        match self.arch.reconstruction {
            Reconstruction::Bce => rows_of.map(|(yr, xr)| bce_with_logits(yr, xr, scale)).sum(),
            Reconstruction::Mse => rows_of.map(|(yr, xr)| squared_error(yr, xr, scale)).sum(),
        }
    }

    /// Forward, loss and backward of one shard; the gradient is written over `grad`.
    #[allow(clippy::too_many_arguments)]
    fn shard_gradient(
        &self,
        p: &[f32],
        x: &[f32],
        noise: &[f32],
        rows: usize,
        beta: f32,
        scale: f32,
        w: &mut Work,
        grad: &mut [f32],
    ) -> LossSums {
        let l = &self.layers;
        self.encode_into(p, x, rows, w);
        let kl = self.sample_latent(rows, noise, w);
        self.decode_into(p, rows, w);
        let reconstruction = self.reconstruction(x, rows, w, scale);

        // Output layer and decoder, last to first; `back_a` holds the gradient entering a layer.
        let mut dout = std::mem::take(&mut w.y);
        let last = w.decoder.last().expect("hidden layer");
        dense_param_grad(&l.output, last, &dout, rows, grad);
        dense_input_grad(p, &l.output, &dout, rows, &mut w.back_a, false);
        relu_mask(&mut w.back_a[..rows * l.output.fan_in], last);
        for i in (0..l.decoder.len()).rev() {
            let layer = &l.decoder[i];
            let input = if i == 0 { &w.z } else { &w.decoder[i - 1] };
            dense_param_grad(layer, input, &w.back_a, rows, grad);
            dense_input_grad(p, layer, &w.back_a, rows, &mut w.back_b, false);
            if i > 0 {
                relu_mask(&mut w.back_b[..rows * layer.fan_in], input);
            }
            std::mem::swap(&mut w.back_a, &mut w.back_b);
        }
        // back_a = dL/dz: through the reparameterisation, plus the KL gradient.
        let k_scale = beta * scale;
        for i in 0..rows * self.arch.latent_dim {
            let dz = w.back_a[i];
            w.dmu[i] = dz + k_scale * w.mu[i];
            w.dlv[i] = dz * (w.z[i] - w.mu[i]) * 0.5 + k_scale * 0.5 * (w.std[i] * w.std[i] - 1.0);
        }
        let h = w.encoder.last().expect("hidden layer");
        dense_param_grad(&l.mean, h, &w.dmu, rows, grad);
        dense_param_grad(&l.log_var, h, &w.dlv, rows, grad);
        dense_input_grad(p, &l.mean, &w.dmu, rows, &mut w.back_a, false);
        dense_input_grad(p, &l.log_var, &w.dlv, rows, &mut w.back_a, true);
        relu_mask(&mut w.back_a[..rows * l.mean.fan_in], h);
        for i in (0..l.encoder.len()).rev() {
            let layer = &l.encoder[i];
            let input = if i == 0 { x } else { &w.encoder[i - 1] };
            dense_param_grad(layer, input, &w.back_a, rows, grad);
            if i > 0 {
                dense_input_grad(p, layer, &w.back_a, rows, &mut w.back_b, false);
                relu_mask(&mut w.back_b[..rows * layer.fan_in], input);
                std::mem::swap(&mut w.back_a, &mut w.back_b);
            }
        }
        // Keep the buffer for the next call.
        dout.fill(0.0);
        w.y = dout;
        LossSums {
            reconstruction,
            kl,
            l1: 0.0,
        }
    }

    /// Encode rows of scaled data: (mean, log-variance), each rows x latent.
    pub fn encode(&self, p: &[f32], x: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (d, k) = (self.arch.input_dim, self.arch.latent_dim);
        let rows = x.len() / d;
        let mut mu = vec![0.0; rows * k];
        let mut lv = vec![0.0; rows * k];
        mu.par_chunks_mut(SHARD_ROWS * k)
            .zip(lv.par_chunks_mut(SHARD_ROWS * k))
            .zip(x.par_chunks(SHARD_ROWS * d))
            .for_each_init(
                || Work::sized(&self.layers, SHARD_ROWS),
                |w, ((m, v), xs)| {
                    let r = xs.len() / d;
                    self.encode_into(p, xs, r, w);
                    m.copy_from_slice(&w.mu[..r * k]);
                    v.copy_from_slice(&w.log_var[..r * k]);
                },
            );
        (mu, lv)
    }

    /// Decode latent rows to scaled data (sigmoid of the output for BCE), rows x input.
    pub fn decode(&self, p: &[f32], z: &[f32]) -> Vec<f32> {
        let (d, k) = (self.arch.input_dim, self.arch.latent_dim);
        let rows = z.len() / k;
        let mut out = vec![0.0; rows * d];
        out.par_chunks_mut(SHARD_ROWS * d)
            .zip(z.par_chunks(SHARD_ROWS * k))
            .for_each_init(
                || Work::sized(&self.layers, SHARD_ROWS),
                |w, (o, zs)| {
                    let r = zs.len() / k;
                    w.z[..r * k].copy_from_slice(zs);
                    self.decode_into(p, r, w);
                    o.copy_from_slice(&w.y[..r * d]);
                    if self.arch.reconstruction == Reconstruction::Bce {
                        sigmoid(o);
                    }
                },
            );
        out
    }
}

impl Objective for FastVae {
    fn layout(&self) -> &ParamLayout {
        &self.layout
    }

    fn row_len(&self) -> usize {
        self.arch.input_dim
    }

    fn noise_dim(&self) -> usize {
        self.arch.latent_dim
    }

    fn loss_and_gradient(
        &self,
        params: &[f32],
        _state: &mut [f32],
        x: &[f32],
        noise: &[f32],
        weights: LossWeights,
        grad_scale: f32,
        grad: &mut [f32],
    ) -> Result<LossSums, NnError> {
        let beta = weights.beta as f32;
        let (d, k) = (self.arch.input_dim, self.arch.latent_dim);
        let rows = x.len() / d;
        let count = rows.div_ceil(SHARD_ROWS).max(1);
        let mut shards = self.take_shards(count);
        let run = |(s, shard): (usize, &mut Shard), target: Option<&mut [f32]>| {
            let lo = s * SHARD_ROWS;
            let r = SHARD_ROWS.min(rows - lo);
            let Shard { work, grad: own } = shard;
            let g = target.unwrap_or(own);
            self.shard_gradient(
                params,
                &x[lo * d..(lo + r) * d],
                &noise[lo * k..(lo + r) * k],
                r,
                beta,
                grad_scale,
                work,
                g,
            )
        };
        let (first, rest) = shards.split_at_mut(1);
        let (head, tail) = rayon::join(
            || run((0, &mut first[0]), Some(grad)),
            || {
                rest.par_iter_mut()
                    .enumerate()
                    .map(|(i, s)| run((i + 1, s), None))
                    .collect::<Vec<_>>()
            },
        );
        let mut sums = head;
        for (s, shard) in tail.iter().zip(rest.iter()) {
            sums.reconstruction += s.reconstruction;
            sums.kl += s.kl;
            grad.iter_mut().zip(&shard.grad).for_each(|(g, o)| *g += o);
        }
        self.return_shards(shards);
        Ok(sums)
    }

    fn loss(
        &self,
        params: &[f32],
        _: &[f32],
        x: &[f32],
        noise: &[f32],
    ) -> Result<LossSums, NnError> {
        let (d, k) = (self.arch.input_dim, self.arch.latent_dim);
        let sums = x
            .par_chunks(SHARD_ROWS * d)
            .zip(noise.par_chunks(SHARD_ROWS * k))
            .map_init(
                || Work::sized(&self.layers, SHARD_ROWS),
                |w, (xs, ns)| {
                    let r = xs.len() / d;
                    self.encode_into(params, xs, r, w);
                    let kl = self.sample_latent(r, ns, w);
                    self.decode_into(params, r, w);
                    (self.reconstruction(xs, r, w, 0.0), kl)
                },
            )
            .collect::<Vec<_>>();
        Ok(sums
            .iter()
            .fold(LossSums::default(), |acc, (r, kl)| LossSums {
                reconstruction: acc.reconstruction + r,
                kl: acc.kl + kl,
                l1: 0.0,
            }))
    }
}
