//! The U-Net on the synthetic STEM frames (docs/stem-data.md) at every degradation level:
//! paper 002's segmentation (domain / wall / contaminant) scored by IoU per class against the
//! Otsu wall baseline, and paper 004's atom finding (A and B sites) scored by recall and
//! precision within 1 px. Training frames and held-out frames have different seeds.
//!
//!     cargo run --release --example unet_stem -- seg|atoms [crops=N] [frames=T] [unet.KEY=VALUE ...] [LEVEL ...]
//!
//! Defaults: 512 random 64 x 64 crops of 8 segmentation training frames (`frames=T` draws T), the `unet.*` defaults but 20 epochs and no test split,
//! every level (low, medium, high, very_high). Prints one line per level with the seconds per
//! epoch.

use ferrolab::config::{Config, Kind, Value};
use ferrolab::nn::unet::{Unet, UnetSettings};
use ferrolab::progress::Progress;
use ferrolab::stem::{
    Atom, AtomFramesSettings, Degradation, SegmentationFramesSettings, atom_frames, class_scores,
    match_atoms, otsu_wall_baseline, random_windows, segmentation_frames,
};
use ndarray::{Array3, ArrayView2};
use std::time::Instant;

const CROP: usize = 64;

/// `count` random crops of a stack of images and of its masks (the same windows).
fn crops(
    images: &[f32],
    masks: &[u8],
    [t, h, w]: [usize; 3],
    count: usize,
    seed: u64,
) -> (Array3<f32>, Array3<u8>) {
    let per_frame = count.div_ceil(t);
    let x = random_windows(images, t, h, w, per_frame, CROP, seed).unwrap();
    let as_f32: Vec<f32> = masks.iter().map(|&m| f32::from(m)).collect();
    let y = random_windows(&as_f32, t, h, w, per_frame, CROP, seed).unwrap();
    let n = x.len().min(count);
    let images = Array3::from_shape_vec((x.len(), CROP, CROP), x.windows).unwrap();
    let masks = Array3::from_shape_vec((y.len(), CROP, CROP), y.windows).unwrap();
    (
        images.slice(ndarray::s![..n, .., ..]).to_owned(),
        masks.slice(ndarray::s![..n, .., ..]).mapv(|v| v as u8),
    )
}

fn train(settings: &UnetSettings, x: &Array3<f32>, y: &Array3<u8>) -> (Unet, f64) {
    let mut model = Unet::new(settings).unwrap();
    let started = Instant::now();
    model.train(x.view(), y.view(), &Progress::new()).unwrap();
    let per_epoch = started.elapsed().as_secs_f64() / settings.epochs as f64;
    (model, per_epoch)
}

fn frame<T: Copy>(values: &[T], h: usize, w: usize, t: usize) -> ArrayView2<'_, T> {
    ArrayView2::from_shape((h, w), &values[t * h * w..(t + 1) * h * w]).unwrap()
}

fn segmentation(level: &str, d: Degradation, count: usize, frames: usize, unet: &UnetSettings) {
    let settings = |seed| SegmentationFramesSettings {
        degradation: d,
        seed,
        ..SegmentationFramesSettings::small()
    };
    let train_set = segmentation_frames(&SegmentationFramesSettings {
        frames,
        ..settings(0)
    })
    .unwrap();
    let test_set = segmentation_frames(&SegmentationFramesSettings {
        frames: 4,
        ..settings(1)
    })
    .unwrap();
    let (h, w) = (train_set.height, train_set.width);
    let (x, y) = crops(
        &train_set.images,
        &train_set.masks,
        [train_set.frames, h, w],
        count,
        7,
    );
    let (model, per_epoch) = train(unet, &x, &y);
    let (mut truth, mut predicted, mut otsu) = (Vec::new(), Vec::new(), Vec::new());
    for t in 0..test_set.frames {
        let image = frame(&test_set.images, h, w, t);
        predicted.extend(model.segment(image).unwrap().iter().copied());
        truth.extend_from_slice(&test_set.masks[t * h * w..(t + 1) * h * w]);
        let slice = &test_set.images[t * h * w..(t + 1) * h * w];
        otsu.extend(otsu_wall_baseline(slice, h, w, 0.0).unwrap().0);
    }
    let unet = class_scores(&truth, &predicted, 3).unwrap();
    // What one pixel of boundary costs: the true contaminant masks against themselves grown
    // by one pixel (4-neighbours).
    let spots: Vec<u8> = truth.iter().map(|&c| u8::from(c == 2)).collect();
    let grown = grow_by_one_pixel(&spots, test_set.frames, h, w);
    let one_pixel = class_scores(&spots, &grown, 2).unwrap().iou[1];
    let walls: Vec<u8> = truth.iter().map(|&c| u8::from(c == 1)).collect();
    let baseline = class_scores(&walls, &otsu, 2).unwrap();
    println!(
        "seg {level:>9}: IoU domain {:.3} wall {:.3} contaminant {:.3} | Otsu wall {:.3} | contaminant grown by 1 px {one_pixel:.3} | {per_epoch:.2} s/epoch, final loss {:.4}",
        unet.iou[0],
        unet.iou[1],
        unet.iou[2],
        baseline.iou[1],
        model.history().last().unwrap().train.total
    );
}

/// `mask` (frames of `h x w` of 0/1) with every pixel next to a 1 (4-neighbours) set to 1.
fn grow_by_one_pixel(mask: &[u8], frames: usize, h: usize, w: usize) -> Vec<u8> {
    let mut out = mask.to_vec();
    for f in 0..frames {
        let at = |r: usize, c: usize| mask[f * h * w + r * w + c];
        for r in 0..h {
            for c in 0..w {
                let near = (r > 0 && at(r - 1, c) == 1)
                    || (r + 1 < h && at(r + 1, c) == 1)
                    || (c > 0 && at(r, c - 1) == 1)
                    || (c + 1 < w && at(r, c + 1) == 1);
                if near {
                    out[f * h * w + r * w + c] = 1;
                }
            }
        }
    }
    out
}

fn atoms(level: &str, d: Degradation, count: usize, unet: &UnetSettings) {
    let settings = |seed| AtomFramesSettings {
        degradation: d,
        seed,
        ..AtomFramesSettings::small()
    };
    let train_set = atom_frames(&settings(0)).unwrap();
    let mut test_settings = settings(1);
    test_settings.lattice.seed = 1;
    let test_set = atom_frames(&test_settings).unwrap();
    let (h, w) = (train_set.height, train_set.width);
    let (x, y) = crops(
        &train_set.images,
        &train_set.masks,
        [train_set.frames, h, w],
        count,
        7,
    );
    let (model, per_epoch) = train(unet, &x, &y);
    let (mut recall, mut precision) = (Vec::new(), Vec::new());
    // Sites whose target disk the frame clips are left out on both sides (AtomAI's
    // `dist_edge` rule): their marked region, and so their centre, is cut by the border.
    let margin = test_set.mask_radius_px;
    let inside = |a: &&Atom| {
        let fits = |x: f64, n: usize| x >= margin && x <= n as f64 - 1.0 - margin;
        fits(a.row, h) && fits(a.col, w)
    };
    for t in 0..test_set.frames {
        let found = model.find_atoms(frame(&test_set.images, h, w, t)).unwrap();
        let found: Vec<Atom> = found.iter().filter(inside).copied().collect();
        let truth: Vec<Atom> = test_set.sites[t].iter().filter(inside).copied().collect();
        let m = match_atoms(&found, &truth, 1.0).unwrap();
        for c in &m.per_class {
            if c.truth > 0 {
                recall.push(format!("{}:{:.3}", c.class, c.recall));
                precision.push(format!("{}:{:.3}", c.class, c.precision));
            }
        }
    }
    println!(
        "atoms {level:>9}: recall {} precision {} | {per_epoch:.2} s/epoch, final loss {:.4}",
        recall.join(" "),
        precision.join(" "),
        model.history().last().unwrap().train.total
    );
}

/// The `unet.*` settings from `key=value` arguments over this bench's defaults.
fn settings(pairs: &[&str]) -> UnetSettings {
    let mut cfg = Config::new();
    cfg.set("unet.epochs", Value::I64(20)).unwrap();
    cfg.set("unet.test_fraction", Value::F64(0.0)).unwrap();
    for pair in pairs {
        let (key, text) = pair.split_once('=').unwrap();
        let value = match cfg.spec(key).unwrap().kind() {
            Kind::F64 => Value::F64(text.parse().unwrap()),
            Kind::I64 => Value::I64(text.parse().unwrap()),
            _ => Value::Str(text.to_owned()),
        };
        cfg.set(key, value).unwrap();
    }
    UnetSettings::from_config(&cfg).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("seg");
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let count = rest
        .iter()
        .find_map(|a| a.strip_prefix("crops="))
        .map_or(512, |v| v.parse().unwrap());
    let frames = rest
        .iter()
        .find_map(|a| a.strip_prefix("frames="))
        .map_or(8, |v| v.parse().unwrap());
    let keys: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| a.starts_with("unet."))
        .collect();
    let unet = settings(&keys);
    let wanted: Vec<&str> = rest.iter().copied().filter(|a| !a.contains('=')).collect();
    for (level, d) in Degradation::levels() {
        if !wanted.is_empty() && !wanted.contains(&level) {
            continue;
        }
        match task {
            "seg" => segmentation(level, d, count, frames, &unet),
            "atoms" => atoms(level, d, count, &unet),
            other => panic!("unknown task {other}: seg or atoms"),
        }
    }
}
