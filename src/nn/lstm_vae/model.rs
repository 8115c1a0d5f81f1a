//! The trainable LSTM beta-VAE: weights, staged training with the best weights of every stage,
//! active channels per stage and the selection of the stage with the target count.

use super::super::adam::Adam;
use super::super::error::{NnError, invalid};
use super::super::layers::Weights;
use super::super::schedule::{Schedule, StagedSchedule};
use super::super::tensor::Tensor;
use super::super::train::{self, EpochRecord, TrainSettings, TrainState};
use super::architecture::LstmVaeArchitecture;
use super::keys::{
    BetaStepRule, LstmVaeSettings, Scaling, StageOptimizer, Variant, check_lambda_growth,
};
use super::network::Network;
use crate::analysis::{ScalerMode, StandardScaler};
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array2, Array3, ArrayView2};
use std::path::PathBuf;

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

/// One set of weights: parameters and the state of the normalisation layers.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Kept {
    pub params: Vec<f32>,
    pub state: Vec<f32>,
}

impl Kept {
    pub fn view(&self) -> Weights<'_, f32> {
        Weights {
            params: &self.params,
            state: &self.state,
        }
    }
}

/// The best weights seen so far in the running stage.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Best {
    pub loss: f64,
    pub epoch: usize,
    pub weights: Kept,
}

/// What [`LstmVae::encode`] gives, each `rows x width`.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoding {
    /// Latent means (the paper's maps and the active-channel test use these).
    pub mu: Array2<f64>,
    /// Latent log-variances.
    pub log_var: Array2<f64>,
    /// One sample `mu + exp(log_var / 2) eps`, eps seeded by `lstm_vae.seed`.
    pub z: Array2<f64>,
    /// The encoder's L1-penalised dense activations before the latent layer
    /// (`lstm_vae.embedding` wide; the paper's code calls them `embedding_pre`).
    pub embedding: Array2<f64>,
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
/// assert_eq!(vae.encode(rows.view())?.mu.dim(), (16, 2));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LstmVae {
    pub(super) settings: LstmVaeSettings,
    pub(super) net: Network,
    pub(super) scaler: Option<StandardScaler>,
    pub(super) params: Vec<f32>,
    pub(super) state: Vec<f32>,
    pub(super) train_state: Option<TrainState>,
    pub(super) beta_step: Option<f64>,
    pub(super) best: Option<Best>,
    pub(super) stages: Vec<StageRecord>,
    pub(super) selected: Option<(usize, Kept)>,
    pub(super) checkpoint: Option<PathBuf>,
    pub(super) stage_dir: Option<PathBuf>,
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
            scaler: None,
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
            checkpoint: None,
            stage_dir: None,
        })
    }

    /// The shapes of the network.
    pub fn architecture(&self) -> &LstmVaeArchitecture {
        &self.net.arch
    }

    /// The settings the model was made (or last trained) with.
    pub fn settings(&self) -> &LstmVaeSettings {
        &self.settings
    }

    /// Trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.params.len()
    }

    /// The standardisation fitted on the first training data (None before training, or with
    /// `lstm_vae.scaling = "none"`).
    pub fn scaler(&self) -> Option<&StandardScaler> {
        self.scaler.as_ref()
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

    /// Why no stage is selected after a finished run (None while training is unfinished or
    /// when a stage was selected): the target and the active-channel count of every stage,
    /// so that a caller can pick another target or train longer.
    pub fn selection_warning(&self) -> Option<String> {
        if self.selected.is_some() || self.epochs_done() < self.settings.epochs {
            return None;
        }
        let counts: Vec<String> = self
            .stages
            .iter()
            .map(|r| format!("stage {} (beta {:.4}): {}", r.stage, r.beta, r.active))
            .collect();
        Some(format!(
            "no stage after priming has lstm_vae.target_active = {} active channels; active channels per stage: {}",
            self.settings.target_active,
            counts.join(", ")
        ))
    }

    /// The beta added per stage (after priming when `beta_step_rule = "auto60"`).
    pub fn beta_step(&self) -> Option<f64> {
        self.beta_step
    }

    /// One record per finished epoch (`seconds` is NaN for epochs read from a file).
    pub fn history(&self) -> &[EpochRecord] {
        self.train_state.as_ref().map_or(&[], |s| &s.history)
    }

    /// Epochs finished so far.
    pub fn epochs_done(&self) -> usize {
        self.train_state.as_ref().map_or(0, |s| s.epochs_done)
    }

    /// Sets the epochs to train in total (to train a finished model further).
    pub fn set_epochs(&mut self, epochs: usize) -> Result<(), NnError> {
        if epochs == 0 {
            return Err(invalid("lstm_vae.epochs = 0: must be at least 1"));
        }
        self.settings.epochs = epochs;
        Ok(())
    }

    /// The checkpoint file of later training runs (None: none). With one set, training
    /// first adopts the file if it exists (a checkpoint of this model and data: a run killed
    /// at any moment resumes to the same bytes), then rewrites it every
    /// `lstm_vae.checkpoint_every` epochs, at the end of every stage and on cancellation.
    /// Refused now, naming it, when it could not be written (missing or read-only folder, a
    /// link, not a regular file).
    pub fn set_checkpoint(&mut self, path: Option<PathBuf>) -> Result<(), NnError> {
        if let Some(p) = &path {
            crate::io::atomic::check_writable(p)
                .map_err(|e| NnError::Io(format!("checkpoint {}: {e}", p.display())))?;
        }
        self.checkpoint = path;
        Ok(())
    }

    /// The folder where every finished stage's best weights are kept as a model file,
    /// `stage-NNN.safetensors` (NNN: the stage, 000 for priming), for the per-stage maps the
    /// paper chose its stage by (None: not kept). Refused now, naming it, when it is not a
    /// writable folder.
    ///
    /// ```
    /// use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings};
    /// use ferrolab::progress::Progress;
    /// let mut s = LstmVaeSettings::default();
    /// (s.hidden, s.blocks, s.latent, s.embedding) = (4, 1, 2, 4);
    /// (s.epochs, s.priming_epochs, s.stage_epochs, s.batch_size, s.target_active) = (3, 1, 1, 8, 1);
    /// let dir = std::env::temp_dir().join(format!("ferrolab-stages-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let mut vae = LstmVae::new(&s, 6)?;
    /// vae.set_stage_dir(Some(dir.clone()))?;
    /// vae.train(ndarray::Array2::from_shape_fn((16, 6), |(i, t)| (i * t) as f64).view(), &Progress::new())?;
    /// let stage1 = LstmVae::load(&dir.join("stage-001.safetensors"))?;
    /// assert_eq!(stage1.stages().last().unwrap().stage, 1);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn set_stage_dir(&mut self, dir: Option<PathBuf>) -> Result<(), NnError> {
        if let Some(d) = &dir {
            Self::check_stage_dir(d)?;
        }
        self.stage_dir = dir;
        Ok(())
    }

    /// The check [`Self::set_stage_dir`] makes: the folder exists and stage files can be
    /// written in it (for callers that set the folder before they hold the model).
    pub fn check_stage_dir(dir: &std::path::Path) -> Result<(), NnError> {
        crate::io::atomic::check_writable(&dir.join(stage_file_name(0)))
            .map_err(|e| NnError::Io(format!("stage folder {}: {e}", dir.display())))
    }

    /// Writes a finished stage's best weights to the stage folder, if one is set.
    fn keep_stage(&self, stage: usize, weights: &Kept) -> Result<(), NnError> {
        let Some(dir) = &self.stage_dir else {
            return Ok(());
        };
        let model = Self {
            settings: self.settings.clone(),
            net: self.net.clone(),
            scaler: self.scaler.clone(),
            params: weights.params.clone(),
            state: weights.state.clone(),
            train_state: None,
            beta_step: self.beta_step,
            best: None,
            stages: self.stages.clone(),
            selected: None,
            checkpoint: None,
            stage_dir: None,
        };
        model.save(&dir.join(stage_file_name(stage)))
    }

    /// Trains on `data` (rows x `row_len` in their own units; standardised as
    /// `lstm_vae.scaling` says with statistics fitted on the first call) until
    /// `lstm_vae.epochs` epochs are done in total, one stage at a time, keeping each stage's
    /// best weights and selecting the stage with the target active-channel count. Cancelling
    /// keeps the last finished epoch; a later call continues from there on the same data.
    pub fn train(&mut self, data: ArrayView2<f64>, progress: &Progress) -> Result<(), NnError> {
        self.check_rows(data, "data")?;
        if data.nrows() == 0 {
            return Err(invalid("data has no rows"));
        }
        if let Some(path) = self.checkpoint.clone()
            && path.exists()
        {
            self.adopt_checkpoint(&path)?;
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
        let scaler = match &self.scaler {
            Some(s) => Some(s.clone()),
            None if self.train_state.is_none() => self.fit_scaler(data)?,
            None => None,
        };
        let data32 = standardised(scaler.as_ref(), data, &self.net.arch)?;
        let crc = train::data_crc(data32.view());
        let mut state = match self.train_state.take() {
            Some(st) if st.data_crc == crc => st,
            Some(st) => {
                self.train_state = Some(st);
                return Err(invalid(
                    "data differ from the data this model was trained on; train a new model",
                ));
            }
            None => {
                let mut st = TrainState::new(self.params.len(), &self.training(0, 0.0), crc);
                st.adam = self.fresh_adam();
                st
            }
        };
        self.scaler = scaler;
        let result =
            crate::parallel::install(|| self.run_stages(data32.view(), &mut state, progress))
                .map_err(|e| NnError::Invalid(e.to_string()));
        self.train_state = Some(state);
        let result = result?;
        if matches!(result, Err(NnError::Cancelled { .. })) {
            self.write_checkpoint()?;
        }
        result
    }

    /// The scaler `lstm_vae.scaling` asks for, fitted on `data`.
    fn fit_scaler(&self, data: ArrayView2<f64>) -> Result<Option<StandardScaler>, NnError> {
        let mode = match (self.settings.scaling, self.settings.variant) {
            (Scaling::None, _) => return Ok(None),
            (Scaling::PerStep, _) | (Scaling::Variant, Variant::Toy) => ScalerMode::PerStep,
            (Scaling::PerChannel, _) | (Scaling::Variant, Variant::Beps) => ScalerMode::PerChannel,
        };
        let rows = as_sequences(data, &self.net.arch)?;
        StandardScaler::fit(rows.view(), mode)
            .map(Some)
            .map_err(|e| invalid(format!("data: {e}")))
    }

    /// Takes everything from the checkpoint at `path` when it holds this model (same
    /// architecture and settings but for `lstm_vae.epochs` and `checkpoint_every`).
    fn adopt_checkpoint(&mut self, path: &std::path::Path) -> Result<(), NnError> {
        let mut theirs = Self::load(path)?;
        let mut comparable = theirs.settings.clone();
        comparable.epochs = self.settings.epochs;
        comparable.checkpoint_every = self.settings.checkpoint_every;
        if comparable != self.settings || theirs.net.arch != self.net.arch {
            return Err(invalid(format!(
                "{} is a checkpoint of another model (architecture or lstm_vae.* settings differ): remove it or give another path",
                path.display()
            )));
        }
        theirs.settings = comparable;
        theirs.checkpoint = self.checkpoint.take();
        theirs.stage_dir = self.stage_dir.take();
        *self = theirs;
        Ok(())
    }

    /// Saves to the checkpoint file, if one is set.
    fn write_checkpoint(&self) -> Result<(), NnError> {
        match &self.checkpoint {
            Some(path) => self.save(path),
            None => Ok(()),
        }
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

    /// Trains stage by stage, in pieces that end at stage ends and checkpoint times, so that
    /// every checkpoint is written between epochs with the whole model at hand.
    fn run_stages(
        &mut self,
        data: ArrayView2<f32>,
        state: &mut TrainState,
        progress: &Progress,
    ) -> Result<(), NnError> {
        let total = self.settings.epochs;
        let every = self.settings.checkpoint_every;
        while state.epochs_done < total {
            let stage = self.schedule(0.0).stage_of(state.epochs_done);
            let beta_step = match (stage, self.beta_step) {
                (_, Some(b)) => b,
                (0, None) => 0.0,
                (_, None) => {
                    let b = auto60(&state.history)?;
                    let last = self.schedule(b).stage_of(total.saturating_sub(1));
                    check_lambda_growth(
                        b,
                        last,
                        &format!("lstm_vae.beta_step_rule = \"auto60\" (beta step {b:.3e})"),
                    )?;
                    self.beta_step = Some(b);
                    b
                }
            };
            let stage_end = self.schedule(beta_step).stage_end(stage);
            let mut end = stage_end.min(total);
            if let Some(k) = state.epochs_done.checked_div(every) {
                end = end.min((k + 1) * every);
            }
            let training = self.training(end, beta_step);
            let job = train::Job {
                objective: &self.net,
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
                        weights: Kept {
                            params: p.to_vec(),
                            state: st.to_vec(),
                        },
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
            if end == stage_end || end == total {
                self.finish_stage(stage, beta_step, data, state, end == stage_end)?;
            }
            if self.checkpoint.is_some() {
                // The state lives outside `self` while training: lend it for the write.
                self.train_state = Some(std::mem::replace(
                    state,
                    TrainState::new(0, &self.training(0, 0.0), 0),
                ));
                let written = self.write_checkpoint();
                *state = self.train_state.take().expect("just set");
                written?;
            }
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
            best.weights.view(),
            data,
            self.settings.batch_size,
        )?;
        let active = self.active_channels(&channel_kl).len();
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
        if complete {
            self.keep_stage(stage, &best.weights)?;
        }
        if stage > 0 && active == self.settings.target_active && self.selected.is_none() {
            self.selected = Some((stage, best.weights.clone()));
        }
        if complete && self.settings.stage_optimizer == StageOptimizer::Restart {
            self.params.copy_from_slice(&best.weights.params);
            self.state.copy_from_slice(&best.weights.state);
            state.adam = self.fresh_adam();
        }
        Ok(())
    }

    /// The weights in use: the selected stage's, else the latest.
    fn weights(&self) -> Weights<'_, f32> {
        match &self.selected {
            Some((_, k)) => k.view(),
            None => Weights {
                params: &self.params,
                state: &self.state,
            },
        }
    }

    /// Latent means, log-variances, a sample and the encoder's embedding of `data` (rows in
    /// their own units, standardised as in training), with the selected stage's weights (the
    /// latest when none is selected).
    pub fn encode(&self, data: ArrayView2<f64>) -> Result<Encoding, NnError> {
        self.check_rows(data, "data")?;
        let a = &self.net.arch;
        let n = data.nrows();
        check_output(n, 3 * a.latent + a.embedding, "the encoding")?;
        let x = standardised(self.scaler.as_ref(), data, a)?;
        let mut out = Encoding {
            mu: Array2::zeros((n, a.latent)),
            log_var: Array2::zeros((n, a.latent)),
            z: Array2::zeros((n, a.latent)),
            embedding: Array2::zeros((n, a.embedding)),
        };
        let mut rng = Xoshiro256::substream(self.settings.seed, 5);
        self.in_batches(n, |rows| {
            let input = self.net.input(
                x.slice(ndarray::s![rows.clone(), ..])
                    .as_slice()
                    .expect("standard layout"),
                rows.len(),
            )?;
            let enc = self.net.encode(self.weights(), &input)?;
            let r = rows.start;
            for (k, (m, lv)) in enc.mu.data.iter().zip(&enc.log_var.data).enumerate() {
                let (i, j) = (r + k / a.latent, k % a.latent);
                let (m, lv) = (f64::from(*m), f64::from(*lv));
                out.mu[[i, j]] = m;
                out.log_var[[i, j]] = lv;
                out.z[[i, j]] = m + (0.5 * lv).exp() * rng.normal();
            }
            for (k, e) in enc.embedding.data.iter().enumerate() {
                out.embedding[[r + k / a.embedding, k % a.embedding]] = f64::from(*e);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Decoded rows (in the data's units) of latent codes `z` (rows x `lstm_vae.latent`).
    pub fn decode(&self, z: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let a = &self.net.arch;
        if z.ncols() != a.latent {
            return Err(invalid(format!(
                "z has {} columns; the model has {} latent channels",
                z.ncols(),
                a.latent
            )));
        }
        check_finite(z, "z")?;
        let decoded = self.decode_standardised(z)?;
        match &self.scaler {
            None => Ok(decoded),
            Some(s) => {
                let seq = as_sequences(decoded.view(), a)?;
                let raw = s
                    .invert(seq.view())
                    .map_err(|e| invalid(format!("z: {e}")))?;
                Ok(raw
                    .into_shape_with_order((z.nrows(), a.row_len()))
                    .map_err(|e| invalid(e.to_string()))?)
            }
        }
    }

    /// The decoder's output in standardised units.
    fn decode_standardised(&self, z: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let a = &self.net.arch;
        let n = z.nrows();
        check_output(n, a.row_len(), "the decoded rows")?;
        let z32: Vec<f32> = z.iter().map(|v| *v as f32).collect();
        let mut out = Array2::zeros((n, a.row_len()));
        self.in_batches(n, |rows| {
            let zt = Tensor::from_vec(
                &[rows.len(), a.latent],
                z32[rows.start * a.latent..rows.end * a.latent].to_vec(),
            )
            .ok_or_else(|| invalid("z batch shape"))?;
            let y = self.net.decode(self.weights(), &zt)?;
            for (k, v) in y.data.iter().enumerate() {
                out[[rows.start + k / a.row_len(), k % a.row_len()]] = f64::from(*v);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// `data` through the encoder's means and the decoder, in the data's units.
    pub fn reconstruct(&self, data: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let enc = self.encode(data)?;
        self.decode(enc.mu.view())
    }

    /// Reconstruction minus data in standardised units, rows x values: the paper's errors
    /// (their squares averaged over a row are its per-pixel MSE; per column, its per-index
    /// errors).
    pub fn residuals(&self, data: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let enc = self.encode(data)?;
        let recon = self.decode_standardised(enc.mu.view())?;
        let x = standardised(self.scaler.as_ref(), data, &self.net.arch)?;
        Ok(recon - x.mapv(f64::from))
    }

    /// The channels whose mean KL in `channel_kl` (one per latent channel, nat, as
    /// [`Self::channel_kl`] or a [`StageRecord`] holds) exceeds `lstm_vae.active_threshold`.
    ///
    /// ```
    /// use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings};
    /// let vae = LstmVae::new(&LstmVaeSettings { hidden: 4, blocks: 0, ..Default::default() }, 25)?;
    /// assert_eq!(vae.active_channels(&[0.01, 0.3, 0.05, 2.0]), vec![1, 3]);
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn active_channels(&self, channel_kl: &[f64]) -> Vec<usize> {
        (0..channel_kl.len())
            .filter(|&j| channel_kl[j] > self.settings.active_threshold)
            .collect()
    }

    /// Mean KL per latent channel over `data` with the weights in use (nat).
    pub fn channel_kl(&self, data: ArrayView2<f64>) -> Result<Vec<f64>, NnError> {
        self.check_rows(data, "data")?;
        let x = standardised(self.scaler.as_ref(), data, &self.net.arch)?;
        crate::parallel::install(|| {
            channel_kl(
                &self.net,
                self.weights(),
                x.view(),
                self.settings.batch_size,
            )
        })
        .map_err(|e| NnError::Invalid(e.to_string()))?
    }

    /// Runs `f` on consecutive row ranges of at most `lstm_vae.batch_size` rows, on the
    /// library's pool.
    fn in_batches(
        &self,
        n: usize,
        mut f: impl FnMut(std::ops::Range<usize>) -> Result<(), NnError> + Send,
    ) -> Result<(), NnError> {
        let batch = self.settings.batch_size.max(1);
        crate::parallel::install(|| {
            (0..n)
                .step_by(batch)
                .try_for_each(|start| f(start..(start + batch).min(n)))
        })
        .map_err(|e| NnError::Invalid(e.to_string()))?
    }

    fn check_rows(&self, data: ArrayView2<f64>, name: &str) -> Result<(), NnError> {
        let row_len = self.net.arch.row_len();
        if data.ncols() != row_len {
            return Err(invalid(format!(
                "{name} has shape ({}, {}); the model takes rows of {row_len} values",
                data.nrows(),
                data.ncols()
            )));
        }
        check_finite(data, name)
    }
}

fn check_finite(x: ArrayView2<f64>, name: &str) -> Result<(), NnError> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(bad) => Err(invalid(format!(
            "{name} element {bad} is {}",
            x.iter().nth(bad).unwrap_or(&0.0)
        ))),
        None => Ok(()),
    }
}

/// Refuses outputs of `rows x width` f64 values beyond the memory budget.
fn check_output(rows: usize, width: usize, what: &str) -> Result<(), NnError> {
    let bytes = crate::limits::bytes_of::<f64>(&[rows, width]);
    Ok(crate::limits::check(
        &format!("{rows} rows: {what}"),
        bytes,
    )?)
}

/// Rows of `arch.row_len()` values as `(rows, steps, channels)` sequences: the toy's one
/// channel, or the BEPS variant's interleaved piezoresponse and resonance.
fn as_sequences(data: ArrayView2<f64>, arch: &LstmVaeArchitecture) -> Result<Array3<f64>, NnError> {
    data.as_standard_layout()
        .into_owned()
        .into_shape_with_order((data.nrows(), arch.output_steps, arch.output_channels))
        .map_err(|e| invalid(format!("data rows: {e}")))
}

/// `data` standardised by `scaler` (as given without one), as f32 in standard layout.
fn standardised(
    scaler: Option<&StandardScaler>,
    data: ArrayView2<f64>,
    arch: &LstmVaeArchitecture,
) -> Result<Array2<f32>, NnError> {
    let n = data.nrows();
    let scaled = match scaler {
        None => data.to_owned(),
        Some(s) => s
            .apply(as_sequences(data, arch)?.view())
            .map_err(|e| invalid(format!("data: {e}")))?
            .into_shape_with_order((n, arch.row_len()))
            .map_err(|e| invalid(e.to_string()))?,
    };
    Ok(scaled.mapv(|v| v as f32).as_standard_layout().to_owned())
}

/// The file of a stage's best weights in the stage folder.
fn stage_file_name(stage: usize) -> String {
    format!("stage-{stage:03}.safetensors")
}

/// The shapes of `settings` for rows of `row_len` values.
pub(super) fn architecture(
    s: &LstmVaeSettings,
    row_len: usize,
) -> Result<LstmVaeArchitecture, NnError> {
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

/// Mean KL per latent channel over `data` (standardised) in inference mode.
fn channel_kl(
    net: &Network,
    w: Weights<f32>,
    data: ArrayView2<f32>,
    batch: usize,
) -> Result<Vec<f64>, NnError> {
    let latent = net.arch.latent;
    let mut sums = vec![0.0f64; latent];
    let rows: Vec<f32> = data.iter().copied().collect();
    let row_len = net.arch.row_len();
    for chunk in rows.chunks(batch.max(1) * row_len) {
        let x = net.input(chunk, chunk.len() / row_len)?;
        let enc = net.encode(w, &x)?;
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
        // Random data: nothing for a latent channel to carry, so no stage is selected.
        assert_eq!(vae.selected_stage(), None);
        let warning = vae.selection_warning().unwrap();
        assert!(
            warning.contains("target_active = 1") && warning.contains("stage 3 (beta 0.0150): 0"),
            "{warning}"
        );
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
        // One stage after priming: this tiny model's KL is small, and auto60's step large.
        (s.beta_step_rule, s.epochs) = (BetaStepRule::Auto60, 5);
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

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ferrolab-lstm-vae-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    /// Asserts two files are equal, showing where they first differ.
    fn same_bytes(a: &std::path::Path, b: &std::path::Path) {
        let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        if let Some(k) = (0..x.len().min(y.len())).find(|&k| x[k] != y[k]) {
            let around = |v: &[u8]| {
                String::from_utf8_lossy(&v[k.saturating_sub(80)..(k + 80).min(v.len())])
                    .into_owned()
            };
            panic!("files differ at byte {k}:\n{}\n{}", around(&x), around(&y));
        }
        assert_eq!(x.len(), y.len());
    }

    #[test]
    fn a_saved_model_loads_to_the_same_bytes_and_outputs() {
        let mut vae = LstmVae::new(&tiny(), 8).unwrap();
        let x = data().mapv(|v| 3.0 * v + 10.0);
        vae.train(x.view(), &Progress::new()).unwrap();
        let (a, b) = (scratch("a.safetensors"), scratch("b.safetensors"));
        vae.save(&a).unwrap();
        let again = LstmVae::load(&a).unwrap();
        again.save(&b).unwrap();
        same_bytes(&a, &b);
        assert_eq!(again.stages(), vae.stages());
        assert_eq!(again.selected_stage(), vae.selected_stage());
        assert_eq!(again.scaler(), vae.scaler());
        assert_eq!(
            again.encode(x.view()).unwrap(),
            vae.encode(x.view()).unwrap()
        );
        // The history keeps everything but wall-clock time.
        let strip = |h: &[EpochRecord]| {
            h.iter()
                .map(|r| (r.epoch, r.beta, r.lambda, r.train))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(again.history()), strip(vae.history()));
        // A damaged byte is caught by the checksum.
        let mut bytes = std::fs::read(&a).unwrap();
        let k = bytes.len() - 3;
        bytes[k] ^= 1;
        std::fs::write(&b, &bytes).unwrap();
        let err = LstmVae::load(&b).unwrap_err().to_string();
        assert!(err.contains("checksum") || err.contains("crc"), "{err}");
    }

    #[test]
    fn encode_decode_and_residuals_work_in_the_data_units() {
        let mut s = tiny();
        s.epochs = 6;
        let mut vae = LstmVae::new(&s, 8).unwrap();
        let x = data().mapv(|v| 0.5 * v - 4.0);
        vae.train(x.view(), &Progress::new()).unwrap();
        let scaler = vae.scaler().unwrap();
        assert_eq!(scaler.mode(), ScalerMode::PerStep);
        assert_eq!(scaler.mean().dim(), (8, 1));
        let enc = vae.encode(x.view()).unwrap();
        assert_eq!(enc.embedding.dim(), (48, 4));
        assert_eq!(enc.z.dim(), (48, 3));
        let recon = vae.reconstruct(x.view()).unwrap();
        let res = vae.residuals(x.view()).unwrap();
        // residual = (recon - x) / std, per step.
        for ((i, t), r) in res.indexed_iter() {
            let want = (recon[[i, t]] - x[[i, t]]) / scaler.std()[[t, 0]];
            assert!((r - want).abs() < 1e-5 * (1.0 + want.abs()), "{r} {want}");
        }
        // Batching does not change the encoding.
        let mut one = vae.clone();
        one.settings.batch_size = 5;
        assert_eq!(one.encode(x.view()).unwrap(), enc);
        let err = vae
            .decode(Array2::zeros((2, 4)).view())
            .unwrap_err()
            .to_string();
        assert!(err.contains("3 latent channels"), "{err}");
    }

    #[test]
    fn the_beps_variant_scales_each_channel_globally() {
        let mut s = tiny();
        (s.variant, s.epochs) = (Variant::Beps, 2);
        let mut vae = LstmVae::new(&s, 8).unwrap();
        // Channel 1 (odd columns) a hundred times channel 0.
        let x = Array2::from_shape_fn((16, 8), |(i, k)| {
            ((i * 3 + k / 2) as f64).sin() * if k % 2 == 1 { 100.0 } else { 1.0 }
        });
        vae.train(x.view(), &Progress::new()).unwrap();
        let scaler = vae.scaler().unwrap();
        assert_eq!(scaler.mode(), ScalerMode::PerChannel);
        assert_eq!(scaler.mean().dim(), (1, 2));
        assert!((scaler.std()[[0, 1]] / scaler.std()[[0, 0]] - 100.0).abs() < 1e-9);
        assert_eq!(vae.reconstruct(x.view()).unwrap().dim(), (16, 8));
    }

    #[test]
    fn a_run_resumed_from_its_checkpoint_writes_the_same_bytes() {
        let mut s = tiny();
        s.checkpoint_every = 2;
        let whole = scratch("whole.safetensors");
        let mut vae = LstmVae::new(&s, 8).unwrap();
        vae.train(data().view(), &Progress::new()).unwrap();
        vae.save(&whole).unwrap();
        // A run that stops after epoch 5 (its last checkpoint: epoch 5, the end of stage 1
        // would be 7), then a new process that finds the checkpoint.
        let ckpt = scratch("resume.ckpt");
        let _ = std::fs::remove_file(&ckpt);
        let mut first = s.clone();
        first.epochs = 5;
        let mut vae = LstmVae::new(&first, 8).unwrap();
        vae.set_checkpoint(Some(ckpt.clone())).unwrap();
        vae.train(data().view(), &Progress::new()).unwrap();
        let mut resumed = LstmVae::new(&s, 8).unwrap();
        resumed.set_checkpoint(Some(ckpt.clone())).unwrap();
        resumed.train(data().view(), &Progress::new()).unwrap();
        let again = scratch("again.safetensors");
        resumed.save(&again).unwrap();
        same_bytes(&whole, &again);
        // A checkpoint of another model is refused, naming the file.
        let mut other = tiny();
        other.seed = 9;
        let mut vae = LstmVae::new(&other, 8).unwrap();
        vae.set_checkpoint(Some(ckpt.clone())).unwrap();
        let err = vae
            .train(data().view(), &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("checkpoint of another model"), "{err}");
    }

    #[test]
    fn a_beta_step_that_would_blow_lambda_up_is_refused_naming_its_cause() {
        let mut s = tiny();
        s.beta_step = 3.0; // 3 stages: beta 9 at the end, lambda 1e9 times its base
        let err = LstmVae::new(&s, 8).unwrap_err().to_string();
        assert!(
            err.contains("lstm_vae.beta_step") && err.contains("10^9.0"),
            "{err}"
        );
        // auto60 divides by the KL at the end of priming: tiny for a tiny model.
        let mut s = tiny();
        (s.variant, s.hidden, s.priming_epochs, s.beta_step_rule) =
            (Variant::Beps, 2, 2, BetaStepRule::Auto60);
        let mut vae = LstmVae::new(&s, 8).unwrap();
        let rows = Array2::from_shape_fn((6, 8), |(i, t)| ((i + 2 * t) as f64).cos());
        let err = vae
            .train(rows.view(), &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("auto60 divides by the KL"), "{err}");
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
