//! Parity with PyTorch for the whole rVAE: `tests/oracles/rvae_reference.json` (written by
//! `tests/oracles/rvae_reference.py`, float64, 8 x 8 images) holds the weights, a batch of three
//! images and the noise, the latent means and log sds, the decoded images, the loss with its
//! two parts and the loss's gradient in every weight, with translation on and off. The f64
//! network must agree within 1e-10 relative to the largest reference value, the f32 one within
//! 1e-4.

use super::super::layers::Weights;
use super::super::layers::gradcheck::relative_error;
use super::super::real::Real;
use super::super::torch_fixture::{cast, flat, numbers, widen};
use super::architecture::RvaeArchitecture;
use super::network::Network;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/rvae_reference.json"
    )))
    .expect("the fixture is JSON")
}

fn check<T: Real>(name: &str, tolerance: f64) {
    let f = fixture();
    let s = &f["sizes"];
    let get = |key: &str| s[key].as_u64().expect(key) as usize;
    let c = &f["cases"][name];
    let n = get("n");
    let arch = RvaeArchitecture::new(
        [n, n],
        get("content"),
        get("hidden"),
        get("filters"),
        c["translation"].as_bool().expect("translation"),
        s["translation_scale"].as_f64().unwrap(),
        s["rotation_prior_sd"].as_f64().unwrap(),
    )
    .unwrap();
    let net = Network::new(&arch).unwrap();
    let params: Vec<T> = cast(&flat(&net.params, &c["weights"], true));
    assert_eq!(
        c["weights"].as_object().expect("named tensors").len(),
        net.params.tensors().len(),
        "the fixture has tensors the layout lacks"
    );
    let w = Weights::params(&params);
    let x: Vec<T> = cast(&numbers(&c["input"]));
    let eps: Vec<T> = cast(&numbers(&c["eps"]));
    let batch = get("batch");
    let err = |got: &[f64], want: &[f64], what: &str| {
        let e = relative_error(got, want);
        assert!(e < tolerance, "{name} {what}: {e:e}");
        eprintln!("rvae parity {name} {what}: {e:.1e}");
    };

    let enc = net.encode(w, &net.input(&x).unwrap()).unwrap();
    err(&widen(&enc.mu.data), &numbers(&c["mu"]), "latent means");
    err(
        &widen(&enc.log_sd.data),
        &numbers(&c["log_sd"]),
        "latent log sds",
    );
    let z: Vec<T> = enc
        .mu
        .data
        .iter()
        .zip(&enc.log_sd.data)
        .zip(&eps)
        .map(|((m, l), e)| *m + l.exp() * *e)
        .collect();
    let y = net.decode(w, net.split(&z)).unwrap();
    err(&widen(&y.data), &numbers(&c["output"]), "decoded images");

    let mut grad = vec![T::zero(); params.len()];
    let sums = net
        .batch_loss_and_gradient(w, &x, &eps, 1.0, 0.0, 1.0 / batch as f64, &mut grad)
        .unwrap();
    let b = batch as f64;
    err(
        &[sums.reconstruction / b],
        &[c["reconstruction"].as_f64().unwrap()],
        "reconstruction",
    );
    err(&[sums.kl / b], &[c["kl"].as_f64().unwrap()], "KL");
    err(
        &[(sums.reconstruction + sums.kl) / b],
        &[c["loss"].as_f64().unwrap()],
        "loss",
    );
    let want = flat(&net.params, &c["gradients"], false);
    err(&widen(&grad), &want, "gradients");
    // Tensor by tensor too, so a small tensor's error is not hidden by a large one's scale.
    for t in net.params.tensors() {
        let e = relative_error(&widen(&grad[t.range()]), &want[t.range()]);
        assert!(e < tolerance, "{name} gradient of {}: {e:e}", t.name);
    }
}

#[test]
fn the_rvae_matches_pytorch_with_translation_in_f64_and_f32() {
    check::<f64>("translation", 1e-10);
    check::<f32>("translation", 1e-4);
}

#[test]
fn the_rvae_matches_pytorch_without_translation_in_f64_and_f32() {
    check::<f64>("no_translation", 1e-10);
    check::<f32>("no_translation", 1e-4);
}
