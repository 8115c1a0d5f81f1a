//! `ferrolab pipeline paper002|paper004`: papers 002 and 004's chains from raw synthetic STEM
//! frames to their figures in one command. Each stage's model is a file in the output
//! directory: a run that is killed resumes its training from the checkpoint, and a finished
//! model is reused when the command is started again (delete it to retrain).

use crate::epoch_bar::with_epoch_bar;
use ferrolab::nn::rvae::{Rvae, RvaeSettings};
use ferrolab::nn::unet::{Unet, UnetSettings};
use ndarray::{ArrayView2, ArrayView3};
use std::path::Path;

/// The chains.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Paper 002: in-situ frames of switching walls -> U-Net segmentation (domain / wall /
    /// contaminant, trained on a few labelled frames) -> random sub-images of the wall class ->
    /// rVAE -> per-frame KDE of the latents -> NMF, with the paper's figures.
    Paper002(crate::paper002::Args),
    /// Paper 004: a lattice image -> atom-finding U-Net -> windows on the B-sites -> rVAE ->
    /// Gaussian-mixture classes, beside GMM classes of the raw windows and of their PCA, t-SNE,
    /// MDS and Isomap embeddings, scored by the adjusted Rand index against the known variants.
    Paper004(crate::paper004::Args),
}

pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Paper002(args) => crate::paper002::run(args),
        Command::Paper004(args) => crate::paper004::run(args),
    }
}

/// The U-Net's training crops.
#[derive(clap::Args)]
pub struct Crops {
    /// Side of the U-Net's training crops, px (a multiple of 8).
    #[arg(long, default_value_t = 64)]
    pub crop: usize,
    /// U-Net training crops.
    #[arg(long, default_value_t = 512)]
    pub crops: usize,
}

impl Crops {
    /// An error unless the crop side is a positive multiple of 8 of at most `side` px
    /// (`what`'s side).
    pub fn check(&self, side: usize, what: &str) -> Result<(), String> {
        if self.crop == 0 || !self.crop.is_multiple_of(8) || self.crop > side {
            return Err(format!(
                "--crop {}: must be a positive multiple of 8 no larger than {what} ({side} px)",
                self.crop
            ));
        }
        Ok(())
    }
}

/// The U-Net in `out/unet.safetensors` if an earlier run finished it, else one trained on the
/// crops `x` (images) and `y` (classes), resuming from `out/unet_checkpoint.safetensors`,
/// then saved there.
pub fn unet_stage(
    out: &Path,
    settings: &UnetSettings,
    x: ArrayView3<f32>,
    y: ArrayView3<u8>,
) -> Result<Unet, String> {
    let path = out.join("unet.safetensors");
    if path.exists() {
        println!("reusing {} (delete it to retrain)", path.display());
        return Unet::load(&path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let mut model = Unet::new(settings).map_err(|e| e.to_string())?;
    let checkpoint = out.join("unet_checkpoint.safetensors");
    model
        .set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    println!(
        "U-Net: {} parameters, {} crops of {} px, {} epochs",
        model.parameter_count(),
        x.dim().0,
        x.dim().1,
        settings.epochs
    );
    with_epoch_bar(settings.epochs, |progress| model.train(x, y, progress))?
        .map_err(|e| e.to_string())?;
    model.save(&path).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&checkpoint);
    Ok(model)
}

/// The rVAE in `out/rvae.safetensors` if an earlier run finished it, else one trained on the
/// windows `images` (rows of `window^2` values), resuming from
/// `out/rvae_checkpoint.safetensors`, then saved there.
pub fn rvae_stage(
    out: &Path,
    settings: &RvaeSettings,
    images: ArrayView2<f64>,
    window: usize,
) -> Result<Rvae, String> {
    let path = out.join("rvae.safetensors");
    if path.exists() {
        println!("reusing {} (delete it to retrain)", path.display());
        return Rvae::load(&path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let mut model = Rvae::new(settings, [window, window]).map_err(|e| e.to_string())?;
    let checkpoint = out.join("rvae_checkpoint.safetensors");
    model
        .set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    println!(
        "rVAE: {} parameters, {} windows of {window} px, {} epochs",
        model.parameter_count(),
        images.nrows(),
        settings.epochs
    );
    with_epoch_bar(settings.epochs, |progress| model.train(images, progress))?
        .map_err(|e| e.to_string())?;
    model.save(&path).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&checkpoint);
    Ok(model)
}

/// Create the output directory.
pub fn output_dir(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))
}

/// Write `text` to `path` atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
    ferrolab::io::atomic::write_atomically(path, |w| w.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}
