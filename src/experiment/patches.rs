//! Image patches centred on the measured locations and paper 003's spatial train/test split
//! (models.md 3.3, after IS `create_training_set` / `make_window`).

use super::error::{ExperimentError, invalid};
use crate::limits::{bytes_of, check};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, s};
use std::ops::RangeInclusive;

/// The centre positions along an axis of `size` pixels at which a centred window of (even)
/// `window` pixels, covering `[i - window/2, i + window/2)`, fits: `window/2 ..= size -
/// window/2`, and never past the last pixel (a window of 0 allows every pixel). `None` when
/// the window is wider than the axis or the axis is empty.
///
/// ```
/// use ferrolab::experiment::centre_range;
/// assert_eq!(centre_range(60, 8), Some(4..=56)); // 53 centres
/// assert_eq!(centre_range(60, 16), Some(8..=52));
/// assert_eq!(centre_range(6, 8), None);
/// ```
pub fn centre_range(size: usize, window: usize) -> Option<RangeInclusive<usize>> {
    let half = window / 2;
    let last = (size.checked_sub(half)?).min(size.checked_sub(1)?);
    (half <= last && window <= size).then_some(half..=last)
}

/// Centred windows of an image, with the locations they are centred on.
#[derive(Clone, Debug, PartialEq)]
pub struct Patches {
    /// The windows, (n, window, window): patch k holds image rows
    /// `[i - window/2, i + window/2)` and the columns likewise, for centre `centres[k] = [i, j]`.
    pub patches: Array3<f64>,
    /// The centre [row, col] of each patch, in row-major order.
    pub centres: Vec<[usize; 2]>,
}

/// Every centre of a `window` x `window` patch in a `rows` x `cols` image, row-major (edge
/// positions, where the window would leave the image, skipped).
///
/// Errors: an odd or zero window, or one larger than the image.
///
/// ```
/// use ferrolab::experiment::window_centres;
/// let c = window_centres(60, 60, 8)?;
/// assert_eq!((c.len(), c[0], c[c.len() - 1]), (2809, [4, 4], [56, 56]));
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn window_centres(
    rows: usize,
    cols: usize,
    window: usize,
) -> Result<Vec<[usize; 2]>, ExperimentError> {
    if window == 0 || !window.is_multiple_of(2) {
        return Err(invalid(format!(
            "window = {window}: a centred window needs an even width of at least 2 px"
        )));
    }
    let (Some(r), Some(c)) = (centre_range(rows, window), centre_range(cols, window)) else {
        return Err(invalid(format!(
            "window = {window} px does not fit in a {rows} x {cols} image"
        )));
    };
    check(
        &format!("centres of window = {window} in {rows} x {cols}"),
        bytes_of::<[usize; 2]>(&[rows, cols]),
    )?;
    Ok(r.flat_map(|i| c.clone().map(move |j| [i, j])).collect())
}

/// The `window` x `window` patches of `image` at every centre of [`window_centres`].
///
/// ```
/// use ferrolab::experiment::extract_patches;
/// let image = ndarray::Array2::from_shape_fn((10, 12), |(i, j)| (100 * i + j) as f64);
/// let p = extract_patches(image.view(), 4)?;
/// assert_eq!(p.patches.dim(), (7 * 9, 4, 4));
/// // The first patch is centred on [2, 2]: rows 0..4, columns 0..4.
/// assert_eq!((p.centres[0], p.patches[[0, 0, 0]], p.patches[[0, 3, 3]]), ([2, 2], 0.0, 303.0));
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn extract_patches(image: ArrayView2<f64>, window: usize) -> Result<Patches, ExperimentError> {
    let (rows, cols) = image.dim();
    let centres = window_centres(rows, cols, window)?;
    check(
        &format!("patches of window = {window} in {rows} x {cols}"),
        bytes_of::<f64>(&[centres.len(), window, window]),
    )?;
    let half = window / 2;
    let mut patches = Array3::zeros((centres.len(), window, window));
    for (mut out, &[i, j]) in patches.outer_iter_mut().zip(&centres) {
        out.assign(&image.slice(s![i - half..i + half, j - half..j + half]));
    }
    Ok(Patches { patches, centres })
}

/// The spectra of `cube` (rows, cols, steps) at `centres`, (n, steps).
///
/// Errors: a centre outside the cube.
///
/// ```
/// use ferrolab::experiment::loops_at;
/// let cube = ndarray::Array3::from_shape_fn((3, 4, 2), |(i, j, k)| (100 * i + 10 * j + k) as f64);
/// let y = loops_at(cube.view(), &[[1, 2], [2, 3]])?;
/// assert_eq!(y, ndarray::array![[120.0, 121.0], [230.0, 231.0]]);
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn loops_at(
    cube: ArrayView3<f64>,
    centres: &[[usize; 2]],
) -> Result<Array2<f64>, ExperimentError> {
    let (rows, cols, steps) = cube.dim();
    if let Some(c) = centres.iter().find(|c| c[0] >= rows || c[1] >= cols) {
        return Err(invalid(format!(
            "centre {c:?} lies outside the {rows} x {cols} map"
        )));
    }
    check(
        &format!("{} spectra of {steps} steps", centres.len()),
        bytes_of::<f64>(&[centres.len(), steps]),
    )?;
    let mut out = Array2::zeros((centres.len(), steps));
    for (mut row, &[i, j]) in out.outer_iter_mut().zip(centres) {
        row.assign(&cube.slice(s![i, j, ..]));
    }
    Ok(out)
}

/// Indices into a list of centres: the training side and the test side of a spatial split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Centres with column j <= the split column.
    pub train: Vec<usize>,
    /// Centres with column j > the split column.
    pub test: Vec<usize>,
}

/// Paper 003's spatial split (IS): train on the centres with column `j <= split_col`, test
/// on the rest (the right-hand part).
///
/// ```
/// use ferrolab::experiment::{spatial_split, window_centres};
/// let split = spatial_split(&window_centres(60, 60, 8)?, 42);
/// assert_eq!((split.train.len(), split.test.len()), (2067, 742));
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn spatial_split(centres: &[[usize; 2]], split_col: usize) -> Split {
    let (train, test) = (0..centres.len()).partition(|&k| centres[k][1] <= split_col);
    Split { train, test }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The design note's counts: 60 x 60 with w = 8 gives 2,809 centres split 2,067 / 742 at
    /// j <= 42; w = 16 gives 45 x 45 = 2,025 centres and j <= 43 splits them 1,620 / 405,
    /// exactly 0.80 : 0.20.
    #[test]
    fn counts_match_the_design_note() {
        let c8 = window_centres(60, 60, 8).unwrap();
        assert_eq!(c8.len(), 2809);
        let s8 = spatial_split(&c8, 42);
        assert_eq!((s8.train.len(), s8.test.len()), (2067, 742));
        let c16 = window_centres(60, 60, 16).unwrap();
        assert_eq!(c16.len(), 2025);
        let s16 = spatial_split(&c16, 43);
        assert_eq!((s16.train.len(), s16.test.len()), (1620, 405));
        assert_eq!(s16.train.len() * 5, c16.len() * 4);
        assert_eq!(s16.test.len() * 5, c16.len());
    }

    #[test]
    fn patches_are_the_windows_around_their_centres() {
        let image = Array2::from_shape_fn((9, 11), |(i, j)| (i * 11 + j) as f64);
        let p = extract_patches(image.view(), 6).unwrap();
        assert_eq!(p.patches.dim(), (4 * 6, 6, 6));
        for (patch, &[i, j]) in p.patches.outer_iter().zip(&p.centres) {
            for ((a, b), v) in patch.indexed_iter() {
                assert_eq!(*v, image[[i + a - 3, j + b - 3]]);
            }
        }
    }

    #[test]
    fn bad_windows_are_refused() {
        for (w, what) in [(0, "even"), (7, "even"), (12, "does not fit")] {
            let err = window_centres(10, 10, w).unwrap_err().to_string();
            assert!(err.contains(what), "{w}: {err}");
        }
        assert!(loops_at(Array3::zeros((2, 2, 3)).view(), &[[2, 0]]).is_err());
    }
}
