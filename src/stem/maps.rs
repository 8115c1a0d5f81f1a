//! Tools on maps that a segmenting network is compared with or whose output they read: Otsu's
//! threshold and the wall baseline, per-class confusion counts, IoU and Dice, connected
//! components, atoms from per-class probability maps, matching atoms to the truth, argmax.

use super::error::{StemError, invalid, non_negative};
use super::segmentation::{DOMAIN, WALL, check_blur};
use crate::filter::gaussian_filter;
use crate::limits::{bytes_of, check, total};
use ndarray::ArrayView2;
use std::collections::VecDeque;

/// `h * w`, checked against `len` (the argument's name in errors).
fn image_size(name: &str, len: usize, h: usize, w: usize) -> Result<usize, StemError> {
    match h.checked_mul(w) {
        Some(n) if n == len => Ok(n),
        _ => Err(invalid(
            format!("{name}.len() = {len}"),
            format!("expected h * w = {h} x {w}"),
        )),
    }
}

fn first_non_finite(name: &str, values: &[f32]) -> Result<(), StemError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(p) => Err(invalid(
            format!("{name}[{p}] = {}", values[p]),
            "values must be finite",
        )),
        None => Ok(()),
    }
}

/// Otsu's threshold of `values` with `bins` histogram bins, as scikit-image's
/// `threshold_otsu(values, nbins=bins)` for a float32 image: when every value is the same, that
/// value; else NumPy's histogram of `bins` equal bins from the minimum to the maximum (edges
/// computed in f32 as `np.linspace` does, the last bin closed), and the centre of the bin `i`
/// that maximises the between-class variance `w1(i) w2(i + 1) (m1(i) - m2(i + 1))^2` (w1, m1:
/// count and mean of bins 0..=i; w2, m2: of bins i + 1 and above; the first maximum on ties).
/// Pixels at or below the threshold are the dark class, above it the bright class
/// (scikit-image: `image > threshold` is the foreground); as the threshold is a bin's centre,
/// values of that bin above its centre fall in the bright class. The usual choice is 256 bins.
///
/// Errors: no value, a non-finite value, `bins` = 0.
///
/// ```
/// use ferrolab::stem::otsu_threshold;
/// let values: Vec<f32> = (0..100).map(|i| if i < 60 { 0.2 } else { 0.8 + 0.001 * (i % 7) as f32 }).collect();
/// let t = otsu_threshold(&values, 256)?;
/// // The centre of the first bin, [0.2, 0.2 + 0.606 / 256).
/// assert!((t - (0.2 + 0.606 / 512.0)).abs() < 1e-6);
/// assert_eq!(values.iter().filter(|&&v| v <= t).count(), 60);
/// assert_eq!(otsu_threshold(&[3.0; 5], 256)?, 3.0);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn otsu_threshold(values: &[f32], bins: usize) -> Result<f32, StemError> {
    if values.is_empty() {
        return Err(invalid("values.len() = 0", "needs at least one value"));
    }
    if bins == 0 {
        return Err(invalid("bins = 0", "needs at least one bin"));
    }
    first_non_finite("values", values)?;
    check("otsu bins", bytes_of::<f64>(&[4, bins]))?;
    let first = values[0];
    if values.iter().all(|&v| v == first) {
        return Ok(first);
    }
    let (lo, hi) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    // np.linspace(lo, hi, bins + 1) in f32: i * step + lo, the last edge hi.
    let step = (hi - lo) / bins as f32;
    let mut edges: Vec<f32> = (0..=bins).map(|i| i as f32 * step + lo).collect();
    edges[bins] = hi;
    let mut counts = vec![0u64; bins];
    let scale = bins as f64 / (f64::from(hi) - f64::from(lo));
    for &v in values {
        let guess = ((f64::from(v) - f64::from(lo)) * scale) as usize;
        let mut i = guess.min(bins - 1);
        while i > 0 && v < edges[i] {
            i -= 1;
        }
        while i + 1 < bins && v >= edges[i + 1] {
            i += 1;
        }
        counts[i] += 1;
    }
    let centres: Vec<f32> = edges.windows(2).map(|e| (e[0] + e[1]) / 2.0).collect();
    // Cumulative counts and sums from the left (w1, s1) and from the right (w2, s2).
    let mut w1 = Vec::with_capacity(bins);
    let mut s1 = Vec::with_capacity(bins);
    let (mut w, mut s) = (0u64, 0.0f64);
    for (c, &x) in counts.iter().zip(&centres) {
        w += c;
        s += *c as f64 * f64::from(x);
        w1.push(w);
        s1.push(s);
    }
    let mut w2 = vec![0u64; bins];
    let mut s2 = vec![0.0f64; bins];
    let (mut w, mut s) = (0u64, 0.0f64);
    for i in (0..bins).rev() {
        w += counts[i];
        s += counts[i] as f64 * f64::from(centres[i]);
        w2[i] = w;
        s2[i] = s;
    }
    let mut best = (0, f64::NEG_INFINITY);
    for i in 0..bins - 1 {
        let m1 = s1[i] / w1[i] as f64;
        let m2 = s2[i + 1] / w2[i + 1] as f64;
        let d = m1 - m2;
        let v = (w1[i] as u128 * w2[i + 1] as u128) as f64 * (d * d);
        if v > best.1 {
            best = (i, v);
        }
    }
    Ok(centres[best.0])
}

/// The Otsu baseline for the wall class: `image` (`h` x `w`) optionally smoothed by a Gaussian
/// of `smooth_sigma_px` (0: none), thresholded at its [`otsu_threshold`] (256 bins); pixels
/// at or below it are [`WALL`], the others [`DOMAIN`]. Contaminant spots, being dark too, come
/// out as wall (the baseline has no [`CONTAMINANT`](super::CONTAMINANT) class), which the
/// wall IoU counts against it. Returns the mask and the threshold.
///
/// Errors: a length other than `h * w`, no pixel, a non-finite pixel, a negative or
/// non-finite sigma, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{SegmentationFramesSettings, WALL, class_scores, otsu_wall_baseline, segmentation_frames};
/// let s = segmentation_frames(&SegmentationFramesSettings { frames: 1, ..SegmentationFramesSettings::small() })?;
/// let (mask, _threshold) = otsu_wall_baseline(s.image(0).unwrap(), 128, 128, 1.0)?;
/// let scores = class_scores(s.mask(0).unwrap(), &mask, 3)?;
/// assert!(scores.iou[WALL as usize] > 0.3);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn otsu_wall_baseline(
    image: &[f32],
    h: usize,
    w: usize,
    smooth_sigma_px: f64,
) -> Result<(Vec<u8>, f32), StemError> {
    let n = image_size("image", image.len(), h, w)?;
    check_blur("smooth_sigma_px", smooth_sigma_px)?;
    first_non_finite("image", image)?;
    if n == 0 {
        return Err(invalid("image.len() = 0", "needs at least one pixel"));
    }
    check(
        &format!("otsu baseline of {h} x {w}"),
        total(&[bytes_of::<f64>(&[3, h, w]), bytes_of::<f32>(&[h, w])]),
    )?;
    let smoothed: Vec<f32> = if smooth_sigma_px > 0.0 {
        let field: Vec<f64> = image.iter().map(|&v| f64::from(v)).collect();
        let view = ArrayView2::from_shape((h, w), &field).expect("h * w checked");
        gaussian_filter(view, smooth_sigma_px)
            .iter()
            .map(|&v| v as f32)
            .collect()
    } else {
        image.to_vec()
    };
    let t = otsu_threshold(&smoothed, 256)?;
    let mask = smoothed
        .iter()
        .map(|&v| if v <= t { WALL } else { DOMAIN })
        .collect();
    Ok((mask, t))
}

fn check_labels(name: &str, labels: &[u8], classes: usize) -> Result<(), StemError> {
    match labels.iter().position(|&l| usize::from(l) >= classes) {
        Some(p) => Err(invalid(
            format!("{name}[{p}] = {}", labels[p]),
            format!("classes are 0..{classes}"),
        )),
        None => Ok(()),
    }
}

/// The confusion counts of integer masks, `classes` x `classes` row-major: entry `(i, j)`
/// counts the pixels of true class i predicted as j (scikit-learn's
/// `confusion_matrix(truth, predicted, labels=range(classes))`).
///
/// Errors: lengths that differ, `classes` 0 or above 256, a label of `classes` or more.
///
/// ```
/// use ferrolab::stem::confusion_matrix;
/// let m = confusion_matrix(&[0, 0, 1, 2, 2], &[0, 1, 1, 2, 0], 3)?;
/// assert_eq!(m, vec![1, 1, 0, 0, 1, 0, 1, 0, 1]);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn confusion_matrix(
    truth: &[u8],
    predicted: &[u8],
    classes: usize,
) -> Result<Vec<u64>, StemError> {
    if truth.len() != predicted.len() {
        return Err(invalid(
            format!("predicted.len() = {}", predicted.len()),
            format!("truth has {} labels", truth.len()),
        ));
    }
    if !(1..=256).contains(&classes) {
        return Err(invalid(format!("classes = {classes}"), "must be 1 to 256"));
    }
    check_labels("truth", truth, classes)?;
    check_labels("predicted", predicted, classes)?;
    let mut m = vec![0u64; classes * classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        m[usize::from(t) * classes + usize::from(p)] += 1;
    }
    Ok(m)
}

/// Per-class scores of a predicted mask ([`class_scores`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassScores {
    /// Classes K.
    pub classes: usize,
    /// The confusion counts, K x K row-major, row = true class ([`confusion_matrix`]).
    pub confusion: Vec<u64>,
    /// Per class: true positives, false positives, false negatives.
    pub counts: Vec<(u64, u64, u64)>,
    /// Per class IoU (Jaccard) `tp / (tp + fp + fn)`; NaN when the class is absent from both
    /// masks.
    pub iou: Vec<f64>,
    /// Per class Dice (F1) `2 tp / (2 tp + fp + fn)`; NaN when absent from both.
    pub dice: Vec<f64>,
}

/// IoU (Jaccard index) and Dice (F1) per class of integer masks, as scikit-learn's
/// `jaccard_score(truth, predicted, labels=range(classes), average=None)` and
/// `f1_score(..., average=None)`, except for a class absent from both masks (0 / 0): NaN here
/// (scikit-learn returns its `zero_division`, 0 with a warning by default), so that a mean over
/// classes can leave it out rather than count a perfect or a failed score.
///
/// Errors: as [`confusion_matrix`].
///
/// ```
/// use ferrolab::stem::class_scores;
/// let s = class_scores(&[0, 0, 1, 1, 0], &[0, 1, 1, 1, 0], 3)?;
/// assert_eq!(s.counts[1], (2, 1, 0));
/// assert!((s.iou[1] - 2.0 / 3.0).abs() < 1e-12 && (s.dice[1] - 0.8).abs() < 1e-12);
/// assert!(s.iou[2].is_nan()); // class 2 appears in neither mask
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn class_scores(
    truth: &[u8],
    predicted: &[u8],
    classes: usize,
) -> Result<ClassScores, StemError> {
    let confusion = confusion_matrix(truth, predicted, classes)?;
    let k = classes;
    let counts: Vec<(u64, u64, u64)> = (0..k)
        .map(|c| {
            let tp = confusion[c * k + c];
            let row: u64 = confusion[c * k..(c + 1) * k].iter().sum();
            let col: u64 = (0..k).map(|r| confusion[r * k + c]).sum();
            (tp, col - tp, row - tp)
        })
        .collect();
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            f64::NAN
        } else {
            num as f64 / den as f64
        }
    };
    let iou = counts
        .iter()
        .map(|&(tp, fp, fne)| ratio(tp, tp + fp + fne))
        .collect();
    let dice = counts
        .iter()
        .map(|&(tp, fp, fne)| ratio(2 * tp, 2 * tp + fp + fne))
        .collect();
    Ok(ClassScores {
        classes,
        confusion,
        counts,
        iou,
        dice,
    })
}

/// Which neighbours join a pixel's connected component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Connectivity {
    /// Edge neighbours only: SciPy's `ndimage.label` default structure (a cross), which
    /// AtomAI's `Locator` uses (`find_com`).
    #[default]
    Four,
    /// Edge and corner neighbours: `ndimage.label` with `structure=np.ones((3, 3))`.
    Eight,
}

/// The connected components of the `true` pixels of `mask` (`h` x `w`), as SciPy's
/// `ndimage.label`: labels 1..=n in the order of each component's first pixel in row-major
/// order, 0 for `false`. Returns the labels and n.
///
/// Errors: a length other than `h * w`, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{Connectivity, label_components};
/// let mask = [true, false, false,
///             false, true, true];
/// let (labels, n) = label_components(&mask, 2, 3, Connectivity::Four)?;
/// assert_eq!((n, labels), (2, vec![1, 0, 0, 0, 2, 2]));
/// assert_eq!(label_components(&mask, 2, 3, Connectivity::Eight)?.1, 1);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn label_components(
    mask: &[bool],
    h: usize,
    w: usize,
    connectivity: Connectivity,
) -> Result<(Vec<u32>, usize), StemError> {
    let n = image_size("mask", mask.len(), h, w)?;
    check(
        &format!("labels of {h} x {w}"),
        total(&[bytes_of::<u32>(&[h, w]), bytes_of::<usize>(&[h, w])]),
    )?;
    if n > u32::MAX as usize {
        return Err(invalid(
            format!("h x w = {h} x {w}"),
            "at most 2^32 - 1 pixels",
        ));
    }
    let mut labels = vec![0u32; n];
    let mut count = 0u32;
    let mut queue = VecDeque::new();
    let eight = connectivity == Connectivity::Eight;
    for start in 0..n {
        if !mask[start] || labels[start] != 0 {
            continue;
        }
        count += 1;
        labels[start] = count;
        queue.push_back(start);
        while let Some(p) = queue.pop_front() {
            let (r, c) = ((p / w) as isize, (p % w) as isize);
            for dr in -1isize..=1 {
                for dc in -1isize..=1 {
                    if (dr == 0 && dc == 0) || (!eight && dr != 0 && dc != 0) {
                        continue;
                    }
                    let (rr, cc) = (r + dr, c + dc);
                    if rr < 0 || cc < 0 || rr >= h as isize || cc >= w as isize {
                        continue;
                    }
                    let q = rr as usize * w + cc as usize;
                    if mask[q] && labels[q] == 0 {
                        labels[q] = count;
                        queue.push_back(q);
                    }
                }
            }
        }
    }
    Ok((labels, count as usize))
}

/// An atom: position (row, col), px, and class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Atom {
    /// Row, px.
    pub row: f64,
    /// Column, px.
    pub col: f64,
    /// Class: for [`find_atoms`], the channel it was found in ([`A_SITE`](super::A_SITE) = 1,
    /// [`B_SITE`](super::B_SITE) = 2 for [`atom_frames`](super::atom_frames)' maps).
    pub class: u8,
}

/// How [`find_atoms`] weights a component's pixels for its centre.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CentreWeighting {
    /// By the probability p: SciPy's `center_of_mass(p, labels, index)`.
    #[default]
    Probability,
    /// Equally (the centroid of the thresholded pixels): AtomAI's `Locator`, which takes the
    /// centre of mass of the binarised map.
    Binary,
    /// By `p - threshold`, which falls to 0 at the component's edge, so the centre moves
    /// continuously with the atom (the least biased of the three on smooth maps).
    Excess,
}

/// Settings of [`find_atoms`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AtomFinderSettings {
    /// A pixel belongs to a class's atoms where its probability exceeds this (strictly, as
    /// OpenCV's `THRESH_BINARY` in AtomAI; default 0.5, AtomAI `Locator`'s default).
    pub threshold: f32,
    /// Connectivity of the components (default [`Connectivity::Four`], as AtomAI).
    pub connectivity: Connectivity,
    /// The centre's weights (default [`CentreWeighting::Probability`]).
    pub weighting: CentreWeighting,
    /// Components of fewer pixels are dropped (default 1: none).
    pub min_pixels: usize,
    /// Atoms whose centre lies less than this from the first row or column or more than
    /// `h - edge_px` / `w - edge_px` are dropped (AtomAI's `dist_edge` rule; default 0:
    /// none; AtomAI's default is 5).
    pub edge_px: f64,
    /// The channel that is background, searched for no atom (default `Some(0)`, the class ids
    /// of [`atom_frames`](super::atom_frames); AtomAI's `Locator` takes the last channel).
    pub background: Option<usize>,
}

impl Default for AtomFinderSettings {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            connectivity: Connectivity::Four,
            weighting: CentreWeighting::Probability,
            min_pixels: 1,
            edge_px: 0.0,
            background: Some(0),
        }
    }
}

/// Atoms from per-class probability maps `maps` (`classes` x `h` x `w`, row-major, channel
/// after channel): in every channel but the background, the connected components of the
/// pixels above `threshold` ([`label_components`]), each of at least `min_pixels` pixels, give
/// one atom at the centre of mass of its pixels (weights: [`CentreWeighting`]) with the
/// channel's index as its class; atoms within `edge_px` of the border are dropped. Atoms come
/// channel by channel, each channel's in label order (AtomAI's `Locator` order).
///
/// Errors: a length other than `classes * h * w`, `classes` 0 or above 256, a background
/// channel out of range, a non-finite threshold or probability, a negative or non-finite
/// `edge_px`, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{AtomFinderSettings, find_atoms};
/// // Two channels (background, atoms) of 5 x 5; one atom of three pixels around (1, 2).
/// let mut maps = vec![0.0f32; 2 * 25];
/// maps[25 + 2] = 0.6;
/// maps[25 + 7] = 0.9;
/// maps[25 + 12] = 0.6;
/// let atoms = find_atoms(&maps, 2, 5, 5, &AtomFinderSettings::default())?;
/// assert_eq!(atoms.len(), 1);
/// assert_eq!((atoms[0].row, atoms[0].col, atoms[0].class), (1.0, 2.0, 1));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn find_atoms(
    maps: &[f32],
    classes: usize,
    h: usize,
    w: usize,
    settings: &AtomFinderSettings,
) -> Result<Vec<Atom>, StemError> {
    let s = settings;
    if !(1..=256).contains(&classes) {
        return Err(invalid(format!("classes = {classes}"), "must be 1 to 256"));
    }
    let size = h
        .checked_mul(w)
        .filter(|n| n.checked_mul(classes) == Some(maps.len()))
        .ok_or_else(|| {
            invalid(
                format!("maps.len() = {}", maps.len()),
                format!("expected classes * h * w = {classes} x {h} x {w}"),
            )
        })?;
    if let Some(b) = s.background
        && b >= classes
    {
        return Err(invalid(
            format!("settings.background = Some({b})"),
            format!("channels are 0..{classes}"),
        ));
    }
    if !s.threshold.is_finite() {
        return Err(invalid(
            format!("settings.threshold = {}", s.threshold),
            "must be finite",
        ));
    }
    non_negative("settings.edge_px", s.edge_px)?;
    first_non_finite("maps", maps)?;
    let mut atoms = Vec::new();
    for k in (0..classes).filter(|&k| Some(k) != s.background) {
        let map = &maps[k * size..(k + 1) * size];
        let above: Vec<bool> = map.iter().map(|&p| p > s.threshold).collect();
        let (labels, n) = label_components(&above, h, w, s.connectivity)?;
        // Per component: pixels, sum of weights, weighted sums of row and column.
        let mut sums = vec![(0usize, 0.0f64, 0.0f64, 0.0f64); n];
        for (p, &l) in labels.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let weight = match s.weighting {
                CentreWeighting::Probability => f64::from(map[p]),
                CentreWeighting::Binary => 1.0,
                CentreWeighting::Excess => f64::from(map[p]) - f64::from(s.threshold),
            };
            let e = &mut sums[l as usize - 1];
            e.0 += 1;
            e.1 += weight;
            e.2 += weight * (p / w) as f64;
            e.3 += weight * (p % w) as f64;
        }
        for (pixels, total, rows, cols) in sums {
            if pixels < s.min_pixels || total == 0.0 {
                continue;
            }
            let (row, col) = (rows / total, cols / total);
            let e = s.edge_px;
            if e > 0.0 && (row < e || col < e || row > h as f64 - e || col > w as f64 - e) {
                continue;
            }
            atoms.push(Atom {
                row,
                col,
                class: k as u8,
            });
        }
    }
    Ok(atoms)
}

/// Recall and precision of one class ([`match_atoms`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassMatch {
    /// The class.
    pub class: u8,
    /// True atoms of the class.
    pub truth: usize,
    /// Found atoms of the class.
    pub found: usize,
    /// Pairs matched.
    pub matched: usize,
    /// `matched / truth` (NaN without true atoms).
    pub recall: f64,
    /// `matched / found` (NaN without found atoms).
    pub precision: f64,
}

/// Found atoms matched to true ones ([`match_atoms`]).
#[derive(Clone, Debug, PartialEq)]
pub struct AtomMatch {
    /// The pairs: (index in `found`, index in `truth`, distance px), by increasing distance.
    pub pairs: Vec<(usize, usize, f64)>,
    /// Per class, for classes 0 to the largest in either list.
    pub per_class: Vec<ClassMatch>,
}

/// Match `found` atoms to `truth` one to one within `radius` px, class by class: among all
/// pairs of the same class closer than `radius` (distance <= radius), by increasing distance
/// (ties by found then true index), a pair is kept when neither atom is matched yet (greedy
/// nearest matching: no assignment solver; it can miss the largest matching only when atoms of
/// a class are closer to each other than about 2 radius). Recall and precision per class.
///
/// Errors: `radius` negative or not finite, a non-finite position, arrays beyond the memory
/// budget.
///
/// ```
/// use ferrolab::stem::{Atom, match_atoms};
/// let truth = [Atom { row: 5.0, col: 5.0, class: 1 }, Atom { row: 5.0, col: 15.0, class: 2 }];
/// let found = [
///     Atom { row: 5.3, col: 5.1, class: 1 },
///     Atom { row: 5.6, col: 5.0, class: 1 }, // a duplicate: false positive
///     Atom { row: 5.0, col: 15.0, class: 1 }, // right place, wrong class
/// ];
/// let m = match_atoms(&found, &truth, 1.0)?;
/// assert_eq!(m.pairs.len(), 1);
/// assert_eq!((m.per_class[1].recall, m.per_class[1].precision), (1.0, 1.0 / 3.0));
/// assert_eq!((m.per_class[2].recall, m.per_class[2].found), (0.0, 0));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn match_atoms(found: &[Atom], truth: &[Atom], radius: f64) -> Result<AtomMatch, StemError> {
    non_negative("radius", radius)?;
    for (name, list) in [("found", found), ("truth", truth)] {
        if let Some(i) = list
            .iter()
            .position(|a| !(a.row.is_finite() && a.col.is_finite()))
        {
            return Err(invalid(
                format!("{name}[{i}] = ({}, {})", list[i].row, list[i].col),
                "positions must be finite",
            ));
        }
    }
    let mut candidates = Vec::new();
    for (i, f) in found.iter().enumerate() {
        for (j, t) in truth.iter().enumerate() {
            if f.class != t.class {
                continue;
            }
            let d = (f.row - t.row).hypot(f.col - t.col);
            if d <= radius {
                candidates.push((i, j, d));
            }
        }
        check(
            "atom match candidates",
            bytes_of::<(usize, usize, f64)>(&[candidates.len()]),
        )?;
    }
    candidates.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut found_used = vec![false; found.len()];
    let mut truth_used = vec![false; truth.len()];
    let mut pairs = Vec::new();
    for (i, j, d) in candidates {
        if !found_used[i] && !truth_used[j] {
            found_used[i] = true;
            truth_used[j] = true;
            pairs.push((i, j, d));
        }
    }
    let top = found.iter().chain(truth).map(|a| a.class).max();
    let per_class = match top {
        None => Vec::new(),
        Some(top) => (0..=top)
            .map(|class| {
                let truth_n = truth.iter().filter(|a| a.class == class).count();
                let found_n = found.iter().filter(|a| a.class == class).count();
                let matched = pairs.iter().filter(|p| found[p.0].class == class).count();
                let ratio = |n: usize| {
                    if n == 0 {
                        f64::NAN
                    } else {
                        matched as f64 / n as f64
                    }
                };
                ClassMatch {
                    class,
                    truth: truth_n,
                    found: found_n,
                    matched,
                    recall: ratio(truth_n),
                    precision: ratio(found_n),
                }
            })
            .collect(),
    };
    Ok(AtomMatch { pairs, per_class })
}

/// The class of every pixel: the index of the largest of `classes` maps (`classes` x `h` x
/// `w`, channel after channel), the first on ties (NumPy's `argmax` over the channel axis).
///
/// Errors: a length other than `classes * h * w`, `classes` 0 or above 256, a NaN.
///
/// ```
/// use ferrolab::stem::argmax_classes;
/// // Three channels of 1 x 2.
/// let maps = [0.2, 0.5, 0.7, 0.5, 0.1, 0.0];
/// assert_eq!(argmax_classes(&maps, 3, 1, 2)?, vec![1, 0]);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn argmax_classes(
    maps: &[f32],
    classes: usize,
    h: usize,
    w: usize,
) -> Result<Vec<u8>, StemError> {
    if !(1..=256).contains(&classes) {
        return Err(invalid(format!("classes = {classes}"), "must be 1 to 256"));
    }
    let size = h
        .checked_mul(w)
        .filter(|n| n.checked_mul(classes) == Some(maps.len()))
        .ok_or_else(|| {
            invalid(
                format!("maps.len() = {}", maps.len()),
                format!("expected classes * h * w = {classes} x {h} x {w}"),
            )
        })?;
    if let Some(p) = maps.iter().position(|v| v.is_nan()) {
        return Err(invalid(
            format!("maps[{p}] = NaN"),
            "values must not be NaN",
        ));
    }
    Ok((0..size)
        .map(|p| {
            let mut best = 0;
            for k in 1..classes {
                if maps[k * size + p] > maps[best * size + p] {
                    best = k;
                }
            }
            best as u8
        })
        .collect())
}
