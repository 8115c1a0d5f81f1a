//! The dataset format, version 1.
//!
//! `NAME.npz` holds the arrays (NumPy NPZ, uncompressed, deterministic member order and
//! timestamps):
//!
//! | member | dtype | shape | content |
//! |---|---|---|---|
//! | `index` | uint64 | (n,) | position of each structure in the sweep |
//! | `parameters` | float64 | (n, 4) | D_G (nm), ν, μ_θ (rad), σ_θ (rad) |
//! | `seed` | uint64 | (n,) | seed of each film |
//! | `status` | int32 | (n,) | 0 ok, 1 runaway polarization, 2 other failure |
//! | `voltage` | float64 | (points,) | the voltage protocol, V |
//! | `polarization` | float64 | (n, points) | the loops, C/m² (NaN where status ≠ 0) |
//! | `features` | float64 | (n, 8) | Ec (MV/cm), Pr, Ps (C/m²), area (J/m²), imprint (V), offset (C/m²), crossings up, crossings down |
//!
//! `NAME.json` holds the metadata: format name and version, sizes, the shard (or null), the
//! names of columns and status codes, status counts, the full configuration (every key's
//! value), and the size and CRC-32 of `NAME.npz`, which readers verify. Both files are written
//! atomically, the JSON last: a dataset exists once its JSON does.

use super::IoError;
use super::atomic::write_atomically;
use super::npy::to_npy_bytes;
use super::npz::{npz_bytes, read_npz};
use ndarray::Array2;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Format name in the JSON metadata.
pub const FORMAT: &str = "ferrolab-dataset";
/// Format version written; readers accept exactly this version.
pub const VERSION: u64 = 1;
/// Columns of `features`: those of [`LoopFeatures::to_array`](crate::loops::features::LoopFeatures::to_array).
pub use crate::loops::features::FEATURE_NAMES;
/// Names of the four swept parameters, in the order of the `parameters` columns.
pub const PARAMETER_NAMES: [&str; 4] = [
    "grain_diameter_nm",
    "polar_fraction",
    "orientation_mean_rad",
    "orientation_spread_rad",
];
/// Meaning of `status` values 0, 1, 2.
pub const STATUS_NAMES: [&str; 3] = ["ok", "runaway", "failed"];

/// A dataset of loops (a whole sweep or one shard of it).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Position of each structure in the sweep.
    pub index: Vec<u64>,
    /// D_G (nm), ν, μ_θ, σ_θ (rad) per structure (n x 4).
    pub parameters: Array2<f64>,
    /// Film seed per structure.
    pub seed: Vec<u64>,
    /// 0 ok, 1 runaway, 2 failed.
    pub status: Vec<i32>,
    /// Voltage of each loop point, V.
    pub voltage: Vec<f64>,
    /// Loops, C/m² (n x points; NaN rows where status ≠ 0).
    pub polarization: Array2<f64>,
    /// Loop features (n x 8, columns [`FEATURE_NAMES`]).
    pub features: Array2<f64>,
    /// Structures in the whole sweep.
    pub sweep_structures: usize,
    /// (index, count) when this is one shard of a sweep.
    pub shard: Option<(usize, usize)>,
    /// Every configuration key's value, by name.
    pub config: serde_json::Map<String, Value>,
}

/// `NAME.npz` and `NAME.json` for a dataset path given with or without either extension.
pub fn dataset_files(path: &Path) -> (PathBuf, PathBuf) {
    let base = match path.extension().and_then(|e| e.to_str()) {
        Some("json" | "npz") => path.with_extension(""),
        _ => path.to_path_buf(),
    };
    let with = |ext: &str| {
        let mut name = base.as_os_str().to_os_string();
        name.push(ext);
        PathBuf::from(name)
    };
    (with(".npz"), with(".json"))
}

impl Dataset {
    /// Number of structures.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether it holds no structure.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn npz(&self) -> std::io::Result<Vec<u8>> {
        let index = ndarray::Array1::from(self.index.clone());
        let seed = ndarray::Array1::from(self.seed.clone());
        let status = ndarray::Array1::from(self.status.clone());
        let voltage = ndarray::Array1::from(self.voltage.clone());
        npz_bytes(&[
            ("index", to_npy_bytes(&index)),
            ("parameters", to_npy_bytes(&self.parameters)),
            ("seed", to_npy_bytes(&seed)),
            ("status", to_npy_bytes(&status)),
            ("voltage", to_npy_bytes(&voltage)),
            ("polarization", to_npy_bytes(&self.polarization)),
            ("features", to_npy_bytes(&self.features)),
        ])
    }

    fn metadata(&self, npz: &[u8]) -> Value {
        let mut counts = serde_json::Map::new();
        for (code, name) in STATUS_NAMES.iter().enumerate() {
            let n = self.status.iter().filter(|s| **s == code as i32).count();
            counts.insert((*name).to_owned(), json!(n));
        }
        json!({
            "format": FORMAT,
            "version": VERSION,
            "structures": self.len(),
            "sweep_structures": self.sweep_structures,
            "shard": self.shard.map(|(index, count)| json!({"index": index, "count": count})),
            "points": self.voltage.len(),
            "parameter_names": PARAMETER_NAMES,
            "feature_names": FEATURE_NAMES,
            "status_names": STATUS_NAMES,
            "status_counts": counts,
            "config": self.config,
            "npz_bytes": npz.len(),
            "npz_crc32": format!("{:08x}", crc32fast::hash(npz)),
        })
    }

    /// Write `NAME.npz` then `NAME.json`, each atomically.
    pub fn write(&self, path: &Path) -> Result<(), IoError> {
        let (npz_path, json_path) = dataset_files(path);
        let npz = self.npz().map_err(|e| IoError::os(&npz_path, "write", e))?;
        let mut text =
            serde_json::to_string_pretty(&self.metadata(&npz)).expect("JSON of plain values");
        text.push('\n');
        write_atomically(&npz_path, |w| w.write_all(&npz))
            .map_err(|e| IoError::os(&npz_path, "write", e))?;
        write_atomically(&json_path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| IoError::os(&json_path, "write", e))
    }

    /// Read and verify a dataset (format, version, archive size and CRC-32, array shapes).
    ///
    /// ```no_run
    /// let data = ferrolab::phasefield::dataset::Dataset::read("sweep.json".as_ref())?;
    /// println!("{} loops", data.len());
    /// # Ok::<(), ferrolab::io::IoError>(())
    /// ```
    pub fn read(path: &Path) -> Result<Self, IoError> {
        let (npz_path, json_path) = dataset_files(path);
        let bad = |reason: String| IoError::corrupt(&json_path, reason);
        let text = String::from_utf8(super::read_file(&json_path)?)
            .map_err(|e| bad(format!("not UTF-8 text: {e}")))?;
        let meta: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        if meta["format"] != FORMAT {
            return Err(bad(format!(
                "not a {FORMAT} file (format = {})",
                meta["format"]
            )));
        }
        if meta["version"] != VERSION {
            return Err(bad(format!(
                "format version {} is not supported (this ferrolab reads version {VERSION})",
                meta["version"]
            )));
        }
        let npz = super::read_file(&npz_path)?;
        let corrupt = |reason: String| IoError::corrupt(&npz_path, reason);
        let crc = format!("{:08x}", crc32fast::hash(&npz));
        let sound = meta["npz_bytes"] == npz.len() && meta["npz_crc32"] == crc.as_str();
        // Fuzzing builds skip the comparison so mutated archives reach the parsing behind it.
        if !sound && !cfg!(fuzzing) {
            return Err(corrupt(format!(
                "archive is damaged or does not belong to {} ({} bytes, CRC-32 {crc}; expected {} bytes, {})",
                json_path.display(),
                npz.len(),
                meta["npz_bytes"],
                meta["npz_crc32"]
            )));
        }
        let arrays = read_npz(&npz).map_err(corrupt)?;
        let get = |name: &str| {
            arrays
                .get(name)
                .ok_or_else(|| corrupt(format!("member {name} missing")))
        };
        let n = meta["structures"]
            .as_u64()
            .ok_or_else(|| bad("structures missing".into()))? as usize;
        let points = meta["points"]
            .as_u64()
            .ok_or_else(|| bad("points missing".into()))? as usize;
        let matrix = |name: &str, cols: usize| -> Result<Array2<f64>, IoError> {
            let a = get(name)?;
            if a.shape != [n, cols] {
                return Err(corrupt(format!(
                    "{name} has shape {:?}, expected [{n}, {cols}]",
                    a.shape
                )));
            }
            let data = a
                .to_vec::<f64>()
                .map_err(|e| corrupt(format!("{name}: {e}")))?;
            Ok(Array2::from_shape_vec((n, cols), data).expect("shape checked"))
        };
        let vector = |name: &str, len: usize| -> Result<&super::npy::NpyArray, IoError> {
            let a = get(name)?;
            if a.shape != [len] {
                return Err(corrupt(format!(
                    "{name} has shape {:?}, expected [{len}]",
                    a.shape
                )));
            }
            Ok(a)
        };
        let typed = |name: &str, e: String| corrupt(format!("{name}: {e}"));
        let shard = match &meta["shard"] {
            Value::Null => None,
            s => {
                let part = |name: &str| s[name].as_u64().and_then(|v| usize::try_from(v).ok());
                match (part("index"), part("count")) {
                    (Some(index), Some(count)) if index < count => Some((index, count)),
                    _ => {
                        return Err(bad(format!(
                            "shard {s} is not {{\"index\": i, \"count\": n}} with i < n"
                        )));
                    }
                }
            }
        };
        Ok(Self {
            index: vector("index", n)?
                .to_vec::<u64>()
                .map_err(|e| typed("index", e))?,
            parameters: matrix("parameters", 4)?,
            seed: vector("seed", n)?
                .to_vec::<u64>()
                .map_err(|e| typed("seed", e))?,
            status: vector("status", n)?
                .to_vec::<i32>()
                .map_err(|e| typed("status", e))?,
            voltage: vector("voltage", points)?
                .to_vec::<f64>()
                .map_err(|e| typed("voltage", e))?,
            polarization: matrix("polarization", points)?,
            features: matrix("features", FEATURE_NAMES.len())?,
            sweep_structures: meta["sweep_structures"].as_u64().unwrap_or_default() as usize,
            shard,
            config: meta["config"].as_object().cloned().unwrap_or_default(),
        })
    }
}
