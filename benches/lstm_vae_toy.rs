//! Paper 001's LSTM beta-VAE on its toy spectra and on the synthetic BEPS map of three known
//! mechanisms: the long runs, not run in CI (benches/README.md, "Paper 001's LSTM beta-VAE").
//!
//! ```text
//! cargo bench --bench lstm_vae_toy -- [mode=toy|beps] [seeds=0-4] [KEY=VALUE ...]
//! ```
//!
//! Arguments (any order; cargo's own `--bench` is ignored):
//! - `lstm_vae.*=VALUE`: any setting of the model (docs/keys.md); unset keys keep the paper's
//!   defaults (h = 128, 3 blocks, 6500 epochs...). `mode=beps` sets `lstm_vae.variant = beps`.
//! - `mode=toy` (default): `spectra=N` random colours (default 10000) of data seed S, trained,
//!   then the 21^3 gamut is reconstructed by the VAE (selected stage) and by dictionary learning
//!   (n = 3, lambda = 0.57, OMP with 2 of 3 atoms, fitted on the same training spectra with the
//!   same per-step standardisation); prints both gamut MSEs, their per-index mean |error| (the
//!   paper's Fig. 2m) and the kNN (k = 10) R^2 of (R, G, B) from the active latent means
//!   (trained on the training spectra, evaluated on the gamut).
//! - `mode=beps`: the synthetic map (`map=ROWSxCOLS`, default 60x60, 96 steps, `noise=F`,
//!   default 0.03) of seed S; prints the best one-to-one assignment of the selected stage's
//!   active latent means to the three true weight maps (|Pearson| each) and the per-pixel MSE
//!   of the VAE and of dictionary learning (n = 5, lambda = 1, OMP 5 of 5) against the
//!   noiseless loops and against the data, and the share of pixels where the VAE is lower.
//! - `seeds=LIST`: seeds to run one after the other (`3`, `0,2,5` or `0-4`; default 0). Seed S
//!   is the data seed and, unless `lstm_vae.seed` is given, the model seed.
//! - `stop=1`: stop training at the end of the first stage with the target count of active
//!   channels (the selected stage; as the CI test does), not at `lstm_vae.epochs`.
//! - `verbose=1`: also print every epoch's training losses (reconstruction, KL, L1).
//! - `threads=N`: workers of the library's pool (default: one per core; results do not depend
//!   on it).
//! - `out=DIR`: where the trained models are saved (`DIR/lstm_vae_{mode}_seed{S}.safetensors`;
//!   default: the system's temporary folder).
//! - `checkpoint=PATH`: checkpoint file (seed S appends `.seedS`); a killed run started again
//!   with the same arguments resumes from it to the same result. Written every
//!   `lstm_vae.checkpoint_every` epochs and at every stage end.
//!
//! Training runs stage by stage (the same result as one call), so each stage's beta, lambda,
//! best epoch, active-channel count and channel KLs are printed when it ends.

use ferrolab::analysis::{
    Dictionary, DictionaryParams, DictionaryTransform, RGB_GAMUT_LEVELS, RgbToySpec, ScalerMode,
    StandardScaler, knn_regress, pearson_matrix, r2_score, rgb_toy, rgb_toy_gamut,
};
use ferrolab::beps::{MechanismSpec, mechanism_map, mechanism_spectra};
use ferrolab::config::{Config, Kind, Value};
use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings, StageRecord, Variant};
use ferrolab::progress::Progress;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use std::path::PathBuf;
use std::time::Instant;

type Failure = Box<dyn std::error::Error>;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Toy,
    Beps,
}

struct Args {
    mode: Mode,
    seeds: Vec<u64>,
    spectra: usize,
    map: (usize, usize),
    noise: f64,
    out: PathBuf,
    checkpoint: Option<PathBuf>,
    cfg: Config,
    model_seed_given: bool,
    verbose: bool,
    stop: bool,
}

fn parse_seeds(text: &str) -> Result<Vec<u64>, Failure> {
    let mut seeds = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => seeds.extend(a.trim().parse::<u64>()?..=b.trim().parse::<u64>()?),
            None => seeds.push(part.trim().parse()?),
        }
    }
    Ok(seeds)
}

fn parse_args() -> Result<Args, Failure> {
    let mut args = Args {
        mode: Mode::Toy,
        seeds: vec![0],
        spectra: 10_000,
        map: (60, 60),
        noise: 0.03,
        out: std::env::temp_dir(),
        checkpoint: None,
        cfg: Config::new(),
        model_seed_given: false,
        verbose: false,
        stop: false,
    };
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
        let (key, text) = arg
            .split_once('=')
            .ok_or_else(|| format!("{arg}: expected key=value"))?;
        match key {
            "mode" => {
                args.mode = match text {
                    "toy" => Mode::Toy,
                    "beps" => Mode::Beps,
                    _ => return Err(format!("mode={text}: toy or beps").into()),
                }
            }
            "seeds" => args.seeds = parse_seeds(text)?,
            "spectra" => args.spectra = text.parse()?,
            "map" => {
                let (r, c) = text.split_once('x').ok_or("map=ROWSxCOLS")?;
                args.map = (r.parse()?, c.parse()?);
            }
            "noise" => args.noise = text.parse()?,
            "verbose" => args.verbose = text == "1",
            "stop" => args.stop = text == "1",
            "threads" => ferrolab::parallel::set_num_threads(text.parse()?)?,
            "out" => args.out = PathBuf::from(text),
            "checkpoint" => args.checkpoint = Some(PathBuf::from(text)),
            _ if key.starts_with("lstm_vae.") => {
                let value = match args.cfg.spec(key)?.kind() {
                    Kind::F64 => Value::F64(text.parse()?),
                    Kind::I64 => Value::I64(text.parse()?),
                    Kind::Str => Value::Str(text.to_owned()),
                    other => return Err(format!("{key}: {} values", other.name()).into()),
                };
                args.cfg.set(key, value)?;
                args.model_seed_given |= key == "lstm_vae.seed";
            }
            _ => return Err(format!("{arg}: unknown argument").into()),
        }
    }
    if args.mode == Mode::Beps && args.cfg.overrides().all(|(k, _)| k != "lstm_vae.variant") {
        args.cfg
            .set("lstm_vae.variant", Value::Str("beps".into()))?;
    }
    Ok(args)
}

fn mean_sd(v: &[f64]) -> String {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{mean:.4} +- {sd:.4} ({lo:.4}-{hi:.4})")
}

fn print_stage(r: &StageRecord) {
    let kl: Vec<String> = r.channel_kl.iter().map(|k| format!("{k:.2}")).collect();
    println!(
        "  stage {:>3}  beta {:.4}  lambda {:.3e}  best epoch {:>5}  loss {:.4}  active {:>2}  KL [{}]",
        r.stage,
        r.beta,
        r.lambda,
        r.best_epoch,
        r.best_loss,
        r.active,
        kl.join(" ")
    );
}

/// Trains `vae` on `data` to `lstm_vae.epochs`, one stage at a time, printing each stage.
fn train_by_stages(
    vae: &mut LstmVae,
    data: ArrayView2<f64>,
    (verbose, stop): (bool, bool),
) -> Result<f64, Failure> {
    let s = vae.settings().clone();
    let mut ends: Vec<usize> = Vec::new();
    if s.priming_epochs > 0 {
        ends.push(s.priming_epochs.min(s.epochs));
    }
    let mut e = s.priming_epochs;
    while e < s.epochs {
        e = (e + s.stage_epochs).min(s.epochs);
        ends.push(e);
    }
    let started = Instant::now();
    let mut printed = 0;
    for end in ends {
        vae.set_epochs(end)?;
        let before = vae.epochs_done();
        vae.train(data, &Progress::new())?;
        if verbose {
            for r in &vae.history()[before..] {
                println!(
                    "    epoch {:>5}  beta {:.4}  reconstruction {:.4}  KL {:.3}  L1 {:.3}  {:.2} s",
                    r.epoch, r.beta, r.train.reconstruction, r.train.kl, r.train.l1, r.seconds
                );
            }
        }
        for r in &vae.stages()[printed..] {
            print_stage(r);
        }
        printed = vae.stages().len();
        if stop && vae.selected_stage().is_some() {
            break;
        }
    }
    vae.set_epochs(s.epochs)?;
    Ok(started.elapsed().as_secs_f64())
}

/// The active channels of the selected stage (of the last one when none is selected).
fn active_channels(vae: &LstmVae) -> Vec<usize> {
    let record = match vae.selected_stage() {
        Some(k) => vae.stages().iter().find(|r| r.stage == k),
        None => vae.stages().last(),
    };
    record.map_or_else(Vec::new, |r| vae.active_channels(&r.channel_kl))
}

fn columns(x: &Array2<f64>, cols: &[usize]) -> Array2<f64> {
    x.select(Axis(1), cols)
}

fn per_index_abs(residual: &Array2<f64>) -> Array1<f64> {
    residual.mapv(f64::abs).mean_axis(Axis(0)).expect("rows")
}

/// One seed's summary numbers, for the table at the end.
struct Outcome {
    selected: Option<usize>,
    beta: f64,
    active: usize,
    vae: f64,
    dl: f64,
    extra: f64,
    seconds: f64,
}

fn settings_for(args: &Args, seed: u64) -> Result<LstmVaeSettings, Failure> {
    let mut s = LstmVaeSettings::from_config(&args.cfg)?;
    if !args.model_seed_given {
        s.seed = seed;
    }
    Ok(s)
}

fn model_for(
    args: &Args,
    s: &LstmVaeSettings,
    row_len: usize,
    seed: u64,
) -> Result<LstmVae, Failure> {
    let mut vae = LstmVae::new(s, row_len)?;
    if let Some(c) = &args.checkpoint {
        let mut name = c.as_os_str().to_owned();
        if args.seeds.len() > 1 {
            name.push(format!(".seed{seed}"));
        }
        vae.set_checkpoint(Some(PathBuf::from(name)))?;
    }
    Ok(vae)
}

fn save(args: &Args, vae: &LstmVae, seed: u64) -> Result<(), Failure> {
    let tag = if args.mode == Mode::Toy {
        "toy"
    } else {
        "beps"
    };
    let path = args
        .out
        .join(format!("lstm_vae_{tag}_seed{seed}.safetensors"));
    vae.save(&path)?;
    println!("  saved {}", path.display());
    Ok(())
}

fn selection_line(vae: &LstmVae) -> (Option<usize>, f64, usize) {
    let active = active_channels(vae).len();
    match vae.selected_stage() {
        Some(k) => {
            let r = vae
                .stages()
                .iter()
                .find(|r| r.stage == k)
                .expect("recorded");
            println!(
                "  selected stage {k}: beta {:.4}, lambda {:.3e}, best epoch {}, {active} active channels",
                r.beta, r.lambda, r.best_epoch
            );
            (Some(k), r.beta, active)
        }
        None => {
            println!(
                "  NO stage has {} active channels: the numbers below use the last weights ({active} active)",
                vae.settings().target_active
            );
            (None, vae.stages().last().map_or(0.0, |r| r.beta), active)
        }
    }
}

fn toy(args: &Args, seed: u64) -> Result<Outcome, Failure> {
    let train = rgb_toy(&RgbToySpec {
        spectra: args.spectra,
        seed,
        ..Default::default()
    })?;
    let s = settings_for(args, seed)?;
    let mut vae = model_for(args, &s, train.spectra.ncols(), seed)?;
    println!(
        "toy, data seed {seed}, model seed {}: {} spectra, {} parameters",
        s.seed,
        args.spectra,
        vae.parameter_count()
    );
    let seconds = train_by_stages(&mut vae, train.spectra.view(), (args.verbose, args.stop))?;
    save(args, &vae, seed)?;
    let (selected, beta, active) = selection_line(&vae);
    // Dictionary learning on the same spectra with the VAE's standardisation.
    let scaler = vae.scaler().ok_or("the model has no scaler")?.clone();
    let standardised = |x: &Array2<f64>| -> Result<Array2<f64>, Failure> {
        Ok(scaler
            .apply(x.view().insert_axis(Axis(2)))?
            .remove_axis(Axis(2)))
    };
    let check = StandardScaler::fit(
        train.spectra.view().insert_axis(Axis(2)),
        ScalerMode::PerStep,
    )?;
    assert_eq!(check, scaler, "the VAE standardised as the baseline does");
    let started = Instant::now();
    let dl = Dictionary::fit(
        standardised(&train.spectra)?.view(),
        &DictionaryParams::new(3, 0.57),
    )?;
    let dl_seconds = started.elapsed().as_secs_f64();
    let t = RgbToySpec::default().time_grid()?;
    let gamut = rgb_toy_gamut(&t, RGB_GAMUT_LEVELS)?;
    let z = standardised(&gamut.spectra)?;
    let codes = dl.transform_with(z.view(), DictionaryTransform::default())?;
    let dl_res = codes.dot(&dl.atoms()) - &z;
    let vae_res = vae.residuals(gamut.spectra.view())?;
    let (vae_mse, dl_mse) = (
        vae_res.mapv(|v| v * v).mean().unwrap_or(f64::NAN),
        dl_res.mapv(|v| v * v).mean().unwrap_or(f64::NAN),
    );
    println!(
        "  gamut MSE ({}^3, standardised): VAE {vae_mse:.4}, DL {dl_mse:.4} (omp 2 of 3; fit {dl_seconds:.1} s)",
        RGB_GAMUT_LEVELS
    );
    let row = |v: Array1<f64>| {
        v.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (vi, di) = (per_index_abs(&vae_res), per_index_abs(&dl_res));
    let below = vi.iter().zip(&di).filter(|(a, b)| a < b).count();
    println!("  per-index mean |error|, VAE: {}", row(vi));
    println!("  per-index mean |error|, DL:  {}", row(di));
    println!("  VAE below DL at {below} of {} indices", t.len());
    let cols = active_channels(&vae);
    let r2 = if cols.is_empty() {
        f64::NAN
    } else {
        let mu_train = vae.encode(train.spectra.view())?.mu;
        let mu_gamut = vae.encode(gamut.spectra.view())?.mu;
        let predicted = knn_regress(
            columns(&mu_train, &cols).view(),
            train.rgb.view(),
            columns(&mu_gamut, &cols).view(),
            10,
        )?;
        let r2 = r2_score(gamut.rgb.view(), predicted.view())?;
        let mean = r2.iter().sum::<f64>() / 3.0;
        println!(
            "  kNN (k = 10) R^2 of R, G, B from active channels {cols:?}: {:.3} {:.3} {:.3}, mean {mean:.3}",
            r2[0], r2[1], r2[2]
        );
        mean
    };
    println!("  training {seconds:.1} s ({} epochs)", vae.epochs_done());
    Ok(Outcome {
        selected,
        beta,
        active,
        vae: vae_mse,
        dl: dl_mse,
        extra: r2,
        seconds,
    })
}

/// Per-row mean of squares.
fn row_mse(x: &Array2<f64>) -> Vec<f64> {
    x.rows()
        .into_iter()
        .map(|r| r.dot(&r) / r.len() as f64)
        .collect()
}

/// The one-to-one assignment of `k` true maps to distinct candidate channels that maximises
/// the summed |r| (`r`: channels x maps): the channel of each map.
fn best_assignment(r: &Array2<f64>) -> Option<Vec<usize>> {
    let (c, k) = r.dim();
    if c < k {
        return None;
    }
    let mut best: Option<(f64, Vec<usize>)> = None;
    let mut pick = vec![0usize; k];
    fn walk(
        r: &Array2<f64>,
        j: usize,
        pick: &mut Vec<usize>,
        best: &mut Option<(f64, Vec<usize>)>,
    ) {
        let (c, k) = r.dim();
        if j == k {
            let total: f64 = (0..k).map(|m| r[[pick[m], m]].abs()).sum();
            if best.as_ref().is_none_or(|b| total > b.0) {
                *best = Some((total, pick.clone()));
            }
            return;
        }
        for ch in 0..c {
            if !pick[..j].contains(&ch) {
                pick[j] = ch;
                walk(r, j + 1, pick, best);
            }
        }
    }
    walk(r, 0, &mut pick, &mut best);
    best.map(|b| b.1)
}

fn beps(args: &Args, seed: u64) -> Result<Outcome, Failure> {
    let spec = MechanismSpec {
        rows: args.map.0,
        cols: args.map.1,
        seed,
        noise_fraction: args.noise,
        ..Default::default()
    };
    let map = mechanism_map(&spec)?;
    let data = map.flattened().to_owned();
    let s = settings_for(args, seed)?;
    if s.variant != Variant::Beps {
        return Err("mode=beps needs lstm_vae.variant = beps".into());
    }
    let mut vae = model_for(args, &s, data.ncols(), seed)?;
    println!(
        "synthetic BEPS, map seed {seed}, model seed {}: {} x {} pixels, {} steps, noise {}, {} parameters",
        s.seed,
        spec.rows,
        spec.cols,
        spec.steps,
        spec.noise_fraction,
        vae.parameter_count()
    );
    let seconds = train_by_stages(&mut vae, data.view(), (args.verbose, args.stop))?;
    save(args, &vae, seed)?;
    let (selected, beta, active) = selection_line(&vae);
    let scaler = vae.scaler().ok_or("the model has no scaler")?.clone();
    let pixels = data.nrows();
    let flat = |x: ndarray::Array3<f64>| -> Result<Array2<f64>, Failure> {
        Ok(x.into_shape_with_order((pixels, 2 * spec.steps))?)
    };
    let x = flat(scaler.apply(map.spectra())?)?;
    let clean = flat(scaler.apply(mechanism_spectra(map.mixing_pixels(), &spec)?.view())?)?;
    let dl = Dictionary::fit(x.view(), &DictionaryParams::new(5, 1.0))?;
    let dl_rec = dl
        .transform_with(x.view(), DictionaryTransform::default())?
        .dot(&dl.atoms());
    let vae_rec = vae.residuals(data.view())? + &x;
    let (vae_clean, dl_clean) = (row_mse(&(&vae_rec - &clean)), row_mse(&(&dl_rec - &clean)));
    let (vae_data, dl_data) = (row_mse(&(&vae_rec - &x)), row_mse(&(&dl_rec - &x)));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let share = |a: &[f64], b: &[f64]| {
        a.iter().zip(b).filter(|(u, v)| u < v).count() as f64 / a.len() as f64
    };
    println!(
        "  per-pixel MSE against the noiseless loops: VAE mean {:.4}, DL mean {:.4}; VAE lower on {:.1} % of pixels",
        mean(&vae_clean),
        mean(&dl_clean),
        100.0 * share(&vae_clean, &dl_clean)
    );
    println!(
        "  per-pixel MSE against the data: VAE mean {:.4}, DL mean {:.4}; VAE lower on {:.1} % of pixels",
        mean(&vae_data),
        mean(&dl_data),
        100.0 * share(&vae_data, &dl_data)
    );
    let cols = active_channels(&vae);
    let truth = map.mixing_pixels();
    let mut worst = f64::NAN;
    if !cols.is_empty() {
        let mu = columns(&vae.encode(data.view())?.mu, &cols);
        let r = pearson_matrix(mu.view(), truth)?.mapv(|v| if v.is_nan() { 0.0 } else { v });
        match best_assignment(&r) {
            Some(a) => {
                let parts: Vec<String> = a
                    .iter()
                    .enumerate()
                    .map(|(m, &c)| {
                        format!(
                            "m{} <- channel {} |r| {:.3}",
                            m + 1,
                            cols[c],
                            r[[c, m]].abs()
                        )
                    })
                    .collect();
                worst = a
                    .iter()
                    .enumerate()
                    .map(|(m, &c)| r[[c, m]].abs())
                    .fold(f64::INFINITY, f64::min);
                println!(
                    "  one-to-one assignment: {}; smallest |r| {worst:.3}",
                    parts.join(", ")
                );
            }
            None => println!(
                "  only {} active channels: no one-to-one assignment to the 3 maps",
                cols.len()
            ),
        }
        let best_any: Vec<String> = (0..truth.ncols())
            .map(|m| {
                let b = (0..cols.len()).fold(0.0_f64, |acc, c| acc.max(r[[c, m]].abs()));
                format!("m{} {b:.3}", m + 1)
            })
            .collect();
        println!("  best |r| of any active channel: {}", best_any.join(", "));
    }
    println!("  training {seconds:.1} s ({} epochs)", vae.epochs_done());
    Ok(Outcome {
        selected,
        beta,
        active,
        vae: 100.0 * share(&vae_clean, &dl_clean),
        dl: mean(&dl_clean),
        extra: worst,
        seconds,
    })
}

fn main() -> Result<(), Failure> {
    let args = parse_args()?;
    let overrides: Vec<String> = args
        .cfg
        .overrides()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    println!("settings: {}", overrides.join(" "));
    let mut outcomes = Vec::new();
    for &seed in &args.seeds {
        outcomes.push(match args.mode {
            Mode::Toy => toy(&args, seed)?,
            Mode::Beps => beps(&args, seed)?,
        });
    }
    let (a, b, c) = match args.mode {
        Mode::Toy => ("gamut MSE VAE", "gamut MSE DL", "kNN R^2"),
        Mode::Beps => (
            "% pixels VAE < DL (noiseless)",
            "DL MSE (noiseless)",
            "smallest |r|",
        ),
    };
    println!("\nseed  selected  beta    active  {a}  {b}  {c}  seconds");
    for (seed, o) in args.seeds.iter().zip(&outcomes) {
        println!(
            "{seed:>4}  {:>8}  {:.4}  {:>6}  {:.4}  {:.4}  {:.3}  {:.1}",
            o.selected.map_or("none".into(), |k| k.to_string()),
            o.beta,
            o.active,
            o.vae,
            o.dl,
            o.extra,
            o.seconds
        );
    }
    let col = |f: fn(&Outcome) -> f64| outcomes.iter().map(f).collect::<Vec<_>>();
    println!("{a}: {}", mean_sd(&col(|o| o.vae)));
    println!("{b}: {}", mean_sd(&col(|o| o.dl)));
    println!("{c}: {}", mean_sd(&col(|o| o.extra)));
    println!("seconds: {}", mean_sd(&col(|o| o.seconds)));
    Ok(())
}
