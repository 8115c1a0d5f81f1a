//! `ferrolab unet train|segment|atoms`: the U-Net of papers 002/004 on labelled frames (NPY)
//! or the built-in synthetic STEM frames (docs/stem-data.md): training on random crops with
//! paper 002's augmentation, segmentation of whole frames with per-class scores when the truth
//! is known, and atom finding.

use crate::plot::{MapPanel, map_panels_png};
use crate::settings::config_from;
use ferrolab::io::npy::{parse_npy, write_npy};
use ferrolab::nn::unet::{Unet, UnetSettings};
use ferrolab::stem::{
    Atom, AtomFramesSettings, Degradation, SegmentationFramesSettings, argmax_classes, atom_frames,
    class_scores, match_atoms, otsu_wall_baseline, random_windows, segmentation_frames,
};
use ndarray::{Array2, Array3, ArrayView2};
use std::path::{Path, PathBuf};

/// Subcommands of `ferrolab unet`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train on random crops of labelled frames (`ferrolab keys unet.`; defaults are paper
    /// 002's training on AtomAI's network). Writes OUT/model.safetensors and
    /// OUT/history.csv; a killed run resumes from OUT/checkpoint.safetensors when started again
    /// with the same arguments.
    Train {
        #[command(flatten)]
        input: Input,
        /// Side of the square training crops, px (a multiple of 8).
        #[arg(long, default_value_t = 64)]
        crop: usize,
        /// Training crops, cut at random positions (seed --seed) evenly from the frames.
        #[arg(long, default_value_t = 512)]
        crops: usize,
        /// Output directory.
        #[arg(long, default_value = "unet")]
        out: PathBuf,
        /// Settings as key=value, e.g. --set unet.epochs=20 --set unet.classes=3.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Segment every frame of the input with a trained model: OUT/classes.npy (T x H x W,
    /// uint8), OUT/probabilities.npy (T x K x H x W, float32) and OUT/segmented.png (first
    /// frame, its classes and, when known, the true classes). With known masks (--masks or
    /// --synthetic), per-class IoU and Dice printed beside the Otsu wall baseline.
    Segment {
        /// A model file from `ferrolab unet train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Output directory.
        #[arg(long, default_value = "unet_segment")]
        out: PathBuf,
    },
    /// Find atoms in every frame with a model trained on atom marks (class 0 background):
    /// OUT/atoms.npy (n x 4: frame, row, column, class) and OUT/atoms.png (first frame); with
    /// --synthetic atoms, recall and precision within 1 px per class.
    Atoms {
        /// A model file from `ferrolab unet train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        input: Input,
        /// Output directory.
        #[arg(long, default_value = "unet_atoms")]
        out: PathBuf,
    },
}

/// Frames and, when known, their masks.
#[derive(clap::Args)]
pub struct Input {
    /// Frames as .npy: an image (H x W) or a stack (T x H x W).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Per-pixel classes of --data as .npy (same shape, integers).
    #[arg(long)]
    masks: Option<PathBuf>,
    /// Built-in synthetic frames with known masks instead of --data.
    #[arg(long, value_enum)]
    synthetic: Option<Synthetic>,
    /// Degradation of the synthetic frames: low, medium, high or very_high.
    #[arg(long, default_value = "low")]
    level: String,
    /// Seed of the synthetic frames and of the crops.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// The synthetic frame sets.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Synthetic {
    /// Paper 002's stand-in: bright-field frames with walls and contaminants (classes 0 domain,
    /// 1 wall, 2 contaminant), 8 frames of 128 x 128.
    Segmentation,
    /// Paper 004's stand-in: lattices of A and B sites (classes 0 background, 1 A, 2 B), 2
    /// frames of 192 x 192.
    Atoms,
}

/// Frames of `h x w` pixels, their masks and, for synthetic atoms, the true sites.
struct Frames {
    t: usize,
    h: usize,
    w: usize,
    images: Vec<f32>,
    masks: Option<Vec<u8>>,
    sites: Option<Vec<Vec<Atom>>>,
    mask_radius: f64,
    what: String,
}

impl Frames {
    fn image(&self, k: usize) -> ArrayView2<'_, f32> {
        let n = self.h * self.w;
        ArrayView2::from_shape((self.h, self.w), &self.images[k * n..(k + 1) * n])
            .expect("frames hold t x h x w values")
    }
}

fn read_npy(path: &Path, what: &str) -> Result<(Vec<usize>, Vec<f64>), String> {
    let bytes = ferrolab::io::read_file(path).map_err(|e| format!("{what}: {e}"))?;
    let npy = parse_npy(&bytes).map_err(|e| format!("{what} {}: {e}", path.display()))?;
    let values = npy
        .to_f64()
        .map_err(|e| format!("{what} {}: {e}", path.display()))?;
    Ok((npy.shape.clone(), values))
}

/// The degradation level named `level` (`--level`).
pub fn degradation(level: &str) -> Result<Degradation, String> {
    Degradation::levels()
        .into_iter()
        .find(|(name, _)| *name == level)
        .map(|(_, d)| d)
        .ok_or_else(|| format!("--level {level}: expected low, medium, high or very_high"))
}

fn read_frames(input: &Input) -> Result<Frames, String> {
    let text = |e: ferrolab::stem::StemError| e.to_string();
    match (&input.data, input.synthetic) {
        (Some(_), Some(_)) | (None, None) => {
            Err("give exactly one input: --data FILE.npy or --synthetic KIND".into())
        }
        (Some(path), None) => {
            let (shape, values) = read_npy(path, "--data")?;
            let (t, h, w) = match shape[..] {
                [h, w] => (1, h, w),
                [t, h, w] => (t, h, w),
                _ => {
                    return Err(format!(
                        "--data {}: shape {shape:?}; expected an image (H, W) or a stack (T, H, W)",
                        path.display()
                    ));
                }
            };
            if t * h * w == 0 {
                return Err(format!("--data {}: no pixels", path.display()));
            }
            let masks = match &input.masks {
                None => None,
                Some(m) => {
                    let (mshape, classes) = read_npy(m, "--masks")?;
                    if mshape.iter().product::<usize>() != t * h * w {
                        return Err(format!(
                            "--masks {}: shape {mshape:?} does not match --data's {shape:?}",
                            m.display()
                        ));
                    }
                    let bad = classes
                        .iter()
                        .position(|c| !(0.0..=255.0).contains(c) || c.fract() != 0.0);
                    if let Some(k) = bad {
                        return Err(format!(
                            "--masks element {k} is {}: classes are integers 0-255",
                            classes[k]
                        ));
                    }
                    Some(classes.iter().map(|&c| c as u8).collect())
                }
            };
            Ok(Frames {
                t,
                h,
                w,
                images: values.iter().map(|&v| v as f32).collect(),
                masks,
                sites: None,
                mask_radius: 0.0,
                what: format!("{} ({t} x {h} x {w})", path.display()),
            })
        }
        (None, Some(Synthetic::Segmentation)) => {
            let s = segmentation_frames(&SegmentationFramesSettings {
                degradation: degradation(&input.level)?,
                seed: input.seed,
                ..SegmentationFramesSettings::small()
            })
            .map_err(text)?;
            Ok(Frames {
                t: s.frames,
                h: s.height,
                w: s.width,
                images: s.images,
                masks: Some(s.masks),
                sites: None,
                mask_radius: 0.0,
                what: format!(
                    "synthetic segmentation frames ({} level, seed {})",
                    input.level, input.seed
                ),
            })
        }
        (None, Some(Synthetic::Atoms)) => {
            let mut settings = AtomFramesSettings {
                degradation: degradation(&input.level)?,
                seed: input.seed,
                ..AtomFramesSettings::small()
            };
            settings.lattice.seed = input.seed;
            let a = atom_frames(&settings).map_err(text)?;
            Ok(Frames {
                t: a.frames,
                h: a.height,
                w: a.width,
                images: a.images,
                masks: Some(a.masks),
                sites: Some(a.sites),
                mask_radius: a.mask_radius_px,
                what: format!(
                    "synthetic atom frames ({} level, seed {})",
                    input.level, input.seed
                ),
            })
        }
    }
}

pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Train {
            input,
            crop,
            crops,
            out,
            set,
        } => train(input, *crop, *crops, out, set),
        Command::Segment { model, input, out } => segment(model, input, out),
        Command::Atoms { model, input, out } => atoms(model, input, out),
    }
}

/// `count` random `side x side` crops of the frames and of their masks (the same windows).
/// `count` random square crops of side `side` of `t` frames of `h x w` (`images`) and of
/// their per-pixel classes (`masks`), the same windows in both, evenly from the frames.
pub fn crops(
    images: &[f32],
    masks: &[u8],
    [t, h, w]: [usize; 3],
    (side, count, seed): (usize, usize, u64),
    what: &str,
) -> Result<(Array3<f32>, Array3<u8>), String> {
    let text = |e: ferrolab::stem::StemError| e.to_string();
    let per_frame = count.div_ceil(t);
    let x = random_windows(images, t, h, w, per_frame, side, seed).map_err(text)?;
    let as_f32: Vec<f32> = masks.iter().map(|&m| f32::from(m)).collect();
    let y = random_windows(&as_f32, t, h, w, per_frame, side, seed).map_err(text)?;
    if x.is_empty() || x.len() != y.len() {
        return Err(format!("{what}: no crop of {side} px fits"));
    }
    let n = x.len().min(count);
    let images =
        Array3::from_shape_vec((x.len(), side, side), x.windows).map_err(|e| e.to_string())?;
    let classes =
        Array3::from_shape_vec((y.len(), side, side), y.windows).map_err(|e| e.to_string())?;
    Ok((
        images.slice(ndarray::s![..n, .., ..]).to_owned(),
        classes.slice(ndarray::s![..n, .., ..]).mapv(|v| v as u8),
    ))
}

fn train(
    input: &Input,
    crop: usize,
    count: usize,
    out: &Path,
    set: &[String],
) -> Result<(), String> {
    let settings = UnetSettings::from_config(&config_from(set)?).map_err(|e| e.to_string())?;
    if crop == 0 || !crop.is_multiple_of(8) {
        return Err(format!("--crop {crop}: must be a positive multiple of 8"));
    }
    let frames = read_frames(input)?;
    let masks = frames
        .masks
        .as_ref()
        .ok_or("training needs --masks with --data")?;
    let (x, y) = crops(
        &frames.images,
        masks,
        [frames.t, frames.h, frames.w],
        (crop, count, input.seed),
        &frames.what,
    )?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let mut model = Unet::new(&settings).map_err(|e| e.to_string())?;
    let checkpoint = out.join("checkpoint.safetensors");
    let resuming = checkpoint.exists();
    model
        .set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    println!(
        "{} the U-Net ({} parameters, {} filters, {} classes) on {} crops of {crop} px from {}: {} epochs",
        if resuming { "resuming" } else { "training" },
        model.parameter_count(),
        settings.filters,
        settings.classes,
        x.dim().0,
        frames.what,
        settings.epochs
    );
    crate::epoch_bar::with_epoch_bar(settings.epochs, |progress| {
        model.train(x.view(), y.view(), progress)
    })?
    .map_err(|e| e.to_string())?;
    model
        .save(&out.join("model.safetensors"))
        .map_err(|e| e.to_string())?;
    // The finished model replaces the checkpoint.
    let _ = std::fs::remove_file(&checkpoint);
    let mut csv = String::from("epoch,train_cross_entropy,test_cross_entropy\n");
    for r in model.history() {
        let test = r.validation.map_or(f64::NAN, |v| v.total);
        csv.push_str(&format!("{},{},{}\n", r.epoch, r.train.total, test));
    }
    let path = out.join("history.csv");
    ferrolab::io::atomic::write_atomically(&path, |w| w.write_all(csv.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let last = model.history().last().map_or(f64::NAN, |r| r.train.total);
    println!(
        "final training cross-entropy {last:.4}; model in {}",
        out.display()
    );
    Ok(())
}

fn segment(model_path: &Path, input: &Input, out: &Path) -> Result<(), String> {
    let model = Unet::load(model_path).map_err(|e| e.to_string())?;
    let frames = read_frames(input)?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let k = model.architecture().classes;
    let (t, h, w) = (frames.t, frames.h, frames.w);
    let mut classes = Array3::<u8>::zeros((t, h, w));
    let mut probabilities = ndarray::Array4::<f32>::zeros((t, k, h, w));
    for f in 0..t {
        let p = model
            .probabilities(frames.image(f))
            .map_err(|e| e.to_string())?;
        let flat = p.as_slice().expect("a fresh array is contiguous");
        let best = argmax_classes(flat, k, h, w).map_err(|e| e.to_string())?;
        let mut frame_classes = classes.index_axis_mut(ndarray::Axis(0), f);
        frame_classes.iter_mut().zip(best).for_each(|(o, c)| *o = c);
        probabilities.index_axis_mut(ndarray::Axis(0), f).assign(&p);
    }
    let save = |name: &str, e: Result<(), ferrolab::io::IoError>| {
        e.map_err(|e| format!("{}: {e}", out.join(name).display()))
    };
    save("classes.npy", write_npy(&out.join("classes.npy"), &classes))?;
    save(
        "probabilities.npy",
        write_npy(&out.join("probabilities.npy"), &probabilities),
    )?;
    let as_f64 = |a: ArrayView2<u8>| a.mapv(f64::from);
    let mut panels = vec![
        MapPanel {
            title: "frame 0".into(),
            values: frames.image(0).mapv(f64::from),
        },
        MapPanel {
            title: "U-Net classes".into(),
            values: as_f64(classes.index_axis(ndarray::Axis(0), 0)),
        },
    ];
    println!("segmented {} into {k} classes", frames.what);
    if let Some(truth) = &frames.masks {
        let first =
            Array2::from_shape_vec((h, w), truth[..h * w].to_vec()).map_err(|e| e.to_string())?;
        panels.push(MapPanel {
            title: "true classes".into(),
            values: as_f64(first.view()),
        });
        let predicted: Vec<u8> = classes.iter().copied().collect();
        let scores = class_scores(
            truth,
            &predicted,
            k.max(1 + usize::from(*truth.iter().max().unwrap_or(&0))),
        )
        .map_err(|e| e.to_string())?;
        for c in 0..k {
            println!(
                "  class {c}: IoU {:.4}, Dice {:.4}",
                scores.iou[c], scores.dice[c]
            );
        }
        if matches!(input.synthetic, Some(Synthetic::Segmentation)) {
            let mut otsu = Vec::with_capacity(t * h * w);
            for f in 0..t {
                let image = &frames.images[f * h * w..(f + 1) * h * w];
                otsu.extend(
                    otsu_wall_baseline(image, h, w, 0.0)
                        .map_err(|e| e.to_string())?
                        .0,
                );
            }
            let walls: Vec<u8> = truth.iter().map(|&c| u8::from(c == 1)).collect();
            let baseline = class_scores(&walls, &otsu, 2).map_err(|e| e.to_string())?;
            println!("  Otsu wall baseline: IoU {:.4}", baseline.iou[1]);
        }
    }
    map_panels_png(
        &out.join("segmented.png"),
        "U-Net segmentation",
        &panels,
        panels.len(),
        None,
    )
}

fn atoms(model_path: &Path, input: &Input, out: &Path) -> Result<(), String> {
    let model = Unet::load(model_path).map_err(|e| e.to_string())?;
    let frames = read_frames(input)?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let (h, w) = (frames.h, frames.w);
    let mut rows = Vec::new();
    let mut first = Array2::<f64>::from_elem((h, w), f64::NAN);
    for f in 0..frames.t {
        let found = model
            .find_atoms(frames.image(f))
            .map_err(|e| e.to_string())?;
        println!("frame {f}: {} atoms", found.len());
        if let Some(sites) = &frames.sites {
            // Sites whose marked disk the frame clips are left out on both sides.
            let m = frames.mask_radius;
            let inside = |a: &&Atom| {
                let fits = |x: f64, n: usize| x >= m && x <= n as f64 - 1.0 - m;
                fits(a.row, h) && fits(a.col, w)
            };
            let kept: Vec<Atom> = found.iter().filter(inside).copied().collect();
            let truth: Vec<Atom> = sites[f].iter().filter(inside).copied().collect();
            let scores = match_atoms(&kept, &truth, 1.0).map_err(|e| e.to_string())?;
            for c in scores.per_class.iter().filter(|c| c.truth > 0) {
                println!(
                    "  class {}: recall {:.4}, precision {:.4} within 1 px ({} true, {} found)",
                    c.class, c.recall, c.precision, c.truth, c.found
                );
            }
        }
        for a in &found {
            rows.extend([f as f64, a.row, a.col, f64::from(a.class)]);
            if f == 0 {
                let (r, c) = (a.row.round() as usize, a.col.round() as usize);
                if r < h && c < w {
                    first[[r, c]] = f64::from(a.class);
                }
            }
        }
    }
    let table = Array2::from_shape_vec((rows.len() / 4, 4), rows).map_err(|e| e.to_string())?;
    write_npy(&out.join("atoms.npy"), &table).map_err(|e| e.to_string())?;
    let panels = [
        MapPanel {
            title: "frame 0".into(),
            values: frames.image(0).mapv(f64::from),
        },
        MapPanel {
            title: "atoms found (class at the nearest pixel)".into(),
            values: first,
        },
    ];
    map_panels_png(
        &out.join("atoms.png"),
        "U-Net atom finding",
        &panels,
        2,
        None,
    )
}
