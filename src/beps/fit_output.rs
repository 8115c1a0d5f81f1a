//! Reading the output of `ferrolab beps fit` back as paper 001's two-channel loops: per pixel,
//! the piezoresponse `A cos(phi + theta)` and the SHO resonance frequency of every voltage step
//! of one loop (paper 001: the second cycle, off-field, of a 60 x 60 map, 96 steps).
//!
//! What `beps fit --out DIR` writes for a map (rows x cols x steps spectra) and reads here:
//!
//! - `DIR/fit.npz`: `params` (rows x cols x steps x 4: amplitude, resonance frequency in Hz,
//!   Q, phase), `piezoresponse` (rows x cols x steps), and, when the data have voltages,
//!   `loop_steps` (int64, loops x steps per loop: the indices into the step axis of each
//!   loop's steps, in acquisition order) and `loop_voltage` (their DC voltages);
//! - `DIR/loop_groups.txt`: one label per loop, in the same order. A USID file's loop is one
//!   combination of its spectroscopic dimensions other than `DC_Offset`, labelled with their
//!   values as `Field=1, Cycle=0` (BGlib's `Field` is 1 out-of-field and 0 in-field; `Cycle` counts
//!   from 0, so paper 001's loop is `Field=1, Cycle=1`); NPZ or NPY data with a voltage per step
//!   have one loop, `all`.
//!
//! A loop is chosen by the `Name=value` items of its label ([`read_fit_loops`]'s `select`):
//! every item must be one of the label's comma-separated parts, and exactly one loop must match.
//! Data without voltages have no loops; all steps are then read as one, with no voltage.

use crate::io::npy::NpyArray;
use crate::io::npz::read_npz;
use crate::io::{IoError, read_file};
use ndarray::Array3;
use std::collections::BTreeMap;
use std::path::Path;

/// One loop of every pixel of a fitted map, as two channels.
#[derive(Clone, Debug)]
pub struct FitLoops {
    /// The loop's label (`Field=1, Cycle=1`, `all`, or `all steps` without loops).
    pub label: String,
    /// Grid rows and columns; pixel `row * cols + col`.
    pub grid: (usize, usize),
    /// Indices of the loop's steps in the fit's step axis, in acquisition order.
    pub steps: Vec<usize>,
    /// DC voltage of each of those steps (`None` when the fitted data had no voltages).
    pub voltage: Option<Vec<f64>>,
    /// pixels x steps x 2: channel 0 the piezoresponse, channel 1 the resonance frequency (Hz).
    pub data: Array3<f64>,
}

/// The loop labels of a fit output (`DIR/loop_groups.txt`), in order; empty when the fitted data
/// had no voltages.
///
/// Errors: a missing or unreadable `loop_groups.txt` when `fit.npz` has loops.
///
/// ```no_run
/// for label in ferrolab::beps::fit_loop_labels("fit".as_ref())? {
///     println!("{label}");
/// }
/// # Ok::<(), ferrolab::io::IoError>(())
/// ```
pub fn fit_loop_labels(dir: &Path) -> Result<Vec<String>, IoError> {
    let members = read_members(dir)?;
    Ok(loops(dir, &members)?.into_iter().map(|g| g.0).collect())
}

/// Read one loop of every pixel of `ferrolab beps fit` output in `dir` (module docs for the
/// files): the piezoresponse and the resonance frequency of each of its steps.
///
/// `select`: `Name=value` items that all appear in the wanted loop's label (`["Field=1",
/// "Cycle=1"]`, `["all"]`); empty when the output has a single loop (or none).
///
/// Errors (each names the file, and the selection when it is at fault): missing or unreadable
/// files, arrays of unexpected shapes, a selection matching no loop or several (the message
/// lists the labels), a non-finite value in the chosen loop (a spectrum the SHO fit flagged as
/// without signal; the message gives the first pixel and step, and the count), data beyond the
/// memory budget.
///
/// ```
/// use ferrolab::beps::{SyntheticSpec, fit_spectra, fits_to_arrays, phase_rotation, piezoresponse, synthetic_beps};
/// use ferrolab::io::npy::to_npy_bytes;
/// use ndarray::{Array2, Array3};
/// # let dir = std::env::temp_dir().join(format!("ferrolab-doc-fit-loops-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// // A fit output as `ferrolab beps fit` writes it, for a 2 x 2 map of 8 steps with one loop.
/// let spec = SyntheticSpec { rows: 2, cols: 2, steps: 8, ..Default::default() };
/// let data = synthetic_beps(&spec)?;
/// let fits = fit_spectra(&data.freq_hz, data.re.view(), data.im.view(), &Default::default())?;
/// let (params, _, _, _) = fits_to_arrays(&fits);
/// let (a, phi) = (params.column(0).to_vec(), params.column(3).to_vec());
/// let loops = piezoresponse(&a, &phi, phase_rotation(&a, &phi));
/// let members = [
///     ("params", to_npy_bytes(&params.into_shape_with_order((2, 2, 8, 4))?)),
///     ("piezoresponse", to_npy_bytes(&Array3::from_shape_vec((2, 2, 8), loops)?)),
///     ("loop_steps", to_npy_bytes(&Array2::from_shape_fn((1, 8), |(_, k)| k as i64))),
///     ("loop_voltage", to_npy_bytes(&Array2::from_shape_vec((1, 8), data.voltage.clone())?)),
/// ];
/// std::fs::write(dir.join("fit.npz"), ferrolab::io::npz::npz_bytes(&members)?)?;
/// std::fs::write(dir.join("loop_groups.txt"), "all\n")?;
///
/// let got = ferrolab::beps::read_fit_loops(&dir, &[])?;
/// assert_eq!((got.label.as_str(), got.grid, got.data.dim()), ("all", (2, 2), (4, 8, 2)));
/// assert!((got.data[[3, 5, 1]] - data.truth[[3 * 8 + 5, 1]]).abs() < 1e3); // Hz
/// assert!(ferrolab::beps::read_fit_loops(&dir, &["Cycle=1"]).is_err());
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_fit_loops(dir: &Path, select: &[&str]) -> Result<FitLoops, IoError> {
    let members = read_members(dir)?;
    let fit = dir.join("fit.npz");
    let unsuitable = |reason: String| IoError::unsuitable(&fit, reason);
    let get = |name: &str| {
        members.get(name).ok_or_else(|| {
            unsuitable(format!(
                "no `{name}` array (found {:?}): not the output of `ferrolab beps fit` on a map",
                members.keys().collect::<Vec<_>>()
            ))
        })
    };
    let params = get("params")?;
    let piezo = get("piezoresponse")?;
    let (rows, cols, steps) = match (&params.shape[..], &piezo.shape[..]) {
        ([r, c, s, 4], [r2, c2, s2]) if (r, c, s) == (r2, c2, s2) => (*r, *c, *s),
        _ => {
            return Err(unsuitable(format!(
                "params {:?} and piezoresponse {:?}: expected rows x cols x steps x 4 and \
                 rows x cols x steps (a map)",
                params.shape, piezo.shape
            )));
        }
    };
    let groups = loops(dir, &members)?;
    let (label, chosen, voltage) = if groups.is_empty() {
        if !select.is_empty() {
            return Err(unsuitable(format!(
                "select {select:?}: the fitted data had no voltages, so no loops to choose from"
            )));
        }
        ("all steps".to_owned(), (0..steps).collect(), None)
    } else {
        let (label, chosen, voltage) = choose(dir, groups, select)?;
        (label, chosen, Some(voltage))
    };
    if let Some(bad) = chosen.iter().find(|&&k| k >= steps) {
        return Err(unsuitable(format!(
            "loop `{label}` names step {bad} but the map has {steps} steps"
        )));
    }
    let pixels = rows * cols;
    crate::limits::check(
        &format!(
            "{}: {pixels} pixels x {} steps",
            fit.display(),
            chosen.len()
        ),
        crate::limits::bytes_of::<f64>(&[pixels, chosen.len(), 2]),
    )
    .map_err(|e| IoError::TooLarge {
        path: fit.clone(),
        source: Box::new(e),
    })?;
    let values =
        |a: &NpyArray, name: &str| a.to_f64().map_err(|e| unsuitable(format!("{name}: {e}")));
    let params = values(params, "params")?;
    let piezo = values(piezo, "piezoresponse")?;
    let data = Array3::from_shape_fn((pixels, chosen.len(), 2), |(p, k, c)| {
        let step = chosen[k];
        match c {
            0 => piezo[p * steps + step],
            _ => params[(p * steps + step) * 4 + 1],
        }
    });
    let non_finite = data.iter().filter(|v| !v.is_finite()).count();
    if let Some(((p, k, c), v)) = data.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(unsuitable(format!(
            "loop `{label}`: the {} of pixel (row {}, column {}) at step {} is {v} (its SHO fit \
             found no signal); {non_finite} values of the loop are not finite",
            ["piezoresponse", "resonance frequency"][c],
            p / cols,
            p % cols,
            chosen[k]
        )));
    }
    Ok(FitLoops {
        label,
        grid: (rows, cols),
        steps: chosen,
        voltage,
        data,
    })
}

fn read_members(dir: &Path) -> Result<BTreeMap<String, NpyArray>, IoError> {
    let fit = dir.join("fit.npz");
    let bytes = read_file(&fit)?;
    read_npz(&bytes).map_err(|e| IoError::corrupt(&fit, e))
}

/// (label, steps, voltage) of every loop; empty without `loop_steps`.
type Loop = (String, Vec<usize>, Vec<f64>);

fn loops(dir: &Path, members: &BTreeMap<String, NpyArray>) -> Result<Vec<Loop>, IoError> {
    let fit = dir.join("fit.npz");
    let (Some(steps), Some(voltage)) = (members.get("loop_steps"), members.get("loop_voltage"))
    else {
        return Ok(Vec::new());
    };
    let unsuitable = |reason: String| IoError::unsuitable(&fit, reason);
    let [n_loops, n_steps] = steps.shape[..] else {
        return Err(unsuitable(format!(
            "loop_steps has shape {:?}: expected loops x steps",
            steps.shape
        )));
    };
    if voltage.shape != steps.shape {
        return Err(unsuitable(format!(
            "loop_voltage {:?} and loop_steps {:?} must have the same shape",
            voltage.shape, steps.shape
        )));
    }
    let index = steps
        .to_vec::<i64>()
        .map_err(|e| unsuitable(format!("loop_steps: {e}")))?;
    let voltage = voltage
        .to_f64()
        .map_err(|e| unsuitable(format!("loop_voltage: {e}")))?;
    let labels_path = dir.join("loop_groups.txt");
    let text = String::from_utf8(read_file(&labels_path)?)
        .map_err(|_| IoError::corrupt(&labels_path, "not UTF-8 text"))?;
    let labels: Vec<String> = text.lines().map(|l| l.trim().to_owned()).collect();
    if labels.len() != n_loops {
        return Err(IoError::unsuitable(
            &labels_path,
            format!("{} labels for the {n_loops} loops of fit.npz", labels.len()),
        ));
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(g, label)| {
            let row = &index[g * n_steps..(g + 1) * n_steps];
            let steps = row
                .iter()
                .map(|&k| usize::try_from(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| unsuitable(format!("loop_steps of `{label}` has a negative index")))?;
            let v = voltage[g * n_steps..(g + 1) * n_steps].to_vec();
            Ok((label, steps, v))
        })
        .collect()
}

/// The one loop whose label has every item of `select` among its comma-separated parts.
fn choose(dir: &Path, groups: Vec<Loop>, select: &[&str]) -> Result<Loop, IoError> {
    let matches = |label: &str| {
        let parts: Vec<&str> = label.split(',').map(str::trim).collect();
        select.iter().all(|item| parts.contains(&item.trim()))
    };
    let labels: Vec<String> = groups.iter().map(|g| format!("`{}`", g.0)).collect();
    let mut found: Vec<Loop> = groups.into_iter().filter(|g| matches(&g.0)).collect();
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(IoError::unsuitable(
            &dir.join("loop_groups.txt"),
            format!(
                "select {select:?} matches {} of the loops {}: name one loop by its label's \
                 Name=value parts",
                if n == 0 {
                    "none".to_owned()
                } else {
                    format!("{n}")
                },
                labels.join(", ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::to_npy_bytes;
    use ndarray::{Array2, Array4};

    /// A fit output of a 2 x 3 map with 8 steps in 4 loops (Field 1/0 x Cycle 0/1, Field
    /// varying fastest as BGlib stores it): the selection picks the right steps and values.
    #[test]
    fn selects_one_loop_by_its_label() {
        let dir = std::env::temp_dir().join(format!("ferrolab-fit-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (rows, cols, steps) = (2, 3, 8);
        // Value = 100 * pixel + step, so every read can be traced back.
        let params = Array4::from_shape_fn((rows, cols, steps, 4), |(r, c, k, j)| {
            if j == 1 {
                3e5 + (100 * (r * cols + c) + k) as f64
            } else {
                0.0
            }
        });
        let piezo = Array3::from_shape_fn((rows, cols, steps), |(r, c, k)| {
            -((100 * (r * cols + c) + k) as f64)
        });
        // Loop g = field index + 2 cycle; its 2 DC steps are k = g_field + 2 (dc + 2 cycle).
        let loop_steps = Array2::from_shape_fn((4, 2), |(g, dc)| {
            let (field, cycle) = (g % 2, g / 2);
            (field + 2 * (dc + 2 * cycle)) as i64
        });
        let loop_voltage = Array2::from_shape_fn((4, 2), |(_, dc)| dc as f64);
        let write_fit = |params: &Array4<f64>| {
            let members = [
                ("params", to_npy_bytes(params)),
                ("piezoresponse", to_npy_bytes(&piezo)),
                ("loop_steps", to_npy_bytes(&loop_steps)),
                ("loop_voltage", to_npy_bytes(&loop_voltage)),
            ];
            std::fs::write(
                dir.join("fit.npz"),
                crate::io::npz::npz_bytes(&members).unwrap(),
            )
            .unwrap();
        };
        write_fit(&params);
        let labels = "Field=1, Cycle=0\nField=0, Cycle=0\nField=1, Cycle=1\nField=0, Cycle=1\n";
        std::fs::write(dir.join("loop_groups.txt"), labels).unwrap();

        assert_eq!(fit_loop_labels(&dir).unwrap().len(), 4);
        let got = read_fit_loops(&dir, &["Cycle=1", "Field=1"]).unwrap();
        assert_eq!(got.label, "Field=1, Cycle=1");
        assert_eq!(got.steps, vec![4, 6]);
        assert_eq!(got.voltage, Some(vec![0.0, 1.0]));
        assert_eq!(got.data.dim(), (6, 2, 2));
        // Pixel (1, 2) = 5, step 6.
        assert_eq!(got.data[[5, 1, 0]], -506.0);
        assert_eq!(got.data[[5, 1, 1]], 3e5 + 506.0);
        let err = |select: &[&str]| read_fit_loops(&dir, select).unwrap_err().to_string();
        assert!(
            err(&["Field=1"]).contains("matches 2 of the loops"),
            "{}",
            err(&["Field=1"])
        );
        assert!(err(&["Cycle=2"]).contains("matches none"));
        assert!(err(&[]).contains("loop_groups.txt"));

        // A failed SHO fit (NaN) in the chosen loop is refused, naming where.
        let mut bad = params.clone();
        bad[[0, 1, 6, 1]] = f64::NAN;
        write_fit(&bad);
        let e = err(&["Field=1", "Cycle=1"]);
        assert!(
            e.contains("resonance frequency of pixel (row 0, column 1) at step 6"),
            "{e}"
        );
        // ... but not in another loop.
        assert!(read_fit_loops(&dir, &["Field=0", "Cycle=1"]).is_ok());
        // Without voltages: all steps, no selection.
        let members = [
            ("params", to_npy_bytes(&params)),
            ("piezoresponse", to_npy_bytes(&piezo)),
        ];
        std::fs::write(
            dir.join("fit.npz"),
            crate::io::npz::npz_bytes(&members).unwrap(),
        )
        .unwrap();
        let all = read_fit_loops(&dir, &[]).unwrap();
        assert_eq!((all.steps.len(), all.voltage), (8, None));
        assert!(err(&["all"]).contains("no voltages"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
