//! The analyses papers 002 and 004 run on rVAE latents (docs/models.md, "rVAE", analyses):
//!
//! - [`frame_kde_nmf`]: per-frame Gaussian densities of one latent, then NMF (002 Fig. 5);
//! - [`decode_grid`], [`max_contrast`], [`physical_mask`], [`image_nmf`],
//!   [`intensity_histograms`]: the decoded latent grid, its maximum-contrast map and physical
//!   region, NMF of the decoded images and of their histograms (002 Fig. 6-7, 004 Fig. 1e, 5);
//! - [`angle_content_features`], [`latent_means`], [`gmm_classes`], [`purity`]: Gaussian
//!   mixture classes of the latents and their purity against a truth (004 Fig. 2h,i, 5-7);
//! - [`latent_maps`]: latents written back at their windows' centres (002 Fig. 4).
//!
//! Each is a function of arrays (and, for the grid, a trained [`Rvae`]); none keeps state.

use super::model::{Rvae, RvaeEncoding};
use crate::analysis::{
    AnalysisError, Bandwidth, GaussianKde, GaussianMixture, GmmParams, Nmf, NmfParams, wrap,
};
use crate::nn::error::{NnError, invalid};
use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use std::f64::consts::PI;

fn from_analysis(e: AnalysisError) -> NnError {
    match e {
        AnalysisError::TooLarge(t) => NnError::TooLarge(t),
        AnalysisError::Config(c) => NnError::Config(c),
        other => NnError::Invalid(other.to_string()),
    }
}

/// Per-frame densities of one latent and their NMF ([`frame_kde_nmf`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FrameKdeNmf {
    /// The `G` points the densities are evaluated on: the latent's global range, ends included.
    pub axis: Array1<f64>,
    /// Density of frame `t` at `axis[g]` in `densities[[g, t]]`, `G x T`.
    pub densities: Array2<f64>,
    /// The NMF's components, one per column, `G x N` (density shapes over the axis).
    pub components: Array2<f64>,
    /// The NMF's loadings, `T x N` (how much of each component frame `t` holds).
    pub loadings: Array2<f64>,
}

/// Paper 002's Fig. 5 analysis: for every frame `t` (`frames[i]` is the frame of `values[i]`,
/// frames `0..T` with `T = max(frames) + 1`, each holding at least two distinct values), the
/// Gaussian kernel density of the frame's values with Scott's bandwidth (SciPy's
/// `gaussian_kde` default) on `points` (`G`) evenly spaced points spanning the global range of
/// the values; the `G x T` matrix `X` of densities is factorised as `X ~ W H` by NMF with
/// `n_components` components (NNDSVD start): `components = W` (`G x N`), `loadings = H^T`
/// (`T x N`). With `angle = true` the values are angles, wrapped to `[-pi, pi)` first.
/// The paper uses `G = 100`, `N = 2`.
///
/// ```
/// use ferrolab::nn::rvae::analysis::frame_kde_nmf;
/// // Two frames of values around 0 and one frame around 3.
/// let values = [0.0, 0.2, -0.1, 3.0, 3.1, 2.9, 0.1, -0.2, 0.05];
/// let frames = [0, 0, 0, 1, 1, 1, 2, 2, 2];
/// let r = frame_kde_nmf(&values, &frames, 100, 2, false)?;
/// assert_eq!((r.densities.dim(), r.components.dim(), r.loadings.dim()), ((100, 3), (100, 2), (3, 2)));
/// assert!((r.axis[0] + 0.2).abs() < 1e-12 && (r.axis[99] - 3.1).abs() < 1e-12);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn frame_kde_nmf(
    values: &[f64],
    frames: &[usize],
    points: usize,
    n_components: usize,
    angle: bool,
) -> Result<FrameKdeNmf, NnError> {
    let (axis, densities) = frame_densities(values, frames, points, angle)?;
    let nmf = Nmf::fit(densities.view(), &NmfParams::new(n_components)).map_err(from_analysis)?;
    Ok(FrameKdeNmf {
        axis,
        components: nmf.w().to_owned(),
        loadings: nmf.components().t().to_owned(),
        densities,
    })
}

/// The axis and `G x T` density matrix of [`frame_kde_nmf`], without the NMF.
///
/// ```
/// use ferrolab::nn::rvae::analysis::frame_densities;
/// let (axis, f) = frame_densities(&[0.0, 1.0, 0.0, 2.0], &[0, 0, 1, 1], 5, false)?;
/// assert_eq!(axis.to_vec(), [0.0, 0.5, 1.0, 1.5, 2.0]);
/// assert_eq!(f.dim(), (5, 2));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn frame_densities(
    values: &[f64],
    frames: &[usize],
    points: usize,
    angle: bool,
) -> Result<(Array1<f64>, Array2<f64>), NnError> {
    if values.len() != frames.len() {
        return Err(invalid(format!(
            "{} values but {} frames: one frame per value",
            values.len(),
            frames.len()
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(invalid(format!("value {i} is {}", values[i])));
    }
    if points < 2 {
        return Err(invalid(format!("points = {points}: needs at least 2")));
    }
    let values: Vec<f64> = if angle {
        values.iter().map(|a| wrap(*a, 2.0 * PI)).collect()
    } else {
        values.to_vec()
    };
    let t = frames.iter().max().map_or(0, |m| m + 1);
    crate::limits::check(
        "the densities",
        crate::limits::bytes_of::<f64>(&[points, t]),
    )?;
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo >= hi {
        return Err(invalid(
            "the values span no range (fewer than two distinct values)",
        ));
    }
    let mut per_frame: Vec<Vec<f64>> = vec![Vec::new(); t];
    for (v, f) in values.iter().zip(frames) {
        per_frame[*f].push(*v);
    }
    let mut densities = Array2::zeros((points, t));
    let mut axis = Array1::zeros(points);
    for (f, vals) in per_frame.iter().enumerate() {
        let data = ndarray::ArrayView2::from_shape((vals.len(), 1), vals)
            .map_err(|e| invalid(e.to_string()))?;
        let kde = GaussianKde::new(data, Bandwidth::Scott, None)
            .map_err(|e| invalid(format!("frame {f}: {e}")))?;
        let (a, d) = kde.grid_1d(lo, hi, points).map_err(from_analysis)?;
        densities.column_mut(f).assign(&d);
        axis = a;
    }
    Ok((axis, densities))
}

/// A decoded latent grid ([`decode_grid`]).
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedGrid {
    /// The first latent's `d` values (grid rows).
    pub first: Array1<f64>,
    /// The second latent's `d` values (grid columns).
    pub second: Array1<f64>,
    /// The decoded images, `d^2 x pixels`: row `i * d + j` is drawn at
    /// `(first[i], second[j])`.
    pub images: Array2<f64>,
}

/// Paper 002's Fig. 6 / 004's Fig. 1e: images decoded upright and centred (angle 0, offsets 0,
/// [`Rvae::decode_content`]) on the `d x d` grid of content latents `pair[0]` over
/// `ranges[0]` and `pair[1]` over `ranges[1]` (ends included), the other content latents at 0.
/// 002 spans each latent's observed range, 004 `[-2, 2]`.
///
/// ```
/// use ferrolab::nn::rvae::{Rvae, RvaeSettings, analysis::decode_grid};
/// let s = RvaeSettings { filters: 2, hidden: 8, ..Default::default() };
/// let model = Rvae::new(&s, [6, 6])?;
/// let g = decode_grid(&model, [0, 1], [(-2.0, 2.0), (-2.0, 2.0)], 5)?;
/// assert_eq!((g.images.dim(), g.first[4], g.second[0]), ((25, 36), 2.0, -2.0));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn decode_grid(
    model: &Rvae,
    pair: [usize; 2],
    ranges: [(f64, f64); 2],
    d: usize,
) -> Result<DecodedGrid, NnError> {
    let k = model.architecture().content;
    if pair[0] >= k || pair[1] >= k || pair[0] == pair[1] {
        return Err(invalid(format!(
            "content latents {} and {}: they must differ and be below {k}",
            pair[0], pair[1]
        )));
    }
    if d < 2 {
        return Err(invalid(format!("d = {d}: the grid needs at least 2 x 2")));
    }
    for (lo, hi) in ranges {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(invalid(format!(
                "range ({lo}, {hi}): it needs finite lo < hi"
            )));
        }
    }
    let first = Array1::linspace(ranges[0].0, ranges[0].1, d);
    let second = Array1::linspace(ranges[1].0, ranges[1].1, d);
    let cells = d.checked_mul(d).ok_or_else(|| invalid("d too large"))?;
    crate::limits::check("the grid", crate::limits::bytes_of::<f64>(&[cells, k]))?;
    let mut content = Array2::zeros((cells, k));
    for i in 0..d {
        for j in 0..d {
            content[[i * d + j, pair[0]]] = first[i];
            content[[i * d + j, pair[1]]] = second[j];
        }
    }
    let images = model.decode_content(content.view())?;
    Ok(DecodedGrid {
        first,
        second,
        images,
    })
}

/// The maximum of every row of `images` (`n x pixels`) arranged as a `d x d` map (`n = d^2`,
/// row `i * d + j` at `(i, j)`): paper 002's maximum-contrast map (Fig. 6d).
///
/// ```
/// use ferrolab::nn::rvae::analysis::max_contrast;
/// let images = ndarray::array![[0.0, 1.0], [2.0, -1.0], [0.5, 0.5], [3.0, 4.0]];
/// assert_eq!(max_contrast(images.view(), 2)?, ndarray::array![[1.0, 2.0], [0.5, 4.0]]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn max_contrast(images: ArrayView2<f64>, d: usize) -> Result<Array2<f64>, NnError> {
    if d.checked_mul(d) != Some(images.nrows()) || images.ncols() == 0 {
        return Err(invalid(format!(
            "images has {} rows of {} pixels: a {d} x {d} grid needs {} rows of at least one pixel",
            images.nrows(),
            images.ncols(),
            d.saturating_mul(d)
        )));
    }
    let maxima: Vec<f64> = images
        .rows()
        .into_iter()
        .map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect();
    Array2::from_shape_vec((d, d), maxima).map_err(|e| invalid(e.to_string()))
}

/// Paper 002's physical region (Fig. 6d): `true` where the maximum contrast lies in `[lo, hi]`
/// (the paper's `(0.95, 1.05)` for images scaled to maximum 1).
///
/// ```
/// use ferrolab::nn::rvae::analysis::physical_mask;
/// let m = physical_mask(&ndarray::array![[1.0, 0.5], [1.04, f64::NAN]], (0.95, 1.05));
/// assert_eq!(m, ndarray::array![[true, false], [true, false]]);
/// ```
pub fn physical_mask(contrast: &Array2<f64>, (lo, hi): (f64, f64)) -> Array2<bool> {
    contrast.mapv(|v| v >= lo && v <= hi)
}

/// An NMF's two factors: `components` (`N x columns`) and `loadings` (`rows x N`).
#[derive(Clone, Debug, PartialEq)]
pub struct Factors {
    /// Components, one per row, `N x columns` (images or histograms).
    pub components: Array2<f64>,
    /// Loadings, `rows x N`.
    pub loadings: Array2<f64>,
}

/// NMF of decoded images (`n x pixels`, paper 002 Fig. 7): negative values (the decoder's
/// output is linear) are set to 0 first, since NMF needs non-negative data; rows of the
/// result `components` are component images, `loadings` their weight in each image.
///
/// ```
/// use ferrolab::nn::rvae::analysis::image_nmf;
/// let images = ndarray::array![[1.0, 0.0], [0.0, 2.0], [-0.1, 1.0]];
/// let f = image_nmf(images.view(), 2)?;
/// assert_eq!((f.components.dim(), f.loadings.dim()), ((2, 2), (3, 2)));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn image_nmf(images: ArrayView2<f64>, n_components: usize) -> Result<Factors, NnError> {
    let x = images.mapv(|v| v.max(0.0));
    let nmf = Nmf::fit(x.view(), &NmfParams::new(n_components)).map_err(from_analysis)?;
    Ok(Factors {
        components: nmf.components().to_owned(),
        loadings: nmf.w().to_owned(),
    })
}

/// Intensity histograms of the rows of `images`: `bins` equal bins over `[lo, hi]` (values
/// outside go to the end bins), each row normalised to sum 1; `n x bins`. Their NMF
/// ([`image_nmf`] on the result) separates paper 002's physical and unphysical regions
/// (Fig. 7).
///
/// ```
/// use ferrolab::nn::rvae::analysis::intensity_histograms;
/// let h = intensity_histograms(ndarray::array![[0.0, 0.1, 0.9, 1.0]].view(), 2, (0.0, 1.0))?;
/// assert_eq!(h, ndarray::array![[0.5, 0.5]]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn intensity_histograms(
    images: ArrayView2<f64>,
    bins: usize,
    (lo, hi): (f64, f64),
) -> Result<Array2<f64>, NnError> {
    if bins == 0 || !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(invalid(format!(
            "bins = {bins} over ({lo}, {hi}): needs at least one bin and finite lo < hi"
        )));
    }
    if images.ncols() == 0 {
        return Err(invalid("images have no pixels"));
    }
    if let Some(v) = images.iter().find(|v| !v.is_finite()) {
        return Err(invalid(format!("images hold {v}")));
    }
    crate::limits::check(
        "the histograms",
        crate::limits::bytes_of::<f64>(&[images.nrows(), bins]),
    )?;
    let mut h = Array2::zeros((images.nrows(), bins));
    let share = 1.0 / images.ncols() as f64;
    for (row, mut out) in images.rows().into_iter().zip(h.rows_mut()) {
        for v in row {
            let b = ((v - lo) / (hi - lo) * bins as f64).floor();
            let b = if b < 0.0 {
                0
            } else {
                (b as usize).min(bins - 1)
            };
            out[b] += share;
        }
    }
    Ok(h)
}

/// Features `(cos phi, sin phi, content...)` of an encoding, `n x (2 + k)`: the angle on the
/// circle, so a GMM sees `phi` and `phi + 2 pi` as one (models.md 2.6's lattice oracle).
///
/// ```
/// use ferrolab::nn::rvae::{RvaeEncoding, analysis::angle_content_features};
/// use ndarray::{Array1, Array2, array};
/// let enc = RvaeEncoding {
///     angle: array![0.0], angle_sd: Array1::ones(1),
///     offsets: Array2::zeros((1, 2)), offsets_sd: Array2::ones((1, 2)),
///     content: array![[0.5, -1.0]], content_sd: Array2::ones((1, 2)),
/// };
/// assert_eq!(angle_content_features(&enc), array![[1.0, 0.0, 0.5, -1.0]]);
/// ```
pub fn angle_content_features(enc: &RvaeEncoding) -> Array2<f64> {
    let n = enc.angle.len();
    let k = enc.content.ncols();
    let mut f = Array2::zeros((n, 2 + k));
    for i in 0..n {
        f[[i, 0]] = enc.angle[i].cos();
        f[[i, 1]] = enc.angle[i].sin();
        for j in 0..k {
            f[[i, 2 + j]] = enc.content[[i, j]];
        }
    }
    f
}

/// The latent means `(phi, dx, dy, content...)` of an encoding, `n x (3 + k)`: paper 004's GMM
/// features (its text; the angle as encoded, not wrapped).
///
/// ```
/// use ferrolab::nn::rvae::{RvaeEncoding, analysis::latent_means};
/// use ndarray::{Array1, Array2, array};
/// let enc = RvaeEncoding {
///     angle: array![0.3], angle_sd: Array1::ones(1),
///     offsets: array![[0.1, 0.2]], offsets_sd: Array2::ones((1, 2)),
///     content: array![[0.5, -1.0]], content_sd: Array2::ones((1, 2)),
/// };
/// assert_eq!(latent_means(&enc), array![[0.3, 0.1, 0.2, 0.5, -1.0]]);
/// ```
pub fn latent_means(enc: &RvaeEncoding) -> Array2<f64> {
    let angle = enc.angle.view().insert_axis(Axis(1));
    ndarray::concatenate(Axis(1), &[angle, enc.offsets.view(), enc.content.view()])
        .expect("the encoding's fields have one row per image")
}

/// Classes of the rows of `features` (`n x f`) by a full-covariance Gaussian mixture of `k`
/// components (paper 004: k = 5 on the five latents of BFO, k = 4 on (L1, L2) of BFO-LSMO),
/// `n_init` runs from `seed`, the best kept.
///
/// ```
/// use ferrolab::nn::rvae::analysis::gmm_classes;
/// let x = ndarray::array![[0.0, 0.0], [0.1, 0.2], [0.2, 0.1], [5.0, 5.0], [5.1, 5.2], [5.2, 4.9]];
/// let c = gmm_classes(x.view(), 2, 3, 0)?;
/// assert!(c[0] == c[1] && c[1] == c[2] && c[3] == c[4] && c[4] == c[5] && c[0] != c[3]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn gmm_classes(
    features: ArrayView2<f64>,
    k: usize,
    n_init: usize,
    seed: u64,
) -> Result<Array1<usize>, NnError> {
    let params = GmmParams {
        n_init,
        seed,
        ..GmmParams::new(k)
    };
    let gmm = GaussianMixture::fit(features, &params).map_err(from_analysis)?;
    gmm.predict(features).map_err(from_analysis)
}

/// Purity of a clustering `pred` against a truth labelling `truth` (same length, at least one):
/// the fraction of items in their cluster's most common true class,
/// `(1/n) sum_c max_t |{i : pred_i = c, truth_i = t}|`. 1 when every cluster holds one class;
/// never below `max_t |truth = t| / n` for a single cluster.
///
/// ```
/// use ferrolab::nn::rvae::analysis::purity;
/// // Clusters {0,1,2} -> classes (a,a,b), {3,4} -> (b,b): (2 + 2) / 5.
/// assert_eq!(purity(&[0, 0, 0, 1, 1], &[7, 7, 8, 8, 8])?, 0.8);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn purity(pred: &[usize], truth: &[usize]) -> Result<f64, NnError> {
    if pred.len() != truth.len() || pred.is_empty() {
        return Err(invalid(format!(
            "pred has {} labels and truth {}: they must be equal and not empty",
            pred.len(),
            truth.len()
        )));
    }
    let mut counts: std::collections::BTreeMap<usize, std::collections::BTreeMap<usize, usize>> =
        Default::default();
    for (p, t) in pred.iter().zip(truth) {
        *counts.entry(*p).or_default().entry(*t).or_default() += 1;
    }
    let hits: usize = counts
        .values()
        .map(|c| c.values().copied().max().unwrap_or(0))
        .sum();
    Ok(hits as f64 / pred.len() as f64)
}

/// Latents written back over an image ([`latent_maps`]); NaN where no window is centred.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentMaps {
    /// Angle means, `h x w` (radians, as encoded).
    pub angle: Array2<f64>,
    /// Offset means, `2 x h x w` (dx, dy).
    pub offsets: Array3<f64>,
    /// Content means, `k x h x w`.
    pub content: Array3<f64>,
}

/// Paper 002's Fig. 4 maps: the latent means of window `i` (`enc` row `i`) written at its
/// centre `centres[i] = (row, col)` of an `h x w` image, NaN at pixels with no window (a later
/// window at the same centre overwrites an earlier one). With windows at every pixel
/// ([`crate::stem::grid_windows`] with step 1) the maps are dense but for a border of half a
/// window.
///
/// ```
/// use ferrolab::nn::rvae::{RvaeEncoding, analysis::latent_maps};
/// use ndarray::{Array1, Array2, array};
/// let enc = RvaeEncoding {
///     angle: array![0.5, -0.5], angle_sd: Array1::ones(2),
///     offsets: Array2::zeros((2, 2)), offsets_sd: Array2::ones((2, 2)),
///     content: array![[1.0], [2.0]], content_sd: Array2::ones((2, 1)),
/// };
/// let m = latent_maps((3, 4), &[(0, 1), (2, 3)], &enc)?;
/// assert_eq!((m.angle[[0, 1]], m.content[[0, 2, 3]]), (0.5, 2.0));
/// assert!(m.angle[[1, 1]].is_nan());
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn latent_maps(
    (h, w): (usize, usize),
    centres: &[(usize, usize)],
    enc: &RvaeEncoding,
) -> Result<LatentMaps, NnError> {
    let n = enc.angle.len();
    let k = enc.content.ncols();
    if centres.len() != n || enc.offsets.nrows() != n || enc.content.nrows() != n {
        return Err(invalid(format!(
            "{} centres for {n} angles, {} offsets and {} content rows: they must be equal",
            centres.len(),
            enc.offsets.nrows(),
            enc.content.nrows()
        )));
    }
    if let Some(&(r, c)) = centres.iter().find(|(r, c)| *r >= h || *c >= w) {
        return Err(invalid(format!(
            "centre ({r}, {c}) lies outside the {h} x {w} image"
        )));
    }
    crate::limits::check(
        "the latent maps",
        crate::limits::bytes_of::<f64>(&[3 + k, h, w]),
    )?;
    let mut maps = LatentMaps {
        angle: Array2::from_elem((h, w), f64::NAN),
        offsets: Array3::from_elem((2, h, w), f64::NAN),
        content: Array3::from_elem((k, h, w), f64::NAN),
    };
    for (i, &(r, c)) in centres.iter().enumerate() {
        maps.angle[[r, c]] = enc.angle[i];
        for j in 0..2 {
            maps.offsets[[j, r, c]] = enc.offsets[[i, j]];
        }
        for j in 0..k {
            maps.content[[j, r, c]] = enc.content[[i, j]];
        }
    }
    Ok(maps)
}

#[cfg(test)]
mod tests;
