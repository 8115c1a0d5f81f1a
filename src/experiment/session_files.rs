//! A session saved to a directory, so a controller that crashes resumes where it was:
//! `manifest.json` (format, version, settings by key, voltage, measured locations with their
//! surprises, members' progress, the CRC-32 of every file it names and of itself), the image
//! and the spectra as `.npy`, and each member as a network file (weights and, for a cancelled
//! update, everything its resumed run needs).
//!
//! Every save writes its data files under a new generation number, then the manifest
//! (atomically), then removes the older generation: a crash at any point leaves a manifest
//! whose files are all there and match their checksums.

use super::ae_keys::AeSettings;
use super::error::ExperimentError;
use super::session::{Measurement, Member, Session, Surprise};
use crate::io::npy::parse_npy;
use crate::nn::im2spec::{EncoderDecoder, Im2SpecSettings};
use crate::nn::state_file::{Fields, settings_json, stored_config};
use ndarray::Array2;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The manifest's format word.
pub const FORMAT: &str = "ferrolab.ae_session";
/// The layout version written; readers accept exactly this one.
pub const VERSION: u64 = 1;
/// The manifest's name inside the session directory.
pub const MANIFEST: &str = "manifest.json";

fn corrupt(path: &Path, what: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Corrupt(format!("{}: {what}", path.display()))
}

fn os(path: &Path, what: impl std::fmt::Display) -> ExperimentError {
    ExperimentError::Io(format!("{}: {what}", path.display()))
}

fn crc_hex(bytes: &[u8]) -> String {
    format!("{:08x}", crc32fast::hash(bytes))
}

/// The manifest's text without its `crc32` field, the bytes its checksum covers.
fn canonical(manifest: &Value) -> String {
    let mut m = manifest.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("crc32");
    }
    m.to_string()
}

impl Session {
    /// Saves the session into directory `dir` (created if missing; a link or a file there is
    /// refused), atomically as a whole: see the module documentation.
    pub fn save(&self, dir: &Path) -> Result<(), ExperimentError> {
        prepare_dir(dir)?;
        let generation = match read_manifest(dir) {
            Ok(m) => m.get("generation").and_then(Value::as_u64).unwrap_or(0) + 1,
            Err(_) => 1,
        };
        let name = |stem: &str, ext: &str| format!("{stem}.g{generation}.{ext}");
        let mut files = serde_json::Map::new();
        let mut write = |file: String, bytes: Vec<u8>| -> Result<(), ExperimentError> {
            let path = dir.join(&file);
            crate::io::atomic::write_atomically(&path, |w| w.write_all(&bytes))
                .map_err(|e| os(&path, e))?;
            files.insert(file, json!(crc_hex(&bytes)));
            Ok(())
        };
        write(
            name("image", "npy"),
            crate::io::npy::to_npy_bytes(&self.image),
        )?;
        let l = self.voltage.len();
        let mut spectra = Array2::zeros((self.measurements.len(), l));
        for (mut row, m) in spectra.rows_mut().into_iter().zip(&self.measurements) {
            row.iter_mut().zip(&m.spectrum).for_each(|(o, v)| *o = *v);
        }
        write(
            name("spectra", "npy"),
            crate::io::npy::to_npy_bytes(&spectra),
        )?;
        let mut members = Vec::new();
        for (k, m) in self.members.iter().enumerate() {
            let file = name(&format!("member-{k}"), "safetensors");
            let path = dir.join(&file);
            m.model.save(&path)?;
            let bytes = crate::io::read_file(&path).map_err(|e| os(&path, e))?;
            files.insert(file.clone(), json!(crc_hex(&bytes)));
            members.push(json!({"file": file, "trained_on": m.trained_on, "running": m.running}));
        }
        let measurements: Vec<Value> = self
            .measurements
            .iter()
            .map(|m| {
                json!({
                    "row": m.row,
                    "col": m.col,
                    "surprise": m.surprise.map(|s| [s.nrms, s.mse, s.area]),
                })
            })
            .collect();
        let mut manifest = json!({
            "format": FORMAT,
            "format_version": VERSION,
            "generation": generation,
            "settings": settings_json(self.settings.to_values()),
            "network": settings_json(self.network.to_values()),
            "voltage": self.voltage,
            "image": name("image", "npy"),
            "spectra": name("spectra", "npy"),
            "measurements": measurements,
            "members": members,
            "files": files,
        });
        manifest["crc32"] = json!(crc_hex(canonical(&manifest).as_bytes()));
        let path = dir.join(MANIFEST);
        let text = serde_json::to_string_pretty(&manifest).expect("JSON values serialise");
        crate::io::atomic::write_atomically(&path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| os(&path, e))?;
        remove_other_generations(dir, generation);
        Ok(())
    }

    /// Loads a session saved by [`Session::save`], checking the manifest's format, version
    /// and checksum and every file's; a session saved during a cancelled update resumes it
    /// on the next [`Session::update`].
    pub fn load(dir: &Path) -> Result<Self, ExperimentError> {
        let manifest = read_manifest(dir)?;
        let path = dir.join(MANIFEST);
        let fields = Fields { path: &path };
        let settings = AeSettings::from_config(&stored_config(
            &fields,
            &manifest["settings"],
            &AeSettings::keys(),
        )?)
        .map_err(|e| corrupt(&path, e))?;
        let network = Im2SpecSettings::from_config(&stored_config(
            &fields,
            &manifest["network"],
            &Im2SpecSettings::keys(),
        )?)
        .map_err(|e| corrupt(&path, e))?;
        let voltage: Vec<f64> = serde_json::from_value(manifest["voltage"].clone())
            .map_err(|e| corrupt(&path, format!("voltage: {e}")))?;
        let file = |key: &str| -> Result<PathBuf, ExperimentError> {
            let name = manifest[key]
                .as_str()
                .ok_or_else(|| corrupt(&path, format!("`{key}` missing")))?;
            checked_file(dir, &manifest, name)
        };
        let image = read_matrix(&file("image")?)?;
        let mut session = Session::new(&settings, &network, image.view(), &voltage)
            .map_err(|e| corrupt(&path, e))?;
        let spectra = read_matrix(&file("spectra")?)?;
        let listed = manifest["measurements"]
            .as_array()
            .ok_or_else(|| corrupt(&path, "`measurements` missing"))?;
        if spectra.dim() != (listed.len(), voltage.len()) {
            return Err(corrupt(
                &path,
                format!(
                    "the spectra have shape {:?}, the manifest lists {} measurements of {} points",
                    spectra.dim(),
                    listed.len(),
                    voltage.len()
                ),
            ));
        }
        let (mut points, mut surprises) = (Vec::new(), Vec::new());
        for m in listed {
            points.push([count(&path, m, "row")?, count(&path, m, "col")?]);
            let surprise = match &m["surprise"] {
                Value::Null => None,
                s => {
                    let v: [f64; 3] = serde_json::from_value(s.clone())
                        .map_err(|e| corrupt(&path, format!("surprise: {e}")))?;
                    Some(Surprise {
                        nrms: v[0],
                        mse: v[1],
                        area: v[2],
                    })
                }
            };
            surprises.push(surprise);
        }
        // All in one call: a location listed twice is refused as a client's repeat is (here as
        // a corrupt manifest), and the check is one pass.
        session
            .add_measurements(&points, spectra.view())
            .map_err(|e| corrupt(&path, e))?;
        for (m, surprise) in session.measurements.iter_mut().zip(surprises) {
            m.surprise = surprise;
        }
        let members = manifest["members"]
            .as_array()
            .ok_or_else(|| corrupt(&path, "`members` missing"))?;
        if members.len() > settings.ensemble_size {
            return Err(corrupt(&path, "more members than ae.ensemble_size"));
        }
        for m in members {
            let name = m["file"]
                .as_str()
                .ok_or_else(|| corrupt(&path, "a member's `file` is missing"))?;
            let model = EncoderDecoder::load(&checked_file(dir, &manifest, name)?)?;
            let running = match &m["running"] {
                Value::Null => None,
                _ => Some(count(&path, m, "running")?),
            };
            session.members.push(Member {
                model,
                trained_on: count(&path, m, "trained_on")?,
                running,
            });
        }
        let complete = session.members.len() == settings.ensemble_size
            && session
                .members
                .iter()
                .all(|m| m.running.is_none() && m.trained_on == session.measurements.len());
        if complete {
            session.refresh_cache()?;
        }
        Ok(session)
    }
}

fn count(path: &Path, v: &Value, key: &str) -> Result<usize, ExperimentError> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|x| usize::try_from(x).ok())
        .ok_or_else(|| corrupt(path, format!("`{key}` missing or not a count")))
}

/// Creates `dir` if missing; refuses a link or anything that is not a directory.
fn prepare_dir(dir: &Path) -> Result<(), ExperimentError> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(os(
            dir,
            "exists and is not a directory (a link is never followed)",
        )),
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| os(dir, e)),
    }
}

/// The manifest of `dir`, parsed and checked (format, version, checksum).
fn read_manifest(dir: &Path) -> Result<Value, ExperimentError> {
    let path = dir.join(MANIFEST);
    let bytes = crate::io::read_file(&path).map_err(|e| os(&path, e))?;
    parse_manifest(&bytes).map_err(|e| corrupt(&path, e))
}

/// A manifest from its bytes: JSON with the right format word and version whose `crc32`
/// matches its content. The one parser of untrusted manifest bytes (the fuzz target's).
///
/// ```
/// use ferrolab::experiment::parse_manifest;
/// assert!(parse_manifest(b"{}").unwrap_err().contains("format"));
/// assert!(parse_manifest(b"\xff").is_err());
/// ```
pub fn parse_manifest(bytes: &[u8]) -> Result<Value, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    if v.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(format!("not a session manifest (format is not {FORMAT})"));
    }
    match v.get("format_version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        other => {
            return Err(format!(
                "format_version {other:?}: this build reads version {VERSION}"
            ));
        }
    }
    let stored = v.get("crc32").and_then(Value::as_str).unwrap_or_default();
    // Fuzzing builds skip the comparison so mutated manifests reach the readers behind it.
    if stored != crc_hex(canonical(&v).as_bytes()) && !cfg!(fuzzing) {
        return Err("checksum mismatch: the manifest was changed or damaged".into());
    }
    Ok(v)
}

/// `dir/name` when the manifest lists it with a checksum its bytes match; `name` must be a
/// plain file name (no separators), so a manifest cannot point outside its directory.
fn checked_file(dir: &Path, manifest: &Value, name: &str) -> Result<PathBuf, ExperimentError> {
    let path = dir.join(MANIFEST);
    if name.contains(['/', '\\']) || name.starts_with('.') || name.is_empty() {
        return Err(corrupt(
            &path,
            format!("file name `{name}` is not a plain name"),
        ));
    }
    let want = manifest["files"][name]
        .as_str()
        .ok_or_else(|| corrupt(&path, format!("no checksum for `{name}`")))?;
    let file = dir.join(name);
    let bytes = crate::io::read_file(&file).map_err(|e| os(&file, e))?;
    if crc_hex(&bytes) != want {
        return Err(corrupt(&file, "checksum mismatch with the manifest"));
    }
    Ok(file)
}

/// A 2-D `f64` array from a `.npy` file.
fn read_matrix(path: &Path) -> Result<Array2<f64>, ExperimentError> {
    let bytes = crate::io::read_file(path).map_err(|e| os(path, e))?;
    let npy = parse_npy(&bytes).map_err(|e| corrupt(path, e))?;
    let values = npy.to_vec::<f64>().map_err(|e| corrupt(path, e))?;
    match npy.shape[..] {
        [r, c] => Array2::from_shape_vec((r, c), values).map_err(|e| corrupt(path, e)),
        _ => Err(corrupt(path, format!("shape {:?} is not 2-D", npy.shape))),
    }
}

/// Removes the data files of every generation but `keep` (best effort: a leftover file is
/// harmless, the manifest names the current ones).
fn remove_other_generations(dir: &Path, keep: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let current = format!(".g{keep}.");
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = ["image.g", "spectra.g", "member-"]
            .iter()
            .any(|p| name.starts_with(p));
        if ours && name.contains(".g") && !name.contains(&current) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

impl Measurement {
    /// `[row, col]`.
    pub fn location(&self) -> [usize; 2] {
        [self.row, self.col]
    }
}
