//! `ferrolab pipeline paper004`: paper 004's chain on the synthetic displacement lattice
//! (docs/stem-data.md): image -> atom-finding U-Net -> windows centred on the B-sites -> rVAE
//! -> Gaussian-mixture classes, and the paper's comparison: GMM classes of the raw windows and
//! of their PCA, t-SNE, MDS and Isomap embeddings beside the rVAE's, each scored by the
//! adjusted Rand index against the known displacement variants.

use crate::pipeline::{Crops, output_dir, rvae_stage, unet_stage, write_text};
use crate::plot::{bars_png, scatter_png};
use crate::rvae::{Cut, FigureOptions, Stack, draw_figures};
use crate::settings::config_from;
use crate::unet::{crops, degradation};
use ferrolab::analysis::{
    IsomapParams, MdsParams, Pca, PcaParams, TsneParams, adjusted_rand_score,
};
use ferrolab::nn::rvae::RvaeSettings;
use ferrolab::nn::rvae::analysis::{angle_content_features, gmm_classes};
use ferrolab::nn::unet::UnetSettings;
use ferrolab::stem::{
    Atom, AtomFramesSettings, B_SITE, DisplacementLatticeSettings, atom_frames, match_atoms,
    windows_at,
};
use ndarray::{Array2, ArrayView2, Axis};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `ferrolab pipeline paper004`.
#[derive(clap::Args)]
pub struct Args {
    /// Output directory.
    #[arg(long, default_value = "paper004")]
    out: PathBuf,
    /// Degradation of the images: low, medium, high or very_high.
    #[arg(long, default_value = "low")]
    level: String,
    /// Side of the analysed lattice image, px (cell 13 px). The U-Net trains on two other
    /// lattices of 192 x 192.
    #[arg(long, default_value_t = 384)]
    size: usize,
    #[command(flatten)]
    crops: Crops,
    /// Side of the windows centred on the B-sites, px (24 px spans ~1.8 cells, as the
    /// paper's 48 px at twice the cell).
    #[arg(long, default_value_t = 24)]
    window: usize,
    /// Gaussian-mixture components (the paper: 8 on raw windows).
    #[arg(long, default_value_t = 8)]
    classes: usize,
    /// Seed of the lattices, the crops and the mixtures; the analysed image uses seed + 1.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Settings as key=value: unet.*, rvae.*, tsne.*, mds.*, isomap.* (`ferrolab keys`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// Each found atom's index into `truth` when a true atom lies within `radius` px.
fn nearest_truth(found: &[Atom], truth: &[(f64, f64)], radius: f64) -> Vec<Option<usize>> {
    found
        .iter()
        .map(|a| {
            truth
                .iter()
                .enumerate()
                .map(|(k, t)| (k, (a.row - t.0).hypot(a.col - t.1)))
                .filter(|(_, d)| *d <= radius)
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .map(|(k, _)| k)
        })
        .collect()
}

/// A label short enough for a bar of the comparison figure.
fn short_name(method: &str) -> &str {
    match method {
        "raw windows" => "raw",
        "rVAE angle+content" => "rVAE",
        "rVAE content" => "rVAE L",
        other => other,
    }
}

/// Isomap of `x`; when the k-nearest-neighbour graph falls apart (the substrate's windows
/// can form their own cluster), `n_neighbors` is doubled until it holds together, and the
/// value used is noted in `summary`.
fn connected_isomap(
    mut params: IsomapParams,
    x: ArrayView2<f64>,
    summary: &mut String,
) -> Result<Array2<f64>, String> {
    loop {
        match params.fit(x) {
            Ok(fit) => {
                let _ = writeln!(summary, "Isomap with n_neighbors = {}", params.n_neighbors);
                return Ok(fit.embedding().to_owned());
            }
            Err(e) if params.n_neighbors * 2 < x.nrows() => {
                println!(
                    "{e}; retrying with n_neighbors = {}",
                    params.n_neighbors * 2
                );
                params.n_neighbors *= 2;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

pub fn run(a: &Args) -> Result<(), String> {
    let cfg = config_from(&a.set)?;
    let unet_settings = UnetSettings::from_config(&cfg).map_err(|e| e.to_string())?;
    let rvae_settings = RvaeSettings::from_config(&cfg).map_err(|e| e.to_string())?;
    let tsne = TsneParams::from_config(&cfg).map_err(|e| e.to_string())?;
    let mds = MdsParams::from_config(&cfg).map_err(|e| e.to_string())?;
    let isomap = IsomapParams::from_config(&cfg).map_err(|e| e.to_string())?;
    if unet_settings.classes != 3 {
        return Err(format!(
            "unet.classes = {}: atom finding here has 3 classes (background, A, B)",
            unet_settings.classes
        ));
    }
    if a.classes < 2 {
        return Err(format!("--classes {}: needs at least 2", a.classes));
    }
    a.crops.check(192, "the training lattices")?;
    if a.window < 2 || a.window > a.size {
        return Err(format!(
            "--window {}: needs 2 to --size {} px",
            a.window, a.size
        ));
    }
    let level = degradation(&a.level)?;
    output_dir(&a.out)?;

    // 1. The atom-finding U-Net on two labelled lattices.
    let mut train = AtomFramesSettings {
        degradation: level,
        seed: a.seed,
        ..AtomFramesSettings::small()
    };
    train.lattice.seed = a.seed;
    let train = atom_frames(&train).map_err(|e| e.to_string())?;
    let (x, y) = crops(
        &train.images,
        &train.masks,
        [train.frames, train.height, train.width],
        (a.crops.crop, a.crops.crops, a.seed),
        "the training lattices",
    )?;
    let unet = unet_stage(&a.out, &unet_settings, x.view(), y.view())?;

    // 2. Atoms of the analysed image.
    let seed = a.seed.wrapping_add(1);
    let test = atom_frames(&AtomFramesSettings {
        frames: 1,
        degradation: level,
        seed,
        lattice: DisplacementLatticeSettings {
            height: a.size,
            width: a.size,
            seed,
            ..DisplacementLatticeSettings::small()
        },
        ..AtomFramesSettings::small()
    })
    .map_err(|e| e.to_string())?;
    let (h, w) = (test.height, test.width);
    let image = test.image(0).ok_or("the analysed image is missing")?;
    let frame = ArrayView2::from_shape((h, w), image).map_err(|e| e.to_string())?;
    let found = unet.find_atoms(frame).map_err(|e| e.to_string())?;
    let mut summary = String::new();
    let m = match_atoms(&found, &test.sites[0], 1.0).map_err(|e| e.to_string())?;
    for c in m.per_class.iter().filter(|c| c.truth > 0) {
        let _ = writeln!(
            summary,
            "atoms of class {}: {} found, {} true, recall {:.4}, precision {:.4} within 1 px",
            c.class, c.found, c.truth, c.recall, c.precision
        );
    }

    // 3. Windows on the found B-sites that match a true one (their variant is the truth).
    let lattice = &test.lattices[0];
    let b_sites: Vec<Atom> = found
        .iter()
        .filter(|s| s.class == B_SITE)
        .copied()
        .collect();
    let matched = nearest_truth(&b_sites, &lattice.b_centres, 1.0);
    let centres: Vec<(f64, f64)> = b_sites
        .iter()
        .zip(&matched)
        .filter(|(_, k)| k.is_some())
        .map(|(s, _)| (s.row, s.col))
        .collect();
    let variants_of_centres: Vec<usize> = matched
        .iter()
        .flatten()
        .map(|k| usize::from(lattice.b_variant[*k]))
        .collect();
    let max = image.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if max.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return Err(format!("the image's maximum is {max}: it cannot be scaled"));
    }
    let scaled: Vec<f32> = image.iter().map(|v| v / max).collect();
    let windows = windows_at(&scaled, h, w, &centres, a.window).map_err(|e| e.to_string())?;
    let truth: Vec<usize> = windows
        .kept
        .iter()
        .map(|k| variants_of_centres[*k])
        .collect();
    let n = windows.len();
    if n < a.classes.max(10) {
        return Err(format!(
            "only {n} windows of {} px on matched B-sites: too few to classify (a larger --size or a smaller --window)",
            a.window
        ));
    }
    let raw = Array2::from_shape_vec(
        (n, a.window * a.window),
        windows.windows.iter().map(|v| f64::from(*v)).collect(),
    )
    .map_err(|e| e.to_string())?;
    let _ = writeln!(
        summary,
        "{n} windows of {} px on B-sites matched within 1 px ({} B-sites found)",
        a.window,
        b_sites.len()
    );

    // 4. The rVAE and the other representations.
    let rvae = rvae_stage(&a.out, &rvae_settings, raw.view(), a.window)?;
    let enc = rvae.encode(raw.view()).map_err(|e| e.to_string())?;
    let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
    let pca = Pca::fit(raw.view(), &PcaParams::new(2)).map_err(text)?;
    let mut methods: Vec<(String, Array2<f64>)> = vec![
        ("raw windows".into(), raw.clone()),
        ("PCA".into(), pca.transform(raw.view()).map_err(text)?),
        (
            "t-SNE".into(),
            tsne.fit(raw.view()).map_err(text)?.embedding,
        ),
        ("MDS".into(), mds.fit(raw.view()).map_err(text)?.embedding),
        (
            "Isomap".into(),
            connected_isomap(isomap, raw.view(), &mut summary)?,
        ),
        ("rVAE angle+content".into(), angle_content_features(&enc)),
        ("rVAE content".into(), enc.content.clone()),
    ];
    let counts: Vec<usize> = [a.classes, 4].into_iter().collect();
    let mut csv = String::from("method,components,adjusted_rand_index\n");
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for (name, features) in &mut methods {
        for &k in &counts {
            let classes = gmm_classes(features.view(), k, 3, a.seed)
                .map_err(|e| format!("{name}, {k} components: {e}"))?;
            let ari =
                adjusted_rand_score(&truth, classes.as_slice().ok_or("classes")?).map_err(text)?;
            let _ = writeln!(csv, "{name},{k},{ari:.6}");
            let _ = writeln!(summary, "{name}: GMM of {k} components, ARI {ari:.4}");
            labels.push(format!("{}/{k}", short_name(name)));
            values.push(ari);
        }
    }
    write_text(&a.out.join("comparison.csv"), &csv)?;
    bars_png(
        &a.out.join("comparison.png"),
        &format!(
            "ARI of Gaussian-mixture classes (method/components) against the true variants, {n} windows"
        ),
        "ARI",
        &labels,
        &values,
        None,
        (values.iter().copied().fold(0.0, f64::min), 1.0),
    )?;
    let variant = truth.iter().map(|v| *v as f64).collect::<Vec<_>>();
    for (name, features) in methods.iter().skip(1).take(4) {
        let points: Vec<(f64, f64)> = features.axis_iter(Axis(0)).map(|r| (r[0], r[1])).collect();
        let file = format!(
            "embedding_{}.png",
            name.to_lowercase().replace(['-', ' '], "")
        );
        scatter_png(
            &a.out.join(file),
            &format!("{name} of the windows, coloured by the true variant (3 = substrate)"),
            ("component 1", "component 2"),
            &points,
            Some(("variant", &variant)),
        )?;
    }
    if enc.content.ncols() >= 2 {
        let points: Vec<(f64, f64)> = enc
            .content
            .axis_iter(Axis(0))
            .map(|r| (r[0], r[1]))
            .collect();
        scatter_png(
            &a.out.join("embedding_rvae.png"),
            "rVAE content latents of the windows, coloured by the true variant (3 = substrate)",
            ("L1", "L2"),
            &points,
            Some(("variant", &variant)),
        )?;
    }
    let cut = Cut {
        stack: Stack {
            frames: 1,
            h,
            w,
            pixels: scaled,
            what: format!("the synthetic lattice ({h} x {w}, {} level)", a.level),
        },
        windows,
        images: raw,
        step: None,
    };
    draw_figures(
        &rvae,
        &cut,
        &enc,
        &a.out.join("rvae"),
        &FigureOptions {
            frame: 0,
            grid: 10,
            range: Some((-2.0, 2.0)),
            physical: (0.95, 1.05),
            components: 2,
            classes: Some(a.classes),
            seed: a.seed,
        },
    )?;
    write_text(&a.out.join("summary.txt"), &summary)?;
    print!("{summary}");
    println!(
        "wrote comparison.csv, comparison.png, embedding_*.png, summary.txt and rvae/ in {}",
        a.out.display()
    );
    Ok(())
}
