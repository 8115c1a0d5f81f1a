//! Matrices of reals from NPY or CSV files, with one set of rules for every reader in the
//! project (the command line, the design pipeline, the examples):
//! - a file starting with NumPy's magic is NPY (float64 or float32, C order); a 1-D array is
//!   one column, a 2-D array is rows x columns, anything else is refused;
//! - any other file is CSV: numbers separated by commas (spaces around them allowed), one row
//!   per line, blank lines skipped, a first line that is not numeric taken as a header; every
//!   row must have the same length;
//! - errors name the file (and the line for CSV).
//!
//! ```
//! let path = std::env::temp_dir().join("ferrolab-matrix-doc.csv");
//! std::fs::write(&path, "x,y\n1, 2\n\n3,4\n")?;
//! let m = ferrolab::io::matrix::read_matrix(&path)?;
//! assert_eq!(m, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::npy::{NpyArray, parse_npy};
use super::{IoError, read_file};
use ndarray::Array2;
use std::path::Path;

/// NPY's magic bytes.
const NPY_MAGIC: &[u8] = b"\x93NUMPY";

/// The matrix in `path` (NPY or CSV, see the module docs).
pub fn read_matrix(path: &Path) -> Result<Array2<f64>, IoError> {
    let bytes = read_file(path)?;
    if bytes.starts_with(NPY_MAGIC) {
        let array = parse_npy(&bytes).map_err(|e| IoError::corrupt(path, e))?;
        return npy_matrix(path, &array);
    }
    csv_matrix(path, &bytes)
}

/// A 1-D (one column) or 2-D NPY array as a matrix.
pub fn npy_matrix(path: &Path, array: &NpyArray) -> Result<Array2<f64>, IoError> {
    let shape = match array.shape[..] {
        [n] => (n, 1),
        [n, d] => (n, d),
        _ => {
            return Err(IoError::unsuitable(
                path,
                format!(
                    "expected a 1-D or 2-D array (samples x features), found shape {:?}",
                    array.shape
                ),
            ));
        }
    };
    let values = array.to_f64().map_err(|e| IoError::unsuitable(path, e))?;
    Ok(Array2::from_shape_vec(shape, values).expect("parse_npy checked the length"))
}

fn csv_matrix(path: &Path, bytes: &[u8]) -> Result<Array2<f64>, IoError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| IoError::corrupt(path, format!("neither NPY nor UTF-8 CSV text: {e}")))?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    for (k, (i, line)) in lines.enumerate() {
        let parsed: Result<Vec<f64>, _> =
            line.split(',').map(|t| t.trim().parse::<f64>()).collect();
        match parsed {
            Ok(row) => rows.push(row),
            Err(_) if k == 0 => continue, // a header
            Err(e) => {
                return Err(IoError::unsuitable(path, format!("line {}: {e}", i + 1)));
            }
        }
    }
    let cols = rows.first().map_or(0, Vec::len);
    if rows.is_empty() {
        return Err(IoError::unsuitable(path, "no numeric rows"));
    }
    if let Some(i) = rows.iter().position(|r| r.len() != cols) {
        return Err(IoError::unsuitable(
            path,
            format!(
                "row {} has {} values, the first has {cols}",
                i + 1,
                rows[i].len()
            ),
        ));
    }
    let n = rows.len();
    Ok(Array2::from_shape_vec((n, cols), rows.concat()).expect("rows of equal length"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::write_npy;

    fn scratch(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("ferrolab-matrix-{}-{name}", std::process::id()))
    }

    #[test]
    fn npy_and_csv_give_the_same_matrix() {
        let m = ndarray::array![[1.0, -2.5], [3.0, 4e-3]];
        let (npy, csv) = (scratch("m.npy"), scratch("m.csv"));
        write_npy(&npy, &m).unwrap();
        std::fs::write(&csv, "1,-2.5\n3, 4e-3\n").unwrap();
        assert_eq!(read_matrix(&npy).unwrap(), m);
        assert_eq!(read_matrix(&csv).unwrap(), m);
        write_npy(&npy, &ndarray::array![1.0f32, 2.0]).unwrap();
        assert_eq!(read_matrix(&npy).unwrap(), ndarray::array![[1.0], [2.0]]);
        for p in [npy, csv] {
            std::fs::remove_file(p).unwrap();
        }
    }

    #[test]
    fn bad_files_are_named_with_the_reason() {
        let path = scratch("bad.csv");
        for (text, fragment) in [
            ("1,2\n3\n", "row 2 has 1 values, the first has 2"),
            ("a,b\n1,x\n", "line 2"),
            ("header only\n", "no numeric rows"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = read_matrix(&path).unwrap_err().to_string();
            assert!(err.contains(&*path.to_string_lossy()), "{err}");
            assert!(err.contains(fragment), "{err}");
        }
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert!(matches!(read_matrix(&path), Err(IoError::Corrupt { .. })));
        let npy = scratch("cube.npy");
        write_npy(&npy, &ndarray::Array3::<f64>::zeros((2, 2, 2))).unwrap();
        let err = read_matrix(&npy).unwrap_err().to_string();
        assert!(err.contains("found shape [2, 2, 2]"), "{err}");
        for p in [path, npy] {
            std::fs::remove_file(p).unwrap();
        }
    }
}
