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
    /// MSE of the ensemble's predicted map against the noiseless loops over every candidate
    /// location, after the step's update.
    pub map_mse: f64,
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
    let all = session.candidates();
    let truth = super::patches::loops_at(sample.loops_clean.view(), &all)?;
    let map_mse = |s: &Session| -> Result<f64, ExperimentError> {
        let p = s.predict(&all)?.mean;
        Ok((&p - &truth).mapv(|v| v * v).mean().unwrap_or(f64::NAN))
    };
    let mut record = vec![LoopStep {
        measured: session.measurements().len(),
        map_mse: map_mse(&session)?,
        picks: Vec::new(),
    }];
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
        record.push(LoopStep {
            measured: session.measurements().len(),
            map_mse: map_mse(&session)?,
            picks,
        });
    }
    let anomalies_found = anomalies_found(sample, &session, ae);
    Ok(ClosedLoop {
        session,
        steps: record,
        anomalies_found,
    })
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

/// Area under the map-error curve against measurements (trapezoids over the steps): one
/// number per run to compare acquisition rules (lower: the map improved sooner).
///
/// ```
/// use ferrolab::experiment::{LoopStep, map_error_area};
/// let steps = [(10, 2.0), (20, 1.0), (30, 1.0)]
///     .map(|(measured, map_mse)| LoopStep { measured, map_mse, picks: vec![] });
/// assert_eq!(map_error_area(&steps), 25.0);
/// ```
pub fn map_error_area(steps: &[LoopStep]) -> f64 {
    steps
        .windows(2)
        .map(|w| 0.5 * (w[0].map_mse + w[1].map_mse) * (w[1].measured - w[0].measured) as f64)
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
        assert!(map_error_area(&run.steps) > 0.0);
    }
}
