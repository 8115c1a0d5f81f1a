//! A U-Net model: weights, running statistics and training state, trained on labelled crops
//! and used to segment whole frames of any size.

use super::super::error::{NnError, invalid};
use super::super::layers::{Weights, softmax_channels};
use super::super::tensor::Tensor;
use super::super::train::{self, EpochRecord, Job, TrainState};
use super::architecture::UnetArchitecture;
use super::augment::min_max_scale;
use super::keys::{ClassWeighting, UnetSettings};
use super::network::Network;
use super::objective::Segmentation;
use super::tiles::Tiling;
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use crate::stem::{Atom, AtomFinderSettings, StemError, argmax_classes, find_atoms};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3};
use std::path::PathBuf;

/// AtomAI's U-Net for per-pixel classification (docs/models.md, "U-Net"): paper 002's
/// segmentation of STEM frames into domain, wall and contaminant, and paper 004's atom finding.
///
/// ```
/// use ferrolab::nn::unet::{Unet, UnetSettings};
/// use ferrolab::progress::Progress;
/// let s = UnetSettings { classes: 2, filters: 2, epochs: 2, batch_size: 4, ..Default::default() };
/// let mut model = Unet::new(&s)?;
/// // 8 crops of 16 x 16 px: class 1 where the image is bright.
/// let images = ndarray::Array3::from_shape_fn((8, 16, 16), |(n, r, c)| ((n + r * c) % 7) as f32);
/// let masks = images.mapv(|v| u8::from(v > 3.0));
/// model.train(images.view(), masks.view(), &Progress::new())?;
/// assert_eq!(model.history().len(), 2);
/// // A whole frame of any size: class probabilities and the most likely class per pixel.
/// let frame = ndarray::Array2::from_shape_fn((21, 30), |(r, c)| ((r * c) % 7) as f32);
/// assert_eq!(model.probabilities(frame.view())?.dim(), (2, 21, 30));
/// assert_eq!(model.segment(frame.view())?.dim(), (21, 30));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Unet {
    pub(super) net: Network,
    pub(super) settings: UnetSettings,
    pub(super) params: Vec<f32>,
    pub(super) state: Vec<f32>,
    /// Height and width of the crops the model trained on (`None` before training).
    pub(super) crop: Option<[usize; 2]>,
    pub(super) train_state: Option<TrainState>,
    pub(super) checkpoint: Option<PathBuf>,
}

impl Unet {
    /// A fresh model with AtomAI's architecture for `unet.classes` classes and
    /// `unet.filters` filters, weights drawn from `unet.seed`.
    pub fn new(settings: &UnetSettings) -> Result<Self, NnError> {
        settings.validate()?;
        let arch = UnetArchitecture::new(settings.classes, settings.filters, [1, 2, 2, 3])?;
        let net = Network::new(&arch)?;
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
            net,
            settings: settings.clone(),
            params,
            state,
            crop: None,
            train_state: None,
            checkpoint: None,
        })
    }

    /// The shapes of the network.
    pub fn architecture(&self) -> &UnetArchitecture {
        &self.net.arch
    }

    /// The sizes of the crops the model trained on, if it has.
    pub fn crop(&self) -> Option<[usize; 2]> {
        self.crop
    }

    /// The settings in use.
    pub fn settings(&self) -> &UnetSettings {
        &self.settings
    }

    /// Trainable parameters (594,067 for AtomAI's default with 3 classes).
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

    /// Sets the epochs of the run in all (to continue a finished run further).
    pub fn set_epochs(&mut self, epochs: usize) -> Result<(), NnError> {
        if epochs == 0 {
            return Err(invalid("unet.epochs must be at least 1"));
        }
        self.settings.epochs = epochs;
        Ok(())
    }

    /// Saves to `path` every `unet.checkpoint_every` epochs, at the end and on cancellation;
    /// a later [`Self::train`] of a model with the same settings resumes from the file.
    /// `None` stops checkpointing.
    pub fn set_checkpoint(&mut self, path: Option<PathBuf>) -> Result<(), NnError> {
        if let Some(p) = &path {
            crate::io::atomic::check_writable(p)
                .map_err(|e| NnError::Io(format!("checkpoint {}: {e}", p.display())))?;
        }
        self.checkpoint = path;
        Ok(())
    }

    /// Trains on `images` `(N, h, w)` (crops of one size, sides multiples of 8; each is
    /// scaled to [0, 1] by its minimum and maximum) and their `masks` `(N, h, w)` (class
    /// indices below `unet.classes`) until the run's epochs are done, augmenting every crop
    /// on the fly. Cancelling keeps the last finished epoch and writes the checkpoint; a later
    /// call on the same data continues from there.
    pub fn train(
        &mut self,
        images: ArrayView3<f32>,
        masks: ArrayView3<u8>,
        progress: &Progress,
    ) -> Result<(), NnError> {
        let rows = self.training_rows(images, masks)?;
        let crop = [images.dim().1, images.dim().2];
        if let Some(path) = self.checkpoint.clone()
            && path.exists()
            && self.train_state.is_none()
        {
            self.adopt_checkpoint(&path)?;
        }
        if self.crop.is_some_and(|c| c != crop) && self.train_state.is_some() {
            return Err(invalid(format!(
                "images are {} x {} crops but the current run trains on {} x {}",
                crop[0],
                crop[1],
                self.crop.unwrap_or_default()[0],
                self.crop.unwrap_or_default()[1]
            )));
        }
        self.crop = Some(crop);
        let training = self.settings.training();
        let crc = train::data_crc(rows.view());
        let mut state = TrainState::continuing(
            &mut self.train_state,
            crc,
            || TrainState::new(self.params.len(), &training, crc),
            "images and masks differ from the data of the current run",
        )?;
        let objective = Segmentation {
            net: &self.net,
            crop,
            augmentation: self.settings.augmentation(),
            class_weights: match self.settings.class_weights {
                ClassWeighting::None => None,
                ClassWeighting::Balanced => Some(balanced_weights(masks, self.net.arch.classes)),
            },
        };
        let job = Job {
            objective: &objective,
            data: rows.view(),
            settings: &training,
            progress,
            checkpointing: self.checkpoint.is_some(),
            epochs_total: training.epochs,
        };
        let (params, model_state) = (&mut self.params, &mut self.state);
        let (checkpoint, net, settings) = (self.checkpoint.clone(), &self.net, &self.settings);
        let write = |p: &[f32], s: &[f32], st: &TrainState| -> Result<(), NnError> {
            match &checkpoint {
                Some(path) => super::io::write(path, net, settings, Some(crop), p, s, Some(st)),
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
        let mut comparable = theirs.settings.clone();
        comparable.epochs = self.settings.epochs;
        comparable.checkpoint_every = self.settings.checkpoint_every;
        if comparable != self.settings || theirs.net.arch != self.net.arch {
            return Err(invalid(format!(
                "{} is a checkpoint of another model (architecture or settings differ): remove it or give another path",
                path.display()
            )));
        }
        (self.params, self.state, self.train_state, self.crop) =
            (theirs.params, theirs.state, theirs.train_state, theirs.crop);
        Ok(())
    }

    /// Crops (scaled) and masks side by side in `f32`, checked.
    fn training_rows(
        &self,
        images: ArrayView3<f32>,
        masks: ArrayView3<u8>,
    ) -> Result<Array2<f32>, NnError> {
        let (n, h, w) = images.dim();
        if masks.dim() != (n, h, w) {
            return Err(invalid(format!(
                "images have shape {:?} and masks {:?}: they must be equal",
                images.dim(),
                masks.dim()
            )));
        }
        let m = UnetArchitecture::side_multiple();
        if n == 0 || h == 0 || w == 0 || !h.is_multiple_of(m) || !w.is_multiple_of(m) {
            return Err(invalid(format!(
                "images of shape ({n}, {h}, {w}): at least one crop with sides that are positive multiples of {m}"
            )));
        }
        if let Some(bad) = images.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("images element {bad} is not finite")));
        }
        let classes = self.net.arch.classes;
        if let Some(bad) = masks.iter().position(|&c| usize::from(c) >= classes) {
            return Err(invalid(format!(
                "masks element {bad} is class {} but unet.classes = {classes}",
                masks.iter().nth(bad).copied().unwrap_or(0)
            )));
        }
        let batch = self.settings.batch_size.min(n);
        crate::limits::check(
            &format!("unet.batch_size = {batch}: one batch's activations"),
            activation_bytes(&self.net.arch, batch, h * w),
        )?;
        crate::limits::check(
            "the training rows",
            crate::limits::bytes_of::<f32>(&[n, 2, h, w]),
        )?;
        let mut rows = Array2::zeros((n, 2 * h * w));
        for ((mut row, image), mask) in rows
            .rows_mut()
            .into_iter()
            .zip(images.outer_iter())
            .zip(masks.outer_iter())
        {
            let row = row.as_slice_mut().expect("a fresh array is contiguous");
            for (r, v) in row.iter_mut().zip(image.iter()) {
                *r = *v;
            }
            min_max_scale(&mut row[..h * w]);
            for (r, c) in row[h * w..].iter_mut().zip(mask.iter()) {
                *r = f32::from(*c);
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

    /// Class probabilities `(classes, H, W)` of a whole `frame` `(H, W)` of any size, in
    /// inference mode: the frame is scaled to [0, 1] by its minimum and maximum, then run
    /// whole (mirrored out to sides that are multiples of 8) or, when larger than
    /// `unet.tile`, in tiles that overlap by `2 unet.tile_margin` pixels, each pixel taken
    /// from the tile where it lies farthest from an inner edge.
    pub fn probabilities(&self, frame: ArrayView2<f32>) -> Result<Array3<f32>, NnError> {
        let (h, w) = frame.dim();
        if h == 0 || w == 0 {
            return Err(invalid(format!("frame of shape ({h}, {w}) is empty")));
        }
        if let Some(bad) = frame.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("frame element {bad} is not finite")));
        }
        let classes = self.net.arch.classes;
        crate::limits::check(
            &format!("a {h} x {w} frame's class probabilities"),
            crate::limits::bytes_of::<f32>(&[classes + 2, h, w]),
        )?;
        let tiling = Tiling::new([h, w], self.settings.tile, self.settings.tile_margin);
        let [th, tw] = tiling.tile;
        let batch = self.settings.batch_size.max(1).min(tiling.count());
        crate::limits::check(
            &format!("unet.batch_size = {batch} tiles of {th} x {tw}: their activations"),
            activation_bytes(&self.net.arch, batch, th * tw),
        )?;
        let mut scaled: Vec<f32> = frame.iter().copied().collect();
        min_max_scale(&mut scaled);
        let mut out = Array3::zeros((classes, h, w));
        let origins = tiling.origins();
        crate::parallel::install(|| -> Result<(), NnError> {
            for group in origins.chunks(batch) {
                let mut x = Vec::with_capacity(group.len() * th * tw);
                for &origin in group {
                    tiling.cut(&scaled, origin, &mut x);
                }
                let x = Tensor::from_vec(&[group.len(), 1, th, tw], x)
                    .ok_or_else(|| invalid("tile batch"))?;
                let logits = self.net.infer(self.weights(), &x)?;
                let p = softmax_channels(&logits)?;
                for (k, &origin) in group.iter().enumerate() {
                    let tile = &p.data[k * classes * th * tw..(k + 1) * classes * th * tw];
                    tiling.paste(tile, classes, origin, &mut out);
                }
            }
            Ok(())
        })
        .map_err(|e| NnError::Invalid(e.to_string()))??;
        Ok(out)
    }

    /// The most likely class of every pixel of `frame` `(H, W)` ([`Self::probabilities`];
    /// the lowest class on ties).
    pub fn segment(&self, frame: ArrayView2<f32>) -> Result<Array2<u8>, NnError> {
        let p = self.probabilities(frame)?;
        let (k, h, w) = p.dim();
        let flat = p.as_slice().expect("a fresh array is contiguous");
        let classes = argmax_classes(flat, k, h, w).map_err(stem_error)?;
        Ok(Array2::from_shape_vec((h, w), classes).expect("one class per pixel"))
    }

    /// The atoms of `frame` `(H, W)` for a model trained to mark atom centres (class 0 the
    /// background, class `c > 0` the disks around sites of class `c`): per class, the
    /// connected regions (4-connected) where its probability exceeds `unet.atom_threshold`,
    /// of at least `unet.atom_min_pixels` pixels, each located at its probability-weighted
    /// centre of mass ([`crate::stem::find_atoms`]).
    pub fn find_atoms(&self, frame: ArrayView2<f32>) -> Result<Vec<Atom>, NnError> {
        let p = self.probabilities(frame)?;
        let (k, h, w) = p.dim();
        let settings = AtomFinderSettings {
            threshold: self.settings.atom_threshold as f32,
            min_pixels: self.settings.atom_min_pixels,
            ..AtomFinderSettings::default()
        };
        let flat = p.as_slice().expect("a fresh array is contiguous");
        find_atoms(flat, k, h, w, &settings).map_err(stem_error)
    }
}

/// scikit-learn's "balanced" class weights of `masks`: `n / (K n_c)`; a class absent from the
/// masks weighs 0 (it has no pixels to weigh).
fn balanced_weights(masks: ArrayView3<u8>, classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; classes];
    masks.iter().for_each(|&c| counts[usize::from(c)] += 1);
    let n = masks.len() as f64;
    let present = counts.iter().filter(|&&c| c > 0).count() as f64;
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                (n / (present * c as f64)) as f32
            }
        })
        .collect()
}

/// Bytes a batch keeps for backpropagation: per pixel of level `l` (which has `4^-l` of the
/// pixels) and unit about `channels x (9 + 4)` values (the im2col columns and the stage
/// outputs); summed over the levels' units down and up, it is about `80 filters` values per
/// input pixel and unit count of the default blocks.
fn activation_bytes(a: &UnetArchitecture, batch: usize, pixels: usize) -> Option<u128> {
    let units: usize = a.blocks.iter().sum::<usize>() * 2;
    let per_pixel = a.filters.saturating_mul(13 * 2 * units + a.classes);
    crate::limits::bytes_of::<f32>(&[per_pixel, pixels, batch])
}

/// A map tool's error as the model's (its inputs come from the model, so a failure there is a
/// size beyond the budget or an internal inconsistency reported as invalid).
fn stem_error(e: StemError) -> NnError {
    match e {
        StemError::TooLarge(t) => NnError::TooLarge(t),
        other => NnError::Invalid(other.to_string()),
    }
}
