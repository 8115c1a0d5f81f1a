//! Writing and reading NumPy `.npy` arrays (format version 1.0), little-endian, C order:
//! [`to_npy_bytes`] and [`write_npy`] write them; [`parse_npy`] reads them back (or NumPy's own)
//! into an [`NpyArray`].

use super::atomic::write_atomically;
use ndarray::{ArrayBase, Data, Dimension};
use std::io::Write;
use std::path::Path;

/// Element types that have an NPY type code.
pub trait NpyElement: Copy {
    /// NumPy's `descr` string, e.g. `<f8`.
    const DESCR: &'static str;
    /// Append the little-endian bytes of `self`.
    fn write_le(self, out: &mut Vec<u8>);
}

macro_rules! npy_element {
    ($t:ty, $descr:literal) => {
        impl NpyElement for $t {
            const DESCR: &'static str = $descr;
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    };
}
npy_element!(f64, "<f8");
npy_element!(f32, "<f4");
npy_element!(i64, "<i8");
npy_element!(u32, "<u4");
npy_element!(u64, "<u8");
npy_element!(i32, "<i4");
npy_element!(u8, "|u1");

/// The NPY header for an array of `shape` with elements `T`, padded to a multiple of 64 bytes.
fn header<T: NpyElement>(shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {dims}, }}",
        T::DESCR
    );
    // magic (6) + version (2) + length (2) + dict + '\n' is a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// The bytes of an `.npy` file holding `array`.
///
/// ```
/// let bytes = ferrolab::io::npy::to_npy_bytes(&ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
/// assert_eq!(&bytes[..6], b"\x93NUMPY");
/// assert_eq!(bytes.len(), 128 + 4 * 8); // header padded to 64-byte multiples, then 4 doubles
/// assert_eq!(&bytes[bytes.len() - 8..], &4.0f64.to_le_bytes());
/// ```
pub fn to_npy_bytes<S, D, T>(array: &ArrayBase<S, D>) -> Vec<u8>
where
    S: Data<Elem = T>,
    D: Dimension,
    T: NpyElement,
{
    let mut out = header::<T>(array.shape());
    out.reserve(array.len() * std::mem::size_of::<T>());
    // `iter` walks in logical (C) order whatever the memory layout.
    for &x in array.iter() {
        x.write_le(&mut out);
    }
    out
}

/// Write `array` to `path` as `.npy`, atomically; an error names the file.
///
/// ```
/// let path = std::env::temp_dir().join("ferrolab-npy-doc.npy");
/// ferrolab::io::npy::write_npy(&path, &ndarray::array![1u8, 2, 3])?;
/// # std::fs::remove_file(&path).unwrap();
/// let err = ferrolab::io::npy::write_npy("/proc/x/p.npy".as_ref(), &ndarray::array![1u8]);
/// assert!(err.unwrap_err().to_string().starts_with("cannot write /proc/x/p.npy: "));
/// # Ok::<(), ferrolab::io::IoError>(())
/// ```
pub fn write_npy<S, D, T>(path: &Path, array: &ArrayBase<S, D>) -> Result<(), super::IoError>
where
    S: Data<Elem = T>,
    D: Dimension,
    T: NpyElement,
{
    let bytes = to_npy_bytes(array);
    write_atomically(path, |w: &mut dyn Write| w.write_all(&bytes))
        .map_err(|e| super::IoError::os(path, "write", e))
}

/// An array read from `.npy` bytes: its type code, shape and little-endian data.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// NumPy's `descr`, e.g. `<f8`.
    pub descr: String,
    /// Shape (C order).
    pub shape: Vec<usize>,
    /// The raw element bytes.
    pub data: Vec<u8>,
}

impl NpyArray {
    /// The elements as `T` (checked against `descr`).
    pub fn to_vec<T: NpyElement + FromLe>(&self) -> Result<Vec<T>, String> {
        if self.descr != T::DESCR {
            return Err(format!("array holds {}, expected {}", self.descr, T::DESCR));
        }
        let size = std::mem::size_of::<T>();
        let count: usize = self.shape.iter().product();
        if self.data.len() != count * size {
            return Err(format!(
                "array of shape {:?} has {} data bytes",
                self.shape,
                self.data.len()
            ));
        }
        Ok(self.data.chunks_exact(size).map(T::from_le).collect())
    }

    /// The elements as f64, from float64 or float32 arrays, or from uint8, int32 and uint32
    /// arrays (class masks, labels), whose values f64 holds exactly.
    ///
    /// ```
    /// use ferrolab::io::npy::{parse_npy, to_npy_bytes};
    /// let a = parse_npy(&to_npy_bytes(&ndarray::array![1.5f32, 2.0]))?;
    /// assert_eq!(a.to_f64()?, vec![1.5, 2.0]);
    /// let mask = parse_npy(&to_npy_bytes(&ndarray::array![0u8, 2, 1]))?;
    /// assert_eq!(mask.to_f64()?, vec![0.0, 2.0, 1.0]);
    /// # Ok::<(), String>(())
    /// ```
    pub fn to_f64(&self) -> Result<Vec<f64>, String> {
        let widen = |v: Vec<f64>| Ok(v);
        match self.descr.as_str() {
            "<f4" => widen(self.to_vec::<f32>()?.into_iter().map(f64::from).collect()),
            "|u1" => widen(self.to_vec::<u8>()?.into_iter().map(f64::from).collect()),
            "<i4" => widen(self.to_vec::<i32>()?.into_iter().map(f64::from).collect()),
            "<u4" => widen(self.to_vec::<u32>()?.into_iter().map(f64::from).collect()),
            _ => self.to_vec::<f64>(),
        }
    }

    /// Real and imaginary parts of a complex128 (`<c16`) or complex64 (`<c8`) array, as
    /// NumPy stores them: each element's real part, then its imaginary part.
    ///
    /// ```
    /// let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    /// let dict = "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n";
    /// bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    /// bytes.extend_from_slice(dict.as_bytes());
    /// bytes.extend_from_slice(&[1.0f64.to_le_bytes(), (-2.0f64).to_le_bytes()].concat());
    /// let a = ferrolab::io::npy::parse_npy(&bytes)?;
    /// assert_eq!(a.to_complex()?, (vec![1.0], vec![-2.0]));
    /// # Ok::<(), String>(())
    /// ```
    pub fn to_complex(&self) -> Result<(Vec<f64>, Vec<f64>), String> {
        let parts = match self.descr.as_str() {
            "<c16" => self.reinterpret("<f8").to_vec::<f64>()?,
            "<c8" => self.reinterpret("<f4").to_f64()?,
            other => return Err(format!("array holds {other}, expected complex <c16 or <c8")),
        };
        Ok(parts.chunks_exact(2).map(|c| (c[0], c[1])).unzip())
    }

    /// The same bytes seen as twice as many real elements.
    fn reinterpret(&self, descr: &str) -> NpyArray {
        let count: usize = self.shape.iter().product();
        NpyArray {
            descr: descr.into(),
            shape: vec![2 * count],
            data: self.data.clone(),
        }
    }
}

/// Elements that can be read back from little-endian bytes.
pub trait FromLe: Sized {
    /// From exactly `size_of::<Self>()` bytes.
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! from_le {
    ($($t:ty),*) => {$(
        impl FromLe for $t {
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("chunk of the element size"))
            }
        }
    )*};
}
from_le!(f64, f32, i64, u32, u64, i32, u8);

/// Parse `.npy` bytes of format 1.0 written in C order (as [`to_npy_bytes`] and NumPy do).
///
/// ```
/// use ferrolab::io::npy::{parse_npy, to_npy_bytes};
/// let a = parse_npy(&to_npy_bytes(&ndarray::array![[1.0, 2.0]]))?;
/// assert_eq!((a.shape.clone(), a.to_vec::<f64>()?), (vec![1, 2], vec![1.0, 2.0]));
/// # Ok::<(), String>(())
/// ```
pub fn parse_npy(bytes: &[u8]) -> Result<NpyArray, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an .npy array (bad magic)".into());
    }
    if bytes[6] != 1 {
        return Err(format!(
            "unsupported .npy format version {}.{}",
            bytes[6], bytes[7]
        ));
    }
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = bytes
        .get(10..10 + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("truncated or non-UTF-8 .npy header")?;
    let field = |name: &str| -> Result<&str, String> {
        let at = header
            .find(&format!("'{name}':"))
            .ok_or(format!(".npy header lacks {name}"))?;
        Ok(header[at + name.len() + 3..].trim_start())
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or("bad descr in .npy header")?
        .to_owned();
    if !field("fortran_order")?.starts_with("False") {
        return Err("Fortran-order .npy arrays are not supported".into());
    }
    let shape = field("shape")?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("bad shape in .npy header")?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|e| format!("bad shape {inner:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let data = &bytes[10 + header_len..];
    let item_size = descr
        .get(2..)
        .and_then(|digits| digits.parse::<usize>().ok())
        .filter(|size| *size > 0)
        .ok_or_else(|| format!("unsupported element type {descr:?}"))?;
    // The header's shape must match the bytes present before anything is sized by it.
    let declared = shape
        .iter()
        .try_fold(item_size, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| format!("shape {shape:?} of {descr} elements overflows"))?;
    if declared != data.len() {
        return Err(format!(
            "shape {shape:?} of {descr} elements needs {declared} data bytes but the array holds {}",
            data.len()
        ));
    }
    Ok(NpyArray {
        descr,
        shape,
        data: data.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_shapes_must_match_the_data_before_any_allocation() {
        let mut bytes = to_npy_bytes(&ndarray::array![[1.0f64, 2.0]]);
        assert!(parse_npy(&bytes).is_ok());
        bytes.pop();
        let err = parse_npy(&bytes).unwrap_err();
        assert!(
            err.contains("needs 16 data bytes but the array holds 15"),
            "{err}"
        );
        // A header declaring 2^32 x 2^32 x 64 doubles overflows usize: an error, not a panic.
        let text = to_npy_bytes(&ndarray::array![1.0f64]);
        let header = std::str::from_utf8(&text[10..text.len() - 8])
            .unwrap()
            .replace("(1,), ", "(4294967296, 4294967296, 64), ");
        let mut huge = b"\x93NUMPY\x01\x00".to_vec();
        huge.extend_from_slice(&(header.len() as u16).to_le_bytes());
        huge.extend_from_slice(header.as_bytes());
        huge.extend_from_slice(&1.0f64.to_le_bytes());
        let err = parse_npy(&huge).unwrap_err();
        assert!(err.contains("overflows"), "{err}");
    }

    #[test]
    fn header_is_aligned_and_parsable() {
        let h = header::<f64>(&[20, 256]);
        assert_eq!(h.len() % 64, 0);
        let text = std::str::from_utf8(&h[10..]).unwrap();
        assert!(text.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (20, 256), }"));
        assert!(text.ends_with('\n'));
        assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, h.len() - 10);
        assert!(
            std::str::from_utf8(&header::<u8>(&[3])[10..])
                .unwrap()
                .contains("(3,)")
        );
    }

    #[test]
    fn transposed_views_are_written_in_logical_order() {
        let a = ndarray::array![[1.0f64, 2.0], [3.0, 4.0]];
        let t = a.t();
        let bytes = to_npy_bytes(&t);
        let header_len = 10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        let data: Vec<f64> = bytes[header_len..]
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(data, [1.0, 3.0, 2.0, 4.0]);
    }
}
