//! Seconds per epoch of the rVAE at issue 19's reference size: 48 x 48 windows, the paper
//! defaults (2 content latents, 128 filters, 128 hidden, translation on, batch 32, Adam), on
//! 3,610 random images (`rvae.test_fraction = 0`, so every image trains), on the library's
//! worker pool. Three epochs; the first includes the first touch of every buffer, the median
//! of the other two is the number to quote beside
//! `benches/rvae_peer/rvae_torch.py` (benches/README.md).
//! `cargo bench --bench rvae_epoch [-- n=48 images=3610 epochs=3]`.

use ferrolab::nn::rvae::{Rvae, RvaeSettings};
use ferrolab::progress::Progress;
use ferrolab::rng::Xoshiro256;
use ndarray::Array2;

fn main() {
    let mut n = 48;
    let mut images = 3610;
    let mut epochs = 3;
    for arg in std::env::args().skip(1).filter(|a| a.contains('=')) {
        let (k, v) = arg.split_once('=').expect("key=value");
        match k {
            "n" => n = v.parse().expect("window side"),
            "images" => images = v.parse().expect("image count"),
            "epochs" => epochs = v.parse().expect("epochs"),
            _ => panic!("{k}: n, images or epochs"),
        }
    }
    let mut rng = Xoshiro256::seed_from_u64(1);
    let x = Array2::from_shape_simple_fn((images, n * n), || rng.uniform());
    let settings = RvaeSettings {
        epochs,
        test_fraction: 0.0,
        ..Default::default()
    };
    let mut model = Rvae::new(&settings, [n, n]).expect("model");
    println!(
        "rVAE {n} x {n}, {} parameters, {images} images",
        model.parameter_count()
    );
    model.train(x.view(), &Progress::new()).expect("training");
    let mut seconds: Vec<f64> = model.history().iter().map(|r| r.seconds).collect();
    for (k, s) in seconds.iter().enumerate() {
        println!("rvae_epoch {}: {s:.2} s", k + 1);
    }
    let mut rest = seconds.split_off(1.min(seconds.len() - 1));
    rest.sort_by(f64::total_cmp);
    println!(
        "rvae median of epochs 2-{epochs}: {:.2} s",
        rest[rest.len() / 2]
    );
}
