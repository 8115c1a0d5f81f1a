//! Reading band-excitation data from USID HDF5 files, the layout pycroscopy and BGlib write
//! (needs the `hdf5` cargo feature and the system libhdf5).
//!
//! A USID *main* dataset is 2-D, positions x spectral points, with attributes `quantity`,
//! `units` and object references `Position_Indices`, `Position_Values`,
//! `Spectroscopic_Indices` and `Spectroscopic_Values` to its ancillary datasets. BGlib's BE
//! translators store the raw complex response as `/Measurement_000/Channel_000/Raw_Data`, with
//! spectroscopic dimensions `Frequency` (bins) and `DC_Offset` plus, by mode, `Field`
//! (in- and out-of-field) and `Cycle`. The order of the ancillary rows is not the order in
//! which the dimensions vary (BGlib labels `Frequency, DC_Offset, Field` while `Field` varies
//! faster than `DC_Offset`), so each dimension's stride is found from the indices themselves.
//!
//! ```no_run
//! let data = ferrolab::io::usid::read_usid_beps("scan.h5".as_ref(), None)?;
//! println!("{} spectra of {} bins", data.re.nrows(), data.freq_hz.len());
//! for group in data.loop_groups()? {
//!     println!("{}: {} voltage steps", group.label, group.steps.len());
//! }
//! # Ok::<(), ferrolab::io::usid::UsidError>(())
//! ```

use hdf5::types::{FixedAscii, TypeDescriptor, VarLenUnicode};
use hdf5::{Dataset, File, Group, ObjectReference1, ReferencedObject};
use hdf5_metno as hdf5;
use ndarray::Array2;
use num_complex::Complex;
use std::path::Path;

/// Why a file could not be read as USID band-excitation data (the message names the file,
/// the dataset and what is wrong).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct UsidError(pub String);

/// One dimension of a USID grid.
#[derive(Clone, Debug, PartialEq)]
pub struct UsidDim {
    /// The `labels` entry, e.g. `X`, `DC_Offset`.
    pub label: String,
    /// The `units` entry, e.g. `m`, `V`.
    pub units: String,
    /// Number of distinct indices.
    pub size: usize,
    /// The value at each index, from the `*_Values` dataset.
    pub values: Vec<f64>,
}

/// A USID band-excitation measurement read into memory.
#[derive(Clone, Debug)]
pub struct UsidBeps {
    /// Path of the main dataset in the file.
    pub dataset: String,
    /// Frequency of each bin, Hz (`Frequency` values; kHz and MHz units are converted).
    pub freq_hz: Vec<f64>,
    /// Real parts, (positions x steps) x bins, position-major (every step of position 0 first).
    pub re: Array2<f64>,
    /// Imaginary parts, same shape.
    pub im: Array2<f64>,
    /// Position dimensions, fastest-varying first (for a map: columns, then rows).
    pub positions: Vec<UsidDim>,
    /// Spectroscopic dimensions other than `Frequency`, fastest-varying first; a step is one
    /// combination of their indices.
    pub steps: Vec<UsidDim>,
}

/// The voltage steps that make up one switching loop: one combination of the step dimensions
/// other than `DC_Offset` (e.g. `Field = 1`), its steps in acquisition order.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopGroup {
    /// E.g. `Field=1, Cycle=0`, or `all` when `DC_Offset` is the only step dimension.
    pub label: String,
    /// Step indices (into 0..n_steps of each position).
    pub steps: Vec<usize>,
    /// DC voltage of each of those steps.
    pub voltage: Vec<f64>,
}

impl UsidBeps {
    /// Steps per position: the product of the step dimensions' sizes.
    pub fn n_steps(&self) -> usize {
        self.steps.iter().map(|d| d.size).product()
    }

    /// Number of positions.
    pub fn n_positions(&self) -> usize {
        self.positions.iter().map(|d| d.size).product()
    }

    /// Rows and columns of a 2-D position grid (slow dimension = rows), or `None` for other
    /// position layouts.
    pub fn grid(&self) -> Option<(usize, usize)> {
        match &self.positions[..] {
            [cols, rows] => Some((rows.size, cols.size)),
            _ => None,
        }
    }

    /// The switching loops of every position: one group per combination of the step
    /// dimensions other than `DC_Offset`.
    pub fn loop_groups(&self) -> Result<Vec<LoopGroup>, UsidError> {
        let dc = self
            .steps
            .iter()
            .position(|d| d.label == "DC_Offset")
            .ok_or_else(|| {
                UsidError(format!(
                    "{}: no DC_Offset spectroscopic dimension (found {:?}), so no loops",
                    self.dataset,
                    self.steps.iter().map(|d| &d.label).collect::<Vec<_>>()
                ))
            })?;
        let strides: Vec<usize> = self
            .steps
            .iter()
            .scan(1, |s, d| {
                let here = *s;
                *s *= d.size;
                Some(here)
            })
            .collect();
        let others: Vec<usize> = (0..self.steps.len()).filter(|&j| j != dc).collect();
        let combinations: usize = others.iter().map(|&j| self.steps[j].size).product();
        Ok((0..combinations)
            .map(|c| {
                let mut base = 0;
                let mut rest = c;
                let mut label = Vec::new();
                for &j in &others {
                    let i = rest % self.steps[j].size;
                    rest /= self.steps[j].size;
                    base += i * strides[j];
                    label.push(format!(
                        "{}={}",
                        self.steps[j].label, self.steps[j].values[i]
                    ));
                }
                let steps: Vec<usize> = (0..self.steps[dc].size)
                    .map(|k| base + k * strides[dc])
                    .collect();
                LoopGroup {
                    label: if label.is_empty() {
                        "all".into()
                    } else {
                        label.join(", ")
                    },
                    voltage: self.steps[dc].values.clone(),
                    steps,
                }
            })
            .collect())
    }
}

/// Read the band-excitation main dataset of a USID file: `dataset` by path, or, when `None`,
/// the one main dataset of complex values with a `Frequency` spectroscopic dimension (an
/// error lists the candidates when there are several).
///
/// ```
/// use ferrolab::io::usid::read_usid_beps;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/usid/beps_small.h5");
/// let data = read_usid_beps(path.as_ref(), None)?;
/// assert_eq!((data.grid(), data.n_positions(), data.n_steps()), (Some((3, 4)), 12, 32));
/// assert_eq!(data.freq_hz.len(), 24);
/// let groups = data.loop_groups()?;
/// assert_eq!((groups[0].label.as_str(), groups[0].steps.len()), ("Field=1", 16));
/// # Ok::<(), ferrolab::io::usid::UsidError>(())
/// ```
pub fn read_usid_beps(path: &Path, dataset: Option<&str>) -> Result<UsidBeps, UsidError> {
    let at = |e: String| UsidError(format!("{}: {e}", path.display()));
    let file = File::open(path).map_err(|e| at(format!("cannot open as HDF5 ({e})")))?;
    let main = match dataset {
        Some(name) => file
            .dataset(name)
            .map_err(|_| at(format!("no dataset {name}")))?,
        None => {
            let mut found = Vec::new();
            collect_main_datasets(&file, &mut found).map_err(|e| at(e.to_string()))?;
            let mut be: Vec<Dataset> = found
                .into_iter()
                .filter(|d| is_complex(d) && spectroscopic_labels(d).is_some_and(has_frequency))
                .collect();
            match be.len() {
                1 => be.remove(0),
                0 => {
                    return Err(at(
                        "no USID main dataset of complex values with a Frequency spectroscopic \
                         dimension (is this a pycroscopy/BGlib band-excitation file?)"
                            .into(),
                    ));
                }
                _ => {
                    return Err(at(format!(
                        "several band-excitation datasets ({}); choose one by path",
                        be.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
                    )));
                }
            }
        }
    };
    read_main(&file, &main).map_err(|e| at(format!("{}: {e}", main.name())))
}

fn has_frequency(labels: Vec<String>) -> bool {
    labels.iter().any(|l| l == "Frequency")
}

/// Depth-first walk collecting every dataset that carries USID's main-dataset attributes.
fn collect_main_datasets(group: &Group, found: &mut Vec<Dataset>) -> hdf5::Result<()> {
    for d in group.datasets()? {
        let names = d.attr_names()?;
        if ANCILLARIES.iter().all(|a| names.iter().any(|n| n == a)) {
            found.push(d);
        }
    }
    for g in group.groups()? {
        collect_main_datasets(&g, found)?;
    }
    Ok(())
}

const ANCILLARIES: [&str; 4] = [
    "Position_Indices",
    "Position_Values",
    "Spectroscopic_Indices",
    "Spectroscopic_Values",
];

fn is_complex(d: &Dataset) -> bool {
    matches!(
        d.dtype().and_then(|t| t.to_descriptor()),
        Ok(TypeDescriptor::Compound(c))
            if c.fields.len() == 2 && c.fields[0].name == "r" && c.fields[1].name == "i"
    )
}

fn spectroscopic_labels(d: &Dataset) -> Option<Vec<String>> {
    let file = d.file().ok()?;
    let inds = ancillary(&file, d, "Spectroscopic_Indices").ok()?;
    strings(&inds, "labels").ok()
}

/// The ancillary dataset an attribute references (h5py writes HDF5 1.8-style object
/// references).
fn ancillary(file: &File, main: &Dataset, name: &str) -> Result<Dataset, String> {
    let reference = main
        .attr(name)
        .and_then(|a| a.read_scalar::<ObjectReference1>())
        .map_err(|e| format!("attribute {name} is not an object reference ({e})"))?;
    match file.dereference(&reference) {
        Ok(ReferencedObject::Dataset(d)) => Ok(d),
        Ok(_) => Err(format!("attribute {name} does not reference a dataset")),
        Err(e) => Err(format!("attribute {name}: dangling reference ({e})")),
    }
}

/// A string-list attribute, fixed-length (pyUSID) or variable-length (newer h5py).
fn strings(d: &Dataset, name: &str) -> Result<Vec<String>, String> {
    let attr = d
        .attr(name)
        .map_err(|_| format!("{} has no `{name}` attribute", d.name()))?;
    if let Ok(v) = attr.read_raw::<FixedAscii<256>>() {
        return Ok(v.iter().map(|s| s.as_str().trim_end().to_owned()).collect());
    }
    attr.read_raw::<VarLenUnicode>()
        .map(|v| v.iter().map(|s| s.as_str().to_owned()).collect())
        .map_err(|e| format!("{}: `{name}` is not a list of strings ({e})", d.name()))
}

/// Ancillary indices and values (`points` entries along one axis, `dims` along the other)
/// turned into dimensions ordered fastest first, checking the points form a full grid.
fn dims_of(
    indices: &Dataset,
    values: &Dataset,
    points: usize,
    points_first: bool,
) -> Result<Vec<UsidDim>, String> {
    let labels = strings(indices, "labels")?;
    let units = strings(indices, "units").unwrap_or_else(|_| vec![String::new(); labels.len()]);
    let n_dims = labels.len();
    let expected = if points_first {
        [points, n_dims]
    } else {
        [n_dims, points]
    };
    for d in [indices, values] {
        if d.shape() != expected {
            return Err(format!(
                "{} has shape {:?}, expected {expected:?} for {n_dims} labelled dimensions",
                d.name(),
                d.shape()
            ));
        }
    }
    let read_index = indices
        .read_raw::<u64>()
        .map_err(|e| format!("{}: {e}", indices.name()))?;
    let read_value = values
        .read_raw::<f64>()
        .map_err(|e| format!("{}: {e}", values.name()))?;
    let grid = AncillaryGrid {
        labels: &labels,
        units: &units,
        indices: &read_index,
        values: &read_value,
        points,
        points_first,
    };
    grid.dims().map_err(|e| format!("{}: {e}", indices.name()))
}

/// What [`dims_of`] read from an ancillary pair, as it is in the file: the part of the reading
/// that is this crate's parsing rather than libhdf5's (public for the fuzz target).
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct AncillaryGrid<'a> {
    /// The `labels` attribute, one per dimension.
    pub labels: &'a [String],
    /// The `units` attribute (may be shorter).
    pub units: &'a [String],
    /// `points x labels` indices (or transposed, see `points_first`).
    pub indices: &'a [u64],
    /// The values, laid out as the indices.
    pub values: &'a [f64],
    /// Points along the main dataset's axis.
    pub points: usize,
    /// Whether the points run along the first axis (positions) or the second (spectroscopic).
    pub points_first: bool,
}

impl AncillaryGrid<'_> {
    /// The dimensions, fastest first, or why the points are not a full grid.
    pub fn dims(&self) -> Result<Vec<UsidDim>, String> {
        let (n_dims, points) = (self.labels.len(), self.points);
        let len = points.checked_mul(n_dims);
        if len != Some(self.indices.len()) || len != Some(self.values.len()) {
            return Err(format!(
                "{} indices and {} values for {points} points of {n_dims} dimensions",
                self.indices.len(),
                self.values.len()
            ));
        }
        let flat = |p: usize, j: usize| {
            if self.points_first {
                p * n_dims + j
            } else {
                j * points + p
            }
        };
        let index = |p, j| self.indices[flat(p, j)];
        // In a full grid every index is below the number of points; a larger one would size
        // the dimension (and its values) beyond the file, and u64::MAX + 1 wraps to a size 0.
        if let Some(big) = self.indices.iter().find(|&&i| i >= points as u64) {
            return Err(format!(
                "index {big} is out of range for {points} points, so not a regular grid"
            ));
        }
        // Stride of a dimension: the first point where its index is not 0.
        let mut dims: Vec<(usize, usize, UsidDim)> = (0..n_dims)
            .map(|j| {
                let size = (0..points).map(|p| index(p, j)).max().unwrap_or(0) as usize + 1;
                let stride = (0..points).find(|&p| index(p, j) != 0).unwrap_or(points);
                // Each index's value at its first point, in one pass (walking back, the first
                // point is written last).
                let mut values = vec![f64::NAN; size];
                for p in (0..points).rev() {
                    values[index(p, j) as usize] = self.values[flat(p, j)];
                }
                let dim = UsidDim {
                    label: self.labels[j].clone(),
                    units: self.units.get(j).cloned().unwrap_or_default(),
                    size,
                    values,
                };
                (stride, j, dim)
            })
            .collect();
        dims.sort_by_key(|(stride, _, _)| *stride);
        // A full grid: the point p has index (p / stride) % size in every dimension.
        let mut stride = 1;
        for (found, j, dim) in &dims {
            let regular = (*found == stride || dim.size == 1)
                && (0..points).all(|p| index(p, *j) as usize == (p / stride) % dim.size);
            if !regular {
                return Err(format!(
                    "dimension {} does not vary as a regular grid",
                    dim.label
                ));
            }
            stride *= dim.size;
        }
        if stride != points {
            return Err(format!(
                "the dimensions' sizes multiply to {stride}, not {points}"
            ));
        }
        Ok(dims.into_iter().map(|(_, _, d)| d).collect())
    }
}

fn hz_per_unit(units: &str) -> f64 {
    match units {
        "kHz" => 1e3,
        "MHz" => 1e6,
        _ => 1.0,
    }
}

fn read_main(file: &File, main: &Dataset) -> Result<UsidBeps, String> {
    let [n_pos, n_spec] = main.shape()[..] else {
        return Err(format!(
            "USID main datasets are 2-D, not {:?}",
            main.shape()
        ));
    };
    if !is_complex(main) {
        return Err("values are not complex (h5py's compound of `r` and `i`)".into());
    }
    let get = |name| ancillary(file, main, name);
    let positions = dims_of(
        &get("Position_Indices")?,
        &get("Position_Values")?,
        n_pos,
        true,
    )?;
    let mut steps = dims_of(
        &get("Spectroscopic_Indices")?,
        &get("Spectroscopic_Values")?,
        n_spec,
        false,
    )?;
    match steps.iter().position(|d| d.label == "Frequency") {
        Some(0) => {}
        Some(_) => return Err("Frequency does not vary fastest".into()),
        None => return Err("no Frequency spectroscopic dimension".into()),
    }
    let frequency = steps.remove(0);
    let scale = hz_per_unit(&frequency.units);
    let freq_hz: Vec<f64> = frequency.values.iter().map(|f| f * scale).collect();
    let raw = main
        .read_raw::<Complex<f64>>()
        .map_err(|e| format!("cannot read the values ({e})"))?;
    let bins = freq_hz.len();
    let rows = raw.len() / bins;
    let re = Array2::from_shape_fn((rows, bins), |(r, k)| raw[r * bins + k].re);
    let im = Array2::from_shape_fn((rows, bins), |(r, k)| raw[r * bins + k].im);
    Ok(UsidBeps {
        dataset: main.name(),
        freq_hz,
        re,
        im,
        positions,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid<'a>(labels: &'a [String], indices: &'a [u64], values: &'a [f64]) -> AncillaryGrid<'a> {
        AncillaryGrid {
            labels,
            units: &[],
            indices,
            values,
            points: indices.len() / labels.len(),
            points_first: true,
        }
    }

    #[test]
    fn grids_are_read_and_out_of_range_indices_refused() {
        let labels = ["X".to_string(), "Y".to_string()];
        let indices = [0, 0, 1, 0, 0, 1, 1, 1];
        let values = [0.0, 5.0, 0.5, 5.0, 0.0, 6.0, 0.5, 6.0];
        let dims = grid(&labels, &indices, &values).dims().unwrap();
        assert_eq!((dims[0].size, &dims[1].values[..]), (2, &[5.0, 6.0][..]));
        // Found by fuzzing: u64::MAX sized a dimension of 0 (a division by zero), and any
        // large index sized its values beyond the file.
        for big in [4, 1 << 40, u64::MAX] {
            let indices = [0, 0, big, 0, 0, 1, 1, 1];
            let err = grid(&labels, &indices, &values).dims().unwrap_err();
            assert!(err.contains("out of range for 4 points"), "{err}");
        }
    }
}
