//! The rVAE on the synthetic STEM data with known truth (docs/stem-data.md, models.md 2.6 and
//! issue 19's targets). A plain timed main, not run in CI:
//! `cargo bench --bench rvae_stem -- [data=rotated] [seeds=0-2] [n=16] [size=384] [epochs=20]
//! [rvae.KEY=VALUE ...]`.
//!
//! `data=rotated` (data (a)): an image (384 x 384 by default) of 4 Voronoi regions whose
//! lattice of an asymmetric motif is rotated by a known angle, two contrast variants; windows
//! centred on the main atoms,
//! judged where the whole window lies inside one region (border distance >= n / sqrt 2):
//! aligned median angle error (period 2 pi), the share within 15 degrees, and the purity of a
//! 2-component Gaussian mixture of the content latents against the variant. Beside it, paper
//! 000's plain MLP VAE on the same windows: the purity of its latents' mixture, and how much of
//! each model's latent variance within a variant the region (that is, the rotation) explains.

use ferrolab::analysis::{aligned_angle_error, aligned_errors, circular_mean, circular_std};
use ferrolab::config::{Config, Kind, Value};
use ferrolab::nn::mlp_vae::{MlpVae, VaeSettings};
use ferrolab::nn::rvae::analysis::{gmm_classes, purity};
use ferrolab::nn::rvae::{Rvae, RvaeSettings};
use ferrolab::progress::Progress;
use ferrolab::stem::{RotatedLatticeSettings, rotated_lattice, windows_at};
use ndarray::{Array2, ArrayView2};
use std::time::Instant;

struct Args {
    data: String,
    seeds: std::ops::RangeInclusive<u64>,
    n: usize,
    size: usize,
    epochs: usize,
    cfg: Config,
}

fn parse() -> Args {
    let mut a = Args {
        data: "rotated".into(),
        seeds: 0..=2,
        n: 16,
        size: 384,
        epochs: 20,
        cfg: Config::new(),
    };
    a.cfg
        .set("rvae.learning_rate", Value::F64(1e-3))
        .expect("a valid value");
    for arg in std::env::args().skip(1).filter(|a| a.contains('=')) {
        let (k, v) = arg.split_once('=').expect("key=value");
        match k {
            "data" => a.data = v.to_owned(),
            "seeds" => {
                let (x, y) = v.split_once('-').unwrap_or((v, v));
                a.seeds = x.parse().expect("seed")..=y.parse().expect("seed");
            }
            "n" => a.n = v.parse().expect("window side"),
            "size" => a.size = v.parse().expect("image side"),
            "epochs" => a.epochs = v.parse().expect("epochs"),
            "threads" => ferrolab::parallel::set_num_threads(v.parse().expect("threads"))
                .expect("a thread count"),
            _ => {
                let value = match a.cfg.spec(k).expect("a known key").kind() {
                    Kind::F64 => Value::F64(v.parse().expect("a number")),
                    Kind::I64 => Value::I64(v.parse().expect("an integer")),
                    _ => Value::Str(v.to_owned()),
                };
                a.cfg.set(k, value).expect("a valid value");
            }
        }
    }
    a
}

fn gmm_purity(latents: ArrayView2<f64>, k: usize, truth: &[usize]) -> f64 {
    let classes = gmm_classes(latents, k, 5, 0).expect("gmm");
    purity(&classes.to_vec(), truth).expect("purity")
}

/// Mean over latents and variants of the share of a latent's variance within a variant that
/// the region explains (the correlation ratio eta^2 of the region, within each variant).
fn region_share(latents: ArrayView2<f64>, variant: &[usize], region: &[usize]) -> f64 {
    let mut shares = Vec::new();
    for v in 0..=*variant.iter().max().unwrap_or(&0) {
        let rows: Vec<usize> = (0..variant.len()).filter(|&i| variant[i] == v).collect();
        if rows.len() < 2 {
            continue;
        }
        for j in 0..latents.ncols() {
            let x: Vec<f64> = rows.iter().map(|&i| latents[[i, j]]).collect();
            let mean = x.iter().sum::<f64>() / x.len() as f64;
            let total: f64 = x.iter().map(|a| (a - mean).powi(2)).sum();
            let mut groups = std::collections::HashMap::<usize, (f64, usize)>::new();
            for (&i, a) in rows.iter().zip(&x) {
                let g = groups.entry(region[i]).or_default();
                g.0 += a;
                g.1 += 1;
            }
            let between: f64 = groups
                .values()
                .map(|(s, c)| *c as f64 * (s / *c as f64 - mean).powi(2))
                .sum();
            shares.push(between / total.max(f64::MIN_POSITIVE));
        }
    }
    shares.iter().sum::<f64>() / shares.len() as f64
}

fn rotated(a: &Args, seed: u64) {
    let lattice = rotated_lattice(&RotatedLatticeSettings {
        height: a.size,
        width: a.size,
        seed,
        ..Default::default()
    })
    .expect("lattice");
    let (h, w) = (lattice.height, lattice.width);
    let max = lattice.image.iter().fold(f32::MIN, |m, v| m.max(*v));
    let scaled: Vec<f32> = lattice.image.iter().map(|v| v / max).collect();
    // Centred on the main atoms, as the papers centre theirs on atoms: a grid would show the
    // lattice at every phase, which a shift of 0.1 per unit latent cannot follow.
    let centres: Vec<(f64, f64)> = lattice
        .atoms
        .iter()
        .filter(|atom| atom.site == 0)
        .map(|atom| (atom.row, atom.col))
        .collect();
    let windows = windows_at(&scaled, h, w, &centres, a.n).expect("windows");
    let pixels = a.n * a.n;
    let images = Array2::from_shape_fn((windows.len(), pixels), |(i, p)| {
        f64::from(windows.windows[i * pixels + p])
    });
    let at = |&(r, c): &(usize, usize)| r * w + c;
    let inside: Vec<usize> = (0..windows.len())
        .filter(|&i| lattice.border_distance[at(&windows.centres[i])] >= a.n as f64 / 2f64.sqrt())
        .collect();
    let truth_angle: Vec<f64> = inside
        .iter()
        .map(|&i| lattice.angle[at(&windows.centres[i])])
        .collect();
    let variant: Vec<usize> = inside
        .iter()
        .map(|&i| usize::from(lattice.variant[at(&windows.centres[i])]))
        .collect();
    let region: Vec<usize> = inside
        .iter()
        .map(|&i| lattice.region[at(&windows.centres[i])])
        .collect();

    let settings = RvaeSettings {
        epochs: a.epochs,
        seed,
        ..RvaeSettings::from_config(&a.cfg).expect("rvae settings")
    };
    let started = Instant::now();
    let mut model = Rvae::new(&settings, [a.n, a.n]).expect("model");
    model.train(images.view(), &Progress::new()).expect("train");
    let seconds = started.elapsed().as_secs_f64();
    let codes = model.encode(images.view()).expect("encode");
    let phi: Vec<f64> = inside.iter().map(|&i| codes.angle[i]).collect();
    let tau = std::f64::consts::TAU;
    let (error, sign, offset) = aligned_angle_error(&phi, &truth_angle, tau).expect("error");
    let errors = aligned_errors(&phi, &truth_angle, sign, offset, tau).expect("errors");
    let within = errors.iter().filter(|e| e.to_degrees() < 15.0).count() as f64 / phi.len() as f64;
    // The square lattice repeats every quarter turn; only the motif's satellites tell the
    // quarter turns apart.
    let (quarter, _, _) = aligned_angle_error(&phi, &truth_angle, tau / 4.0).expect("error");
    for r in 0..lattice.region_angle.len() {
        let own: Vec<f64> = (0..phi.len())
            .filter(|&i| region[i] == r)
            .map(|i| phi[i])
            .collect();
        if let (Ok(m), Ok(sd)) = (circular_mean(&own, tau), circular_std(&own, tau)) {
            eprintln!(
                "  region {r}: variant {}, true angle {:.1} deg, latent angle {:.1} +- {:.1} deg over {} windows",
                lattice.region_variant[r],
                lattice.region_angle[r].to_degrees(),
                m.to_degrees(),
                sd.to_degrees(),
                own.len()
            );
        }
    }
    let content = codes.content.select(ndarray::Axis(0), &inside);
    let purity_rvae = gmm_purity(content.view(), 2, &variant);
    let share_rvae = region_share(content.view(), &variant, &region);

    let plain_settings = VaeSettings {
        latent_dim: settings.content_latents,
        epochs: a.epochs * 5,
        seed,
        ..VaeSettings::default()
    };
    let mut plain = MlpVae::new(&plain_settings, pixels).expect("plain vae");
    plain
        .train(images.view(), &Progress::new())
        .expect("plain train");
    let (z, _) = plain.encode(images.view()).expect("plain encode");
    let z = z.select(ndarray::Axis(0), &inside);
    let purity_plain = gmm_purity(z.view(), 2, &variant);
    let share_plain = region_share(z.view(), &variant, &region);
    let last = model.history().last().expect("an epoch");
    println!(
        "{seed} | {} / {} | {:.1} (s {sign:+}) | {:.1} | {:.3} | {:.3} | {:.2} | {:.3} | {:.2} | {:.4} / {:.4} | {seconds:.0}",
        inside.len(),
        windows.len(),
        error.to_degrees(),
        quarter.to_degrees(),
        within,
        purity_rvae,
        share_rvae,
        purity_plain,
        share_plain,
        last.train.total,
        last.validation.map_or(f64::NAN, |v| v.total),
    );
}

fn main() {
    let a = parse();
    match a.data.as_str() {
        "rotated" => {
            println!(
                "data (a), {} x {} image, n = {}, {} epochs; rVAE keys: {:?}",
                a.size,
                a.size,
                a.n,
                a.epochs,
                RvaeSettings::from_config(&a.cfg).expect("rvae settings")
            );
            println!(
                "seed | windows inside / all | aligned median error, deg (period 2 pi) | same, period pi/2 | within 15 deg (2 pi) | GMM purity rVAE | region share rVAE | GMM purity plain VAE | region share plain | loss train / test | s"
            );
            for seed in a.seeds.clone() {
                rotated(&a, seed);
            }
        }
        other => panic!("data={other}: rotated"),
    }
}
