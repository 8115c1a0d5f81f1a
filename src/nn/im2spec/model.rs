//! An im2spec or spec2im model: weights, running statistics and training state, trained on
//! (input, target) rows and used to predict, encode and decode.

use super::super::adam::Adam;
use super::super::error::{NnError, invalid};
use super::super::layers::Weights;
use super::super::tensor::Tensor;
use super::super::train::{self, EpochRecord, Job, TrainSettings, TrainState};
use super::architecture::{Direction, EncoderDecoderArchitecture};
use super::keys::{Im2SpecSettings, Spec2ImSettings};
use super::network::Network;
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array2, ArrayView2};
use std::path::PathBuf;

/// Paper 003's encoder-decoder in either direction (docs/models.md, "im2spec and spec2im").
///
/// ```
/// use ferrolab::nn::im2spec::{EncoderDecoder, Im2SpecSettings};
/// use ferrolab::progress::Progress;
/// let s = Im2SpecSettings { latent: 2, filters: 4, epochs: 2, ..Default::default() };
/// let mut model = EncoderDecoder::im2spec(&s, [4, 4], 8)?; // 4 x 4 patches -> 8-point spectra
/// let patches = ndarray::Array2::from_shape_fn((10, 16), |(i, j)| ((i * j) as f64).sin());
/// let spectra = ndarray::Array2::from_shape_fn((10, 8), |(i, j)| (i + j) as f64 / 10.0);
/// model.train(patches.view(), spectra.view(), &Progress::new())?;
/// assert_eq!(model.history().len(), 2);
/// assert_eq!(model.predict(patches.view())?.dim(), (10, 8));
/// assert_eq!(model.encode(patches.view())?.dim(), (10, 2));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct EncoderDecoder {
    pub(super) net: Network,
    pub(super) training: TrainSettings,
    pub(super) params: Vec<f32>,
    pub(super) state: Vec<f32>,
    pub(super) train_state: Option<TrainState>,
    /// The optimiser of the run a warm start ended, for the next run to continue with.
    pub(super) carried_adam: Option<Adam>,
    pub(super) checkpoint: Option<PathBuf>,
}

impl EncoderDecoder {
    /// A fresh im2spec model for `patch` (height, width) patches and spectra of
    /// `spectrum_len` points, weights drawn from `im2spec.seed`.
    pub fn im2spec(
        settings: &Im2SpecSettings,
        patch: [usize; 2],
        spectrum_len: usize,
    ) -> Result<Self, NnError> {
        settings.validate()?;
        let arch = EncoderDecoderArchitecture::new(
            Direction::ImageToSpectrum,
            patch,
            spectrum_len,
            settings.latent,
            settings.filters,
        )?;
        Self::new(arch, settings.training())
    }

    /// A fresh spec2im model for spectra of `spectrum_len` points and `patch` patches (sides
    /// multiples of 4), weights drawn from `spec2im.seed`.
    pub fn spec2im(
        settings: &Spec2ImSettings,
        spectrum_len: usize,
        patch: [usize; 2],
    ) -> Result<Self, NnError> {
        settings.validate()?;
        let arch = EncoderDecoderArchitecture::new(
            Direction::SpectrumToImage,
            patch,
            spectrum_len,
            settings.latent,
            settings.filters,
        )?;
        Self::new(arch, settings.training())
    }

    pub(super) fn new(
        arch: EncoderDecoderArchitecture,
        training: TrainSettings,
    ) -> Result<Self, NnError> {
        let model = model_name(arch.direction);
        // A dense layer's weights grow with filters x patch area or spectrum length: checked
        // before the layouts exist (the counts multiply without overflow through bytes_of).
        let dense = crate::limits::bytes_of::<f32>(&[
            arch.filters,
            arch.input_len().max(arch.output_len()),
            arch.latent,
            6,
        ]);
        crate::limits::check(
            &format!(
                "{model}.filters = {}: the network's parameters",
                arch.filters
            ),
            dense,
        )?;
        let net = Network::new(&arch)?;
        let (mut params, mut state) = (
            vec![0.0f32; net.params.total()],
            vec![0.0f32; net.state.total()],
        );
        net.init(
            &mut params,
            &mut state,
            &mut Xoshiro256::substream(training.seed, 2),
        );
        Ok(Self {
            net,
            training,
            params,
            state,
            train_state: None,
            carried_adam: None,
            checkpoint: None,
        })
    }

    /// The shapes of the network.
    pub fn architecture(&self) -> &EncoderDecoderArchitecture {
        &self.net.arch
    }

    /// Trainable parameters (145,479 for paper 003's im2spec on 8 x 8 patches and 64-point
    /// spectra with 2 latents).
    pub fn parameter_count(&self) -> usize {
        self.net.params.total()
    }

    /// One record per epoch trained in the current run.
    pub fn history(&self) -> &[EpochRecord] {
        self.train_state.as_ref().map_or(&[], |s| &s.history)
    }

    /// Epochs done in the current run.
    pub fn epochs_done(&self) -> usize {
        self.train_state.as_ref().map_or(0, |s| s.epochs_done)
    }

    /// The training settings in use.
    pub fn training(&self) -> &TrainSettings {
        &self.training
    }

    /// Sets the epochs of the run in all (to continue a finished run further).
    pub fn set_epochs(&mut self, epochs: usize) -> Result<(), NnError> {
        if epochs == 0 {
            return Err(invalid(format!(
                "{}.epochs must be at least 1",
                model_name(self.net.arch.direction)
            )));
        }
        self.training.epochs = epochs;
        Ok(())
    }

    /// Ends the current run and starts a new one of `epochs` epochs from the current weights
    /// (a fresh history and shuffling stream): a warm start, on the same or new data. Adam's
    /// moments and step count carry over: a fresh Adam's first steps move every weight by
    /// about the learning rate whatever its gradient, which knocks a trained model off its
    /// minimum (the automated experiment's map error jumped after such restarts).
    /// The carried moments live in memory until the next `train`; a model saved in between
    /// starts that run with a fresh Adam.
    pub fn warm_start(&mut self, epochs: usize) -> Result<(), NnError> {
        self.set_epochs(epochs)?;
        if let Some(state) = self.train_state.take() {
            self.carried_adam = Some(state.adam);
        }
        Ok(())
    }

    /// Saves to `path` every `checkpoint_every` epochs, at the end and on cancellation; a
    /// later [`Self::train`] of a model with the same settings resumes from the file. `None`
    /// stops checkpointing.
    pub fn set_checkpoint(&mut self, path: Option<PathBuf>) -> Result<(), NnError> {
        if let Some(p) = &path {
            crate::io::atomic::check_writable(p)
                .map_err(|e| NnError::Io(format!("checkpoint {}: {e}", p.display())))?;
        }
        self.checkpoint = path;
        Ok(())
    }

    /// Trains on `inputs` (rows x input values: patches row-major for im2spec, spectra for
    /// spec2im) and `targets` (rows x output values), in their own units (paper 003 scales
    /// nothing), until the run's epochs are done. Cancelling keeps the last finished epoch and
    /// writes the checkpoint; a later call on the same data continues from there.
    pub fn train(
        &mut self,
        inputs: ArrayView2<f64>,
        targets: ArrayView2<f64>,
        progress: &Progress,
    ) -> Result<(), NnError> {
        let rows = self.training_rows(inputs, targets)?;
        if let Some(path) = self.checkpoint.clone()
            && path.exists()
            && self.train_state.is_none()
        {
            self.adopt_checkpoint(&path)?;
        }
        let crc = train::data_crc(rows.view());
        let carried_adam = &mut self.carried_adam;
        let mut state = TrainState::continuing(
            &mut self.train_state,
            crc,
            || {
                let mut fresh = TrainState::new(self.params.len(), &self.training, crc);
                if let Some(adam) = carried_adam.take() {
                    fresh.adam = adam;
                }
                fresh
            },
            "inputs and targets differ from the data of the current run: call warm_start to begin a new run on them",
        )?;
        let job = Job {
            objective: &self.net,
            data: rows.view(),
            settings: &self.training,
            progress,
            checkpointing: self.checkpoint.is_some(),
            epochs_total: self.training.epochs,
        };
        let (params, model_state) = (&mut self.params, &mut self.state);
        let checkpoint = self.checkpoint.clone();
        let net = &self.net;
        let training = &self.training;
        let write = |p: &[f32], s: &[f32], st: &TrainState| -> Result<(), NnError> {
            match &checkpoint {
                Some(path) => super::io::write(path, net, training, p, s, Some(st)),
                None => Ok(()),
            }
        };
        let result = job.run_on_pool(params, model_state, &mut state, &write, &mut |_, _, _| {});
        self.train_state = Some(state);
        result
    }

    /// Takes weights and training state from the checkpoint at `path` when it holds this
    /// model (same architecture and settings but for the epochs and checkpoint interval).
    fn adopt_checkpoint(&mut self, path: &std::path::Path) -> Result<(), NnError> {
        let theirs = Self::load(path)?;
        let mut comparable = theirs.training.clone();
        comparable.epochs = self.training.epochs;
        comparable.checkpoint_every = self.training.checkpoint_every;
        if comparable != self.training || theirs.net.arch != self.net.arch {
            return Err(invalid(format!(
                "{} is a checkpoint of another model (architecture or settings differ): remove it or give another path",
                path.display()
            )));
        }
        (self.params, self.state, self.train_state) =
            (theirs.params, theirs.state, theirs.train_state);
        Ok(())
    }

    /// Inputs and targets side by side in `f32`, checked.
    fn training_rows(
        &self,
        inputs: ArrayView2<f64>,
        targets: ArrayView2<f64>,
    ) -> Result<Array2<f32>, NnError> {
        let a = &self.net.arch;
        check_matrix(inputs, a.input_len(), "inputs")?;
        check_matrix(targets, a.output_len(), "targets")?;
        if inputs.nrows() != targets.nrows() || inputs.nrows() == 0 {
            return Err(invalid(format!(
                "inputs have {} rows and targets {}: they must be equal and at least 1",
                inputs.nrows(),
                targets.nrows()
            )));
        }
        let batch = self.training.batch_size.min(inputs.nrows());
        crate::limits::check(
            &format!(
                "{}.batch_size = {batch}: one batch's activations",
                model_name(a.direction)
            ),
            activation_bytes(a, batch),
        )?;
        let mut rows = Array2::zeros((inputs.nrows(), a.input_len() + a.output_len()));
        for ((mut row, x), y) in rows
            .rows_mut()
            .into_iter()
            .zip(inputs.rows())
            .zip(targets.rows())
        {
            for (r, v) in row.iter_mut().zip(x.iter().chain(y.iter())) {
                *r = *v as f32;
            }
        }
        Ok(rows)
    }

    /// The weights in use.
    fn weights(&self) -> Weights<'_, f32> {
        Weights {
            params: &self.params,
            state: &self.state,
        }
    }

    /// Predicted outputs of `inputs` (rows x input values), in inference mode (running
    /// statistics): spectra for im2spec, patches (row-major) for spec2im.
    pub fn predict(&self, inputs: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let z = self.encode(inputs)?;
        self.decode(z.view())
    }

    /// Latent vectors of `inputs` (rows x `latent`).
    pub fn encode(&self, inputs: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let a = &self.net.arch;
        check_matrix(inputs, a.input_len(), "inputs")?;
        self.in_batches(inputs, a.latent, |rows| {
            self.net.encode(self.weights(), rows)
        })
    }

    /// Outputs of latent vectors `z` (rows x `latent`), in inference mode.
    pub fn decode(&self, z: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let a = &self.net.arch;
        check_matrix(z, a.latent, "z")?;
        self.in_batches(z, a.output_len(), |rows| {
            let n = rows.len() / a.latent;
            let t = Tensor::from_vec(&[n, a.latent], rows).ok_or_else(|| invalid("z rows"))?;
            self.net.decode(self.weights(), &t)
        })
    }

    /// `f` on batches of rows of `x` (as `f32`), its `(B, width)` outputs gathered into one
    /// matrix; on the library's pool.
    fn in_batches(
        &self,
        x: ArrayView2<f64>,
        width: usize,
        f: impl Fn(Vec<f32>) -> Result<Tensor<f32>, NnError> + Sync,
    ) -> Result<Array2<f64>, NnError> {
        let n = x.nrows();
        let bytes = crate::limits::bytes_of::<f64>(&[n, width]);
        crate::limits::check(&format!("{n} rows: the output"), bytes)?;
        let batch = self.training.batch_size.max(1);
        let mut out = Array2::zeros((n, width));
        crate::parallel::install(|| {
            for start in (0..n).step_by(batch) {
                let end = (start + batch).min(n);
                let rows: Vec<f32> = x
                    .slice(ndarray::s![start..end, ..])
                    .iter()
                    .map(|v| *v as f32)
                    .collect();
                let y = f(rows)?;
                for (o, v) in out
                    .slice_mut(ndarray::s![start..end, ..])
                    .iter_mut()
                    .zip(&y.data)
                {
                    *o = f64::from(*v);
                }
            }
            Ok(())
        })
        .map_err(|e| NnError::Invalid(e.to_string()))?
        .map(|()| out)
    }
}

/// `im2spec` or `spec2im`: the key prefix and C name of a direction.
pub(super) fn model_name(direction: Direction) -> &'static str {
    match direction {
        Direction::ImageToSpectrum => "im2spec",
        Direction::SpectrumToImage => "spec2im",
    }
}

/// Bytes a training batch keeps for backpropagation: per sample and convolution about
/// `filters x extent x (kernel volume + 4)` values (its im2col columns and the three stage
/// outputs), over 3-4 encoder and 6-8 decoder convolutions.
fn activation_bytes(a: &EncoderDecoderArchitecture, batch: usize) -> Option<u128> {
    let per_conv = |extent: usize, dims: usize| extent * (3usize.pow(dims as u32) + 4);
    let values = a.filters.saturating_mul(
        per_conv(a.input_len(), a.input_extents().len()) * a.encoder_convolutions()
            + per_conv(a.output_len(), a.output_extents().len()) * (6 + a.upsamplings()),
    );
    crate::limits::bytes_of::<f32>(&[values, batch])
}

/// `Err` naming `name` unless `x` has `width` columns and finite values.
fn check_matrix(x: ArrayView2<f64>, width: usize, name: &str) -> Result<(), NnError> {
    if x.ncols() != width {
        return Err(invalid(format!(
            "{name} has shape ({}, {}); the model takes rows of {width} values",
            x.nrows(),
            x.ncols()
        )));
    }
    match x.iter().position(|v| !v.is_finite()) {
        Some(bad) => Err(invalid(format!(
            "{name} element {bad} is {}",
            x.iter().nth(bad).unwrap_or(&0.0)
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warm_start_continues_adam() {
        let settings = Im2SpecSettings {
            filters: 2,
            epochs: 2,
            batch_size: 4,
            ..Default::default()
        };
        let mut model = EncoderDecoder::im2spec(&settings, [4, 4], 8).unwrap();
        let x = Array2::from_shape_fn((10, 16), |(i, j)| ((i * 16 + j) as f64 * 0.37).sin());
        let y = Array2::from_shape_fn((10, 8), |(i, j)| ((i + j) as f64 * 0.21).cos());
        model.train(x.view(), y.view(), &Progress::new()).unwrap();
        // 10 rows in batches of 4: 3 steps per epoch.
        assert_eq!(model.train_state.as_ref().unwrap().adam.step, 6);
        model.warm_start(1).unwrap();
        let more = x.mapv(|v| v * 0.5);
        model
            .train(more.view(), y.view(), &Progress::new())
            .unwrap();
        let state = model.train_state.as_ref().unwrap();
        assert_eq!((state.adam.step, state.epochs_done), (9, 1));
        assert!(model.carried_adam.is_none());
    }
}
