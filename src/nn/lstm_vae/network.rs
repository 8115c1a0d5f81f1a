//! Paper 001's LSTM beta-VAE composed from the layer set: its forward pass, loss and
//! hand-written backward pass (docs/models.md, "LSTM beta-VAE"; Keras semantics of the
//! paper's code).
//!
//! Loss per mini-batch of B rows, as the paper's Keras code computes it:
//! `mean_{b,t,c} (x - x_hat)^2 + beta mean_{b,j} KL_bj + lambda (1/B) sum_{b,k} (|e_bk| + |d_bk|)`
//! with `e` the encoder's and `d` the decoder's L1-penalised dense activations. Per row, the
//! terms are the mean squared error over steps and channels, the KL averaged over latent
//! channels and the L1 sum; the trainer sums them over rows and scales by 1/B.

use super::super::error::NnError;
use super::super::layers::init::InitScheme;
use super::super::layers::{
    Activation, ActivationLayer, BatchNorm, BatchNormConvention, BiLstm, Layer, LayerNorm, Linear,
    LstmOutput, RepeatTime, Weights, activity_l1, gaussian_kl, reparameterise,
    reparameterise_backward,
};
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::super::train::{LossSums, LossWeights};
use super::architecture::LstmVaeArchitecture;
use super::block::{Block, BlockSaved, KERAS_NORM_EPS};
use crate::rng::Xoshiro256;

const RELU: ActivationLayer = ActivationLayer(Activation::Relu);

/// The layers of one LSTM beta-VAE and the layouts of its parameters and state.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    pub arch: LstmVaeArchitecture,
    pub params: ParamLayout,
    pub state: ParamLayout,
    encoder_blocks: Vec<Block>,
    encoder_last: BiLstm,
    encoder_norm: Option<BatchNorm>,
    encoder_embedding: Linear,
    mean: Linear,
    log_var: Linear,
    decoder_embedding: Linear,
    repeat: RepeatTime,
    decoder_first: BiLstm,
    decoder_blocks: Vec<Block>,
    decoder_norm: Option<LayerNorm>,
    output: Linear,
}

/// What an encoder pass gives, each `(B, k)`.
#[derive(Clone, Debug)]
pub(crate) struct Encoded<T> {
    pub mu: Tensor<T>,
    pub log_var: Tensor<T>,
    /// The encoder's L1-penalised dense activations (paper's code: `embedding_pre`).
    pub embedding: Tensor<T>,
}

/// Saved values of the training-mode encoder.
struct EncoderSaved<T: Real> {
    blocks: Vec<BlockSaved<T>>,
    last: <BiLstm as Layer<T>>::Saved,
    norm: Option<<BatchNorm as Layer<T>>::Saved>,
    dense_in: Tensor<T>,
    embedding: Tensor<T>,
}

impl Network {
    /// Declares every tensor of `arch` under the names of the network file.
    pub fn new(arch: &LstmVaeArchitecture) -> Self {
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let (h, norm) = (arch.hidden, arch.normalisation);
        let encoder_blocks = (0..arch.blocks)
            .map(|k| {
                let input = if k == 0 { arch.channels } else { 2 * h };
                Block::new(
                    &mut params,
                    &format!("encoder.block{k}"),
                    input,
                    h,
                    arch.steps,
                    norm,
                )
            })
            .collect();
        let encoder_input = if arch.blocks == 0 {
            arch.channels
        } else {
            2 * h
        };
        let encoder_last = BiLstm::new(
            &mut params,
            "encoder.last",
            encoder_input,
            h,
            LstmOutput::Last,
        );
        let encoder_norm = norm.then(|| {
            BatchNorm::new(
                &mut params,
                &mut state,
                "encoder.norm",
                1,
                2 * h,
                BatchNormConvention::Keras,
            )
        });
        let encoder_embedding =
            Linear::new(&mut params, "encoder.embedding", 2 * h, arch.embedding);
        let mean = Linear::new(&mut params, "encoder.mean", arch.embedding, arch.latent);
        let log_var = Linear::new(&mut params, "encoder.log_var", arch.embedding, arch.latent);
        let decoder_embedding = Linear::new(
            &mut params,
            "decoder.embedding",
            arch.latent,
            arch.embedding,
        );
        let decoder_first = BiLstm::new(
            &mut params,
            "decoder.first",
            arch.embedding,
            h,
            LstmOutput::Sequence,
        );
        let decoder_blocks = (0..arch.blocks)
            .map(|k| {
                Block::new(
                    &mut params,
                    &format!("decoder.block{k}"),
                    2 * h,
                    h,
                    arch.output_steps,
                    norm,
                )
            })
            .collect();
        let decoder_norm = norm.then(|| {
            LayerNorm::new(
                &mut params,
                "decoder.norm",
                1,
                arch.output_steps,
                KERAS_NORM_EPS,
            )
        });
        let output = Linear::new(&mut params, "decoder.output", 2 * h, arch.output_channels);
        Self {
            arch: arch.clone(),
            params,
            state,
            encoder_blocks,
            encoder_last,
            encoder_norm,
            encoder_embedding,
            mean,
            log_var,
            decoder_embedding,
            repeat: RepeatTime {
                steps: arch.output_steps,
            },
            decoder_first,
            decoder_blocks,
            decoder_norm,
            output,
        }
    }

    /// Keras' initial weights and state, in declaration order from `rng`.
    pub fn init<T: Real>(&self, params: &mut [T], state: &mut [T], rng: &mut Xoshiro256) {
        let k = InitScheme::Keras;
        self.encoder_blocks.iter().for_each(|b| b.init(params, rng));
        self.encoder_last.init(params, k, rng);
        if let Some(n) = &self.encoder_norm {
            n.init(params, state);
        }
        for l in [
            &self.encoder_embedding,
            &self.mean,
            &self.log_var,
            &self.decoder_embedding,
        ] {
            l.init(params, k, rng);
        }
        self.decoder_first.init(params, k, rng);
        self.decoder_blocks.iter().for_each(|b| b.init(params, rng));
        if let Some(n) = &self.decoder_norm {
            n.init(params);
        }
        self.output.init(params, k, rng);
    }

    /// `x` as the encoder's `(B, steps, channels)` input; the error names `x`.
    pub fn input<T: Real>(&self, x: &[T], rows: usize) -> Result<Tensor<T>, NnError> {
        Tensor::from_vec(&[rows, self.arch.steps, self.arch.channels], x.to_vec()).ok_or_else(
            || {
                NnError::Invalid(format!(
                    "x holds {} values, not {rows} rows of {} steps x {} channels",
                    x.len(),
                    self.arch.steps,
                    self.arch.channels
                ))
            },
        )
    }

    fn encode_train<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
    ) -> Result<(Encoded<T>, EncoderSaved<T>), NnError> {
        let mut h = x.clone();
        let mut blocks = Vec::with_capacity(self.encoder_blocks.len());
        for b in &self.encoder_blocks {
            let (y, s) = b.forward(w, &h)?;
            blocks.push(s);
            h = y;
        }
        let (last_out, last) = self.encoder_last.forward(w, &h)?;
        let (normed, norm) = match &self.encoder_norm {
            Some(n) => {
                let (y, s) = n.forward(w, &last_out)?;
                (y, Some(s))
            }
            None => (last_out, None),
        };
        let (dense_in, _) = RELU.forward(w, &normed)?;
        let (pre, _) = self.encoder_embedding.forward(w, &dense_in)?;
        let (embedding, _) = RELU.forward(w, &pre)?;
        let (mu, _) = self.mean.forward(w, &embedding)?;
        let (log_var, _) = self.log_var.forward(w, &embedding)?;
        let saved = EncoderSaved {
            blocks,
            last,
            norm,
            dense_in,
            embedding: embedding.clone(),
        };
        Ok((
            Encoded {
                mu,
                log_var,
                embedding,
            },
            saved,
        ))
    }

    /// Inference-mode encoder (BatchNorm with its running statistics).
    pub fn encode<T: Real>(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Encoded<T>, NnError> {
        let mut h = x.clone();
        for b in &self.encoder_blocks {
            h = b.infer(w, &h)?;
        }
        let mut h = self.encoder_last.infer(w, &h)?;
        if let Some(n) = &self.encoder_norm {
            h = n.infer(w, &h)?;
        }
        let h = RELU.infer(w, &h)?;
        let embedding = RELU.infer(w, &self.encoder_embedding.infer(w, &h)?)?;
        Ok(Encoded {
            mu: self.mean.infer(w, &embedding)?,
            log_var: self.log_var.infer(w, &embedding)?,
            embedding,
        })
    }

    /// The decoder on latent codes `(B, latent)`: `(B, output_steps, output_channels)`.
    pub fn decode<T: Real>(&self, w: Weights<T>, z: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        let d = RELU.infer(w, &self.decoder_embedding.infer(w, z)?)?;
        let mut h = RELU.infer(w, &self.decoder_first.infer(w, &self.repeat.infer(w, &d)?)?)?;
        for b in &self.decoder_blocks {
            h = b.infer(w, &h)?;
        }
        if let Some(n) = &self.decoder_norm {
            h = n.infer(w, &h)?;
        }
        self.output.infer(w, &h)
    }

    /// Folds a training batch's BatchNorm statistics into the running ones.
    pub fn update_running<T: Real>(&self, state: &mut [T], saved: &<BatchNorm as Layer<T>>::Saved) {
        if let Some(n) = &self.encoder_norm {
            n.update_running(state, saved);
        }
    }

    /// The loss sums of `x` in inference mode (no gradient), with noise `eps`.
    pub fn loss_inference<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        eps: &[T],
    ) -> Result<LossSums, NnError> {
        let enc = self.encode(w, x)?;
        let (z, _) = reparameterise(&enc.mu.data, &enc.log_var.data, eps);
        let z = Tensor {
            shape: enc.mu.shape.clone(),
            data: z,
        };
        let recon = self.decode(w, &z)?;
        let row_len = self.arch.row_len() as f64;
        let latent = self.arch.latent as f64;
        let sse: f64 = recon
            .data
            .iter()
            .zip(&x.data)
            .map(|(r, t)| (*r - *t).to_f64_exact().powi(2))
            .sum();
        let kl = gaussian_kl(
            &enc.mu.data,
            &enc.log_var.data,
            T::zero(),
            &mut vec![T::zero(); z.data.len()],
            &mut vec![T::zero(); z.data.len()],
        );
        let d = RELU.infer(w, &self.decoder_embedding.infer(w, &z)?)?;
        let l1: f64 = d
            .data
            .iter()
            .chain(&enc.embedding.data)
            .map(|v| v.abs().to_f64_exact())
            .sum();
        Ok(LossSums {
            reconstruction: sse / row_len,
            kl: kl / latent,
            l1,
        })
    }

    /// The loss sums of one mini-batch `x` with reparameterisation noise `eps` (`B x latent`),
    /// and the gradient of `(sum mse + beta sum kl + lambda sum l1) * grad_scale` added into
    /// `grad`. Training mode: BatchNorm normalises with the batch's statistics, which are
    /// returned for the running update.
    #[allow(clippy::too_many_arguments)]
    pub fn batch_loss_and_gradient<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
        eps: &[T],
        weights: LossWeights,
        grad_scale: f64,
        grad: &mut [T],
    ) -> Result<(LossSums, Option<<BatchNorm as Layer<T>>::Saved>), NnError> {
        let rows = x.batch();
        let latent = self.arch.latent;
        if eps.len() != rows * latent {
            return Err(NnError::Invalid(format!(
                "noise holds {} values, not {rows} x {latent}",
                eps.len()
            )));
        }
        // Forward.
        let (enc, es) = self.encode_train(w, x)?;
        let (z, std) = reparameterise(&enc.mu.data, &enc.log_var.data, eps);
        let z = Tensor {
            shape: vec![rows, latent],
            data: z,
        };
        let (d_pre, _) = self.decoder_embedding.forward(w, &z)?;
        let (d, _) = RELU.forward(w, &d_pre)?;
        let (repeated, _) = self.repeat.forward(w, &d)?;
        let (first, first_saved) = self.decoder_first.forward(w, &repeated)?;
        let (mut h, _) = RELU.forward(w, &first)?;
        let first_out = h.clone();
        let mut blocks = Vec::with_capacity(self.decoder_blocks.len());
        for b in &self.decoder_blocks {
            let (y, s) = b.forward(w, &h)?;
            blocks.push(s);
            h = y;
        }
        let norm_saved = match &self.decoder_norm {
            Some(n) => {
                let (y, s) = n.forward(w, &h)?;
                h = y;
                Some(s)
            }
            None => None,
        };
        let (recon, output_saved) = self.output.forward(w, &h)?;

        // Loss and the gradient of each term at its input.
        let n = recon.data.len() as f64;
        let row_len = n / rows as f64;
        if n as usize != x.data.len() {
            return Err(NnError::Invalid(format!(
                "the decoder gives {} values per batch but x holds {}",
                recon.data.len(),
                x.data.len()
            )));
        }
        let mut drecon = Tensor::zeros(&recon.shape);
        let mut sse = 0.0;
        for ((g, r), t) in drecon.data.iter_mut().zip(&recon.data).zip(&x.data) {
            let e = *r - *t;
            sse += (e * e).to_f64_exact();
            *g = T::of(2.0 * grad_scale / row_len) * e;
        }
        let (mut dmu, mut dlv) = (
            vec![T::zero(); rows * latent],
            vec![T::zero(); rows * latent],
        );
        let kl = gaussian_kl(
            &enc.mu.data,
            &enc.log_var.data,
            T::of(grad_scale * weights.beta / latent as f64),
            &mut dmu,
            &mut dlv,
        );
        let l1_scale = T::of(grad_scale * weights.lambda);
        let mut d_l1 = vec![T::zero(); d.data.len()];
        let mut e_l1 = vec![T::zero(); enc.embedding.data.len()];
        let l1 = activity_l1(&d.data, l1_scale, &mut d_l1)
            + activity_l1(&enc.embedding.data, l1_scale, &mut e_l1);

        // Backward through the decoder.
        let mut g = self.output.backward(w, &output_saved, &drecon, grad);
        if let (Some(n), Some(s)) = (&self.decoder_norm, &norm_saved) {
            g = n.backward(w, s, &g, grad);
        }
        for (b, s) in self.decoder_blocks.iter().zip(&blocks).rev() {
            g = b.backward(w, s, &g, grad);
        }
        let g = RELU.backward(w, &first_out, &g, grad);
        let g = self.decoder_first.backward(w, &first_saved, &g, grad);
        let mut g = self.repeat.backward(w, &(), &g, grad);
        g.data.iter_mut().zip(&d_l1).for_each(|(a, b)| *a += *b);
        let g = RELU.backward(w, &d, &g, grad);
        let dz = self.decoder_embedding.backward(w, &z, &g, grad);
        reparameterise_backward(&dz.data, eps, &std, &mut dmu, &mut dlv);

        // Backward through the encoder.
        let dmu = Tensor {
            shape: vec![rows, latent],
            data: dmu,
        };
        let dlv = Tensor {
            shape: vec![rows, latent],
            data: dlv,
        };
        let mut g = self.mean.backward(w, &es.embedding, &dmu, grad);
        let g_lv = self.log_var.backward(w, &es.embedding, &dlv, grad);
        g.data
            .iter_mut()
            .zip(g_lv.data.iter().zip(&e_l1))
            .for_each(|(a, (b, c))| *a += *b + *c);
        let g = RELU.backward(w, &es.embedding, &g, grad);
        let g = self.encoder_embedding.backward(w, &es.dense_in, &g, grad);
        let mut g = RELU.backward(w, &es.dense_in, &g, grad);
        if let (Some(n), Some(s)) = (&self.encoder_norm, &es.norm) {
            g = n.backward(w, s, &g, grad);
        }
        let mut g = self.encoder_last.backward(w, &es.last, &g, grad);
        for (b, s) in self.encoder_blocks.iter().zip(&es.blocks).rev() {
            g = b.backward(w, s, &g, grad);
        }
        let sums = LossSums {
            reconstruction: sse / row_len,
            kl: kl / latent as f64,
            l1,
        };
        Ok((sums, es.norm))
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layers::gradcheck::{finite_differences, probes, relative_error};
    use super::*;

    fn tiny(normalisation: bool) -> LstmVaeArchitecture {
        LstmVaeArchitecture {
            steps: 6,
            channels: 1,
            output_steps: if normalisation { 6 } else { 3 },
            output_channels: if normalisation { 1 } else { 2 },
            hidden: 3,
            blocks: 1,
            embedding: 4,
            latent: 2,
            normalisation,
        }
    }

    /// The whole loss against central differences in f64, every tensor probed.
    #[test]
    fn the_whole_loss_gradient_matches_finite_differences_for_both_variants() {
        for normalisation in [true, false] {
            let net = Network::new(&tiny(normalisation));
            let mut rng = Xoshiro256::seed_from_u64(11);
            let (mut p, mut s) = (
                vec![0.0f64; net.params.total()],
                vec![0.0f64; net.state.total()],
            );
            net.init(&mut p, &mut s, &mut rng);
            p.iter_mut().for_each(|v| *v += 0.05 * rng.normal());
            let rows = 5;
            let x = net
                .input(
                    &(0..rows * 6).map(|_| rng.normal()).collect::<Vec<_>>(),
                    rows,
                )
                .unwrap();
            let eps: Vec<f64> = (0..rows * 2).map(|_| rng.normal()).collect();
            // The paper's batch loss: sums over rows scaled by 1/B.
            let weights = LossWeights {
                beta: 0.3,
                lambda: 0.05,
            };
            let scale = 1.0 / rows as f64;
            let loss = |p: &[f64]| {
                let w = Weights {
                    params: p,
                    state: &s,
                };
                let (t, _) = net
                    .batch_loss_and_gradient(w, &x, &eps, weights, scale, &mut vec![0.0; p.len()])
                    .unwrap();
                (t.reconstruction + weights.beta * t.kl + weights.lambda * t.l1) * scale
            };
            let mut grad = vec![0.0; p.len()];
            net.batch_loss_and_gradient(
                Weights {
                    params: &p,
                    state: &s,
                },
                &x,
                &eps,
                weights,
                scale,
                &mut grad,
            )
            .unwrap();
            for spec in net.params.tensors() {
                let idx: Vec<usize> = probes(spec.len())
                    .into_iter()
                    .map(|i| spec.offset + i)
                    .collect();
                let fd = finite_differences(loss, &p, &idx);
                let got: Vec<f64> = idx.iter().map(|&i| grad[i]).collect();
                let err = relative_error(&got, &fd);
                assert!(
                    err < 1e-6,
                    "normalisation {normalisation}: {} off by {err:e}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn paper_size_models_have_the_papers_parameter_counts() {
        // models.md section 4: 5,018,527 (toy) and 5,017,922 (BEPS) trainable parameters.
        assert_eq!(
            Network::new(&LstmVaeArchitecture::toy()).params.total(),
            5_018_527
        );
        assert_eq!(
            Network::new(&LstmVaeArchitecture::beps()).params.total(),
            5_017_922
        );
    }
}
