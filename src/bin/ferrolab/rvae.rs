//! `ferrolab rvae train|encode|figures`: papers 002/004's rotationally invariant VAE on windows
//! of an image or an image stack (NPY) or of the built-in synthetic STEM data, and the papers'
//! analyses of its latents as arrays and figures.

use crate::plot::{MapPanel, curve_panels_png, map_panels_png, stacked_png};
use crate::settings::config_from;
use ferrolab::analysis::wrap;
use ferrolab::io::npy::{parse_npy, to_npy_bytes};
use ferrolab::nn::rvae::analysis::{
    angle_content_features, decode_grid, frame_kde_nmf, gmm_classes, image_nmf,
    intensity_histograms, latent_maps, max_contrast, physical_mask,
};
use ferrolab::nn::rvae::{Rvae, RvaeEncoding, RvaeSettings};
use ferrolab::stem::{
    DisplacementLatticeSettings, RotatedLatticeSettings, WallStackSettings, Windows,
    displacement_lattice, rotated_lattice, stack_grid_windows, stack_windows_at, wall_stack,
};
use ndarray::{Array1, Array2, s};
use std::f64::consts::PI;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Subcommands of `ferrolab rvae`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train on windows of the input (`ferrolab keys rvae.`; defaults are paper 004's). Writes
    /// OUT/model.safetensors and OUT/history.csv; a killed run resumes from
    /// OUT/checkpoint.safetensors when started again with the same arguments.
    Train {
        #[command(flatten)]
        input: Input,
        /// Window side, px.
        #[arg(long)]
        window: usize,
        /// Output directory.
        #[arg(long, default_value = "rvae")]
        out: PathBuf,
        /// Settings as key=value, e.g. --set rvae.epochs=20 --set rvae.hidden=64.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Encode windows of the input with a trained model: OUT.npz with angle, angle_sd,
    /// offsets, offsets_sd (n x 2), content, content_sd (n x k), centres (n x 2, row and
    /// column) and frames (n). The window side is the model's.
    Encode {
        /// A model file from `ferrolab rvae train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Output .npz file.
        #[arg(long, default_value = "rvae_encoding.npz")]
        out: PathBuf,
    },
    /// The papers' figures of a trained model on windows of the input, in OUT:
    /// latent_maps.png (angle wrapped to [-pi, pi), offsets and content over the image, one
    /// frame), histograms.png (every latent), manifold.png (the decoded grid of two content
    /// latents at angle 0, offsets 0, its maximum-contrast map and physical region),
    /// manifold_nmf.png (NMF of the decoded images and of their histograms) and, for stacks,
    /// kde.png, kde_components.png and kde_nmf.png (per-frame densities of angle and content,
    /// their NMF components and loadings); the numbers in figures.npz and figures.txt.
    Figures {
        /// A model file from `ferrolab rvae train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Output directory.
        #[arg(long, default_value = "rvae_figures")]
        out: PathBuf,
        /// Frame of a stack shown in the latent maps.
        #[arg(long, default_value_t = 0)]
        frame: usize,
        /// Side d of the decoded d x d grid.
        #[arg(long, default_value_t = 10)]
        grid: usize,
        /// Range of both content latents on the grid (paper 004: -2 2); default: each
        /// latent's observed range (paper 002).
        #[arg(long, num_args = 2, value_names = ["LO", "HI"], allow_negative_numbers = true)]
        range: Option<Vec<f64>>,
        /// Maximum contrast of the physical region.
        #[arg(long, num_args = 2, value_names = ["LO", "HI"], default_values_t = [0.95, 1.05])]
        physical: Vec<f64>,
        /// NMF components of the per-frame densities and of the decoded grid.
        #[arg(long, default_value_t = 2)]
        components: usize,
        /// Also classify the windows by a Gaussian mixture of this many components on
        /// (cos angle, sin angle, content) (paper 004): classes.png and `classes` in
        /// figures.npz.
        #[arg(long)]
        classes: Option<usize>,
    },
}

/// The images and the windows cut from them.
#[derive(clap::Args)]
pub struct Input {
    /// An image (H x W) or a stack (T x H x W) as .npy.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Built-in synthetic STEM data (docs/stem-data.md) instead of --data.
    #[arg(long, value_enum)]
    synthetic: Option<Synthetic>,
    /// Side of the synthetic images, px (default: each generator's own).
    #[arg(long)]
    size: Option<usize>,
    /// Frames of the synthetic wall stack.
    #[arg(long)]
    frames: Option<usize>,
    /// Seed of the synthetic data and of --random.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Window centres as .npy: K x 2 (row, col; in every frame) or K x 3 (frame, row, col).
    #[arg(long)]
    centres: Option<PathBuf>,
    /// Windows on a grid of this step, px (default for a single image: 1, a window at every
    /// pixel).
    #[arg(long)]
    step: Option<usize>,
    /// This many windows at random centres per frame (default for a stack: 300).
    #[arg(long)]
    random: Option<usize>,
    /// Keep the data's units (default: divide by the maximum over all frames, as paper 004).
    #[arg(long)]
    no_scale: bool,
}

/// The synthetic data sets.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Synthetic {
    /// Voronoi regions of a two-atom lattice at random angles (one image).
    RotatedLattice,
    /// Paper 004's stand-in: B-site displacement variants in stripe domains (one image).
    DisplacementLattice,
    /// Paper 002's stand-in: a stack of wall images switching with a triangular bias.
    Walls,
}

/// Frames of `h x w` pixels, row-major, frame after frame.
pub struct Stack {
    pub frames: usize,
    pub h: usize,
    pub w: usize,
    pub pixels: Vec<f32>,
    /// What the frames are, for messages and titles.
    pub what: String,
}

/// Windows and where they come from.
pub struct Cut {
    pub stack: Stack,
    pub windows: Windows,
    /// The windows as rows of `n * n` values.
    pub images: Array2<f64>,
    /// The grid step, when windows lie on a grid.
    pub step: Option<usize>,
}

fn read_stack(input: &Input) -> Result<Stack, String> {
    let stack = match (&input.data, input.synthetic) {
        (Some(_), Some(_)) | (None, None) => {
            return Err("give exactly one input: --data FILE.npy or --synthetic KIND".into());
        }
        (Some(path), None) => {
            if input.size.is_some() || input.frames.is_some() {
                return Err("--size and --frames describe --synthetic data".into());
            }
            let bytes = ferrolab::io::read_file(path).map_err(|e| format!("--data: {e}"))?;
            let npy = parse_npy(&bytes).map_err(|e| format!("--data {}: {e}", path.display()))?;
            let values = npy
                .to_f64()
                .map_err(|e| format!("--data {}: {e}", path.display()))?;
            let (frames, h, w) = match npy.shape[..] {
                [h, w] => (1, h, w),
                [t, h, w] => (t, h, w),
                _ => {
                    return Err(format!(
                        "--data {}: shape {:?}; expected an image (H, W) or a stack (T, H, W)",
                        path.display(),
                        npy.shape
                    ));
                }
            };
            Stack {
                frames,
                h,
                w,
                pixels: values.iter().map(|v| *v as f32).collect(),
                what: format!("{} ({frames} x {h} x {w})", path.display()),
            }
        }
        (None, Some(kind)) => synthetic(kind, input)?,
    };
    if stack.frames == 0 || stack.h == 0 || stack.w == 0 {
        return Err(format!("{}: no pixels", stack.what));
    }
    Ok(stack)
}

fn synthetic(kind: Synthetic, input: &Input) -> Result<Stack, String> {
    let text = |e: ferrolab::stem::StemError| e.to_string();
    if input.frames.is_some() && !matches!(kind, Synthetic::Walls) {
        return Err("--frames applies to --synthetic walls only".into());
    }
    Ok(match kind {
        Synthetic::RotatedLattice => {
            let d = RotatedLatticeSettings::default();
            let side = input.size.unwrap_or(d.height);
            let s = RotatedLatticeSettings {
                height: side,
                width: side,
                seed: input.seed,
                ..d
            };
            let l = rotated_lattice(&s).map_err(text)?;
            Stack {
                frames: 1,
                h: l.height,
                w: l.width,
                pixels: l.image,
                what: format!("the synthetic rotated lattice ({side} x {side})"),
            }
        }
        Synthetic::DisplacementLattice => {
            let d = DisplacementLatticeSettings::small();
            let side = input.size.unwrap_or(d.height);
            let s = DisplacementLatticeSettings {
                height: side,
                width: side,
                seed: input.seed,
                ..d
            };
            let l = displacement_lattice(&s).map_err(text)?;
            Stack {
                frames: 1,
                h: l.height,
                w: l.width,
                pixels: l.image,
                what: format!("the synthetic displacement lattice ({side} x {side})"),
            }
        }
        Synthetic::Walls => {
            let d = WallStackSettings::default();
            let side = input.size.unwrap_or(d.height);
            let s = WallStackSettings {
                height: side,
                width: side,
                frames: input.frames.unwrap_or(d.frames),
                seed: input.seed,
                ..d
            };
            let st = wall_stack(&s).map_err(text)?;
            Stack {
                frames: st.frames,
                h: st.height,
                w: st.width,
                pixels: st.images,
                what: format!("the synthetic wall stack ({} x {side} x {side})", st.frames),
            }
        }
    })
}

/// The input's windows of side `n`, scaled unless --no-scale.
fn cut(input: &Input, n: usize) -> Result<Cut, String> {
    let mut stack = read_stack(input)?;
    if !input.no_scale {
        let max = stack
            .pixels
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f32::NEG_INFINITY, f32::max);
        if max.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(format!(
                "{}: the maximum is {max}, so the images cannot be divided by it (give --no-scale)",
                stack.what
            ));
        }
        stack.pixels.iter_mut().for_each(|v| *v /= max);
    }
    let (t, h, w) = (stack.frames, stack.h, stack.w);
    let chosen = [
        input.centres.is_some(),
        input.step.is_some(),
        input.random.is_some(),
    ];
    if chosen.iter().filter(|c| **c).count() > 1 {
        return Err("give at most one of --centres, --step and --random".into());
    }
    let text = |e: ferrolab::stem::StemError| e.to_string();
    let mut step = None;
    let windows = if let Some(path) = &input.centres {
        let per_frame = read_centres(path, t)?;
        stack_windows_at(&stack.pixels, t, h, w, &per_frame, n).map_err(text)?
    } else if let Some(k) = input
        .random
        .or((t > 1 && input.step.is_none()).then_some(300))
    {
        ferrolab::stem::random_windows(&stack.pixels, t, h, w, k, n, input.seed).map_err(text)?
    } else {
        let st = input.step.unwrap_or(1);
        step = Some(st);
        stack_grid_windows(&stack.pixels, t, h, w, n, st).map_err(text)?
    };
    if windows.is_empty() {
        return Err(format!("{}: no window of {n} px fits", stack.what));
    }
    let images = Array2::from_shape_vec(
        (windows.len(), n * n),
        windows.windows.iter().map(|v| f64::from(*v)).collect(),
    )
    .map_err(|e| e.to_string())?;
    Ok(Cut {
        stack,
        windows,
        images,
        step,
    })
}

fn read_centres(path: &Path, t: usize) -> Result<Vec<Vec<(f64, f64)>>, String> {
    let bytes = ferrolab::io::read_file(path).map_err(|e| format!("--centres: {e}"))?;
    let bad = |e: String| format!("--centres {}: {e}", path.display());
    let npy = parse_npy(&bytes).map_err(bad)?;
    let values = npy.to_f64().map_err(bad)?;
    let mut per_frame = vec![Vec::new(); t];
    match npy.shape[..] {
        [_, 2] => {
            for c in values.chunks_exact(2) {
                per_frame.iter_mut().for_each(|f| f.push((c[0], c[1])));
            }
        }
        [_, 3] => {
            for c in values.chunks_exact(3) {
                let f = c[0];
                if !(f >= 0.0 && f.fract() == 0.0 && f < t as f64) {
                    return Err(bad(format!("frame {f} is not one of the {t} frames")));
                }
                per_frame[f as usize].push((c[1], c[2]));
            }
        }
        _ => {
            return Err(bad(format!(
                "shape {:?}; expected K x 2 (row, col) or K x 3 (frame, row, col)",
                npy.shape
            )));
        }
    }
    Ok(per_frame)
}

pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Train {
            input,
            window,
            out,
            set,
        } => train(input, *window, out, set),
        Command::Encode { model, input, out } => encode(model, input, out),
        Command::Figures {
            model,
            input,
            out,
            frame,
            grid,
            range,
            physical,
            components,
            classes,
        } => figures(
            model,
            input,
            out,
            &FigureOptions {
                frame: *frame,
                grid: *grid,
                range: range.as_deref().map(|r| (r[0], r[1])),
                physical: (physical[0], physical[1]),
                components: *components,
                classes: *classes,
                seed: input.seed,
            },
        ),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    ferrolab::io::atomic::write_atomically(path, |w| w.write_all(bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn train(input: &Input, window: usize, out: &Path, set: &[String]) -> Result<(), String> {
    let settings = RvaeSettings::from_config(&config_from(set)?).map_err(|e| e.to_string())?;
    if window < 2 {
        return Err(format!("--window {window}: windows need at least 2 x 2 px"));
    }
    let cut = cut(input, window)?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let mut model = Rvae::new(&settings, [window, window]).map_err(|e| e.to_string())?;
    let checkpoint = out.join("checkpoint.safetensors");
    let resuming = checkpoint.exists();
    model
        .set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    println!(
        "{} the rVAE ({} parameters: {} filters, hidden {}, {} content latents) on {} windows of {window} px from {}: {} epochs{}",
        if resuming { "resuming" } else { "training" },
        model.parameter_count(),
        settings.filters,
        settings.hidden,
        settings.content_latents,
        cut.windows.len(),
        cut.stack.what,
        settings.epochs,
        if input.no_scale {
            ""
        } else {
            ", images divided by their maximum"
        }
    );
    crate::epoch_bar::with_epoch_bar(settings.epochs, |progress| {
        model.train(cut.images.view(), progress)
    })?
    .map_err(|e| e.to_string())?;
    let path = out.join("model.safetensors");
    model.save(&path).map_err(|e| e.to_string())?;
    // The finished model replaces the checkpoint.
    let _ = std::fs::remove_file(&checkpoint);
    let mut csv = String::from("epoch,total,reconstruction,kl,test_total\n");
    for r in model.history() {
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            r.epoch,
            r.train.total,
            r.train.reconstruction,
            r.train.kl,
            r.validation.map_or(f64::NAN, |v| v.total)
        );
    }
    write(&out.join("history.csv"), csv.as_bytes())?;
    if let Some(last) = model.history().last() {
        println!(
            "epoch {}: loss {:.4} (reconstruction {:.4}, KL {:.4}){}",
            last.epoch,
            last.train.total,
            last.train.reconstruction,
            last.train.kl,
            last.validation
                .map_or(String::new(), |v| format!(", test loss {:.4}", v.total))
        );
    }
    let epochs: Vec<f64> = model.history().iter().map(|r| r.epoch as f64).collect();
    let loss: Vec<f64> = model.history().iter().map(|r| r.train.total).collect();
    stacked_png(
        &out.join("training.png"),
        "rVAE training",
        "Epoch",
        &[("Loss per window", epochs, loss, false)],
    )?;
    println!(
        "wrote {}, history.csv and training.png in {}",
        path.display(),
        out.display()
    );
    Ok(())
}

fn load(model: &Path) -> Result<Rvae, String> {
    Rvae::load(model).map_err(|e| format!("--model {}: {e}", model.display()))
}

/// The model's window side.
fn window_of(model: &Rvae) -> Result<usize, String> {
    match model.architecture().image {
        [h, w] if h == w => Ok(h),
        [h, w] => Err(format!("the model's images are {h} x {w}, not square")),
    }
}

fn encoded(model: &Path, input: &Input) -> Result<(Rvae, Cut, RvaeEncoding), String> {
    let model = load(model)?;
    let cut = cut(input, window_of(&model)?)?;
    let enc = model.encode(cut.images.view()).map_err(|e| e.to_string())?;
    Ok((model, cut, enc))
}

fn encode(model: &Path, input: &Input, out: &Path) -> Result<(), String> {
    let (_, cut, enc) = encoded(model, input)?;
    let w = &cut.windows;
    let centres = Array2::from_shape_fn((w.len(), 2), |(i, j)| {
        let c = w.centres[i];
        (if j == 0 { c.0 } else { c.1 }) as i64
    });
    let frames = Array1::from_iter(w.frames.iter().map(|f| *f as i64));
    let members = [
        ("angle", to_npy_bytes(&enc.angle)),
        ("angle_sd", to_npy_bytes(&enc.angle_sd)),
        ("offsets", to_npy_bytes(&enc.offsets)),
        ("offsets_sd", to_npy_bytes(&enc.offsets_sd)),
        ("content", to_npy_bytes(&enc.content)),
        ("content_sd", to_npy_bytes(&enc.content_sd)),
        ("centres", to_npy_bytes(&centres)),
        ("frames", to_npy_bytes(&frames)),
    ];
    let bytes = ferrolab::io::npz::npz_bytes(&members).map_err(|e| e.to_string())?;
    write(out, &bytes)?;
    println!(
        "encoded {} windows of {}; wrote {}",
        w.len(),
        cut.stack.what,
        out.display()
    );
    Ok(())
}

/// The options of `ferrolab rvae figures` (see its arguments).
pub struct FigureOptions {
    pub frame: usize,
    pub grid: usize,
    pub range: Option<(f64, f64)>,
    pub physical: (f64, f64),
    pub components: usize,
    pub classes: Option<usize>,
    /// Seed of the Gaussian mixture.
    pub seed: u64,
}

fn figures(model_path: &Path, input: &Input, out: &Path, o: &FigureOptions) -> Result<(), String> {
    let (model, cut, enc) = encoded(model_path, input)?;
    draw_figures(&model, &cut, &enc, out, o)
}

/// The papers' figures of `model`'s encoding `enc` of the windows `cut`, in `out` (the files
/// `ferrolab rvae figures` lists).
pub fn draw_figures(
    model: &Rvae,
    cut: &Cut,
    enc: &RvaeEncoding,
    out: &Path,
    o: &FigureOptions,
) -> Result<(), String> {
    if o.frame >= cut.stack.frames {
        return Err(format!(
            "--frame {}: the input has {} frames",
            o.frame, cut.stack.frames
        ));
    }
    if let Some((lo, hi)) = o.range
        && lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less)
    {
        return Err(format!("--range {lo} {hi}: needs LO < HI"));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let k = enc.content.ncols();
    let n = window_of(model)?;
    let mut summary = String::new();
    let mut arrays: Vec<(String, Vec<u8>)> = Vec::new();
    let wrapped: Vec<f64> = enc.angle.iter().map(|a| wrap(*a, 2.0 * PI)).collect();

    // Latent maps of one frame (002 Fig. 4).
    let in_frame: Vec<usize> = (0..cut.windows.len())
        .filter(|i| cut.windows.frames[*i] == o.frame)
        .collect();
    let sub = RvaeEncoding {
        angle: in_frame.iter().map(|i| wrapped[*i]).collect(),
        angle_sd: enc.angle_sd.select(ndarray::Axis(0), &in_frame),
        offsets: enc.offsets.select(ndarray::Axis(0), &in_frame),
        offsets_sd: enc.offsets_sd.select(ndarray::Axis(0), &in_frame),
        content: enc.content.select(ndarray::Axis(0), &in_frame),
        content_sd: enc.content_sd.select(ndarray::Axis(0), &in_frame),
    };
    let centres: Vec<(usize, usize)> = in_frame.iter().map(|i| cut.windows.centres[*i]).collect();
    let maps =
        latent_maps((cut.stack.h, cut.stack.w), &centres, &sub).map_err(|e| e.to_string())?;
    // On a grid, show the grid's cells only; elsewhere (centres at atoms or at random), a
    // single pixel per window would be invisible, so each value fills a square about the
    // centres' mean spacing wide.
    let marker = ((cut.stack.h * cut.stack.w) as f64 / centres.len().max(1) as f64).sqrt();
    let half = ((marker / 2.0).floor() as usize).saturating_sub(1).min(8);
    let shrink = |m: ndarray::ArrayView2<f64>| match cut.step {
        Some(st) => m.slice(s![n / 2..;st, n / 2..;st]).to_owned(),
        None => markers(m, &centres, half),
    };
    let mut panels = vec![
        MapPanel {
            title: "angle (rad, wrapped)".into(),
            values: shrink(maps.angle.view()),
        },
        MapPanel {
            title: "offset dx".into(),
            values: shrink(maps.offsets.slice(s![0, .., ..])),
        },
        MapPanel {
            title: "offset dy".into(),
            values: shrink(maps.offsets.slice(s![1, .., ..])),
        },
    ];
    for j in 0..k {
        panels.push(MapPanel {
            title: format!("content L{}", j + 1),
            values: shrink(maps.content.slice(s![j, .., ..])),
        });
    }
    arrays.push(("angle_map".into(), to_npy_bytes(&maps.angle)));
    arrays.push(("content_maps".into(), to_npy_bytes(&maps.content)));
    map_panels_png(
        &out.join("latent_maps.png"),
        &format!("rVAE latents of frame {} ({})", o.frame, cut.stack.what),
        &panels,
        3,
        None,
    )?;

    // Gaussian-mixture classes (004 Fig. 2h,i).
    if let Some(kc) = o.classes {
        let features = angle_content_features(enc);
        let classes = gmm_classes(features.view(), kc, 3, o.seed)
            .map_err(|e| format!("--classes {kc}: {e}"))?;
        let mut map = Array2::from_elem((cut.stack.h, cut.stack.w), f64::NAN);
        for i in &in_frame {
            let (r, c) = cut.windows.centres[*i];
            map[[r, c]] = classes[*i] as f64;
        }
        map_panels_png(
            &out.join("classes.png"),
            &format!(
                "Gaussian-mixture classes of (cos angle, sin angle, content), frame {}",
                o.frame
            ),
            &[MapPanel {
                title: format!("class (0 .. {})", kc - 1),
                values: shrink(map.view()),
            }],
            1,
            None,
        )?;
        let sizes: Vec<String> = (0..kc)
            .map(|c| classes.iter().filter(|v| **v == c).count().to_string())
            .collect();
        let _ = writeln!(summary, "{kc} classes of sizes {}", sizes.join(", "));
        arrays.push(("classes".into(), to_npy_bytes(&classes.mapv(|c| c as i64))));
    }

    // Histograms of every latent (002 Fig. 3, 004 Fig. 1d).
    let bins = 50;
    let mut hist_panels = Vec::new();
    let mut latents: Vec<(String, Vec<f64>)> =
        vec![("angle (rad, wrapped)".into(), wrapped.clone())];
    for j in 0..k {
        latents.push((
            format!("content L{}", j + 1),
            enc.content.column(j).to_vec(),
        ));
    }
    for (name, values) in &latents {
        let (lo, hi) = span(values);
        let mut counts = vec![0.0; bins];
        for v in values {
            let b = (((v - lo) / (hi - lo)) * bins as f64) as usize;
            counts[b.min(bins - 1)] += 1.0;
        }
        hist_panels.push((format!("{name}: {lo:.3} .. {hi:.3}"), vec![counts]));
    }
    let x: Vec<f64> = (0..bins).map(|b| (b as f64 + 0.5) / bins as f64).collect();
    curve_panels_png(
        &out.join("histograms.png"),
        "Latent histograms (x: each latent's range, 0 to 1)",
        ("Position in range", "Windows"),
        &x,
        &hist_panels,
        latents.len().min(3),
    )?;

    // Per-frame densities and NMF (002 Fig. 5).
    if cut.stack.frames > 1 {
        let mut panels = Vec::new();
        let mut curves = Vec::new();
        let mut shapes = Vec::new();
        for (j, (name, values)) in latents.iter().enumerate() {
            let r = frame_kde_nmf(values, &cut.windows.frames, 100, o.components, j == 0)
                .map_err(|e| format!("{name}: {e}"))?;
            let key = if j == 0 {
                "angle".into()
            } else {
                format!("l{j}")
            };
            arrays.push((format!("kde_{key}"), to_npy_bytes(&r.densities)));
            arrays.push((format!("kde_{key}_axis"), to_npy_bytes(&r.axis)));
            arrays.push((format!("kde_{key}_components"), to_npy_bytes(&r.components)));
            arrays.push((format!("kde_{key}_loadings"), to_npy_bytes(&r.loadings)));
            panels.push(MapPanel {
                title: format!("{name}: density (rows) per frame (columns)"),
                values: r.densities.clone(),
            });
            shapes.push((
                format!("{name}: {:.3} .. {:.3}", r.axis[0], r.axis[99]),
                r.components
                    .columns()
                    .into_iter()
                    .map(|c| c.to_vec())
                    .collect(),
            ));
            curves.push((
                format!("{name}: NMF loadings per frame"),
                r.loadings
                    .columns()
                    .into_iter()
                    .map(|c| c.to_vec())
                    .collect(),
            ));
            let _ = writeln!(
                summary,
                "{name}: per-frame densities on 100 points over {:.4} .. {:.4}, NMF with {} components",
                r.axis[0], r.axis[99], o.components
            );
        }
        map_panels_png(
            &out.join("kde.png"),
            "Per-frame kernel densities",
            &panels,
            panels.len(),
            None,
        )?;
        let t: Vec<f64> = (0..cut.stack.frames).map(|f| f as f64).collect();
        curve_panels_png(
            &out.join("kde_nmf.png"),
            "NMF of the per-frame densities: loadings",
            ("Frame", "Loading"),
            &t,
            &curves,
            curves.len(),
        )?;
        let x: Vec<f64> = (0..100).map(|g| g as f64 / 99.0).collect();
        curve_panels_png(
            &out.join("kde_components.png"),
            "NMF of the per-frame densities: components (x: each latent's range, 0 to 1)",
            ("Position in range", "Density"),
            &x,
            &shapes,
            shapes.len(),
        )?;
    }

    // The decoded grid (002 Fig. 6-7, 004 Fig. 1e).
    if k >= 2 {
        let ranges = [0, 1].map(|j| {
            o.range
                .unwrap_or_else(|| span(&enc.content.column(j).to_vec()))
        });
        let d = o.grid;
        let g = decode_grid(model, [0, 1], ranges, d).map_err(|e| e.to_string())?;
        let contrast = max_contrast(g.images.view(), d).map_err(|e| e.to_string())?;
        let mask = physical_mask(&contrast, o.physical);
        let mut mosaic = Array2::from_elem((d * (n + 1), d * (n + 1)), f64::NAN);
        for i in 0..d {
            for j in 0..d {
                // L1 grows downwards, L2 to the right.
                let img = g.images.row(i * d + j);
                for p in 0..n * n {
                    mosaic[[i * (n + 1) + p / n, j * (n + 1) + p % n]] = img[p];
                }
            }
        }
        map_panels_png(
            &out.join("manifold.png"),
            &format!(
                "Decoded grid: L1 {:.2} .. {:.2} (down), L2 {:.2} .. {:.2} (right)",
                ranges[0].0, ranges[0].1, ranges[1].0, ranges[1].1
            ),
            &[
                MapPanel {
                    title: "decoded images".into(),
                    values: mosaic,
                },
                MapPanel {
                    title: "maximum contrast".into(),
                    values: contrast.clone(),
                },
                MapPanel {
                    title: format!(
                        "physical region: max in [{}, {}]",
                        o.physical.0, o.physical.1
                    ),
                    values: mask.mapv(|m| f64::from(u8::from(m))),
                },
            ],
            3,
            None,
        )?;
        let (lo, hi) = span(&g.images.iter().copied().collect::<Vec<_>>());
        let hist =
            intensity_histograms(g.images.view(), 20, (lo, hi)).map_err(|e| e.to_string())?;
        let nc = o.components.min(d * d);
        let images = image_nmf(g.images.view(), nc).map_err(|e| format!("image NMF: {e}"))?;
        let hists =
            image_nmf(hist.view(), nc.min(20)).map_err(|e| format!("histogram NMF: {e}"))?;
        let mut panels = Vec::new();
        for (c, comp) in images.components.rows().into_iter().enumerate() {
            panels.push(MapPanel {
                title: format!("image component {}", c + 1),
                values: comp
                    .to_owned()
                    .into_shape_with_order((n, n))
                    .map_err(|e| e.to_string())?,
            });
        }
        for (name, f) in [("image", &images), ("histogram", &hists)] {
            for (c, l) in f.loadings.columns().into_iter().enumerate() {
                panels.push(MapPanel {
                    title: format!("{name} loading {}", c + 1),
                    values: l
                        .to_owned()
                        .into_shape_with_order((d, d))
                        .map_err(|e| e.to_string())?,
                });
            }
        }
        map_panels_png(
            &out.join("manifold_nmf.png"),
            "NMF of the decoded grid's images and of their intensity histograms",
            &panels,
            nc,
            None,
        )?;
        let physical = mask.iter().filter(|m| **m).count();
        let _ = writeln!(
            summary,
            "decoded grid {d} x {d}: {physical} of {} cells physical (maximum contrast in [{}, {}])",
            d * d,
            o.physical.0,
            o.physical.1
        );
        arrays.push(("grid_images".into(), to_npy_bytes(&g.images)));
        arrays.push(("grid_contrast".into(), to_npy_bytes(&contrast)));
        arrays.push(("grid_physical".into(), to_npy_bytes(&mask.mapv(u8::from))));
        arrays.push((
            "grid_image_components".into(),
            to_npy_bytes(&images.components),
        ));
        arrays.push(("grid_image_loadings".into(), to_npy_bytes(&images.loadings)));
        arrays.push((
            "grid_histogram_loadings".into(),
            to_npy_bytes(&hists.loadings),
        ));
    }
    let members: Vec<(&str, Vec<u8>)> = arrays
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let bytes = ferrolab::io::npz::npz_bytes(&members).map_err(|e| e.to_string())?;
    write(&out.join("figures.npz"), &bytes)?;
    write(&out.join("figures.txt"), summary.as_bytes())?;
    print!("{summary}");
    println!(
        "wrote the figures of {} windows of {} in {}",
        cut.windows.len(),
        cut.stack.what,
        out.display()
    );
    Ok(())
}

/// `map`'s values at `centres` spread over squares of side `2 half + 1` about them (the first
/// centre wins where squares overlap); NaN elsewhere.
fn markers(map: ndarray::ArrayView2<f64>, centres: &[(usize, usize)], half: usize) -> Array2<f64> {
    let (h, w) = map.dim();
    let mut out = Array2::from_elem((h, w), f64::NAN);
    for &(r, c) in centres {
        let v = map[[r, c]];
        for rr in r.saturating_sub(half)..(r + half + 1).min(h) {
            for cc in c.saturating_sub(half)..(c + half + 1).min(w) {
                if out[[rr, cc]].is_nan() {
                    out[[rr, cc]] = v;
                }
            }
        }
    }
    out
}

/// The finite range of `values`, widened when it is a point.
fn span(values: &[f64]) -> (f64, f64) {
    let lo = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        (0.0, 1.0)
    } else if lo < hi {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    }
}
