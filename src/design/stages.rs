//! The stages of the inverse design, one function each, each returning its own result:
//! [`dataset`] → [`LoopData`], [`train`] → [`TrainedModel`], [`analyse`] →
//! [`LatentAnalysis`], [`choose`] → [`DesignChoice`], [`verify`] → [`Verification`].
//! [`run`](super::run) composes them. The dataset and the trained model are reused from an
//! earlier run into the same folder when the hash of what they depend on is unchanged
//! ([`super::reuse`]).

use super::DesignError;
use super::keys::{DesignSettings, TARGETS, TargetMode};
use super::latent_map::{LatentMap, choose_point, feasible, map_latent, nearest_miss, supported};
use super::reuse::{StageHash, StageLog};
use crate::analysis::pearson_matrix;
use crate::config::{Config, Value};
use crate::gp::{GaussianProcess, GpParams};
use crate::io::dataset::dataset_files;
use crate::nn::{MlpVae, VaeSettings};
use crate::phasefield::dataset::{Dataset, DatasetError, Shard, SweepSettings, run_sweep};
use crate::phasefield::params::PhaseFieldParams;
use crate::phasefield::pv_loop::simulate_loop;
use crate::progress::Progress;
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::{Array2, Axis};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

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

/// A stage's result and whether it was reused from an earlier run.
pub struct Staged<T> {
    /// The result.
    pub result: T,
    /// Taken from the files of an earlier run with the same settings and inputs.
    pub reused: bool,
}

/// The loops the design learns from: the structures of the dataset whose loop finished.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopData {
    /// Material parameters (n x 4: D_G nm, nu, mu rad, sigma rad).
    pub parameters: Array2<f64>,
    /// The loops (n x points).
    pub loops: Array2<f64>,
    /// Voltage of every loop point.
    pub voltage: Vec<f64>,
    /// Loop features (n x 8).
    pub features: Array2<f64>,
    /// Structures dropped (runaway or failed).
    pub dropped: usize,
    /// Hash of everything the loops depend on.
    pub hash: StageHash,
}

/// The trained beta-VAE and the data's latent codes.
pub struct TrainedModel {
    /// The model.
    pub vae: MlpVae,
    /// Per-epoch losses (epochs x 3: total, reconstruction, KL).
    pub history: Array2<f64>,
    /// The `vae.epochs` asked for (fewer than trained when design.paper_steps raised them).
    pub requested_epochs: usize,
    /// Latent means of the loops (n x 2).
    pub latent: Array2<f64>,
    /// Latent log-variances (n x 2).
    pub latent_log_var: Array2<f64>,
}

/// What the latent space says about the loops.
pub struct LatentAnalysis {
    /// Pearson r of each latent variable with D_G, nu, mu, sigma (2 x 4).
    pub correlations: Array2<f64>,
    /// Pearson r of each latent variable with Ec, Pr, Ps, area (2 x 4).
    pub feature_correlations: Array2<f64>,
    /// Decoded manifold over [-2, 2]^2, design.manifold_steps per axis: points (steps² x 2)
    /// and loops (steps² x points).
    pub manifold: (Array2<f64>, Array2<f64>),
    /// Features of decoded loops over the fine latent grid.
    pub map: LatentMap,
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

/// The inverse design: targets, the region meeting them, the chosen point and its parameters.
pub struct DesignChoice {
    /// Target windows of Ec, Pr, Ps, area.
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
}

/// Fresh simulations of films with the predicted parameters.
pub struct Verification {
    /// Features (seeds x 8; NaN rows for runaways).
    pub features: Array2<f64>,
    /// Loops (seeds x points).
    pub loops: Array2<f64>,
}

fn with(cfg: &Config, pairs: &[(&str, Value)]) -> Result<Config, DesignError> {
    let mut c = cfg.clone();
    for (k, v) in pairs {
        c.set(k, v.clone())?;
    }
    Ok(c)
}

/// The configuration of the sweep a design simulates (an existing dataset needs none: its
/// sample settings are returned but never run).
fn sweep_config(cfg: &Config, source: &DataSource) -> Result<Config, DesignError> {
    let pairs = match source {
        DataSource::FullGrid => [
            ("sweep.mode", Value::Str("grid".into())),
            ("sweep.levels", Value::I64(10)),
        ],
        DataSource::Sample | DataSource::Existing(_) => [
            ("sweep.mode", Value::Str("random".into())),
            ("sweep.samples", Value::I64(cfg.i64("design.samples")?)),
        ],
    };
    with(cfg, &pairs)
}

/// Load or simulate the loops and keep the structures whose loop finished. A simulated
/// dataset of unchanged `pf.*` and `sweep.*` settings is read back instead of simulated again.
pub fn dataset(
    cfg: &Config,
    source: &DataSource,
    out: &Path,
    progress: &Progress,
    log: &mut StageLog,
) -> Result<Staged<LoopData>, DesignError> {
    let (data, hash, reused) = match source {
        DataSource::Existing(path) => {
            // The metadata holds the archive's size and CRC-32: it stands for the whole file.
            let json = crate::io::read_file(&dataset_files(path).1)?;
            let metadata = Value::Str(String::from_utf8_lossy(&json).into_owned());
            let hash = StageHash::of("dataset", &[], &[("existing", metadata)]);
            (Dataset::read(path)?, hash, false)
        }
        DataSource::Sample | DataSource::FullGrid => {
            let sweep_cfg = sweep_config(cfg, source)?;
            let mut settings = PhaseFieldParams::from_config(&sweep_cfg)?.to_values();
            settings.extend(SweepSettings::from_config(&sweep_cfg)?.to_values());
            let hash = StageHash::of("dataset", &[], &settings);
            let path = out.join("dataset");
            let (npz, json) = dataset_files(&path);
            let earlier = log
                .matches("dataset", hash, &[npz, json])
                .then(|| Dataset::read(&path).ok())
                .flatten();
            match earlier {
                Some(data) => (data, hash, true),
                None => {
                    log.forget("dataset")?;
                    let data = run_sweep(&sweep_cfg, &path, Shard::WHOLE, progress).map_err(
                        |e| match e {
                            DatasetError::Cancelled { .. } => DesignError::Cancelled("dataset"),
                            other => other.into(),
                        },
                    )?;
                    log.record("dataset", hash)?;
                    (data, hash, false)
                }
            }
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
    let result = LoopData {
        parameters: data.parameters.select(Axis(0), &ok),
        loops: data.polarization.select(Axis(0), &ok),
        voltage: data.voltage.clone(),
        features: data.features.select(Axis(0), &ok),
        dropped: data.len() - ok.len(),
        hash,
    };
    Ok(Staged { result, reused })
}

/// Train the beta-VAE on the loops (or read the model an earlier run trained with the same
/// loops and `vae.*` settings) and encode the loops.
pub fn train(
    vae_settings: &VaeSettings,
    settings: &DesignSettings,
    data: &LoopData,
    out: &Path,
    progress: &Progress,
    log: &mut StageLog,
) -> Result<Staged<TrainedModel>, DesignError> {
    let mut vae_settings = vae_settings.clone();
    let requested_epochs = vae_settings.epochs;
    if settings.paper_steps {
        vae_settings.epochs = paper_epochs(
            requested_epochs,
            vae_settings.batch_size,
            data.loops.nrows(),
            vae_settings.validation_fraction,
            step_share(settings.samples),
        );
    }
    progress.set_total(vae_settings.epochs);
    let hash = StageHash::of("training", &[data.hash], &vae_settings.to_values());
    let model_path = out.join("vae.safetensors");
    let earlier = log
        .matches("training", hash, std::slice::from_ref(&model_path))
        .then(|| MlpVae::load(&model_path).ok())
        .flatten();
    let reused = earlier.is_some();
    let vae = match earlier {
        Some(vae) => vae,
        None => {
            log.forget("training")?;
            let mut vae = MlpVae::new(&vae_settings, data.loops.ncols())?;
            let checkpoint = out.join("vae_checkpoint.safetensors");
            vae.set_checkpoint(Some(checkpoint.clone()))?;
            vae.train(data.loops.view(), progress)
                .map_err(|e| match e {
                    crate::nn::NnError::Cancelled { .. } => DesignError::Cancelled("training"),
                    other => other.into(),
                })?;
            vae.save(&model_path)?;
            let _ = std::fs::remove_file(checkpoint);
            log.record("training", hash)?;
            vae
        }
    };
    let history = vae.history();
    let Some(last) = history.last() else {
        return Err(DesignError::Invalid(format!(
            "{} holds no training history",
            model_path.display()
        )));
    };
    // A reused model reports like a trained one: every epoch done, its last loss.
    progress.set_done(history.len());
    progress.record_loss(last.train.total);
    let history = Array2::from_shape_fn((history.len(), 3), |(i, j)| {
        let t = history[i].train;
        [t.total, t.reconstruction, t.kl][j]
    });
    let (latent, latent_log_var) = vae.encode(data.loops.view())?;
    let result = TrainedModel {
        vae,
        history,
        requested_epochs,
        latent,
        latent_log_var,
    };
    Ok(Staged { result, reused })
}

/// Correlations of the latent variables with parameters and features, the decoded manifold,
/// and the features of decoded loops over the latent grid.
pub fn analyse(
    data: &LoopData,
    model: &TrainedModel,
    thickness_m: f64,
    settings: &DesignSettings,
) -> Result<LatentAnalysis, DesignError> {
    let invalid = |e: crate::analysis::AnalysisError| DesignError::Invalid(e.to_string());
    let correlations =
        pearson_matrix(model.latent.view(), data.parameters.view()).map_err(invalid)?;
    let target_features = data.features.select(Axis(1), &[0, 1, 2, 3]);
    let finite: Vec<usize> = (0..data.features.nrows())
        .filter(|&i| target_features.row(i).iter().all(|v| v.is_finite()))
        .collect();
    let feature_correlations = pearson_matrix(
        model.latent.select(Axis(0), &finite).view(),
        target_features.select(Axis(0), &finite).view(),
    )
    .map_err(invalid)?;
    Ok(LatentAnalysis {
        correlations,
        feature_correlations,
        manifold: model.vae.decode_grid(-2.0, 2.0, settings.manifold_steps)?,
        map: map_latent(&model.vae, &data.voltage, thickness_m, settings.grid_steps)?,
    })
}

/// Targets, the latent region meeting them near the data, the chosen point, and the material
/// parameters the GPs predict there.
pub fn choose(
    data: &LoopData,
    model: &TrainedModel,
    analysis: &LatentAnalysis,
    ranges: &[[f64; 2]; 4],
    settings: &DesignSettings,
) -> Result<DesignChoice, DesignError> {
    let map = &analysis.map;
    let (targets, target_rule) = targets(settings, &data.features);
    let meets_targets = feasible(&map.features, &targets);
    let near_data = supported(map, &model.latent, settings.max_data_distance);
    let ok_grid: Vec<bool> = meets_targets
        .iter()
        .zip(&near_data)
        .map(|(a, b)| *a && *b)
        .collect();
    let chosen = choose_point(map, &ok_grid).map(|(i, margin)| Chosen {
        z: [map.z[[i, 0]], map.z[[i, 1]]],
        margin,
        grid_index: i,
    });
    let nearest_miss = match chosen {
        None => nearest_miss(&map.features, &targets),
        Some(_) => None,
    };
    let (prediction, gp_points) = match chosen {
        Some(c) => {
            let (p, used) =
                predict_parameters(&model.latent, &data.parameters, ranges, c.z, settings)?;
            (Some(p), used)
        }
        None => (None, 0),
    };
    Ok(DesignChoice {
        targets,
        target_rule,
        meets_targets,
        feasible: ok_grid,
        chosen,
        nearest_miss,
        gp_points,
        prediction,
    })
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
pub fn verify(
    cfg: &Config,
    prediction: &Prediction,
    settings: &DesignSettings,
    progress: &Progress,
) -> Result<Verification, DesignError> {
    let mut params = PhaseFieldParams::from_config(cfg)?;
    let points = params.points;
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
    Ok(Verification {
        features: Array2::from_shape_fn((runs.len(), 8), |(i, j)| runs[i].1[j]),
        loops: Array2::from_shape_fn((runs.len(), points), |(i, j)| runs[i].0[j]),
    })
}

/// Datasets from this size up train all of the paper's Adam steps (`design.paper_steps`):
/// the main job's size before issue 20 raised it.
pub const FULL_STEPS_FROM: usize = 480;

/// The share of the paper's Adam steps a run trains: all of them from 480 loops up, in
/// proportion below (a quick 48-loop run trains a tenth), so small trial runs stay quick.
pub fn step_share(samples: usize) -> f64 {
    (samples as f64 / FULL_STEPS_FROM as f64).min(1.0)
}

/// Epochs that give `share` of the Adam steps of `epochs` epochs on paper 000's 10,000 loops
/// on `n` rows (never fewer than `share` x `epochs`).
///
/// ```text
/// paper_epochs(200, 128, 430, 0.0, 1.0) == 3950   // 200 x 79 steps / 4 batches per epoch
/// paper_epochs(200, 128, 48, 0.0, 0.1) == 1580    // a tenth of the steps, 1 batch per epoch
/// ```
fn paper_epochs(epochs: usize, batch: usize, n: usize, validation: f64, share: f64) -> usize {
    let train = n - (validation * n as f64).round() as usize;
    let paper_steps = (epochs * 10_000usize.div_ceil(batch)) as f64 * share;
    let floor = (epochs as f64 * share).ceil() as usize;
    (paper_steps.ceil() as usize)
        .div_ceil(train.div_ceil(batch).max(1))
        .max(floor)
        .max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn paper_epochs_match_the_papers_adam_steps() {
        assert_eq!(super::paper_epochs(200, 128, 430, 0.0, 1.0), 3950);
        assert_eq!(super::paper_epochs(200, 128, 10_000, 0.0, 1.0), 200);
        assert_eq!(super::paper_epochs(200, 128, 20_000, 0.0, 1.0), 200);
        // Below 480 loops, the steps shrink in proportion.
        assert_eq!(super::step_share(480), 1.0);
        assert_eq!(super::step_share(4800), 1.0);
        assert_eq!(super::step_share(48), 0.1);
        assert_eq!(super::paper_epochs(200, 128, 48, 0.0, 0.1), 1580);
    }
}
