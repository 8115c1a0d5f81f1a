//! Seconds per epoch of paper 001's toy LSTM beta-VAE at paper size (25 steps of one channel,
//! h = 128, three blocks, 16 + 16 latents, batch 300, Adam 3e-5: `LstmVaeSettings`' defaults)
//! on 10,000 random rows, on the library's worker pool (one worker per core). Two epochs; the
//! first includes the first touch of every buffer, the second is the number to quote (the
//! PyTorch comparison in benches/README.md). A plain timed main: criterion's minimum of ten
//! samples would take ten minutes. `cargo bench --bench lstm_epoch [-- EPOCHS]`.

use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings};
use ferrolab::progress::Progress;
use ferrolab::rng::Xoshiro256;
use ndarray::Array2;

const ROWS: usize = 10_000;
const STEPS: usize = 25;

fn main() {
    // cargo bench passes `--bench`; the first number among the arguments is the epoch count.
    let epochs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2);
    let settings = LstmVaeSettings {
        epochs,
        ..LstmVaeSettings::default()
    };
    let mut rng = Xoshiro256::seed_from_u64(1);
    let data = Array2::from_shape_simple_fn((ROWS, STEPS), || rng.normal());
    let mut vae = LstmVae::new(&settings, STEPS).expect("paper-size model");
    vae.train(data.view(), &Progress::new()).expect("training");
    for r in vae.history() {
        println!("lstm_vae_epoch {}: {:.3} s", r.epoch, r.seconds);
    }
}
