//! Weights files: safetensors (readable by the Python `safetensors` package, PyTorch and
//! NumPy) with string metadata, a format name and version, and a CRC-32 of every tensor,
//! written atomically.

use super::error::NnError;
use crate::io::atomic::write_atomically;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

/// Metadata key of the format name.
pub const FORMAT_KEY: &str = "format";
/// Metadata key of the format version.
pub const VERSION_KEY: &str = "format_version";
/// Metadata key of the checksum: CRC-32 (hex) over every tensor's name, shape and bytes, in
/// name order.
pub const CRC_KEY: &str = "crc32";

/// A named `f32` tensor: name, shape, values (row-major).
pub type NamedTensor = (String, Vec<usize>, Vec<f32>);

/// The contents of a weights file.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightsFile {
    /// Tensors sorted by name.
    pub tensors: Vec<NamedTensor>,
    /// String metadata (format, version, checksum and the model's own entries).
    pub metadata: BTreeMap<String, String>,
}

impl WeightsFile {
    /// The tensor called `name`, or an error naming the file.
    pub fn tensor(&self, name: &str, path: &Path) -> Result<&NamedTensor, NnError> {
        self.tensors
            .iter()
            .find(|t| t.0 == name)
            .ok_or_else(|| NnError::Corrupt(format!("{}: no tensor `{name}`", path.display())))
    }

    /// The metadata entry `key`, or an error naming the file.
    pub fn meta(&self, key: &str, path: &Path) -> Result<&str, NnError> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| NnError::Corrupt(format!("{}: no metadata `{key}`", path.display())))
    }
}

fn checksum<'a>(tensors: impl Iterator<Item = (&'a str, &'a [usize], &'a [f32])>) -> String {
    let mut sorted: Vec<_> = tensors.collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut h = crc32fast::Hasher::new();
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

/// Write `tensors` with `metadata` (plus format, version and checksum) to `path`, atomically.
///
/// ```
/// use ferrolab::nn::weights::{read, write};
/// let path = std::env::temp_dir().join("ferrolab-weights-doc.safetensors");
/// let w = vec![("w".to_string(), vec![2, 2], vec![1.0f32, 2.0, 3.0, 4.0])];
/// write(&path, &w, "demo", 1, Default::default())?;
/// let back = read(&path, "demo", 1)?;
/// assert_eq!(back.tensors, w);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn write(
    path: &Path,
    tensors: &[NamedTensor],
    format: &str,
    version: u32,
    mut metadata: BTreeMap<String, String>,
) -> Result<(), NnError> {
    metadata.insert(FORMAT_KEY.into(), format.into());
    metadata.insert(VERSION_KEY.into(), version.to_string());
    metadata.insert(
        CRC_KEY.into(),
        checksum(
            tensors
                .iter()
                .map(|(n, s, v)| (n.as_str(), s.as_slice(), v.as_slice())),
        ),
    );
    let bytes: Vec<(String, Vec<u8>, Vec<usize>)> = tensors
        .iter()
        .map(|(n, s, v)| {
            let raw = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            (n.clone(), raw, s.clone())
        })
        .collect();
    let views = bytes
        .iter()
        .map(|(n, raw, s)| {
            TensorView::new(Dtype::F32, s.clone(), raw)
                .map(|v| (n.clone(), v))
                .map_err(|e| NnError::Invalid(format!("tensor `{n}`: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let meta: HashMap<String, String> = metadata.into_iter().collect();
    let out = safetensors::serialize(views, Some(meta))
        .map_err(|e| NnError::Invalid(format!("{}: {e}", path.display())))?;
    write_atomically(path, |w: &mut dyn Write| w.write_all(&out))
        .map_err(|e| NnError::Io(format!("cannot write {}: {e}", path.display())))
}

/// Read a weights file of format `format`, version `version`, checking the checksum.
pub fn read(path: &Path, format: &str, version: u32) -> Result<WeightsFile, NnError> {
    let bytes = std::fs::read(path)
        .map_err(|e| NnError::Io(format!("cannot read {}: {e}", path.display())))?;
    let bad = |what: String| NnError::Corrupt(format!("{}: {what}", path.display()));
    let (_, header) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
    let metadata: BTreeMap<String, String> = header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let found = metadata.get(FORMAT_KEY).map(String::as_str);
    if found != Some(format) {
        return Err(bad(format!(
            "format is {}, expected \"{format}\"",
            found.map_or("missing".into(), |f| format!("\"{f}\""))
        )));
    }
    let found_version = metadata.get(VERSION_KEY).map(String::as_str);
    if found_version != Some(version.to_string().as_str()) {
        return Err(bad(format!(
            "format version {}, this build reads version {version}",
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
    let expected = checksum(
        tensors
            .iter()
            .map(|(n, s, v)| (n.as_str(), s.as_slice(), v.as_slice())),
    );
    let stored = metadata.get(CRC_KEY).map(String::as_str);
    if stored != Some(expected.as_str()) {
        return Err(bad(format!(
            "checksum mismatch (stored {}, computed {expected}): the file is damaged",
            stored.unwrap_or("none")
        )));
    }
    Ok(WeightsFile { tensors, metadata })
}
