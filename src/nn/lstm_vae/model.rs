//! The trainable LSTM beta-VAE: weights, staged training with the best weights of every stage,
//! active channels per stage and the selection of the stage with the target count.

use super::super::adam::Adam;
use super::super::error::{NnError, invalid};
use super::super::layers::Weights;
use super::super::schedule::{Schedule, StagedSchedule};
use super::super::tensor::Tensor;
use super::super::train::{self, EpochRecord, TrainSettings, TrainState};
use super::architecture::LstmVaeArchitecture;
use super::keys::{BetaStepRule, LstmVaeSettings, StageOptimizer, Variant};
use super::network::Network;
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array2, ArrayView2};

/// One stage of a staged run (stage 0: priming) at its best epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct StageRecord {
    /// 0 for priming, then 1, 2, ...
    pub stage: usize,
    /// Beta of the stage.
    pub beta: f64,
    /// Lambda of the stage.
    pub lambda: f64,
    /// The epoch (from 1) with the lowest training loss in the stage.
    pub best_epoch: usize,
    /// That loss (per row, as in the history).
    pub best_loss: f64,
    /// Mean KL per latent channel over the training data at the best weights (nat).
    pub channel_kl: Vec<f64>,
    /// Channels whose mean KL exceeds `lstm_vae.active_threshold`.
    pub active: usize,
}

/// The best weights seen so far in the running stage.
#[derive(Clone, Debug)]
struct Best {
    loss: f64,
    epoch: usize,
    params: Vec<f32>,
    state: Vec<f32>,
}

/// Paper 001's LSTM beta-VAE with its staged training.
///
/// ```
/// use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings};
/// use ferrolab::progress::Progress;
/// let mut s = LstmVaeSettings::default();
/// (s.hidden, s.blocks, s.latent, s.embedding) = (4, 1, 2, 4);
/// (s.epochs, s.priming_epochs, s.stage_epochs, s.batch_size, s.target_active) = (3, 1, 1, 8, 1);
/// let rows = ndarray::Array2::from_shape_fn((16, 6), |(i, t)| ((i + t) as f64 * 0.3).sin());
/// let mut vae = LstmVae::new(&s, 6)?;
/// vae.train(rows.view(), &Progress::new())?;
/// assert_eq!(vae.stages().len(), 3); // priming and two stages
/// assert_eq!(vae.encode(rows.view())?.0.dim(), (16, 2));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LstmVae {
    settings: LstmVaeSettings,
    net: Network,
    params: Vec<f32>,
    state: Vec<f32>,
    train_state: Option<TrainState>,
    beta_step: Option<f64>,
    best: Option<Best>,
    stages: Vec<StageRecord>,
    selected: Option<(usize, Vec<f32>, Vec<f32>)>,
}

impl LstmVae {
    /// A fresh model for rows of `row_len` values, weights drawn from `settings.seed`.
    pub fn new(settings: &LstmVaeSettings, row_len: usize) -> Result<Self, NnError> {
        settings.validate()?;
        let arch = architecture(settings, row_len)?;
        let net = Network::new(&arch);
        // Parameters, gradient, Adam's two moments and two kept copies.
        let bytes = crate::limits::bytes_of::<f32>(&[net.params.total(), 6]);
        crate::limits::check(
            &format!(
                "lstm_vae.hidden = {}: the network's parameters",
                settings.hidden
            ),
            bytes,
        )?;
        let (mut params, mut state) = (
            vec![0.0f32; net.params.total()],
            vec![0.0f32; net.state.total()],
        );
        net.init(
            &mut params,
            &mut state,
            &mut Xoshiro256::substream(settings.seed, 2),
        );
        Ok(Self {
            settings: settings.clone(),
            net,
            params,
            state,
            train_state: None,
            beta_step: match settings.beta_step_rule {
                BetaStepRule::Fixed => Some(settings.beta_step),
                BetaStepRule::Auto60 => None,
            },
            best: None,
            stages: Vec::new(),
            selected: None,
        })
    }

    /// The shapes of the network.
    pub fn architecture(&self) -> &LstmVaeArchitecture {
        &self.net.arch
    }

    /// Trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.params.len()
    }

    /// The finished stages in order (priming first).
    pub fn stages(&self) -> &[StageRecord] {
        &self.stages
    }

    /// The stage whose weights [`Self::encode`] and [`Self::decode`] use: the first stage
    /// after priming with `lstm_vae.target_active` active channels, if any.
    pub fn selected_stage(&self) -> Option<usize> {
        self.selected.as_ref().map(|s| s.0)
    }

    /// The beta added per stage (after priming when `beta_step_rule = "auto60"`).
    pub fn beta_step(&self) -> Option<f64> {
        self.beta_step
    }

    /// One record per finished epoch.
    pub fn history(&self) -> &[EpochRecord] {
        self.train_state.as_ref().map_or(&[], |s| &s.history)
    }

    /// Trains on `data` (rows x `row_len`, already standardised) until `lstm_vae.epochs`
    /// epochs are done in total, one stage at a time, keeping each stage's best weights and
    /// selecting the stage with the target active-channel count. Cancelling keeps the last
    /// finished epoch; a later call continues from there.
    pub fn train(&mut self, data: ArrayView2<f64>, progress: &Progress) -> Result<(), NnError> {
        let row_len = self.net.arch.row_len();
        if data.ncols() != row_len || data.nrows() == 0 {
            return Err(invalid(format!(
                "data has shape ({}, {}); the model takes rows of {row_len} values",
                data.nrows(),
                data.ncols()
            )));
        }
        if let Some(bad) = data.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!(
                "data element {bad} is {}",
                data.iter().nth(bad).unwrap_or(&0.0)
            )));
        }
        // What a batch keeps for backpropagation: per LSTM direction, step and row about 16 h
        // values (input, four gates, cell, tanh(cell), output, and their gradients).
        let a = &self.net.arch;
        let directions = 2 * (4 * a.blocks + 2);
        let batch = self.settings.batch_size.min(data.nrows());
        let bytes = crate::limits::bytes_of::<f32>(&[
            batch,
            a.steps.max(a.output_steps),
            a.hidden,
            16,
            directions,
        ]);
        crate::limits::check(
            &format!("lstm_vae.batch_size = {batch}: one batch's activations"),
            bytes,
        )?;
        let data32 = data.mapv(|v| v as f32);
        let crc = train::data_crc(data32.view());
        let s = self.settings.clone();
        let mut state = match self.train_state.take() {
            Some(st) if st.data_crc == crc => st,
            Some(_) => {
                return Err(invalid(
                    "data differ from the data this model was trained on; train a new model",
                ));
            }
            None => {
                let mut st = TrainState::new(self.params.len(), &self.training(s.epochs, 0.0), crc);
                st.adam = self.fresh_adam();
                st
            }
        };
        let result =
            crate::parallel::install(|| self.run_stages(data32.view(), &mut state, progress))
                .map_err(|e| NnError::Invalid(e.to_string()))?;
        self.train_state = Some(state);
        result
    }

    /// Adam with the model's learning rate and Keras' epsilon.
    fn fresh_adam(&self) -> Adam {
        let mut adam = Adam::new(self.params.len(), self.settings.learning_rate);
        adam.eps = self.settings.adam_eps;
        adam
    }

    fn training(&self, epochs: usize, beta_step: f64) -> TrainSettings {
        let s = &self.settings;
        TrainSettings {
            epochs,
            batch_size: s.batch_size,
            learning_rate: s.learning_rate,
            schedule: Schedule::Staged(self.schedule(beta_step)),
            seed: s.seed,
            validation_fraction: 0.0,
            checkpoint_every: 0,
        }
    }

    fn schedule(&self, beta_step: f64) -> StagedSchedule {
        let s = &self.settings;
        StagedSchedule {
            priming_epochs: s.priming_epochs,
            stage_epochs: s.stage_epochs,
            beta_step,
            lambda_base: s.lambda_base,
        }
    }

    fn run_stages(
        &mut self,
        data: ArrayView2<f32>,
        state: &mut TrainState,
        progress: &Progress,
    ) -> Result<(), NnError> {
        let total = self.settings.epochs;
        while state.epochs_done < total {
            let stage = self.schedule(0.0).stage_of(state.epochs_done);
            let beta_step = match (stage, self.beta_step) {
                (_, Some(b)) => b,
                (0, None) => 0.0,
                (_, None) => {
                    let b = auto60(&state.history)?;
                    self.beta_step = Some(b);
                    b
                }
            };
            let end = self.schedule(beta_step).stage_end(stage).min(total);
            let training = self.training(end, beta_step);
            let net = &self.net;
            let job = train::Job {
                objective: net,
                // A reborrow: views are invariant in their lifetime.
                data: data.view(),
                settings: &training,
                progress,
                checkpointing: false,
                epochs_total: total,
            };
            let best = &mut self.best;
            let mut keep_best = |r: &EpochRecord, p: &[f32], st: &[f32]| {
                if best.as_ref().is_none_or(|b| r.train.total < b.loss) {
                    *best = Some(Best {
                        loss: r.train.total,
                        epoch: r.epoch,
                        params: p.to_vec(),
                        state: st.to_vec(),
                    });
                }
            };
            let no_checkpoints = |_: &[f32], _: &[f32], _: &TrainState| Ok(());
            job.run(
                &mut self.params,
                &mut self.state,
                state,
                &no_checkpoints,
                &mut keep_best,
            )?;
            let complete = end == self.schedule(beta_step).stage_end(stage);
            self.finish_stage(stage, beta_step, data, state, complete)?;
        }
        Ok(())
    }

    /// Records a stage at its best weights (again, replacing the record, when a run that
    /// stopped inside the stage is continued), and selects it when it has the target count of
    /// active channels. A stage cut short by `lstm_vae.epochs` keeps its best weights, so a
    /// longer run later continues the stage.
    fn finish_stage(
        &mut self,
        stage: usize,
        beta_step: f64,
        data: ArrayView2<f32>,
        state: &mut TrainState,
        complete: bool,
    ) -> Result<(), NnError> {
        let Some(best) = (if complete {
            self.best.take()
        } else {
            self.best.clone()
        }) else {
            return Ok(());
        };
        let channel_kl = channel_kl(
            &self.net,
            &best.params,
            &best.state,
            data,
            self.settings.batch_size,
        )?;
        let active = channel_kl
            .iter()
            .filter(|k| **k > self.settings.active_threshold)
            .count();
        let w = self.schedule(beta_step).weights_at(best.epoch - 1);
        if self.stages.last().is_some_and(|r| r.stage == stage) {
            self.stages.pop();
            if self.selected.as_ref().is_some_and(|s| s.0 == stage) {
                self.selected = None;
            }
        }
        self.stages.push(StageRecord {
            stage,
            beta: w.beta,
            lambda: w.lambda,
            best_epoch: best.epoch,
            best_loss: best.loss,
            channel_kl,
            active,
        });
        if stage > 0 && active == self.settings.target_active && self.selected.is_none() {
            self.selected = Some((stage, best.params.clone(), best.state.clone()));
        }
        if complete && self.settings.stage_optimizer == StageOptimizer::Restart {
            self.params.copy_from_slice(&best.params);
            self.state.copy_from_slice(&best.state);
            state.adam = self.fresh_adam();
        }
        Ok(())
    }

    /// The weights in use: the selected stage's, else the latest.
    fn weights(&self) -> (&[f32], &[f32]) {
        match &self.selected {
            Some((_, p, s)) => (p, s),
            None => (&self.params, &self.state),
        }
    }

    /// Latent means and log-variances `(rows x latent each)` of `data` (standardised rows).
    pub fn encode(&self, data: ArrayView2<f64>) -> Result<(Array2<f64>, Array2<f64>), NnError> {
        let (params, state) = self.weights();
        let x = self.rows_tensor(data)?;
        let enc = crate::parallel::install(|| self.net.encode(Weights { params, state }, &x))
            .map_err(|e| NnError::Invalid(e.to_string()))??;
        let shape = (data.nrows(), self.net.arch.latent);
        let to = |t: Tensor<f32>| {
            Array2::from_shape_vec(shape, t.data.iter().map(|v| f64::from(*v)).collect())
        };
        Ok((
            to(enc.mu).map_err(|e| invalid(e.to_string()))?,
            to(enc.log_var).map_err(|e| invalid(e.to_string()))?,
        ))
    }

    /// Mean KL per latent channel over `data` with the weights in use (nat).
    pub fn channel_kl(&self, data: ArrayView2<f64>) -> Result<Vec<f64>, NnError> {
        let (params, state) = self.weights();
        let x = data.mapv(|v| v as f32);
        crate::parallel::install(|| {
            channel_kl(&self.net, params, state, x.view(), self.settings.batch_size)
        })
        .map_err(|e| NnError::Invalid(e.to_string()))?
    }

    fn rows_tensor(&self, data: ArrayView2<f64>) -> Result<Tensor<f32>, NnError> {
        let row_len = self.net.arch.row_len();
        if data.ncols() != row_len {
            return Err(invalid(format!(
                "data has {} columns; the model takes rows of {row_len}",
                data.ncols()
            )));
        }
        self.net.input(
            &data.iter().map(|v| *v as f32).collect::<Vec<_>>(),
            data.nrows(),
        )
    }
}

/// The shapes of `settings` for rows of `row_len` values.
fn architecture(s: &LstmVaeSettings, row_len: usize) -> Result<LstmVaeArchitecture, NnError> {
    let (output_steps, output_channels, normalisation) = match s.variant {
        Variant::Toy => (row_len, 1, true),
        Variant::Beps if row_len.is_multiple_of(2) => (row_len / 2, 2, false),
        Variant::Beps => {
            return Err(invalid(format!(
                "lstm_vae.variant = \"beps\" needs rows of 2 x N values (piezoresponse and resonance interleaved), not {row_len}"
            )));
        }
    };
    if row_len == 0 {
        return Err(invalid("rows of 0 values"));
    }
    Ok(LstmVaeArchitecture {
        steps: row_len,
        channels: 1,
        output_steps,
        output_channels,
        hidden: s.hidden,
        blocks: s.blocks,
        embedding: s.embedding,
        latent: s.latent,
        normalisation,
    })
}

/// The paper's beta step: beta * KL is 60 % of the loss at the end of priming.
fn auto60(history: &[EpochRecord]) -> Result<f64, NnError> {
    let last = history
        .last()
        .ok_or_else(|| invalid("lstm_vae.beta_step_rule = \"auto60\" needs priming epochs"))?;
    if last.train.kl.is_nan() || last.train.kl <= 0.0 {
        return Err(NnError::Numerical(format!(
            "lstm_vae.beta_step_rule = \"auto60\": the KL at the end of priming is {}",
            last.train.kl
        )));
    }
    Ok(1.5 * last.train.reconstruction / last.train.kl)
}

/// Mean KL per latent channel over `data` in inference mode.
fn channel_kl(
    net: &Network,
    params: &[f32],
    state: &[f32],
    data: ArrayView2<f32>,
    batch: usize,
) -> Result<Vec<f64>, NnError> {
    let latent = net.arch.latent;
    let mut sums = vec![0.0f64; latent];
    let rows: Vec<f32> = data.iter().copied().collect();
    let row_len = net.arch.row_len();
    for chunk in rows.chunks(batch.max(1) * row_len) {
        let x = net.input(chunk, chunk.len() / row_len)?;
        let enc = net.encode(Weights { params, state }, &x)?;
        for (k, (m, lv)) in enc.mu.data.iter().zip(&enc.log_var.data).enumerate() {
            let (m, lv) = (f64::from(*m), f64::from(*lv));
            sums[k % latent] += 0.5 * (m * m + lv.exp() - lv - 1.0);
        }
    }
    let n = data.nrows().max(1) as f64;
    Ok(sums.into_iter().map(|s| s / n).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> LstmVaeSettings {
        let mut s = LstmVaeSettings::default();
        (s.hidden, s.blocks, s.latent, s.embedding) = (6, 1, 3, 4);
        (s.epochs, s.priming_epochs, s.stage_epochs) = (12, 4, 3);
        (s.batch_size, s.learning_rate, s.target_active) = (16, 3e-3, 1);
        s
    }

    fn data() -> Array2<f64> {
        let mut rng = Xoshiro256::seed_from_u64(4);
        Array2::from_shape_fn((48, 8), |_| rng.normal())
    }

    #[test]
    fn stages_follow_the_schedule_and_training_reduces_the_loss() {
        let mut vae = LstmVae::new(&tiny(), 8).unwrap();
        vae.train(data().view(), &Progress::new()).unwrap();
        let stages: Vec<(usize, f64)> = vae.stages().iter().map(|s| (s.stage, s.beta)).collect();
        assert_eq!(stages.len(), 4, "priming + 3 stages of 3 epochs");
        assert_eq!(stages[0], (0, 0.0));
        assert!((stages[3].1 - 3.0 * 5e-3).abs() < 1e-15);
        let h = vae.history();
        assert_eq!(h.len(), 12);
        assert!(
            h[3].train.reconstruction < h[0].train.reconstruction,
            "{h:?}"
        );
        // Every stage's best epoch lies inside it; lambda follows beta.
        for s in vae.stages() {
            let w = vae.schedule(5e-3).weights_at(s.best_epoch - 1);
            assert_eq!((w.beta, w.lambda), (s.beta, s.lambda));
            assert_eq!(s.channel_kl.len(), 3);
        }
    }

    #[test]
    fn results_do_not_depend_on_threads_or_on_stopping_and_resuming() {
        let run = |threads: usize, split: bool| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut vae = LstmVae::new(&tiny(), 8).unwrap();
                if split {
                    // Stop in the middle of stage 1 (6 epochs), then train on to 12.
                    let mut first = tiny();
                    first.epochs = 6;
                    vae.settings = first;
                    vae.train(data().view(), &Progress::new()).unwrap();
                    vae.settings = tiny();
                }
                vae.train(data().view(), &Progress::new()).unwrap();
                (vae.params.clone(), vae.stages().to_vec())
            })
        };
        let one = run(1, false);
        assert_eq!(one, run(3, false));
        assert_eq!(one, run(2, true));
    }

    #[test]
    fn auto60_sets_beta_so_the_kl_term_is_60_percent_at_the_end_of_priming() {
        let mut s = tiny();
        s.beta_step_rule = BetaStepRule::Auto60;
        let mut vae = LstmVae::new(&s, 8).unwrap();
        vae.train(data().view(), &Progress::new()).unwrap();
        let primed = vae.history()[3].train;
        let b = vae.beta_step().unwrap();
        let share = b * primed.kl / (primed.reconstruction + b * primed.kl);
        assert!((share - 0.6).abs() < 1e-12, "{share}");
    }

    #[test]
    fn restart_mode_resumes_each_stage_from_the_previous_best_with_a_fresh_adam() {
        let train = |mode| {
            let mut s = tiny();
            s.stage_optimizer = mode;
            let mut vae = LstmVae::new(&s, 8).unwrap();
            vae.train(data().view(), &Progress::new()).unwrap();
            vae
        };
        let (keep, restart) = (train(StageOptimizer::Keep), train(StageOptimizer::Restart));
        let losses = |v: &LstmVae| {
            v.history()
                .iter()
                .map(|r| r.train.total)
                .collect::<Vec<_>>()
        };
        // Priming is the same; stage 1 starts from priming's best weights with a fresh Adam.
        assert_eq!(losses(&keep)[..4], losses(&restart)[..4]);
        assert_ne!(losses(&keep)[4], losses(&restart)[4]);
        // The last stage (epochs 11-12, cut short by lstm_vae.epochs) began with a fresh Adam.
        assert_eq!(restart.train_state.as_ref().unwrap().adam.step, 2 * 3);
        assert_eq!(keep.train_state.as_ref().unwrap().adam.step, 36);
    }

    #[test]
    fn bad_inputs_are_refused_with_their_names() {
        let mut s = tiny();
        s.variant = Variant::Beps;
        let err = LstmVae::new(&s, 7).unwrap_err().to_string();
        assert!(err.contains("lstm_vae.variant"), "{err}");
        let mut vae = LstmVae::new(&tiny(), 8).unwrap();
        let err = vae
            .train(Array2::zeros((4, 5)).view(), &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("rows of 8"), "{err}");
        let mut s = tiny();
        s.batch_size = 1 << 20;
        let mut huge = LstmVae::new(&s, 8).unwrap();
        let rows = Array2::zeros((1 << 20, 8));
        let err = huge
            .train(rows.view(), &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("lstm_vae.batch_size"), "{err}");
        let mut s = tiny();
        s.target_active = 4;
        assert!(
            LstmVae::new(&s, 8)
                .unwrap_err()
                .to_string()
                .contains("lstm_vae.target_active")
        );
    }
}
