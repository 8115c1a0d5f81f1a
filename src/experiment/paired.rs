//! Paper 003's data set of a map and its realised errors: the structure patch at every
//! location where a window fits, the spectrum there, the spatial train/test split, and per
//! location the errors of predicted spectra (models.md 3.3-3.4).

use super::error::{ExperimentError, invalid};
use super::metrics::{area_error, mse, nrms};
use super::patches::{Split, extract_patches, loops_at, spatial_split};
use ndarray::{Array2, ArrayView2, ArrayView3};

/// Patches and spectra at every window centre of a map, with the split.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedData {
    /// One row-major `window x window` patch per row.
    pub patches: Array2<f64>,
    /// The spectrum at each patch's centre.
    pub spectra: Array2<f64>,
    /// The centres `[row, col]`, row-major.
    pub centres: Vec<[usize; 2]>,
    /// Train: columns up to the split column; test: the rest.
    pub split: Split,
}

impl PairedData {
    /// The data of `image` (rows x cols) and `cube` (rows x cols x points) for windows of
    /// `window` pixels, split at column `split_col`.
    ///
    /// ```
    /// use ferrolab::experiment::PairedData;
    /// let image = ndarray::Array2::<f64>::zeros((60, 60));
    /// let cube = ndarray::Array3::<f64>::zeros((60, 60, 64));
    /// let d = PairedData::new(image.view(), cube.view(), 8, 42)?;
    /// assert_eq!((d.patches.dim(), d.split.train.len(), d.split.test.len()), ((2809, 64), 2067, 742));
    /// # Ok::<(), ferrolab::experiment::ExperimentError>(())
    /// ```
    pub fn new(
        image: ArrayView2<f64>,
        cube: ArrayView3<f64>,
        window: usize,
        split_col: usize,
    ) -> Result<Self, ExperimentError> {
        let (r, c, _) = cube.dim();
        if (r, c) != image.dim() {
            return Err(invalid(format!(
                "the image is {:?} but the spectra cover {r} x {c} locations",
                image.dim()
            )));
        }
        let p = extract_patches(image, window)?;
        let n = p.centres.len();
        let patches = p
            .patches
            .into_shape_with_order((n, window * window))
            .map_err(|e| invalid(e.to_string()))?;
        let spectra = loops_at(cube, &p.centres)?;
        let split = spatial_split(&p.centres, split_col);
        if split.train.is_empty() || split.test.is_empty() {
            return Err(invalid(format!(
                "split column {split_col} leaves {} training and {} test locations: both must be at least 1",
                split.train.len(),
                split.test.len()
            )));
        }
        Ok(Self {
            patches,
            spectra,
            centres: p.centres,
            split,
        })
    }
}

/// Realised errors of predicted spectra per location (NaN where nothing was predicted).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorMaps {
    /// Normalised RMS error, `sqrt(mean (y_hat - y)^2 / mean (y_hat + y)^2)`.
    pub nrms: Array2<f64>,
    /// Mean squared error.
    pub mse: Array2<f64>,
    /// Absolute loop-area difference (shoelace).
    pub area: Array2<f64>,
}

impl ErrorMaps {
    /// The errors of `predicted` against `measured` (rows: `centres`) over a `shape` map,
    /// loop areas over `voltage`.
    ///
    /// ```
    /// use ferrolab::experiment::ErrorMaps;
    /// let measured = ndarray::array![[1.0, 2.0, 1.0]];
    /// let predicted = ndarray::array![[1.0, 2.0, 3.0]];
    /// let maps = ErrorMaps::new(predicted.view(), measured.view(), &[[0, 1]], &[0.0, 1.0, 0.0], (2, 2))?;
    /// assert_eq!(maps.mse[[0, 1]], 4.0 / 3.0);
    /// assert!(maps.mse[[0, 0]].is_nan());
    /// # Ok::<(), ferrolab::experiment::ExperimentError>(())
    /// ```
    pub fn new(
        predicted: ArrayView2<f64>,
        measured: ArrayView2<f64>,
        centres: &[[usize; 2]],
        voltage: &[f64],
        shape: (usize, usize),
    ) -> Result<Self, ExperimentError> {
        if predicted.dim() != measured.dim() || predicted.nrows() != centres.len() {
            return Err(invalid(format!(
                "predicted {:?}, measured {:?} and {} centres do not agree",
                predicted.dim(),
                measured.dim(),
                centres.len()
            )));
        }
        if let Some(c) = centres.iter().find(|c| c[0] >= shape.0 || c[1] >= shape.1) {
            return Err(invalid(format!(
                "centre {c:?} lies outside the {shape:?} map"
            )));
        }
        let nan = || Array2::from_elem(shape, f64::NAN);
        let mut maps = Self {
            nrms: nan(),
            mse: nan(),
            area: nan(),
        };
        for ((p, y), c) in predicted
            .rows()
            .into_iter()
            .zip(measured.rows())
            .zip(centres)
        {
            let (p, y) = (p.to_vec(), y.to_vec());
            maps.nrms[[c[0], c[1]]] = nrms(&p, &y)?;
            maps.mse[[c[0], c[1]]] = mse(&p, &y)?;
            maps.area[[c[0], c[1]]] = area_error(voltage, &p, &y)?;
        }
        Ok(maps)
    }
}
