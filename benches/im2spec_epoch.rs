//! Seconds per epoch of paper 003's im2spec and spec2im at paper size (8 x 8 patches, 64-point
//! spectra, latent 10, 64 filters, batch 64, Adam 1e-3: the settings' defaults) on 2,067
//! random samples (the paper's training split), on the library's worker pool. Four epochs;
//! the first includes the first touch of every buffer, the median of the other three is the
//! number to quote beside `benches/im2spec_peer/im2spec_torch.py epoch` (benches/README.md).
//! `cargo bench --bench im2spec_epoch [-- im2spec|spec2im]`.

use ferrolab::nn::im2spec::{EncoderDecoder, Im2SpecSettings, Spec2ImSettings};
use ferrolab::progress::Progress;
use ferrolab::rng::Xoshiro256;
use ndarray::Array2;

const SAMPLES: usize = 2067;
const EPOCHS: usize = 4;

fn main() {
    let kind = std::env::args()
        .skip(1)
        .find(|a| a == "im2spec" || a == "spec2im")
        .unwrap_or_else(|| "im2spec".into());
    let mut rng = Xoshiro256::seed_from_u64(1);
    let patches = Array2::from_shape_simple_fn((SAMPLES, 64), || rng.normal());
    let spectra = Array2::from_shape_simple_fn((SAMPLES, 64), || rng.normal());
    let (mut model, x, y) = if kind == "im2spec" {
        let s = Im2SpecSettings {
            epochs: EPOCHS,
            ..Default::default()
        };
        let m = EncoderDecoder::im2spec(&s, [8, 8], 64).expect("paper-size model");
        (m, patches, spectra)
    } else {
        let s = Spec2ImSettings {
            epochs: EPOCHS,
            ..Default::default()
        };
        let m = EncoderDecoder::spec2im(&s, 64, [8, 8]).expect("paper-size model");
        (m, spectra, patches)
    };
    model
        .train(x.view(), y.view(), &Progress::new())
        .expect("training");
    let mut seconds: Vec<f64> = model.history().iter().map(|r| r.seconds).collect();
    for (k, s) in seconds.iter().enumerate() {
        println!("{kind}_epoch {}: {s:.3} s", k + 1);
    }
    let mut rest = seconds.split_off(1);
    rest.sort_by(f64::total_cmp);
    println!(
        "{kind} median of epochs 2-{EPOCHS}: {:.3} s",
        rest[rest.len() / 2]
    );
}
