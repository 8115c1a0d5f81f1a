//! `ferrolab pipeline paper002`: paper 002's chain on the synthetic in-situ frames
//! (docs/stem-data.md): raw frames -> U-Net classes -> wall-class sub-images -> rVAE ->
//! per-frame KDE -> NMF, with the paper's figures.

use crate::pipeline::{Crops, output_dir, rvae_stage, unet_stage, write_text};
use crate::plot::{MapPanel, curve_panels_png, map_panels_png};
use crate::rvae::{Cut, FigureOptions, Stack, draw_figures};
use crate::settings::config_from;
use crate::unet::{crops, degradation};
use ferrolab::analysis::pearson;
use ferrolab::io::npy::write_npy;
use ferrolab::nn::rvae::RvaeSettings;
use ferrolab::nn::rvae::analysis::frame_kde_nmf;
use ferrolab::nn::unet::UnetSettings;
use ferrolab::stem::{
    SegmentationFramesSettings, WALL, class_scores, otsu_wall_baseline, random_windows,
    segmentation_frames,
};
use ndarray::{Array1, Array2, Array3, ArrayView2};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `ferrolab pipeline paper002`.
#[derive(clap::Args)]
pub struct Args {
    /// Output directory.
    #[arg(long, default_value = "paper002")]
    out: PathBuf,
    /// Degradation of the raw frames: low, medium, high or very_high.
    #[arg(long, default_value = "low")]
    level: String,
    /// Frames over one bias cycle.
    #[arg(long, default_value_t = 24)]
    frames: usize,
    /// Side of the frames, px.
    #[arg(long, default_value_t = 128)]
    size: usize,
    /// Frames whose true classes are the U-Net's labels (evenly spaced; the paper labels
    /// several frames by hand). The others are held out and scored.
    #[arg(long, default_value_t = 4)]
    labelled: usize,
    #[command(flatten)]
    crops: Crops,
    /// Side of the rVAE's sub-images, px (the paper: 8, 24 and more).
    #[arg(long, default_value_t = 24)]
    window: usize,
    /// Sub-images per frame, at random centres.
    #[arg(long, default_value_t = 300)]
    windows: usize,
    /// NMF components of the per-frame densities.
    #[arg(long, default_value_t = 2)]
    components: usize,
    /// Seed of the frames, the crops and the sub-images.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Settings as key=value: unet.* and rvae.* (`ferrolab keys unet.`, `ferrolab keys rvae.`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

pub fn run(a: &Args) -> Result<(), String> {
    let cfg = config_from(&a.set)?;
    let unet_settings = UnetSettings::from_config(&cfg).map_err(|e| e.to_string())?;
    let rvae_settings = RvaeSettings::from_config(&cfg).map_err(|e| e.to_string())?;
    if a.labelled == 0 || a.labelled >= a.frames {
        return Err(format!(
            "--labelled {}: needs 1 to {} (fewer than --frames, to leave frames to score)",
            a.labelled,
            a.frames.saturating_sub(1)
        ));
    }
    a.crops.check(a.size, "--size")?;
    if a.window < 2 || a.window > a.size {
        return Err(format!(
            "--window {}: needs 2 to --size {} px",
            a.window, a.size
        ));
    }
    let s = segmentation_frames(&SegmentationFramesSettings {
        frames: a.frames,
        height: a.size,
        width: a.size,
        degradation: degradation(&a.level)?,
        seed: a.seed,
        ..SegmentationFramesSettings::default()
    })
    .map_err(|e| e.to_string())?;
    let (t, h, w) = (s.frames, s.height, s.width);
    let size = h * w;
    output_dir(&a.out)?;
    let npy = |name: &str, r: Result<(), ferrolab::io::IoError>| {
        r.map_err(|e| format!("{}: {e}", a.out.join(name).display()))
    };
    let images = Array3::from_shape_vec((t, h, w), s.images.clone()).map_err(|e| e.to_string())?;
    let truth = Array3::from_shape_vec((t, h, w), s.masks.clone()).map_err(|e| e.to_string())?;
    npy("frames.npy", write_npy(&a.out.join("frames.npy"), &images))?;
    npy("masks.npy", write_npy(&a.out.join("masks.npy"), &truth))?;
    println!(
        "{t} raw frames of {h} x {w} ({} level, seed {}) over one bias cycle",
        a.level, a.seed
    );

    // 1. The U-Net on the labelled frames.
    let labelled: Vec<usize> = (0..a.labelled).map(|i| i * t / a.labelled).collect();
    let pick = |values: &[f32]| -> Vec<f32> {
        labelled
            .iter()
            .flat_map(|f| values[f * size..(f + 1) * size].iter().copied())
            .collect()
    };
    let label_masks: Vec<u8> = labelled
        .iter()
        .flat_map(|f| s.masks[f * size..(f + 1) * size].iter().copied())
        .collect();
    let (x, y) = crops(
        &pick(&s.images),
        &label_masks,
        [labelled.len(), h, w],
        (a.crops.crop, a.crops.crops, a.seed),
        "the labelled frames",
    )?;
    let unet = unet_stage(&a.out, &unet_settings, x.view(), y.view())?;

    // 2. Every frame segmented; the held-out frames scored.
    let mut classes = Array3::<u8>::zeros((t, h, w));
    for f in 0..t {
        let frame = ArrayView2::from_shape((h, w), &s.images[f * size..(f + 1) * size])
            .map_err(|e| e.to_string())?;
        let c = unet.segment(frame).map_err(|e| e.to_string())?;
        classes.index_axis_mut(ndarray::Axis(0), f).assign(&c);
    }
    npy(
        "classes.npy",
        write_npy(&a.out.join("classes.npy"), &classes),
    )?;
    let held_out: Vec<usize> = (0..t).filter(|f| !labelled.contains(f)).collect();
    let gather = |values: &[u8]| -> Vec<u8> {
        held_out
            .iter()
            .flat_map(|f| values[f * size..(f + 1) * size].iter().copied())
            .collect()
    };
    let predicted: Vec<u8> = classes.iter().copied().collect();
    let scores =
        class_scores(&gather(&s.masks), &gather(&predicted), 3).map_err(|e| e.to_string())?;
    let mut otsu = Vec::new();
    for f in &held_out {
        let image = &s.images[f * size..(f + 1) * size];
        otsu.extend(
            otsu_wall_baseline(image, h, w, 0.0)
                .map_err(|e| e.to_string())?
                .0,
        );
    }
    let true_walls: Vec<u8> = gather(&s.masks)
        .iter()
        .map(|&c| u8::from(c == WALL))
        .collect();
    let baseline = class_scores(&true_walls, &otsu, 2).map_err(|e| e.to_string())?;
    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "U-Net on {} held-out frames: IoU domain {:.4}, wall {:.4}, contaminant {:.4} (Otsu wall baseline {:.4})",
        held_out.len(),
        scores.iou[0],
        scores.iou[1],
        scores.iou[2],
        baseline.iou[1]
    );
    let mut per_frame = vec![Vec::new(); 3];
    for f in 0..t {
        let r = f * size..(f + 1) * size;
        let sc = class_scores(&s.masks[r.clone()], &predicted[r], 3).map_err(|e| e.to_string())?;
        per_frame
            .iter_mut()
            .zip(&sc.iou)
            .for_each(|(p, v)| p.push(*v));
    }
    let steps: Vec<f64> = (0..t).map(|f| f as f64).collect();
    curve_panels_png(
        &a.out.join("segmentation_scores.png"),
        &format!("U-Net IoU per frame (labelled frames: {labelled:?})"),
        ("Frame", "IoU"),
        &steps,
        &[
            ("domain".into(), vec![per_frame[0].clone()]),
            ("wall".into(), vec![per_frame[1].clone()]),
            ("contaminant".into(), vec![per_frame[2].clone()]),
        ],
        3,
    )?;
    let shown = [held_out[0], t / 2, t - 1];
    let mut panels = Vec::new();
    for f in shown {
        let r = f * size..(f + 1) * size;
        let map = |v: Vec<f64>| Array2::from_shape_vec((h, w), v).map_err(|e| e.to_string());
        panels.push(MapPanel {
            title: format!("frame {f}: raw"),
            values: map(s.images[r.clone()].iter().map(|v| f64::from(*v)).collect())?,
        });
        panels.push(MapPanel {
            title: format!("frame {f}: U-Net classes"),
            values: map(predicted[r.clone()].iter().map(|v| f64::from(*v)).collect())?,
        });
        panels.push(MapPanel {
            title: format!("frame {f}: true classes"),
            values: map(s.masks[r].iter().map(|v| f64::from(*v)).collect())?,
        });
    }
    map_panels_png(
        &a.out.join("segmentation.png"),
        "Raw frames, U-Net classes (0 domain, 1 wall, 2 contaminant) and the truth",
        &panels,
        3,
        None,
    )?;

    // 3. Sub-images of the wall class (the paper's Fig. 2d) -> rVAE.
    if !predicted.contains(&WALL) {
        return Err(
            "the U-Net marks no pixel as wall: train it longer (unet.epochs, --crops)".into(),
        );
    }
    let walls: Vec<f32> = predicted
        .iter()
        .map(|&c| f32::from(u8::from(c == WALL)))
        .collect();
    let windows =
        random_windows(&walls, t, h, w, a.windows, a.window, a.seed).map_err(|e| e.to_string())?;
    let sub_images = Array2::from_shape_vec(
        (windows.len(), a.window * a.window),
        windows.windows.iter().map(|v| f64::from(*v)).collect(),
    )
    .map_err(|e| e.to_string())?;
    let rvae = rvae_stage(&a.out, &rvae_settings, sub_images.view(), a.window)?;
    let enc = rvae.encode(sub_images.view()).map_err(|e| e.to_string())?;

    // 4. Per-frame KDE + NMF against the known switching: the fraction of the frame whose
    // walls have switched to the second family.
    let switched = Array1::from_iter(s.layout.plus_columns.iter().map(|c| *c as f64 / w as f64));
    let mut latents = vec![("angle".to_string(), enc.angle.to_vec(), true)];
    for j in 0..enc.content.ncols() {
        latents.push((format!("L{}", j + 1), enc.content.column(j).to_vec(), false));
    }
    for (name, values, angle) in &latents {
        let r = frame_kde_nmf(values, &windows.frames, 100, a.components, *angle)
            .map_err(|e| format!("{name}: {e}"))?;
        let best = r
            .loadings
            .columns()
            .into_iter()
            .map(|l| pearson(l, switched.view()).map_or(f64::NAN, f64::abs))
            .fold(f64::NAN, f64::max);
        let _ = writeln!(
            summary,
            "{name}: NMF of the per-frame densities, largest |Pearson r| of a loading with the switched fraction {best:.4}"
        );
    }
    let cut = Cut {
        stack: Stack {
            frames: t,
            h,
            w,
            pixels: walls,
            what: "the U-Net's wall class".into(),
        },
        windows,
        images: sub_images,
        step: None,
    };
    draw_figures(
        &rvae,
        &cut,
        &enc,
        &a.out.join("rvae"),
        &FigureOptions {
            frame: held_out[0],
            grid: 10,
            range: None,
            physical: (0.95, 1.05),
            components: a.components,
            classes: None,
            seed: a.seed,
        },
    )?;
    write_text(&a.out.join("summary.txt"), &summary)?;
    print!("{summary}");
    println!(
        "wrote frames.npy, masks.npy, classes.npy, segmentation.png, segmentation_scores.png, summary.txt and rvae/ in {}",
        a.out.display()
    );
    Ok(())
}
