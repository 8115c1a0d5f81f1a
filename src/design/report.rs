//! `report.md` (what a materials scientist reads) and `design.npz` (every array behind it and
//! behind the figures), both written atomically.

use super::DesignError;
use super::keys::TARGETS;
use super::pipeline::DesignOutcome;
use super::stages::Verification;
use crate::config::Config;
use crate::io::atomic::write_atomically;
use crate::io::npy::to_npy_bytes;
use crate::io::npz::npz_bytes;
use crate::phasefield::dataset::PARAMETER_NAMES;
use ndarray::{Array1, Array2};
use std::fmt::Write as _;
use std::path::Path;

const PARAMETER_LABELS: [&str; 4] = [
    "D_G (nm)",
    "nu_ortho",
    "mu_theta (rad)",
    "sigma_theta (rad)",
];

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), DesignError> {
    write_atomically(path, |w| w.write_all(bytes))
        .map_err(|e| crate::io::IoError::os(path, "write", e).into())
}

/// `design.npz`: the dataset, latent space, maps, targets, design and verification arrays.
pub fn write_arrays(o: &DesignOutcome, path: &Path) -> Result<(), DesignError> {
    let flags = Array1::from_iter(o.design.feasible.iter().map(|b| u8::from(*b)));
    let targets = Array2::from_shape_fn((4, 2), |(i, j)| o.design.targets[i][j]);
    let ranges = Array2::from_shape_fn((4, 2), |(i, j)| o.ranges[i][j]);
    let nan4 = Array1::from_elem(4, f64::NAN);
    let chosen = o.design.chosen.map_or(Array1::from_elem(2, f64::NAN), |c| {
        Array1::from(c.z.to_vec())
    });
    let (mean, std) = o
        .design
        .prediction
        .map_or((nan4.clone(), nan4.clone()), |p| {
            (Array1::from(p.mean.to_vec()), Array1::from(p.std.to_vec()))
        });
    let (verify_features, verify_loops) = match &o.verification {
        Some(v) => (v.features.clone(), v.loops.clone()),
        None => (
            Array2::zeros((0, 8)),
            Array2::zeros((0, o.data.voltage.len())),
        ),
    };
    let members = [
        ("parameters", to_npy_bytes(&o.data.parameters)),
        (
            "voltage",
            to_npy_bytes(&Array1::from(o.data.voltage.clone())),
        ),
        ("loops", to_npy_bytes(&o.data.loops)),
        ("features", to_npy_bytes(&o.data.features)),
        ("latent", to_npy_bytes(&o.model.latent)),
        ("latent_log_var", to_npy_bytes(&o.model.latent_log_var)),
        ("history", to_npy_bytes(&o.model.history)),
        ("correlations", to_npy_bytes(&o.analysis.correlations)),
        (
            "feature_correlations",
            to_npy_bytes(&o.analysis.feature_correlations),
        ),
        ("manifold_z", to_npy_bytes(&o.analysis.manifold.0)),
        ("manifold_loops", to_npy_bytes(&o.analysis.manifold.1)),
        ("grid_z", to_npy_bytes(&o.analysis.map.z)),
        ("grid_features", to_npy_bytes(&o.analysis.map.features)),
        ("grid_feasible", to_npy_bytes(&flags)),
        (
            "grid_meets_targets",
            to_npy_bytes(&Array1::from_iter(
                o.design.meets_targets.iter().map(|b| u8::from(*b)),
            )),
        ),
        ("targets", to_npy_bytes(&targets)),
        ("parameter_ranges", to_npy_bytes(&ranges)),
        ("chosen_z", to_npy_bytes(&chosen)),
        ("predicted_parameters", to_npy_bytes(&mean)),
        ("predicted_std", to_npy_bytes(&std)),
        ("verify_features", to_npy_bytes(&verify_features)),
        ("verify_loops", to_npy_bytes(&verify_loops)),
    ];
    let bytes = npz_bytes(&members).map_err(|e| crate::io::IoError::os(path, "write", e))?;
    write_file(path, &bytes)
}

/// `report.md`.
pub fn write_report(o: &DesignOutcome, cfg: &Config, path: &Path) -> Result<(), DesignError> {
    let mut r = String::new();
    let _ = writeln!(r, "# HZO inverse design (paper 000, end to end)\n");
    let _ = writeln!(
        r,
        "## Stages\n\n| stage | seconds | result |\n|---|---:|---|"
    );
    for s in &o.stages {
        let reused = if s.reused {
            " (reused from an earlier run: the settings and inputs it depends on are unchanged)"
        } else {
            ""
        };
        let _ = writeln!(
            r,
            "| {} | {:.1} | {}{reused} |",
            s.stage.name(),
            s.seconds,
            s.summary
        );
    }
    let total: f64 = o.stages.iter().map(|s| s.seconds).sum();
    let _ = writeln!(r, "| total | {total:.1} | |\n");
    let reused: Vec<&str> = o
        .stages
        .iter()
        .filter(|s| s.reused)
        .map(|s| s.stage.name())
        .collect();
    if !reused.is_empty() {
        let _ = writeln!(
            r,
            "Reused from an earlier run into this folder (`stages.json` records what each depends on): {}.\n",
            reused.join(", ")
        );
    }

    let _ = writeln!(
        r,
        "## Settings\n\nConfiguration keys changed from their defaults:\n"
    );
    let mut any = false;
    for (key, value) in cfg.overrides() {
        any = true;
        let _ = writeln!(r, "- `{key}` = {value}");
    }
    if !any {
        let _ = writeln!(
            r,
            "- none (paper 000's defaults; `ferrolab keys` lists them)"
        );
    }
    let _ = writeln!(
        r,
        "\nParameter ranges (Table 1): {}.\n",
        PARAMETER_LABELS
            .iter()
            .zip(&o.ranges)
            .map(|(n, [lo, hi])| format!("{n} {lo:.4} to {hi:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let _ = writeln!(r, "## Latent space (Fig. 2, 3)\n");
    let _ = writeln!(
        r,
        "Pearson r of each latent variable (rows) with the material parameters and the loop features (columns), over the {} loops:\n",
        o.model.latent.nrows()
    );
    let _ = writeln!(
        r,
        "| | {} | {} |\n|---|{}",
        PARAMETER_NAMES.join(" | "),
        TARGETS.map(|t| t.1).join(" | "),
        "---:|".repeat(8)
    );
    for k in 0..o.analysis.correlations.nrows() {
        let cells: Vec<String> = o
            .analysis
            .correlations
            .row(k)
            .iter()
            .chain(o.analysis.feature_correlations.row(k).iter())
            .map(|v| format!("{v:+.3}"))
            .collect();
        let _ = writeln!(r, "| z{} | {} |", k + 1, cells.join(" | "));
    }

    let _ = writeln!(
        r,
        "\n## Targets (section 2.3)\n\nRule: {}.\n",
        o.design.target_rule
    );
    let _ = writeln!(
        r,
        "| feature | min | max | dataset range |\n|---|---:|---:|---|"
    );
    for (k, (_, name, col)) in TARGETS.iter().enumerate() {
        let (m, s, _) = mean_std(o.data.features.column(*col).iter().copied());
        let _ = writeln!(
            r,
            "| {name} | {:.4} | {:.4} | mean {m:.4}, std {s:.4} |",
            o.design.targets[k][0], o.design.targets[k][1]
        );
    }
    let meets = o.design.meets_targets.iter().filter(|b| **b).count();
    let feasible = o.design.feasible.iter().filter(|b| **b).count();
    let _ = writeln!(
        r,
        "\nDecoded loops of {meets} of {} latent grid points ({} x {} over [-2, 2]^2) meet all four windows; {feasible} of them lie near the encoded data (an encoded loop within design.max_data_distance) and form the design region (Fig. 5).",
        o.design.feasible.len(),
        o.analysis.map.steps,
        o.analysis.map.steps
    );

    let _ = writeln!(r, "\n## Design\n");
    match (&o.design.chosen, &o.design.prediction) {
        (Some(c), Some(p)) => {
            let _ = writeln!(
                r,
                "Chosen point (rule: the feasible grid point farthest from the region's boundary): z = ({:.4}, {:.4}), {:.3} latent units from the boundary.\n",
                c.z[0], c.z[1], c.margin
            );
            let _ = writeln!(
                r,
                "Material parameters predicted by GPs (constant x RBF + White(0.005), optimised; outputs the parameters scaled to [0, 1] by Table 1's ranges, then centred and normalised; {} training points; Fig. 6):\n",
                o.design.gp_points
            );
            let _ = writeln!(
                r,
                "| parameter | predicted | std | note |\n|---|---:|---:|---|"
            );
            for (k, label) in PARAMETER_LABELS.iter().enumerate() {
                let note = if p.unclipped[k] == p.mean[k] {
                    String::new()
                } else {
                    format!("clipped from {:.4} to Table 1's range", p.unclipped[k])
                };
                let _ = writeln!(
                    r,
                    "| {label} | {:.4} | {:.4} | {note} |",
                    p.mean[k], p.std[k]
                );
            }
        }
        _ => {
            let _ = writeln!(r, "**No latent point near the data meets all targets.**");
            if let Some((i, miss)) = &o.design.nearest_miss {
                let _ = writeln!(
                    r,
                    "\nNearest grid point z = ({:.4}, {:.4}) misses by: {}.",
                    o.analysis.map.z[[*i, 0]],
                    o.analysis.map.z[[*i, 1]],
                    TARGETS
                        .iter()
                        .zip(miss)
                        .map(|((_, n, _), m)| format!("{n} {m:+.4}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
    }

    if let Some(Verification { features, .. }) = &o.verification {
        let _ = writeln!(
            r,
            "\n## Verification (Fig. 7)\n\n{} fresh films with the predicted parameters (different grain geometries):\n",
            features.nrows()
        );
        let _ = writeln!(
            r,
            "| feature | target | achieved (mean +/- std) | verdict |\n|---|---|---|---|"
        );
        let mut misses = 0;
        for (k, (_, name, col)) in TARGETS.iter().enumerate() {
            let (m, s, count) = mean_std(features.column(*col).iter().copied());
            let [lo, hi] = o.design.targets[k];
            let verdict = if count == 0 {
                misses += 1;
                "no loop finished".to_owned()
            } else if m < lo {
                misses += 1;
                format!("misses: {:.4} below the window", lo - m)
            } else if m > hi {
                misses += 1;
                format!("misses: {:.4} above the window", m - hi)
            } else {
                "inside".to_owned()
            };
            let _ = writeln!(
                r,
                "| {name} | {lo:.4} to {hi:.4} | {m:.4} +/- {s:.4} ({count} loops) | {verdict} |"
            );
        }
        let _ = writeln!(
            r,
            "\n{}",
            if misses == 0 {
                "The re-simulated films meet every target on average.".to_owned()
            } else {
                format!("The re-simulated films miss {misses} of 4 targets on average (see above).")
            }
        );
    }
    let _ = writeln!(
        r,
        "\n## Files\n\n`design.npz` holds every array behind this report and the figures (names in `src/design/report.rs`); `vae.safetensors` the trained model; the PNG figures are drawn by `ferrolab design`."
    );
    write_file(path, r.as_bytes())
}

/// Mean and standard deviation of the finite values of a column, and their count.
fn mean_std(values: impl Iterator<Item = f64>) -> (f64, f64, usize) {
    let v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return (f64::NAN, f64::NAN, 0);
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    (m, s, v.len())
}
