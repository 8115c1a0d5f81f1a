//! `ferrolab lstm-vae train|encode|figures`: paper 001's LSTM beta-VAE on spectra from NPY/NPZ,
//! `ferrolab beps fit` output, the paper's toy or a synthetic BEPS map, with the paper's
//! figures.

use crate::analyze::{beps_data, omp_rule};
use crate::plot::{MapPanel, curve_panels_png, map_panels_png, series_png, stacked_png};
use crate::settings::config_from;
use ferrolab::analysis::{
    Dictionary, DictionaryParams, RGB_IMAGE_SIDE, RgbToySpec, rgb_toy, rgb_toy_image,
};
use ferrolab::io::npy::to_npy_bytes;
use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings, Variant};
use ndarray::{Array2, Axis};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Subcommands of `ferrolab lstm-vae`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train on the input's rows with the staged beta/lambda schedule (`ferrolab keys
    /// lstm_vae.`; defaults are paper 001's toy model). Writes OUT/model.safetensors (the
    /// selected stage's weights in use), OUT/stages/stage-NNN.safetensors (every stage's best),
    /// OUT/history.csv, OUT/stages.csv and OUT/training.png. A killed run resumes from
    /// OUT/checkpoint.safetensors when started again with the same arguments.
    Train {
        #[command(flatten)]
        input: Input,
        /// Output directory.
        #[arg(long, default_value = "lstm_vae")]
        out: PathBuf,
        /// Settings as key=value, e.g. --set lstm_vae.epochs=300 --set lstm_vae.hidden=32.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Encode the input's rows with a trained model: OUT.npz with mu, log_var, z, embedding,
    /// reconstruction (data units) and mse (per row, standardised units).
    Encode {
        /// A model file from `ferrolab lstm-vae train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Output .npz file.
        #[arg(long, default_value = "lstm_vae_encoding.npz")]
        out: PathBuf,
    },
    /// The paper's figures from a training run's folder on the input's rows: training.png
    /// (loss, beta, lambda, active channels against epoch), stage_maps.png (the latent means
    /// of every stage as maps, for inputs on a grid), generator.png (each active channel swept
    /// around the mean embedding of a pixel's 100 nearest neighbours, Fig. 5),
    /// mse_maps.png (VAE and dictionary-learning per-pixel MSE on one colour scale, Fig. 4t,u)
    /// and per_index_error.png (Fig. 2m), with figures.txt summarising the numbers.
    Figures {
        /// The folder of `ferrolab lstm-vae train`.
        #[arg(long, default_value = "lstm_vae")]
        run: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Row of the input whose neighbourhood the generator figure sweeps (default: the
        /// middle row).
        #[arg(long)]
        pixel: Option<usize>,
        /// Dictionary-learning atoms (default: 3 for the toy variant, 5 for BEPS, as the paper).
        #[arg(long)]
        dl_atoms: Option<usize>,
        /// Dictionary-learning L1 penalty (default: 0.57 toy, 1 BEPS, as the paper).
        #[arg(long)]
        dl_lambda: Option<f64>,
    },
}

/// Where the rows come from (one of the options).
#[derive(clap::Args)]
pub struct Input {
    /// Rows of values: .npy (rows x values), .npz (its only 2-D array) or .csv. For the BEPS
    /// variant each row holds both loops interleaved: P0, R0, P1, R1, ...
    #[arg(long)]
    data: Option<PathBuf>,
    /// Rows and columns of the map the --data rows fill (row-major), for the map figures.
    #[arg(long, num_args = 2, value_names = ["ROWS", "COLS"])]
    grid: Option<Vec<usize>>,
    /// `ferrolab beps fit` output: piezoresponse and resonance of the loop chosen by --loop.
    #[arg(long)]
    fit: Option<PathBuf>,
    /// Name=value part of the label of the loop to read from --fit (repeatable), e.g. --loop
    /// Field=1 --loop Cycle=2 (labels in DIR/loop_groups.txt).
    #[arg(long = "loop", value_name = "NAME=VALUE")]
    select: Vec<String>,
    /// Paper 001's toy: this many random colours' spectra (seeded by --seed).
    #[arg(long)]
    toy: Option<usize>,
    /// Paper 001's toy validation image (128 x 128 pixels, a map).
    #[arg(long)]
    toy_image: bool,
    /// A synthetic BEPS map of three known mechanisms (60 x 60 pixels, 96 steps).
    #[arg(long)]
    mechanisms: bool,
    /// Seed of --toy or --mechanisms.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Rows to train on or encode, and what is known about them.
struct Rows {
    data: Array2<f64>,
    /// Channels per step (1 toy, 2 BEPS).
    channels: usize,
    grid: Option<(usize, usize)>,
    what: String,
}

fn read_input(input: &Input) -> Result<Rows, String> {
    let chosen = [
        input.data.is_some(),
        input.fit.is_some(),
        input.toy.is_some(),
        input.toy_image,
        input.mechanisms,
    ];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(
            "give exactly one input: --data, --fit, --toy N, --toy-image or --mechanisms".into(),
        );
    }
    if input.grid.is_some() && input.data.is_none() {
        return Err("--grid describes --data rows; the other inputs know their grid".into());
    }
    let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
    let t = RgbToySpec::default().time_grid().map_err(text)?;
    if let Some(path) = &input.data {
        let read = ferrolab::io::loops::read_loops(path).map_err(|e| e.to_string())?;
        let grid = match input.grid.as_deref() {
            Some([r, c]) if r.checked_mul(*c) == Some(read.loops.nrows()) => Some((*r, *c)),
            Some([r, c]) => {
                return Err(format!(
                    "--grid {r} {c} does not hold the {} rows of --data",
                    read.loops.nrows()
                ));
            }
            _ => None,
        };
        return Ok(Rows {
            what: format!("{} ({} rows)", path.display(), read.loops.nrows()),
            channels: 1,
            data: read.loops,
            grid,
        });
    }
    if let Some(n) = input.toy {
        let toy = rgb_toy(&RgbToySpec {
            spectra: n,
            seed: input.seed,
            ..Default::default()
        })
        .map_err(text)?;
        return Ok(Rows {
            data: toy.spectra,
            channels: 1,
            grid: None,
            what: format!("{n} toy spectra (seed {})", input.seed),
        });
    }
    if input.toy_image {
        let image = rgb_toy_image(&t).map_err(text)?;
        return Ok(Rows {
            data: image.spectra,
            channels: 1,
            grid: Some((RGB_IMAGE_SIDE, RGB_IMAGE_SIDE)),
            what: "the toy validation image".into(),
        });
    }
    let synthetic = (input.seed, &[60usize, 60, 96][..], 0.03);
    let beps = beps_data(input.fit.as_deref(), &input.select, synthetic)?;
    let (pixels, steps, _) = beps.loops.dim();
    Ok(Rows {
        // Interleaved P0, R0, P1, R1, ...: the standard layout of pixels x steps x 2.
        data: beps
            .loops
            .into_shape_with_order((pixels, 2 * steps))
            .map_err(|e| e.to_string())?,
        channels: 2,
        grid: Some(beps.grid),
        what: beps.what,
    })
}

pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Train { input, out, set } => train(input, out, set),
        Command::Encode { model, input, out } => encode(model, input, out),
        Command::Figures {
            run,
            input,
            pixel,
            dl_atoms,
            dl_lambda,
        } => figures(run, input, *pixel, (*dl_atoms, *dl_lambda)),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    ferrolab::io::atomic::write_atomically(path, |w| w.write_all(bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn train(input: &Input, out: &Path, set: &[String]) -> Result<(), String> {
    let mut cfg = config_from(set)?;
    let rows = read_input(input)?;
    // Two-channel input is the BEPS variant unless the user chose otherwise.
    if rows.channels == 2 && !set.iter().any(|s| s.starts_with("lstm_vae.variant")) {
        cfg.set(
            "lstm_vae.variant",
            ferrolab::config::Value::Str("beps".into()),
        )
        .map_err(|e| e.to_string())?;
    }
    let settings = LstmVaeSettings::from_config(&cfg).map_err(|e| e.to_string())?;
    let stage_dir = out.join("stages");
    std::fs::create_dir_all(&stage_dir).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let mut vae = LstmVae::new(&settings, rows.data.ncols()).map_err(|e| e.to_string())?;
    let checkpoint = out.join("checkpoint.safetensors");
    vae.set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    vae.set_stage_dir(Some(stage_dir))
        .map_err(|e| e.to_string())?;
    println!(
        "training the {} LSTM beta-VAE ({} parameters: h = {}, {} blocks, latent {}) on {}: {} epochs, {} priming, stages of {}",
        settings.variant.as_str(),
        vae.parameter_count(),
        settings.hidden,
        settings.blocks,
        settings.latent,
        rows.what,
        settings.epochs,
        settings.priming_epochs,
        settings.stage_epochs
    );
    crate::epoch_bar::with_epoch_bar(settings.epochs, |progress| {
        vae.train(rows.data.view(), progress)
    })?
    .map_err(|e| e.to_string())?;
    let model = out.join("model.safetensors");
    vae.save(&model).map_err(|e| e.to_string())?;
    // The finished model replaces the checkpoint.
    let _ = std::fs::remove_file(&checkpoint);
    write_tables(&vae, out)?;
    training_png(&vae, &out.join("training.png"))?;
    print_stages(&vae);
    println!(
        "wrote {}, stages/, history.csv, stages.csv and training.png in {}",
        model.display(),
        out.display()
    );
    Ok(())
}

fn print_stages(vae: &LstmVae) {
    for s in vae.stages() {
        println!(
            "stage {:3}: beta {:.4}, lambda {:.3e}, best epoch {}, loss {:.4}, {} active channels",
            s.stage, s.beta, s.lambda, s.best_epoch, s.best_loss, s.active
        );
    }
    match (vae.selected_stage(), vae.selection_warning()) {
        (Some(k), _) => println!("selected stage {k}"),
        (None, Some(w)) => eprintln!("warning: {w}"),
        (None, None) => {}
    }
}

fn write_tables(vae: &LstmVae, out: &Path) -> Result<(), String> {
    let mut csv = String::from("epoch,beta,lambda,total,reconstruction,kl,l1\n");
    for r in vae.history() {
        let p = r.train;
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{}",
            r.epoch, r.beta, r.lambda, p.total, p.reconstruction, p.kl, p.l1
        );
    }
    write(&out.join("history.csv"), csv.as_bytes())?;
    let mut csv =
        String::from("stage,beta,lambda,best_epoch,best_loss,active,selected,channel_kl\n");
    for s in vae.stages() {
        let kl: Vec<String> = s.channel_kl.iter().map(|k| format!("{k:.5}")).collect();
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{},{}",
            s.stage,
            s.beta,
            s.lambda,
            s.best_epoch,
            s.best_loss,
            s.active,
            vae.selected_stage() == Some(s.stage),
            kl.join(";")
        );
    }
    write(&out.join("stages.csv"), csv.as_bytes())
}

/// Loss, beta, lambda and active channels against epoch.
fn training_png(vae: &LstmVae, path: &Path) -> Result<(), String> {
    let h = vae.history();
    let epochs: Vec<f64> = h.iter().map(|r| r.epoch as f64).collect();
    let stage_ends: Vec<f64> = vae.stages().iter().map(|s| s.best_epoch as f64).collect();
    let active: Vec<f64> = vae.stages().iter().map(|s| s.active as f64).collect();
    stacked_png(
        path,
        "LSTM beta-VAE training (paper 001's staged schedule)",
        "Epoch",
        &[
            (
                "Loss per row",
                epochs.clone(),
                h.iter().map(|r| r.train.total).collect(),
                true,
            ),
            (
                "beta",
                epochs.clone(),
                h.iter().map(|r| r.beta).collect(),
                false,
            ),
            (
                "lambda",
                epochs,
                h.iter().map(|r| r.lambda).collect(),
                false,
            ),
            ("Active channels (stage best)", stage_ends, active, false),
        ],
    )
}

fn load(model: &Path) -> Result<LstmVae, String> {
    LstmVae::load(model).map_err(|e| e.to_string())
}

fn encode(model: &Path, input: &Input, out: &Path) -> Result<(), String> {
    let vae = load(model)?;
    let rows = read_input(input)?;
    let enc = vae.encode(rows.data.view()).map_err(|e| e.to_string())?;
    let recon = vae.decode(enc.mu.view()).map_err(|e| e.to_string())?;
    let res = vae.residuals(rows.data.view()).map_err(|e| e.to_string())?;
    let mse = res.mapv(|v| v * v).mean_axis(Axis(1)).ok_or("no values")?;
    let members = [
        ("mu", to_npy_bytes(&enc.mu)),
        ("log_var", to_npy_bytes(&enc.log_var)),
        ("z", to_npy_bytes(&enc.z)),
        ("embedding", to_npy_bytes(&enc.embedding)),
        ("reconstruction", to_npy_bytes(&recon)),
        ("mse", to_npy_bytes(&mse)),
    ];
    let bytes = ferrolab::io::npz::npz_bytes(&members).map_err(|e| e.to_string())?;
    write(out, &bytes)?;
    println!(
        "encoded {} with stage {}: mean MSE {:.4} (standardised units); wrote {}",
        rows.what,
        vae.selected_stage()
            .map_or("none selected (latest weights)".into(), |k| k.to_string()),
        mse.mean().unwrap_or(f64::NAN),
        out.display()
    );
    Ok(())
}

/// Every stage file of a run, in stage order.
fn stage_models(run: &Path) -> Result<Vec<LstmVae>, String> {
    let dir = run.join("stages");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("stage-") && n.ends_with(".safetensors"))
        })
        .collect();
    files.sort();
    files.iter().map(|p| load(p)).collect()
}

fn figures(
    run: &Path,
    input: &Input,
    pixel: Option<usize>,
    (dl_atoms, dl_lambda): (Option<usize>, Option<f64>),
) -> Result<(), String> {
    let vae = load(&run.join("model.safetensors"))?;
    let rows = read_input(input)?;
    let mut summary = String::new();
    training_png(&vae, &run.join("training.png"))?;
    let res = vae.residuals(rows.data.view()).map_err(|e| e.to_string())?;
    let vae_mse: Vec<f64> = res
        .rows()
        .into_iter()
        .map(|r| r.dot(&r) / r.len() as f64)
        .collect();

    // The baseline on the same rows in the same standardised units.
    let beps = vae.settings().variant == Variant::Beps;
    let k = dl_atoms.unwrap_or(if beps { 5 } else { 3 });
    let lambda = dl_lambda.unwrap_or(if beps { 1.0 } else { 0.57 });
    let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
    let params = DictionaryParams {
        standardise: false,
        ..DictionaryParams::from_config(&ferrolab::config::Config::new(), k, lambda)
            .map_err(text)?
    };
    let x = scaled(&vae, &rows.data)?;
    let dl = Dictionary::fit(x.view(), &params).map_err(text)?;
    let rule = omp_rule(&params);
    let codes = dl.transform_with(x.view(), rule).map_err(text)?;
    let dl_res = codes.dot(&dl.atoms()) - &x;
    let dl_mse: Vec<f64> = dl_res
        .rows()
        .into_iter()
        .map(|r| r.dot(&r) / r.len() as f64)
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let below = vae_mse.iter().zip(&dl_mse).filter(|(a, b)| a < b).count();
    let _ = writeln!(
        summary,
        "{}: mean per-row MSE (standardised units) VAE {:.4}, dictionary learning (n = {k}, lambda = {lambda}, {}) {:.4}; VAE below DL on {below} of {} rows ({:.1} %)",
        rows.what,
        mean(&vae_mse),
        rule.describe(x.ncols(), k),
        mean(&dl_mse),
        vae_mse.len(),
        100.0 * below as f64 / vae_mse.len().max(1) as f64
    );

    // Fig. 2m: per-index error, mean |error| and mean error, both models.
    let index: Vec<f64> = (0..res.ncols()).map(|i| i as f64).collect();
    let per_index = |r: &Array2<f64>, f: fn(f64) -> f64| -> Vec<f64> {
        r.mapv(f)
            .mean_axis(Axis(0))
            .map_or(Vec::new(), |m| m.to_vec())
    };
    series_png(
        &run.join("per_index_error.png"),
        "Error per index (standardised units)",
        ("Index", "Error"),
        &index,
        &[
            ("VAE mean |error|", per_index(&res, f64::abs)),
            ("DL mean |error|", per_index(&dl_res, f64::abs)),
            ("VAE mean error", per_index(&res, |v| v)),
            ("DL mean error", per_index(&dl_res, |v| v)),
        ],
    )?;

    if let Some((r, c)) = rows.grid {
        // Fig. 4t,u: both per-pixel MSE maps on one colour scale.
        let map = |v: &[f64]| Array2::from_shape_vec((r, c), v.to_vec()).map_err(|e| e.to_string());
        map_panels_png(
            &run.join("mse_maps.png"),
            "Per-pixel MSE, one colour scale",
            &[
                MapPanel {
                    title: format!("VAE (mean {:.3})", mean(&vae_mse)),
                    values: map(&vae_mse)?,
                },
                MapPanel {
                    title: format!("DL, n = {k} (mean {:.3})", mean(&dl_mse)),
                    values: map(&dl_mse)?,
                },
            ],
            2,
            Some("MSE"),
        )?;
        stage_maps(run, &rows, (r, c), &mut summary)?;
    }
    generator(&vae, &rows, pixel, &run.join("generator.png"), &mut summary)?;
    write(&run.join("figures.txt"), summary.as_bytes())?;
    print!("{summary}");
    println!("wrote the figures in {}", run.display());
    Ok(())
}

/// `data` through the model's scaler.
fn scaled(vae: &LstmVae, data: &Array2<f64>) -> Result<Array2<f64>, String> {
    let Some(s) = vae.scaler() else {
        return Ok(data.clone());
    };
    let a = vae.architecture();
    let seq = data
        .view()
        .into_shape_with_order((data.nrows(), a.output_steps, a.output_channels))
        .map_err(|e| e.to_string())?;
    let z = s.apply(seq).map_err(|e| e.to_string())?;
    z.into_shape_with_order((data.nrows(), a.row_len()))
        .map_err(|e| e.to_string())
}

/// The latent means of every stage as maps: a row of panels per stage, one per latent channel
/// with its KL; how the paper picked its stage.
fn stage_maps(
    run: &Path,
    rows: &Rows,
    (r, c): (usize, usize),
    summary: &mut String,
) -> Result<(), String> {
    let models = stage_models(run)?;
    if models.is_empty() {
        return Ok(());
    }
    // At most 12 stages drawn: evenly spaced, always the last.
    let step = models.len().div_ceil(12);
    let mut panels = Vec::new();
    let mut latent = 0;
    for (i, m) in models.iter().enumerate() {
        if i % step != 0 && i + 1 != models.len() {
            continue;
        }
        let enc = m.encode(rows.data.view()).map_err(|e| e.to_string())?;
        let record = m
            .stages()
            .last()
            .ok_or("a stage file without its stage record")?;
        latent = enc.mu.ncols();
        for (j, column) in enc.mu.columns().into_iter().enumerate() {
            panels.push(MapPanel {
                title: format!("s{} ch{j}: {:.2}", record.stage, record.channel_kl[j]),
                values: Array2::from_shape_vec((r, c), column.to_vec())
                    .map_err(|e| e.to_string())?,
            });
        }
        let _ = writeln!(
            summary,
            "stage {}: {} active channels",
            record.stage, record.active
        );
    }
    map_panels_png(
        &run.join("stage_maps.png"),
        "Latent means per stage (rows, sN) and channel (columns, chN: its KL in nat)",
        &panels,
        latent,
        None,
    )
}

/// Fig. 5: the decoder as a generator around one row's neighbourhood.
fn generator(
    vae: &LstmVae,
    rows: &Rows,
    pixel: Option<usize>,
    path: &Path,
    summary: &mut String,
) -> Result<(), String> {
    let enc = vae.encode(rows.data.view()).map_err(|e| e.to_string())?;
    let n = enc.mu.nrows();
    let pixel = pixel.unwrap_or(n / 2);
    if pixel >= n {
        return Err(format!("--pixel {pixel}: the input has {n} rows"));
    }
    let kl = vae
        .channel_kl(rows.data.view())
        .map_err(|e| e.to_string())?;
    let active = vae.active_channels(&kl);
    if active.is_empty() {
        let _ = writeln!(summary, "no active channel: no generator figure");
        return Ok(());
    }
    // The 100 nearest rows in the active channels' means, and their mean embedding.
    let mut by_distance: Vec<(f64, usize)> = (0..n)
        .map(|i| {
            let d: f64 = active
                .iter()
                .map(|j| (enc.mu[[i, *j]] - enc.mu[[pixel, *j]]).powi(2))
                .sum();
            (d, i)
        })
        .collect();
    by_distance.sort_by(|a, b| a.0.total_cmp(&b.0));
    let near: Vec<usize> = by_distance.iter().take(100).map(|p| p.1).collect();
    let centre = enc
        .mu
        .select(Axis(0), &near)
        .mean_axis(Axis(0))
        .ok_or("no rows")?;
    let spread = enc.mu.std_axis(Axis(0), 0.0);
    let sweep: Vec<f64> = (0..7).map(|k| -2.0 + 4.0 * k as f64 / 6.0).collect();
    let a = vae.architecture();
    let mut panels = Vec::new();
    for j in &active {
        let z = Array2::from_shape_fn((sweep.len(), centre.len()), |(k, c)| {
            centre[c] + if c == *j { sweep[k] * spread[c] } else { 0.0 }
        });
        let decoded = vae.decode(z.view()).map_err(|e| e.to_string())?;
        for channel in 0..a.output_channels {
            let curves: Vec<Vec<f64>> = decoded
                .rows()
                .into_iter()
                .map(|r| {
                    r.iter()
                        .skip(channel)
                        .step_by(a.output_channels)
                        .copied()
                        .collect()
                })
                .collect();
            let name = if a.output_channels == 2 {
                ["piezoresponse", "resonance"][channel]
            } else {
                "spectrum"
            };
            panels.push((format!("channel {j}, {name}"), curves));
        }
    }
    let x: Vec<f64> = (0..a.output_steps).map(|i| i as f64).collect();
    let _ = writeln!(
        summary,
        "generator: row {pixel}, active channels {active:?}, each swept over mean +- 2 std"
    );
    curve_panels_png(
        path,
        "Decoder as generator (dark to light: -2 to +2 std)",
        ("Step", "Decoded"),
        &x,
        &panels,
        if a.output_channels == 2 { 2 } else { 4 },
    )
}
