//! The MLP beta-VAE's loss and gradient on one paper-size batch (128 loops of 400 points,
//! hidden 256, latent 2), fast path and (with `--features burn`) burn's autodiff, on the
//! library's worker pool. `cargo bench --bench vae [--features burn]`; results and the
//! PyTorch comparison (benches/vae_peer/run.sh) in benches/README.md.

use criterion::{Criterion, criterion_group, criterion_main};
use ferrolab::nn::mlp_vae::fast_objective;
use ferrolab::nn::train::{LossWeights, Objective};
use ferrolab::nn::{Reconstruction, VaeArchitecture};
use ferrolab::rng::Xoshiro256;
use std::hint::black_box;

fn batch(arch: &VaeArchitecture) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut rng = Xoshiro256::seed_from_u64(1);
    let params = (0..arch.layout().total())
        .map(|_| rng.uniform_in(-0.05, 0.05) as f32)
        .collect();
    let x = (0..128 * arch.input_dim)
        .map(|_| rng.uniform() as f32)
        .collect();
    let noise = (0..128 * arch.latent_dim)
        .map(|_| rng.normal() as f32)
        .collect();
    (params, x, noise)
}

fn step(c: &mut Criterion, name: &str, objective: &dyn Objective, arch: &VaeArchitecture) {
    let (params, x, noise) = batch(arch);
    let mut grad = vec![0.0; params.len()];
    c.bench_function(name, |b| {
        b.iter(|| {
            ferrolab::parallel::install(|| {
                objective
                    .loss_and_gradient(
                        &params,
                        &mut [],
                        &x,
                        &noise,
                        LossWeights::beta_only(0.1),
                        1.0 / 128.0,
                        &mut grad,
                    )
                    .unwrap()
            })
            .unwrap();
            black_box(&grad);
        })
    });
}

fn gradient(c: &mut Criterion) {
    let arch = VaeArchitecture {
        input_dim: 400,
        hidden: vec![256],
        latent_dim: 2,
        reconstruction: Reconstruction::Bce,
    };
    ferrolab::parallel::set_num_threads(2).unwrap();
    step(
        c,
        "vae_gradient_batch128_fast",
        &fast_objective(&arch),
        &arch,
    );
    #[cfg(feature = "burn")]
    step(
        c,
        "vae_gradient_batch128_burn",
        &ferrolab::nn::mlp_vae::burn_objective(&arch),
        &arch,
    );
}

criterion_group!(benches, gradient);
criterion_main!(benches);
