//! The inverse design's run: the stages of [`super::stages`] in order, with progress,
//! cancellation, timing and reuse of an earlier run's dataset and model.

use super::DesignError;
use super::keys::DesignSettings;
use super::reuse::StageLog;
use super::stages::{
    self, DataSource, DesignChoice, LatentAnalysis, LoopData, Staged, TrainedModel, Verification,
};
use crate::config::Config;
use crate::nn::VaeSettings;
use crate::phasefield::dataset::Sweep;
use crate::phasefield::params::PhaseFieldParams;
use crate::progress::Progress;
use std::path::Path;
use std::time::Instant;

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

/// How a stage went: its time, a one-line summary, and whether an earlier run's files were
/// reused.
#[derive(Clone, Debug, PartialEq)]
pub struct StageRecord {
    /// The stage.
    pub stage: Stage,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// One line for the report.
    pub summary: String,
    /// Taken from an earlier run with the same settings and inputs.
    pub reused: bool,
}

/// Everything the run found, stage by stage; the report and `design.npz` are written from it.
pub struct DesignOutcome {
    /// Time, summary and reuse of every stage.
    pub stages: Vec<StageRecord>,
    /// The loops learnt from.
    pub data: LoopData,
    /// The trained beta-VAE and the loops' latent codes.
    pub model: TrainedModel,
    /// Correlations, manifold and the latent feature map.
    pub analysis: LatentAnalysis,
    /// Targets, design region, chosen point and predicted parameters.
    pub design: DesignChoice,
    /// Fresh simulations of the predicted film (None when nothing met the targets).
    pub verification: Option<Verification>,
    /// Table 1's ranges of D_G, nu, mu, sigma.
    pub ranges: [[f64; 2]; 4],
}

/// Runs the stages one after another, timing each.
struct Stages<'a> {
    progress: &'a Progress,
    records: Vec<StageRecord>,
}

impl Stages<'_> {
    /// Run `stage` (with `total` units of work) and record it, summarised by `summary`.
    fn run<T>(
        &mut self,
        stage: Stage,
        total: usize,
        work: impl FnOnce() -> Result<Staged<T>, DesignError>,
        summary: impl FnOnce(&T) -> String,
    ) -> Result<T, DesignError> {
        enter(self.progress, stage, total)?;
        let started = Instant::now();
        let Staged { result, reused } = work()?;
        self.records.push(StageRecord {
            stage,
            seconds: started.elapsed().as_secs_f64(),
            summary: summary(&result),
            reused,
        });
        Ok(result)
    }
}

fn fresh<T>(result: Result<T, DesignError>) -> Result<Staged<T>, DesignError> {
    result.map(|result| Staged {
        result,
        reused: false,
    })
}

/// Run the whole pipeline with the `pf.*`, `sweep.*` (ranges), `vae.*` and `design.*` keys of
/// `cfg`, writing into `out` (created if needed): `dataset.*` (when simulated; resumable),
/// `vae.safetensors`, `stages.json`, `design.npz` and `report.md`. A re-run into the same
/// folder reuses the dataset and the model when the settings they depend on are unchanged
/// (the report says which). Blocks; poll and cancel through `progress` from other threads.
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
    std::fs::create_dir_all(out).map_err(|e| crate::io::IoError::os(out, "create", e))?;
    // One run per output directory: a second one fails at once rather than interleave.
    let _lock = crate::io::lock::RunLock::acquire(&out.join(".lock"))?;
    let mut log = StageLog::open(out);
    let mut stages = Stages {
        progress,
        records: Vec::new(),
    };

    let data = stages.run(
        Stage::Dataset,
        0,
        || stages::dataset(cfg, source, out, progress, &mut log),
        |d: &LoopData| {
            format!(
                "{} loops of {} points ({} runaway or failed structures dropped)",
                d.loops.nrows(),
                d.voltage.len(),
                d.dropped
            )
        },
    )?;
    let model = stages.run(
        Stage::Training,
        vae_settings.epochs,
        || stages::train(&vae_settings, &settings, &data, out, progress, &mut log),
        |m: &TrainedModel| {
            let last = m.history.row(m.history.nrows() - 1);
            format!(
                "{} epochs{}, final loss {:.4} per loop (reconstruction {:.4}, KL {:.4})",
                m.history.nrows(),
                if m.history.nrows() != m.requested_epochs {
                    format!(
                        " (vae.epochs = {} set to {:.0} % of the paper's Adam steps on 10,000 \
                         loops: all of them from {} loops up, in proportion below)",
                        m.requested_epochs,
                        100.0 * stages::step_share(settings.samples),
                        stages::FULL_STEPS_FROM
                    )
                } else {
                    String::new()
                },
                last[0],
                last[1],
                last[2]
            )
        },
    )?;
    let thickness_m = pf.structure.thickness_nm() * 1e-9;
    let analysis = stages.run(
        Stage::Analysis,
        1,
        || fresh(stages::analyse(&data, &model, thickness_m, &settings)),
        |a: &LatentAnalysis| {
            format!(
                "correlations, {steps} x {steps} manifold, features of {} decoded loops",
                a.map.z.nrows(),
                steps = settings.manifold_steps
            )
        },
    )?;
    let design = stages.run(
        Stage::InverseDesign,
        1,
        || fresh(stages::choose(&data, &model, &analysis, &ranges, &settings)),
        |d: &DesignChoice| match &d.chosen {
            Some(c) => format!(
                "{} of {} grid points meet all targets, {} of them near the data; chosen z = ({:.3}, {:.3})",
                d.meets_targets.iter().filter(|b| **b).count(),
                d.feasible.len(),
                d.feasible.iter().filter(|b| **b).count(),
                c.z[0],
                c.z[1]
            ),
            None => "no latent point near the data meets all targets".into(),
        },
    )?;
    let verification = stages.run(
        Stage::Verification,
        settings.verify_seeds,
        || {
            fresh(
                design
                    .prediction
                    .map(|p| stages::verify(cfg, &p, &settings, progress))
                    .transpose(),
            )
        },
        |v: &Option<Verification>| match v {
            Some(v) => format!("{} fresh films simulated", v.features.nrows()),
            None => "skipped (no design)".into(),
        },
    )?;

    enter(progress, Stage::Report, 1)?;
    let mut outcome = DesignOutcome {
        stages: stages.records,
        data,
        model,
        analysis,
        design,
        verification,
        ranges,
    };
    let started = Instant::now();
    super::report::write_arrays(&outcome, &out.join("design.npz"))?;
    outcome.stages.push(StageRecord {
        stage: Stage::Report,
        seconds: started.elapsed().as_secs_f64(),
        summary: "report.md and design.npz".into(),
        reused: false,
    });
    super::report::write_report(&outcome, cfg, &out.join("report.md"))?;
    Ok(outcome)
}
