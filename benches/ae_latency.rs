//! Controller latency of the automated-experiment session on the default 60 x 60 simulated
//! sample with the default ensemble (5 im2spec members of 64 filters, latent 2, window 8):
//! ranking the whole image, and a full step (add 10 measurements, a 50-epoch warm-started
//! update of every member on 500 measured locations, rank). Targets of issue 18: 50 ms and
//! 60 s on 2 cores. The session is set up with 490 measurements and a 2-epoch initial training
//! (not timed). A plain timed main: `cargo bench --bench ae_latency`.

use ferrolab::experiment::{AeSettings, Sample, SampleSettings, Session, loops_at};
use ferrolab::nn::im2spec::Im2SpecSettings;
use ferrolab::progress::Progress;
use ferrolab::rng::Xoshiro256;
use std::time::Instant;

fn main() {
    let sample = Sample::generate(&SampleSettings::default()).expect("sample");
    let ae = AeSettings {
        epochs_initial: 2,
        ..AeSettings::default()
    };
    let mut session = Session::new(
        &ae,
        &Im2SpecSettings::default(),
        sample.image.view(),
        &sample.voltage,
    )
    .expect("session");
    let mut points = session.candidates();
    Xoshiro256::seed_from_u64(3).shuffle(&mut points);
    let (seed, step) = (&points[..490], &points[490..500]);
    session
        .add_measurements(seed, loops_at(sample.loops.view(), seed).unwrap().view())
        .unwrap();
    session.update(&Progress::new()).unwrap();
    let started = Instant::now();
    let picks = session.rank(10).unwrap();
    let rank_ms = started.elapsed().as_secs_f64() * 1e3;
    println!("rank 10 of {} candidates: {rank_ms:.2} ms", points.len());
    let started = Instant::now();
    session
        .add_measurements(step, loops_at(sample.loops.view(), step).unwrap().view())
        .unwrap();
    session.update(&Progress::new()).unwrap();
    let update = started.elapsed().as_secs_f64();
    let picks_after = session.rank(10).unwrap();
    let total = started.elapsed().as_secs_f64();
    println!(
        "full step (add 10, 50-epoch update of {} members on 500 locations, rank): {total:.1} s (update {update:.1} s); picks {} then {}",
        ae.ensemble_size,
        picks.len(),
        picks_after.len()
    );
}
