//! Datasets of simulated P-V loops: sweeps over the grain statistics of paper 000 (Table 1),
//! run in parallel, checkpointed so that a killed run resumes to the same bytes, and
//! shardable across machines (shards merge to the bytes of one run).
//!
//! The format (see [`crate::io::dataset`]) is an NPZ archive of arrays plus a JSON file with
//! the metadata, the full configuration and a checksum of the archive; nothing in either
//! depends on when or where the run happened.
//!
//! ```no_run
//! use ferrolab::config::{Config, Value};
//! use ferrolab::phasefield::dataset::{Shard, run_sweep};
//! use ferrolab::progress::Progress;
//! let mut cfg = Config::new();
//! cfg.set("sweep.levels", Value::I64(2))?; // 16 structures
//! let data = run_sweep(&cfg, "sweep".as_ref(), Shard::WHOLE, &Progress::new())?;
//! println!("{} loops of {} points", data.len(), data.voltage.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod checkpoint;
mod run;
mod sweep;

/// The dataset format lives with the other file formats, in [`crate::io::dataset`].
pub use crate::io::dataset::{Dataset, FEATURE_NAMES, STATUS_NAMES};
pub use run::{Shard, merge_shards, run_sweep};
pub use sweep::{
    Geometry, PARAMETER_NAMES, SamplingMode, StructureSpec, Sweep, SweepMode, SweepSettings,
};

use crate::config::ConfigError;
use crate::io::IoError;
use crate::phasefield::error::PhaseFieldError;

/// Why a sweep could not run or a dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A configuration key was unknown, mistyped or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Parameters valid alone but not together.
    #[error("{0}")]
    Invalid(String),
    /// The simulation could not be set up (per-structure failures are recorded, not raised).
    #[error(transparent)]
    PhaseField(#[from] PhaseFieldError),
    /// The run would need more memory than the process's budget; nothing was allocated.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
    /// Reading or writing a file failed, or a file is not a ferrolab dataset, is of another
    /// version, or is damaged (the error names the file).
    #[error(transparent)]
    File(#[from] IoError),
    /// The run was cancelled; its checkpoints are kept and a new run resumes from them.
    #[error("cancelled after {done} of {total} structures; run again to resume")]
    Cancelled {
        /// Structures finished (checkpointed or not).
        done: usize,
        /// Structures of this run.
        total: usize,
    },
}
