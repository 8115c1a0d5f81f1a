//! The file format of every network the project trains: one safetensors file (readable by the
//! Python `safetensors` package, PyTorch and NumPy) whose string metadata records
//! - `format`: the model kind, `ferrolab.<kind>` (e.g. `ferrolab.mlp_vae`), and
//!   `format_version`: the version of that kind's layout;
//! - `architecture`, `settings`, `scaling` and `state`: JSON (the shapes, the training
//!   settings, the input scaling or `null`, the training state or `null`);
//! - `crc32`: a CRC-32 over every other metadata entry and every tensor, so neither a damaged
//!   architecture nor damaged weights pass;
//!
//! and whose `f32` tensors hold the parameters under their PyTorch-style names and any other
//! state a model needs to resume or infer (optimiser moments, running statistics of
//! normalisation layers), each under its own prefix. A file of another kind is refused as
//! corrupt, naming the kind it holds. Written atomically.
//!
//! ```
//! use ferrolab::io::network::{NetworkFile, read, write};
//! let path = std::env::temp_dir().join("ferrolab-network-doc.safetensors");
//! let file = NetworkFile {
//!     kind: "demo".into(),
//!     version: 1,
//!     architecture: serde_json::json!({"width": 2}),
//!     tensors: vec![("w".into(), vec![2, 2], vec![1.0, 2.0, 3.0, 4.0])],
//!     ..NetworkFile::default()
//! };
//! write(&path, &file)?;
//! assert_eq!(read(&path, "demo", 1)?, file);
//! let err = read(&path, "mlp_vae", 1).unwrap_err().to_string();
//! assert!(err.contains("a ferrolab.demo file, not ferrolab.mlp_vae"), "{err}");
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), ferrolab::io::IoError>(())
//! ```

use super::IoError;
use super::atomic::write_atomically;
use super::error::read_file;
use safetensors::tensor::{Dtype, SafeTensors};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Metadata key of the model kind.
pub const FORMAT_KEY: &str = "format";
/// Metadata key of the kind's layout version.
pub const VERSION_KEY: &str = "format_version";
/// Metadata key of the checksum.
pub const CRC_KEY: &str = "crc32";
/// The JSON metadata entries, in the order they are checksummed (by name).
const JSON_KEYS: [&str; 4] = ["architecture", "scaling", "settings", "state"];

/// A named `f32` tensor: name, shape, values (row-major).
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// Everything a network file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkFile {
    /// The model kind without the `ferrolab.` prefix (`mlp_vae`, `lstm_vae`, ...).
    pub kind: String,
    /// The version of the kind's layout.
    pub version: u32,
    /// Shapes and choices that fix the tensors.
    pub architecture: Value,
    /// Training settings.
    pub settings: Value,
    /// Input scaling (`null`: none yet).
    pub scaling: Value,
    /// Training state beyond tensors (`null`: none).
    pub state: Value,
    /// Tensors sorted by name.
    pub tensors: Vec<NamedTensor>,
}

impl Default for NetworkFile {
    fn default() -> Self {
        Self {
            kind: String::new(),
            version: 0,
            architecture: Value::Null,
            settings: Value::Null,
            scaling: Value::Null,
            state: Value::Null,
            tensors: Vec::new(),
        }
    }
}

impl NetworkFile {
    /// The tensor called `name` with exactly `shape`, every value finite, or an error naming
    /// the file.
    pub fn tensor(&self, path: &Path, name: &str, shape: &[usize]) -> Result<&[f32], IoError> {
        let (_, found, values) = self
            .tensors
            .iter()
            .find(|t| t.0 == name)
            .ok_or_else(|| IoError::corrupt(path, format!("no tensor `{name}`")))?;
        if found != shape {
            return Err(IoError::corrupt(
                path,
                format!("tensor `{name}` has shape {found:?}, the architecture needs {shape:?}"),
            ));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(IoError::corrupt(
                path,
                format!("tensor `{name}` element {i} is {}", values[i]),
            ));
        }
        Ok(values)
    }

    fn json(&self) -> [(&'static str, &Value); 4] {
        [
            ("architecture", &self.architecture),
            ("scaling", &self.scaling),
            ("settings", &self.settings),
            ("state", &self.state),
        ]
    }
}

fn format_word(kind: &str) -> String {
    format!("ferrolab.{kind}")
}

/// CRC-32 over the metadata entries (name, length, text; by name) and the tensors (name,
/// shape, little-endian values; by name).
fn checksum(metadata: &BTreeMap<String, String>, tensors: &[NamedTensor]) -> String {
    let mut h = crc32fast::Hasher::new();
    for (key, value) in metadata.iter().filter(|(k, _)| *k != CRC_KEY) {
        for text in [key, value] {
            h.update(&(text.len() as u64).to_le_bytes());
            h.update(text.as_bytes());
        }
    }
    let mut sorted: Vec<&NamedTensor> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, shape, values) in sorted {
        h.update(name.as_bytes());
        for s in shape {
            h.update(&(*s as u64).to_le_bytes());
        }
        for v in values {
            h.update(&v.to_le_bytes());
        }
    }
    format!("{:08x}", h.finalize())
}

/// Write `file` to `path`, atomically.
pub fn write(path: &Path, file: &NetworkFile) -> Result<(), IoError> {
    let mut metadata: BTreeMap<String, String> = file
        .json()
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.to_string()))
        .collect();
    metadata.insert(FORMAT_KEY.into(), format_word(&file.kind));
    metadata.insert(VERSION_KEY.into(), file.version.to_string());
    metadata.insert(CRC_KEY.into(), checksum(&metadata, &file.tensors));
    if let Some((name, shape, values)) = file
        .tensors
        .iter()
        .find(|(_, shape, values)| shape.iter().product::<usize>() != values.len())
    {
        return Err(IoError::unsuitable(
            path,
            format!(
                "tensor `{name}` has shape {shape:?} but {} values",
                values.len()
            ),
        ));
    }
    let out = serialize(&metadata, &file.tensors);
    write_atomically(path, |w: &mut dyn Write| w.write_all(&out))
        .map_err(|e| IoError::os(path, "write", e))
}

/// The safetensors bytes of `tensors` (sorted by name, stored contiguously in that order) with
/// `metadata`: an 8-byte little-endian header length, the JSON header padded with spaces to a
/// multiple of 8 bytes, the data. Written here rather than by `safetensors::serialize`, whose
/// metadata map has no fixed order: a model file must come out byte-identical every time.
fn serialize(metadata: &BTreeMap<String, String>, tensors: &[NamedTensor]) -> Vec<u8> {
    let mut sorted: Vec<&NamedTensor> = tensors.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::json!(metadata));
    let mut offset = 0usize;
    for (name, shape, values) in &sorted {
        let end = offset + 4 * values.len();
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    text.resize(text.len().div_ceil(8) * 8, b' ');
    let mut out = Vec::with_capacity(8 + text.len() + offset);
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    out.extend_from_slice(&text);
    for (_, _, values) in sorted {
        out.extend(values.iter().flat_map(|x| x.to_le_bytes()));
    }
    out
}

/// Read a network file of `kind` (without the `ferrolab.` prefix) and `version`: kind,
/// version and checksum are checked before anything is parsed, so a damaged or foreign file is
/// refused as corrupt, naming what it holds.
pub fn read(path: &Path, kind: &str, version: u32) -> Result<NetworkFile, IoError> {
    let bytes = read_file(path)?;
    let bad = |reason: String| IoError::corrupt(path, reason);
    let (_, header) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
    let metadata: BTreeMap<String, String> = header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let expected = format_word(kind);
    match metadata.get(FORMAT_KEY) {
        Some(found) if *found == expected => {}
        Some(found) => return Err(bad(format!("a {found} file, not {expected}"))),
        None => {
            return Err(bad(format!(
                "not a ferrolab network file (no `{FORMAT_KEY}`)"
            )));
        }
    }
    let found_version = metadata.get(VERSION_KEY).map(String::as_str);
    if found_version != Some(version.to_string().as_str()) {
        return Err(bad(format!(
            "{expected} format version {}, this build reads version {version}",
            found_version.unwrap_or("missing")
        )));
    }
    let st = SafeTensors::deserialize(&bytes).map_err(|e| bad(format!("damaged ({e})")))?;
    let mut tensors = Vec::new();
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!(
                "tensor `{name}` is {:?}, expected F32",
                view.dtype()
            )));
        }
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        tensors.push((name, view.shape().to_vec(), values));
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let computed = checksum(&metadata, &tensors);
    let stored = metadata.get(CRC_KEY).map(String::as_str);
    // Fuzzing builds skip the comparison so mutated files reach the parsing behind it.
    if stored != Some(computed.as_str()) && !cfg!(fuzzing) {
        return Err(bad(format!(
            "checksum mismatch (stored {}, computed {computed}): the file is damaged",
            stored.unwrap_or("none")
        )));
    }
    let mut json = JSON_KEYS.iter().map(|key| {
        let text = metadata
            .get(*key)
            .ok_or_else(|| bad(format!("no metadata `{key}`")))?;
        serde_json::from_str(text).map_err(|e| bad(format!("metadata `{key}`: {e}")))
    });
    let mut next = || json.next().expect("four JSON entries");
    let (architecture, scaling, settings, state) = (next()?, next()?, next()?, next()?);
    Ok(NetworkFile {
        kind: kind.to_owned(),
        version,
        architecture,
        settings,
        scaling,
        state,
        tensors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NetworkFile {
        NetworkFile {
            kind: "t".into(),
            version: 3,
            architecture: serde_json::json!({"hidden": [4]}),
            settings: serde_json::json!({"epochs": 2}),
            scaling: serde_json::json!({"min": 0.0, "max": 1.0}),
            state: Value::Null,
            tensors: vec![
                ("a".into(), vec![2], vec![1.0, 2.0]),
                ("b".into(), vec![1, 1], vec![3.0]),
            ],
        }
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("ferrolab-network-{name}-{}", std::process::id()))
    }

    #[test]
    fn round_trip_and_refusals_name_what_is_wrong() {
        let path = scratch("round-trip");
        write(&path, &sample()).unwrap();
        assert_eq!(read(&path, "t", 3).unwrap(), sample());
        // The same content gives the same bytes, and the safetensors reader takes them.
        let first = std::fs::read(&path).unwrap();
        write(&path, &sample()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(first, bytes);
        let parsed = SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(parsed.tensor("b").unwrap().shape(), &[1, 1]);
        assert_eq!(
            parsed.tensor("a").unwrap().data(),
            &[0, 0, 128, 63, 0, 0, 0, 64]
        );
        let mut bad = sample();
        bad.tensors[0].1 = vec![3];
        let err = write(&path, &bad).unwrap_err().to_string();
        assert!(
            err.contains("tensor `a` has shape [3] but 2 values"),
            "{err}"
        );
        let err = read(&path, "t", 4).unwrap_err().to_string();
        assert!(
            err.contains("ferrolab.t format version 3, this build reads version 4"),
            "{err}"
        );
        let err = read(&path, "other", 3).unwrap_err();
        assert!(matches!(err, IoError::Corrupt { .. }));
        assert!(
            err.to_string()
                .contains("a ferrolab.t file, not ferrolab.other")
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// A changed character anywhere in the metadata or the tensors fails the checksum (the
    /// architecture is covered too, so a damaged width cannot pass and size an allocation).
    #[test]
    fn damaged_metadata_or_tensors_fail_the_checksum() {
        let path = scratch("damage");
        write(&path, &sample()).unwrap();
        let good = std::fs::read(&path).unwrap();
        let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&good[8..8 + header_len]).unwrap();
        let at = header.find("[4]").unwrap() + 8 + 1;
        let mut bad = good.clone();
        bad[at] = b'9';
        std::fs::write(&path, &bad).unwrap();
        let err = read(&path, "t", 3).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x40;
        std::fs::write(&path, &bad).unwrap();
        let err = read(&path, "t", 3).unwrap_err().to_string();
        assert!(err.contains("checksum mismatch"), "{err}");
        std::fs::remove_file(&path).unwrap();
    }
}
