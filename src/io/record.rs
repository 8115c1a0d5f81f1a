//! The checked JSON record: one JSON value inside a small binary envelope, for models that are
//! data and hyper-parameters rather than tensors (the GP): 8 bytes of magic naming the kind,
//! the format version (u32), the JSON length (u64), the JSON, and a CRC-32 of everything
//! before it (all little-endian). Written atomically; read back only when magic, version,
//! length and checksum all agree, so a damaged or foreign file is refused as corrupt before
//! its JSON is parsed.
//!
//! ```
//! use ferrolab::io::record::{read_record, write_record};
//! let path = std::env::temp_dir().join("ferrolab-record-doc.bin");
//! let value = serde_json::json!({"x": [1.0, 2.0]});
//! write_record(&path, b"FLDEMO01", 1, &value)?;
//! assert_eq!(read_record(&path, b"FLDEMO01", 1, "demo")?, value);
//! let err = read_record(&path, b"FLGPMODL", 1, "GP model").unwrap_err();
//! assert!(err.to_string().contains("not a ferrolab GP model"));
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), ferrolab::io::IoError>(())
//! ```

use super::atomic::write_atomically;
use super::{IoError, read_file};
use serde_json::Value;
use std::path::Path;

/// Bytes before the JSON: magic, version, length.
const HEADER: usize = 20;

/// Write `value` under `magic` and `version` to `path`, atomically.
pub fn write_record(
    path: &Path,
    magic: &[u8; 8],
    version: u32,
    value: &Value,
) -> Result<(), IoError> {
    let body = serde_json::to_vec(value).expect("JSON of plain values");
    let mut bytes = magic.to_vec();
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes.extend_from_slice(&crc32fast::hash(&bytes).to_le_bytes());
    write_atomically(path, |w| w.write_all(&bytes)).map_err(|e| IoError::os(path, "write", e))
}

/// The JSON of a record of `magic` and `version`; `what` names the kind in errors.
pub fn read_record(
    path: &Path,
    magic: &[u8; 8],
    version: u32,
    what: &str,
) -> Result<Value, IoError> {
    let bytes = read_file(path)?;
    let bad = |reason: String| IoError::corrupt(path, reason);
    if bytes.len() < HEADER + 4 || bytes[..8] != magic[..] {
        return Err(bad(format!("not a ferrolab {what}")));
    }
    let found = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if found != version {
        return Err(bad(format!(
            "{what} format version {found} is not supported (this ferrolab reads {version})"
        )));
    }
    let (content, crc) = bytes.split_at(bytes.len() - 4);
    // Fuzzing builds skip the comparison so mutated files reach the parsing behind it.
    if crc32fast::hash(content).to_le_bytes() != crc && !cfg!(fuzzing) {
        return Err(bad("damaged file (checksum mismatch)".into()));
    }
    let len = u64::from_le_bytes(content[12..HEADER].try_into().expect("8 bytes"));
    if usize::try_from(len).ok() != Some(content.len() - HEADER) {
        return Err(bad(format!(
            "declares {len} bytes of JSON but holds {}",
            content.len() - HEADER
        )));
    }
    serde_json::from_slice(&content[HEADER..]).map_err(|e| bad(format!("{what} body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flipped_bits_truncation_and_versions_are_refused() {
        let path = std::env::temp_dir().join(format!("ferrolab-record-{}.bin", std::process::id()));
        let value = serde_json::json!({"a": 1, "b": [true, null]});
        write_record(&path, b"FLTEST01", 2, &value).unwrap();
        let good = std::fs::read(&path).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                {
                    let mut b = good.clone();
                    b[25] ^= 1;
                    b
                },
                "checksum",
            ),
            (good[..good.len() - 1].to_vec(), "checksum"),
            (good[..10].to_vec(), "not a ferrolab test"),
        ];
        for (bytes, fragment) in cases {
            std::fs::write(&path, &bytes).unwrap();
            let err = read_record(&path, b"FLTEST01", 2, "test").unwrap_err();
            assert!(matches!(err, IoError::Corrupt { .. }));
            assert!(err.to_string().contains(fragment), "{err}");
        }
        std::fs::write(&path, &good).unwrap();
        let err = read_record(&path, b"FLTEST01", 3, "test")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("version 2 is not supported (this ferrolab reads 3)"),
            "{err}"
        );
        assert_eq!(read_record(&path, b"FLTEST01", 2, "test").unwrap(), value);
        std::fs::remove_file(&path).unwrap();
    }
}
