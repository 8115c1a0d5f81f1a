//! Seeded synthetic P-V loops for tests, examples and benchmarks of the networks: fast to make
//! in any number, shaped like the phase-field loops (saturating branches shifted by a coercive
//! voltage, a linear dielectric part), with no physics claimed.

use crate::rng::Xoshiro256;
use ndarray::Array2;

/// `n` loops of `points` values (C/m^2): the voltage runs -3 V -> +3 V over the first half of
/// the points and back over the second; branch `P = Ps tanh((V -/+ Vc) / w) + chi V` with
/// `Ps` in [0.1, 0.3], `Vc` in [0.5, 1.5] V, `w` in [0.2, 0.6] V, `chi` in [0, 0.02] per V,
/// drawn from `seed`.
///
/// ```
/// let loops = ferrolab::nn::synthetic_loops(3, 100, 7);
/// assert_eq!(loops.dim(), (3, 100));
/// assert!(loops.iter().all(|p| p.abs() < 0.4));
/// ```
pub fn synthetic_loops(n: usize, points: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256::seed_from_u64(seed);
    let half = (points / 2).max(1);
    let mut out = Array2::zeros((n, points));
    for mut row in out.rows_mut() {
        let ps = rng.uniform_in(0.1, 0.3);
        let vc = rng.uniform_in(0.5, 1.5);
        let w = rng.uniform_in(0.2, 0.6);
        let chi = rng.uniform_in(0.0, 0.02);
        for (i, p) in row.iter_mut().enumerate() {
            let (rising, k) = if i < half {
                (true, i)
            } else {
                (false, i - half)
            };
            let t = k as f64 / (half.max(points - half) - 1).max(1) as f64;
            let v = if rising {
                -3.0 + 6.0 * t
            } else {
                3.0 - 6.0 * t
            };
            let shift = if rising { vc } else { -vc };
            *p = ps * ((v - shift) / w).tanh() + chi * v;
        }
    }
    out
}
