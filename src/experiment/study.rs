//! Paper 003's study on a simulated sample: im2spec trained on the left part of the map and
//! judged on the right (models.md 3.3, 3.6): held-out error against the mean-loop baseline,
//! how well the per-location error finds the planted anomalies, and whether the error map
//! follows the structure image.

use super::error::ExperimentError;
use super::metrics::{mean_loop_baseline_mse, roc_auc};
use super::paired::{ErrorMaps, PairedData};
use super::sample::Sample;
use crate::analysis::pearson;
use crate::nn::im2spec::{EncoderDecoder, Im2SpecSettings};
use crate::progress::Progress;
use ndarray::{Array1, Axis};

/// What the study measured on the test side of the split.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyReport {
    /// Mean squared error of the predicted spectra over every test location.
    pub test_mse: f64,
    /// The same outside the planted anomalies (what the structure can predict).
    pub normal_mse: f64,
    /// The mean-loop baseline's test MSE (the training loops' mean predicts every location).
    pub baseline_mse: f64,
    /// The test MSE of the best any structure model can do: the loop the structure determines
    /// ([`Sample::structure_loop`], which knows the mapping) at every test location, against
    /// the measured loops. The planted anomalies keep it above the noise variance.
    pub structure_floor_mse: f64,
    /// ROC-AUC of the per-location MSE for the anomaly mask.
    pub anomaly_auc: f64,
    /// Pearson r of the per-location MSE with the image intensity outside the anomalies.
    pub image_correlation: f64,
    /// Per-location errors on the test side.
    pub maps: ErrorMaps,
}

/// Trains im2spec (`settings`, windows of `window` px) on the training side of `sample`'s
/// split (`sample.split_col`) and measures it on the test side.
///
/// ```no_run
/// use ferrolab::experiment::{Sample, SampleSettings, im2spec_study};
/// use ferrolab::nn::im2spec::Im2SpecSettings;
/// let sample = Sample::generate(&SampleSettings::default())?;
/// let (_model, report) = im2spec_study(&sample, &Im2SpecSettings::default(), 8, &Default::default())?;
/// println!("test MSE {} against the baseline's {}", report.normal_mse, report.baseline_mse);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn im2spec_study(
    sample: &Sample,
    settings: &Im2SpecSettings,
    window: usize,
    progress: &Progress,
) -> Result<(EncoderDecoder, StudyReport), ExperimentError> {
    let s = &sample.settings;
    let data = PairedData::new(
        sample.image.view(),
        sample.loops.view(),
        window,
        s.split_col,
    )?;
    let (train, test) = (&data.split.train, &data.split.test);
    let mut model = EncoderDecoder::im2spec(settings, [window, window], s.steps)?;
    let train_spectra = data.spectra.select(Axis(0), train);
    model.train(
        data.patches.select(Axis(0), train).view(),
        train_spectra.view(),
        progress,
    )?;
    let truth = data.spectra.select(Axis(0), test);
    let pred = model.predict(data.patches.select(Axis(0), test).view())?;
    let centres: Vec<[usize; 2]> = test.iter().map(|&k| data.centres[k]).collect();
    let maps = ErrorMaps::new(
        pred.view(),
        truth.view(),
        &centres,
        &sample.voltage,
        sample.image.dim(),
    )?;
    let errors: Vec<f64> = centres.iter().map(|c| maps.mse[[c[0], c[1]]]).collect();
    let planted: Vec<bool> = centres
        .iter()
        .map(|c| sample.anomaly[[c[0], c[1]]])
        .collect();
    let (normal, image): (Vec<f64>, Vec<f64>) = centres
        .iter()
        .zip(&errors)
        .filter(|(c, _)| !sample.anomaly[[c[0], c[1]]])
        .map(|(c, e)| (*e, sample.image[[c[0], c[1]]]))
        .unzip();
    let image_correlation = pearson(
        Array1::from(normal.clone()).view(),
        Array1::from(image).view(),
    )
    .map_err(|e| super::error::invalid(format!("image correlation: {e}")))?;
    let floor: f64 = test
        .iter()
        .zip(truth.rows())
        .map(|(&k, measured)| {
            let best = sample.structure_loop(data.centres[k]);
            measured
                .iter()
                .zip(&best)
                .map(|(m, b)| (m - b).powi(2))
                .sum::<f64>()
                / best.len() as f64
        })
        .sum::<f64>()
        / test.len() as f64;
    let report = StudyReport {
        structure_floor_mse: floor,
        test_mse: errors.iter().sum::<f64>() / errors.len() as f64,
        normal_mse: normal.iter().sum::<f64>() / normal.len().max(1) as f64,
        baseline_mse: mean_loop_baseline_mse(train_spectra.view(), truth.view())?,
        anomaly_auc: if planted.iter().any(|a| *a) {
            roc_auc(&errors, &planted)?
        } else {
            f64::NAN
        },
        image_correlation,
        maps,
    };
    Ok((model, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::SampleSettings;

    /// A reduced configuration (16 filters, Adam 3e-3, 40 epochs instead of 64 filters, 1e-3,
    /// 250) on the design note's 60 x 60 sample: the targets of models.md 3.6 that it reaches
    /// (the full configuration's numbers are in benches/README.md).
    #[test]
    fn im2spec_learns_the_structure_and_finds_the_planted_anomalies() {
        let sample = Sample::generate(&SampleSettings::default()).unwrap();
        let settings = Im2SpecSettings {
            filters: 16,
            learning_rate: 3e-3,
            epochs: 40,
            ..Default::default()
        };
        let (_, r) = im2spec_study(&sample, &settings, 8, &Progress::new()).unwrap();
        let noise = sample.settings.loop_noise.powi(2);
        assert!(r.normal_mse <= 0.3 * r.baseline_mse, "{r:?}");
        assert!(r.normal_mse >= noise, "below the noise variance: {r:?}");
        assert!(r.anomaly_auc >= 0.9, "AUC {}", r.anomaly_auc);
        assert!(r.test_mse > r.normal_mse, "the anomalies raise the error");
        // The anomalies alone hold the best structure model well above the noise, and the
        // trained model comes within 15 % of that floor over all test locations.
        assert!(r.structure_floor_mse > 10.0 * noise, "{r:?}");
        assert!(r.test_mse <= 1.15 * r.structure_floor_mse, "{r:?}");
    }
}
