//! Reusing a stage's output from an earlier run: each stage that leaves files of its own behind
//! (the dataset and the trained model) records a hash of everything its output depends on (its
//! settings and the hash of its inputs) in `OUT/stages.json`. A re-run reuses the files only
//! when the stored hash matches the one it computes now; otherwise the stage is redone and its
//! hash replaced. The other stages are quick and always run again.

use super::DesignError;
use crate::config::Value;
use crate::io::IoError;
use crate::io::atomic::write_atomically;
use serde_json::Map;
use std::path::{Path, PathBuf};

/// A stage's dependencies, hashed: 64-bit FNV-1a over a canonical text of the stage name, its
/// inputs' hashes and every setting's key and value (reals by their bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageHash(u64);

impl StageHash {
    /// The hash of stage `name` over `inputs` (upstream hashes) and `settings`.
    pub fn of(name: &str, inputs: &[StageHash], settings: &[(&str, Value)]) -> Self {
        let mut text = format!("{name}\n");
        for input in inputs {
            text.push_str(&format!("input {:016x}\n", input.0));
        }
        for (key, value) in settings {
            text.push_str(key);
            text.push('=');
            text.push_str(&canonical(value));
            text.push('\n');
        }
        Self(fnv1a(text.as_bytes()))
    }

    /// The hash as 16 hex digits.
    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// A value's text with reals as their exact bits (neighbouring reals differ).
fn canonical(value: &Value) -> String {
    let bits = |x: &f64| format!("{:016x}", x.to_bits());
    match value {
        Value::F64(x) => bits(x),
        Value::F64Array(xs) => xs.iter().map(bits).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The stage hashes of an output folder (`OUT/stages.json`).
pub struct StageLog {
    path: PathBuf,
    hashes: Map<String, serde_json::Value>,
}

impl StageLog {
    /// The hashes recorded in `out` (none when the file is missing or unreadable: every stage
    /// is then redone).
    pub fn open(out: &Path) -> Self {
        let path = out.join("stages.json");
        let hashes = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self { path, hashes }
    }

    /// Whether `stage`'s recorded hash is `hash` and every file it left is still there.
    pub fn matches(&self, stage: &str, hash: StageHash, files: &[PathBuf]) -> bool {
        self.hashes.get(stage).and_then(|h| h.as_str()) == Some(hash.hex().as_str())
            && files.iter().all(|f| f.is_file())
    }

    /// Forget `stage` (before redoing it, so a crash half-way never leaves a stale match).
    pub fn forget(&mut self, stage: &str) -> Result<(), DesignError> {
        if self.hashes.remove(stage).is_some() {
            self.save()?;
        }
        Ok(())
    }

    /// Record `stage`'s hash once its files are written.
    pub fn record(&mut self, stage: &str, hash: StageHash) -> Result<(), DesignError> {
        self.hashes.insert(stage.to_owned(), hash.hex().into());
        self.save()
    }

    fn save(&self) -> Result<(), DesignError> {
        let mut text = serde_json::to_string_pretty(&self.hashes).expect("JSON of strings");
        text.push('\n');
        write_atomically(&self.path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| IoError::os(&self.path, "write", e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_change_with_any_setting_or_input() {
        let base = StageHash::of("training", &[], &[("vae.beta", Value::F64(0.1))]);
        assert_eq!(
            base,
            StageHash::of("training", &[], &[("vae.beta", Value::F64(0.1))])
        );
        for other in [
            // The next representable real after 0.1: a different value, a different hash.
            StageHash::of(
                "training",
                &[],
                &[("vae.beta", Value::F64(f64::from_bits(0.1f64.to_bits() + 1)))],
            ),
            StageHash::of("training", &[], &[("vae.beta", Value::F64(0.2))]),
            StageHash::of("dataset", &[], &[("vae.beta", Value::F64(0.1))]),
            StageHash::of("training", &[base], &[("vae.beta", Value::F64(0.1))]),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn a_log_matches_only_its_hash_with_its_files_present() {
        let out = std::env::temp_dir().join(format!("ferrolab-stages-{}", std::process::id()));
        std::fs::create_dir_all(&out).unwrap();
        let file = out.join("x.bin");
        std::fs::write(&file, b"x").unwrap();
        let h = StageHash::of("s", &[], &[]);
        let mut log = StageLog::open(&out);
        assert!(!log.matches("s", h, &[]));
        log.record("s", h).unwrap();
        let log = StageLog::open(&out);
        assert!(log.matches("s", h, std::slice::from_ref(&file)));
        assert!(!log.matches("s", StageHash::of("t", &[], &[]), &[]));
        std::fs::remove_file(&file).unwrap();
        assert!(!log.matches("s", h, &[file]));
        std::fs::remove_dir_all(out).unwrap();
    }
}
