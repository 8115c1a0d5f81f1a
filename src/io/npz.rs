//! NPZ archives (a zip of `.npy` members, stored uncompressed as `numpy.savez` does), written
//! and read. [`npz_bytes`] writes them byte-for-byte deterministically: fixed member order and
//! a fixed 1980-01-01 timestamp. [`read_npz`] reads every member back as an
//! [`NpyArray`](super::npy::NpyArray), by name.

use super::npy::{NpyArray, parse_npy};
use std::collections::BTreeMap;
use std::io::{self, Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// The bytes of an NPZ archive holding `members` (name without `.npy`, `.npy` bytes), in order.
pub fn npz_bytes(members: &[(&str, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in members {
        zip.start_file(format!("{name}.npy"), options)
            .map_err(io::Error::other)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish().map_err(io::Error::other)?.into_inner())
}

/// Read every `.npy` member of an NPZ archive, by name without `.npy`.
pub fn read_npz(bytes: &[u8]) -> Result<BTreeMap<String, NpyArray>, String> {
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not an NPZ archive: {e}"))?;
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        // Fuzzing builds read the stored bytes unchecked (`by_index_raw`, the same bytes for
        // the uncompressed members NPZ holds) so mutated members reach `parse_npy`.
        let member = if cfg!(fuzzing) {
            archive.by_index_raw(i)
        } else {
            archive.by_index(i)
        };
        let mut member = member.map_err(|e| format!("NPZ member {i}: {e}"))?;
        let name = member
            .name()
            .map_err(|e| format!("NPZ member {i}: {e}"))?
            .into_owned();
        // A compressed member may declare far more than the archive holds (a zip bomb): its
        // size is checked against the memory budget, and no more than it is read.
        let size = member.size();
        crate::limits::check(&format!("NPZ member {name}"), Some(size.into()))
            .map_err(|e| e.to_string())?;
        let mut data = Vec::new();
        // The zip reader checks each member's CRC-32 when it reaches the member's end, which
        // the final read (after the declared size) does; more bytes than declared are damage.
        let mut past_end = [0u8; 1];
        let read = (&mut member)
            .take(size)
            .read_to_end(&mut data)
            .and_then(|_| member.read(&mut past_end))
            .map_err(|e| format!("NPZ member {name}: {e}"))?;
        if read != 0 {
            return Err(format!(
                "NPZ member {name}: longer than its declared {size} bytes"
            ));
        }
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_owned();
        out.insert(
            key,
            parse_npy(&data).map_err(|e| format!("NPZ member {name}: {e}"))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::to_npy_bytes;

    #[test]
    fn round_trip_is_deterministic() {
        let a = to_npy_bytes(&ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
        let b = to_npy_bytes(&ndarray::array![7u64, 8]);
        let first = npz_bytes(&[("a", a.clone()), ("b", b.clone())]).unwrap();
        let second = npz_bytes(&[("a", a), ("b", b)]).unwrap();
        assert_eq!(first, second);
        let back = read_npz(&first).unwrap();
        assert_eq!(back["a"].to_vec::<f64>().unwrap(), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(back["b"].to_vec::<u64>().unwrap(), [7, 8]);
        let mut corrupt = first.clone();
        let at = corrupt.len() / 3;
        corrupt[at] ^= 0xff;
        assert!(read_npz(&corrupt).is_err());
    }
}
