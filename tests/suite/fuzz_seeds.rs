//! Writes `fuzz/seeds/<target>/`: valid files of every format version the loaders accept,
//! made by the library's own writers, from which the fuzz targets start. Run after a format
//! changes (and commit the output):
//! `cargo test --release --features hdf5 --test suite -- --ignored fuzz_seeds::`.

use crate::targets;

use ferrolab::gp::{GaussianProcess, GpParams, KernelChoice};
use ferrolab::io::npy::to_npy_bytes;
use ferrolab::io::npz::npz_bytes;
use ferrolab::nn::lstm_vae::{BetaStepRule, LstmVae, LstmVaeSettings, StageOptimizer, Variant};
use ferrolab::nn::mlp_vae::Reconstruction;
use ferrolab::nn::rvae::{Rvae, RvaeSettings};
use ferrolab::nn::unet::{ClassWeighting, Unet, UnetSettings};
use ferrolab::nn::{MlpVae, VaeSettings, synthetic_loops};
use ferrolab::phasefield::dataset::Dataset;
use ferrolab::progress::Progress;
use ndarray::{Array0, Array2, Array3, array};
use std::path::{Path, PathBuf};

fn seeds(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// A file written by a library writer that takes a path, as bytes.
fn written(name: &str, save: impl FnOnce(&Path)) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("ferrolab-seed-{}-{name}", std::process::id()));
    save(&path);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    bytes
}

/// A complex NPY array (no writer in the library: NumPy writes them).
fn complex_npy(descr: &str, parts: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2,), }}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    bytes.extend_from_slice(parts);
    bytes
}

fn npy_seeds() {
    let dir = seeds("npy");
    let matrix = array![[1.0, -2.5], [3.0, 4e-3]];
    write(&dir, "f8-2d.npy", &to_npy_bytes(&matrix));
    write(&dir, "f4-1d.npy", &to_npy_bytes(&array![1.5f32, 2.0, -3.0]));
    write(&dir, "u8-1d.npy", &to_npy_bytes(&array![7u64, 8]));
    write(&dir, "i4-1d.npy", &to_npy_bytes(&array![0i32, 2]));
    write(&dir, "u1-1d.npy", &to_npy_bytes(&array![1u8, 2, 3]));
    write(
        &dir,
        "f8-3d.npy",
        &to_npy_bytes(&Array3::<f64>::ones((2, 1, 2))),
    );
    write(
        &dir,
        "f8-0d.npy",
        &to_npy_bytes(&Array0::from_elem((), 1.0f64)),
    );
    let c16: Vec<u8> = [1.0f64, -2.0, 0.5, 0.25]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write(&dir, "c16-1d.npy", &complex_npy("<c16", &c16));
    let c8: Vec<u8> = [1.0f32, -2.0, 0.5, 0.25]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write(&dir, "c8-1d.npy", &complex_npy("<c8", &c8));
}

fn npz_seeds() {
    let dir = seeds("npz");
    let loops = to_npy_bytes(&array![[1.0, 2.0, 1.0], [0.5, 0.2, 0.1]]);
    let other = to_npy_bytes(&array![[9.0f32]]);
    let vector = to_npy_bytes(&array![1u64, 2]);
    for (name, members) in [
        (
            "polarization",
            vec![("polarization", loops.clone()), ("other", other.clone())],
        ),
        ("only-2d", vec![("x", loops.clone()), ("v", vector)]),
        ("two-2d", vec![("x", loops), ("y", other)]),
    ] {
        write(&dir, &format!("{name}.npz"), &npz_bytes(&members).unwrap());
    }
}

fn matrix_seeds() {
    let dir = seeds("matrix");
    write(&dir, "header.csv", b"x,y\n1, 2\n\n3,4e-3\n");
    write(&dir, "plain.csv", b"0.1,0.2,0.1,-0.1\n0.3,0.4,0.3,-0.3\n");
    write(&dir, "column.csv", b"-1\n2.5\nNaN\n");
    write(
        &dir,
        "f8.npy",
        &to_npy_bytes(&array![[1.0, -2.5], [3.0, 4e-3]]),
    );
    write(&dir, "f4.npy", &to_npy_bytes(&array![1.0f32, 2.0]));
}

/// Dataset version 1, whole sweep and shard, as the target reads it: JSON, NUL, NPZ.
fn dataset_seeds() {
    let dir = seeds("dataset");
    let mut config = serde_json::Map::new();
    config.insert("pf.points".into(), 4.into());
    let data = Dataset {
        index: vec![0, 1],
        parameters: array![[10.0, 0.8, 0.0, 0.1], [12.0, 0.9, 0.1, 0.2]],
        seed: vec![5, 6],
        status: vec![0, 2],
        voltage: vec![0.0, 1.0, 0.0, -1.0],
        polarization: array![[0.0, 0.2, 0.1, -0.2], [f64::NAN; 4]],
        features: Array2::zeros((2, 8)),
        sweep_structures: 4,
        shard: None,
        config,
    };
    let sharded = Dataset {
        shard: Some((1, 2)),
        ..data.clone()
    };
    for (name, d) in [("whole", data), ("shard", sharded)] {
        let base =
            std::env::temp_dir().join(format!("ferrolab-seed-{}-{name}", std::process::id()));
        d.write(&base).unwrap();
        let (npz, json) = ferrolab::io::dataset::dataset_files(&base);
        let mut bytes = std::fs::read(&json).unwrap();
        bytes.push(0);
        bytes.extend(std::fs::read(&npz).unwrap());
        write(&dir, &format!("{name}.bin"), &bytes);
        for p in [npz, json] {
            std::fs::remove_file(p).unwrap();
        }
    }
}

/// VAE files of the one version the loader reads, fresh and trained (with scaling, optimiser
/// state and history), each reconstruction.
fn vae_seeds() {
    let dir = seeds("vae");
    let settings = VaeSettings {
        hidden: vec![4],
        latent_dim: 2,
        epochs: 2,
        batch_size: 4,
        ..VaeSettings::default()
    };
    let fresh = MlpVae::new(&settings, 6).unwrap();
    write(
        &dir,
        "fresh-bce.safetensors",
        &written("fresh", |p| fresh.save(p).unwrap()),
    );
    let mse = VaeSettings {
        hidden: vec![3, 2],
        reconstruction: Reconstruction::Mse,
        ..settings
    };
    let mut trained = MlpVae::new(&mse, 6).unwrap();
    trained
        .train(synthetic_loops(8, 6, 0).view(), &Progress::new())
        .unwrap();
    let bytes = written("trained", |p| trained.save(p).unwrap());
    write(&dir, "trained-mse.safetensors", &bytes);
}

/// LSTM VAE files of the one version the loader reads: fresh; trained with a selected stage;
/// stopped inside a stage (the running stage's best weights; the auto60 beta rule); the BEPS
/// variant (per-channel scaling, no normalisation layers, the paper's restart rule); a stage
/// folder's file (stages but no training state).
fn lstm_vae_seeds() {
    let dir = seeds("lstm_vae");
    let mut s = LstmVaeSettings::default();
    (s.hidden, s.blocks, s.latent, s.embedding) = (2, 1, 2, 2);
    (s.epochs, s.priming_epochs, s.stage_epochs) = (4, 2, 1);
    (s.batch_size, s.target_active, s.active_threshold) = (4, 2, 1e-12);
    let rows = |n: usize, len: usize| {
        Array2::from_shape_fn((n, len), |(i, t)| ((i * len + t) as f64 * 0.7).sin())
    };
    let fresh = LstmVae::new(&s, 4).unwrap();
    write(
        &dir,
        "fresh.safetensors",
        &written("lstm-fresh", |p| fresh.save(p).unwrap()),
    );
    let stage_dir =
        std::env::temp_dir().join(format!("ferrolab-seed-{}-stages", std::process::id()));
    std::fs::create_dir_all(&stage_dir).unwrap();
    let mut selected = LstmVae::new(&s, 4).unwrap();
    selected.set_stage_dir(Some(stage_dir.clone())).unwrap();
    selected.train(rows(6, 4).view(), &Progress::new()).unwrap();
    assert_eq!(selected.selected_stage(), Some(1));
    write(
        &dir,
        "selected.safetensors",
        &written("lstm-selected", |p| selected.save(p).unwrap()),
    );
    write(
        &dir,
        "stage-001.safetensors",
        &std::fs::read(stage_dir.join("stage-001.safetensors")).unwrap(),
    );
    std::fs::remove_dir_all(&stage_dir).unwrap();
    let inside = LstmVaeSettings {
        epochs: 3,
        stage_epochs: 3,
        active_threshold: 1e6,
        beta_step_rule: BetaStepRule::Auto60,
        ..s.clone()
    };
    let mut stopped = LstmVae::new(&inside, 4).unwrap();
    stopped.train(rows(6, 4).view(), &Progress::new()).unwrap();
    write(
        &dir,
        "inside-a-stage.safetensors",
        &written("lstm-inside", |p| stopped.save(p).unwrap()),
    );
    let beps = LstmVaeSettings {
        variant: Variant::Beps,
        stage_optimizer: StageOptimizer::Restart,
        ..s
    };
    let mut paired = LstmVae::new(&beps, 6).unwrap();
    paired.train(rows(6, 6).view(), &Progress::new()).unwrap();
    write(
        &dir,
        "beps.safetensors",
        &written("lstm-beps", |p| paired.save(p).unwrap()),
    );
}

/// rVAE files of the one version the loader reads (papers 002/004), tiny (6 x 6 and 5 x 4
/// images, 2 filters): a fresh model (no training state); a trained one (history with test
/// losses, Adam's moments); one trained without translation nor a test split.
fn rvae_seeds() {
    let dir = seeds("rvae");
    let s = RvaeSettings {
        filters: 2,
        hidden: 4,
        epochs: 2,
        batch_size: 4,
        ..Default::default()
    };
    let images = |n: usize, pixels: usize| {
        Array2::from_shape_fn((n, pixels), |(i, p)| ((i * pixels + p) as f64 * 0.7).sin())
    };
    let fresh = Rvae::new(&s, [6, 6]).unwrap();
    write(
        &dir,
        "fresh.safetensors",
        &written("rvae-fresh", |p| fresh.save(p).unwrap()),
    );
    let mut trained = Rvae::new(&s, [6, 6]).unwrap();
    trained
        .train(images(8, 36).view(), &Progress::new())
        .unwrap();
    write(
        &dir,
        "trained.safetensors",
        &written("rvae-trained", |p| trained.save(p).unwrap()),
    );
    let upright = RvaeSettings {
        translation: false,
        test_fraction: 0.0,
        content_latents: 1,
        ..s
    };
    let mut plain = Rvae::new(&upright, [5, 4]).unwrap();
    plain.train(images(6, 20).view(), &Progress::new()).unwrap();
    write(
        &dir,
        "no-translation.safetensors",
        &written("rvae-plain", |p| plain.save(p).unwrap()),
    );
}

/// U-Net files of the one version the loader reads (papers 002/004), tiny (1 filter, 8 x 8 and
/// 16 x 8 crops): a fresh model (no training state); a trained one (history with test losses,
/// Adam's moments, the crop); one of 3 classes with balanced class weights, no rotation, no
/// test split and its own tiling and atom settings.
fn unet_seeds() {
    let dir = seeds("unet");
    let s = UnetSettings {
        classes: 2,
        filters: 1,
        epochs: 2,
        batch_size: 4,
        ..Default::default()
    };
    let data = |n: usize, h: usize, w: usize, classes: u8| {
        let images = Array3::from_shape_fn((n, h, w), |(i, r, c)| {
            (((i * h + r) * w + c) as f32 * 0.7).sin()
        });
        let masks = Array3::from_shape_fn((n, h, w), |(i, r, c)| ((i + r + c) % 5) as u8 % classes);
        (images, masks)
    };
    let fresh = Unet::new(&s).unwrap();
    write(
        &dir,
        "fresh.safetensors",
        &written("unet-fresh", |p| fresh.save(p).unwrap()),
    );
    let mut trained = Unet::new(&s).unwrap();
    let (images, masks) = data(8, 8, 8, 2);
    trained
        .train(images.view(), masks.view(), &Progress::new())
        .unwrap();
    write(
        &dir,
        "trained.safetensors",
        &written("unet-trained", |p| trained.save(p).unwrap()),
    );
    let other = UnetSettings {
        classes: 3,
        class_weights: ClassWeighting::Balanced,
        rotation: false,
        test_fraction: 0.0,
        tile: 32,
        tile_margin: 4,
        atom_threshold: 0.3,
        atom_min_pixels: 2,
        ..s
    };
    let mut three = Unet::new(&other).unwrap();
    let (images, masks) = data(4, 16, 8, 3);
    three
        .train(images.view(), masks.view(), &Progress::new())
        .unwrap();
    write(
        &dir,
        "three-classes.safetensors",
        &written("unet-three", |p| three.save(p).unwrap()),
    );
}

/// GP files of the one version the loader reads: one and two outputs, each kernel.
fn gp_seeds() {
    let dir = seeds("gp");
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]];
    let y = array![[0.0, 1.0], [1.0, 0.2], [0.5, 0.3]];
    for (name, kernel, normalize_y, outputs) in [
        ("rbf", KernelChoice::Rbf, false, 1),
        ("rbf-ard", KernelChoice::RbfArd, true, 2),
        ("matern32", KernelChoice::Matern32, false, 2),
        ("matern52", KernelChoice::Matern52, true, 1),
    ] {
        let params = GpParams {
            kernel,
            normalize_y,
            optimize: false,
            ..GpParams::default()
        };
        let gp =
            GaussianProcess::fit(x.view(), y.slice(ndarray::s![.., ..outputs]), &params).unwrap();
        write(
            &dir,
            &format!("{name}.bin"),
            &written(name, |p| gp.save(p).unwrap()),
        );
    }
}

/// Every key at its default, one file per engine prefix, as `key=value` lines.
fn config_seeds() {
    let dir = seeds("config");
    let mut files: std::collections::BTreeMap<&str, String> = Default::default();
    for key in ferrolab::keys() {
        let prefix = key.name.split('.').next().unwrap();
        let value = match key.default_value() {
            ferrolab::config::Value::Str(s) => s,
            other => other.to_string(),
        };
        let text = files.entry(prefix).or_default();
        text.push_str(&format!("{}={value}\n", key.name));
    }
    for (prefix, text) in files {
        write(&dir, &format!("{prefix}.txt"), text.as_bytes());
    }
}

/// The ancillary grids of the USID fixture (written by pyUSID) in the target's encoding.
#[cfg(feature = "hdf5")]
fn usid_seeds() {
    use hdf5_metno as hdf5;
    let dir = seeds("usid");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/usid/beps_small.h5");
    let file = hdf5::File::open(fixture).unwrap();
    let word = |w: &str| {
        let at = targets::USID_WORDS.iter().position(|u| *u == w);
        at.unwrap_or(targets::USID_WORDS.len() - 1) as u8
    };
    for (name, points_first) in [("Position_Indices", true), ("Spectroscopic_Indices", false)] {
        let d = file
            .dataset(&format!("/Measurement_000/Channel_000/{name}"))
            .unwrap();
        let strings = |attr: &str| -> Vec<String> {
            let a = d.attr(attr).unwrap();
            match a.read_raw::<hdf5::types::VarLenUnicode>() {
                Ok(v) => v.iter().map(|s| s.as_str().to_owned()).collect(),
                Err(_) => a
                    .read_raw::<hdf5::types::FixedAscii<256>>()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().trim_end().to_owned())
                    .collect(),
            }
        };
        let (labels, units) = (strings("labels"), strings("units"));
        let mut bytes = vec![u8::from(points_first), labels.len() as u8];
        bytes.extend(labels.iter().map(|l| word(l)));
        bytes.extend(units.iter().map(|u| word(u)));
        for i in d.read_raw::<u64>().unwrap() {
            bytes.push(u8::try_from(i).unwrap());
        }
        write(&dir, &format!("{name}.bin"), &bytes);
    }
}

/// im2spec and spec2im files (network file version 1): fresh, trained, and a run cancelled
/// after its first epoch (with the training state a resume needs).
fn im2spec_seeds() {
    use ferrolab::nn::im2spec::{EncoderDecoder, Im2SpecSettings, Spec2ImSettings};
    let dir = seeds("im2spec");
    let rows = |n: usize, len: usize| {
        Array2::from_shape_fn((n, len), |(i, t)| ((i * len + t) as f64 * 0.7).sin())
    };
    let s = Im2SpecSettings {
        latent: 2,
        filters: 2,
        epochs: 2,
        batch_size: 4,
        ..Default::default()
    };
    let fresh = EncoderDecoder::im2spec(&s, [4, 4], 8).unwrap();
    write(
        &dir,
        "im2spec-fresh.safetensors",
        &written("im2spec-fresh", |p| fresh.save(p).unwrap()),
    );
    let mut trained = EncoderDecoder::im2spec(&s, [4, 4], 8).unwrap();
    trained
        .train(rows(6, 16).view(), rows(6, 8).view(), &Progress::new())
        .unwrap();
    write(
        &dir,
        "im2spec-trained.safetensors",
        &written("im2spec-trained", |p| trained.save(p).unwrap()),
    );
    let t = Spec2ImSettings {
        latent: 2,
        filters: 2,
        epochs: 1,
        batch_size: 4,
        ..Default::default()
    };
    let mut spec2im = EncoderDecoder::spec2im(&t, 8, [4, 4]).unwrap();
    spec2im
        .train(rows(6, 8).view(), rows(6, 16).view(), &Progress::new())
        .unwrap();
    spec2im.set_epochs(3).unwrap();
    write(
        &dir,
        "spec2im-unfinished.safetensors",
        &written("spec2im-unfinished", |p| spec2im.save(p).unwrap()),
    );
}

/// Session manifests (format version 1): a session with measurements and no model, and one
/// with a trained ensemble whose later measurements have surprises (the fuzz target's
/// fixture, whose files the target loads them with).
fn ae_manifest_seeds() {
    let dir = seeds("ae_manifest");
    let fixture = targets::ae_session_dir();
    for (seed, manifest) in [
        ("measured.json", "manifest.g1.json"),
        ("trained.json", ferrolab::experiment::MANIFEST),
    ] {
        write(&dir, seed, &std::fs::read(fixture.join(manifest)).unwrap());
    }
}

/// Only paper 003's seeds (the im2spec files and session manifests).
#[test]
#[ignore = "writes fuzz/seeds/im2spec and fuzz/seeds/ae_manifest; run by hand after a format changes"]
fn write_paper_003_fuzz_seeds() {
    im2spec_seeds();
    ae_manifest_seeds();
}

/// Only the rVAE's seeds.
#[test]
#[ignore = "writes fuzz/seeds/rvae; run by hand after its format changes"]
fn write_rvae_fuzz_seeds() {
    rvae_seeds();
}

/// Only the U-Net's seeds.
#[test]
#[ignore = "writes fuzz/seeds/unet; run by hand after its format changes"]
fn write_unet_fuzz_seeds() {
    unet_seeds();
}

/// Only the configuration seeds (one file per key prefix): rerun when keys are added.
#[test]
#[ignore = "writes fuzz/seeds/config; run by hand after keys change"]
fn write_config_fuzz_seeds() {
    config_seeds();
}

#[test]
#[ignore = "writes fuzz/seeds/; run by hand after a format changes"]
fn write_fuzz_seeds() {
    npy_seeds();
    npz_seeds();
    matrix_seeds();
    dataset_seeds();
    vae_seeds();
    lstm_vae_seeds();
    rvae_seeds();
    unet_seeds();
    gp_seeds();
    config_seeds();
    im2spec_seeds();
    ae_manifest_seeds();
    #[cfg(feature = "hdf5")]
    usid_seeds();
}
