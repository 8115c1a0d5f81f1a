//! Parity with PyTorch: every layer run on the cases of `tests/oracles/nn_layers_reference.json`
//! (written by `tests/oracles/nn_layers_reference.py`, PyTorch in float64) with the same
//! weights, inputs and output-gradient projection `r`; the output, the input gradients and the
//! weight gradients of `sum(y * r)` must agree within 1e-10 (relative to the largest reference
//! value) in f64 and 1e-4 in f32. The fixture keeps PyTorch's tensor names; each test maps them
//! onto ferrolab's layout, which is where a convention mismatch (gate order, bias split, axis)
//! would show.

use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::gradcheck::relative_error;
use super::*;
use serde_json::Value;
use std::sync::OnceLock;

fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/oracles/nn_layers_reference.json"
        )))
        .expect("the fixture is JSON")
    })
}

fn case(name: &str) -> &'static Value {
    fixture()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in the fixture"))
}

fn shape(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("extent") as usize)
        .collect()
}

fn values(v: &Value) -> Vec<f64> {
    v["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|d| d.as_f64().expect("number"))
        .collect()
}

fn tensor<T: Real>(v: &Value) -> Tensor<T> {
    Tensor::from_vec(&shape(v), values(v).into_iter().map(T::of).collect())
        .expect("shape and data agree")
}

fn widen<T: Real>(v: &[T]) -> Vec<f64> {
    v.iter().map(|a| a.to_f64_exact()).collect()
}

/// The comparisons of one case in one precision, and the largest error seen.
struct Parity {
    case: &'static Value,
    precision: &'static str,
    tolerance: f64,
    worst: f64,
}

impl Parity {
    fn new<T: Real>(case: &'static Value) -> Self {
        // f64 (epsilon 2e-16) must agree to 1e-10; f32 (epsilon 1e-7) to 1e-4.
        let double = T::epsilon().to_f64_exact() < 1e-10;
        Self {
            case,
            precision: if double { "f64" } else { "f32" },
            tolerance: if double { 1e-10 } else { 1e-4 },
            worst: 0.0,
        }
    }

    fn compare(&mut self, what: &str, got: &[f64], want: &Value) {
        let want = values(want);
        assert_eq!(
            got.len(),
            want.len(),
            "{} {what}: length",
            self.case["name"]
        );
        let err = relative_error(got, &want);
        assert!(
            err < self.tolerance,
            "{} ({}) {what}: relative error {err:e} against PyTorch",
            self.case["name"],
            self.precision
        );
        self.worst = self.worst.max(err);
    }

    /// Prints the largest error (`cargo test -- --nocapture` lists them for docs/nn.md).
    fn report(self) {
        eprintln!(
            "pytorch parity {} {}: max relative error {:.1e}",
            self.case["name"].as_str().unwrap_or("?"),
            self.precision,
            self.worst
        );
    }
}

/// The model's flat parameters from the fixture: `names` pairs each tensor of `layout`
/// (ferrolab's name) with the fixture's PyTorch name; every tensor must be named, with the
/// same shape, so no parameter silently stays zero.
fn params_from<T: Real>(case: &Value, layout: &ParamLayout, names: &[(&str, &str)]) -> Vec<T> {
    let mut params = vec![T::zero(); layout.total()];
    for spec in layout.tensors() {
        let (_, theirs) = names
            .iter()
            .find(|(ours, _)| *ours == spec.name)
            .unwrap_or_else(|| panic!("{} has no PyTorch counterpart", spec.name));
        let t = &case["params"][*theirs];
        assert_eq!(shape(t), spec.shape, "{} vs {theirs}", spec.name);
        for (p, v) in params[spec.range()].iter_mut().zip(values(t)) {
            *p = T::of(v);
        }
    }
    params
}

/// Runs `layer` on the case's input `x` with its weights, backward with `r`, and compares the
/// output, the input gradient and every weight gradient with PyTorch's.
fn layer_case<T: Real, L: Layer<T>>(
    name: &str,
    layer: &L,
    layout: &ParamLayout,
    names: &[(&str, &str)],
) {
    let case = case(name);
    let mut parity = Parity::new::<T>(case);
    let params: Vec<T> = params_from(case, layout, names);
    let w = Weights::params(&params);
    let (y, saved) = layer
        .forward(w, &tensor(&case["inputs"]["x"]))
        .expect("forward");
    assert_eq!(y.shape, shape(&case["output"]), "{name}: output shape");
    parity.compare("output", &widen(&y.data), &case["output"]);
    let mut dparams = vec![T::zero(); layout.total()];
    let dx = layer.backward(w, &saved, &tensor(&case["r"]), &mut dparams);
    parity.compare(
        "input gradient",
        &widen(&dx.data),
        &case["grad_inputs"]["x"],
    );
    for (ours, theirs) in names {
        let range = layout.get(ours).expect("named tensor").range();
        parity.compare(
            &format!("gradient of {theirs}"),
            &widen(&dparams[range]),
            &case["grad_params"][*theirs],
        );
    }
    parity.report();
}

#[test]
fn linear_matches_pytorch_on_rows_and_sequences() {
    for name in ["linear_rows", "linear_sequence"] {
        let mut layout = ParamLayout::default();
        let layer = Linear::new(&mut layout, "dense", 5, 3);
        let names = [("dense.weight", "weight"), ("dense.bias", "bias")];
        layer_case::<f64, _>(name, &layer, &layout, &names);
        layer_case::<f32, _>(name, &layer, &layout, &names);
    }
}

/// ferrolab's tensors of one LSTM direction and PyTorch's (`suffix` "" or "_reverse").
fn lstm_names(ours: &str, suffix: &str) -> Vec<(String, String)> {
    ["weight_ih", "weight_hh"]
        .iter()
        .map(|w| (format!("{ours}.{w}"), format!("{w}_l0{suffix}")))
        // PyTorch's bias_hh is 0 in the fixture, so its bias_ih is ferrolab's one bias.
        .chain([(format!("{ours}.bias"), format!("bias_ih_l0{suffix}"))])
        .collect()
}

fn borrowed(names: &[(String, String)]) -> Vec<(&str, &str)> {
    names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

/// The premise of mapping bias_ih alone: PyTorch's second bias is zero in the case.
fn assert_no_hidden_bias(name: &str, suffix: &str) {
    let bias_hh = values(&case(name)["params"][format!("bias_hh_l0{suffix}")]);
    assert!(
        bias_hh.iter().all(|b| *b == 0.0),
        "{name}: bias_hh is not 0"
    );
}

#[test]
fn lstm_matches_pytorch_sequence_and_last_state() {
    for (name, output) in [
        ("lstm_sequence", LstmOutput::Sequence),
        ("lstm_last", LstmOutput::Last),
    ] {
        assert_no_hidden_bias(name, "");
        let mut layout = ParamLayout::default();
        let layer = Lstm::new(&mut layout, "lstm", 3, 4, false, output);
        let names = lstm_names("lstm", "");
        layer_case::<f64, _>(name, &layer, &layout, &borrowed(&names));
        layer_case::<f32, _>(name, &layer, &layout, &borrowed(&names));
    }
}

#[test]
fn bilstm_matches_pytorch_bidirectional_sequence_and_final_states() {
    for (name, output) in [
        ("bilstm_sequence", LstmOutput::Sequence),
        ("bilstm_last", LstmOutput::Last),
    ] {
        assert_no_hidden_bias(name, "");
        assert_no_hidden_bias(name, "_reverse");
        let mut layout = ParamLayout::default();
        let layer = BiLstm::new(&mut layout, "bilstm", 3, 4, output);
        let mut names = lstm_names("bilstm.forward", "");
        names.extend(lstm_names("bilstm.backward", "_reverse"));
        layer_case::<f64, _>(name, &layer, &layout, &borrowed(&names));
        layer_case::<f32, _>(name, &layer, &layout, &borrowed(&names));
    }
}

#[test]
fn layer_norm_matches_pytorch_over_channels_and_over_time() {
    for name in ["layer_norm_channels", "layer_norm_time"] {
        let c = case(name);
        let (axis, n) = (c["axis"].as_u64().unwrap(), c["n"].as_u64().unwrap());
        let mut layout = ParamLayout::default();
        let layer = LayerNorm::new(
            &mut layout,
            "norm",
            axis as usize,
            n as usize,
            c["eps"].as_f64().unwrap(),
        );
        let names = [("norm.weight", "weight"), ("norm.bias", "bias")];
        layer_case::<f64, _>(name, &layer, &layout, &names);
        layer_case::<f32, _>(name, &layer, &layout, &names);
    }
}

/// BatchNorm1d: the training step (output and gradients), the running statistics it leaves,
/// and the inference output with them.
fn batch_norm_case<T: Real>(name: &str) {
    let case = case(name);
    let mut parity = Parity::new::<T>(case);
    let channels = case["channels"].as_u64().unwrap() as usize;
    let (mut params_layout, mut state_layout) = (ParamLayout::default(), ParamLayout::default());
    let layer = BatchNorm::new(
        &mut params_layout,
        &mut state_layout,
        "bn",
        1,
        channels,
        BatchNormConvention::PyTorch,
    );
    assert_eq!(
        BatchNormConvention::PyTorch.eps(),
        case["eps"].as_f64().unwrap()
    );
    let names = [("bn.weight", "weight"), ("bn.bias", "bias")];
    let params: Vec<T> = params_from(case, &params_layout, &names);
    let state_names = [
        ("bn.running_mean", "running_mean"),
        ("bn.running_var", "running_var"),
    ];
    let mut state = vec![T::zero(); state_layout.total()];
    for (ours, theirs) in state_names {
        let range = state_layout.get(ours).unwrap().range();
        for (s, v) in state[range]
            .iter_mut()
            .zip(values(&case["state_before"][theirs]))
        {
            *s = T::of(v);
        }
    }
    let w = Weights {
        params: &params,
        state: &state,
    };
    let (y, saved) = layer
        .forward(w, &tensor(&case["inputs"]["x"]))
        .expect("forward");
    parity.compare("training output", &widen(&y.data), &case["output"]);
    let mut dparams = vec![T::zero(); params_layout.total()];
    let dx = layer.backward(w, &saved, &tensor(&case["r"]), &mut dparams);
    parity.compare(
        "input gradient",
        &widen(&dx.data),
        &case["grad_inputs"]["x"],
    );
    for (ours, theirs) in names {
        let range = params_layout.get(ours).unwrap().range();
        parity.compare(
            &format!("gradient of {theirs}"),
            &widen(&dparams[range]),
            &case["grad_params"][theirs],
        );
    }
    layer.update_running(&mut state, &saved);
    for (ours, theirs) in state_names {
        let range = state_layout.get(ours).unwrap().range();
        parity.compare(
            &format!("{theirs} after the step"),
            &widen(&state[range]),
            &case["state_after"][theirs],
        );
    }
    let y_eval = layer
        .infer(
            Weights {
                params: &params,
                state: &state,
            },
            &tensor(&case["eval_input"]),
        )
        .expect("infer");
    parity.compare("eval output", &widen(&y_eval.data), &case["eval_output"]);
    parity.report();
}

#[test]
fn batch_norm_matches_pytorch_training_step_running_statistics_and_eval() {
    for name in ["batch_norm_features", "batch_norm_channels"] {
        batch_norm_case::<f64>(name);
        batch_norm_case::<f32>(name);
    }
}

#[test]
fn activations_match_pytorch() {
    let layout = ParamLayout::default();
    for (name, activation) in [
        ("relu", Activation::Relu),
        ("leaky_relu", Activation::LeakyRelu(0.1)),
        ("tanh", Activation::Tanh),
        ("sigmoid", Activation::Sigmoid),
    ] {
        let layer = ActivationLayer(activation);
        layer_case::<f64, _>(name, &layer, &layout, &[]);
        layer_case::<f32, _>(name, &layer, &layout, &[]);
    }
}

#[test]
fn repeat_over_time_matches_pytorch_expand() {
    let steps = case("repeat_time")["steps"].as_u64().unwrap() as usize;
    let layer = RepeatTime { steps };
    let layout = ParamLayout::default();
    layer_case::<f64, _>("repeat_time", &layer, &layout, &[]);
    layer_case::<f32, _>("repeat_time", &layer, &layout, &[]);
}

fn add_broadcast_case<T: Real>() {
    let case = case("add_broadcast");
    let mut parity = Parity::new::<T>(case);
    let (a, b) = (
        tensor::<T>(&case["inputs"]["a"]),
        tensor::<T>(&case["inputs"]["b"]),
    );
    let y = add_broadcast(&a, &b).expect("broadcasts");
    parity.compare("output", &widen(&y.data), &case["output"]);
    let r = tensor::<T>(&case["r"]);
    // The gradient of the full-shape term is r itself.
    parity.compare("gradient of a", &widen(&r.data), &case["grad_inputs"]["a"]);
    let db = add_broadcast_backward(&r, &b.shape);
    parity.compare("gradient of b", &widen(&db.data), &case["grad_inputs"]["b"]);
    parity.report();
}

#[test]
fn broadcast_add_matches_pytorch() {
    add_broadcast_case::<f64>();
    add_broadcast_case::<f32>();
}

fn reparameterise_case<T: Real>() {
    let case = case("reparameterise");
    let mut parity = Parity::new::<T>(case);
    let mu = tensor::<T>(&case["inputs"]["mu"]).data;
    let log_var = tensor::<T>(&case["inputs"]["log_var"]).data;
    let eps = tensor::<T>(&case["eps"]).data;
    let (z, std) = reparameterise(&mu, &log_var, &eps);
    parity.compare("output", &widen(&z), &case["output"]);
    let (mut dmu, mut dlog_var) = (vec![T::zero(); mu.len()], vec![T::zero(); mu.len()]);
    let r = tensor::<T>(&case["r"]).data;
    reparameterise_backward(&r, &eps, &std, &mut dmu, &mut dlog_var);
    parity.compare("gradient of mu", &widen(&dmu), &case["grad_inputs"]["mu"]);
    parity.compare(
        "gradient of log_var",
        &widen(&dlog_var),
        &case["grad_inputs"]["log_var"],
    );
    parity.report();
}

/// The loss of the scalar cases is `r * penalty`, so `r` is the scale the penalties take.
fn scalar_r<T: Real>(case: &Value) -> T {
    let r = values(&case["r"]);
    assert_eq!(r.len(), 1, "a scalar case has one r");
    T::of(r[0])
}

fn kl_case<T: Real>() {
    let case = case("gaussian_kl");
    let mut parity = Parity::new::<T>(case);
    let mu = tensor::<T>(&case["inputs"]["mu"]).data;
    let log_var = tensor::<T>(&case["inputs"]["log_var"]).data;
    let (mut dmu, mut dlog_var) = (vec![T::zero(); mu.len()], vec![T::zero(); mu.len()]);
    let kl = gaussian_kl(&mu, &log_var, scalar_r::<T>(case), &mut dmu, &mut dlog_var);
    parity.compare("sum", &[kl], &case["output"]);
    parity.compare("gradient of mu", &widen(&dmu), &case["grad_inputs"]["mu"]);
    parity.compare(
        "gradient of log_var",
        &widen(&dlog_var),
        &case["grad_inputs"]["log_var"],
    );
    parity.report();
}

fn l1_case<T: Real>() {
    let case = case("activity_l1");
    let mut parity = Parity::new::<T>(case);
    let a = tensor::<T>(&case["inputs"]["a"]).data;
    let mut grad = vec![T::zero(); a.len()];
    let sum = activity_l1(&a, scalar_r::<T>(case), &mut grad);
    parity.compare("sum", &[sum], &case["output"]);
    parity.compare("gradient", &widen(&grad), &case["grad_inputs"]["a"]);
    parity.report();
}

#[test]
fn variational_pieces_match_pytorch() {
    reparameterise_case::<f64>();
    reparameterise_case::<f32>();
    kl_case::<f64>();
    kl_case::<f32>();
    l1_case::<f64>();
    l1_case::<f32>();
}

#[test]
fn conv_matches_pytorch_conv1d_and_conv2d() {
    for name in [
        "conv1d_dilated",
        "conv1d_strided",
        "conv2d_padded",
        "conv2d_strided_dilated",
    ] {
        let c = case(name);
        let get = |key: &str| c[key].as_u64().expect(key) as usize;
        let spec = ConvSpec {
            in_channels: get("in_channels"),
            out_channels: get("out_channels"),
            kernel: get("kernel"),
            stride: get("stride"),
            padding: get("padding"),
            dilation: get("dilation"),
            bias: c["bias"].as_bool().expect("bias"),
        };
        let mut layout = ParamLayout::default();
        let layer = Conv::new(&mut layout, "conv", get("spatial_dims"), spec).expect("spec");
        let names = [("conv.weight", "weight"), ("conv.bias", "bias")];
        let names = &names[..if spec.bias { 2 } else { 1 }];
        layer_case::<f64, _>(name, &layer, &layout, names);
        layer_case::<f32, _>(name, &layer, &layout, names);
    }
}

#[test]
fn upsample_matches_pytorch_nearest() {
    let layout = ParamLayout::default();
    for name in ["upsample_1d", "upsample_2d"] {
        let c = case(name);
        let get = |key: &str| c[key].as_u64().expect(key) as usize;
        let layer = Upsample::new("up", get("spatial_dims"), get("factor"));
        layer_case::<f64, _>(name, &layer, &layout, &[]);
        layer_case::<f32, _>(name, &layer, &layout, &[]);
    }
}

#[test]
fn rotate_translate_matches_pytorch_grid_rotation_and_shift() {
    let c = case("rotate_translate");
    let get = |key: &str| c[key].as_u64().expect(key) as usize;
    let scale = c["translation_scale"].as_f64().expect("scale");
    let layer = RotateTranslate::new(get("height"), get("width"), scale).expect("grid");
    let layout = ParamLayout::default();
    layer_case::<f64, _>("rotate_translate", &layer, &layout, &[]);
    layer_case::<f32, _>("rotate_translate", &layer, &layout, &[]);
}

#[test]
fn linear_without_bias_matches_pytorch() {
    let mut layout = ParamLayout::default();
    let layer = Linear::without_bias(&mut layout, "dense", 5, 3);
    let names = [("dense.weight", "weight")];
    assert!(!case("linear_no_bias")["bias"].as_bool().unwrap());
    layer_case::<f64, _>("linear_no_bias", &layer, &layout, &names);
    layer_case::<f32, _>("linear_no_bias", &layer, &layout, &names);
}

fn kl_log_sd_case<T: Real>() {
    let case = case("gaussian_kl_log_sd");
    let mut parity = Parity::new::<T>(case);
    let mu = tensor::<T>(&case["inputs"]["mu"]).data;
    let log_sd = tensor::<T>(&case["inputs"]["log_sd"]).data;
    let (mut dmu, mut dlog_sd) = (vec![T::zero(); mu.len()], vec![T::zero(); mu.len()]);
    let kl = gaussian_kl_log_sd(&mu, &log_sd, scalar_r::<T>(case), &mut dmu, &mut dlog_sd);
    parity.compare("sum", &[kl], &case["output"]);
    parity.compare("gradient of mu", &widen(&dmu), &case["grad_inputs"]["mu"]);
    parity.compare(
        "gradient of log_sd",
        &widen(&dlog_sd),
        &case["grad_inputs"]["log_sd"],
    );
    parity.report();
}

fn rotation_kl_case<T: Real>() {
    let case = case("rotation_kl_sd_only");
    let mut parity = Parity::new::<T>(case);
    let prior = case["prior_sd"].as_f64().expect("prior_sd");
    assert_eq!(prior, DEFAULT_ROTATION_PRIOR_SD);
    let log_sd = tensor::<T>(&case["inputs"]["log_sd"]).data;
    let mut dlog_sd = vec![T::zero(); log_sd.len()];
    let kl = rotation_kl_sd_only(&log_sd, T::of(prior), scalar_r::<T>(case), &mut dlog_sd);
    parity.compare("sum", &[kl], &case["output"]);
    parity.compare(
        "gradient of log_sd",
        &widen(&dlog_sd),
        &case["grad_inputs"]["log_sd"],
    );
    parity.report();
}

#[test]
fn kl_in_log_sd_and_the_rotation_kl_match_torch_distributions() {
    kl_log_sd_case::<f64>();
    kl_log_sd_case::<f32>();
    rotation_kl_case::<f64>();
    rotation_kl_case::<f32>();
}

/// The rVAE decoder's first layer composed from the set: the grid rotated and shifted, a
/// Linear on the points, a Linear without bias on the content latents broadcast over the
/// points (`add_broadcast`), tanh; backward through each.
fn rvae_first_layer_case<T: Real>() {
    let case = case("rvae_first_layer");
    let mut parity = Parity::new::<T>(case);
    let get = |key: &str| case[key].as_u64().expect(key) as usize;
    let (n, k, h) = (get("n"), get("content"), get("hidden"));
    let scale = case["translation_scale"].as_f64().expect("scale");
    let grid = RotateTranslate::square(n, scale).expect("grid");
    let mut layout = ParamLayout::default();
    let coord = Linear::new(&mut layout, "coord", 2, h);
    let latent = Linear::without_bias(&mut layout, "latent", k, h);
    let names = [
        ("coord.weight", "coord.weight"),
        ("coord.bias", "coord.bias"),
        ("latent.weight", "latent.weight"),
    ];
    let params: Vec<T> = params_from(case, &layout, &names);
    let w = Weights::params(&params);
    let angle = tensor::<T>(&case["inputs"]["angle"]).data;
    let offsets = tensor::<T>(&case["inputs"]["offsets"]).data;
    let content = tensor::<T>(&case["inputs"]["content"]);
    let b = angle.len();

    let points = grid.transform(&angle, &offsets).expect("transform");
    let (a, coord_saved) = coord.forward(w, &points).expect("coord");
    let (mut c, latent_saved) = latent.forward(w, &content).expect("latent");
    c.shape = vec![b, 1, h];
    let tanh = ActivationLayer(Activation::Tanh);
    let (y, _) = tanh
        .forward(w, &add_broadcast(&a, &c).expect("broadcast"))
        .expect("tanh");
    parity.compare("output", &widen(&y.data), &case["output"]);

    let mut dparams = vec![T::zero(); layout.total()];
    let dpre = tanh.backward(w, &y, &tensor(&case["r"]), &mut dparams);
    let dpoints = coord.backward(w, &coord_saved, &dpre, &mut dparams);
    let (dangle, doffsets) = grid.transform_backward(&angle, &dpoints).expect("backward");
    let mut dc = add_broadcast_backward(&dpre, &[b, 1, h]);
    dc.shape = vec![b, h];
    let dcontent = latent.backward(w, &latent_saved, &dc, &mut dparams);
    parity.compare(
        "gradient of angle",
        &widen(&dangle),
        &case["grad_inputs"]["angle"],
    );
    parity.compare(
        "gradient of offsets",
        &widen(&doffsets),
        &case["grad_inputs"]["offsets"],
    );
    parity.compare(
        "gradient of content",
        &widen(&dcontent.data),
        &case["grad_inputs"]["content"],
    );
    for (ours, theirs) in names {
        let range = layout.get(ours).expect("named tensor").range();
        parity.compare(
            &format!("gradient of {theirs}"),
            &widen(&dparams[range]),
            &case["grad_params"][theirs],
        );
    }
    parity.report();
}

#[test]
fn rvae_first_decoder_layer_matches_pytorch() {
    rvae_first_layer_case::<f64>();
    rvae_first_layer_case::<f32>();
}

#[test]
fn max_pool_matches_pytorch_on_odd_extents_with_ties() {
    let layout = ParamLayout::default();
    for name in ["max_pool2d", "max_pool1d"] {
        let c = case(name);
        let get = |key: &str| c[key].as_u64().expect(key) as usize;
        let layer = MaxPool::new("pool", get("spatial_dims"), get("kernel"));
        layer_case::<f64, _>(name, &layer, &layout, &[]);
        layer_case::<f32, _>(name, &layer, &layout, &[]);
    }
}

#[test]
fn linear_upsampling_matches_pytorch_interpolate_without_aligned_corners() {
    let layout = ParamLayout::default();
    for name in ["bilinear_2d", "linear_1d", "trilinear_3d"] {
        let c = case(name);
        let get = |key: &str| c[key].as_u64().expect(key) as usize;
        let layer = Upsample::linear("up", get("spatial_dims"), get("factor"));
        layer_case::<f64, _>(name, &layer, &layout, &[]);
        layer_case::<f32, _>(name, &layer, &layout, &[]);
    }
}

fn concat_case<T: Real>() {
    let case = case("concat_channels");
    let mut parity = Parity::new::<T>(case);
    let parts: Vec<Tensor<T>> = ["a", "b", "c"]
        .iter()
        .map(|k| tensor(&case["inputs"][*k]))
        .collect();
    let y = concat_channels(&parts.iter().collect::<Vec<_>>()).expect("shapes fit");
    assert_eq!(y.shape, shape(&case["output"]));
    parity.compare("output", &widen(&y.data), &case["output"]);
    let channels: Vec<usize> = parts.iter().map(|p| p.shape[1]).collect();
    let grads = split_channels(&tensor::<T>(&case["r"]), &channels).expect("splits");
    for (k, g) in ["a", "b", "c"].iter().zip(&grads) {
        parity.compare(
            &format!("gradient of {k}"),
            &widen(&g.data),
            &case["grad_inputs"][*k],
        );
    }
    parity.report();
}

#[test]
fn channel_concatenation_matches_torch_cat() {
    concat_case::<f64>();
    concat_case::<f32>();
}

fn cross_entropy_case<T: Real>(name: &str) {
    let case = case(name);
    let mut parity = Parity::new::<T>(case);
    let logits = tensor::<T>(&case["inputs"]["x"]);
    assert_eq!(logits.shape[1], case["classes"].as_u64().unwrap() as usize);
    let targets: Vec<usize> = values(&case["targets"])
        .iter()
        .map(|t| *t as usize)
        .collect();
    let weights: Option<Vec<T>> = case
        .get("class_weights")
        .map(|w| values(w).into_iter().map(T::of).collect());
    let mut grad = vec![T::zero(); logits.data.len()];
    // The case's loss is r * CE: r is the scale of the gradient.
    let loss = softmax_cross_entropy(
        &logits,
        &targets,
        weights.as_deref(),
        scalar_r::<T>(case),
        &mut grad,
    )
    .expect("valid case");
    parity.compare("loss", &[loss], &case["output"]);
    parity.compare(
        "gradient of the logits",
        &widen(&grad),
        &case["grad_inputs"]["x"],
    );
    parity.report();
}

#[test]
fn cross_entropy_matches_pytorch_with_and_without_class_weights() {
    assert!(
        case("cross_entropy_weighted")
            .get("class_weights")
            .is_some()
    );
    for name in ["cross_entropy", "cross_entropy_weighted"] {
        cross_entropy_case::<f64>(name);
        cross_entropy_case::<f32>(name);
    }
}

#[test]
fn every_fixture_case_is_checked() {
    // A case added to the script without a test here would otherwise pass unnoticed.
    let checked = [
        "linear_rows",
        "linear_sequence",
        "lstm_sequence",
        "lstm_last",
        "bilstm_sequence",
        "bilstm_last",
        "layer_norm_channels",
        "layer_norm_time",
        "batch_norm_features",
        "batch_norm_channels",
        "relu",
        "leaky_relu",
        "tanh",
        "sigmoid",
        "repeat_time",
        "add_broadcast",
        "reparameterise",
        "gaussian_kl",
        "activity_l1",
        "conv1d_dilated",
        "conv1d_strided",
        "conv2d_padded",
        "conv2d_strided_dilated",
        "upsample_1d",
        "upsample_2d",
        "rotate_translate",
        "linear_no_bias",
        "gaussian_kl_log_sd",
        "rotation_kl_sd_only",
        "rvae_first_layer",
        "max_pool2d",
        "max_pool1d",
        "bilinear_2d",
        "linear_1d",
        "trilinear_3d",
        "concat_channels",
        "cross_entropy",
        "cross_entropy_weighted",
    ];
    let names: Vec<&str> = fixture()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, checked);
}
