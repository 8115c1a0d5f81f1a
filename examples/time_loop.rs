//! Time one paper-size loop (20 x 256 cells, 400 points x 50 steps) on the calling thread.
//! `cargo run --release --example time_loop [direct|direct_f64|spectral] [stabilized|paper]
//! [every=N]` (every=N: a Poisson solve every N steps, `pf.solve_every`).
use ferrolab::phasefield::landau::LandauPreset;
use ferrolab::phasefield::params::{PhaseFieldParams, PoissonMethod};
use ferrolab::phasefield::pv_loop::simulate_loop;

fn main() {
    let mut params = PhaseFieldParams::default();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "spectral" => params.poisson = PoissonMethod::Spectral,
            "direct" => params.poisson = PoissonMethod::Direct,
            "direct_f64" => params.poisson = PoissonMethod::DirectF64,
            "paper" => params.landau = LandauPreset::Paper,
            "stabilized" => params.landau = LandauPreset::Stabilized,
            other => match other.strip_prefix("every=").map(str::parse) {
                Some(Ok(n)) if n >= 1 => params.solve_every = n,
                _ => {
                    eprintln!(
                        "unknown argument {other}: give direct|direct_f64|spectral, \
                         stabilized|paper and every=N (N >= 1)"
                    );
                    std::process::exit(2);
                }
            },
        }
    }
    let start = std::time::Instant::now();
    match simulate_loop(&params) {
        Ok(run) => {
            let f = run.features;
            println!(
                "{:?}, {:?}: {:.2} s; Ec {:.3} MV/cm, Pr {:.4}, Ps {:.4} C/m^2, area {:.3} J/m^2",
                params.poisson,
                params.landau,
                start.elapsed().as_secs_f64(),
                f.coercive_field_mv_per_cm,
                f.remanent_polarization,
                f.saturation_polarization,
                f.area
            );
        }
        Err(e) => println!("error after {:.2} s: {e}", start.elapsed().as_secs_f64()),
    }
}
