#![doc = include_str!("../../docs/experiment.md")]

mod anomalies;
mod descriptors;
mod disc;
mod error;
mod lamellae;
mod loop_model;
mod metrics;
mod patches;
mod sample;
mod settings;

pub use descriptors::{Descriptors, descriptors};
pub use error::ExperimentError;
pub use loop_model::LoopParams;
pub use metrics::{
    SSIM_WINDOW, area_error, loop_area, mean_loop_baseline_mse, mse, nrms, roc_auc, ssim,
};
pub use patches::{
    Patches, Split, centre_range, extract_patches, loops_at, spatial_split, window_centres,
};
pub use sample::Sample;
pub use settings::SampleSettings;

#[cfg(test)]
mod tests;
