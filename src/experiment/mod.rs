#![doc = include_str!("../../docs/experiment.md")]

mod acquisition;
mod ae_keys;
mod anomalies;
mod descriptors;
mod disc;
mod error;
mod lamellae;
mod latent;
mod loop_model;
mod metrics;
mod microscope;
mod paired;
mod patches;
mod sample;
mod session;
mod session_files;
mod settings;
mod study;

pub use acquisition::pick_top_k;
pub use ae_keys::{Acquisition, AeSettings, ErrorMetric};
pub use descriptors::{Descriptors, descriptors};
pub use error::ExperimentError;
pub use latent::{LatentClasses, decoded_manifold, latent_classes};
pub use loop_model::LoopParams;
pub use metrics::{
    SSIM_WINDOW, area_error, loop_area, mean_loop_baseline_mse, mse, nrms, roc_auc, ssim,
};
pub use microscope::{ClosedLoop, LoopStep, area_under, pick_order_map, run_closed_loop};
pub use paired::{ErrorMaps, PairedData};
pub use patches::{
    Patches, Split, centre_range, extract_patches, loops_at, spatial_split, window_centres,
};
pub use sample::Sample;
pub use session::{Maps, Measurement, Pick, Prediction, Session, Surprise};
pub use session_files::{MANIFEST, parse_manifest};
pub use settings::SampleSettings;
pub use study::{StudyReport, im2spec_study};

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
