//! Phase-field kernels: one Poisson solve (direct and spectral), one time step, one
//! paper-size loop. `cargo bench --bench phasefield`; results in benches/README.md.

use criterion::{Criterion, criterion_group, criterion_main};
use ferrolab::phasefield::bench_api::{DirectSolver, Operator, SpectralSolver};
use ferrolab::phasefield::params::{PhaseFieldParams, PoissonMethod};
use ferrolab::phasefield::polycrystal::{CellClass, Polycrystal};
use ferrolab::phasefield::pv_loop::simulate_loop_on;
use ferrolab::phasefield::simulation::Simulation;
use std::hint::black_box;

fn paper_film() -> (PhaseFieldParams, Polycrystal) {
    let params = PhaseFieldParams::default();
    let film = Polycrystal::generate(&params.structure).unwrap();
    (params, film)
}

fn operator(film: &Polycrystal) -> Operator {
    let (n1, n2) = film.classes().dim();
    let eps = (0..n1 * n2)
        .map(|c| match film.classes()[(c % n1, c / n1)] {
            CellClass::GrainBoundary => 12.0,
            _ => 30.0,
        })
        .collect();
    Operator::new(n1, n2, 0.5e-9, eps)
}

fn poisson(c: &mut Criterion) {
    let (_, film) = paper_film();
    let op = operator(&film);
    let rhs: Vec<f64> = (0..op.len())
        .map(|k| ((k * 7919) % 101) as f64 - 50.0)
        .collect();
    let mut direct = DirectSolver::<f32>::new(&op).unwrap();
    c.bench_function("poisson_direct_20x256", |b| {
        b.iter(|| {
            let mut x = rhs.clone();
            direct.solve(&mut x);
            black_box(x)
        })
    });
    let mut direct_f64 = DirectSolver::<f64>::new(&op).unwrap();
    c.bench_function("poisson_direct_f64_20x256", |b| {
        b.iter(|| {
            let mut x = rhs.clone();
            direct_f64.solve(&mut x);
            black_box(x)
        })
    });
    let mut spectral = SpectralSolver::new(&op, 1e-13);
    c.bench_function("poisson_spectral_cold_20x256", |b| {
        b.iter(|| {
            let mut x = rhs.clone();
            // A cold start each time: the worst case of the time loop.
            spectral = SpectralSolver::new(&op, 1e-13);
            spectral.solve(&mut x).unwrap();
            black_box(x)
        })
    });
}

fn step(c: &mut Criterion) {
    let (params, film) = paper_film();
    // One step with its solve (solve_every = 1), and the default's mean over its cycle.
    let methods = [
        (PoissonMethod::Direct, 1),
        (PoissonMethod::DirectF64, 1),
        (PoissonMethod::Spectral, 1),
        (PoissonMethod::Direct, 2),
    ];
    for (method, solve_every) in methods {
        let params = PhaseFieldParams {
            poisson: method,
            solve_every,
            ..params.clone()
        };
        let mut sim = Simulation::new(&film, &params).unwrap();
        let name = format!("step_{method:?}_solve_every_{solve_every}_20x256").to_lowercase();
        c.bench_function(&name, |b| b.iter(|| sim.step(black_box(0.5)).unwrap()));
    }
}

fn full_loop(c: &mut Criterion) {
    let (params, film) = paper_film();
    let mut group = c.benchmark_group("loop");
    group.sample_size(10);
    group.bench_function("paper_loop_20x256_400x50_direct", |b| {
        b.iter(|| simulate_loop_on(&film, &params, |_, _| true).unwrap())
    });
    group.finish();
}

criterion_group!(benches, poisson, step, full_loop);
criterion_main!(benches);
