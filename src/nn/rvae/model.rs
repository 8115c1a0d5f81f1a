//! A trainable rVAE: weights and training state, trained on images and used to encode them to
//! angle, offsets and content, and to decode latents to images.

use super::super::error::{NnError, invalid};
use super::super::layers::Weights;
use super::super::tensor::Tensor;
use super::super::train::{self, EpochRecord, Job, TrainState};
use super::architecture::RvaeArchitecture;
use super::keys::RvaeSettings;
use super::network::{Network, Split};
use super::objective::RvaeObjective;
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use std::path::PathBuf;

/// What [`Rvae::encode`] gives for `n` images: the latent means and standard deviations, by
/// field.
#[derive(Clone, Debug, PartialEq)]
pub struct RvaeEncoding {
    /// Angle means (radians, unbounded: the angle's prior has no mean term), `n`.
    pub angle: Array1<f64>,
    /// Angle standard deviations, `n`.
    pub angle_sd: Array1<f64>,
    /// Offset means `(n, 2)` (dx, dy; a unit offset shifts the image by
    /// `rvae.translation_scale` half-widths); zero when `rvae.translation` is off.
    pub offsets: Array2<f64>,
    /// Offset standard deviations `(n, 2)`; zero when `rvae.translation` is off.
    pub offsets_sd: Array2<f64>,
    /// Content latent means `(n, k)`.
    pub content: Array2<f64>,
    /// Content latent standard deviations `(n, k)`.
    pub content_sd: Array2<f64>,
}

/// The rotationally invariant VAE of papers 002/004 (docs/models.md, "rVAE").
///
/// ```
/// use ferrolab::nn::rvae::{Rvae, RvaeSettings};
/// use ferrolab::progress::Progress;
/// let s = RvaeSettings { filters: 2, hidden: 8, epochs: 2, batch_size: 4, ..Default::default() };
/// let mut model = Rvae::new(&s, [6, 6])?; // 6 x 6 images
/// let images = ndarray::Array2::from_shape_fn((12, 36), |(i, p)| ((i * p) as f64 * 0.1).sin());
/// model.train(images.view(), &Progress::new())?; // 10 images trained on, 2 held out
/// assert_eq!(model.history().len(), 2);
/// let codes = model.encode(images.view())?;
/// assert_eq!((codes.angle.len(), codes.offsets.dim(), codes.content.dim()), (12, (12, 2), (12, 2)));
/// let upright = model.decode_content(codes.content.view())?; // angle 0, offsets 0
/// assert_eq!(upright.dim(), (12, 36));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Rvae {
    pub(super) net: Network,
    pub(super) settings: RvaeSettings,
    pub(super) params: Vec<f32>,
    pub(super) train_state: Option<TrainState>,
    pub(super) checkpoint: Option<PathBuf>,
}

impl Rvae {
    /// A fresh model for images of `image` = (height, width) pixels (both at least 2), weights
    /// drawn from `rvae.seed` (PyTorch's default initialisation).
    pub fn new(settings: &RvaeSettings, image: [usize; 2]) -> Result<Self, NnError> {
        settings.validate()?;
        let arch = RvaeArchitecture::new(
            image,
            settings.content_latents,
            settings.hidden,
            settings.filters,
            settings.translation,
            settings.translation_scale,
            settings.rotation_prior_sd,
        )?;
        check_budget(&arch)?;
        let net = Network::new(&arch)?;
        if settings.quarter_turn_weight > 0.0 {
            net.square_side()?;
        }
        let mut params = vec![0.0f32; net.params.total()];
        net.init(&mut params, &mut Xoshiro256::substream(settings.seed, 2));
        Ok(Self {
            net,
            settings: settings.clone(),
            params,
            train_state: None,
            checkpoint: None,
        })
    }

    /// The shapes of the network.
    pub fn architecture(&self) -> &RvaeArchitecture {
        &self.net.arch
    }

    /// The settings in use.
    pub fn settings(&self) -> &RvaeSettings {
        &self.settings
    }

    /// Trainable parameters (264,587 for 8 x 8 images at the defaults).
    pub fn parameter_count(&self) -> usize {
        self.net.params.total()
    }

    /// One record per epoch trained (`validation`: the loss of the held-out test images).
    pub fn history(&self) -> &[EpochRecord] {
        self.train_state.as_ref().map_or(&[], |s| &s.history)
    }

    /// Epochs done.
    pub fn epochs_done(&self) -> usize {
        self.train_state.as_ref().map_or(0, |s| s.epochs_done)
    }

    /// Sets the epochs of the run in all (to continue a finished run further).
    pub fn set_epochs(&mut self, epochs: usize) -> Result<(), NnError> {
        if epochs == 0 {
            return Err(invalid("rvae.epochs must be at least 1"));
        }
        self.settings.epochs = epochs;
        Ok(())
    }

    /// Saves to `path` every `rvae.checkpoint_every` epochs, at the end and on cancellation;
    /// a later [`Self::train`] of a model with the same settings resumes from the file. `None`
    /// stops checkpointing.
    pub fn set_checkpoint(&mut self, path: Option<PathBuf>) -> Result<(), NnError> {
        if let Some(p) = &path {
            crate::io::atomic::check_writable(p)
                .map_err(|e| NnError::Io(format!("checkpoint {}: {e}", p.display())))?;
        }
        self.checkpoint = path;
        Ok(())
    }

    /// Trains on `images` (rows of `height x width` pixels, row-major, in their own units:
    /// paper 004 divided its stack by its maximum first) until `rvae.epochs` epochs are done
    /// in total. `rvae.test_fraction` of the images (chosen by `rvae.seed`) are held out and
    /// their loss recorded every epoch. Cancelling keeps the last finished epoch and writes the
    /// checkpoint; a later call on the same images continues from there.
    pub fn train(&mut self, images: ArrayView2<f64>, progress: &Progress) -> Result<(), NnError> {
        let rows = self.training_rows(images)?;
        if let Some(path) = self.checkpoint.clone()
            && path.exists()
            && self.train_state.is_none()
        {
            self.adopt_checkpoint(&path)?;
        }
        let training = self.settings.training();
        let crc = train::data_crc(rows.view());
        let mut state = TrainState::continuing(
            &mut self.train_state,
            crc,
            || TrainState::new(self.params.len(), &training, crc),
            "images differ from the images this model was trained on; train a new model",
        )?;
        let objective = RvaeObjective {
            net: &self.net,
            quarter_turn_weight: self.settings.quarter_turn_weight,
        };
        let job = Job {
            objective: &objective,
            data: rows.view(),
            settings: &training,
            progress,
            checkpointing: self.checkpoint.is_some(),
            epochs_total: training.epochs,
        };
        let (net, settings, checkpoint) = (&self.net, &self.settings, self.checkpoint.clone());
        let write = |p: &[f32], _: &[f32], st: &TrainState| -> Result<(), NnError> {
            match &checkpoint {
                Some(path) => super::io::write(path, net, settings, p, Some(st)),
                None => Ok(()),
            }
        };
        let result = job.run_on_pool(
            &mut self.params,
            &mut [],
            &mut state,
            &write,
            &mut |_, _, _| {},
        );
        self.train_state = Some(state);
        result
    }

    /// Takes weights and training state from the checkpoint at `path` when it holds this
    /// model (same image size and settings but for the epochs and checkpoint interval).
    fn adopt_checkpoint(&mut self, path: &std::path::Path) -> Result<(), NnError> {
        let theirs = Self::load(path)?;
        let mut comparable = theirs.settings.clone();
        comparable.epochs = self.settings.epochs;
        comparable.checkpoint_every = self.settings.checkpoint_every;
        if comparable != self.settings || theirs.net.arch != self.net.arch {
            return Err(invalid(format!(
                "{} is a checkpoint of another model (image size or settings differ): remove it or give another path",
                path.display()
            )));
        }
        (self.params, self.train_state) = (theirs.params, theirs.train_state);
        Ok(())
    }

    /// The images in `f32`, checked: their width, values, count against the test split, and
    /// one batch's activations against the memory budget.
    fn training_rows(&self, images: ArrayView2<f64>) -> Result<Array2<f32>, NnError> {
        let a = &self.net.arch;
        check_matrix(images, a.pixels(), "images", "pixels")?;
        let n = images.nrows();
        if n == 0 {
            return Err(invalid("images has no rows"));
        }
        let f = self.settings.test_fraction;
        let held_out = (f * n as f64).round() as usize;
        if f > 0.0 && (held_out == 0 || held_out >= n) {
            return Err(invalid(format!(
                "rvae.test_fraction = {f} of {n} images holds out {held_out}: at least one image must be held out and one trained on (set rvae.test_fraction = 0 to hold out none)"
            )));
        }
        // Per image: the convolutions' input copies, outputs and im2col columns (about
        // filters x pixels x 14 values) and the decoder's tanh layers (pixels x hidden x 8).
        let batch = self.settings.batch_size.min(n);
        // The quarter-turn term encodes every image twice.
        let encodings = if self.settings.quarter_turn_weight > 0.0 {
            2
        } else {
            1
        };
        let per_image = a
            .filters
            .saturating_mul(14 * encodings)
            .saturating_add(a.hidden.saturating_mul(8));
        crate::limits::check(
            &format!("rvae.batch_size = {batch}: one batch's activations"),
            crate::limits::bytes_of::<f32>(&[batch, a.pixels(), per_image]),
        )?;
        Ok(images.mapv(|v| v as f32))
    }

    fn weights(&self) -> Weights<'_, f32> {
        Weights::params(&self.params)
    }

    /// The latent means and standard deviations of `images` (rows of pixels).
    pub fn encode(&self, images: ArrayView2<f64>) -> Result<RvaeEncoding, NnError> {
        let a = &self.net.arch;
        check_matrix(images, a.pixels(), "images", "pixels")?;
        let n = images.nrows();
        check_output(n, 2 * a.latents(), "the encoding")?;
        let (l, c0, k) = (a.latents(), a.content_start(), a.content);
        let mut out = RvaeEncoding {
            angle: Array1::zeros(n),
            angle_sd: Array1::zeros(n),
            offsets: Array2::zeros((n, 2)),
            offsets_sd: Array2::zeros((n, 2)),
            content: Array2::zeros((n, k)),
            content_sd: Array2::zeros((n, k)),
        };
        self.in_batches(n, |rows| {
            let x: Vec<f32> = images
                .slice(s![rows.clone(), ..])
                .iter()
                .map(|v| *v as f32)
                .collect();
            let enc = self.net.encode(self.weights(), &self.net.input(&x)?)?;
            for (b, (mu, ls)) in enc
                .mu
                .data
                .chunks_exact(l)
                .zip(enc.log_sd.data.chunks_exact(l))
                .enumerate()
            {
                let i = rows.start + b;
                let sd = |j: usize| f64::from(ls[j]).exp();
                out.angle[i] = f64::from(mu[0]);
                out.angle_sd[i] = sd(0);
                if a.translation {
                    for j in 0..2 {
                        out.offsets[[i, j]] = f64::from(mu[1 + j]);
                        out.offsets_sd[[i, j]] = sd(1 + j);
                    }
                }
                for j in 0..k {
                    out.content[[i, j]] = f64::from(mu[c0 + j]);
                    out.content_sd[[i, j]] = sd(c0 + j);
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Images (rows of pixels) drawn at `angle` (n, radians), `offsets` (n x 2) and `content`
    /// (n x `rvae.content_latents`). Offsets shift the image even for a model trained without
    /// translation.
    pub fn decode(
        &self,
        angle: ArrayView1<f64>,
        offsets: ArrayView2<f64>,
        content: ArrayView2<f64>,
    ) -> Result<Array2<f64>, NnError> {
        let a = &self.net.arch;
        let n = content.nrows();
        check_matrix(content, a.content, "content", "content latents")?;
        check_matrix(offsets, 2, "offsets", "offsets (dx, dy)")?;
        if let Some(bad) = angle.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("angle element {bad} is {}", angle[bad])));
        }
        if angle.len() != n || offsets.nrows() != n {
            return Err(invalid(format!(
                "angle has {} values, offsets {} rows and content {} rows: they must be equal",
                angle.len(),
                offsets.nrows(),
                n
            )));
        }
        check_output(n, a.pixels(), "the decoded images")?;
        let mut out = Array2::zeros((n, a.pixels()));
        self.in_batches(n, |rows| {
            let narrow = |v: &f64| *v as f32;
            let split = Split {
                // By index: valgrind reports ndarray's 1-D slice iterator here (a branch on a
                // field of its unused variant), which would fail the C clients' valgrind runs.
                angle: rows.clone().map(|i| narrow(&angle[i])).collect(),
                offsets: offsets
                    .slice(s![rows.clone(), ..])
                    .iter()
                    .map(narrow)
                    .collect(),
                content: Tensor {
                    shape: vec![rows.len(), a.content],
                    data: content
                        .slice(s![rows.clone(), ..])
                        .iter()
                        .map(narrow)
                        .collect(),
                },
            };
            let y = self.net.decode(self.weights(), split)?;
            for (o, v) in out.slice_mut(s![rows, ..]).iter_mut().zip(&y.data) {
                *o = f64::from(*v);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Images of content latents `content` (n x `rvae.content_latents`) upright and centred
    /// (angle 0, offsets 0): the latent-grid decoding of papers 002/004.
    pub fn decode_content(&self, content: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let n = content.nrows();
        self.decode(
            Array1::zeros(n).view(),
            Array2::zeros((n, 2)).view(),
            content,
        )
    }

    /// `images` through the encoder's means and the decoder.
    pub fn reconstruct(&self, images: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let e = self.encode(images)?;
        self.decode(e.angle.view(), e.offsets.view(), e.content.view())
    }

    /// Runs `f` on consecutive row ranges of at most `rvae.batch_size` rows, on the library's
    /// pool.
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
}

/// Refuses a network whose parameters, gradient and Adam's two moments exceed the memory
/// budget: the heads (filters x pixels x latents, twice), the second convolution and the hidden
/// layers dominate. Checked before the layouts and the grid exist (the counts multiply without
/// overflow through `bytes_of`).
pub(super) fn check_budget(arch: &RvaeArchitecture) -> Result<(), NnError> {
    let (f, [h, w]) = (arch.filters, arch.image);
    let bytes = crate::limits::total(&[
        crate::limits::bytes_of::<f32>(&[f, h, w, arch.latents(), 2, 4]),
        crate::limits::bytes_of::<f32>(&[f, f, 9, 4]),
        crate::limits::bytes_of::<f32>(&[arch.hidden, arch.hidden, 2, 4]),
    ]);
    Ok(crate::limits::check(
        &format!(
            "rvae.filters = {f}, rvae.hidden = {} on {h} x {w} images: the network's parameters",
            arch.hidden
        ),
        bytes,
    )?)
}

/// `Err` naming `name` unless `x` has `width` columns (`what`) and finite values.
fn check_matrix(x: ArrayView2<f64>, width: usize, name: &str, what: &str) -> Result<(), NnError> {
    if x.ncols() != width {
        return Err(invalid(format!(
            "{name} has shape ({}, {}); the model takes rows of {width} {what}",
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

/// Refuses outputs of `rows x width` f64 values beyond the memory budget.
fn check_output(rows: usize, width: usize, what: &str) -> Result<(), NnError> {
    let bytes = crate::limits::bytes_of::<f64>(&[rows, width]);
    Ok(crate::limits::check(
        &format!("{rows} rows: {what}"),
        bytes,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{PI, TAU};

    /// `count` images of `n x n` pixels of an asymmetric motif (an L: a corner blob, a long arm
    /// along x and a short arm along y, centred on their mean) turned by a known angle drawn
    /// from `[-range, range)`, on the rVAE's grid (x right, y up, [-1, 1]).
    pub(super) fn motifs(count: usize, n: usize, range: f64, seed: u64) -> (Array2<f64>, Vec<f64>) {
        let mut rng = Xoshiro256::seed_from_u64(seed);
        let blobs = [(0.0, 0.0, 1.0), (0.6, 0.0, 0.8), (0.0, 0.35, 0.8)];
        let (mx, my) = (0.2, 0.35 / 3.0);
        let sigma2 = 2.0 * 0.3f64.powi(2);
        let grid = super::super::super::layers::RotateTranslate::square(n, 0.1).unwrap();
        let mut angles = Vec::with_capacity(count);
        let mut images = Array2::zeros((count, n * n));
        for mut row in images.rows_mut() {
            let theta = rng.uniform_in(-range, range);
            angles.push(theta);
            let (sin, cos) = theta.sin_cos();
            let centres: Vec<(f64, f64, f64)> = blobs
                .iter()
                .map(|&(x, y, a)| {
                    let (x, y) = (x - mx, y - my);
                    (cos * x - sin * y, sin * x + cos * y, a)
                })
                .collect();
            for (v, [x, y]) in row.iter_mut().zip(grid.grid()) {
                *v = centres
                    .iter()
                    .map(|(cx, cy, a)| a * (-((x - cx).powi(2) + (y - cy).powi(2)) / sigma2).exp())
                    .sum::<f64>()
                    + 0.02 * rng.normal();
            }
        }
        (images, angles)
    }

    fn wrap(a: f64) -> f64 {
        (a + PI).rem_euclid(TAU) - PI
    }

    /// The design note's aligned angle error: the smaller over `s = +-1` of the median of
    /// `|wrap(phi - s theta - c)|`, `c` the circular mean of `phi - s theta` (radians).
    pub(super) fn aligned_error(phi: &[f64], theta: &[f64]) -> f64 {
        [1.0, -1.0]
            .iter()
            .map(|s| {
                let d: Vec<f64> = phi.iter().zip(theta).map(|(p, t)| p - s * t).collect();
                let c = d
                    .iter()
                    .map(|v| v.sin())
                    .sum::<f64>()
                    .atan2(d.iter().map(|v| v.cos()).sum());
                let mut e: Vec<f64> = d.iter().map(|v| wrap(v - c).abs()).collect();
                e.sort_by(f64::total_cmp);
                e[e.len() / 2]
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// A small network at Adam 1e-3 (the paper's 1e-4 needs far more epochs), translation
    /// off, 60 epochs of batch 16, for 12 x 12 motifs.
    fn motif_settings() -> RvaeSettings {
        RvaeSettings {
            filters: 4,
            hidden: 32,
            epochs: 60,
            batch_size: 16,
            learning_rate: 1e-3,
            translation: false,
            ..Default::default()
        }
    }

    #[test]
    fn training_lowers_the_loss_and_recovers_the_angle_of_rotated_motifs() {
        // 300 images of 12 x 12 pixels, the motif turned by up to +-90 degrees; a small
        // network at Adam 1e-3 (the paper's 1e-4 needs far more epochs), translation off (with
        // it, this tiny model settles with the offsets mimicking part of the turn: 20-30
        // degrees). Seeds 0-3 reach 2-9 degrees in 60 epochs; over the full circle the same
        // budget gives 11-75 degrees (docs/models.md).
        let (images, angles) = motifs(300, 12, std::f64::consts::FRAC_PI_2, 5);
        let mut model = Rvae::new(&motif_settings(), [12, 12]).unwrap();
        model.train(images.view(), &Progress::new()).unwrap();
        let h = model.history();
        assert_eq!(h.len(), 60);
        let (first, last) = (h[0], h[59]);
        assert!(
            last.train.total < 0.05 * first.train.total,
            "{first:?} {last:?}"
        );
        let (v0, v1) = (first.validation.unwrap(), last.validation.unwrap());
        assert!(v1.total < 0.05 * v0.total, "test loss {v0:?} -> {v1:?}");
        let e = model.encode(images.view()).unwrap();
        let phi = e.angle.as_slice().unwrap();
        let err = aligned_error(phi, &angles);
        assert!(
            err.to_degrees() < 6.0,
            "median aligned error {:.1} deg",
            err.to_degrees()
        );
        // The design note's criterion: within 15 degrees on at least 80 % of the images.
        let within = [1.0, -1.0]
            .iter()
            .map(|sign| {
                let d: Vec<f64> = phi.iter().zip(&angles).map(|(p, t)| p - sign * t).collect();
                let c = d
                    .iter()
                    .map(|v| v.sin())
                    .sum::<f64>()
                    .atan2(d.iter().map(|v| v.cos()).sum());
                d.iter()
                    .filter(|v| wrap(*v - c).abs() < 15f64.to_radians())
                    .count()
            })
            .max()
            .unwrap();
        assert!(
            within as f64 >= 0.8 * 300.0,
            "{within} of 300 within 15 degrees"
        );
        assert!(e.offsets.iter().all(|v| *v == 0.0), "translation is off");
    }

    #[test]
    fn the_quarter_turn_term_makes_the_angle_follow_quarter_turns() {
        // Motifs turned by up to +-45 degrees: images turned a further quarter turn clockwise
        // (which the model meets only through the term) should encode to angles a quarter
        // turn on. (The motifs have no content factor to compare.)
        let (images, _) = motifs(300, 12, std::f64::consts::FRAC_PI_4, 7);
        let mut turned = images.clone();
        for mut row in turned.rows_mut() {
            let t = super::super::network::quarter_turns(row.as_slice().unwrap(), 12, 1);
            row.assign(&ndarray::ArrayView1::from(&t));
        }
        // The median miss in degrees after training at a given weight of the term.
        let median_miss = |quarter_turn_weight: f64| -> f64 {
            let s = RvaeSettings {
                quarter_turn_weight,
                ..motif_settings()
            };
            let mut model = Rvae::new(&s, [12, 12]).unwrap();
            model.train(images.view(), &Progress::new()).unwrap();
            let (a, b) = (
                model.encode(images.view()).unwrap(),
                model.encode(turned.view()).unwrap(),
            );
            let mut miss: Vec<f64> = a
                .angle
                .iter()
                .zip(&b.angle)
                .map(|(p, q)| wrap(q - p - std::f64::consts::FRAC_PI_2).abs())
                .collect();
            miss.sort_by(f64::total_cmp);
            miss[miss.len() / 2].to_degrees()
        };
        let (with, without) = (median_miss(1.0), median_miss(0.0));
        // Measured: 5.1 deg with the term, 75.9 without.
        assert!(with < 10.0, "median quarter-turn miss {with:.1} deg");
        assert!(
            without > 2.0 * with,
            "{without:.1} deg without the term, {with:.1} with"
        );
    }

    /// A tiny model's settings: 6 x 6 images, 2 filters, 8 hidden units.
    fn tiny() -> RvaeSettings {
        RvaeSettings {
            filters: 2,
            hidden: 8,
            epochs: 5,
            batch_size: 8,
            learning_rate: 1e-3,
            checkpoint_every: 2,
            ..Default::default()
        }
    }

    fn data() -> Array2<f64> {
        motifs(24, 6, PI, 3).0
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ferrolab-rvae-{}", std::process::id()));
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
    fn a_run_resumed_from_its_checkpoint_writes_the_same_bytes() {
        let whole = scratch("whole.safetensors");
        let mut model = Rvae::new(&tiny(), [6, 6]).unwrap();
        model.train(data().view(), &Progress::new()).unwrap();
        model.save(&whole).unwrap();
        // A run that stops after epoch 3 (checkpoints at 2 and 3), then a new process that
        // finds the checkpoint and trains on to 5.
        let ckpt = scratch("resume.ckpt");
        let _ = std::fs::remove_file(&ckpt);
        let mut first = Rvae::new(
            &RvaeSettings {
                epochs: 3,
                ..tiny()
            },
            [6, 6],
        )
        .unwrap();
        first.set_checkpoint(Some(ckpt.clone())).unwrap();
        first.train(data().view(), &Progress::new()).unwrap();
        let mut resumed = Rvae::new(&tiny(), [6, 6]).unwrap();
        resumed.set_checkpoint(Some(ckpt.clone())).unwrap();
        resumed.train(data().view(), &Progress::new()).unwrap();
        assert_eq!(resumed.epochs_done(), 5);
        let again = scratch("again.safetensors");
        resumed.save(&again).unwrap();
        same_bytes(&whole, &again);
        // A checkpoint of another model is refused, naming the file; so are other images.
        let mut other = Rvae::new(&RvaeSettings { seed: 9, ..tiny() }, [6, 6]).unwrap();
        other.set_checkpoint(Some(ckpt.clone())).unwrap();
        let err = other
            .train(data().view(), &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("checkpoint of another model"), "{err}");
        resumed.set_epochs(6).unwrap();
        let err = resumed
            .train(data().mapv(|v| v + 1.0).view(), &Progress::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("images differ"), "{err}");
    }

    #[test]
    fn a_saved_model_loads_to_the_same_bytes_and_outputs() {
        let mut model = Rvae::new(&tiny(), [6, 6]).unwrap();
        let x = data();
        model.train(x.view(), &Progress::new()).unwrap();
        let (a, b) = (scratch("a.safetensors"), scratch("b.safetensors"));
        model.save(&a).unwrap();
        let again = Rvae::load(&a).unwrap();
        again.save(&b).unwrap();
        same_bytes(&a, &b);
        assert_eq!(
            again.encode(x.view()).unwrap(),
            model.encode(x.view()).unwrap()
        );
        assert_eq!(again.settings(), model.settings());
        let strip = |h: &[EpochRecord]| h.iter().map(|r| (r.epoch, r.train)).collect::<Vec<_>>();
        assert_eq!(strip(again.history()), strip(model.history()));
        // A damaged byte is caught by the checksum.
        let mut bytes = std::fs::read(&a).unwrap();
        let k = bytes.len() - 3;
        bytes[k] ^= 1;
        std::fs::write(&b, &bytes).unwrap();
        let err = Rvae::load(&b).unwrap_err().to_string();
        assert!(err.contains("checksum") || err.contains("crc"), "{err}");
    }

    #[test]
    fn encode_and_decode_fit_together_in_any_batch_size() {
        let mut model = Rvae::new(&tiny(), [6, 6]).unwrap();
        let x = data();
        model.train(x.view(), &Progress::new()).unwrap();
        let e = model.encode(x.view()).unwrap();
        assert_eq!(
            (e.angle.len(), e.offsets.dim(), e.content.dim()),
            (24, (24, 2), (24, 2))
        );
        assert!(e.angle_sd.iter().chain(&e.content_sd).all(|v| *v > 0.0));
        let mut small = model.clone();
        small.settings.batch_size = 5;
        assert_eq!(small.encode(x.view()).unwrap(), e);
        // Latent-grid decoding: angle 0 and offsets 0.
        let upright = model.decode_content(e.content.view()).unwrap();
        let zeros = Array2::zeros((24, 2));
        let direct = model
            .decode(Array1::zeros(24).view(), zeros.view(), e.content.view())
            .unwrap();
        assert_eq!(upright, direct);
        assert_eq!(
            model.reconstruct(x.view()).unwrap(),
            model
                .decode(e.angle.view(), e.offsets.view(), e.content.view())
                .unwrap()
        );
        assert_eq!(small.decode_content(e.content.view()).unwrap(), upright);
    }

    #[test]
    fn bad_inputs_are_refused_with_their_names() {
        let err = Rvae::new(&tiny(), [1, 6]).unwrap_err().to_string();
        assert!(err.contains("2 x 2"), "{err}");
        let err = Rvae::new(
            &RvaeSettings {
                filters: 0,
                ..tiny()
            },
            [6, 6],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("rvae.filters"), "{err}");
        let err = Rvae::new(
            &RvaeSettings {
                filters: 4096,
                ..tiny()
            },
            [4096, 4096],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("rvae.filters = 4096"), "{err}");
        let quarter = RvaeSettings {
            quarter_turn_weight: 1.0,
            ..tiny()
        };
        let err = Rvae::new(&quarter, [6, 8]).unwrap_err().to_string();
        assert!(
            err.contains("rvae.quarter_turn_weight") && err.contains("square"),
            "{err}"
        );
        let mut model = Rvae::new(&tiny(), [6, 6]).unwrap();
        let p = Progress::new();
        let err = model
            .train(Array2::zeros((4, 35)).view(), &p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rows of 36 pixels"), "{err}");
        let mut x = data();
        x[[3, 7]] = f64::NAN;
        let err = model.train(x.view(), &p).unwrap_err().to_string();
        assert!(err.contains("images element 115 is NaN"), "{err}");
        let err = model
            .train(data().slice(s![..3, ..]).view(), &p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rvae.test_fraction"), "{err}");
        let err = model
            .train(Array2::zeros((0, 36)).view(), &p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no rows"), "{err}");
        let zeros = Array2::zeros((3, 2));
        let err = model
            .decode(Array1::zeros(2).view(), zeros.view(), zeros.view())
            .unwrap_err()
            .to_string();
        assert!(err.contains("angle has 2 values"), "{err}");
        let err = model
            .decode(
                Array1::zeros(3).view(),
                zeros.view(),
                Array2::zeros((3, 3)).view(),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("content has shape (3, 3)"), "{err}");
        let err = model
            .decode(
                Array1::from_elem(3, f64::INFINITY).view(),
                zeros.view(),
                zeros.view(),
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("angle element 0"), "{err}");
        let err = model
            .decode_content(Array2::zeros((3, 1)).view())
            .unwrap_err()
            .to_string();
        assert!(err.contains("content latents"), "{err}");
        assert!(
            model
                .set_epochs(0)
                .unwrap_err()
                .to_string()
                .contains("rvae.epochs")
        );
        let mut huge = Rvae::new(
            &RvaeSettings {
                batch_size: 1 << 20,
                ..tiny()
            },
            [6, 6],
        )
        .unwrap();
        let rows = Array2::zeros((1 << 20, 36));
        let err = huge.train(rows.view(), &p).unwrap_err().to_string();
        assert!(err.contains("rvae.batch_size"), "{err}");
    }
}
