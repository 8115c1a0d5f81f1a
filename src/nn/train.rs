//! The training loop shared by every model: seeded shuffling and reparameterisation noise, an
//! optional validation split, per-epoch history, progress, cancellation, periodic checkpoints
//! and exact resume. A model plugs in through [`Objective`].
//!
//! Random streams (all from `seed`, ferrolab's own generator): sub-stream 0 shuffles the
//! training rows each epoch and draws the noise of each batch in batch order; sub-stream 1
//! picks the validation rows; sub-stream 2 initialises the weights; sub-stream 3 draws the
//! validation noise (the same every epoch, so validation curves are comparable). Models split a
//! batch into fixed-size shards, so the weights depend on the seed only, not on the thread
//! count.

use super::adam::Adam;
use super::error::{NnError, invalid};
use super::layout::ParamLayout;
use super::schedule::{BetaSchedule, Schedule};
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::ArrayView2;
use std::time::Instant;

/// Sums over the rows of a batch (not means).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossSums {
    /// Reconstruction loss summed over rows.
    pub reconstruction: f64,
    /// KL divergence summed over rows.
    pub kl: f64,
    /// L1 activity penalty summed over rows (0 for models without one).
    pub l1: f64,
}

impl LossSums {
    fn add(&mut self, other: LossSums) {
        self.reconstruction += other.reconstruction;
        self.kl += other.kl;
        self.l1 += other.l1;
    }

    fn is_finite(&self) -> bool {
        self.reconstruction.is_finite() && self.kl.is_finite() && self.l1.is_finite()
    }
}

/// The weights of the loss terms in one epoch: `reconstruction + beta kl + lambda l1`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossWeights {
    /// Weight of the KL divergence.
    pub beta: f64,
    /// Weight of the L1 activity penalty.
    pub lambda: f64,
}

impl LossWeights {
    /// A KL weight without an L1 term (paper 000).
    pub fn beta_only(beta: f64) -> Self {
        Self { beta, lambda: 0.0 }
    }
}

/// What the training loop needs from a model: the loss and its gradient on one mini-batch.
pub trait Objective: Sync {
    /// Names and shapes of the parameters.
    fn layout(&self) -> &ParamLayout;
    /// Values per data row.
    fn row_len(&self) -> usize;
    /// Standard-normal draws per row (the reparameterisation noise); 0 for deterministic models.
    fn noise_dim(&self) -> usize;
    /// Values of non-trainable state (running statistics of normalisation layers); 0 for
    /// models without.
    fn state_len(&self) -> usize {
        0
    }
    /// Loss sums of the rows `x` (rows x `row_len`, scaled) with noise `noise` (rows x
    /// `noise_dim`), and the gradient of
    /// `(sum reconstruction + beta sum kl + lambda sum l1) * grad_scale` with respect to
    /// `params`, written over `grad`. Training mode: `state` is updated from the batch.
    #[allow(clippy::too_many_arguments)]
    fn loss_and_gradient(
        &self,
        params: &[f32],
        state: &mut [f32],
        x: &[f32],
        noise: &[f32],
        weights: LossWeights,
        grad_scale: f32,
        grad: &mut [f32],
    ) -> Result<LossSums, NnError>;
    /// Loss sums without the gradient, in inference mode (validation).
    fn loss(
        &self,
        params: &[f32],
        state: &[f32],
        x: &[f32],
        noise: &[f32],
    ) -> Result<LossSums, NnError>;
}

/// Optimisation settings (the `vae.*` keys; defaults are paper 000's).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSettings {
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per Adam step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Weights of the loss terms per epoch.
    pub schedule: Schedule,
    /// Seed of every random choice.
    pub seed: u64,
    /// Fraction of rows held out for validation (0: none).
    pub validation_fraction: f64,
    /// Write a checkpoint every this many epochs (0: never), when a checkpoint path is given.
    pub checkpoint_every: usize,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            epochs: 200,
            batch_size: 128,
            learning_rate: 1e-3,
            schedule: Schedule::Beta(BetaSchedule {
                beta: 0.1,
                warmup_epochs: 0,
            }),
            seed: 0,
            validation_fraction: 0.0,
            checkpoint_every: 10,
        }
    }
}

/// Per-row means of one epoch's losses.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossParts {
    /// Reconstruction + beta KL + lambda L1.
    pub total: f64,
    /// Reconstruction loss per row.
    pub reconstruction: f64,
    /// KL divergence per row.
    pub kl: f64,
    /// L1 activity penalty per row.
    pub l1: f64,
}

impl LossParts {
    fn from_sums(s: LossSums, rows: usize, w: LossWeights) -> Self {
        let n = rows as f64;
        Self {
            total: (s.reconstruction + w.beta * s.kl + w.lambda * s.l1) / n,
            reconstruction: s.reconstruction / n,
            kl: s.kl / n,
            l1: s.l1 / n,
        }
    }
}

/// One epoch of the history.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Beta used in this epoch.
    pub beta: f64,
    /// Lambda (L1 weight) used in this epoch.
    pub lambda: f64,
    /// Training losses averaged over the epoch's batches (weighted by rows).
    pub train: LossParts,
    /// Losses on the held-out rows after the epoch, if any are held out.
    pub validation: Option<LossParts>,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
}

/// Everything besides the weights that an exact resume needs.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState {
    /// Optimiser state.
    pub adam: Adam,
    /// Shuffling and noise stream, positioned after the last finished epoch.
    pub rng: Xoshiro256,
    /// Epochs finished.
    pub epochs_done: usize,
    /// One record per finished epoch.
    pub history: Vec<EpochRecord>,
    /// CRC-32 of the scaled training data, so a resume on other data is refused.
    pub data_crc: u32,
}

impl TrainState {
    /// The state before the first epoch.
    pub fn new(param_count: usize, settings: &TrainSettings, data_crc: u32) -> Self {
        Self {
            adam: Adam::new(param_count, settings.learning_rate),
            rng: Xoshiro256::substream(settings.seed, 0),
            epochs_done: 0,
            history: Vec::new(),
            data_crc,
        }
    }
}

impl TrainState {
    /// The state a model's `train` call continues from: the model's own (`slot`) when it was
    /// trained on data of checksum `crc`, `fresh()` when it has none. On other data the
    /// model's state stays in `slot` and the call fails with `mismatch`.
    pub fn continuing(
        slot: &mut Option<TrainState>,
        crc: u32,
        fresh: impl FnOnce() -> TrainState,
        mismatch: &str,
    ) -> Result<TrainState, NnError> {
        match slot.take() {
            Some(state) if state.data_crc == crc => Ok(state),
            Some(state) => {
                *slot = Some(state);
                Err(invalid(mismatch))
            }
            None => Ok(fresh()),
        }
    }
}

/// CRC-32 of the scaled data's bytes (and shape).
///
/// ```
/// let a = ndarray::Array2::<f32>::zeros((2, 3));
/// let b = ndarray::Array2::<f32>::zeros((3, 2));
/// assert_ne!(ferrolab::nn::train::data_crc(a.view()), ferrolab::nn::train::data_crc(b.view()));
/// ```
pub fn data_crc(data: ArrayView2<f32>) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&(data.nrows() as u64).to_le_bytes());
    h.update(&(data.ncols() as u64).to_le_bytes());
    for v in data.iter() {
        h.update(&v.to_le_bytes());
    }
    h.finalize()
}

/// The rows held out for validation and the rows trained on, both in ascending order.
///
/// ```
/// use ferrolab::nn::train::{TrainSettings, split_rows};
/// let s = TrainSettings { validation_fraction: 0.2, ..Default::default() };
/// let (validation, train) = split_rows(10, &s)?;
/// assert_eq!((validation.len(), train.len()), (2, 8));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn split_rows(n: usize, settings: &TrainSettings) -> Result<(Vec<usize>, Vec<usize>), NnError> {
    let n_val = (settings.validation_fraction * n as f64).round() as usize;
    if settings.validation_fraction > 0.0 && (n_val == 0 || n_val >= n) {
        return Err(invalid(format!(
            "vae.validation_fraction = {} of n = {n} rows leaves {n_val} validation and {} training rows: both must be at least 1",
            settings.validation_fraction,
            n - n_val.min(n)
        )));
    }
    let mut order: Vec<usize> = (0..n).collect();
    Xoshiro256::substream(settings.seed, 1).shuffle(&mut order);
    let mut validation = order[..n_val].to_vec();
    let mut train = order[n_val..].to_vec();
    validation.sort_unstable();
    train.sort_unstable();
    Ok((validation, train))
}

/// Gather `rows` of `data` into one contiguous row-major buffer.
fn gather(data: ArrayView2<f32>, rows: &[usize], out: &mut Vec<f32>) {
    out.clear();
    for &r in rows {
        out.extend(data.row(r).iter());
    }
}

fn draw_noise(rng: &mut Xoshiro256, count: usize, out: &mut Vec<f32>) {
    out.clear();
    out.extend((0..count).map(|_| rng.normal() as f32));
}

/// Loss of the held-out rows, in batches, with the validation noise stream.
fn validation_loss(
    objective: &dyn Objective,
    (params, model_state): (&[f32], &[f32]),
    data: ArrayView2<f32>,
    rows: &[usize],
    settings: &TrainSettings,
    weights: LossWeights,
) -> Result<LossParts, NnError> {
    let mut rng = Xoshiro256::substream(settings.seed, 3);
    let (mut x, mut noise) = (Vec::new(), Vec::new());
    let mut sums = LossSums::default();
    for chunk in rows.chunks(settings.batch_size) {
        gather(data, chunk, &mut x);
        draw_noise(&mut rng, chunk.len() * objective.noise_dim(), &mut noise);
        sums.add(objective.loss(params, model_state, &x, &noise)?);
    }
    Ok(LossParts::from_sums(sums, rows.len(), weights))
}

/// Sees each epoch's record with the parameters and model state after it.
pub type EpochObserver<'a> = dyn FnMut(&EpochRecord, &[f32], &[f32]) + Send + 'a;

/// A checkpoint writer: the weights, the model's state values and the training state after an
/// epoch.
pub type CheckpointWriter<'a> =
    dyn Fn(&[f32], &[f32], &TrainState) -> Result<(), NnError> + Sync + 'a;

/// One training run: a model's objective on scaled rows with its settings and control.
pub struct Job<'a> {
    /// The model's loss and gradient.
    pub objective: &'a dyn Objective,
    /// Scaled training rows (validation rows included; the split is seeded).
    pub data: ArrayView2<'a, f32>,
    /// Optimisation settings.
    pub settings: &'a TrainSettings,
    /// Epochs done of the run, last loss, cancellation.
    pub progress: &'a Progress,
    /// Whether checkpoints are written (every `checkpoint_every` epochs).
    pub checkpointing: bool,
    /// Epochs the progress reports count to (a staged run trains to `settings.epochs` one
    /// stage at a time, while its progress counts the whole run).
    pub epochs_total: usize,
}

impl Job<'_> {
    /// [`Self::run`] on the library's worker pool, whose threads' scratch buffers are released
    /// when it ends; when checkpointing, a cancelled run's last finished epoch is written with
    /// `write_checkpoint` before the cancellation is returned.
    pub fn run_on_pool(
        &self,
        params: &mut [f32],
        model_state: &mut [f32],
        state: &mut TrainState,
        write_checkpoint: &CheckpointWriter<'_>,
        on_epoch: &mut EpochObserver<'_>,
    ) -> Result<(), NnError> {
        let result = crate::parallel::install(|| {
            let result = self.run(params, model_state, state, write_checkpoint, on_epoch);
            // The steps' large buffers serve the next step only: give them back at the end.
            rayon::broadcast(|_| super::layers::scratch::release());
            result
        })
        .map_err(|e| NnError::Invalid(e.to_string()))?;
        if self.checkpointing && matches!(result, Err(NnError::Cancelled { .. })) {
            write_checkpoint(params, model_state, state)?;
        }
        result
    }

    /// Train `params` (and the model's non-trainable `model_state`) until `settings.epochs`
    /// epochs are done in total, continuing from `state`. On cancellation all three hold the
    /// last finished epoch. `on_epoch` sees each record as it is made, with the parameters
    /// and model state after the epoch.
    pub fn run(
        &self,
        params: &mut [f32],
        model_state: &mut [f32],
        state: &mut TrainState,
        write_checkpoint: &CheckpointWriter<'_>,
        on_epoch: &mut EpochObserver<'_>,
    ) -> Result<(), NnError> {
        let Job {
            objective,
            data,
            settings,
            progress,
            checkpointing,
            ..
        } = *self;
        if data.ncols() != objective.row_len() {
            return Err(invalid(format!(
                "x has {} columns but the model takes rows of {}",
                data.ncols(),
                objective.row_len()
            )));
        }
        let (validation, train_rows) = split_rows(data.nrows(), settings)?;
        progress.set_total(self.epochs_total);
        progress.set_done(state.epochs_done);
        let mut grad = vec![0.0f32; params.len()];
        let (mut x, mut noise) = (Vec::new(), Vec::new());
        let mut order = train_rows.clone();
        while state.epochs_done < settings.epochs {
            let started = Instant::now();
            let epoch = state.epochs_done;
            let weights = settings.schedule.weights_at(epoch);
            // The epoch's starting point, restored if it is cancelled half-way.
            let snapshot = (
                params.to_vec(),
                model_state.to_vec(),
                state.adam.clone(),
                state.rng.clone(),
            );
            order.copy_from_slice(&train_rows);
            state.rng.shuffle(&mut order);
            let mut sums = LossSums::default();
            for (b, chunk) in order.chunks(settings.batch_size).enumerate() {
                if progress.is_cancelled() {
                    params.copy_from_slice(&snapshot.0);
                    model_state.copy_from_slice(&snapshot.1);
                    (state.adam, state.rng) = (snapshot.2, snapshot.3);
                    return Err(NnError::Cancelled {
                        epochs_done: state.epochs_done,
                    });
                }
                gather(data, chunk, &mut x);
                draw_noise(
                    &mut state.rng,
                    chunk.len() * objective.noise_dim(),
                    &mut noise,
                );
                let s = objective.loss_and_gradient(
                    params,
                    model_state,
                    &x,
                    &noise,
                    weights,
                    1.0 / chunk.len() as f32,
                    &mut grad,
                )?;
                if !s.is_finite() {
                    return Err(NnError::Numerical(format!(
                        "the loss became {} (reconstruction) / {} (KL) / {} (L1) in epoch {}, batch {b}: lower the learning rate",
                        s.reconstruction,
                        s.kl,
                        s.l1,
                        epoch + 1
                    )));
                }
                sums.add(s);
                state.adam.update(params, &grad);
            }
            let validation_parts = if validation.is_empty() {
                None
            } else {
                Some(validation_loss(
                    objective,
                    (params, model_state),
                    data,
                    &validation,
                    settings,
                    weights,
                )?)
            };
            let record = EpochRecord {
                epoch: epoch + 1,
                beta: weights.beta,
                lambda: weights.lambda,
                train: LossParts::from_sums(sums, train_rows.len(), weights),
                validation: validation_parts,
                seconds: started.elapsed().as_secs_f64(),
            };
            state.history.push(record);
            state.epochs_done += 1;
            progress.set_done(state.epochs_done);
            progress.record_loss(record.train.total);
            on_epoch(&record, params, model_state);
            let due = settings.checkpoint_every > 0
                && (state.epochs_done.is_multiple_of(settings.checkpoint_every)
                    || state.epochs_done == settings.epochs);
            if due && checkpointing {
                write_checkpoint(params, model_state, state)?;
            }
        }
        Ok(())
    }
}
