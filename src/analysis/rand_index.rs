//! The Rand index and the adjusted Rand index of two clusterings of the same samples, with
//! scikit-learn's definitions (`rand_score`, `adjusted_rand_score` through
//! `pair_confusion_matrix`): paper 004's comparison scores how well each method's classes
//! recover the known variants. Labels are any integers; only which samples share a label
//! matters.

use super::AnalysisError;
use std::collections::BTreeMap;

/// The pair confusion counts `[[tn, fp], [fn, tp]]` over ordered pairs of distinct samples
/// (scikit-learn's `pair_confusion_matrix`): `tp` pairs together in both clusterings, `tn`
/// apart in both.
fn pair_confusion(a: &[usize], b: &[usize]) -> Result<[[u128; 2]; 2], AnalysisError> {
    if a.len() != b.len() {
        return Err(AnalysisError::Invalid(format!(
            "labels_true has {} samples and labels_pred {}: they must be equal",
            a.len(),
            b.len()
        )));
    }
    let n = a.len() as u128;
    let mut table: BTreeMap<(usize, usize), u128> = BTreeMap::new();
    let (mut rows, mut cols): (BTreeMap<usize, u128>, BTreeMap<usize, u128>) = Default::default();
    for (&x, &y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1;
        *rows.entry(x).or_default() += 1;
        *cols.entry(y).or_default() += 1;
    }
    let squares: u128 = table.values().map(|c| c * c).sum();
    let row_squares: u128 = rows.values().map(|c| c * c).sum();
    let col_squares: u128 = cols.values().map(|c| c * c).sum();
    let tp = squares - n;
    let fp = col_squares - squares;
    let fn_ = row_squares - squares;
    let tn = n * n - fp - fn_ - squares;
    Ok([[tn, fp], [fn_, tp]])
}

/// The Rand index: the share of sample pairs on which the two clusterings agree (together in
/// both or apart in both); 1 for fewer than two samples.
///
/// ```
/// use ferrolab::analysis::rand_score;
/// assert_eq!(rand_score(&[0, 0, 1, 1], &[1, 1, 0, 0])?, 1.0);
/// // Pairs (0,1) and (2,3) are split by the second clustering: 4 of 6 pairs agree.
/// assert!((rand_score(&[0, 0, 1, 1], &[0, 1, 2, 3])? - 4.0 / 6.0).abs() < 1e-15);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn rand_score(labels_true: &[usize], labels_pred: &[usize]) -> Result<f64, AnalysisError> {
    let [[tn, fp], [fn_, tp]] = pair_confusion(labels_true, labels_pred)?;
    let (agree, all) = (tn + tp, tn + fp + fn_ + tp);
    if agree == all || all == 0 {
        return Ok(1.0);
    }
    Ok(agree as f64 / all as f64)
}

/// The adjusted Rand index: the Rand index corrected for chance, 1 for identical partitions
/// (up to renaming), about 0 for independent ones, negative below chance.
///
/// ```
/// use ferrolab::analysis::adjusted_rand_score;
/// assert_eq!(adjusted_rand_score(&[0, 0, 1, 1, 2, 2], &[5, 5, 3, 3, 0, 0])?, 1.0);
/// assert_eq!(adjusted_rand_score(&[0, 0, 0, 0], &[0, 0, 1, 1])?, 0.0);
/// assert!(adjusted_rand_score(&[0, 1], &[0]).is_err());
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn adjusted_rand_score(
    labels_true: &[usize],
    labels_pred: &[usize],
) -> Result<f64, AnalysisError> {
    let [[tn, fp], [fn_, tp]] = pair_confusion(labels_true, labels_pred)?;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    // Signed: the numerator is negative for worse-than-chance agreement.
    let (tn, fp, fn_, tp) = (tn as f64, fp as f64, fn_ as f64, tp as f64);
    Ok(2.0 * (tp * tn - fn_ * fp) / ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)))
}
