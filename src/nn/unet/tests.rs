//! Model-level tests: the U-Net learns a small segmentation, resumes a cancelled run to the
//! same bytes, does not depend on the thread count, and refuses bad input by name.

use super::*;
use crate::nn::NnError;
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array2, Array3};

/// `n` 16 x 16 crops of noise with dark lines of random direction (class 1) and their masks.
fn lines(n: usize, seed: u64) -> (Array3<f32>, Array3<u8>) {
    let mut rng = Xoshiro256::seed_from_u64(seed);
    let mut images = Array3::zeros((n, 16, 16));
    let mut masks = Array3::zeros((n, 16, 16));
    for k in 0..n {
        let angle = rng.uniform() * std::f64::consts::PI;
        let offset = rng.uniform_in(-4.0, 4.0);
        let (s, c) = angle.sin_cos();
        for r in 0..16 {
            for col in 0..16 {
                let (y, x) = (r as f64 - 7.5, col as f64 - 7.5);
                let on = (x * s - y * c - offset).abs() < 1.0;
                masks[[k, r, col]] = u8::from(on);
                let base = if on { 0.2 } else { 0.8 };
                images[[k, r, col]] = (base + 0.1 * rng.normal()) as f32;
            }
        }
    }
    (images, masks)
}

fn small_settings() -> UnetSettings {
    UnetSettings {
        classes: 2,
        filters: 4,
        epochs: 12,
        batch_size: 8,
        learning_rate: 3e-3,
        test_fraction: 0.0,
        ..Default::default()
    }
}

/// Intersection over union of class 1.
fn line_iou(predicted: &Array2<u8>, truth: ndarray::ArrayView2<u8>) -> f64 {
    let (mut both, mut either) = (0usize, 0usize);
    for (p, t) in predicted.iter().zip(truth.iter()) {
        both += usize::from(*p == 1 && *t == 1);
        either += usize::from(*p == 1 || *t == 1);
    }
    both as f64 / either as f64
}

#[test]
fn it_learns_to_segment_dark_lines() {
    let (images, masks) = lines(64, 1);
    let mut model = Unet::new(&small_settings()).unwrap();
    model
        .train(images.view(), masks.view(), &Progress::new())
        .unwrap();
    let h = model.history();
    assert!(
        h.last().unwrap().train.total < 0.5 * h[0].train.total,
        "{h:?}"
    );
    // Held-out crops, and a 40 x 24 frame run whole (mirrored out to 40 x 24).
    let (test, truth) = lines(8, 99);
    let mut ious = Vec::new();
    for k in 0..8 {
        let predicted = model.segment(test.index_axis(ndarray::Axis(0), k)).unwrap();
        ious.push(line_iou(&predicted, truth.index_axis(ndarray::Axis(0), k)));
    }
    let mean = ious.iter().sum::<f64>() / 8.0;
    eprintln!("line IoU per held-out crop {ious:.3?}, mean {mean:.3}");
    assert!(mean > 0.7, "{ious:?}");
}

/// A path under the system's temporary folder, unique to this process.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrolab-unet-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn tiny() -> UnetSettings {
    UnetSettings {
        classes: 2,
        filters: 2,
        epochs: 4,
        batch_size: 4,
        test_fraction: 0.25,
        checkpoint_every: 1,
        ..Default::default()
    }
}

#[test]
fn results_do_not_depend_on_threads_and_a_resumed_run_writes_the_same_bytes() {
    let (x, y) = lines(12, 3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut model = Unet::new(&tiny()).unwrap();
            model.train(x.view(), y.view(), &Progress::new()).unwrap();
            model
        })
    };
    let whole = run(1);
    assert_eq!(whole.params, run(3).params);
    let a = scratch("whole.safetensors");
    whole.save(&a).unwrap();
    // Stop after epoch 2, then a new model finds the checkpoint and trains on to 4.
    let ckpt = scratch("resume.ckpt");
    let _ = std::fs::remove_file(&ckpt);
    let mut first = Unet::new(&UnetSettings {
        epochs: 2,
        ..tiny()
    })
    .unwrap();
    first.set_checkpoint(Some(ckpt.clone())).unwrap();
    first.train(x.view(), y.view(), &Progress::new()).unwrap();
    let mut resumed = Unet::new(&tiny()).unwrap();
    resumed.set_checkpoint(Some(ckpt.clone())).unwrap();
    resumed.train(x.view(), y.view(), &Progress::new()).unwrap();
    assert_eq!(resumed.epochs_done(), 4);
    let b = scratch("resumed.safetensors");
    resumed.save(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // The loaded model segments as the trained one; a damaged byte is caught.
    let loaded = Unet::load(&a).unwrap();
    let frame = x.index_axis(ndarray::Axis(0), 0);
    assert_eq!(
        loaded.probabilities(frame).unwrap(),
        whole.probabilities(frame).unwrap()
    );
    assert_eq!(loaded.crop(), Some([16, 16]));
    let mut bytes = std::fs::read(&a).unwrap();
    let k = bytes.len() - 3;
    bytes[k] ^= 1;
    std::fs::write(&b, &bytes).unwrap();
    assert!(Unet::load(&b).is_err());
    // A checkpoint of another model is refused, naming the file.
    let mut other = Unet::new(&UnetSettings { seed: 9, ..tiny() }).unwrap();
    other.set_checkpoint(Some(ckpt)).unwrap();
    let err = other
        .train(x.view(), y.view(), &Progress::new())
        .unwrap_err();
    assert!(
        err.to_string().contains("checkpoint of another model"),
        "{err}"
    );
}

#[test]
fn a_cancelled_run_keeps_its_last_epoch() {
    let (x, y) = lines(8, 4);
    let mut model = Unet::new(&tiny()).unwrap();
    let progress = Progress::new();
    progress.request_cancel();
    let err = model.train(x.view(), y.view(), &progress).unwrap_err();
    assert!(
        matches!(err, NnError::Cancelled { epochs_done: 0 }),
        "{err}"
    );
    assert_eq!(model.epochs_done(), 0);
}

#[test]
fn bad_input_is_refused_by_name() {
    let model = Unet::new(&tiny()).unwrap();
    let mut trained = model.clone();
    let (x, y) = lines(4, 5);
    let message = |e: NnError| e.to_string();
    let bad_class = y.mapv(|v| v * 2);
    let e = message(
        trained
            .train(x.view(), bad_class.view(), &Progress::new())
            .unwrap_err(),
    );
    assert!(
        e.contains("masks element") && e.contains("unet.classes = 2"),
        "{e}"
    );
    let odd = Array3::<f32>::zeros((2, 12, 16));
    let e = message(
        trained
            .train(
                odd.view(),
                Array3::zeros((2, 12, 16)).view(),
                &Progress::new(),
            )
            .unwrap_err(),
    );
    assert!(e.contains("multiples of 8"), "{e}");
    let e = message(
        trained
            .train(
                x.view(),
                Array3::zeros((3, 16, 16)).view(),
                &Progress::new(),
            )
            .unwrap_err(),
    );
    assert!(e.contains("masks"), "{e}");
    let mut holed = x.clone();
    holed[[1, 2, 3]] = f32::NAN;
    let e = message(
        trained
            .train(holed.view(), y.view(), &Progress::new())
            .unwrap_err(),
    );
    assert!(e.contains("not finite"), "{e}");
    let e = message(
        model
            .segment(Array2::<f32>::zeros((0, 5)).view())
            .unwrap_err(),
    );
    assert!(e.contains("empty"), "{e}");
    let e = message(Unet::new(&UnetSettings { tile: 60, ..tiny() }).unwrap_err());
    assert!(e.contains("unet.tile = 60"), "{e}");
    let e = message(
        Unet::new(&UnetSettings {
            tile_margin: 8,
            tile: 16,
            ..tiny()
        })
        .unwrap_err(),
    );
    assert!(e.contains("unet.tile_margin"), "{e}");
}

#[test]
fn a_large_frame_is_tiled_and_agrees_with_the_whole_frame_away_from_tile_edges() {
    let (x, y) = lines(16, 6);
    let mut model = Unet::new(&UnetSettings {
        epochs: 2,
        ..tiny()
    })
    .unwrap();
    model.train(x.view(), y.view(), &Progress::new()).unwrap();
    let frame = Array2::from_shape_fn((70, 53), |(r, c)| ((r * 7 + c * 3) % 11) as f32);
    let whole = model.probabilities(frame.view()).unwrap();
    let mut tiled_model = model.clone();
    tiled_model.settings.tile = 32;
    tiled_model.settings.tile_margin = 8;
    let tiled = tiled_model.probabilities(frame.view()).unwrap();
    assert_eq!(tiled.dim(), (2, 70, 53));
    // The network's receptive field is wider than 8 px, so tiles differ a little; each
    // pixel's class probabilities still sum to 1 and stay near the whole frame's.
    let largest = whole
        .iter()
        .zip(tiled.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(largest < 0.2, "{largest}");
    for r in 0..70 {
        for c in 0..53 {
            assert!((tiled[[0, r, c]] + tiled[[1, r, c]] - 1.0).abs() < 1e-5);
        }
    }
}
