//! One BiLSTM block of paper 001 (two stacked BiLSTMs, 1 -> 2x128 -> 2x128 channels, T = 96,
//! batch 64: the reference point of the PyTorch comparison in benches/README.md), forward and
//! backward in f32 on the library's worker pool. `cargo bench --bench lstm`.

use criterion::{Criterion, criterion_group, criterion_main};
use ferrolab::nn::ParamLayout;
use ferrolab::nn::layers::init::InitScheme;
use ferrolab::nn::layers::{BiLstm, Layer, LstmOutput, Weights};
use ferrolab::nn::tensor::Tensor;
use ferrolab::rng::Xoshiro256;
use std::hint::black_box;

const STEPS: usize = 96;
const BATCH: usize = 64;
const HIDDEN: usize = 128;

fn block(c: &mut Criterion) {
    let mut layout = ParamLayout::default();
    let first = BiLstm::new(&mut layout, "lstm0", 1, HIDDEN, LstmOutput::Sequence);
    let second = BiLstm::new(
        &mut layout,
        "lstm1",
        2 * HIDDEN,
        HIDDEN,
        LstmOutput::Sequence,
    );
    let mut rng = Xoshiro256::seed_from_u64(1);
    let mut params = vec![0.0f32; layout.total()];
    first.init(&mut params, InitScheme::Keras, &mut rng);
    second.init(&mut params, InitScheme::Keras, &mut rng);
    let data = (0..BATCH * STEPS).map(|_| rng.normal() as f32).collect();
    let x = Tensor::from_vec(&[BATCH, STEPS, 1], data).unwrap();
    let w = Weights::params(&params);
    let mut grad = vec![0.0f32; layout.total()];
    c.bench_function("bilstm_block_t96_b64_h128_fwd_bwd", |b| {
        b.iter(|| {
            ferrolab::parallel::install(|| {
                let (a, sa) = first.forward(w, &x).unwrap();
                let (y, sb) = second.forward(w, &a).unwrap();
                let da = second.backward(w, &sb, &y, &mut grad);
                black_box(first.backward(w, &sa, &da, &mut grad));
            })
            .unwrap();
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = block
}
criterion_main!(benches);
