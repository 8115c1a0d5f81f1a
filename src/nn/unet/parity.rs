//! Parity with PyTorch for the whole network: `tests/oracles/unet_reference.json` (written by
//! `tests/oracles/unet_reference.py` from the PyTorch peer, float64) holds weights, a batch,
//! the training-mode logits, the cross-entropy (plain and class-weighted), the plain loss's
//! gradient in every parameter, the running statistics after the pass and the eval-mode
//! logits. The f64 network must agree within 1e-10 relative to the largest reference value,
//! the f32 one within 1e-4.

use super::super::layers::gradcheck::relative_error;
use super::super::layers::{Weights, softmax_cross_entropy};
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::super::torch_fixture::{cast, flat, numbers, widen};
use super::architecture::UnetArchitecture;
use super::network::Network;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/unet_reference.json"
    )))
    .expect("the fixture is JSON")
}

fn check<T: Real>(tolerance: f64) {
    let f = fixture();
    let s = &f["sizes"];
    let size = |k: &str| s[k].as_u64().unwrap() as usize;
    let arch = UnetArchitecture::new(size("classes"), size("filters"), [1, 2, 2, 3]).unwrap();
    let net = Network::new(&arch).unwrap();
    let params: Vec<T> = cast(&flat(&net.params, &f["weights"], true));
    let mut state: Vec<T> = cast(&flat(&net.state, &f["weights"], true));
    let side = size("side");
    let x = Tensor::from_vec(&[size("batch"), 1, side, side], cast(&numbers(&f["input"]))).unwrap();
    let targets: Vec<usize> = numbers(&f["targets"]).iter().map(|v| *v as usize).collect();
    let err = |got: &[f64], want: &[f64], what: &str| {
        let e = relative_error(got, want);
        assert!(e < tolerance, "{what}: {e:e}");
    };
    let w = Weights {
        params: &params,
        state: &state,
    };
    let (logits, saved) = net.forward(w, &x).unwrap();
    err(
        &widen(&logits.data),
        &numbers(&f["train_logits"]),
        "training logits",
    );
    let mut dlogits = Tensor::zeros(&logits.shape);
    let loss = softmax_cross_entropy(&logits, &targets, None, T::one(), &mut dlogits.data).unwrap();
    err(&[loss], &[f["loss"].as_f64().unwrap()], "loss");
    let class_weights: Vec<T> = cast(&numbers(&f["class_weights"]));
    let mut unused = vec![T::zero(); logits.data.len()];
    let weighted = softmax_cross_entropy(
        &logits,
        &targets,
        Some(&class_weights),
        T::zero(),
        &mut unused,
    )
    .unwrap();
    err(
        &[weighted],
        &[f["weighted_loss"].as_f64().unwrap()],
        "weighted loss",
    );
    let mut grad = vec![T::zero(); params.len()];
    net.backward(w, &saved, &dlogits, &mut grad);
    err(
        &widen(&grad),
        &flat(&net.params, &f["gradients"], false),
        "gradients",
    );
    net.update_running(&mut state, &saved);
    err(
        &widen(&state),
        &flat(&net.state, &f["running_after"], false),
        "running statistics",
    );
    let w = Weights {
        params: &params,
        state: &state,
    };
    let eval = net.infer(w, &x).unwrap();
    err(
        &widen(&eval.data),
        &numbers(&f["eval_logits"]),
        "eval logits",
    );
}

#[test]
fn the_unet_matches_pytorch_in_f64_and_f32() {
    check::<f64>(1e-10);
    check::<f32>(1e-4);
}
