//! Parity with PyTorch for the whole networks: `tests/oracles/im2spec_reference.json` (written
//! by `tests/oracles/im2spec_reference.py` from the PyTorch peer, float64) holds weights, a
//! batch, the training-mode output, the MSE loss and its gradient in every parameter, the
//! running statistics after the pass and the eval-mode latents and outputs. The f64 network
//! must agree within 1e-10 relative to the largest reference value, the f32 one within 1e-4.

use super::super::layers::Weights;
use super::super::layers::gradcheck::relative_error;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::super::torch_fixture::{cast, flat, numbers, widen};
use super::architecture::{Direction, EncoderDecoderArchitecture};
use super::network::{Network, mse_rows};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/im2spec_reference.json"
    )))
    .expect("the fixture is JSON")
}

fn check<T: Real>(direction: Direction, tolerance: f64) {
    let f = fixture();
    let s = &f["sizes"];
    let patch = numbers(&s["patch"]);
    let arch = EncoderDecoderArchitecture::new(
        direction,
        [patch[0] as usize, patch[1] as usize],
        s["spectrum_len"].as_u64().unwrap() as usize,
        s["latent"].as_u64().unwrap() as usize,
        s["filters"].as_u64().unwrap() as usize,
    )
    .unwrap();
    let name = match direction {
        Direction::ImageToSpectrum => "im2spec",
        Direction::SpectrumToImage => "spec2im",
    };
    let c = &f["cases"][name];
    let net = Network::new(&arch).unwrap();
    let params: Vec<T> = cast(&flat(&net.params, &c["weights"], true));
    let mut state: Vec<T> = cast(&flat(&net.state, &c["weights"], true));
    let batch = s["batch"].as_u64().unwrap() as f64;
    let w = Weights {
        params: &params,
        state: &state,
    };
    let (_, y, saved) = net.forward(w, cast(&numbers(&c["input"]))).unwrap();
    let err = |got: &[f64], want: &[f64], what: &str| {
        let e = relative_error(got, want);
        assert!(e < tolerance, "{name} {what}: {e:e}");
    };
    err(
        &widen(&y.data),
        &numbers(&c["train_output"]),
        "training output",
    );
    let target: Vec<T> = cast(&numbers(&c["target"]));
    let (losses, dy) = mse_rows(&y, &target, 1.0 / batch);
    let loss = losses.iter().sum::<f64>() / batch;
    err(&[loss], &[c["loss"].as_f64().unwrap()], "loss");
    let mut grad = vec![T::zero(); params.len()];
    net.backward(w, &saved, dy, &mut grad);
    err(
        &widen(&grad),
        &flat(&net.params, &c["gradients"], false),
        "gradients",
    );
    net.update_running(&mut state, &saved);
    err(
        &widen(&state),
        &flat(&net.state, &c["running_after"], false),
        "running statistics",
    );
    let w = Weights {
        params: &params,
        state: &state,
    };
    let z = net.encode(w, cast(&numbers(&c["input"]))).unwrap();
    err(&widen(&z.data), &numbers(&c["eval_latent"]), "eval latents");
    let y_eval: Tensor<T> = net.decode(w, &z).unwrap();
    err(
        &widen(&y_eval.data),
        &numbers(&c["eval_output"]),
        "eval output",
    );
}

#[test]
fn im2spec_matches_pytorch_in_f64_and_f32() {
    check::<f64>(Direction::ImageToSpectrum, 1e-10);
    check::<f32>(Direction::ImageToSpectrum, 1e-4);
}

#[test]
fn spec2im_matches_pytorch_in_f64_and_f32() {
    check::<f64>(Direction::SpectrumToImage, 1e-10);
    check::<f32>(Direction::SpectrumToImage, 1e-4);
}
