//! Band-excitation data for `ferrolab beps fit`, from NPZ, NPY or USID HDF5 files.

use ferrolab::io::npy::{NpyArray, parse_npy};
use ferrolab::io::npz::read_npz;
use ndarray::Array2;
use std::path::Path;

/// Spectra in memory with what the fit needs to lay out its results.
pub struct BepsInput {
    /// Frequency of each bin, Hz.
    pub freq: Vec<f64>,
    /// Real parts, spectra x bins, in the C order of `lead`.
    pub re: Array2<f64>,
    /// Imaginary parts.
    pub im: Array2<f64>,
    /// Leading shape of the spectra: rows x cols x steps for a map, else any.
    pub lead: Vec<usize>,
    /// The switching loops of every pixel of a map (empty without voltages).
    pub loops: Vec<LoopSteps>,
}

/// The steps of one loop of every pixel (all of them, or one field or cycle of a USID file).
pub struct LoopSteps {
    /// `all`, or e.g. `Field=1`.
    pub label: String,
    /// Step indices in acquisition order.
    pub steps: Vec<usize>,
    /// DC voltage of each.
    pub voltage: Vec<f64>,
}

/// Where the data come from, from the command line.
pub struct Source<'a> {
    pub data: &'a Path,
    pub freq: Option<&'a Path>,
    pub voltage: Option<&'a Path>,
    pub dataset: Option<&'a str>,
}

/// Read by extension: `.npz`, `.npy` (complex, with --freq), `.h5`/`.hdf5` (USID).
pub fn load(source: &Source) -> Result<BepsInput, String> {
    let ext = source
        .data
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let input = match ext {
        "npz" => load_npz(source.data)?,
        "npy" => load_npy(source)?,
        "h5" | "hdf5" => load_usid(source.data, source.dataset)?,
        _ => {
            return Err(format!(
                "--data {}: expected a .npz, .npy or .h5/.hdf5 (USID) file",
                source.data.display()
            ));
        }
    };
    let n: usize = input.lead.iter().product();
    if input.re.nrows() != n || input.re.ncols() != input.freq.len() {
        return Err(format!(
            "--data {}: {} spectra of {} bins do not match the shape {:?} x {} frequencies",
            source.data.display(),
            input.re.nrows(),
            input.re.ncols(),
            input.lead,
            input.freq.len()
        ));
    }
    Ok(input)
}

fn read_npy(path: &Path, what: &str) -> Result<NpyArray, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{what} {}: {e}", path.display()))?;
    parse_npy(&bytes).map_err(|e| format!("{what} {}: {e}", path.display()))
}

/// Leading shape and row-major spectra for `values` of shape (..., bins).
fn spectra(
    shape: &[usize],
    bins: usize,
    values: Vec<f64>,
) -> Result<(Vec<usize>, Array2<f64>), String> {
    if shape.last() != Some(&bins) {
        return Err(format!("shape {shape:?} must end in n_freq = {bins}"));
    }
    let lead = shape[..shape.len() - 1].to_vec();
    let rows = lead.iter().product();
    let a = Array2::from_shape_vec((rows, bins), values).map_err(|e| e.to_string())?;
    Ok((lead, a))
}

impl BepsInput {
    /// Spectra of a map or a list, with one loop over all steps when a voltage per step is
    /// given (a map only).
    fn with_voltage(
        freq: Vec<f64>,
        (re, im): (Array2<f64>, Array2<f64>),
        lead: Vec<usize>,
        voltage: Option<Vec<f64>>,
    ) -> Result<Self, String> {
        let loops = whole_loops(&lead, voltage).map_err(|e| format!("--voltage: {e}"))?;
        Ok(Self {
            freq,
            re,
            im,
            lead,
            loops,
        })
    }
}

/// One loop of all steps, for maps (rows x cols x steps) with a voltage per step.
fn whole_loops(lead: &[usize], voltage: Option<Vec<f64>>) -> Result<Vec<LoopSteps>, String> {
    match (lead, voltage) {
        ([_, _, steps], Some(voltage)) if voltage.len() == *steps => Ok(vec![LoopSteps {
            label: "all".into(),
            steps: (0..*steps).collect(),
            voltage,
        }]),
        ([_, _, steps], Some(voltage)) => Err(format!(
            "voltage has {} values, the map {steps} steps",
            voltage.len()
        )),
        _ => Ok(Vec::new()),
    }
}

fn load_npz(path: &Path) -> Result<BepsInput, String> {
    let bad = |e: String| format!("--data {}: {e}", path.display());
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let members = read_npz(&bytes).map_err(bad)?;
    let get = |name: &str| {
        members.get(name).ok_or_else(|| {
            bad(format!(
                "no `{name}` array (found {:?})",
                members.keys().collect::<Vec<_>>()
            ))
        })
    };
    let freq = get("freq_hz")?.to_f64().map_err(bad)?;
    let (re_a, im_a) = (get("re")?, get("im")?);
    if re_a.shape != im_a.shape {
        return Err(bad(format!(
            "re {:?} and im {:?} must have the same shape",
            re_a.shape, im_a.shape
        )));
    }
    let (lead, re) = spectra(&re_a.shape, freq.len(), re_a.to_f64().map_err(bad)?).map_err(bad)?;
    let (_, im) = spectra(&im_a.shape, freq.len(), im_a.to_f64().map_err(bad)?).map_err(bad)?;
    let voltage = members
        .get("voltage")
        .map(|v| v.to_f64().map_err(bad))
        .transpose()?;
    BepsInput::with_voltage(freq, (re, im), lead, voltage)
}

fn load_npy(source: &Source) -> Result<BepsInput, String> {
    let path = source.data;
    let bad = |e: String| format!("--data {}: {e}", path.display());
    let freq_path = source
        .freq
        .ok_or("--freq FILE.npy (the frequency of each bin, Hz) is needed with an .npy --data")?;
    let freq = read_npy(freq_path, "--freq")?
        .to_f64()
        .map_err(|e| format!("--freq {}: {e}", freq_path.display()))?;
    let data = read_npy(path, "--data")?;
    let (re, im) = data.to_complex().map_err(bad)?;
    let (lead, re) = spectra(&data.shape, freq.len(), re).map_err(bad)?;
    let (_, im) = spectra(&data.shape, freq.len(), im).map_err(bad)?;
    let voltage = source
        .voltage
        .map(|v| {
            read_npy(v, "--voltage")?
                .to_f64()
                .map_err(|e| format!("--voltage {}: {e}", v.display()))
        })
        .transpose()?;
    BepsInput::with_voltage(freq, (re, im), lead, voltage)
}

#[cfg(feature = "hdf5")]
fn load_usid(path: &Path, dataset: Option<&str>) -> Result<BepsInput, String> {
    let data =
        ferrolab::io::usid::read_usid_beps(path, dataset).map_err(|e| format!("--data {e}"))?;
    let steps = data.n_steps();
    let lead = match data.grid() {
        Some((rows, cols)) => vec![rows, cols, steps],
        None => vec![data.n_positions(), steps],
    };
    let loops = match data.loop_groups() {
        Ok(groups) if lead.len() == 3 => groups
            .into_iter()
            .map(|g| LoopSteps {
                label: g.label,
                steps: g.steps,
                voltage: g.voltage,
            })
            .collect(),
        _ => Vec::new(),
    };
    println!(
        "read {} of {}: positions {}, steps {}",
        data.dataset,
        path.display(),
        describe(&data.positions),
        describe(&data.steps)
    );
    Ok(BepsInput {
        freq: data.freq_hz,
        re: data.re,
        im: data.im,
        lead,
        loops,
    })
}

#[cfg(feature = "hdf5")]
fn describe(dims: &[ferrolab::io::usid::UsidDim]) -> String {
    dims.iter()
        .map(|d| format!("{} ({})", d.label, d.size))
        .collect::<Vec<_>>()
        .join(" x ")
}

#[cfg(not(feature = "hdf5"))]
fn load_usid(path: &Path, _dataset: Option<&str>) -> Result<BepsInput, String> {
    Err(format!(
        "--data {}: this ferrolab was built without HDF5 support; rebuild with \
         `cargo build --release --features hdf5` (needs the system libhdf5, e.g. Debian's \
         libhdf5-dev)",
        path.display()
    ))
}
