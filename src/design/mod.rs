//! Inverse design of HZO films, paper 000 end to end: a dataset of phase-field loops over
//! Table 1's parameters, the beta-VAE's latent space, its correlations with the parameters,
//! the latent region whose decoded loops meet target windows of Ec, Pr, Ps and area, GPs from
//! latent to material parameters, and fresh simulations of the predicted film.
//!
//! [`run`] writes `report.md` and `design.npz` (every array behind the report and the figures)
//! into an output folder; the command line (`ferrolab design`) adds the PNG figures. Choices
//! and departures from the paper: `docs/inverse-design.md`.
//!
//! ```no_run
//! use ferrolab::design::{DataSource, run};
//! let progress = ferrolab::progress::Progress::new(); // poll or cancel it from another thread
//! let outcome = run(&ferrolab::config::Config::new(), &DataSource::Sample, "design".as_ref(), &progress)?;
//! if let Some(p) = outcome.design.prediction {
//!     println!("D_G = {:.1} +/- {:.1} nm", p.mean[0], p.std[0]);
//! }
//! # Ok::<(), ferrolab::design::DesignError>(())
//! ```

mod keys;
mod latent_map;
mod pipeline;
mod report;
mod reuse;
pub mod stages;

pub use keys::{DEFAULT_SAMPLES, DesignSettings, TARGETS, TargetMode};
pub use latent_map::{LatentMap, choose_point, feasible, map_latent, nearest_miss, supported};
pub use pipeline::{DesignOutcome, Stage, StageRecord, run};
pub use reuse::StageHash;
pub use stages::{
    Chosen, DataSource, DesignChoice, LatentAnalysis, LoopData, Prediction, TrainedModel,
    Verification,
};

use crate::config::ConfigError;

/// Why the pipeline stopped.
#[derive(Debug, thiserror::Error)]
pub enum DesignError {
    /// A configuration key was unknown, mistyped or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Inconsistent options or inputs (the message names them).
    #[error("{0}")]
    Invalid(String),
    /// The dataset stage failed (simulation, files).
    #[error(transparent)]
    Dataset(#[from] crate::phasefield::dataset::DatasetError),
    /// A phase-field simulation failed.
    #[error(transparent)]
    PhaseField(#[from] crate::phasefield::error::PhaseFieldError),
    /// Training or using the VAE failed.
    #[error(transparent)]
    Nn(#[from] crate::nn::NnError),
    /// The GPs could not be fitted.
    #[error(transparent)]
    Gp(#[from] crate::gp::GpError),
    /// A file could not be read or written, or is damaged (the error names it).
    #[error(transparent)]
    File(#[from] crate::io::IoError),
    /// Cancelled on request; finished stages keep their files (the dataset resumes).
    #[error("design cancelled during {0}")]
    Cancelled(&'static str),
}
