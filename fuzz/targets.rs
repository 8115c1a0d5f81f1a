//! The body of every fuzz target: bytes in, the loader called, its `Result` ignored (only a
//! panic, an abort, a huge allocation or a hang is a finding). Shared by the cargo-fuzz targets
//! (`fuzz_targets/*.rs`) and the corpus replay test of the main crate (`tests/fuzz_corpus.rs`),
//! so both run exactly the same code.

use ferrolab::config::{Config, Kind, Value};
use std::path::{Path, PathBuf};

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target, by name: the directories under `corpus/`, `seeds/` and `regressions/`.
pub const TARGETS: &[(&str, Body)] = &[
    ("npy", npy),
    ("npz", npz),
    ("matrix", matrix),
    ("dataset", dataset),
    ("vae", vae),
    ("lstm_vae", lstm_vae),
    ("rvae", rvae),
    ("unet", unet),
    ("im2spec", im2spec),
    ("ae_manifest", ae_manifest),
    ("gp", gp),
    ("config", config),
    #[cfg(feature = "hdf5")]
    ("usid", usid),
];

/// This process's scratch directory.
pub fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("ferrolab-fuzz-{}", std::process::id()))
}

/// `bytes` written to `name` in this process's scratch directory: the loaders that take a
/// path read it back (one file per name, reused by every run).
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    // A new file each run: truncating one that holds data makes ext4 flush it (auto_da_alloc),
    // about 2 ms a run.
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// NPY arrays: the header parser, then every conversion a reader applies.
pub fn npy(data: &[u8]) {
    let Ok(array) = ferrolab::io::npy::parse_npy(data) else {
        return;
    };
    let _ = array.to_f64();
    let _ = array.to_complex();
    let _ = array.to_vec::<u64>();
    let _ = ferrolab::io::matrix::npy_matrix(Path::new("fuzz.npy"), &array);
}

/// NPZ archives as P-V loops: every member parsed, then the loops chosen among them.
pub fn npz(data: &[u8]) {
    let _ = ferrolab::io::loops::read_loops(&scratch("loops.npz", data));
}

/// Matrices: NPY or CSV, as the command line reads them.
pub fn matrix(data: &[u8]) {
    let _ = ferrolab::io::matrix::read_matrix(&scratch("matrix.csv", data));
}

/// Datasets, read as loops: the JSON metadata, a NUL byte (which JSON cannot hold), the NPZ
/// archive.
pub fn dataset(data: &[u8]) {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (json, npz) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    scratch("dataset.npz", npz);
    let _ = ferrolab::io::loops::read_loops(&scratch("dataset.json", json));
}

/// MLP VAE files: the network file format (safetensors) and the model read from it.
pub fn vae(data: &[u8]) {
    let _ = ferrolab::nn::MlpVae::load(&scratch("vae.safetensors", data));
}

/// LSTM VAE files (paper 001): the network file format (safetensors) and the model read from it
/// (architecture, settings read through the key checks, standardisation, stage records, the
/// selected, best and current weights, the training state).
pub fn lstm_vae(data: &[u8]) {
    let _ = ferrolab::nn::lstm_vae::LstmVae::load(&scratch("lstm_vae.safetensors", data));
}

/// rVAE files (papers 002/004): the network file format (safetensors) and the model read from
/// it (settings through the key checks, image size, architecture, the memory budget and the
/// parameter count against the file's values before allocating, weights, training state).
pub fn rvae(data: &[u8]) {
    let _ = ferrolab::nn::rvae::Rvae::load(&scratch("rvae.safetensors", data));
}

/// U-Net files (papers 002/004): the network file format (safetensors, kind `unet`) and the
/// model read from it (settings through the key checks, the architecture they imply, the
/// parameter count against the file's values before allocating, weights, running statistics,
/// the training crop and state).
pub fn unet(data: &[u8]) {
    let _ = ferrolab::nn::unet::Unet::load(&scratch("unet.safetensors", data));
}

/// im2spec / spec2im files (paper 003), either direction: the network file format
/// (safetensors) and the model read from it (settings through the key checks, architecture,
/// the parameter count against the file's values before allocating, weights, running
/// statistics, training state).
pub fn im2spec(data: &[u8]) {
    let _ = ferrolab::nn::im2spec::EncoderDecoder::load(&scratch("im2spec.safetensors", data));
}

/// Automated-experiment session manifests (`manifest.json`) in a directory holding the files
/// of two real sessions (see [`ae_session_dir`]). Bytes that parse as a JSON object are sealed
/// first: the `crc32` field set to the manifest's checksum and each listed file's checksum to
/// that file's, so that runs get past the checksums to the settings' key checks, the voltage,
/// the file names (which must stay inside the directory), the measurements against the
/// spectra, the members' network files and the ensemble's predictions. Other bytes go to
/// `experiment::parse_manifest` as they are.
pub fn ae_manifest(data: &[u8]) {
    let sealed = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(serde_json::Value::Object(manifest)) => seal(manifest),
        _ => {
            let _ = ferrolab::experiment::parse_manifest(data);
            return;
        }
    };
    let dir = ae_session_dir();
    let path = dir.join(ferrolab::experiment::MANIFEST);
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, sealed).expect("scratch file");
    let _ = ferrolab::experiment::Session::load(dir);
}

/// `manifest` with the checksums a session's save would write: each file it lists that the
/// session directory holds gets its file's CRC-32, then the manifest gets the CRC-32 of its
/// compact text without the `crc32` field.
fn seal(mut manifest: serde_json::Map<String, serde_json::Value>) -> Vec<u8> {
    let crc = |bytes: &[u8]| serde_json::Value::from(format!("{:08x}", crc32fast::hash(bytes)));
    if let Some(serde_json::Value::Object(files)) = manifest.get_mut("files") {
        for (name, sum) in files.iter_mut() {
            let path = ae_session_dir().join(name);
            // Only plain names: the loader refuses the rest, and the fixture is read-only.
            if Path::new(name)
                .file_name()
                .is_some_and(|f| f == name.as_str())
                && let Ok(bytes) = std::fs::read(&path)
            {
                *sum = crc(&bytes);
            }
        }
    }
    manifest.remove("crc32");
    let text = serde_json::Value::Object(manifest.clone()).to_string();
    manifest.insert("crc32".into(), crc(text.as_bytes()));
    serde_json::Value::Object(manifest).to_string().into_bytes()
}

/// The files of two sessions on an 8 x 8 image with 6-point spectra, made once per process:
/// generation 1 (three measurements, no model: `image.g1.npy`, `spectra.g1.npy`) and
/// generation 2 (two members of 2 filters trained on those three, then two more measurements:
/// `*.g2.*`, with `manifest.json`); generation 1's manifest is kept as `manifest.g1.json`.
/// They are the sessions of `fuzz/seeds/ae_manifest/measured.json` and `trained.json`.
pub fn ae_session_dir() -> &'static Path {
    use ferrolab::experiment::{AeSettings, MANIFEST, Session};
    use ferrolab::nn::im2spec::Im2SpecSettings;
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir().join("ae-session");
        let _ = std::fs::remove_dir_all(&dir);
        let image = ndarray::Array2::from_shape_fn((8, 8), |(i, j)| ((i + 2 * j) % 5) as f64);
        let voltage: Vec<f64> = (0..6).map(|k| (k as f64 - 2.5) / 2.5).collect();
        let ae = AeSettings {
            window_px: 4,
            ensemble_size: 2,
            epochs_initial: 1,
            epochs_update: 1,
            ..Default::default()
        };
        let net = Im2SpecSettings {
            filters: 2,
            ..Default::default()
        };
        let spectra = |n: usize, from: usize| {
            ndarray::Array2::from_shape_fn((n, 6), |(i, k)| ((from + i) * 6 + k) as f64 / 10.0)
        };
        let mut session = Session::new(&ae, &net, image.view(), &voltage).expect("fixture");
        session
            .add_measurements(&[[2, 2], [4, 5], [6, 3]], spectra(3, 0).view())
            .expect("fixture");
        session.save(&dir).expect("fixture");
        // The second save removes generation 1's files: keep them for the first manifest.
        let first: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
            .expect("fixture")
            .map(|e| e.expect("fixture").path())
            .map(|p| {
                let bytes = std::fs::read(&p).expect("fixture");
                match p.file_name().is_some_and(|f| f == MANIFEST) {
                    true => (dir.join("manifest.g1.json"), bytes),
                    false => (p, bytes),
                }
            })
            .collect();
        session
            .update(&ferrolab::progress::Progress::new())
            .expect("fixture");
        session
            .add_measurements(&[[3, 6], [5, 2]], spectra(2, 3).view())
            .expect("fixture");
        session.save(&dir).expect("fixture");
        for (path, bytes) in first {
            std::fs::write(path, bytes).expect("fixture");
        }
        dir
    })
}

/// GP model files: the checked JSON record and the model refitted from it.
pub fn gp(data: &[u8]) {
    let _ = ferrolab::gp::GaussianProcess::load(&scratch("gp.bin", data));
}

/// Configuration text: one `key=value` per line, each value parsed by its key's type as
/// `--set` does, then every engine's settings read from the result (text options parsed,
/// ranges and settings checked together).
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut cfg = Config::new();
    for line in text.lines() {
        let (key, text) = line.split_once('=').unwrap_or((line, ""));
        let _ = ferrolab::find_key(key);
        // An unknown key's error computes its "did you mean" hint.
        let Ok(spec) = cfg.spec(key) else {
            continue;
        };
        let list = text.trim().trim_start_matches('[').trim_end_matches(']');
        let items = || list.split(',').map(str::trim);
        let value = match spec.kind() {
            Kind::F64 => text.trim().parse().ok().map(Value::F64),
            Kind::I64 => text.trim().parse().ok().map(Value::I64),
            Kind::Str => Some(Value::Str(text.to_owned())),
            Kind::F64Array => items()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()
                .map(Value::F64Array),
            Kind::I64Array => items()
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()
                .map(Value::I64Array),
        };
        if let Some(value) = value {
            let _ = cfg.set(key, value);
        }
    }
    use ferrolab::{analysis, design, gp, nn, phasefield};
    let _ = phasefield::polycrystal::PolycrystalParams::from_config(&cfg);
    let _ = phasefield::params::PhaseFieldParams::from_config(&cfg);
    let _ = phasefield::elastic::ElasticParams::from_config(&cfg);
    let _ = phasefield::dataset::SweepSettings::from_config(&cfg);
    let _ = gp::GpParams::from_config(&cfg);
    let _ = nn::VaeSettings::from_config(&cfg);
    let _ = nn::lstm_vae::LstmVaeSettings::from_config(&cfg);
    let _ = nn::rvae::RvaeSettings::from_config(&cfg);
    let _ = nn::unet::UnetSettings::from_config(&cfg);
    let _ = design::DesignSettings::from_config(&cfg);
    let _ = analysis::NmfSettings::from_config(&cfg);
    let _ = analysis::DictionarySettings::from_config(&cfg);
    let _ = analysis::KMeansSettings::from_config(&cfg);
    let _ = analysis::GmmSettings::from_config(&cfg);
    let _ = analysis::KdeSettings::from_config(&cfg);
    let _ = analysis::TsneSettings::from_config(&cfg);
    let _ = analysis::MdsSettings::from_config(&cfg);
    let _ = analysis::IsomapSettings::from_config(&cfg);
}

/// Labels and units a USID ancillary dataset may carry (chosen by a byte of the input).
#[cfg(feature = "hdf5")]
pub const USID_WORDS: [&str; 8] = [
    "Frequency",
    "DC_Offset",
    "Field",
    "Cycle",
    "X",
    "Y",
    "kHz",
    "V",
];

/// USID ancillary grids: what `read_usid_beps` parses out of a sound HDF5 container (libhdf5
/// itself is C and not ours to fuzz; see README.md). The input is byte 0: points along the
/// first axis (bit 0); byte 1: dimensions (mod 5); one label byte and one unit byte per
/// dimension; then the indices, one byte each, or 0xff and 8 bytes (u64, little-endian). Each
/// value is its index.
#[cfg(feature = "hdf5")]
pub fn usid(data: &[u8]) {
    use ferrolab::io::usid::{AncillaryGrid, UsidBeps};
    let [flags, n_dims, rest @ ..] = data else {
        return;
    };
    let n_dims = usize::from(n_dims % 5);
    if rest.len() < 2 * n_dims {
        return;
    }
    let (words, mut rest) = rest.split_at(2 * n_dims);
    let word = |b: &u8| USID_WORDS[usize::from(*b) % USID_WORDS.len()].to_owned();
    let labels: Vec<String> = words[..n_dims].iter().map(word).collect();
    let units: Vec<String> = words[n_dims..].iter().map(word).collect();
    let mut indices = Vec::new();
    while let [b, tail @ ..] = rest {
        rest = tail;
        indices.push(match (b, rest.split_first_chunk::<8>()) {
            (0xff, Some((wide, tail))) => {
                rest = tail;
                u64::from_le_bytes(*wide)
            }
            _ => u64::from(*b),
        });
    }
    let points = indices.len().checked_div(n_dims).unwrap_or(indices.len());
    indices.truncate(points * n_dims);
    let values: Vec<f64> = indices.iter().map(|i| *i as f64).collect();
    let grid = AncillaryGrid {
        labels: &labels,
        units: &units,
        indices: &indices,
        values: &values,
        points,
        points_first: flags & 1 == 1,
    };
    let Ok(steps) = grid.dims() else {
        return;
    };
    let data = UsidBeps {
        dataset: "fuzz".into(),
        freq_hz: Vec::new(),
        re: ndarray::Array2::zeros((0, 0)),
        im: ndarray::Array2::zeros((0, 0)),
        positions: Vec::new(),
        steps,
    };
    let _ = (data.n_steps(), data.loop_groups());
}
