//! The large-n target: fit a GP with fixed hyper-parameters on n points (default
//! 10,000; 2-D inputs, 4 outputs as in paper 000) and predict 1,000 points, on the library's
//! worker pool. `cargo run --release --example gp_large [n] [optimized]`: with `optimized`,
//! instead time an optimised fit (paper defaults) of the first output alone.
use ferrolab::gp::{GaussianProcess, GpParams};
use ferrolab::rng::Xoshiro256;
use ndarray::Array2;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let mut rng = Xoshiro256::seed_from_u64(3);
    let x = Array2::from_shape_fn((n, 2), |_| rng.uniform_in(-2.0, 2.0));
    let y = Array2::from_shape_fn((n, 4), |(i, j)| {
        (x[(i, 0)] * (j + 1) as f64).sin() * x[(i, 1)].cos() + 0.05 * rng.normal()
    });
    let xq = Array2::from_shape_fn((1000, 2), |_| rng.uniform_in(-2.0, 2.0));
    if std::env::args().nth(2).as_deref() == Some("optimized") {
        let start = std::time::Instant::now();
        let first = y.slice(ndarray::s![.., ..1]);
        let gp = GaussianProcess::fit(x.view(), first, &GpParams::default()).expect("fit");
        let o = &gp.outputs()[0];
        println!(
            "n = {n}: optimised fit of one output {:.1} s (signal variance {:.4}, length scale {:.4}, LML {:.3})",
            start.elapsed().as_secs_f64(),
            o.kernel.signal_variance,
            o.kernel.length_scales[0],
            o.log_marginal_likelihood
        );
        return;
    }
    let params = GpParams {
        optimize: false,
        length_scales: vec![0.8],
        ..GpParams::default()
    };
    let start = std::time::Instant::now();
    let gp = GaussianProcess::fit(x.view(), y.view(), &params).expect("fit");
    let fit = start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let (mean, _) = gp.predict(xq.view()).expect("predict");
    let predict = start.elapsed().as_secs_f64();
    println!(
        "n = {n}: fixed-hyper-parameter fit of 4 outputs {fit:.1} s, prediction of 1,000 points {predict:.1} s, total {:.1} s (mean[0] = {:.4})",
        fit + predict,
        mean[(0, 0)]
    );
}
