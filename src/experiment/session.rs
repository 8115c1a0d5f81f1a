//! The automated-experiment session (docs/experiment.md, "The automated experiment"): a
//! structural image, the spectra measured so far, an ensemble of im2spec models trained on
//! them, and from those a ranking of where to measure next and the "surprise" of every new
//! measurement (its error against the prediction made before it was measured).

use super::acquisition::pick_top_k;
use super::ae_keys::{Acquisition, AeSettings, ErrorMetric};
use super::error::{ExperimentError, invalid};
use super::metrics::{area_error, mse, nrms};
use super::patches::centre_range;
use crate::analysis::{GaussianMixture, GmmParams};
use crate::nn::NnError;
use crate::nn::im2spec::{EncoderDecoder, Im2SpecSettings};
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array2, Array3, ArrayView2, Axis, s};
use std::collections::HashMap;
use std::ops::RangeInclusive;

/// A new measurement's errors against the ensemble's prediction made before it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Surprise {
    /// `sqrt(mean (y_hat - y)^2 / mean (y_hat + y)^2)`.
    pub nrms: f64,
    /// Mean squared error.
    pub mse: f64,
    /// Absolute loop-area difference (shoelace over the session's voltage).
    pub area: f64,
}

impl Surprise {
    /// The value of `metric`.
    pub fn value(&self, metric: ErrorMetric) -> f64 {
        match metric {
            ErrorMetric::Nrms => self.nrms,
            ErrorMetric::Mse => self.mse,
            ErrorMetric::Area => self.area,
        }
    }
}

/// One measured location.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// Image row of the location.
    pub row: usize,
    /// Image column of the location.
    pub col: usize,
    /// The measured spectrum.
    pub spectrum: Vec<f64>,
    /// Its error against the prediction made before it was measured (None: no model yet).
    pub surprise: Option<Surprise>,
}

/// A location proposed for measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// Image row.
    pub row: usize,
    /// Image column.
    pub col: usize,
    /// Its acquisition score (higher: measure sooner).
    pub score: f64,
}

/// The ensemble's predictions at some locations.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Mean over the members, locations x spectrum points.
    pub mean: Array2<f64>,
    /// Standard deviation over the members (0 for one member), locations x points.
    pub std: Array2<f64>,
    /// The first member's latent vectors, locations x latent.
    pub latent: Array2<f64>,
}

/// Maps over the image (NaN where undefined).
#[derive(Clone, Debug, PartialEq)]
pub struct Maps {
    /// Acquisition score of every unmeasured candidate location.
    pub score: Array2<f64>,
    /// Surprise (normalised RMS) of every measured location that had a prediction.
    pub surprise_nrms: Array2<f64>,
    /// Surprise (MSE).
    pub surprise_mse: Array2<f64>,
    /// Surprise (area error).
    pub surprise_area: Array2<f64>,
    /// The first member's latent vector at every candidate location, rows x cols x latent.
    pub latent: Array3<f64>,
}

/// One member of the ensemble and how far it has trained.
#[derive(Clone, Debug)]
pub(super) struct Member {
    pub model: EncoderDecoder,
    /// Measurements its last finished update trained on.
    pub trained_on: usize,
    /// Measurements of a started, unfinished update (cancelled), if any.
    pub running: Option<usize>,
}

/// Every candidate location's predictions by the current ensemble.
#[derive(Clone, Debug)]
pub(super) struct Cache {
    pub prediction: Prediction,
    /// Minus the log-density under the mixture of the measured latents (`latent_novelty`).
    pub novelty: Option<Vec<f64>>,
}

/// An automated experiment over one structural image.
///
/// ```
/// use ferrolab::experiment::{AeSettings, Session};
/// use ferrolab::nn::im2spec::Im2SpecSettings;
/// use ferrolab::progress::Progress;
/// let image = ndarray::Array2::from_shape_fn((12, 12), |(i, j)| ((i + 2 * j) % 5) as f64);
/// let voltage: Vec<f64> = (0..8).map(|k| (k as f64 - 3.5) / 3.5).collect();
/// let ae = AeSettings { window_px: 4, ensemble_size: 2, epochs_initial: 2, epochs_update: 1, ..Default::default() };
/// let net = Im2SpecSettings { filters: 4, ..Default::default() };
/// let mut session = Session::new(&ae, &net, image.view(), &voltage)?;
/// let spectra = ndarray::Array2::from_shape_fn((3, 8), |(i, k)| (i + k) as f64 / 8.0);
/// session.add_measurements(&[[4, 4], [6, 8], [9, 5]], spectra.view())?;
/// session.update(&Progress::new())?;
/// let picks = session.rank(2)?; // the two locations to measure next
/// assert_eq!(picks.len(), 2);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Session {
    pub(super) settings: AeSettings,
    pub(super) network: Im2SpecSettings,
    pub(super) image: Array2<f64>,
    pub(super) voltage: Vec<f64>,
    pub(super) rows: RangeInclusive<usize>,
    pub(super) cols: RangeInclusive<usize>,
    pub(super) measurements: Vec<Measurement>,
    pub(super) members: Vec<Member>,
    pub(super) cache: Option<Cache>,
}

impl Session {
    /// A session over `image` (rows x cols) for spectra measured at `voltage` (one value per
    /// spectrum point, for the loop-area error), with the `ae.*` settings `settings` and the
    /// members' network and optimiser from `network` (`im2spec.*`; its latent size, epochs and
    /// seed are replaced by `ae.latent_dim`, `ae.epochs_*` and `ae.seed` + member).
    pub fn new(
        settings: &AeSettings,
        network: &Im2SpecSettings,
        image: ArrayView2<f64>,
        voltage: &[f64],
    ) -> Result<Self, ExperimentError> {
        settings.validate()?;
        network.validate()?;
        let (h, w) = image.dim();
        let window = settings.window_px;
        let (Some(rows), Some(cols)) = (centre_range(h, window), centre_range(w, window)) else {
            return Err(invalid(format!(
                "image of {h} x {w} px: ae.window_px = {window} does not fit"
            )));
        };
        if voltage.len() < 2 {
            return Err(invalid(format!(
                "voltage has {} points: a spectrum needs at least 2",
                voltage.len()
            )));
        }
        if let Some(i) = image.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("image element {i} is not finite")));
        }
        if let Some(i) = voltage.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("voltage element {i} is not finite")));
        }
        // The candidates' patches and every member's predictions of them.
        let candidates = rows.clone().count() * cols.clone().count();
        let per_candidate = window * window + (2 * voltage.len() + settings.latent_dim) * 2;
        crate::limits::check(
            &format!("{h} x {w} image: the candidates' patches and predictions"),
            crate::limits::bytes_of::<f64>(&[candidates, per_candidate]),
        )?;
        Ok(Self {
            settings: settings.clone(),
            network: network.clone(),
            image: image.to_owned(),
            voltage: voltage.to_vec(),
            rows,
            cols,
            measurements: Vec::new(),
            members: Vec::new(),
            cache: None,
        })
    }

    /// The `ae.*` settings.
    pub fn settings(&self) -> &AeSettings {
        &self.settings
    }

    /// Points per spectrum.
    pub fn spectrum_len(&self) -> usize {
        self.voltage.len()
    }

    /// The structural image.
    pub fn image(&self) -> ArrayView2<'_, f64> {
        self.image.view()
    }

    /// Every measurement in the order added, with its surprise.
    pub fn measurements(&self) -> &[Measurement] {
        &self.measurements
    }

    /// Whether the ensemble has been trained (on any measurements).
    pub fn is_trained(&self) -> bool {
        self.cache.is_some()
    }

    /// Candidate locations (where a window fits), row-major.
    pub fn candidates(&self) -> Vec<[usize; 2]> {
        let cols = self.cols.clone();
        self.rows
            .clone()
            .flat_map(|i| cols.clone().map(move |j| [i, j]))
            .collect()
    }

    /// The candidate index of `[row, col]`, or an error naming `what`.
    pub(super) fn candidate_index(
        &self,
        p: [usize; 2],
        what: &str,
    ) -> Result<usize, ExperimentError> {
        if !self.rows.contains(&p[0]) || !self.cols.contains(&p[1]) {
            return Err(invalid(format!(
                "{what} [{}, {}]: the {}-px window fits only at rows {:?} and columns {:?}",
                p[0], p[1], self.settings.window_px, self.rows, self.cols
            )));
        }
        let width = self.cols.clone().count();
        Ok((p[0] - self.rows.start()) * width + (p[1] - self.cols.start()))
    }

    /// Refuses a location already measured or given twice in `points`: a second spectrum at
    /// one location would count twice in every member's training and make its surprise (and
    /// the map) ambiguous. Errors name the argument as the C and Python calls spell it.
    fn check_unmeasured(&self, points: &[[usize; 2]]) -> Result<(), ExperimentError> {
        let mut seen: HashMap<[usize; 2], (bool, usize)> = self
            .measurements
            .iter()
            .enumerate()
            .map(|(m, x)| ([x.row, x.col], (true, m)))
            .collect();
        for (k, p) in points.iter().enumerate() {
            match seen.insert(*p, (false, k)) {
                None => {}
                Some((true, m)) => {
                    return Err(invalid(format!(
                        "rows/cols: location {k} [{}, {}] is already measured (measurement {m} \
                         of the session); a location is measured once",
                        p[0], p[1]
                    )));
                }
                Some((false, j)) => {
                    return Err(invalid(format!(
                        "rows/cols: location {k} [{}, {}] appears twice in this call (also \
                         location {j})",
                        p[0], p[1]
                    )));
                }
            }
        }
        Ok(())
    }

    /// The patches centred on `points` (inside the candidate grid), one row-major row each.
    fn patches(&self, points: &[[usize; 2]]) -> Array2<f64> {
        let (w, half) = (self.settings.window_px, self.settings.window_px / 2);
        let mut out = Array2::zeros((points.len(), w * w));
        for (mut row, p) in out.rows_mut().into_iter().zip(points) {
            let patch = self
                .image
                .slice(s![p[0] - half..p[0] + half, p[1] - half..p[1] + half]);
            row.iter_mut().zip(patch).for_each(|(o, v)| *o = *v);
        }
        out
    }

    /// Adds measured `spectra` (n x spectrum points) at `points` (`[row, col]`); returns each
    /// one's surprise (None while no model is trained). The ensemble is not retrained:
    /// [`Self::update`] does that. A location is measured once: one already measured, or
    /// given twice in `points`, is an error (naming it as `rows/cols` and its index), as are a
    /// location where the window does not fit, a shape mismatch and a non-finite value; on
    /// an error nothing is added.
    pub fn add_measurements(
        &mut self,
        points: &[[usize; 2]],
        spectra: ArrayView2<f64>,
    ) -> Result<Vec<Option<Surprise>>, ExperimentError> {
        if spectra.dim() != (points.len(), self.voltage.len()) {
            return Err(invalid(format!(
                "spectra has shape {:?}; {} locations of {} points were expected",
                spectra.dim(),
                points.len(),
                self.voltage.len()
            )));
        }
        if let Some(i) = spectra.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!("spectra element {i} is not finite")));
        }
        for (k, p) in points.iter().enumerate() {
            self.candidate_index(*p, &format!("location {k}"))?;
        }
        self.check_unmeasured(points)?;
        crate::limits::check(
            "the measurements",
            crate::limits::bytes_of::<f64>(&[
                self.measurements.len() + points.len(),
                self.voltage.len(),
            ]),
        )?;
        let predicted = match &self.cache {
            Some(_) => Some(self.predict(points)?.mean),
            None => None,
        };
        let mut out = Vec::with_capacity(points.len());
        for (k, (p, y)) in points.iter().zip(spectra.rows()).enumerate() {
            let y = y.to_vec();
            let surprise = match &predicted {
                Some(pred) => {
                    let yhat = pred.row(k).to_vec();
                    Some(Surprise {
                        nrms: nrms(&yhat, &y)?,
                        mse: mse(&yhat, &y)?,
                        area: area_error(&self.voltage, &yhat, &y)?,
                    })
                }
                None => None,
            };
            self.measurements.push(Measurement {
                row: p[0],
                col: p[1],
                spectrum: y,
                surprise,
            });
            out.push(surprise);
        }
        Ok(out)
    }

    /// (Re)trains every member on all measurements: the first time for `ae.epochs_initial`
    /// epochs from fresh weights, later warm-started for `ae.epochs_update` epochs; each
    /// member on its own bootstrap resample when there are several. Then predicts every
    /// candidate location. Progress: stage k = member k (from 1), epochs done of its run.
    /// Cancelling keeps every member that finished; calling again continues the rest where
    /// they stopped.
    pub fn update(&mut self, progress: &Progress) -> Result<(), ExperimentError> {
        let n = self.measurements.len();
        if n == 0 {
            return Err(invalid("no measurements yet: add some before update"));
        }
        // Until every member has finished this update there is no consistent ensemble.
        self.cache = None;
        let points: Vec<[usize; 2]> = self.measurements.iter().map(|m| [m.row, m.col]).collect();
        let x = self.patches(&points);
        let mut y = Array2::zeros((n, self.voltage.len()));
        for (mut row, m) in y.rows_mut().into_iter().zip(&self.measurements) {
            row.assign(&ndarray::ArrayView1::from(&m.spectrum));
        }
        for k in 0..self.settings.ensemble_size {
            if self.members.get(k).is_some_and(|m| m.trained_on == n) {
                continue;
            }
            progress.begin(k as u32 + 1, 0, &format!("member {}", k + 1));
            self.start_run(k, n)?;
            let rows = self.resample(k, n);
            let (xk, yk) = (x.select(Axis(0), &rows), y.select(Axis(0), &rows));
            let member = &mut self.members[k];
            member.model.train(xk.view(), yk.view(), progress)?;
            member.trained_on = n;
            member.running = None;
        }
        self.refresh_cache()
    }

    /// Makes member `k` ready to train on `n` measurements: a fresh model the first time, a
    /// warm start of a new run otherwise (nothing when a run on `n` was cancelled).
    fn start_run(&mut self, k: usize, n: usize) -> Result<(), ExperimentError> {
        if k == self.members.len() {
            let settings = Im2SpecSettings {
                latent: self.settings.latent_dim,
                epochs: self.settings.epochs_initial,
                seed: self.settings.seed.wrapping_add(k as u64),
                ..self.network.clone()
            };
            let w = self.settings.window_px;
            let model = EncoderDecoder::im2spec(&settings, [w, w], self.voltage.len())?;
            self.members.push(Member {
                model,
                trained_on: 0,
                running: Some(n),
            });
            return Ok(());
        }
        let member = &mut self.members[k];
        if member.running != Some(n) {
            member.model.warm_start(self.settings.epochs_update)?;
            member.running = Some(n);
        }
        Ok(())
    }

    /// Member `k`'s rows of `n` measurements: all of them for a single member, else a
    /// bootstrap resample seeded by (ae.seed, k, n), so a resumed run sees the same rows.
    /// The resample fills whole batches (n rounded up to a multiple of the batch size): a
    /// last batch of a few rows gives BatchNorm statistics of a few rows and a noisy step,
    /// which showed as spikes of the map error whenever n was just above a multiple.
    pub(super) fn resample(&self, k: usize, n: usize) -> Vec<usize> {
        if self.settings.ensemble_size == 1 {
            return (0..n).collect();
        }
        let batch = self.network.batch_size.max(1);
        let size = if n > batch {
            n.div_ceil(batch) * batch
        } else {
            n
        };
        let seed = crate::rng::derive_seed(self.settings.seed, ((k as u64) << 32) | n as u64);
        let mut rng = Xoshiro256::substream(seed, 0);
        (0..size).map(|_| rng.below(n as u64) as usize).collect()
    }

    /// Predicts every candidate location with the current ensemble and scores novelty.
    pub(super) fn refresh_cache(&mut self) -> Result<(), ExperimentError> {
        let candidates = self.candidates();
        let prediction = self.predict_unchecked(&candidates)?;
        let novelty = match self.settings.acquisition {
            Acquisition::LatentNovelty => Some(self.novelty(&prediction.latent)?),
            _ => None,
        };
        self.cache = Some(Cache {
            prediction,
            novelty,
        });
        Ok(())
    }

    /// Minus the log-density of every candidate's latent vector under a Gaussian mixture of
    /// the measured locations' latents.
    fn novelty(&self, latent: &Array2<f64>) -> Result<Vec<f64>, ExperimentError> {
        let measured: Vec<usize> = self
            .measurements
            .iter()
            .map(|m| self.candidate_index([m.row, m.col], "measurement"))
            .collect::<Result<_, _>>()?;
        let z = latent.select(Axis(0), &measured);
        let k = self.settings.novelty_components.min(z.nrows());
        let params = GmmParams {
            seed: self.settings.seed,
            reg_covar: 1e-4,
            ..GmmParams::new(k)
        };
        let gmm = GaussianMixture::fit(z.view(), &params)
            .map_err(|e| invalid(format!("latent_novelty: {e}")))?;
        let log_density = gmm
            .score_samples(latent.view())
            .map_err(|e| invalid(format!("latent_novelty: {e}")))?;
        Ok(log_density.iter().map(|v| -v).collect())
    }

    /// The ensemble's predictions (mean, spread, first member's latents) at `points`, as
    /// made by the last finished update.
    pub fn predict(&self, points: &[[usize; 2]]) -> Result<Prediction, ExperimentError> {
        let pr = &self.trained()?.prediction;
        let idx: Vec<usize> = points
            .iter()
            .enumerate()
            .map(|(k, p)| self.candidate_index(*p, &format!("location {k}")))
            .collect::<Result<_, _>>()?;
        Ok(Prediction {
            mean: pr.mean.select(Axis(0), &idx),
            std: pr.std.select(Axis(0), &idx),
            latent: pr.latent.select(Axis(0), &idx),
        })
    }

    /// The predictions of the last finished update, or why there are none.
    fn trained(&self) -> Result<&Cache, ExperimentError> {
        self.cache
            .as_ref()
            .ok_or(ExperimentError::Model(NnError::NotTrained(
                "predicting or ranking: call update (again, if it was cancelled)",
            )))
    }

    /// Predictions of every member at `points` (inside the candidate grid), reduced.
    fn predict_unchecked(&self, points: &[[usize; 2]]) -> Result<Prediction, ExperimentError> {
        let x = self.patches(points);
        let (n, l) = (points.len(), self.voltage.len());
        let (mut sum, mut sum_sq) = (Array2::<f64>::zeros((n, l)), Array2::<f64>::zeros((n, l)));
        for m in &self.members {
            let y = m.model.predict(x.view())?;
            sum += &y;
            sum_sq += &(&y * &y);
        }
        let count = self.members.len() as f64;
        let mean = sum / count;
        let std = (sum_sq / count - &mean * &mean).mapv(|v| v.max(0.0).sqrt());
        let latent = self.members[0].model.encode(x.view())?;
        Ok(Prediction { mean, std, latent })
    }

    /// Every candidate's acquisition score (NaN at measured locations): `ae.acquisition`.
    fn scores(&self) -> Result<Vec<f64>, ExperimentError> {
        let cache = self.trained()?;
        let n = cache.prediction.mean.nrows();
        let mut scores: Vec<f64> = match self.settings.acquisition {
            Acquisition::EnsembleStd => cache
                .prediction
                .std
                .rows()
                .into_iter()
                .map(|r| r.mean().unwrap_or(f64::NAN))
                .collect(),
            Acquisition::LatentNovelty => cache.novelty.clone().unwrap_or_default(),
            Acquisition::Random => {
                let seed =
                    crate::rng::derive_seed(self.settings.seed, self.measurements.len() as u64);
                let mut rng = Xoshiro256::substream(seed, 1);
                (0..n).map(|_| rng.uniform()).collect()
            }
            Acquisition::Raster => (0..n).map(|i| -(i as f64)).collect(),
        };
        for m in &self.measurements {
            scores[self.candidate_index([m.row, m.col], "measurement")?] = f64::NAN;
        }
        Ok(scores)
    }

    /// The next `k` locations to measure: the highest scores of `ae.acquisition` among the
    /// unmeasured candidates, no two closer than `ae.exclusion_radius_px`; fewer when the
    /// candidates run out. Reads the predictions made by the last update, so it is fast.
    pub fn rank(&self, k: usize) -> Result<Vec<Pick>, ExperimentError> {
        let scores = self.scores()?;
        let candidates = self.candidates();
        let picks = pick_top_k(&candidates, &scores, k, self.settings.exclusion_radius_px);
        Ok(picks
            .into_iter()
            .map(|i| Pick {
                row: candidates[i][0],
                col: candidates[i][1],
                score: scores[i],
            })
            .collect())
    }

    /// Score, surprise and latent maps over the image (NaN where undefined).
    pub fn maps(&self) -> Result<Maps, ExperimentError> {
        let (h, w) = self.image.dim();
        let nan = || Array2::from_elem((h, w), f64::NAN);
        let latent_dim = self.settings.latent_dim;
        let mut maps = Maps {
            score: nan(),
            surprise_nrms: nan(),
            surprise_mse: nan(),
            surprise_area: nan(),
            latent: Array3::from_elem((h, w, latent_dim), f64::NAN),
        };
        for m in &self.measurements {
            if let Some(s) = m.surprise {
                maps.surprise_nrms[[m.row, m.col]] = s.nrms;
                maps.surprise_mse[[m.row, m.col]] = s.mse;
                maps.surprise_area[[m.row, m.col]] = s.area;
            }
        }
        if let Some(cache) = &self.cache {
            let scores = self.scores()?;
            for (i, p) in self.candidates().into_iter().enumerate() {
                maps.score[[p[0], p[1]]] = scores[i];
                maps.latent
                    .slice_mut(s![p[0], p[1], ..])
                    .assign(&cache.prediction.latent.row(i));
            }
        }
        Ok(maps)
    }
}
