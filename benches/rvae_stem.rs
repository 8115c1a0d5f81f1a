//! The rVAE on the synthetic STEM data with known truth (docs/stem-data.md, models.md 2.6 and
//! issue 19's targets). A plain timed main, not run in CI:
//! `cargo bench --bench rvae_stem -- [data=rotated|displacement|walls] [seeds=0-2] [n=N]
//! [size=S] [epochs=20] [frames=60] [per_frame=100] [cell=13] [substrate=3] [centre=b|cell]
//! [dump=PATH] [rvae.KEY=VALUE ...]`. The model keeps the paper's defaults (`rvae.*`) but for
//! the learning rate, 1e-3 here (the paper's 1e-4 learns little in these budgets); the rest is
//! set on the command line. The runs in benches/README.md (about 1-3 minutes each on 2 shared
//! cores): 32 filters and 40 epochs throughout; the lattice at n = 17 with
//! `rvae.translation=0`, the walls at n = 8 with `rvae.translation_scale=1`.
//!
//! `data=rotated` (data (a)): an image (384 x 384 by default) of 4 (`regions=`) Voronoi regions whose
//! lattice of an asymmetric motif is rotated by a known angle, two contrast variants; windows
//! centred on the main atoms,
//! judged where the whole window lies inside one region (border distance >= n / sqrt 2):
//! aligned median angle error (period 2 pi), the share within 15 degrees, and the purity of a
//! 2-component Gaussian mixture of the content latents against the variant. Beside it, paper
//! 000's plain MLP VAE on the same windows: the purity of its latents' mixture, and how much of
//! each model's latent variance within a variant the region (that is, the rotation) explains.
//!
//! `data=displacement` (data (b)): `stem::displacement_lattice` at the CI settings (a = 13 px,
//! stripes of 3-5 cells, chemistry step of 25 px in the middle) on a 512 x 512 image, n = 17
//! windows (odd, so a quarter turn about the centre pixel maps the pixel grid onto itself) on
//! every B-site (drawn position, or `centre=cell` the undisplaced one): the peaks of
//! the latent angle's histogram (mod 2 pi) and their gaps, the separations of the variants'
//! circular mean angles, the aligned error (2 pi), the purity of a GMM of (cos phi, sin phi,
//! L1, L2) against the variant (k = 4 on all windows, k = 3 on the film), k-means on the raw
//! windows (k = 3 on the film: against the variant and the chemistry side; also on windows
//! centred on the undisplaced cells), and how the content
//! latents separate the substrate (ROC AUC of L1, L2 and of their Fisher discriminant).
//!
//! `data=walls`: `stem::wall_stack`, 60 frames of 128 x 128, n = 8; trained on `per_frame`
//! random windows of each frame, scored on 300 others per frame: on the one-wall windows the
//! aligned error (period pi), |Pearson r| of the model's wall shift along the wall's normal
//! against the signed distance from the centre, |r| of each offset and content latent against
//! the size of the distance, and how often the angle's half turn (phi against the aligned fit
//! plus 0 or pi) tells the side of the wall; on all, paper 002's Fig. 5 analysis (per-frame
//! KDE, NMF with 2 components) of the angle (as 2 phi), L1, L2 and the pair (L1, L2) in 2-D: the
//! loading that follows p(t) best, and how much each loading differs between the two bias
//! branches at the same bias (mean |difference| over same-bias frame pairs / mean loading).

use ferrolab::analysis::{
    Bandwidth, GaussianKde, KMeans, KMeansParams, Nmf, NmfParams, aligned_angle_error,
    aligned_errors, angle_histogram, circular_mean, circular_std, pearson, wrap,
};
use ferrolab::config::{Config, Kind, Value};
use ferrolab::nn::mlp_vae::{MlpVae, VaeSettings};
use ferrolab::nn::rvae::analysis::{angle_content_features, frame_kde_nmf, gmm_classes, purity};
use ferrolab::nn::rvae::{Rvae, RvaeSettings};
use ferrolab::progress::Progress;
use ferrolab::stem::{
    DisplacementLatticeSettings, RotatedLatticeSettings, SUBSTRATE, WallStackSettings, Windows,
    displacement_lattice, random_windows, rotated_lattice, wall_stack, windows_at,
};
use ndarray::{Array2, ArrayView2, Axis};
use std::f64::consts::{PI, TAU};
use std::time::Instant;

struct Args {
    data: String,
    seeds: std::ops::RangeInclusive<u64>,
    n: Option<usize>,
    size: Option<usize>,
    epochs: usize,
    /// Walls: frames of the stack and random training windows per frame.
    frames: usize,
    per_frame: usize,
    /// Data (a): Voronoi regions (each its own angle).
    regions: usize,
    /// Lattice: cell size, px, and substrate rows.
    cell: f64,
    substrate: usize,
    /// Lattice: centre the windows on the drawn B-sites (`b`) or their undisplaced cells (`cell`).
    centre: String,
    /// Walls: write the one-wall windows' latents and truth to `DUMP-SEED.csv`.
    dump: Option<String>,
    cfg: Config,
}

fn parse() -> Args {
    let mut a = Args {
        data: "rotated".into(),
        seeds: 0..=2,
        n: None,
        size: None,
        epochs: 20,
        frames: 60,
        per_frame: 100,
        cell: 13.0,
        regions: 4,
        substrate: 3,
        centre: "b".into(),
        dump: None,
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
            "n" => a.n = Some(v.parse().expect("window side")),
            "size" => a.size = Some(v.parse().expect("image side")),
            "epochs" => a.epochs = v.parse().expect("epochs"),
            "frames" => a.frames = v.parse().expect("frames"),
            "per_frame" => a.per_frame = v.parse().expect("windows per frame"),
            "cell" => a.cell = v.parse().expect("cell, px"),
            "regions" => a.regions = v.parse().expect("regions"),
            "substrate" => a.substrate = v.parse().expect("substrate rows"),
            "centre" => a.centre = v.to_owned(),
            "dump" => a.dump = Some(v.to_owned()),
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

fn rotated(a: &Args, n: usize, size: usize, seed: u64) {
    let lattice = rotated_lattice(&RotatedLatticeSettings {
        height: size,
        width: size,
        regions: a.regions,
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
    let windows = windows_at(&scaled, h, w, &centres, n).expect("windows");
    let pixels = n * n;
    let images = Array2::from_shape_fn((windows.len(), pixels), |(i, p)| {
        f64::from(windows.windows[i * pixels + p])
    });
    let at = |&(r, c): &(usize, usize)| r * w + c;
    let inside: Vec<usize> = (0..windows.len())
        .filter(|&i| lattice.border_distance[at(&windows.centres[i])] >= n as f64 / 2f64.sqrt())
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
    let mut model = Rvae::new(&settings, [n, n]).expect("model");
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

/// The windows as rows of `n * n` pixels.
fn window_rows(windows: &Windows) -> Array2<f64> {
    let pixels = windows.n * windows.n;
    Array2::from_shape_fn((windows.len(), pixels), |(i, p)| {
        f64::from(windows.windows[i * pixels + p])
    })
}

/// An rVAE trained on `images` (`n x n` windows) with the bench's settings; the seconds taken.
fn train(a: &Args, n: usize, seed: u64, images: ArrayView2<f64>) -> (Rvae, f64) {
    let settings = RvaeSettings {
        epochs: a.epochs,
        seed,
        ..RvaeSettings::from_config(&a.cfg).expect("rvae settings")
    };
    let started = Instant::now();
    let mut model = Rvae::new(&settings, [n, n]).expect("model");
    model.train(images, &Progress::new()).expect("train");
    (model, started.elapsed().as_secs_f64())
}

fn final_losses(model: &Rvae) -> String {
    let last = model.history().last().expect("an epoch");
    format!(
        "{:.4} / {:.4}",
        last.train.total,
        last.validation.map_or(f64::NAN, |v| v.total)
    )
}

/// Peaks of the histogram of angles mod 2 pi: 72 bins of 5 degrees smoothed circularly by
/// (1, 2, 3, 2, 1) / 9, local maxima at least a quarter of the highest, each placed at the
/// circular mean of the angles within 20 degrees of its bin; increasing on [-pi, pi).
fn histogram_peaks(angles: &[f64]) -> Vec<f64> {
    let bins = 72;
    let (counts, edges) = angle_histogram(angles, TAU, bins).expect("histogram");
    let kernel = [1.0, 2.0, 3.0, 2.0, 1.0];
    let smooth: Vec<f64> = (0..bins)
        .map(|i| {
            (0..5)
                .map(|k| kernel[k] * counts[(i + bins + k - 2) % bins] as f64)
                .sum::<f64>()
                / 9.0
        })
        .collect();
    let top = smooth.iter().copied().fold(0.0, f64::max);
    let mut peaks = Vec::new();
    for i in 0..bins {
        let (left, right) = (smooth[(i + bins - 1) % bins], smooth[(i + 1) % bins]);
        // `>=` on one side only: a two-bin plateau is one peak.
        if smooth[i] >= 0.25 * top && smooth[i] > left && smooth[i] >= right {
            let centre = 0.5 * (edges[i] + edges[i + 1]);
            let near: Vec<f64> = angles
                .iter()
                .copied()
                .filter(|x| wrap(x - centre, TAU).abs() < 20f64.to_radians())
                .collect();
            peaks.push(circular_mean(&near, TAU).unwrap_or(centre));
        }
    }
    peaks.sort_by(f64::total_cmp);
    peaks
}

/// Gaps between circularly neighbouring sorted angles on [-pi, pi), degrees.
fn gaps_deg(peaks: &[f64]) -> Vec<f64> {
    (0..peaks.len())
        .map(|i| {
            let next = if i + 1 < peaks.len() {
                peaks[i + 1]
            } else {
                peaks[0] + TAU
            };
            (next - peaks[i]).to_degrees()
        })
        .collect()
}

/// Area under the ROC curve of `score` for `positive` (ties count half), folded to
/// max(AUC, 1 - AUC): 1 when a threshold on the score separates the classes, 0.5 by chance.
fn auc(score: &[f64], positive: &[bool]) -> f64 {
    let pos: Vec<f64> = (0..score.len())
        .filter(|&i| positive[i])
        .map(|i| score[i])
        .collect();
    let neg: Vec<f64> = (0..score.len())
        .filter(|&i| !positive[i])
        .map(|i| score[i])
        .collect();
    let mut wins = 0.0;
    for p in &pos {
        for q in &neg {
            wins += match p.total_cmp(q) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Less => 0.0,
            };
        }
    }
    let a = wins / (pos.len() * neg.len()) as f64;
    a.max(1.0 - a)
}

/// Fisher's discriminant of two classes in the plane of `x` (`n x 2`): the projection on
/// `S_w^-1 (m_1 - m_0)`, `S_w` the pooled within-class scatter.
fn fisher_projection(x: ArrayView2<f64>, positive: &[bool]) -> Vec<f64> {
    let mut mean = [[0.0; 2]; 2];
    let mut count = [0.0; 2];
    for (row, &p) in x.rows().into_iter().zip(positive) {
        let c = usize::from(p);
        count[c] += 1.0;
        for j in 0..2 {
            mean[c][j] += row[j];
        }
    }
    for (m, c) in mean.iter_mut().zip(count) {
        m[0] /= c;
        m[1] /= c;
    }
    let mut s = [[0.0; 2]; 2];
    for (row, &p) in x.rows().into_iter().zip(positive) {
        let m = mean[usize::from(p)];
        let d = [row[0] - m[0], row[1] - m[1]];
        for i in 0..2 {
            for j in 0..2 {
                s[i][j] += d[i] * d[j];
            }
        }
    }
    let det = s[0][0] * s[1][1] - s[0][1] * s[1][0];
    let dm = [mean[1][0] - mean[0][0], mean[1][1] - mean[0][1]];
    let w = [
        (s[1][1] * dm[0] - s[0][1] * dm[1]) / det,
        (-s[1][0] * dm[0] + s[0][0] * dm[1]) / det,
    ];
    x.rows()
        .into_iter()
        .map(|r| w[0] * r[0] + w[1] * r[1])
        .collect()
}

fn kmeans_classes(x: ArrayView2<f64>, k: usize, seed: u64) -> Vec<usize> {
    let params = KMeansParams {
        n_init: 10,
        seed,
        ..KMeansParams::new(k)
    };
    KMeans::fit(x, &params).expect("k-means").labels().to_vec()
}

fn displacement(a: &Args, n: usize, size: usize, seed: u64) {
    let lattice = displacement_lattice(&DisplacementLatticeSettings {
        height: size,
        width: size,
        cell_px: a.cell,
        substrate_cells: a.substrate,
        seed,
        ..DisplacementLatticeSettings::small()
    })
    .expect("lattice");
    let (h, w) = (lattice.height, lattice.width);
    let centres = match a.centre.as_str() {
        "b" => &lattice.b_centres,
        "cell" => &lattice.b_cells,
        other => panic!("centre={other}: b or cell"),
    };
    // Already divided by its maximum before the noise (as paper 004 scales its stack).
    let windows = windows_at(&lattice.image, h, w, centres, n).expect("windows");
    let images = window_rows(&windows);
    let variant: Vec<usize> = windows
        .kept
        .iter()
        .map(|&k| usize::from(lattice.b_variant[k]))
        .collect();
    let substrate: Vec<bool> = variant
        .iter()
        .map(|&v| v == usize::from(SUBSTRATE))
        .collect();
    let film: Vec<usize> = (0..variant.len()).filter(|&i| !substrate[i]).collect();
    let x0 = (w as f64 - 1.0) / 2.0;
    let chemistry: Vec<usize> = windows
        .kept
        .iter()
        .map(|&k| usize::from(lattice.b_cells[k].1 > x0))
        .collect();

    let (model, seconds) = train(a, n, seed, images.view());
    let codes = model.encode(images.view()).expect("encode");
    let phi: Vec<f64> = codes.angle.to_vec();
    let film_phi: Vec<f64> = film.iter().map(|&i| phi[i]).collect();
    let film_theta: Vec<f64> = film
        .iter()
        .map(|&i| lattice.b_angle[windows.kept[i]])
        .collect();
    let film_variant: Vec<usize> = film.iter().map(|&i| variant[i]).collect();

    let peaks = histogram_peaks(&film_phi);
    let peaks_all = histogram_peaks(&phi);
    let mut means = Vec::new();
    for v in 0..3 {
        let own: Vec<f64> = (0..film.len())
            .filter(|&i| film_variant[i] == v)
            .map(|i| film_phi[i])
            .collect();
        let (m, sd) = (
            circular_mean(&own, TAU).expect("mean"),
            circular_std(&own, TAU).expect("sd"),
        );
        eprintln!(
            "  variant {v}: true angle {} deg, latent angle {:.1} +- {:.1} deg over {} windows",
            45 + 90 * v,
            m.to_degrees(),
            sd.to_degrees(),
            own.len()
        );
        means.push(m);
    }
    let substrate_phi: Vec<f64> = (0..phi.len())
        .filter(|&i| substrate[i])
        .map(|i| phi[i])
        .collect();
    if let (Ok(m), Ok(sd)) = (
        circular_mean(&substrate_phi, TAU),
        circular_std(&substrate_phi, TAU),
    ) {
        eprintln!(
            "  substrate: latent angle {:.1} +- {:.1} deg over {} windows",
            m.to_degrees(),
            sd.to_degrees(),
            substrate_phi.len()
        );
    }
    // Neighbouring variants (0, 1) and (1, 2) are a quarter turn apart, 0 and 2 half a turn.
    let separation = |i: usize, j: usize| wrap(means[j] - means[i], TAU).abs().to_degrees();
    let (error, sign, _) = aligned_angle_error(&film_phi, &film_theta, TAU).expect("error");

    let features = angle_content_features(&codes);
    let gmm_all = purity(
        &gmm_classes(features.view(), 4, 5, 0).expect("gmm").to_vec(),
        &variant,
    )
    .expect("purity");
    let film_features = features.select(Axis(0), &film);
    let gmm_film = purity(
        &gmm_classes(film_features.view(), 3, 5, 0)
            .expect("gmm")
            .to_vec(),
        &film_variant,
    )
    .expect("purity");
    let film_images = images.select(Axis(0), &film);
    let raw = kmeans_classes(film_images.view(), 3, seed);
    let film_chemistry: Vec<usize> = film.iter().map(|&i| chemistry[i]).collect();
    let raw_variant = purity(&raw, &film_variant).expect("purity");
    let raw_chemistry = purity(&raw, &film_chemistry).expect("purity");
    let raw_all = purity(&kmeans_classes(images.view(), 4, seed), &variant).expect("purity");
    // The same k-means on windows centred on the undisplaced cells, where the B-site's shift
    // is all that tells the variants apart and does not move the A-site cage.
    let cell_windows = windows_at(&lattice.image, h, w, &lattice.b_cells, n).expect("windows");
    let cell_film: Vec<usize> = (0..cell_windows.len())
        .filter(|&i| lattice.b_variant[cell_windows.kept[i]] != SUBSTRATE)
        .collect();
    let cell_images = window_rows(&cell_windows).select(Axis(0), &cell_film);
    let cell_raw = kmeans_classes(cell_images.view(), 3, seed);
    let cell_truth = |f: &dyn Fn(usize) -> usize| -> Vec<usize> {
        cell_film.iter().map(|&i| f(cell_windows.kept[i])).collect()
    };
    let cell_variant = purity(
        &cell_raw,
        &cell_truth(&|k| usize::from(lattice.b_variant[k])),
    )
    .expect("purity");
    let cell_chemistry = purity(
        &cell_raw,
        &cell_truth(&|k| usize::from(lattice.b_cells[k].1 > x0)),
    )
    .expect("purity");
    let l1 = codes.content.column(0).to_vec();
    // With one content latent (a lever) the second and the discriminant are that one.
    let l2 = codes
        .content
        .column(codes.content.ncols().min(2) - 1)
        .to_vec();
    let lda = if codes.content.ncols() >= 2 {
        fisher_projection(codes.content.slice(ndarray::s![.., 0..2]), &substrate)
    } else {
        l1.clone()
    };
    let fmt = |v: &[f64]| {
        v.iter()
            .map(|g| format!("{g:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "{seed} | {} / {} | {} ({}) | {} | {:.1}, {:.1} ({:.1}) | {:.1} (s {sign:+}) | {:.3} | {:.3} | {:.3} (chem. {:.3}) | {:.3} | {:.3} (chem. {:.3}) | {:.3}, {:.3}, {:.3} | {} | {seconds:.0}",
        film.len(),
        substrate_phi.len(),
        peaks.len(),
        fmt(&gaps_deg(&peaks)),
        peaks_all.len(),
        separation(0, 1),
        separation(1, 2),
        separation(0, 2),
        error.to_degrees(),
        gmm_all,
        gmm_film,
        raw_variant,
        raw_chemistry,
        raw_all,
        cell_variant,
        cell_chemistry,
        auc(&l1, &substrate),
        auc(&l2, &substrate),
        auc(&lda, &substrate),
        final_losses(&model),
    );
}

/// Pairs (rising frame, falling frame) at the same bias.
fn branch_pairs(bias: &[f64], branch: &[f64]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for t in (0..bias.len()).filter(|&t| branch[t] > 0.0) {
        if let Some(u) =
            (0..bias.len()).find(|&u| branch[u] < 0.0 && (bias[u] - bias[t]).abs() < 1e-9)
        {
            pairs.push((t, u));
        }
    }
    pairs
}

/// How much a per-frame series differs between the branches: the mean over same-bias pairs of
/// |x(rising) - x(falling)|, over the series' mean.
fn branch_difference(x: &[f64], pairs: &[(usize, usize)]) -> f64 {
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let diff = pairs.iter().map(|&(t, u)| (x[t] - x[u]).abs()).sum::<f64>() / pairs.len() as f64;
    diff / mean
}

/// Paper 002's Fig. 5 analysis on the pair of content latents: per frame the 2-D Gaussian KDE
/// (Scott's bandwidth) of (L1, L2) on a `g x g` grid over their global ranges as one column,
/// the (g^2 x T) matrix factorised by NMF with 2 components; the loadings, T x 2.
fn joint_kde_loadings(l1: &[f64], l2: &[f64], frames: &[usize], g: usize) -> Array2<f64> {
    let t = frames.iter().max().expect("a window") + 1;
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi, g)
    };
    let (r1, r2) = (range(l1), range(l2));
    let mut x = Array2::zeros((g * g, t));
    for f in 0..t {
        let rows: Vec<usize> = (0..frames.len()).filter(|&i| frames[i] == f).collect();
        let data = Array2::from_shape_fn((rows.len(), 2), |(i, j)| {
            if j == 0 { l1[rows[i]] } else { l2[rows[i]] }
        });
        let kde = GaussianKde::new(data.view(), Bandwidth::Scott, None).expect("kde");
        let (_, _, d) = kde.grid_2d(r1, r2).expect("grid");
        x.column_mut(f)
            .assign(&ndarray::Array1::from_iter(d.iter().copied()));
    }
    let nmf = Nmf::fit(x.view(), &NmfParams::new(2)).expect("nmf");
    nmf.components().t().to_owned()
}

/// For NMF loadings (T x 2) against p(t): |r| of the component that follows p best, its branch
/// difference and the other component's.
fn loading_scores(loadings: &Array2<f64>, p: &[f64], pairs: &[(usize, usize)]) -> String {
    let p = ndarray::Array1::from_vec(p.to_vec());
    let r: Vec<f64> = (0..2)
        .map(|j| {
            pearson(loadings.column(j), p.view())
                .unwrap_or(f64::NAN)
                .abs()
        })
        .collect();
    let best = usize::from(r[1] > r[0]);
    let d = |j: usize| branch_difference(&loadings.column(j).to_vec(), pairs);
    format!("{:.3}, {:.2}, {:.2}", r[best], d(best), d(1 - best))
}

fn walls(a: &Args, n: usize, size: usize, seed: u64) {
    let stack = wall_stack(&WallStackSettings {
        frames: a.frames,
        height: size,
        width: size,
        seed,
        ..Default::default()
    })
    .expect("stack");
    let training =
        random_windows(&stack.images, a.frames, size, size, a.per_frame, n, seed).expect("windows");
    // Scored on other windows than the trained ones: 300 per frame, the note's count.
    let scored = random_windows(
        &stack.images,
        a.frames,
        size,
        size,
        300,
        n,
        seed + 1_000_000,
    )
    .expect("windows");
    let truth = stack.window_truths(&scored).expect("truth");
    let (model, seconds) = train(a, n, seed, window_rows(&training).view());
    let codes = model.encode(window_rows(&scored).view()).expect("encode");

    let one: Vec<usize> = (0..truth.len())
        .filter(|&i| truth[i].wall_count == 1)
        .collect();
    let phi: Vec<f64> = one.iter().map(|&i| codes.angle[i]).collect();
    let theta: Vec<f64> = one
        .iter()
        .map(|&i| truth[i].angle.expect("one wall"))
        .collect();
    let (error, sign, offset) = aligned_angle_error(&phi, &theta, PI).expect("error");
    // The decoder draws f(R(phi) x + s d): its content sits shifted by -s R(-phi) d in the
    // image's (x, y), grid units of 2 / (n - 1) px; its part along the true wall's normal
    // (-sin theta, cos theta) is the model's wall position, against the centre's signed
    // distance from the wall.
    let scale = model.settings().translation_scale;
    let half = (n as f64 - 1.0) / 2.0;
    let normal_shift: Vec<f64> = one
        .iter()
        .zip(&theta)
        .map(|(&i, t)| {
            let (sin, cos) = codes.angle[i].sin_cos();
            let (dx, dy) = (codes.offsets[[i, 0]], codes.offsets[[i, 1]]);
            let sx = -scale * (cos * dx + sin * dy);
            let sy = -scale * (-sin * dx + cos * dy);
            (-sx * t.sin() + sy * t.cos()) * half
        })
        .collect();
    let distance: Vec<f64> = one
        .iter()
        .map(|&i| truth[i].distance.expect("one wall"))
        .collect();
    let r_offset = pearson(
        ndarray::ArrayView1::from(&normal_shift),
        ndarray::ArrayView1::from(&distance),
    )
    .expect("pearson");

    // A wall turned by half a turn about the centre is the wall on the other side: the model
    // may keep the side in the angle's half turn and only the size of the distance in an
    // offset. The side: phi - s theta - c (c the aligned offset, period pi) near 0 or near pi;
    // its agreement with the sign of the distance (either convention), and |r| of the size
    // of the distance with each latent.
    let side: Vec<f64> = phi
        .iter()
        .zip(&theta)
        .map(|(p, t)| {
            let rest = wrap(p - sign * t - offset, TAU).abs();
            if rest < PI / 2.0 { 1.0 } else { -1.0 }
        })
        .collect();
    let agree = side
        .iter()
        .zip(&distance)
        .filter(|(s, d)| *s * *d > 0.0)
        .count() as f64
        / side.len() as f64;
    let agree = agree.max(1.0 - agree);
    let size: Vec<f64> = distance.iter().map(|d| d.abs()).collect();
    let with_size = |j: usize, m: &Array2<f64>| {
        let x: Vec<f64> = one.iter().map(|&i| m[[i, j]]).collect();
        pearson(
            ndarray::ArrayView1::from(&x),
            ndarray::ArrayView1::from(&size),
        )
        .unwrap_or(f64::NAN)
        .abs()
    };
    let size_r = [
        with_size(0, &codes.offsets),
        with_size(1, &codes.offsets),
        with_size(0, &codes.content),
        with_size(1, &codes.content),
    ];

    if let Some(path) = &a.dump {
        // For a look outside the bench: one row per one-wall window.
        let mut text = String::from("phi,theta,distance,dx,dy,l1,l2,frame\n");
        for (k, &i) in one.iter().enumerate() {
            text += &format!(
                "{},{},{},{},{},{},{},{}\n",
                phi[k],
                theta[k],
                distance[k],
                codes.offsets[[i, 0]],
                codes.offsets[[i, 1]],
                codes.content[[i, 0]],
                codes.content[[i, 1]],
                scored.frames[i]
            );
        }
        std::fs::write(format!("{path}-{seed}.csv"), text).expect("dump");
    }

    let pairs = branch_pairs(&stack.bias, &stack.branch);
    let frames = &scored.frames;
    // The wall's angle has period pi: 2 phi puts it on the full circle the KDE wraps on.
    let doubled: Vec<f64> = codes.angle.iter().map(|p| 2.0 * p).collect();
    let angle_kde = frame_kde_nmf(&doubled, frames, 100, 2, true).expect("kde nmf");
    let l1 = codes.content.column(0).to_vec();
    let l2 = codes.content.column(1).to_vec();
    let l1_kde = frame_kde_nmf(&l1, frames, 100, 2, false).expect("kde nmf");
    let l2_kde = frame_kde_nmf(&l2, frames, 100, 2, false).expect("kde nmf");
    let joint = joint_kde_loadings(&l1, &l2, frames, 30);
    let p = &stack.plus_fraction;
    println!(
        "{seed} | {} / {} | {:.1} (s {sign:+}) | {:.3} | {:.3}, {:.3} ({:.3}, {:.3}) | {:.3} | {} | {} | {} | {} | {} | {seconds:.0}",
        training.len(),
        one.len(),
        error.to_degrees(),
        r_offset.abs(),
        size_r[0],
        size_r[1],
        size_r[2],
        size_r[3],
        agree,
        loading_scores(&angle_kde.loadings, p, &pairs),
        loading_scores(&l1_kde.loadings, p, &pairs),
        loading_scores(&l2_kde.loadings, p, &pairs),
        loading_scores(&joint, p, &pairs),
        final_losses(&model),
    );
}

fn main() {
    let a = parse();
    let keys = RvaeSettings::from_config(&a.cfg).expect("rvae settings");
    match a.data.as_str() {
        "rotated" => {
            let (n, size) = (a.n.unwrap_or(16), a.size.unwrap_or(384));
            println!(
                "data (a), {size} x {size} image, n = {n}, {} epochs; rVAE keys: {keys:?}",
                a.epochs,
            );
            println!(
                "seed | windows inside / all | aligned median error, deg (period 2 pi) | same, period pi/2 | within 15 deg (2 pi) | GMM purity rVAE | region share rVAE | GMM purity plain VAE | region share plain | loss train / test | s"
            );
            for seed in a.seeds.clone() {
                rotated(&a, n, size, seed);
            }
        }
        "displacement" => {
            let (n, size) = (a.n.unwrap_or(17), a.size.unwrap_or(512));
            println!(
                "data (b), {size} x {size} image, cell {} px, {} substrate rows, n = {n} centred on {}, {} epochs; rVAE keys: {keys:?}",
                a.cell, a.substrate, a.centre, a.epochs,
            );
            println!(
                "seed | windows film / substrate | angle histogram peaks, film (gaps, deg; target 3, 90 +- 6, 90 +- 6, 180) | peaks, all windows | variant mean separations 0-1, 1-2 (0-2), deg (target 90 +- 6) | aligned median error, deg (2 pi, film) | GMM (cos, sin, L1, L2) purity, k = 4, all (target >= 0.9) | same, k = 3, film | k-means raw k = 3 purity, film (target < 0.6) | k-means raw k = 4, all | k-means raw k = 3, film, windows on the undisplaced cells | substrate AUC L1, L2, Fisher(L1, L2) | loss train / test | s"
            );
            for seed in a.seeds.clone() {
                displacement(&a, n, size, seed);
            }
        }
        "walls" => {
            let (n, size) = (a.n.unwrap_or(8), a.size.unwrap_or(128));
            let s = wall_stack(&WallStackSettings {
                frames: a.frames,
                height: size,
                width: size,
                ..Default::default()
            })
            .expect("stack");
            let pairs = branch_pairs(&s.bias, &s.branch);
            println!(
                "walls, {} frames of {size} x {size}, n = {n}, {} random windows per frame to train, 300 to score, {} epochs; p(t)'s own branch difference {:.2} over {} same-bias pairs; rVAE keys: {keys:?}",
                a.frames,
                a.per_frame,
                a.epochs,
                branch_difference(&s.plus_fraction, &pairs),
                pairs.len()
            );
            println!(
                "seed | windows trained / scored one-wall | aligned median error, deg (pi; target <= 10) | offset normal to wall vs distance |r| (target >= 0.9) | |r| of dx, dy (L1, L2) with the size of the distance | side of the wall in the angle's half turn, agreement | NMF of per-frame KDE, 2 components: |r| with p(t) of the best (target >= 0.9), branch difference of it, of the other (target < 0.1 for the non-hysteretic) -- angle (2 phi) | L1 | L2 | (L1, L2) 2-D | loss train / test | s"
            );
            for seed in a.seeds.clone() {
                walls(&a, n, size, seed);
            }
        }
        other => panic!("data={other}: rotated, displacement or walls"),
    }
}
