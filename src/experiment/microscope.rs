//! A simulated microscope closing the automated-experiment loop without hardware: the
//! simulated sample answers every measurement with its noisy loop, and the true (noiseless)
//! loops judge the ensemble's map after every step.

use super::ae_keys::AeSettings;
use super::error::ExperimentError;
use super::sample::Sample;
use super::session::Session;
use crate::nn::im2spec::Im2SpecSettings;
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::Array2;

/// One step of a closed loop.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopStep {
    /// Locations measured after the step.
    pub measured: usize,
    /// MSE against the noiseless loops, over every candidate location, of the map the
    /// experiment holds after the step: the measured loop where one was measured, the
    /// ensemble's prediction elsewhere.
    pub map_mse: f64,
    /// The same with the prediction everywhere (how well the structure alone predicts).
    pub model_mse: f64,
    /// `model_mse` outside the planted anomalies (which no structure can predict).
    pub model_mse_normal: f64,
    /// The locations picked in the step, in order (empty for the seed step).
    pub picks: Vec<[usize; 2]>,
}

/// What a closed loop did.
#[derive(Clone, Debug)]
pub struct ClosedLoop {
    /// The session at the end (measurements, surprises, models).
    pub session: Session,
    /// The seed step, then one entry per step.
    pub steps: Vec<LoopStep>,
    /// Planted anomalies with a measured pixel whose surprise (the `ae.error_metric`) is above
    /// the 95th percentile of all surprises.
    pub anomalies_found: usize,
}

/// Runs `steps` steps of `per_step` measurements on `sample` after a seed of `initial`
/// random locations (seeded by `ae.seed`); each step ranks, measures the picks, updates.
///
/// ```no_run
/// use ferrolab::experiment::{AeSettings, Sample, SampleSettings, run_closed_loop};
/// let sample = Sample::generate(&SampleSettings::default())?;
/// let run = run_closed_loop(&sample, &AeSettings::default(), &Default::default(), 100, 10, 20, &Default::default())?;
/// println!("map MSE {:?}", run.steps.iter().map(|s| s.map_mse).collect::<Vec<_>>());
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn run_closed_loop(
    sample: &Sample,
    ae: &AeSettings,
    network: &Im2SpecSettings,
    initial: usize,
    per_step: usize,
    steps: usize,
    progress: &Progress,
) -> Result<ClosedLoop, ExperimentError> {
    let mut session = Session::new(ae, network, sample.image.view(), &sample.voltage)?;
    let mut candidates = session.candidates();
    Xoshiro256::substream(ae.seed, 7).shuffle(&mut candidates);
    candidates.truncate(initial.max(1));
    let measure = |points: &[[usize; 2]]| super::patches::loops_at(sample.loops.view(), points);
    session.add_measurements(&candidates, measure(&candidates)?.view())?;
    session.update(progress)?;
    let judge = MapJudge::new(sample, &session)?;
    let mut record = vec![judge.step(&session, Vec::new())?];
    for _ in 0..steps {
        let picks: Vec<[usize; 2]> = session
            .rank(per_step)?
            .iter()
            .map(|p| [p.row, p.col])
            .collect();
        if picks.is_empty() {
            break;
        }
        session.add_measurements(&picks, measure(&picks)?.view())?;
        session.update(progress)?;
        record.push(judge.step(&session, picks)?);
    }
    let anomalies_found = anomalies_found(sample, &session, ae);
    Ok(ClosedLoop {
        session,
        steps: record,
        anomalies_found,
    })
}

/// Scores a session's maps against the sample's noiseless loops.
struct MapJudge {
    candidates: Vec<[usize; 2]>,
    truth: Array2<f64>,
    normal: Vec<bool>,
}

impl MapJudge {
    fn new(sample: &Sample, session: &Session) -> Result<Self, ExperimentError> {
        let candidates = session.candidates();
        let truth = super::patches::loops_at(sample.loops_clean.view(), &candidates)?;
        let normal = candidates.iter().map(|p| !sample.anomaly[*p]).collect();
        Ok(Self {
            candidates,
            truth,
            normal,
        })
    }

    /// The step's record after the session's update.
    fn step(&self, session: &Session, picks: Vec<[usize; 2]>) -> Result<LoopStep, ExperimentError> {
        let predicted = session.predict(&self.candidates)?.mean;
        let mut held = predicted.clone();
        for m in session.measurements() {
            let i = session.candidate_index([m.row, m.col], "measurement")?;
            held.row_mut(i)
                .assign(&ndarray::ArrayView1::from(&m.spectrum));
        }
        let row_mse = |map: &Array2<f64>| -> Vec<f64> {
            (map - &self.truth)
                .rows()
                .into_iter()
                .map(|r| r.mapv(|v| v * v).mean().unwrap_or(f64::NAN))
                .collect()
        };
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let model = row_mse(&predicted);
        let normal: Vec<f64> = model
            .iter()
            .zip(&self.normal)
            .filter_map(|(e, &n)| n.then_some(*e))
            .collect();
        Ok(LoopStep {
            measured: session.measurements().len(),
            map_mse: mean(&row_mse(&held)),
            model_mse: mean(&model),
            model_mse_normal: mean(&normal),
            picks,
        })
    }
}

/// Planted anomalies (connected by their centres) with a measured pixel whose surprise is
/// above the 95th percentile of all surprises.
fn anomalies_found(sample: &Sample, session: &Session, ae: &AeSettings) -> usize {
    let mut values: Vec<f64> = session
        .measurements()
        .iter()
        .filter_map(|m| m.surprise.map(|s| s.value(ae.error_metric)))
        .collect();
    if values.is_empty() {
        return 0;
    }
    values.sort_by(f64::total_cmp);
    let threshold = values[(values.len() * 95 / 100).min(values.len() - 1)];
    let radius2 = sample.settings.anomaly_radius_px.powi(2);
    sample
        .anomaly_centres
        .iter()
        .filter(|c| {
            session.measurements().iter().any(|m| {
                let d2 =
                    (m.row as f64 - c[0] as f64).powi(2) + (m.col as f64 - c[1] as f64).powi(2);
                d2 <= radius2
                    && sample.anomaly[[m.row, m.col]]
                    && m.surprise
                        .is_some_and(|s| s.value(ae.error_metric) > threshold)
            })
        })
        .count()
}

/// Area under a curve of the steps (trapezoids over the measurement counts): one number per
/// run to compare acquisition rules, e.g. `area_under(&run.steps, |s| s.map_mse)` (lower: the
/// map improved sooner).
///
/// ```
/// use ferrolab::experiment::{LoopStep, area_under};
/// let steps = [(10, 2.0), (20, 1.0), (30, 1.0)].map(|(measured, map_mse)| LoopStep {
///     measured,
///     map_mse,
///     model_mse: 0.0,
///     model_mse_normal: 0.0,
///     picks: vec![],
/// });
/// assert_eq!(area_under(&steps, |s| s.map_mse), 25.0);
/// ```
pub fn area_under(steps: &[LoopStep], value: impl Fn(&LoopStep) -> f64) -> f64 {
    steps
        .windows(2)
        .map(|w| 0.5 * (value(&w[0]) + value(&w[1])) * (w[1].measured - w[0].measured) as f64)
        .sum()
}

/// The order in which locations were picked, as a map (1 for the first pick; NaN elsewhere).
pub fn pick_order_map(shape: (usize, usize), steps: &[LoopStep]) -> Array2<f64> {
    let mut m = Array2::from_elem(shape, f64::NAN);
    for (k, p) in steps.iter().flat_map(|s| &s.picks).enumerate() {
        m[[p[0], p[1]]] = (k + 1) as f64;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{Acquisition, SampleSettings};

    #[test]
    fn a_small_closed_loop_measures_improves_and_counts() {
        let sample = Sample::generate(&SampleSettings {
            rows: 24,
            cols: 24,
            steps: 16,
            split_col: 12,
            anomaly_count: 1,
            anomaly_window_px: 4,
            ..Default::default()
        })
        .unwrap();
        let ae = AeSettings {
            window_px: 4,
            ensemble_size: 2,
            epochs_initial: 20,
            epochs_update: 5,
            acquisition: Acquisition::EnsembleStd,
            ..Default::default()
        };
        let net = Im2SpecSettings {
            filters: 8,
            learning_rate: 3e-3,
            batch_size: 16,
            ..Default::default()
        };
        let run = run_closed_loop(&sample, &ae, &net, 40, 8, 3, &Progress::new()).unwrap();
        assert_eq!(run.steps.len(), 4);
        assert_eq!(run.session.measurements().len(), 40 + 3 * 8);
        assert!(run.steps.iter().all(|s| s.map_mse.is_finite()));
        assert!(run.anomalies_found <= 1);
        let order = pick_order_map((24, 24), &run.steps);
        assert_eq!(order.iter().filter(|v| v.is_finite()).count(), 24);
        assert!(area_under(&run.steps, |s| s.map_mse) > 0.0);
    }

    #[test]
    fn the_held_map_is_the_measurements_where_measured() {
        // Noiseless loops: a measured location's loop is exact, so the held map's error is the
        // predictions' error summed over the unmeasured locations only.
        let sample = Sample::generate(&SampleSettings {
            rows: 24,
            cols: 24,
            steps: 8,
            split_col: 12,
            loop_noise: 0.0,
            anomaly_visibility: 0.05,
            anomaly_count: 1,
            anomaly_window_px: 4,
            ..Default::default()
        })
        .unwrap();
        let ae = AeSettings {
            window_px: 4,
            ensemble_size: 2,
            epochs_initial: 3,
            epochs_update: 1,
            ..Default::default()
        };
        let net = Im2SpecSettings {
            filters: 4,
            ..Default::default()
        };
        let run = run_closed_loop(&sample, &ae, &net, 30, 5, 1, &Progress::new()).unwrap();
        let last = run.steps.last().unwrap();
        let all = run.session.candidates();
        let predicted = run.session.predict(&all).unwrap().mean;
        let measured: std::collections::HashSet<[usize; 2]> = run
            .session
            .measurements()
            .iter()
            .map(|m| [m.row, m.col])
            .collect();
        let (mut unmeasured, mut everywhere, mut normal, mut n_normal) = (0.0, 0.0, 0.0, 0);
        for (i, p) in all.iter().enumerate() {
            let e: f64 = (0..8)
                .map(|v| (predicted[[i, v]] - sample.loops_clean[[p[0], p[1], v]]).powi(2))
                .sum::<f64>()
                / 8.0;
            everywhere += e;
            if !measured.contains(p) {
                unmeasured += e;
            }
            if !sample.anomaly[*p] {
                normal += e;
                n_normal += 1;
            }
        }
        let n = all.len() as f64;
        assert!((last.map_mse - unmeasured / n).abs() <= 1e-12 * last.map_mse);
        assert!((last.model_mse - everywhere / n).abs() <= 1e-12 * last.model_mse);
        assert!((last.model_mse_normal - normal / n_normal as f64).abs() <= 1e-12 * normal);
        assert!(last.map_mse < last.model_mse);
    }
}
