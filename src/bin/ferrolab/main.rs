//! The `ferrolab` command line.

use clap::{Parser, Subcommand};
use ferrolab::nn::im2spec::Direction;
use std::process::ExitCode;

mod analyze;
mod beps;
mod beps_input;
mod design;
mod encdec;
mod epoch_bar;
mod experiment;
mod gp;
mod keys;
mod launcher;
mod lstm_vae;
mod paper002;
mod paper004;
mod pipeline;
mod plot;
mod rvae;
mod settings;
mod simulate;
mod structure;
mod sweep;
mod train;
mod unet;

#[derive(Parser)]
#[command(
    name = "ferrolab",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("FERROLAB_TARGET"), ", ", env!("FERROLAB_PROFILE"), ")"),
    about = "Numerical engine for ferroelectrics research: phase-field HZO films, P-V loops and their analysis",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Linear baselines and manifold learning on NPY matrices (PCA, NMF, dictionary learning,
    /// k-means, Gaussian mixtures, kernel densities, Pearson, t-SNE, MDS, Isomap) and paper
    /// 001's dictionary-learning result on its toy spectra.
    #[command(subcommand)]
    Analyze(analyze::Command),
    /// Band-excitation spectroscopy: SHO fits of a map (NPZ, NPY, USID HDF5), synthetic data.
    #[command(subcommand)]
    Beps(beps::Command),
    /// Paper 000's HZO inverse design end to end: dataset, beta-VAE, latent analysis, target
    /// region, GP parameter prediction and re-simulation; report.md, figures and arrays.
    Design(design::Args),
    /// List the configuration keys (type, unit, valid range, default, doc).
    Keys(keys::Args),
    /// Generate a polycrystalline HZO film and write its maps (PNG, NPY).
    Structure(structure::Args),
    /// Simulate one P-V loop of a polycrystalline HZO film (CSV, NPY, PNG, features), or a
    /// whole dataset with --sweep.
    Simulate(simulate::Args),
    /// Merge the shards of a sweep into one dataset (the bytes of a single run).
    Merge(sweep::MergeArgs),
    /// Verify a dataset and summarise it.
    Dataset(sweep::InfoArgs),
    /// Gaussian-process regression: fit a model on files, predict with it.
    #[command(subcommand)]
    Gp(gp::Command),
    /// Train paper 000's MLP beta-VAE on loops (NPY, NPZ, CSV or a dataset); writes the model
    /// (safetensors), its loss curve and latent space.
    Train(train::Args),
    /// Paper 001's LSTM beta-VAE with its staged beta/lambda schedule: train, encode, and the
    /// paper's figures.
    #[command(subcommand, name = "lstm-vae")]
    LstmVae(lstm_vae::Command),
    /// Paper 003's im2spec (structure patch -> spectrum): train with the paper's spatial split
    /// (error and latent maps), predict.
    #[command(subcommand)]
    Im2spec(encdec::Command),
    /// Paper 003's spec2im (spectrum -> structure patch): train with the paper's spatial split
    /// (1 - SSIM and latent maps), predict.
    #[command(subcommand)]
    Spec2im(encdec::Command),
    /// Papers 002/004's rotationally invariant VAE on windows of STEM images or stacks (NPY
    /// or built-in synthetic data): train, encode (angle, offsets, content), and the papers'
    /// analyses as figures (latent maps, per-frame KDE + NMF, decoded latent grid).
    #[command(subcommand)]
    Rvae(rvae::Command),
    /// Papers 002/004's U-Net: train on labelled frames (NPY or built-in synthetic STEM
    /// frames), segment whole frames (classes, probabilities, scores), find atoms.
    #[command(subcommand)]
    Unet(unet::Command),
    /// Papers 002 and 004's chains from raw synthetic STEM frames to their figures.
    #[command(subcommand)]
    Pipeline(pipeline::Command),
    /// The automated experiment: the closed loop against the simulated microscope, per
    /// acquisition rule and seed, with figures.
    #[command(subcommand)]
    Experiment(experiment::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(command) => analyze::run(&command),
        Command::Beps(command) => beps::run(&command),
        Command::Design(args) => design::run_cli(&args),
        Command::Keys(args) => keys::run(&args),
        Command::Structure(args) => structure::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Merge(args) => sweep::merge(&args),
        Command::Dataset(args) => sweep::info(&args),
        Command::Gp(command) => gp::run(&command),
        Command::Train(args) => train::run(&args),
        Command::LstmVae(command) => lstm_vae::run(&command),
        Command::Im2spec(command) => encdec::run(&command, Direction::ImageToSpectrum),
        Command::Spec2im(command) => encdec::run(&command, Direction::SpectrumToImage),
        Command::Rvae(command) => rvae::run(&command),
        Command::Unet(command) => unet::run(&command),
        Command::Pipeline(command) => pipeline::run(&command),
        Command::Experiment(command) => experiment::run(&command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
