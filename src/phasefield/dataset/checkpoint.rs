//! Checkpoints of a running sweep: one small file per finished batch of structures, written
//! atomically with a CRC-32, in a `NAME.partial/` directory that also records the run's
//! configuration, so a resumed run can only continue the same sweep.

use super::DatasetError;
use crate::io::IoError;
use crate::io::atomic::write_atomically;
use crate::io::lock::RunLock;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"FLCHUNK1";

/// The result of one structure.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct StructureResult {
    /// 0 ok, 1 runaway, 2 failed.
    pub status: i32,
    pub features: [f64; 8],
    pub polarization: Vec<f64>,
}

pub(super) struct Checkpoints {
    dir: PathBuf,
    points: usize,
    /// Held for the whole run: a second run of this output fails with `IoError::Busy`.
    _lock: RunLock,
}

impl Checkpoints {
    /// Open (or start) the checkpoint directory of a run whose identity is `fingerprint`,
    /// taking its lock first.
    pub fn open(dir: &Path, fingerprint: &str, points: usize) -> Result<Self, DatasetError> {
        std::fs::create_dir_all(dir).map_err(|e| IoError::os(dir, "create", e))?;
        let lock = RunLock::acquire(&dir.join("lock"))?;
        let run = dir.join("run.json");
        match std::fs::read_to_string(&run) {
            Ok(existing) if existing != fingerprint => {
                return Err(DatasetError::Invalid(format!(
                    "{} holds checkpoints of a sweep with another configuration or shard; \
                     run with the same settings to resume, or delete the directory",
                    dir.display()
                )));
            }
            Ok(_) => {}
            Err(_) => write_atomically(&run, |w| w.write_all(fingerprint.as_bytes()))
                .map_err(|e| IoError::os(&run, "write", e))?,
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            points,
            _lock: lock,
        })
    }

    fn path(&self, chunk: usize) -> PathBuf {
        self.dir.join(format!("chunk-{chunk:08}.bin"))
    }

    /// The results of a finished batch, or None if it has no valid checkpoint (a damaged
    /// file is removed and the batch recomputed).
    pub fn load(&self, chunk: usize, len: usize) -> Option<Vec<StructureResult>> {
        let path = self.path(chunk);
        let bytes = std::fs::read(&path).ok()?;
        let parsed = self.parse(&bytes, chunk, len);
        if parsed.is_none() {
            let _ = std::fs::remove_file(&path);
        }
        parsed
    }

    fn parse(&self, bytes: &[u8], chunk: usize, len: usize) -> Option<Vec<StructureResult>> {
        let body = bytes.get(..bytes.len().checked_sub(4)?)?;
        let crc = u32::from_le_bytes(bytes[body.len()..].try_into().ok()?);
        if crc32fast::hash(body) != crc || body.get(..8)? != MAGIC {
            return None;
        }
        let mut words = body[8..]
            .chunks_exact(8)
            .map(|w| <[u8; 8]>::try_from(w).unwrap());
        let mut next_u64 = || words.next().map(u64::from_le_bytes);
        let header = [next_u64()?, next_u64()?, next_u64()?];
        if header != [chunk as u64, len as u64, self.points as u64] {
            return None;
        }
        (0..len)
            .map(|_| {
                let status = next_u64()? as i64 as i32;
                let mut features = [0.0; 8];
                for f in &mut features {
                    *f = f64::from_bits(next_u64()?);
                }
                let polarization = (0..self.points)
                    .map(|_| next_u64().map(f64::from_bits))
                    .collect::<Option<Vec<f64>>>()?;
                Some(StructureResult {
                    status,
                    features,
                    polarization,
                })
            })
            .collect()
    }

    /// Record a finished batch.
    pub fn save(&self, chunk: usize, results: &[StructureResult]) -> Result<(), DatasetError> {
        let mut bytes = MAGIC.to_vec();
        for word in [chunk as u64, results.len() as u64, self.points as u64] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        for r in results {
            bytes.extend_from_slice(&(r.status as i64).to_le_bytes());
            for x in r.features.iter().chain(&r.polarization) {
                bytes.extend_from_slice(&x.to_bits().to_le_bytes());
            }
        }
        bytes.extend_from_slice(&crc32fast::hash(&bytes).to_le_bytes());
        let path = self.path(chunk);
        Ok(write_atomically(&path, |w| w.write_all(&bytes))
            .map_err(|e| IoError::os(&path, "write", e))?)
    }

    /// Remove the directory once the dataset is written (the lock goes with it: a run that
    /// waited on it finds the finished files or starts afresh).
    pub fn finish(self) -> Result<(), DatasetError> {
        Ok(std::fs::remove_dir_all(&self.dir).map_err(|e| IoError::os(&self.dir, "remove", e))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip_and_damaged_ones_are_dropped() {
        let dir = std::env::temp_dir().join(format!("ferrolab-ckpt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ck = Checkpoints::open(&dir, "{\"a\": 1}", 3).unwrap();
        let results = vec![
            StructureResult {
                status: 0,
                features: [1.0; 8],
                polarization: vec![0.1, 0.2, 0.3],
            },
            StructureResult {
                status: 1,
                features: [f64::NAN; 8],
                polarization: vec![f64::NAN; 3],
            },
        ];
        ck.save(5, &results).unwrap();
        let back = ck.load(5, 2).unwrap();
        assert_eq!(back[0], results[0]);
        assert_eq!(back[1].status, 1);
        assert!(
            ck.load(5, 3).is_none(),
            "a batch of another length is not this chunk"
        );
        ck.save(6, &results).unwrap();
        let path = ck.path(6);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(ck.load(6, 2).is_none());
        assert!(!path.exists(), "a damaged chunk is removed");
        let twin = Checkpoints::open(&dir, "{\"a\": 1}", 3);
        assert!(
            matches!(twin, Err(DatasetError::File(IoError::Busy { .. }))),
            "one run at a time"
        );
        drop(ck);
        let other = Checkpoints::open(&dir, "{\"a\": 2}", 3);
        assert!(matches!(other, Err(DatasetError::Invalid(_))));
        let ck = Checkpoints::open(&dir, "{\"a\": 1}", 3).unwrap();
        ck.finish().unwrap();
        assert!(!dir.exists());
    }
}
