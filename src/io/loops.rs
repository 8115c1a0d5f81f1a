//! P-V loops from any of the project's files, read the same way by the command line
//! (`ferrolab train`), the examples and the bindings:
//! - a dataset (`NAME.json`, or `NAME.npz` with its `NAME.json` beside it): the loops of the
//!   structures that finished (status 0), with their grain diameters;
//! - another NPZ archive: its `polarization` member, or its only 2-D member;
//! - a matrix (NPY or CSV, as [`read_matrix`](super::matrix::read_matrix)): one loop per row.

use super::dataset::Dataset;
use super::matrix::{npy_matrix, read_matrix};
use super::npz::read_npz;
use super::{IoError, read_file};
use ndarray::{Array2, Axis};
use std::path::Path;

/// Loops read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Loops {
    /// One loop per row.
    pub loops: Array2<f64>,
    /// For a dataset: the grain diameter (nm) of each loop's structure.
    pub grain_diameter_nm: Option<Vec<f64>>,
    /// For a dataset: structures left out because their simulation failed.
    pub skipped: usize,
}

/// The loops of `path` (see the module docs).
///
/// ```
/// let path = std::env::temp_dir().join("ferrolab-loops-doc.csv");
/// std::fs::write(&path, "0.1,0.2,0.1,-0.1\n0.3,0.4,0.3,-0.3\n")?;
/// let read = ferrolab::io::loops::read_loops(&path)?;
/// assert_eq!(read.loops.dim(), (2, 4));
/// assert!(read.grain_diameter_nm.is_none());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_loops(path: &Path) -> Result<Loops, IoError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "json" || (ext == "npz" && path.with_extension("json").exists()) {
        let data = Dataset::read(path)?;
        let ok: Vec<usize> = (0..data.len()).filter(|i| data.status[*i] == 0).collect();
        return Ok(Loops {
            loops: data.polarization.select(Axis(0), &ok),
            grain_diameter_nm: Some(ok.iter().map(|i| data.parameters[[*i, 0]]).collect()),
            skipped: data.len() - ok.len(),
        });
    }
    let loops = if ext == "npz" {
        let members = read_npz(&read_file(path)?).map_err(|e| IoError::corrupt(path, e))?;
        let two_d: Vec<&String> = members
            .iter()
            .filter(|(_, a)| a.shape.len() == 2)
            .map(|(k, _)| k)
            .collect();
        let name = match (members.contains_key("polarization"), two_d.as_slice()) {
            (true, _) => "polarization",
            (false, [only]) => only.as_str(),
            _ => {
                return Err(IoError::unsuitable(
                    path,
                    format!(
                        "no `polarization` array and not exactly one 2-D array among {:?}",
                        members.keys().collect::<Vec<_>>()
                    ),
                ));
            }
        };
        npy_matrix(path, &members[name])?
    } else {
        read_matrix(path)?
    };
    Ok(Loops {
        loops,
        grain_diameter_nm: None,
        skipped: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::to_npy_bytes;
    use crate::io::npz::npz_bytes;

    #[test]
    fn npz_archives_give_their_polarization_or_only_matrix() {
        let path = std::env::temp_dir().join(format!("ferrolab-loops-{}.npz", std::process::id()));
        let loops = ndarray::array![[1.0, 2.0, 1.0], [0.5, 0.2, 0.1]];
        let other = ndarray::array![[9.0]];
        for (members, want) in [
            (
                vec![("polarization", &loops), ("other", &other)],
                Some(&loops),
            ),
            (vec![("x", &loops)], Some(&loops)),
            (vec![("x", &loops), ("y", &other)], None),
        ] {
            let owned: Vec<(&str, Vec<u8>)> = members
                .iter()
                .map(|(k, a)| (*k, to_npy_bytes(*a)))
                .collect();
            std::fs::write(&path, npz_bytes(&owned).unwrap()).unwrap();
            match want {
                Some(m) => assert_eq!(&read_loops(&path).unwrap().loops, m),
                None => {
                    let err = read_loops(&path).unwrap_err().to_string();
                    assert!(err.contains("not exactly one 2-D array"), "{err}");
                }
            }
        }
        std::fs::remove_file(path).unwrap();
    }
}
