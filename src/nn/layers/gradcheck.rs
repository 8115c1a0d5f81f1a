//! The gradient harness every layer's tests use: the `f64` instance against central
//! differences (relative error below 1e-6), the `f32` instance against the `f64` one (below
//! 1e-4), and backward adding into (not overwriting) the parameter gradient.

use super::super::layout::ParamLayout;
use super::super::tensor::Tensor;
use super::{Layer, Weights};
use crate::rng::Xoshiro256;

/// Central-difference step: truncation error ~h^2, rounding ~1e-16/h, both far below 1e-6.
const STEP: f64 = 1e-6;
/// Coordinates checked per tensor at most (spread over the whole tensor).
const MAX_PROBES: usize = 150;

/// Central differences of `f` at `x` in the probed coordinates.
pub(crate) fn finite_differences(
    f: impl Fn(&[f64]) -> f64,
    x: &[f64],
    probes: &[usize],
) -> Vec<f64> {
    let mut x = x.to_vec();
    probes
        .iter()
        .map(|&i| {
            let keep = x[i];
            x[i] = keep + STEP;
            let up = f(&x);
            x[i] = keep - STEP;
            let down = f(&x);
            x[i] = keep;
            (up - down) / (2.0 * STEP)
        })
        .collect()
}

/// Indices `0..len`, or `MAX_PROBES` of them spread evenly.
pub(crate) fn probes(len: usize) -> Vec<usize> {
    if len <= MAX_PROBES {
        (0..len).collect()
    } else {
        (0..MAX_PROBES).map(|k| k * len / MAX_PROBES).collect()
    }
}

/// Largest absolute difference over the largest magnitude of `want` (at least 1e-3).
pub(crate) fn relative_error(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
    let diff = got
        .iter()
        .zip(want)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    diff / scale
}

/// Parameters and state as the layers take them.
fn weights<'a>(params: &'a [f64], state: &'a [f64]) -> Weights<'a, f64> {
    Weights { params, state }
}

/// Asserts the f64 gradient of `<layer(x), r>` against central differences, in the
/// parameters and the input, for an input of `shape`, and the f32 instance against f64.
pub(crate) fn check_layer<L>(
    layer: &L,
    layout: &ParamLayout,
    shape: &[usize],
    init: impl Fn(&mut [f64], &mut Xoshiro256),
) where
    L: Layer<f64> + Layer<f32>,
{
    check_layer_with_state(layer, layout, &[], shape, init);
}

/// [`check_layer`] for a layer that also reads state (running statistics).
pub(crate) fn check_layer_with_state<L>(
    layer: &L,
    layout: &ParamLayout,
    state: &[f64],
    shape: &[usize],
    init: impl Fn(&mut [f64], &mut Xoshiro256),
) where
    L: Layer<f64> + Layer<f32>,
{
    let mut rng = Xoshiro256::seed_from_u64(shape.iter().product::<usize>() as u64);
    let mut params = vec![0.0f64; layout.total()];
    init(&mut params, &mut rng);
    // Break the symmetry of constant initial values (biases 0, norm scales 1).
    params.iter_mut().for_each(|p| *p += 0.1 * rng.normal());
    let x = Tensor {
        shape: shape.to_vec(),
        data: (0..shape.iter().product()).map(|_| rng.normal()).collect(),
    };
    let (y, saved) = Layer::<f64>::forward(layer, weights(&params, state), &x).expect("forward");
    let r = Tensor {
        shape: y.shape.clone(),
        data: (0..y.data.len()).map(|_| rng.normal()).collect(),
    };
    let mut dparams = vec![0.0f64; layout.total()];
    let dx = layer.backward(weights(&params, state), &saved, &r, &mut dparams);
    assert_eq!(dx.shape, x.shape, "input gradient shape");
    let loss = |p: &[f64], input: &[f64]| -> f64 {
        let xt = Tensor {
            shape: x.shape.clone(),
            data: input.to_vec(),
        };
        let (y, _) = Layer::<f64>::forward(layer, weights(p, state), &xt).expect("forward");
        y.data.iter().zip(&r.data).map(|(a, b)| a * b).sum()
    };
    for spec in layout.tensors() {
        let idx: Vec<usize> = probes(spec.len())
            .into_iter()
            .map(|i| spec.offset + i)
            .collect();
        let fd = finite_differences(|p| loss(p, &x.data), &params, &idx);
        let got: Vec<f64> = idx.iter().map(|&i| dparams[i]).collect();
        let err = relative_error(&got, &fd);
        assert!(
            err < 1e-6,
            "{}: parameter gradient off by {err:e}",
            spec.name
        );
    }
    let idx = probes(x.data.len());
    let fd = finite_differences(|input| loss(&params, input), &x.data, &idx);
    let got: Vec<f64> = idx.iter().map(|&i| dx.data[i]).collect();
    let err = relative_error(&got, &fd);
    assert!(
        err < 1e-6,
        "input gradient off by {err:e} for shape {shape:?}"
    );

    // Backward adds into the parameter gradient.
    let mut twice = dparams.clone();
    layer.backward(weights(&params, state), &saved, &r, &mut twice);
    let doubled: Vec<f64> = dparams.iter().map(|g| 2.0 * g).collect();
    assert!(
        relative_error(&twice, &doubled) < 1e-12,
        "backward must add into dparams"
    );

    // The f32 instance against the f64 one.
    let p32: Vec<f32> = params.iter().map(|v| *v as f32).collect();
    let s32: Vec<f32> = state.iter().map(|v| *v as f32).collect();
    let w32 = Weights {
        params: &p32,
        state: &s32,
    };
    let (y32, saved32) = Layer::<f32>::forward(layer, w32, &x.cast()).expect("f32 forward");
    let mut dp32 = vec![0.0f32; layout.total()];
    let dx32 = layer.backward(w32, &saved32, &r.cast(), &mut dp32);
    let widen = |v: &[f32]| v.iter().map(|a| f64::from(*a)).collect::<Vec<f64>>();
    for (what, got, want) in [
        ("output", widen(&y32.data), &y.data),
        ("input gradient", widen(&dx32.data), &dx.data),
        ("parameter gradient", widen(&dp32), &dparams),
    ] {
        let err = relative_error(&got, want);
        assert!(err < 1e-4, "f32 {what} differs from f64 by {err:e}");
    }
}
