//! The convolutions of paper 003's im2spec at their sizes, forward and backward in f32 on the
//! library's worker pool: Conv2d 64 -> 64, k 3, padding 1 on (64, 64, 8, 8) patches, and Conv1d
//! 64 -> 64, k 3, dilation 2, padding 2 on (64, 64, 64) spectra. `cargo bench --bench conv`.

use criterion::{Criterion, criterion_group, criterion_main};
use ferrolab::nn::ParamLayout;
use ferrolab::nn::layers::init::InitScheme;
use ferrolab::nn::layers::{Conv, ConvSpec, Layer, Weights};
use ferrolab::nn::tensor::Tensor;
use ferrolab::rng::Xoshiro256;
use std::hint::black_box;

const BATCH: usize = 64;
const CHANNELS: usize = 64;

/// Times forward + backward of a `spatial_dims` convolution 64 -> 64 on `(64, 64, extent...)`.
fn fwd_bwd(c: &mut Criterion, label: &str, spatial_dims: usize, extent: usize, dilation: usize) {
    let mut layout = ParamLayout::default();
    let spec = ConvSpec {
        in_channels: CHANNELS,
        out_channels: CHANNELS,
        kernel: 3,
        stride: 1,
        padding: dilation,
        dilation,
        bias: true,
    };
    let conv = Conv::new(&mut layout, "conv", spatial_dims, spec).unwrap();
    let mut rng = Xoshiro256::seed_from_u64(1);
    let mut params = vec![0.0f32; layout.total()];
    conv.init(&mut params, InitScheme::PyTorch, &mut rng);
    let mut shape = vec![BATCH, CHANNELS];
    shape.extend(std::iter::repeat_n(extent, spatial_dims));
    let data = (0..shape.iter().product())
        .map(|_| rng.normal() as f32)
        .collect();
    let x = Tensor::from_vec(&shape, data).unwrap();
    let w = Weights::params(&params);
    let mut grad = vec![0.0f32; layout.total()];
    c.bench_function(label, |b| {
        b.iter(|| {
            ferrolab::parallel::install(|| {
                let (y, saved) = conv.forward(w, &x).unwrap();
                black_box(conv.backward(w, &saved, &y, &mut grad));
            })
            .unwrap();
        })
    });
}

fn convolutions(c: &mut Criterion) {
    fwd_bwd(c, "conv2d_64_64_k3_p1_b64_8x8_fwd_bwd", 2, 8, 1);
    fwd_bwd(c, "conv1d_64_64_k3_d2_p2_b64_l64_fwd_bwd", 1, 64, 2);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = convolutions
}
criterion_main!(benches);
