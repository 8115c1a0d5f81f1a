//! Error metrics of paper 003's predictions (models.md 3.4, after IS): per-location loop
//! errors (normalised RMS, MSE, loop-area error), SSIM of predicted patches, the ROC-AUC of an
//! error map against a ground-truth mask, and the mean-loop baseline.

use super::error::{ExperimentError, invalid};
use crate::loops::features::shoelace;
use ndarray::{ArrayView2, Axis};

/// Refuse slices of different lengths or empty ones.
fn same_length(what: &str, a: usize, b: usize) -> Result<(), ExperimentError> {
    if a != b {
        return Err(invalid(format!("{what}: lengths differ ({a} and {b})")));
    }
    if a == 0 {
        return Err(invalid(format!("{what}: the inputs are empty")));
    }
    Ok(())
}

/// Mean squared error `mean_k (pred_k - truth_k)^2`.
///
/// ```
/// use ferrolab::experiment::mse;
/// assert_eq!(mse(&[1.0, 2.0], &[1.0, 4.0])?, 2.0);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn mse(pred: &[f64], truth: &[f64]) -> Result<f64, ExperimentError> {
    same_length("mse", pred.len(), truth.len())?;
    Ok(mean_square(pred, truth, -1.0))
}

/// `mean_k (a_k + sign b_k)^2`.
fn mean_square(a: &[f64], b: &[f64], sign: f64) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x + sign * y).powi(2))
        .sum::<f64>()
        / a.len() as f64
}

/// Normalised RMS error, IS's per-location "MSE" map:
/// `sqrt(mean_k (pred_k - truth_k)^2 / mean_k (pred_k + truth_k)^2)`. Infinite (or NaN, when
/// both are 0) where pred + truth vanishes at every point.
///
/// ```
/// use ferrolab::experiment::nrms;
/// // sqrt(((0.2^2 + 0^2) / 2) / ((2.2^2 + 2^2) / 2))
/// assert!((nrms(&[1.2, -1.0], &[1.0, -1.0])? - (0.04f64 / 8.84).sqrt()).abs() < 1e-15);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn nrms(pred: &[f64], truth: &[f64]) -> Result<f64, ExperimentError> {
    same_length("nrms", pred.len(), truth.len())?;
    Ok((mean_square(pred, truth, -1.0) / mean_square(pred, truth, 1.0)).sqrt())
}

/// Loop area: the absolute shoelace area of the closed polygon through `(voltage_k, y_k)` in
/// order, the last point joined to the first (IS `loop_area`).
///
/// ```
/// use ferrolab::experiment::loop_area;
/// // A rectangle 0..2 V by -1..1: area 2 x 2.
/// assert_eq!(loop_area(&[0.0, 2.0, 2.0, 0.0], &[-1.0, -1.0, 1.0, 1.0])?, 4.0);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn loop_area(voltage: &[f64], y: &[f64]) -> Result<f64, ExperimentError> {
    same_length("loop_area", voltage.len(), y.len())?;
    Ok(shoelace(voltage, y).abs())
}

/// Loop-area error `|A(pred) - A(truth)|` with [`loop_area`] over the same voltages.
///
/// ```
/// use ferrolab::experiment::area_error;
/// let v = [0.0, 2.0, 2.0, 0.0];
/// assert_eq!(area_error(&v, &[-1.0, -1.0, 1.0, 1.0], &[-1.0, -1.0, 0.0, 0.0])?, 2.0);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn area_error(voltage: &[f64], pred: &[f64], truth: &[f64]) -> Result<f64, ExperimentError> {
    same_length("area_error", pred.len(), truth.len())?;
    Ok((loop_area(voltage, pred)? - loop_area(voltage, truth)?).abs())
}

/// Side of SSIM's square window (scikit-image's default `win_size`).
pub const SSIM_WINDOW: usize = 7;

/// Mean structural similarity of two images (Wang et al. 2004) with scikit-image's
/// `structural_similarity` defaults: a uniform 7 x 7 window, K1 = 0.01, K2 = 0.03, sample
/// (co)variances (normalised by 48 = 49 - 1), constants `C1 = (K1 R)^2`, `C2 = (K2 R)^2` for
/// the given `data_range` R, and the mean of the SSIM map over the windows that lie wholly in
/// the image (scikit-image filters with reflected edges, then crops 3 px from every side,
/// which leaves exactly these windows). `1 - ssim` is spec2im's per-location error.
///
/// Errors: images of different shapes, smaller than 7 x 7, or a data range that is not
/// positive and finite.
///
/// ```
/// use ferrolab::experiment::ssim;
/// let a = ndarray::Array2::from_shape_fn((8, 8), |(i, j)| ((i * 8 + j) % 5) as f64);
/// assert!((ssim(a.view(), a.view(), 4.0)? - 1.0).abs() < 1e-12);
/// let b = a.mapv(|x| 4.0 - x);
/// assert!(ssim(a.view(), b.view(), 4.0)? < 0.0);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn ssim(
    a: ArrayView2<f64>,
    b: ArrayView2<f64>,
    data_range: f64,
) -> Result<f64, ExperimentError> {
    if a.dim() != b.dim() {
        return Err(invalid(format!(
            "ssim: the images differ in shape ({:?} and {:?})",
            a.dim(),
            b.dim()
        )));
    }
    let (rows, cols) = a.dim();
    let w = SSIM_WINDOW;
    if rows < w || cols < w {
        return Err(invalid(format!(
            "ssim: a {rows} x {cols} image is smaller than the {w} x {w} window"
        )));
    }
    if !(data_range > 0.0 && data_range.is_finite()) {
        return Err(invalid(format!(
            "ssim: data_range = {data_range} must be positive and finite"
        )));
    }
    let np = (w * w) as f64;
    let cov_norm = np / (np - 1.0);
    let c1 = (0.01 * data_range).powi(2);
    let c2 = (0.03 * data_range).powi(2);
    let mut total = 0.0;
    for i in 0..=rows - w {
        for j in 0..=cols - w {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for r in i..i + w {
                for c in j..j + w {
                    let (x, y) = (a[[r, c]], b[[r, c]]);
                    sa += x;
                    sb += y;
                    saa += x * x;
                    sbb += y * y;
                    sab += x * y;
                }
            }
            let (ux, uy) = (sa / np, sb / np);
            let vx = cov_norm * (saa / np - ux * ux);
            let vy = cov_norm * (sbb / np - uy * uy);
            let vxy = cov_norm * (sab / np - ux * uy);
            total += (2.0 * ux * uy + c1) * (2.0 * vxy + c2)
                / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        }
    }
    Ok(total / ((rows - w + 1) * (cols - w + 1)) as f64)
}

/// Area under the ROC curve of `scores` for the boolean labels `positive` (true = the class
/// the score should rank first, e.g. the anomaly mask): the probability that a random positive
/// scores above a random negative, ties counted half (the Mann-Whitney statistic; equal to
/// scikit-learn's `roc_auc_score`). Computed exactly in integers, one rounding at the end.
///
/// Errors: lengths that differ, empty input, a NaN score, or labels of one class only.
///
/// ```
/// use ferrolab::experiment::roc_auc;
/// // Pairs (positive, negative): (3, 1), (3, 2) and (2, 1) ranked right, (2, 2) a tie: 3.5 / 4.
/// assert_eq!(roc_auc(&[3.0, 2.0, 1.0, 2.0], &[true, true, false, false])?, 0.875);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Result<f64, ExperimentError> {
    same_length("roc_auc", scores.len(), positive.len())?;
    if let Some(k) = scores.iter().position(|s| s.is_nan()) {
        return Err(invalid(format!("roc_auc: score {k} is NaN")));
    }
    let n_pos = positive.iter().filter(|&&p| p).count() as u128;
    let n_neg = positive.len() as u128 - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(invalid(format!(
            "roc_auc: the mask has {n_pos} positives and {n_neg} negatives; both classes are needed"
        )));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&x, &y| scores[x].total_cmp(&scores[y]));
    // Twice the Mann-Whitney U: per group of equal scores, each positive beats every negative
    // below the group (2 each) and ties with the group's negatives (1 each).
    let (mut twice_u, mut neg_below) = (0u128, 0u128);
    let mut k = 0;
    while k < order.len() {
        let mut end = k;
        while end < order.len() && scores[order[end]] == scores[order[k]] {
            end += 1;
        }
        let pos = order[k..end].iter().filter(|&&i| positive[i]).count() as u128;
        let neg = (end - k) as u128 - pos;
        twice_u += pos * (2 * neg_below + neg);
        neg_below += neg;
        k = end;
    }
    Ok(twice_u as f64 / (2 * n_pos * n_neg) as f64)
}

/// MSE of the mean-loop baseline: every test loop predicted by the mean of the training
/// loops (rows are loops), the MSE over all test loops and steps. A model should beat it.
///
/// Errors: empty sets, or loops of different lengths.
///
/// ```
/// use ferrolab::experiment::mean_loop_baseline_mse;
/// let train = ndarray::array![[0.0, 2.0], [2.0, 2.0]]; // mean [1, 2]
/// let test = ndarray::array![[1.0, 4.0]];
/// assert_eq!(mean_loop_baseline_mse(train.view(), test.view())?, 2.0);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn mean_loop_baseline_mse(
    train: ArrayView2<f64>,
    test: ArrayView2<f64>,
) -> Result<f64, ExperimentError> {
    same_length(
        "mean_loop_baseline_mse (steps)",
        train.ncols(),
        test.ncols(),
    )?;
    let Some(mean) = train.mean_axis(Axis(0)) else {
        return Err(invalid("mean_loop_baseline_mse: no training loops"));
    };
    if test.nrows() == 0 {
        return Err(invalid("mean_loop_baseline_mse: no test loops"));
    }
    let sum: f64 = test
        .rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .zip(&mean)
                .map(|(y, m)| (y - m).powi(2))
                .sum::<f64>()
        })
        .sum();
    Ok(sum / (test.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The analytic oracle: a rectangle loop traversed as a triangle-wave cycle (V up at the
    /// low value, down at the high value) has the area height x width.
    #[test]
    fn shoelace_of_a_rectangle_loop_is_height_times_width() {
        let (lo, hi, bottom, top) = (-3.0, 5.0, -0.5, 1.5);
        let n = 9;
        let up: Vec<f64> = (0..n)
            .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
            .collect();
        let v: Vec<f64> = up.iter().chain(up.iter().rev()).copied().collect();
        let y: Vec<f64> = (0..2 * n)
            .map(|k| if k < n { bottom } else { top })
            .collect();
        let area = loop_area(&v, &y).unwrap();
        assert!((area - (hi - lo) * (top - bottom)).abs() < 1e-12, "{area}");
    }

    #[test]
    fn errors_name_the_problem() {
        let msg = |e: ExperimentError| e.to_string();
        assert!(msg(mse(&[1.0], &[1.0, 2.0]).unwrap_err()).contains("lengths differ"));
        assert!(msg(nrms(&[], &[]).unwrap_err()).contains("empty"));
        assert!(msg(roc_auc(&[1.0, 2.0], &[true, true]).unwrap_err()).contains("both classes"));
        assert!(msg(roc_auc(&[f64::NAN, 2.0], &[true, false]).unwrap_err()).contains("NaN"));
        let small = ndarray::Array2::<f64>::zeros((6, 9));
        assert!(msg(ssim(small.view(), small.view(), 1.0).unwrap_err()).contains("smaller"));
        let empty = ndarray::Array2::<f64>::zeros((0, 3));
        let one = ndarray::Array2::<f64>::zeros((1, 3));
        assert!(mean_loop_baseline_mse(empty.view(), one.view()).is_err());
        assert!(mean_loop_baseline_mse(one.view(), empty.view()).is_err());
    }

    #[test]
    fn auc_of_a_perfect_and_a_reversed_ranking() {
        let mask = [false, false, true, true, true];
        let s = [0.1, 0.2, 0.3, 0.4, 0.5];
        assert_eq!(roc_auc(&s, &mask).unwrap(), 1.0);
        let r: Vec<f64> = s.iter().map(|x| -x).collect();
        assert_eq!(roc_auc(&r, &mask).unwrap(), 0.0);
        assert_eq!(roc_auc(&[1.0; 5], &mask).unwrap(), 0.5);
    }
}
