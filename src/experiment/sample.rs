//! The simulated sample of paper 003's automated experiment: a structure image whose pixels
//! determine their switching loops through a known mapping, with planted anomalies where the
//! loops do not follow the structure (models.md 3.5; `docs/experiment.md`).

use super::anomalies::place_anomalies;
use super::descriptors::{Descriptors, descriptors};
use super::disc::disc;
use super::error::ExperimentError;
use super::lamellae::domain_mask;
use super::{LoopParams, SampleSettings};
use crate::beps::{branch_signs, triangle_wave};
use crate::config::Config;
use crate::filter::gaussian_filter;
use crate::rng::Xoshiro256;
use ndarray::{Array2, Array3, Axis};

/// A simulated sample: the structure image, the loop at every pixel (noiseless and noisy),
/// the ground truth (domain mask, descriptors, anomalies) and the voltage cycle.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The settings it was generated with.
    pub settings: SampleSettings,
    /// The a-domain mask M, (rows, cols), true = a domain.
    pub mask: Array2<bool>,
    /// The structure image I = blur(1 - contrast M) + noise, (rows, cols).
    pub image: Array2<f64>,
    /// The descriptors of M that set each pixel's loop.
    pub descriptors: Descriptors,
    /// Voltage of each step: one triangle cycle 0 -> +max -> -max -> 0, (steps).
    pub voltage: Vec<f64>,
    /// Branch of each step, +1 rising, -1 falling ([`branch_signs`]).
    pub branch: Vec<f64>,
    /// The noiseless loops, (rows, cols, steps), anomalies included.
    pub loops_clean: Array3<f64>,
    /// The measured loops: `loops_clean` plus Gaussian noise of `settings.loop_noise`.
    pub loops: Array3<f64>,
    /// Pixels whose loop does not follow the structure (the planted anomalies), (rows, cols).
    pub anomaly: Array2<bool>,
    /// The anomaly discs' centres, [row, col], in the order they were placed.
    pub anomaly_centres: Vec<[usize; 2]>,
}

impl Sample {
    /// Generate the sample of `settings` (checked first: sizes, room for the anomalies, the
    /// memory budget, each error naming its `sample.*` key).
    ///
    /// Random draws come from [`Xoshiro256`] sub-streams of `settings.seed`: 0 the lamellae,
    /// 1 the image noise (row-major), 2 the anomaly placement, 3 the loop noise (row, column,
    /// step order).
    ///
    /// ```
    /// use ferrolab::experiment::{Sample, SampleSettings};
    /// let settings = SampleSettings { rows: 40, cols: 40, split_col: 20, ..Default::default() };
    /// let s = Sample::generate(&settings)?;
    /// assert_eq!(s.loops.dim(), (40, 40, 64));
    /// assert_eq!(s.anomaly_centres.len(), 3);
    /// assert!(s.anomaly_centres.iter().all(|c| c[1] > 20));
    /// # Ok::<(), ferrolab::experiment::ExperimentError>(())
    /// ```
    pub fn generate(settings: &SampleSettings) -> Result<Self, ExperimentError> {
        settings.validate()?;
        let s = settings;
        let mask = domain_mask(s, &mut Xoshiro256::substream(s.seed, 0));
        let mut image = gaussian_filter(
            mask.mapv(|a| 1.0 - s.contrast * f64::from(u8::from(a)))
                .view(),
            s.blur_px,
        );
        let mut noise = Xoshiro256::substream(s.seed, 1);
        image.mapv_inplace(|x| x + s.image_noise * noise.normal());
        let descriptors = descriptors(mask.view(), s.fraction_radius_px);
        let voltage = triangle_wave(s.steps, s.voltage_max_v);
        let branch = branch_signs(&voltage);
        let anomaly_centres = place_anomalies(
            s,
            &descriptors,
            &voltage,
            &branch,
            &mut Xoshiro256::substream(s.seed, 2),
        )?;
        let mut anomaly = Array2::from_elem((s.rows, s.cols), false);
        for &c in &anomaly_centres {
            for p in disc(c, s.anomaly_radius_px, s.rows, s.cols) {
                anomaly[p] = true;
            }
        }
        let mut loops_clean = Array3::zeros((s.rows, s.cols, s.steps));
        for ((i, j), mut out) in loops_clean
            .lanes_mut(Axis(2))
            .into_iter()
            .enumerate()
            .map(|(k, lane)| ((k / s.cols, k % s.cols), lane))
        {
            let shift = if anomaly[[i, j]] {
                s.anomaly_shift_v
            } else {
                0.0
            };
            let params = LoopParams::at(&descriptors, [i, j], shift);
            let out = out
                .as_slice_mut()
                .expect("a lane of a standard-layout cube");
            params.fill(&voltage, &branch, out);
        }
        let mut noise = Xoshiro256::substream(s.seed, 3);
        let loops = loops_clean.mapv(|y| y + s.loop_noise * noise.normal());
        Ok(Self {
            settings: s.clone(),
            mask,
            image,
            descriptors,
            voltage,
            branch,
            loops_clean,
            loops,
            anomaly,
            anomaly_centres,
        })
    }

    /// The sample of the `sample.*` keys of `cfg`.
    ///
    /// ```
    /// use ferrolab::config::Config;
    /// let s = ferrolab::experiment::Sample::from_config(&Config::new())?;
    /// assert_eq!((s.loops.dim(), s.settings.split_col), ((60, 60, 64), 42));
    /// # Ok::<(), ferrolab::experiment::ExperimentError>(())
    /// ```
    pub fn from_config(cfg: &Config) -> Result<Self, ExperimentError> {
        Self::generate(&SampleSettings::from_config(cfg)?)
    }

    /// The noiseless loop pixel `[row, col]` would have if it followed the structure (for an
    /// anomalous pixel, without the anomaly's shift; elsewhere, its loop). Panics outside the
    /// image.
    ///
    /// ```
    /// use ferrolab::experiment::{Sample, SampleSettings};
    /// let settings = SampleSettings { rows: 40, cols: 40, split_col: 20, ..Default::default() };
    /// let s = Sample::generate(&settings)?;
    /// let c = s.anomaly_centres[0];
    /// let expected = s.structure_loop(c);
    /// let actual = s.loops_clean.slice(ndarray::s![c[0], c[1], ..]);
    /// assert!(expected.iter().zip(actual).any(|(a, b)| (a - b).abs() > 0.1));
    /// # Ok::<(), ferrolab::experiment::ExperimentError>(())
    /// ```
    pub fn structure_loop(&self, pixel: [usize; 2]) -> Vec<f64> {
        let mut out = vec![0.0; self.voltage.len()];
        LoopParams::at(&self.descriptors, pixel, 0.0).fill(&self.voltage, &self.branch, &mut out);
        out
    }
}
