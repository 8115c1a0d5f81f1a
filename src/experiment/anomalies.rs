//! Where the simulated sample's planted anomalies go: discs in the test region whose loops
//! visibly break the structure -> loop mapping.

use super::disc::disc;
use super::error::{ExperimentError, invalid};
use super::{Descriptors, LoopParams, SampleSettings};
use crate::rng::Xoshiro256;

/// Mean squared difference between the loop of pixel `p` with and without the anomaly's
/// imprint shift (both noiseless).
pub(crate) fn shift_contrast(
    s: &SampleSettings,
    d: &Descriptors,
    p: [usize; 2],
    voltage: &[f64],
    branch: &[f64],
) -> f64 {
    let (plain, shifted) = (
        LoopParams::at(d, p, 0.0),
        LoopParams::at(d, p, s.anomaly_shift_v),
    );
    let sum: f64 = voltage
        .iter()
        .zip(branch)
        .map(|(v, b)| (shifted.value(*v, *b) - plain.value(*v, *b)).powi(2))
        .sum();
    sum / voltage.len() as f64
}

/// Greedy packings tried before giving up.
const PACKING_ATTEMPTS: usize = 64;

/// Centres of `s.anomaly_count` disjoint discs, every pixel of each visibly changed
/// ([`SampleSettings::anomaly_visibility`]), drawn from `rng`: the usable centres (right of
/// the split, inside the window range, every disc pixel visible) are shuffled and taken in
/// that order while they keep the discs disjoint; a packing that gets stuck is retried with a
/// new order, up to 64 times.
pub(crate) fn place_anomalies(
    s: &SampleSettings,
    d: &Descriptors,
    voltage: &[f64],
    branch: &[f64],
    rng: &mut Xoshiro256,
) -> Result<Vec<[usize; 2]>, ExperimentError> {
    if s.anomaly_count == 0 {
        return Ok(Vec::new());
    }
    let Some(([r0, r1], [c0, c1])) = s.anomaly_centre_box() else {
        return Err(invalid("no room for the anomalies (see sample.split_col)"));
    };
    let threshold = if s.loop_noise > 0.0 {
        s.anomaly_visibility * s.loop_noise * s.loop_noise
    } else {
        s.anomaly_visibility
    };
    let candidates: Vec<[usize; 2]> = (r0..=r1)
        .flat_map(|r| (c0..=c1).map(move |c| [r, c]))
        .collect();
    let apart = 2.0 * s.anomaly_radius_px;
    let visible = |p: [usize; 2]| shift_contrast(s, d, p, voltage, branch) >= threshold;
    let usable: Vec<[usize; 2]> = candidates
        .into_iter()
        .filter(|&c| disc(c, s.anomaly_radius_px, s.rows, s.cols).all(visible))
        .collect();
    // Greedy packing in shuffled order, restarted with a new order when it gets stuck.
    let mut most = 0;
    let mut order = usable;
    for _ in 0..PACKING_ATTEMPTS {
        rng.shuffle(&mut order);
        let mut centres: Vec<[usize; 2]> = Vec::with_capacity(s.anomaly_count);
        for &candidate in &order {
            let far = centres.iter().all(|c| {
                let (dr, dc) = (
                    c[0] as f64 - candidate[0] as f64,
                    c[1] as f64 - candidate[1] as f64,
                );
                dr * dr + dc * dc > apart * apart
            });
            if far {
                centres.push(candidate);
                if centres.len() == s.anomaly_count {
                    return Ok(centres);
                }
            }
        }
        most = most.max(centres.len());
    }
    Err(invalid(format!(
        "only {} of sample.anomaly_count = {} anomalies fit right of sample.split_col = {} \
         with every pixel visibly changed (sample.anomaly_visibility = {})",
        most, s.anomaly_count, s.split_col, s.anomaly_visibility
    )))
}
