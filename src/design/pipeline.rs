//! The stages of the inverse design, in order, with progress and cancellation.

use super::DesignError;
use super::keys::{DesignSettings, TARGETS, TargetMode};
use super::latent_map::{LatentMap, choose_point, feasible, map_latent, nearest_miss, supported};
use crate::analysis::pearson_matrix;
use crate::config::{Config, Value};
use crate::gp::{GaussianProcess, GpParams};
use crate::nn::{MlpVae, VaeSettings};
use crate::phasefield::dataset::{Dataset, Shard, Sweep, run_sweep};
use crate::phasefield::params::PhaseFieldParams;
use crate::phasefield::pv_loop::simulate_loop;
use crate::progress::Progress;
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::{Array2, Axis};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the loops come from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// `design.samples` random structures of Table 1's box (resumable, in `OUT/dataset.*`).
    Sample,
    /// The paper's 10 x 10 x 10 x 10 grid (resumable, in `OUT/dataset.*`).
    FullGrid,
    /// An existing dataset file (`ferrolab simulate --sweep`).
    Existing(PathBuf),
}

/// The stages, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Simulating (or reading) the loops.
    Dataset,
    /// Training the beta-VAE.
    Training,
    /// Correlations, decoded manifold, feature maps.
    Analysis,
    /// Target region, chosen point, GPs.
    InverseDesign,
    /// Fresh simulations of the predicted film.
    Verification,
    /// Writing report and arrays.
    Report,
}

impl Stage {
    const ALL: [Stage; 6] = [
        Stage::Dataset,
        Stage::Training,
        Stage::Analysis,
        Stage::InverseDesign,
        Stage::Verification,
        Stage::Report,
    ];

    /// The stage a design's [`Progress`] is in.
    pub fn of(progress: &Progress) -> Stage {
        let index = usize::try_from(progress.stage()).unwrap_or(usize::MAX);
        Stage::ALL[index.min(Stage::ALL.len() - 1)]
    }

    /// Name used in messages and the report.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Dataset => "dataset",
            Stage::Training => "training",
            Stage::Analysis => "analysis",
            Stage::InverseDesign => "inverse design",
            Stage::Verification => "verification",
            Stage::Report => "report",
        }
    }
}

/// Enter `stage` with `total` units of work, unless the run was cancelled.
fn enter(progress: &Progress, stage: Stage, total: usize) -> Result<(), DesignError> {
    if progress.is_cancelled() {
        return Err(DesignError::Cancelled(stage.name()));
    }
    progress.begin(stage as u32, total, stage.name());
    Ok(())
}

/// The latent point chosen for the design.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chosen {
    /// Latent coordinates.
    pub z: [f64; 2],
    /// Distance to the edge of the feasible region (latent units).
    pub margin: f64,
    /// Row of the latent grid.
    pub grid_index: usize,
}

/// Material parameters predicted by the GPs at the chosen point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    /// D_G (nm), nu, mu (rad), sigma (rad), clipped to Table 1's ranges.
    pub mean: [f64; 4],
    /// Predictive standard deviations (noise included), same units.
    pub std: [f64; 4],
    /// The GP means before clipping.
    pub unclipped: [f64; 4],
}

/// Everything the run found; the report and `design.npz` are written from it.
pub struct DesignOutcome {
    /// Seconds and a one-line summary per stage.
    pub stages: Vec<(Stage, f64, String)>,
    /// Material parameters of the loops used (n x 4).
    pub parameters: Array2<f64>,
    /// The loops (n x points) and their voltage.
    pub loops: Array2<f64>,
    /// Voltage of every loop point.
    pub voltage: Vec<f64>,
    /// Loop features of the dataset (n x 8).
    pub features: Array2<f64>,
    /// Loops dropped from the dataset (runaway or failed structures).
    pub dropped: usize,
    /// Latent means (n x latent_dim) and log-variances.
    pub latent: Array2<f64>,
    /// Latent log-variances.
    pub latent_log_var: Array2<f64>,
    /// Per-epoch losses (epochs x 3: total, reconstruction, KL).
    pub history: Array2<f64>,
    /// Pearson r of each latent variable with D_G, nu, mu, sigma (latent_dim x 4).
    pub correlations: Array2<f64>,
    /// Pearson r of each latent variable with Ec, Pr, Ps, area (latent_dim x 4).
    pub feature_correlations: Array2<f64>,
    /// 10 x 10 decoded manifold over [-2, 2]^2: points (100 x 2) and loops (100 x points).
    pub manifold: (Array2<f64>, Array2<f64>),
    /// Features of decoded loops over the fine latent grid.
    pub map: LatentMap,
    /// Target windows of Ec, Pr, Ps, area, and how they were chosen.
    pub targets: [[f64; 2]; 4],
    /// One sentence on how the targets were chosen.
    pub target_rule: String,
    /// Grid points whose decoded loops meet every window.
    pub meets_targets: Vec<bool>,
    /// Grid points that meet every window and lie near the encoded data (the design region).
    pub feasible: Vec<bool>,
    /// The chosen point, if any grid point is feasible.
    pub chosen: Option<Chosen>,
    /// When nothing is feasible: the nearest grid point and each feature's miss.
    pub nearest_miss: Option<(usize, [f64; 4])>,
    /// GP training points used.
    pub gp_points: usize,
    /// Predicted parameters at the chosen point.
    pub prediction: Option<Prediction>,
    /// Features (seeds x 8) of fresh simulations with the predicted parameters (NaN rows for
    /// runaways) and their loops (seeds x points).
    pub verification: Option<(Array2<f64>, Array2<f64>)>,
    /// Table 1's ranges of D_G, nu, mu, sigma.
    pub ranges: [[f64; 2]; 4],
}

fn with(cfg: &Config, pairs: &[(&str, Value)]) -> Result<Config, DesignError> {
    let mut c = cfg.clone();
    for (k, v) in pairs {
        c.set(k, v.clone())?;
    }
    Ok(c)
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> DesignError {
    DesignError::Io(format!("{}: {e}", path.display()))
}

/// Load or simulate the loops; keep the structures whose loop finished.
fn dataset_stage(
    cfg: &Config,
    source: &DataSource,
    out: &Path,
    progress: &Progress,
) -> Result<(Dataset, Vec<usize>), DesignError> {
    let data = match source {
        DataSource::Existing(path) => Dataset::read(path)?,
        DataSource::Sample | DataSource::FullGrid => {
            let sweep_cfg = if *source == DataSource::FullGrid {
                with(
                    cfg,
                    &[
                        ("sweep.mode", Value::Str("grid".into())),
                        ("sweep.levels", Value::I64(10)),
                    ],
                )?
            } else {
                let n = cfg.i64("design.samples")?;
                with(
                    cfg,
                    &[
                        ("sweep.mode", Value::Str("random".into())),
                        ("sweep.samples", Value::I64(n)),
                    ],
                )?
            };
            run_sweep(
                &sweep_cfg,
                &out.join("dataset"),
                Shard::new(0, 1)?,
                progress,
            )
            .map_err(|e| match e {
                crate::phasefield::dataset::DatasetError::Cancelled { .. } => {
                    DesignError::Cancelled("dataset")
                }
                other => other.into(),
            })?
        }
    };
    let ok: Vec<usize> = (0..data.len()).filter(|&i| data.status[i] == 0).collect();
    if ok.len() < 8 {
        return Err(DesignError::Invalid(format!(
            "only {} of {} loops finished: at least 8 are needed",
            ok.len(),
            data.len()
        )));
    }
    Ok((data, ok))
}

/// Targets: given windows, or windows around the dataset loop nearest the feature medians.
fn targets(settings: &DesignSettings, features: &Array2<f64>) -> ([[f64; 2]; 4], String) {
    match settings.targets {
        TargetMode::Windows => {
            return (
                settings.windows(),
                "given by the design.target_* keys".into(),
            );
        }
        TargetMode::Auto => {}
    }
    let cols: Vec<Vec<f64>> = TARGETS
        .iter()
        .map(|(_, _, c)| {
            features
                .column(*c)
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect()
        })
        .collect();
    let stats: Vec<(f64, f64)> = cols
        .iter()
        .map(|c| {
            let mut s = c.clone();
            s.sort_by(f64::total_cmp);
            let median = s[s.len() / 2];
            let mean = s.iter().sum::<f64>() / s.len() as f64;
            let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / s.len() as f64;
            (median, var.sqrt().max(1e-12))
        })
        .collect();
    let distance = |row: ndarray::ArrayView1<f64>| -> f64 {
        TARGETS
            .iter()
            .zip(&stats)
            .map(|((_, _, c), (m, s))| ((row[*c] - m) / s).powi(2))
            .sum()
    };
    let best = features
        .outer_iter()
        .enumerate()
        .filter(|(_, r)| TARGETS.iter().all(|(_, _, c)| r[*c].is_finite()))
        .min_by(|a, b| distance(a.1).total_cmp(&distance(b.1)))
        .map(|(i, _)| i)
        .expect("at least 8 finished loops");
    let h = settings.auto_half_width;
    let windows = std::array::from_fn(|k| {
        let centre = features[[best, TARGETS[k].2]];
        [(centre - h * stats[k].1).max(0.0), centre + h * stats[k].1]
    });
    let rule = format!(
        "automatic: centred on the features of dataset loop {best} (the loop nearest the features' medians in standard-deviation units), half-width {h} standard deviations of each feature over the dataset"
    );
    (windows, rule)
}

/// GPs from latent means to the four parameters scaled to [0, 1] by Table 1's ranges (so the
/// paper's White(0.005) noise means the same for every parameter), predicted at `z`.
fn predict_parameters(
    latent: &Array2<f64>,
    parameters: &Array2<f64>,
    ranges: &[[f64; 2]; 4],
    z: [f64; 2],
    settings: &DesignSettings,
) -> Result<(Prediction, usize), DesignError> {
    let n = latent.nrows();
    let mut rows: Vec<usize> = (0..n).collect();
    Xoshiro256::substream(settings.seed, 0).shuffle(&mut rows);
    rows.truncate(settings.gp_points.min(n));
    rows.sort_unstable();
    let x = latent.select(Axis(0), &rows);
    let span = |k: usize| (ranges[k][1] - ranges[k][0]).max(1e-12);
    let y = Array2::from_shape_fn((rows.len(), 4), |(i, k)| {
        (parameters[[rows[i], k]] - ranges[k][0]) / span(k)
    });
    // Zero-mean GPs would pull predictions away from the data towards the range minimum;
    // with normalize_y the prior mean is the data's mean (as scikit-learn's normalize_y).
    let params = GpParams {
        normalize_y: true,
        ..GpParams::default()
    };
    let gp = GaussianProcess::fit(x.view(), y.view(), &params)?;
    let (mean, std) = gp.predict(ndarray::arr2(&[z]).view())?;
    let unclipped: [f64; 4] = std::array::from_fn(|k| ranges[k][0] + mean[[0, k]] * span(k));
    Ok((
        Prediction {
            mean: std::array::from_fn(|k| unclipped[k].clamp(ranges[k][0], ranges[k][1])),
            std: std::array::from_fn(|k| std[[0, k]] * span(k)),
            unclipped,
        },
        rows.len(),
    ))
}

/// Fresh films with the predicted parameters, one per seed, simulated in parallel.
fn verify(
    cfg: &Config,
    prediction: &Prediction,
    settings: &DesignSettings,
    points: usize,
    progress: &Progress,
) -> Result<(Array2<f64>, Array2<f64>), DesignError> {
    let mut params = PhaseFieldParams::from_config(cfg)?;
    let [d, nu, mu, sigma] = prediction.mean;
    params.structure.grain_diameter_nm = d;
    params.structure.polar_fraction = nu;
    params.structure.orientation_mean_rad = mu;
    params.structure.orientation_spread_rad = sigma;
    type Run = (Vec<f64>, [f64; 8]);
    let runs: Vec<Result<Run, DesignError>> = crate::parallel::install(|| {
        (0..settings.verify_seeds)
            .into_par_iter()
            .map(|k| {
                if progress.is_cancelled() {
                    return Err(DesignError::Cancelled("verification"));
                }
                let mut p = params.clone();
                p.structure.seed = derive_seed(settings.seed, 1_000_000 + k as u64);
                let result = match simulate_loop(&p) {
                    Ok(run) => (run.polarization, run.features.to_array()),
                    Err(crate::phasefield::error::PhaseFieldError::Runaway { .. }) => {
                        (vec![f64::NAN; points], [f64::NAN; 8])
                    }
                    Err(e) => return Err(e.into()),
                };
                progress.advance(1);
                Ok(result)
            })
            .collect()
    })
    .map_err(|e| DesignError::Invalid(e.to_string()))?;
    let runs = runs.into_iter().collect::<Result<Vec<_>, _>>()?;
    let loops = Array2::from_shape_fn((runs.len(), points), |(i, j)| runs[i].0[j]);
    let features = Array2::from_shape_fn((runs.len(), 8), |(i, j)| runs[i].1[j]);
    Ok((features, loops))
}

/// Run the whole pipeline with the `pf.*`, `sweep.*` (ranges), `vae.*` and `design.*` keys of
/// `cfg`, writing into `out` (created if needed): `dataset.*` (when simulated; resumable),
/// `vae.safetensors`, `design.npz` and `report.md`. Blocks; poll and cancel through
/// `progress` from other threads.
pub fn run(
    cfg: &Config,
    source: &DataSource,
    out: &Path,
    progress: &Progress,
) -> Result<DesignOutcome, DesignError> {
    let settings = DesignSettings::from_config(cfg)?;
    let pf = PhaseFieldParams::from_config(cfg)?;
    let vae_settings = VaeSettings::from_config(cfg)?;
    if vae_settings.latent_dim != 2 {
        return Err(DesignError::Invalid(format!(
            "vae.latent_dim = {}: the inverse design maps a 2-D latent space (paper 000)",
            vae_settings.latent_dim
        )));
    }
    let ranges = Sweep::from_config(cfg)?.ranges;
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let mut stages = Vec::new();

    enter(progress, Stage::Dataset, 0)?;
    let started = Instant::now();
    let (data, ok) = dataset_stage(cfg, source, out, progress)?;
    let loops = data.polarization.select(Axis(0), &ok);
    let parameters = data.parameters.select(Axis(0), &ok);
    let features = data.features.select(Axis(0), &ok);
    let dropped = data.len() - ok.len();
    stages.push((
        Stage::Dataset,
        started.elapsed().as_secs_f64(),
        format!(
            "{} loops of {} points ({dropped} runaway or failed structures dropped)",
            ok.len(),
            data.voltage.len()
        ),
    ));

    let mut vae_settings = vae_settings;
    let requested_epochs = vae_settings.epochs;
    if settings.paper_steps {
        vae_settings.epochs = paper_epochs(
            requested_epochs,
            vae_settings.batch_size,
            loops.nrows(),
            vae_settings.validation_fraction,
        );
    }
    enter(progress, Stage::Training, vae_settings.epochs)?;
    let started = Instant::now();
    let mut vae = MlpVae::new(&vae_settings, loops.ncols())?;
    vae.set_checkpoint(Some(out.join("vae_checkpoint.safetensors")));
    let history = vae.train(loops.view(), progress);
    let history = history.map_err(|e| match e {
        crate::nn::NnError::Cancelled { .. } => DesignError::Cancelled("training"),
        other => other.into(),
    })?;
    vae.save(&out.join("vae.safetensors"))?;
    let _ = std::fs::remove_file(out.join("vae_checkpoint.safetensors"));
    let last = history.last().expect("at least one epoch").train;
    let (latent, latent_log_var) = vae.encode(loops.view())?;
    stages.push((
        Stage::Training,
        started.elapsed().as_secs_f64(),
        format!(
            "{} epochs{}, final loss {:.4} per loop (reconstruction {:.4}, KL {:.4})",
            history.len(),
            if history.len() > requested_epochs {
                format!(" (vae.epochs = {requested_epochs} raised to match the paper's Adam steps on 10,000 loops)")
            } else {
                String::new()
            },
            last.total,
            last.reconstruction,
            last.kl
        ),
    ));

    enter(progress, Stage::Analysis, 1)?;
    let started = Instant::now();
    let correlations = pearson_matrix(latent.view(), parameters.view())
        .map_err(|e| DesignError::Invalid(e.to_string()))?;
    let target_features = features.select(Axis(1), &[0, 1, 2, 3]);
    let finite: Vec<usize> = (0..features.nrows())
        .filter(|&i| target_features.row(i).iter().all(|v| v.is_finite()))
        .collect();
    let feature_correlations = pearson_matrix(
        latent.select(Axis(0), &finite).view(),
        target_features.select(Axis(0), &finite).view(),
    )
    .map_err(|e| DesignError::Invalid(e.to_string()))?;
    let manifold = vae.decode_grid(-2.0, 2.0, 10)?;
    let thickness_m = pf.structure.thickness_nm() * 1e-9;
    let map = map_latent(&vae, &data.voltage, thickness_m, settings.grid_steps)?;
    stages.push((
        Stage::Analysis,
        started.elapsed().as_secs_f64(),
        format!(
            "correlations, 10 x 10 manifold, features of {} decoded loops",
            map.z.nrows()
        ),
    ));

    enter(progress, Stage::InverseDesign, 1)?;
    let started = Instant::now();
    let (targets, target_rule) = targets(&settings, &features);
    let meets = feasible(&map.features, &targets);
    let near_data = supported(&map, &latent, settings.max_data_distance);
    let ok_grid: Vec<bool> = meets
        .iter()
        .zip(&near_data)
        .map(|(a, b)| *a && *b)
        .collect();
    let chosen = choose_point(&map, &ok_grid).map(|(i, margin)| Chosen {
        z: [map.z[[i, 0]], map.z[[i, 1]]],
        margin,
        grid_index: i,
    });
    let miss = if chosen.is_none() {
        nearest_miss(&map.features, &targets)
    } else {
        None
    };
    let (prediction, gp_points) = match chosen {
        Some(c) => {
            let (p, used) = predict_parameters(&latent, &parameters, &ranges, c.z, &settings)?;
            (Some(p), used)
        }
        None => (None, 0),
    };
    stages.push((
        Stage::InverseDesign,
        started.elapsed().as_secs_f64(),
        match &chosen {
            Some(c) => format!(
                "{} of {} grid points meet all targets, {} of them near the data; chosen z = ({:.3}, {:.3})",
                meets.iter().filter(|b| **b).count(),
                ok_grid.len(),
                ok_grid.iter().filter(|b| **b).count(),
                c.z[0],
                c.z[1]
            ),
            None => "no latent point near the data meets all targets".into(),
        },
    ));

    enter(progress, Stage::Verification, settings.verify_seeds)?;
    let started = Instant::now();
    let verification = match &prediction {
        Some(p) => Some(verify(cfg, p, &settings, data.voltage.len(), progress)?),
        None => None,
    };
    stages.push((
        Stage::Verification,
        started.elapsed().as_secs_f64(),
        match &verification {
            Some((f, _)) => format!("{} fresh films simulated", f.nrows()),
            None => "skipped (no design)".into(),
        },
    ));

    enter(progress, Stage::Report, 1)?;
    let mut outcome = DesignOutcome {
        stages,
        parameters,
        loops,
        voltage: data.voltage.clone(),
        features,
        dropped,
        latent,
        latent_log_var,
        history: Array2::from_shape_fn((history.len(), 3), |(i, j)| {
            let t = history[i].train;
            [t.total, t.reconstruction, t.kl][j]
        }),
        correlations,
        feature_correlations,
        manifold,
        map,
        targets,
        target_rule,
        meets_targets: meets,
        feasible: ok_grid,
        chosen,
        nearest_miss: miss,
        gp_points,
        prediction,
        verification,
        ranges,
    };
    let started = Instant::now();
    super::report::write_arrays(&outcome, &out.join("design.npz"))?;
    let seconds = started.elapsed().as_secs_f64();
    outcome
        .stages
        .push((Stage::Report, seconds, "report.md and design.npz".into()));
    super::report::write_report(&outcome, cfg, &out.join("report.md"))?;
    Ok(outcome)
}

/// Epochs that give as many Adam steps on `n` rows as `epochs` epochs on paper 000's 10,000
/// loops (never fewer than `epochs`).
///
/// ```text
/// paper_epochs(200, 128, 430, 0.0) == 3950   // 200 x 79 steps / 4 batches per epoch
/// ```
fn paper_epochs(epochs: usize, batch: usize, n: usize, validation: f64) -> usize {
    let train = n - (validation * n as f64).round() as usize;
    let paper_steps = epochs * 10_000usize.div_ceil(batch);
    paper_steps
        .div_ceil(train.div_ceil(batch).max(1))
        .max(epochs)
}

/// Mean and standard deviation of the finite values of a column.
pub(super) fn mean_std(values: impl Iterator<Item = f64>) -> (f64, f64, usize) {
    let v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN, 0);
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    (m, s, v.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn paper_epochs_match_the_papers_adam_steps() {
        assert_eq!(super::paper_epochs(200, 128, 430, 0.0), 3950);
        assert_eq!(super::paper_epochs(200, 128, 10_000, 0.0), 200);
        assert_eq!(super::paper_epochs(200, 128, 20_000, 0.0), 200);
    }
}
