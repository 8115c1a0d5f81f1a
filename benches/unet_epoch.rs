//! Seconds per epoch of the U-Net at AtomAI's default size (16 filters, 3 classes, 594,067
//! parameters) on random 64 x 64 crops with random classes, batch 32, Adam 1e-3, no test split
//! and no augmentation (the PyTorch peer does none), on the library's worker pool. Three
//! epochs; the first includes the first touch of every buffer, the median of the other two is
//! the number to quote beside `benches/unet_peer/unet_torch.py epoch CROPS SIDE 32`
//! (benches/README.md, "U-Net").
//! `cargo bench --bench unet_epoch [-- crops=512 side=64 epochs=3]`.

use ferrolab::nn::unet::{Unet, UnetSettings};
use ferrolab::progress::Progress;
use ferrolab::rng::Xoshiro256;
use ndarray::Array3;

fn main() {
    let (mut crops, mut side, mut epochs) = (512, 64, 3);
    for arg in std::env::args().skip(1).filter(|a| a.contains('=')) {
        let (k, v) = arg.split_once('=').expect("key=value");
        match k {
            "crops" => crops = v.parse().expect("crop count"),
            "side" => side = v.parse().expect("crop side"),
            "epochs" => epochs = v.parse().expect("epochs"),
            _ => panic!("{k}: crops, side or epochs"),
        }
    }
    let mut rng = Xoshiro256::seed_from_u64(1);
    let x = Array3::from_shape_simple_fn((crops, side, side), || rng.uniform() as f32);
    let y = Array3::from_shape_simple_fn((crops, side, side), || rng.below(3) as u8);
    let settings = UnetSettings {
        epochs,
        test_fraction: 0.0,
        rotation: false,
        zoom: 1.0,
        gamma: 1.0,
        ..Default::default()
    };
    let mut model = Unet::new(&settings).expect("model");
    println!(
        "U-Net {side} x {side}, {} parameters, {crops} crops",
        model.parameter_count()
    );
    model
        .train(x.view(), y.view(), &Progress::new())
        .expect("training");
    let mut seconds: Vec<f64> = model.history().iter().map(|r| r.seconds).collect();
    for (k, s) in seconds.iter().enumerate() {
        println!("epoch {}: {s:.3} s", k + 1);
    }
    seconds.remove(0);
    seconds.sort_by(f64::total_cmp);
    println!("seconds_per_epoch {:.3}", seconds[seconds.len() / 2]);
}
