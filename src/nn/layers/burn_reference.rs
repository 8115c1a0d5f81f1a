//! burn's autodiff as a second reference for every layer's hand-written backward pass: each
//! layer's forward is written again with burn tensor ops (the LSTM recurrence step by step, not
//! burn's own LSTM module), on the Flex backend with Autodiff in f64, and burn's gradients of
//! `sum(y * r)` in the input and every parameter tensor must agree with ours within 1e-9
//! (relative to the largest reference value). burn types stay inside this test module.
//!
//! Every leaf is a flat 1-D tensor reshaped inside the burn forward, so one harness serves all
//! ranks and a leaf's gradient is directly comparable with a range of the flat gradient.

use super::super::layout::ParamLayout;
use super::super::tensor::Tensor as Buffer;
use super::gradcheck::relative_error;
use super::*;
use crate::rng::Xoshiro256;
use burn::tensor::activation::{leaky_relu, log_softmax, relu, sigmoid};
use burn::tensor::module::{conv1d, conv2d, interpolate, max_pool1d, max_pool2d};
use burn::tensor::ops::{ConvOptions, InterpolateMode, InterpolateOptions, MaxPoolOptions};
use burn::tensor::{DType, Device, Gradients, Tensor, TensorData};

const TOLERANCE: f64 = 1e-9;

fn device() -> Device {
    Device::flex().autodiff()
}

/// An f64 burn tensor holding `values`, tracked for gradients when `track`.
fn flat(values: &[f64], track: bool) -> Tensor<1> {
    let t = Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len()]),
        (&device(), DType::F64),
    );
    if track { t.require_grad() } else { t }
}

/// The values of a burn tensor; the dtype is asserted so a silent f32 fallback of an op would
/// fail here rather than pass as a loose match.
fn read<const D: usize>(t: &Tensor<D>) -> Vec<f64> {
    assert_eq!(t.dtype(), DType::F64, "burn computed in {:?}", t.dtype());
    t.try_to_vec_as::<f64>().expect("burn tensor readable")
}

fn grad(leaf: &Tensor<1>, grads: &Gradients) -> Vec<f64> {
    read(&leaf.grad(grads).expect("the leaf takes part in the loss"))
}

/// Largest relative errors of one layer, asserted below [`TOLERANCE`] as they are measured.
struct Agreement {
    what: String,
    worst: f64,
}

impl Agreement {
    fn new(what: &str) -> Self {
        Self {
            what: what.to_owned(),
            worst: 0.0,
        }
    }

    fn compare(&mut self, quantity: &str, ours: &[f64], burn: &[f64]) {
        assert_eq!(ours.len(), burn.len(), "{} {quantity}: length", self.what);
        let err = relative_error(ours, burn);
        assert!(
            err < TOLERANCE,
            "{} {quantity}: relative error {err:e} against burn",
            self.what
        );
        self.worst = self.worst.max(err);
    }

    /// Prints the largest error (`cargo test -- --nocapture` lists them for docs/nn.md).
    fn report(self) {
        eprintln!(
            "burn reference {}: max relative error {:.1e}",
            self.what, self.worst
        );
    }
}

fn normals(rng: &mut Xoshiro256, n: usize, scale: f64) -> Vec<f64> {
    (0..n).map(|_| scale * rng.normal()).collect()
}

/// Checks `layer` on a random input of `shape` against `burn_forward`, which receives the
/// parameter leaves in layout order and the input leaf (all flat) and returns the flat output.
fn check_layer<L: Layer<f64>>(
    what: &str,
    layer: &L,
    layout: &ParamLayout,
    shape: &[usize],
    burn_forward: impl Fn(&[Tensor<1>], Tensor<1>) -> Tensor<1>,
) {
    let mut agreement = Agreement::new(what);
    let mut rng = Xoshiro256::seed_from_u64(shape.iter().product::<usize>() as u64 + 7);
    let params = normals(&mut rng, layout.total(), 0.5);
    let x = Buffer::from_vec(shape, normals(&mut rng, shape.iter().product(), 1.0)).unwrap();
    let w = Weights::params(&params);
    let (y, saved) = layer.forward(w, &x).expect("forward");
    let r = Buffer::from_vec(&y.shape, normals(&mut rng, y.data.len(), 1.0)).unwrap();
    let mut dparams = vec![0.0; layout.total()];
    let dx = layer.backward(w, &saved, &r, &mut dparams);

    let leaves: Vec<Tensor<1>> = layout
        .tensors()
        .iter()
        .map(|t| flat(&params[t.range()], true))
        .collect();
    let x_leaf = flat(&x.data, true);
    let y_burn = burn_forward(&leaves, x_leaf.clone());
    agreement.compare("output", &y.data, &read(&y_burn));
    let grads = (y_burn * flat(&r.data, false)).sum().backward();
    agreement.compare("input gradient", &dx.data, &grad(&x_leaf, &grads));
    for (spec, leaf) in layout.tensors().iter().zip(&leaves) {
        agreement.compare(
            &format!("gradient of {}", spec.name),
            &dparams[spec.range()],
            &grad(leaf, &grads),
        );
    }
    agreement.report();
}

#[test]
fn linear_matches_burn_on_rows_and_sequences() {
    for shape in [vec![70, 5], vec![3, 7, 5]] {
        let mut layout = ParamLayout::default();
        let layer = Linear::new(&mut layout, "dense", 5, 3);
        let rows = shape[..shape.len() - 1].iter().product::<usize>();
        check_layer(
            &format!("linear {shape:?}"),
            &layer,
            &layout,
            &shape,
            |p, x| {
                let w = p[0].clone().reshape([3, 5]);
                let b = p[1].clone().reshape([1, 3]);
                (x.reshape([rows, 5]).matmul(w.transpose()) + b).reshape([rows * 3])
            },
        );
    }
}

/// One LSTM direction written with burn ops, step by step: the hidden state at every time
/// position `(B, T, h)` and the state after the last step processed `(B, h)`. `p` holds
/// `weight_ih`, `weight_hh`, `bias` flat; `x` is `(B, T, C)`.
fn burn_lstm(
    p: &[Tensor<1>],
    x: Tensor<3>,
    hidden: usize,
    reverse: bool,
) -> (Tensor<3>, Tensor<2>) {
    let [batch, steps, input] = x.dims();
    let w_ih = p[0].clone().reshape([4 * hidden, input]).transpose();
    let w_hh = p[1].clone().reshape([4 * hidden, hidden]).transpose();
    let bias = p[2].clone().reshape([1, 4 * hidden]);
    let mut outputs: Vec<Option<Tensor<2>>> = vec![None; steps];
    let mut state: Option<(Tensor<2>, Tensor<2>)> = None;
    for s in 0..steps {
        let t = if reverse { steps - 1 - s } else { s };
        let x_t = x.clone().narrow(1, t, 1).reshape([batch, input]);
        let mut gates = x_t.matmul(w_ih.clone()) + bias.clone();
        if let Some((h_prev, _)) = &state {
            gates = gates + h_prev.clone().matmul(w_hh.clone());
        }
        let gate = |k: usize| gates.clone().narrow(1, k * hidden, hidden);
        let (i, f, g, o) = (
            sigmoid(gate(0)),
            sigmoid(gate(1)),
            gate(2).tanh(),
            sigmoid(gate(3)),
        );
        // The initial cell state is zero, so the forget gate enters from the second step on.
        let c = match &state {
            Some((_, c_prev)) => f * c_prev.clone() + i * g,
            None => i * g,
        };
        let h = o * c.clone().tanh();
        outputs[t] = Some(h.clone());
        state = Some((h, c));
    }
    let sequence = Tensor::stack(outputs.into_iter().map(Option::unwrap).collect(), 1);
    (sequence, state.expect("at least one step").0)
}

/// The flat output of one direction for `output`.
fn burn_lstm_output(
    p: &[Tensor<1>],
    x: Tensor<3>,
    hidden: usize,
    reverse: bool,
    output: LstmOutput,
) -> Tensor<1> {
    let [batch, steps, _] = x.dims();
    let (sequence, last) = burn_lstm(p, x, hidden, reverse);
    match output {
        LstmOutput::Sequence => sequence.reshape([batch * steps * hidden]),
        LstmOutput::Last => last.reshape([batch * hidden]),
    }
}

#[test]
fn lstm_matches_burn_both_directions_both_outputs() {
    let (b, t, c, h) = (5, 6, 3, 4);
    for reverse in [false, true] {
        for output in [LstmOutput::Sequence, LstmOutput::Last] {
            let mut layout = ParamLayout::default();
            let layer = Lstm::new(&mut layout, "lstm", c, h, reverse, output);
            check_layer(
                &format!("lstm reverse={reverse} {output:?}"),
                &layer,
                &layout,
                &[b, t, c],
                |p, x| burn_lstm_output(p, x.reshape([b, t, c]), h, reverse, output),
            );
        }
    }
}

#[test]
fn bilstm_matches_burn_over_several_shards() {
    // 70 sequences: three batch shards, so the per-shard gradient sums are covered too.
    let (b, t, c, h) = (70, 4, 2, 3);
    for output in [LstmOutput::Sequence, LstmOutput::Last] {
        let mut layout = ParamLayout::default();
        let layer = BiLstm::new(&mut layout, "bilstm", c, h, output);
        check_layer(
            &format!("bilstm {output:?}"),
            &layer,
            &layout,
            &[b, t, c],
            |p, x| {
                let x = x.reshape([b, t, c]);
                let (seq_f, last_f) = burn_lstm(&p[..3], x.clone(), h, false);
                let (seq_b, last_b) = burn_lstm(&p[3..], x, h, true);
                match output {
                    LstmOutput::Sequence => {
                        Tensor::cat(vec![seq_f, seq_b], 2).reshape([b * t * 2 * h])
                    }
                    LstmOutput::Last => Tensor::cat(vec![last_f, last_b], 1).reshape([b * 2 * h]),
                }
            },
        );
    }
}

/// `(x - mean) / sqrt(var + eps)` over `dims` of `x`, with the biased variance.
fn normalise(x: Tensor<3>, dims: &[usize], eps: f64) -> Tensor<3> {
    let mean = x.clone().mean_dims(dims);
    let centred = x - mean;
    let var = centred.clone().powi_scalar(2).mean_dims(dims);
    centred / (var + eps).sqrt()
}

#[test]
fn layer_norm_matches_burn_over_time_and_over_channels() {
    let (b, t, c) = (3, 6, 4);
    for (axis, n, eps) in [(1, t, 1e-3), (2, c, 1e-5)] {
        let mut layout = ParamLayout::default();
        let layer = LayerNorm::new(&mut layout, "norm", axis, n, eps);
        let mut along = [1; 3];
        along[axis] = n;
        check_layer(
            &format!("layer norm over axis {axis}"),
            &layer,
            &layout,
            &[b, t, c],
            |p, x| {
                let y = normalise(x.reshape([b, t, c]), &[axis], eps) * p[0].clone().reshape(along)
                    + p[1].clone().reshape(along);
                y.reshape([b * t * c])
            },
        );
    }
}

/// BatchNorm's training forward on `(B, C, L)` (dense rows are `L = 1`): per channel over the
/// batch and length axes.
fn burn_batch_norm(p: &[Tensor<1>], x: Tensor<3>, eps: f64) -> Tensor<3> {
    let channels = x.dims()[1];
    normalise(x, &[0, 2], eps) * p[0].clone().reshape([1, channels, 1])
        + p[1].clone().reshape([1, channels, 1])
}

#[test]
fn batch_norm_training_step_matches_burn_in_both_conventions() {
    for (shape, convention) in [
        (vec![6, 4], BatchNormConvention::Keras),
        (vec![6, 4], BatchNormConvention::PyTorch),
        (vec![4, 3, 5], BatchNormConvention::PyTorch),
    ] {
        let (b, c) = (shape[0], shape[1]);
        let l = shape.get(2).copied().unwrap_or(1);
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let layer = BatchNorm::new(&mut params, &mut state, "bn", 1, c, convention);
        let eps = convention.eps();
        check_layer(
            &format!("batch norm {shape:?} {convention:?}"),
            &layer,
            &params,
            &shape,
            |p, x| burn_batch_norm(p, x.reshape([b, c, l]), eps).reshape([b * c * l]),
        );
    }
}

#[test]
fn batch_norm_running_statistics_and_inference_match_burn() {
    let (b, c, l) = (4, 3, 5);
    let mut rng = Xoshiro256::seed_from_u64(11);
    for (convention, new_weight, unbiased) in [
        (BatchNormConvention::Keras, 0.01, false),
        (BatchNormConvention::PyTorch, 0.1, true),
    ] {
        let mut agreement = Agreement::new(&format!("batch norm statistics {convention:?}"));
        let (mut params_layout, mut state_layout) =
            (ParamLayout::default(), ParamLayout::default());
        let layer = BatchNorm::new(
            &mut params_layout,
            &mut state_layout,
            "bn",
            1,
            c,
            convention,
        );
        let params = normals(&mut rng, params_layout.total(), 0.5);
        // Running mean, then a positive running variance.
        let mut state = normals(&mut rng, c, 0.5);
        state.extend((0..c).map(|_| 0.5 + rng.uniform()));
        let before = state.clone();
        let x = Buffer::from_vec(&[b, c, l], normals(&mut rng, b * c * l, 2.0)).unwrap();
        let (_, saved) = layer
            .forward(
                Weights {
                    params: &params,
                    state: &state,
                },
                &x,
            )
            .unwrap();
        layer.update_running(&mut state, &saved);

        // burn: per-channel statistics of the batch as a (C, B L) matrix.
        let by_channel = flat(&x.data, false)
            .reshape([b, c, l])
            .swap_dims(0, 1)
            .reshape([c, b * l]);
        let mean = by_channel.clone().mean_dim(1).reshape([c]);
        let var = if unbiased {
            by_channel.var(1)
        } else {
            by_channel.var_bias(1)
        }
        .reshape([c]);
        let blend = |old: &[f64], batch: Tensor<1>| {
            flat(old, false) * (1.0 - new_weight) + batch * new_weight
        };
        let running_mean = blend(&before[..c], mean);
        let running_var = blend(&before[c..], var);
        agreement.compare("running mean", &state[..c], &read(&running_mean));
        agreement.compare("running variance", &state[c..], &read(&running_var));

        let x_eval = Buffer::from_vec(&[b, c, l], normals(&mut rng, b * c * l, 1.0)).unwrap();
        let ours = layer
            .infer(
                Weights {
                    params: &params,
                    state: &state,
                },
                &x_eval,
            )
            .unwrap();
        let along = [1, c, 1];
        let burn = (flat(&x_eval.data, false).reshape([b, c, l]) - running_mean.reshape(along))
            / (running_var.reshape(along) + convention.eps()).sqrt()
            * flat(&params[..c], false).reshape(along)
            + flat(&params[c..], false).reshape(along);
        agreement.compare("inference output", &ours.data, &read(&burn));
        agreement.report();
    }
}

#[test]
fn activations_match_burn() {
    let layout = ParamLayout::default();
    let burn_activation = |a: Activation, x: Tensor<1>| match a {
        Activation::Relu => relu(x),
        Activation::LeakyRelu(slope) => leaky_relu(x, slope),
        Activation::Tanh => x.tanh(),
        Activation::Sigmoid => sigmoid(x),
        Activation::Identity => x,
    };
    for a in [
        Activation::Relu,
        Activation::LeakyRelu(0.1),
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Identity,
    ] {
        check_layer(
            &format!("{a:?}"),
            &ActivationLayer(a),
            &layout,
            &[3, 4, 5],
            |_, x| burn_activation(a, x),
        );
    }
}

#[test]
fn repeat_over_time_matches_burn() {
    let (b, t, c) = (3, 5, 4);
    check_layer(
        "repeat over time",
        &RepeatTime { steps: t },
        &ParamLayout::default(),
        &[b, c],
        |_, x| x.reshape([b, 1, c]).repeat_dim(1, t).reshape([b * t * c]),
    );
}

#[test]
fn broadcast_add_matches_burn() {
    let mut agreement = Agreement::new("broadcast add");
    let (b, t, c) = (2, 3, 4);
    let mut rng = Xoshiro256::seed_from_u64(3);
    let a = Buffer::from_vec(&[b, t, c], normals(&mut rng, b * t * c, 1.0)).unwrap();
    let s = Buffer::from_vec(&[b, t, 1], normals(&mut rng, b * t, 1.0)).unwrap();
    let r = normals(&mut rng, b * t * c, 1.0);
    let y = add_broadcast(&a, &s).unwrap();
    let ds = add_broadcast_backward(&Buffer::from_vec(&[b, t, c], r.clone()).unwrap(), &s.shape);

    let (a_leaf, s_leaf) = (flat(&a.data, true), flat(&s.data, true));
    let y_burn = (a_leaf.clone().reshape([b, t, c]) + s_leaf.clone().reshape([b, t, 1]))
        .reshape([b * t * c]);
    agreement.compare("output", &y.data, &read(&y_burn));
    let grads = (y_burn * flat(&r, false)).sum().backward();
    // The full-shape term's gradient is the output gradient itself.
    agreement.compare("gradient of the full term", &r, &grad(&a_leaf, &grads));
    agreement.compare(
        "gradient of the broadcast term",
        &ds.data,
        &grad(&s_leaf, &grads),
    );
    agreement.report();
}

/// A burn tensor of any rank as a flat one.
fn flatten<const D: usize>(t: Tensor<D>) -> Tensor<1> {
    let len = t.dims().iter().product::<usize>();
    t.reshape([len])
}

#[test]
fn conv_matches_burn_in_one_and_two_dimensions() {
    // (spatial dims, input shape, kernel, stride, padding, dilation, bias); 70 samples: three
    // batch shards, so the per-shard gradient sums are covered too.
    for (dims, shape, k, s, p, d, bias) in [
        (1, vec![3, 3, 9], 3, 1, 2, 2, true),
        (1, vec![70, 2, 7], 3, 2, 1, 1, false),
        (1, vec![2, 2, 11], 2, 3, 2, 3, true),
        (2, vec![2, 2, 7, 6], 3, 2, 1, 2, true),
        (2, vec![3, 3, 5, 4], 3, 1, 1, 1, false),
        (2, vec![70, 1, 4, 5], 2, 1, 0, 1, true),
    ] {
        let (b, c, out) = (shape[0], shape[1], 3);
        let spec = ConvSpec {
            in_channels: c,
            out_channels: out,
            kernel: k,
            stride: s,
            padding: p,
            dilation: d,
            bias,
        };
        let mut layout = ParamLayout::default();
        let layer = Conv::new(&mut layout, "conv", dims, spec).expect("spec");
        check_layer(
            &format!("conv{dims}d {shape:?} k{k} s{s} p{p} d{d} bias={bias}"),
            &layer,
            &layout,
            &shape,
            |params, x| {
                let bias = bias.then(|| params[1].clone());
                if dims == 1 {
                    let x = x.reshape([b, c, shape[2]]);
                    let w = params[0].clone().reshape([out, c, k]);
                    flatten(conv1d(x, w, bias, ConvOptions::new([s], [p], [d], 1)))
                } else {
                    let x = x.reshape([b, c, shape[2], shape[3]]);
                    let w = params[0].clone().reshape([out, c, k, k]);
                    flatten(conv2d(
                        x,
                        w,
                        bias,
                        ConvOptions::new([s; 2], [p; 2], [d; 2], 1),
                    ))
                }
            },
        );
    }
}

#[test]
fn upsample_matches_burn_repeats() {
    let f = 3;
    check_layer(
        "upsample 1-D",
        &Upsample::new("up", 1, f),
        &ParamLayout::default(),
        &[2, 3, 4],
        |_, x| flatten(x.reshape([2, 3, 4, 1]).repeat_dim(3, f)),
    );
    // Each value repeated along a new axis after each spatial axis: (B, C, H, f, W, f).
    check_layer(
        "upsample 2-D",
        &Upsample::new("up", 2, f),
        &ParamLayout::default(),
        &[2, 2, 3, 4],
        |_, x| {
            flatten(
                x.reshape([2, 2, 3, 1, 4, 1])
                    .repeat_dim(3, f)
                    .repeat_dim(5, f),
            )
        },
    );
}

/// `mu`, `log_var`, `eps` (or `a`) and the projection of the variational tests.
fn variational_inputs(seed: u64, n: usize) -> [Vec<f64>; 4] {
    let mut rng = Xoshiro256::seed_from_u64(seed);
    [
        normals(&mut rng, n, 1.0),
        normals(&mut rng, n, 0.5),
        normals(&mut rng, n, 1.0),
        normals(&mut rng, n, 1.0),
    ]
}

#[test]
fn reparameterisation_matches_burn() {
    let mut agreement = Agreement::new("reparameterisation");
    let [mu, log_var, eps, r] = variational_inputs(5, 8);
    let (z, std) = reparameterise(&mu, &log_var, &eps);
    let (mut dmu, mut dlog_var) = (vec![0.0; 8], vec![0.0; 8]);
    reparameterise_backward(&r, &eps, &std, &mut dmu, &mut dlog_var);

    let (mu_leaf, lv_leaf) = (flat(&mu, true), flat(&log_var, true));
    let z_burn = mu_leaf.clone() + (lv_leaf.clone() * 0.5).exp() * flat(&eps, false);
    agreement.compare("output", &z, &read(&z_burn));
    let grads = (z_burn * flat(&r, false)).sum().backward();
    agreement.compare("gradient of mu", &dmu, &grad(&mu_leaf, &grads));
    agreement.compare("gradient of log_var", &dlog_var, &grad(&lv_leaf, &grads));
    agreement.report();
}

#[test]
fn gaussian_kl_matches_burn() {
    let mut agreement = Agreement::new("Gaussian KL");
    let [mu, log_var, _, r] = variational_inputs(6, 8);
    // A scale other than 1 checks that it multiplies the gradient, as a loss weight would.
    let scale = r[0];
    let (mut dmu, mut dlog_var) = (vec![0.0; 8], vec![0.0; 8]);
    let kl = gaussian_kl(&mu, &log_var, scale, &mut dmu, &mut dlog_var);

    let (mu_leaf, lv_leaf) = (flat(&mu, true), flat(&log_var, true));
    let kl_burn =
        ((mu_leaf.clone().powi_scalar(2) + lv_leaf.clone().exp() - lv_leaf.clone() - 1.0) * 0.5)
            .sum();
    agreement.compare("sum", &[kl], &read(&kl_burn));
    let grads = (kl_burn * scale).backward();
    agreement.compare("gradient of mu", &dmu, &grad(&mu_leaf, &grads));
    agreement.compare("gradient of log_var", &dlog_var, &grad(&lv_leaf, &grads));
    agreement.report();
}

#[test]
fn activity_l1_matches_burn() {
    let mut agreement = Agreement::new("activity L1");
    let [a, _, _, r] = variational_inputs(7, 12);
    let scale = r[0];
    let mut g = vec![0.0; 12];
    let sum = activity_l1(&a, scale, &mut g);

    let a_leaf = flat(&a, true);
    let l1 = a_leaf.clone().abs().sum();
    agreement.compare("sum", &[sum], &read(&l1));
    let grads = (l1 * scale).backward();
    agreement.compare("gradient", &g, &grad(&a_leaf, &grads));
    agreement.report();
}

#[test]
fn linear_without_bias_matches_burn() {
    let (rows, fan_in, fan_out) = (70, 4, 3);
    let mut layout = ParamLayout::default();
    let layer = Linear::without_bias(&mut layout, "latent", fan_in, fan_out);
    check_layer(
        "linear without bias",
        &layer,
        &layout,
        &[rows, fan_in],
        |p, x| {
            let w = p[0].clone().reshape([fan_out, fan_in]);
            flatten(x.reshape([rows, fan_in]).matmul(w.transpose()))
        },
    );
}

#[test]
fn rotate_translate_matches_burn() {
    // 3 x 4 pixels (rows != columns, so a transposed grid would show), a scale other than the
    // default so that it is seen to multiply.
    for (h, w, b) in [(3, 4, 5), (6, 6, 70)] {
        let scale = 0.3;
        let layer = RotateTranslate::new(h, w, scale).unwrap();
        let p = layer.points();
        let gx: Vec<f64> = layer.grid().iter().map(|g| g[0]).collect();
        let gy: Vec<f64> = layer.grid().iter().map(|g| g[1]).collect();
        check_layer(
            &format!("rotate and translate {h}x{w}"),
            &layer,
            &ParamLayout::default(),
            &[b, 3],
            |_, x| {
                let x = x.reshape([b, 3]);
                let phi = x.clone().narrow(1, 0, 1);
                let (dx, dy) = (x.clone().narrow(1, 1, 1), x.narrow(1, 2, 1));
                let (gx, gy) = (
                    flat(&gx, false).reshape([1, p]),
                    flat(&gy, false).reshape([1, p]),
                );
                let xr =
                    phi.clone().cos() * gx.clone() - phi.clone().sin() * gy.clone() + dx * scale;
                let yr = phi.clone().sin() * gx + phi.cos() * gy + dy * scale;
                flatten(Tensor::stack::<3>(vec![xr, yr], 2))
            },
        );
    }
}

#[test]
fn gaussian_kl_in_log_sd_matches_burn() {
    let mut agreement = Agreement::new("Gaussian KL in log sd");
    let [mu, log_sd, _, r] = variational_inputs(8, 8);
    let scale = r[0];
    let (mut dmu, mut dls) = (vec![0.0; 8], vec![0.0; 8]);
    let kl = gaussian_kl_log_sd(&mu, &log_sd, scale, &mut dmu, &mut dls);

    let (mu_leaf, ls_leaf) = (flat(&mu, true), flat(&log_sd, true));
    let kl_burn = (ls_leaf.clone().neg()
        + (ls_leaf.clone() * 2.0).exp() * 0.5
        + mu_leaf.clone().powi_scalar(2) * 0.5
        - 0.5)
        .sum();
    agreement.compare("sum", &[kl], &read(&kl_burn));
    let grads = (kl_burn * scale).backward();
    agreement.compare("gradient of mu", &dmu, &grad(&mu_leaf, &grads));
    agreement.compare("gradient of log_sd", &dls, &grad(&ls_leaf, &grads));
    agreement.report();
}

#[test]
fn rotation_kl_matches_burn() {
    let mut agreement = Agreement::new("rotation KL (sd only)");
    let [_, log_sd, _, r] = variational_inputs(9, 8);
    let (scale, prior) = (r[0], DEFAULT_ROTATION_PRIOR_SD);
    let mut dls = vec![0.0; 8];
    let kl = rotation_kl_sd_only(&log_sd, prior, scale, &mut dls);

    let ls_leaf = flat(&log_sd, true);
    let kl_burn = (ls_leaf.clone().neg()
        + (ls_leaf.clone() * 2.0).exp() / (2.0 * prior * prior)
        + (prior.ln() - 0.5))
        .sum();
    agreement.compare("sum", &[kl], &read(&kl_burn));
    let grads = (kl_burn * scale).backward();
    agreement.compare("gradient of log_sd", &dls, &grad(&ls_leaf, &grads));
    agreement.report();
}

#[test]
fn max_pool_matches_burn_max_pool_ops() {
    // Random normal inputs (no ties); odd extents, so the dropped remainder is covered.
    check_layer(
        "max pool 2-D, k 2",
        &MaxPool::halving("pool"),
        &ParamLayout::default(),
        &[3, 2, 5, 7],
        |_, x| {
            let options = MaxPoolOptions::new([2, 2]).with_stride([2, 2]);
            flatten(max_pool2d(x.reshape([3, 2, 5, 7]), options))
        },
    );
    check_layer(
        "max pool 2-D, k 3",
        &MaxPool::new("pool", 2, 3),
        &ParamLayout::default(),
        &[2, 3, 7, 6],
        |_, x| {
            let options = MaxPoolOptions::new([3, 3]).with_stride([3, 3]);
            flatten(max_pool2d(x.reshape([2, 3, 7, 6]), options))
        },
    );
    check_layer(
        "max pool 1-D, k 2",
        &MaxPool::new("pool", 1, 2),
        &ParamLayout::default(),
        &[3, 2, 9],
        |_, x| {
            let options = MaxPoolOptions::new([2]).with_stride([2]);
            flatten(max_pool1d(x.reshape([3, 2, 9]), options))
        },
    );
}

/// The `(n f, n)` matrix of linear interpolation by `f` with half-pixel centres, written from
/// PyTorch's definition (`align_corners=False`): row `j` weighs `s = (j + 1/2) / f - 1/2`
/// (clamped below at 0) between `floor(s)` and the next position (clamped to `n - 1`).
fn interpolation_matrix(n: usize, f: usize) -> Tensor<2> {
    let mut a = vec![0.0; n * f * n];
    for j in 0..n * f {
        let s = ((j as f64 + 0.5) / f as f64 - 0.5).max(0.0);
        let low = s.floor() as usize;
        let high = (low + 1).min(n - 1);
        a[j * n + low] += 1.0 - (s - low as f64);
        a[j * n + high] += s - low as f64;
    }
    flat(&a, false).reshape([n * f, n])
}

/// `x` `(planes, ..., n)`: the last axis of `rows x n` values multiplied by `a^T` (`a` of
/// shape `(m, n)`), giving `(rows, m)`.
fn along_last(x: Tensor<2>, a: Tensor<2>) -> Tensor<2> {
    x.matmul(a.transpose())
}

#[test]
fn linear_upsampling_matches_burn_interpolate_and_interpolation_matrices() {
    // burn's bilinear interpolate with align_corners = false uses the same half-pixel source
    // coordinates, clamped at 0.
    for (shape, f) in [([2, 2, 3, 5], 2), ([2, 3, 4, 3], 3), ([70, 1, 2, 2], 2)] {
        let [b, c, h, w] = shape;
        check_layer(
            &format!("bilinear by {f} on {shape:?} (burn interpolate)"),
            &Upsample::bilinear("up", f),
            &ParamLayout::default(),
            &shape,
            |_, x| {
                let options = InterpolateOptions::new(InterpolateMode::Bilinear)
                    .with_align_corners(false)
                    .with_scale_factor([f as f32; 2]);
                flatten(interpolate(x.reshape([b, c, h, w]), options))
            },
        );
        // The same as A_h X A_w^T per plane, with dense interpolation matrices.
        check_layer(
            &format!("bilinear by {f} on {shape:?} (matrices)"),
            &Upsample::bilinear("up", f),
            &ParamLayout::default(),
            &shape,
            |_, x| {
                let planes = b * c;
                // Along W: (planes H, W) -> (planes H, f W).
                let t = along_last(x.reshape([planes * h, w]), interpolation_matrix(w, f));
                // Along H, on the transposed planes (planes, f W, H).
                let t = t
                    .reshape([planes, h, f * w])
                    .swap_dims(1, 2)
                    .reshape([planes * f * w, h]);
                let y = along_last(t, interpolation_matrix(h, f))
                    .reshape([planes, f * w, f * h])
                    .swap_dims(1, 2);
                flatten(y)
            },
        );
    }
    let (b, c, l, f) = (3, 2, 5, 3);
    check_layer(
        "linear by 3 in 1-D (matrices)",
        &Upsample::linear("up", 1, f),
        &ParamLayout::default(),
        &[b, c, l],
        |_, x| {
            flatten(along_last(
                x.reshape([b * c, l]),
                interpolation_matrix(l, f),
            ))
        },
    );
}

#[test]
fn channel_concatenation_matches_burn_cat() {
    let mut agreement = Agreement::new("concat channels");
    let mut rng = Xoshiro256::seed_from_u64(12);
    let (b, h, w) = (3, 4, 5);
    let channels = [3, 1, 2];
    let parts: Vec<Buffer<f64>> = channels
        .iter()
        .map(|&ch| {
            Buffer::from_vec(&[b, ch, h, w], normals(&mut rng, b * ch * h * w, 1.0)).unwrap()
        })
        .collect();
    let y = concat_channels(&parts.iter().collect::<Vec<_>>()).unwrap();
    let r = normals(&mut rng, y.data.len(), 1.0);
    let grads = split_channels(&Buffer::from_vec(&y.shape, r.clone()).unwrap(), &channels).unwrap();

    let leaves: Vec<Tensor<1>> = parts.iter().map(|p| flat(&p.data, true)).collect();
    let y_burn = flatten(Tensor::cat(
        leaves
            .iter()
            .zip(&channels)
            .map(|(leaf, &ch)| leaf.clone().reshape([b, ch, h, w]))
            .collect(),
        1,
    ));
    agreement.compare("output", &y.data, &read(&y_burn));
    let burn_grads = (y_burn * flat(&r, false)).sum().backward();
    for (k, (leaf, ours)) in leaves.iter().zip(&grads).enumerate() {
        agreement.compare(
            &format!("gradient of part {k}"),
            &ours.data,
            &grad(leaf, &burn_grads),
        );
    }
    agreement.report();
}

#[test]
fn cross_entropy_matches_burn_log_softmax() {
    let mut rng = Xoshiro256::seed_from_u64(13);
    // (B, K, H, W) with and without class weights, and dense rows (B, K).
    for (shape, weighted) in [
        (vec![3, 4, 3, 5], false),
        (vec![3, 4, 3, 5], true),
        (vec![70, 3, 2, 2], true),
        (vec![6, 5], false),
    ] {
        let mut agreement = Agreement::new(&format!("cross-entropy {shape:?} weighted={weighted}"));
        let (b, k) = (shape[0], shape[1]);
        let pixels: usize = shape[2..].iter().product();
        let logits = Buffer::from_vec(&shape, normals(&mut rng, b * k * pixels, 2.0)).unwrap();
        let targets: Vec<usize> = (0..b * pixels)
            .map(|_| ((rng.uniform() * k as f64) as usize).min(k - 1))
            .collect();
        let weights: Vec<f64> = (0..k).map(|_| 0.2 + 1.8 * rng.uniform()).collect();
        let w = weighted.then_some(&weights[..]);
        let scale = rng.normal();
        let mut dlogits = vec![0.0; logits.data.len()];
        let loss = softmax_cross_entropy(&logits, &targets, w, scale, &mut dlogits).unwrap();

        // burn: -sum(mask * log_softmax) / sum(mask) with mask = w[y] onehot(y) over (B, K, P).
        let mut mask = vec![0.0; b * k * pixels];
        let mut total = 0.0;
        for (i, &t) in targets.iter().enumerate() {
            let (sample, p) = (i / pixels, i % pixels);
            let weight = w.map_or(1.0, |w| w[t]);
            mask[(sample * k + t) * pixels + p] = weight;
            total += weight;
        }
        // The weights over their total in the mask: dividing the burn loss by the total would
        // take burn's `div_scalar`, whose backward (burn-autodiff 0.22.1) multiplies by
        // `1.0 / rhs.elem::<f32>()`, a gradient off by 2.4e-8 relative in f64.
        mask.iter_mut().for_each(|m| *m /= total);
        let leaf = flat(&logits.data, true);
        let log_p = log_softmax(leaf.clone().reshape([b, k, pixels]), 1);
        let loss_burn = (log_p * flat(&mask, false).reshape([b, k, pixels]))
            .sum()
            .neg();
        agreement.compare("loss", &[loss], &read(&loss_burn));
        let grads = (loss_burn * scale).backward();
        agreement.compare("gradient of the logits", &dlogits, &grad(&leaf, &grads));

        // Inference probabilities against burn's softmax (exp of the log-softmax).
        let p = softmax_channels(&logits).unwrap();
        let p_burn = log_softmax(flat(&logits.data, false).reshape([b, k, pixels]), 1).exp();
        agreement.compare("probabilities", &p.data, &read(&flatten(p_burn)));
        agreement.report();
    }
}
