//! The MLP beta-VAE against independent oracles: finite differences and burn's autodiff for
//! the gradients, analytic limits, and behaviour users rely on (determinism, exact resume,
//! files that round-trip and reject damage).

use ferrolab::nn::train::{LossWeights, Objective};
use ferrolab::nn::{
    MlpVae, NnError, Reconstruction, VaeArchitecture, VaeSettings, synthetic_loops,
};
use ferrolab::progress::Progress;
use ferrolab::rng::Xoshiro256;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrolab-vae-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn small_arch(reconstruction: Reconstruction) -> VaeArchitecture {
    VaeArchitecture {
        input_dim: 23,
        hidden: vec![17, 9],
        latent_dim: 3,
        reconstruction,
    }
}

/// Parameters, a batch of rows in (0, 1) and noise, all seeded. 150 rows: three shards, the
/// last one partial.
fn problem(arch: &VaeArchitecture, rows: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Xoshiro256::seed_from_u64(11);
    let n = arch.layout().total();
    let params = (0..n).map(|_| rng.uniform_in(-0.4, 0.4) as f32).collect();
    let x = (0..rows * arch.input_dim)
        .map(|_| rng.uniform_in(0.02, 0.98) as f32)
        .collect();
    let noise = (0..rows * arch.latent_dim)
        .map(|_| rng.normal() as f32)
        .collect();
    (params, x, noise)
}

fn fast(arch: &VaeArchitecture) -> impl Objective {
    ferrolab::nn::mlp_vae::fast_objective(arch)
}

/// Directional derivatives along random directions by central differences of the loss
/// (accumulated in f64) against the analytic gradient.
#[test]
fn fast_gradient_matches_finite_differences() {
    for reconstruction in [Reconstruction::Bce, Reconstruction::Mse] {
        let arch = small_arch(reconstruction);
        let (params, x, noise) = problem(&arch, 150);
        let obj = fast(&arch);
        let beta = 0.7f32;
        let mut grad = vec![0.0; params.len()];
        obj.loss_and_gradient(
            &params,
            &mut [],
            &x,
            &noise,
            LossWeights::beta_only(f64::from(beta)),
            1.0,
            &mut grad,
        )
        .unwrap();
        let total = |p: &[f32]| {
            let s = obj.loss(p, &[], &x, &noise).unwrap();
            s.reconstruction + f64::from(beta) * s.kl
        };
        // One random direction inside each tensor, so a wrong small block cannot hide.
        let mut rng = Xoshiro256::seed_from_u64(5);
        for t in arch.layout().tensors() {
            let mut v = vec![0.0f64; params.len()];
            for i in t.range() {
                v[i] = rng.normal();
            }
            let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            v.iter_mut().for_each(|a| *a /= norm);
            let h = 1e-3;
            let shifted = |sign: f64| -> Vec<f32> {
                params
                    .iter()
                    .zip(&v)
                    .map(|(p, d)| (f64::from(*p) + sign * h * d) as f32)
                    .collect()
            };
            let fd = (total(&shifted(1.0)) - total(&shifted(-1.0))) / (2.0 * h);
            let analytic: f64 = grad.iter().zip(&v).map(|(g, d)| f64::from(*g) * d).sum();
            let gnorm = grad[t.range()]
                .iter()
                .map(|g| f64::from(*g).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(
                (fd - analytic).abs() < 2e-3 * gnorm,
                "{reconstruction:?} {}: fd {fd}, analytic {analytic}, |g| {gnorm}",
                t.name
            );
        }
    }
}

/// The gradient is independent of how a batch splits into shards (rows 150 vs the same rows
/// evaluated one shard at a time and summed).
#[test]
fn shard_split_does_not_change_the_gradient() {
    let arch = small_arch(Reconstruction::Bce);
    let (params, x, noise) = problem(&arch, 150);
    let obj = fast(&arch);
    let mut whole = vec![0.0; params.len()];
    obj.loss_and_gradient(
        &params,
        &mut [],
        &x,
        &noise,
        LossWeights::beta_only(0.1),
        1.0,
        &mut whole,
    )
    .unwrap();
    let mut summed = vec![0.0f64; params.len()];
    let (d, k) = (arch.input_dim, arch.latent_dim);
    for r in 0..150 {
        let mut g = vec![0.0; params.len()];
        obj.loss_and_gradient(
            &params,
            &mut [],
            &x[r * d..(r + 1) * d],
            &noise[r * k..(r + 1) * k],
            LossWeights::beta_only(0.1),
            1.0,
            &mut g,
        )
        .unwrap();
        summed
            .iter_mut()
            .zip(&g)
            .for_each(|(s, g)| *s += f64::from(*g));
    }
    let scale = summed.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (a, b) in whole.iter().zip(&summed) {
        assert!((f64::from(*a) - b).abs() < 1e-5 * scale, "{a} {b}");
    }
}

/// The KL term alone has the closed form 0.5 (mu^2 + sigma^2 - 1 - ln sigma^2) per latent
/// dimension: check the loss sums against it using the encoder's own outputs.
#[test]
fn kl_term_matches_closed_form() {
    let settings = VaeSettings {
        hidden: vec![8],
        latent_dim: 2,
        ..VaeSettings::default()
    };
    let mut vae = MlpVae::new(&settings, 10).unwrap();
    let data = synthetic_loops(20, 10, 3);
    vae.set_epochs(1).unwrap();
    vae.train(data.view(), &Progress::new()).unwrap();
    let (mu, lv) = vae.encode(data.view()).unwrap();
    let closed: f64 = mu
        .iter()
        .zip(lv.iter())
        .map(|(m, l)| 0.5 * (m * m + l.exp() - 1.0 - l))
        .sum();
    let scaled = vae.scaling().unwrap().apply(data.view());
    let obj = fast(vae.architecture());
    let noise = vec![0.0f32; 20 * 2];
    let sums = obj
        .loss(vae.parameters(), &[], scaled.as_slice().unwrap(), &noise)
        .unwrap();
    assert!(
        (sums.kl - closed).abs() < 1e-5 * closed.max(1.0),
        "{} {closed}",
        sums.kl
    );
}

#[cfg(feature = "burn")]
#[test]
fn fast_gradient_equals_burn_autodiff() {
    for reconstruction in [Reconstruction::Bce, Reconstruction::Mse] {
        let arch = small_arch(reconstruction);
        let (params, x, noise) = problem(&arch, 150);
        let burn = ferrolab::nn::mlp_vae::burn_objective(&arch);
        let obj = fast(&arch);
        let (mut g_fast, mut g_burn) = (vec![0.0; params.len()], vec![0.0; params.len()]);
        let s_fast = obj
            .loss_and_gradient(
                &params,
                &mut [],
                &x,
                &noise,
                LossWeights::beta_only(0.3),
                1.0 / 150.0,
                &mut g_fast,
            )
            .unwrap();
        let s_burn = burn
            .loss_and_gradient(
                &params,
                &mut [],
                &x,
                &noise,
                LossWeights::beta_only(0.3),
                1.0 / 150.0,
                &mut g_burn,
            )
            .unwrap();
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-12);
        assert!(rel(s_fast.reconstruction, s_burn.reconstruction) < 1e-5);
        assert!(rel(s_fast.kl, s_burn.kl) < 1e-5);
        let scale = g_burn.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = g_fast
            .iter()
            .zip(&g_burn)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst < 2e-5 * scale,
            "{reconstruction:?}: {worst} vs {scale}"
        );
        // Paper-size layer shapes too (one batch of 128 of 400 points).
        let paper = VaeArchitecture {
            input_dim: 400,
            hidden: vec![256],
            latent_dim: 2,
            reconstruction,
        };
        let (params, x, noise) = problem(&paper, 128);
        let (burn, obj) = (ferrolab::nn::mlp_vae::burn_objective(&paper), fast(&paper));
        let (mut g_fast, mut g_burn) = (vec![0.0; params.len()], vec![0.0; params.len()]);
        obj.loss_and_gradient(
            &params,
            &mut [],
            &x,
            &noise,
            LossWeights::beta_only(0.1),
            1.0 / 128.0,
            &mut g_fast,
        )
        .unwrap();
        burn.loss_and_gradient(
            &params,
            &mut [],
            &x,
            &noise,
            LossWeights::beta_only(0.1),
            1.0 / 128.0,
            &mut g_burn,
        )
        .unwrap();
        let scale = g_burn.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = g_fast
            .iter()
            .zip(&g_burn)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst < 2e-5 * scale,
            "paper size {reconstruction:?}: {worst} vs {scale}"
        );
    }
}

/// A model trained on `data` without interruption.
fn straight_run(settings: &VaeSettings, data: &ndarray::Array2<f64>) -> MlpVae {
    let mut vae = MlpVae::new(settings, data.ncols()).unwrap();
    vae.train(data.view(), &Progress::new()).unwrap();
    vae
}

/// A fresh model for rows of `d` values that checkpoints to `path`.
fn checkpointed(settings: &VaeSettings, d: usize, path: &std::path::Path) -> MlpVae {
    let mut vae = MlpVae::new(settings, d).unwrap();
    vae.set_checkpoint(Some(path.to_owned())).unwrap();
    vae
}

fn quick_settings(epochs: usize) -> VaeSettings {
    let mut s = VaeSettings {
        hidden: vec![64],
        ..VaeSettings::default()
    };
    s.epochs = epochs;
    s.batch_size = 64;
    s.learning_rate = 3e-3;
    s
}

/// Training lowers the loss and reconstructs held-out-free synthetic loops to a few percent of
/// their range.
#[test]
fn training_lowers_the_loss_and_reconstructs_loops() {
    let data = synthetic_loops(1024, 80, 21);
    let mut vae = MlpVae::new(&quick_settings(40), 80).unwrap();
    let history = vae.train(data.view(), &Progress::new()).unwrap();
    let (first, last) = (history[0].train.total, history.last().unwrap().train.total);
    assert!(last < 0.9 * first, "loss {first} -> {last}");
    let rec = vae.reconstruct(data.view()).unwrap();
    let range = data.iter().fold(0.0f64, |m, v| m.max(v.abs())) * 2.0;
    let rmse = ((&rec - &data).mapv(|e| e * e).mean().unwrap()).sqrt();
    assert!(rmse < 0.05 * range, "rmse {rmse} of range {range}");
}

#[test]
fn same_seed_gives_the_same_weights_whatever_the_thread_count() {
    let data = synthetic_loops(300, 40, 2);
    let train = |threads: usize| {
        ferrolab::parallel::set_num_threads(threads).unwrap();
        let mut vae = MlpVae::new(&quick_settings(3), 40).unwrap();
        vae.train(data.view(), &Progress::new()).unwrap();
        vae.parameters().to_vec()
    };
    let (one, two, again) = (train(1), train(2), train(2));
    ferrolab::parallel::set_num_threads(0).unwrap();
    assert_eq!(one, two);
    assert_eq!(two, again);
    let mut other = quick_settings(3);
    other.seed = 1;
    let mut vae = MlpVae::new(&other, 40).unwrap();
    vae.train(data.view(), &Progress::new()).unwrap();
    assert_ne!(vae.parameters(), two.as_slice());
}

/// Cancel after epoch 3 of 6 with checkpoints every 2 epochs, resume in a new model from the
/// checkpoint file: the same weights and history as an uninterrupted run.
#[test]
fn resume_from_checkpoint_equals_an_uninterrupted_run() {
    let dir = scratch("resume");
    let data = synthetic_loops(200, 30, 4);
    let mut settings = quick_settings(6);
    settings.checkpoint_every = 2;
    settings.validation_fraction = 0.2;
    let straight = straight_run(&settings, &data);

    let path = dir.join("ckpt.safetensors");
    let progress = Progress::new();
    let mut first = checkpointed(&settings, 30, &path);
    let err = first
        .train_with(data.view(), &progress, &mut |r| {
            if r.epoch == 3 {
                progress.request_cancel();
            }
        })
        .unwrap_err();
    assert_eq!(err, NnError::Cancelled { epochs_done: 3 });
    assert_eq!((progress.done(), progress.total()), (3, 6));
    progress.clear_cancel();
    let mut resumed = checkpointed(&settings, 30, &path);
    let history = resumed.train(data.view(), &progress).unwrap();
    assert_eq!(progress.last_loss(), Some(history[5].train.total));
    assert_eq!(resumed.parameters(), straight.parameters());
    let strip = |h: &[ferrolab::nn::EpochRecord]| {
        h.iter()
            .map(|r| (r.epoch, r.train, r.validation))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&history), strip(straight.history()));
    assert!(history.iter().all(|r| r.validation.is_some()));
    // The in-memory model continues too.
    first.set_checkpoint(None).unwrap();
    first.train(data.view(), &Progress::new()).unwrap();
    assert_eq!(first.parameters(), straight.parameters());
    // Other data are refused.
    let other = synthetic_loops(200, 30, 5);
    let mut again = MlpVae::new(&settings, 30).unwrap();
    again.set_checkpoint(Some(path)).unwrap();
    assert!(matches!(
        again.train(other.view(), &progress),
        Err(NnError::Invalid(m)) if m.contains("differs")
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn save_load_round_trip_and_damaged_files_are_rejected() {
    let dir = scratch("files");
    let data = synthetic_loops(128, 50, 8);
    let mut vae = MlpVae::new(&quick_settings(2), 50).unwrap();
    vae.train(data.view(), &Progress::new()).unwrap();
    let path = dir.join("model.safetensors");
    vae.save(&path).unwrap();
    let back = MlpVae::load(&path).unwrap();
    assert_eq!(back.parameters(), vae.parameters());
    assert_eq!(back.scaling(), vae.scaling());
    assert_eq!(back.history(), vae.history());
    let (z, decoded) = vae.decode_grid(-2.0, 2.0, 5).unwrap();
    assert_eq!(back.decode(z.view()).unwrap(), decoded);

    let bytes = std::fs::read(&path).unwrap();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    std::fs::write(&path, &flipped).unwrap();
    let err = MlpVae::load(&path).err().unwrap();
    assert!(
        matches!(&err, NnError::Corrupt(m) if m.contains("checksum")),
        "{err}"
    );
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(MlpVae::load(&path), Err(NnError::Corrupt(_))));
    std::fs::write(&path, b"not a model").unwrap();
    assert!(matches!(MlpVae::load(&path), Err(NnError::Corrupt(_))));
    assert!(matches!(
        MlpVae::load(&dir.join("missing.safetensors")),
        Err(NnError::Io(_))
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_inputs_are_named() {
    let mut vae = MlpVae::new(&quick_settings(1), 10).unwrap();
    let err = |r: Result<(), NnError>| r.unwrap_err().to_string();
    let data = synthetic_loops(8, 12, 1);
    let m = err(vae.train(data.view(), &Progress::new()).map(|_| ()));
    assert!(m.contains("12 columns"), "{m}");
    let mut nan = synthetic_loops(8, 10, 1);
    nan[[3, 4]] = f64::NAN;
    let m = err(vae.train(nan.view(), &Progress::new()).map(|_| ()));
    assert!(m.contains("x[3][4]"), "{m}");
    let m = err(vae.encode(synthetic_loops(2, 10, 1).view()).map(|_| ()));
    assert!(m.contains("not trained"), "{m}");
    let flat = ndarray::Array2::<f64>::ones((4, 10));
    let m = err(vae.train(flat.view(), &Progress::new()).map(|_| ()));
    assert!(m.contains("spread"), "{m}");
    let mut bad = quick_settings(1);
    bad.hidden = vec![];
    assert!(MlpVae::new(&bad, 10).is_err());
}

/// A cancel from another thread in the middle of an epoch rolls back to the last finished
/// epoch; resuming from the checkpoint then ends with the weights of an uninterrupted run.
#[test]
fn mid_epoch_cancel_from_another_thread_resumes_exactly() {
    let dir = scratch("mid-epoch");
    let data = synthetic_loops(256, 40, 4);
    let mut settings = quick_settings(8);
    settings.batch_size = 16;
    settings.checkpoint_every = 2;
    let straight = straight_run(&settings, &data);
    let path = dir.join("ckpt.safetensors");
    let progress = Progress::new();
    let mut vae = checkpointed(&settings, 40, &path);
    // Half an epoch after the third, by the uninterrupted run's clock: mid-epoch.
    let half_epoch = std::time::Duration::from_secs_f64(straight.history()[3].seconds / 2.0);
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while progress.done() < 8 {
                if progress.done() >= 3 {
                    std::thread::sleep(half_epoch);
                    progress.request_cancel();
                    break;
                }
                std::hint::spin_loop();
            }
        });
        vae.train(data.view(), &progress)
    });
    // The watcher may miss the window on a loaded machine; then the run simply finished.
    match result {
        Err(NnError::Cancelled { epochs_done }) => assert!((3..8).contains(&epochs_done)),
        other => assert_eq!(other.unwrap().len(), 8),
    }
    let mut resumed = checkpointed(&settings, 40, &path);
    resumed.train(data.view(), &Progress::new()).unwrap();
    assert_eq!(resumed.parameters(), straight.parameters());
    std::fs::remove_dir_all(dir).unwrap();
}

/// A file with a sound checksum but settings or an architecture that cannot be right (written
/// by hand through the network format) is refused as corrupt before training or allocation.
#[test]
fn hand_made_files_with_impossible_settings_are_corrupt() {
    use ferrolab::io::network;
    let dir = scratch("impossible");
    let data = synthetic_loops(64, 20, 1);
    let path = dir.join("model.safetensors");
    straight_run(&quick_settings(2), &data).save(&path).unwrap();
    let good = network::read(&path, "mlp_vae", 2).unwrap();
    let mut bad = good.clone();
    bad.settings["batch_size"] = 0.into();
    network::write(&path, &bad).unwrap();
    let err = MlpVae::load(&path).err().unwrap();
    assert!(matches!(err, NnError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains("vae.batch_size"), "{err}");
    // 64 hidden layers of 65536 (in range each) would ask for ~1 TB: refused from the file's
    // size, nothing allocated.
    let mut huge = good;
    huge.architecture["hidden"] = vec![65536; 64].into();
    network::write(&path, &huge).unwrap();
    let err = MlpVae::load(&path).err().unwrap().to_string();
    assert!(err.contains("but the file holds"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
