//! Spectral Poisson solver (physics spec §6 option 2): conjugate gradients on the
//! inhomogeneous operator, preconditioned by the homogeneous operator of a reference
//! permittivity, which a real FFT across the periodic width diagonalises into one tridiagonal
//! system per Fourier mode across the thickness.

use super::operator::Operator;
use ferrolab_fft::{Complex, ComplexToReal, RealToComplex};
use std::sync::Arc;

/// Why an iterative solve failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "spectral Poisson solve did not converge in {iterations} iterations (relative residual {residual:e})"
)]
pub struct SpectralError {
    /// Iterations run.
    pub iterations: usize,
    /// Relative residual reached.
    pub residual: f64,
}

/// Preconditioned CG with an FFT-tridiagonal preconditioner; keeps its last solution as the
/// next warm start.
pub struct SpectralSolver {
    op: Operator,
    eps_ref: f64,
    /// λ_m = 4 sin²(π m / n2) for m = 0..=n2/2.
    lambda: Vec<f64>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    /// Relative residual at which CG stops.
    tolerance: f64,
    max_iterations: usize,
    last: Vec<f64>,
    rows: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    work: [Vec<f64>; 4],
    fft_scratch: Vec<Complex<f64>>,
    thomas: Vec<Complex<f64>>,
    /// Iterations of the last solve.
    pub last_iterations: usize,
}

impl SpectralSolver {
    /// Set up for an operator, with ε_ref the midpoint of its face permittivities (spec §15.5)
    /// and CG stopping at `tolerance` relative residual.
    pub fn new(op: &Operator, tolerance: f64) -> Self {
        let (n1, n2) = (op.n1, op.n2);
        let faces = op.below.iter().chain(&op.above).map(|x| x / 2.0);
        let faces = faces.chain(op.right.iter().copied().filter(|x| *x > 0.0));
        let (lo, hi) = faces.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        let (forward, inverse) = ferrolab_fft::plan(n2);
        let modes = n2 / 2 + 1;
        let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
        let n = op.len();
        Self {
            op: op.clone(),
            eps_ref: 0.5 * (lo + hi),
            lambda: (0..modes)
                .map(|m| 4.0 * (std::f64::consts::PI * m as f64 / n2 as f64).sin().powi(2))
                .collect(),
            forward,
            inverse,
            tolerance,
            max_iterations: 1000,
            last: vec![0.0; n],
            rows: vec![0.0; n],
            spectrum: vec![Complex::new(0.0, 0.0); n1 * modes],
            work: [vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]],
            fft_scratch: vec![Complex::new(0.0, 0.0); scratch_len],
            thomas: vec![Complex::new(0.0, 0.0); n1],
            last_iterations: 0,
        }
    }

    /// `z = A_ref⁻¹ r`: FFT along each row, a tridiagonal solve per mode, inverse FFT.
    fn precondition(&mut self, r: &[f64], z: &mut [f64]) {
        let (n1, n2) = (self.op.n1, self.op.n2);
        let modes = n2 / 2 + 1;
        for i in 0..n1 {
            let row = &mut self.rows[i * n2..(i + 1) * n2];
            for (j, x) in row.iter_mut().enumerate() {
                *x = r[j * n1 + i];
            }
            let out = &mut self.spectrum[i * modes..(i + 1) * modes];
            self.forward
                .process_with_scratch(row, out, &mut self.fft_scratch)
                .expect("buffer sizes match the plan");
        }
        let e = self.eps_ref;
        for m in 0..modes {
            // Rows: ε(2 + λ) inside, ε(3 + λ) at one electrode, ε(4 + λ) for a single row.
            let diag = |i: usize| {
                let electrodes = usize::from(i == 0) + usize::from(i + 1 == n1);
                e * (2.0 + electrodes as f64 + self.lambda[m])
            };
            // Thomas algorithm on the complex right-hand side (real matrix).
            let c_off = -e;
            let mut denom = diag(0);
            self.thomas[0] = Complex::new(0.0, 0.0);
            self.spectrum[m] /= denom;
            for i in 1..n1 {
                let cp = c_off / denom;
                self.thomas[i] = Complex::new(cp, 0.0);
                denom = diag(i) - c_off * cp;
                let prev = self.spectrum[(i - 1) * modes + m];
                let cur = &mut self.spectrum[i * modes + m];
                *cur = (*cur - prev * c_off) / denom;
            }
            for i in (0..n1.saturating_sub(1)).rev() {
                let next = self.spectrum[(i + 1) * modes + m];
                self.spectrum[i * modes + m] -= next * self.thomas[i + 1].re;
            }
        }
        let scale = 1.0 / n2 as f64;
        for i in 0..n1 {
            let row = &mut self.rows[i * n2..(i + 1) * n2];
            let spec = &mut self.spectrum[i * modes..(i + 1) * modes];
            // A real signal's spectrum has real DC (and Nyquist) terms; round-off must not
            // make the inverse transform reject it.
            spec[0].im = 0.0;
            if n2 % 2 == 0 {
                spec[modes - 1].im = 0.0;
            }
            self.inverse
                .process_with_scratch(spec, row, &mut self.fft_scratch)
                .expect("buffer sizes match the plan");
            for (j, x) in row.iter().enumerate() {
                z[j * n1 + i] = x * scale;
            }
        }
    }

    /// Solve A φ = b; `phi` holds b on entry and φ on exit. Warm-starts from the last solution.
    pub fn solve(&mut self, phi: &mut [f64]) -> Result<(), SpectralError> {
        let n = self.op.len();
        let b_norm = phi.iter().map(|x| x * x).sum::<f64>().sqrt();
        if b_norm == 0.0 {
            phi.fill(0.0);
            self.last.fill(0.0);
            self.last_iterations = 0;
            return Ok(());
        }
        let [mut r, mut z, mut p, mut q] = std::mem::take(&mut self.work);
        // r = b − A x0.
        self.op.apply(&self.last, &mut q);
        for c in 0..n {
            r[c] = phi[c] - q[c];
        }
        let mut x = std::mem::take(&mut self.last);
        self.precondition(&r, &mut z);
        p.copy_from_slice(&z);
        let mut rz: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum();
        let mut residual = r.iter().map(|x| x * x).sum::<f64>().sqrt() / b_norm;
        let mut iterations = 0;
        while residual > self.tolerance && iterations < self.max_iterations {
            self.op.apply(&p, &mut q);
            let alpha = rz / p.iter().zip(&q).map(|(a, b)| a * b).sum::<f64>();
            for c in 0..n {
                x[c] += alpha * p[c];
                r[c] -= alpha * q[c];
            }
            residual = r.iter().map(|x| x * x).sum::<f64>().sqrt() / b_norm;
            iterations += 1;
            if residual <= self.tolerance {
                break;
            }
            self.precondition(&r, &mut z);
            let rz_new: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum();
            let beta = rz_new / rz;
            rz = rz_new;
            for c in 0..n {
                p[c] = z[c] + beta * p[c];
            }
        }
        phi.copy_from_slice(&x);
        self.last = x;
        self.work = [r, z, p, q];
        self.last_iterations = iterations;
        if residual > self.tolerance {
            return Err(SpectralError {
                iterations,
                residual,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::direct::DirectSolver;
    use super::*;
    use crate::rng::Xoshiro256;

    #[test]
    fn agrees_with_the_direct_solver_to_1e_8() {
        for (n1, n2) in [(1, 4), (5, 3), (20, 64), (6, 1), (7, 2)] {
            let mut rng = Xoshiro256::seed_from_u64(7);
            let eps = (0..n1 * n2)
                .map(|_| if rng.uniform() < 0.3 { 12.0 } else { 30.0 })
                .collect();
            let op = Operator::new(n1, n2, 0.5e-9, eps);
            let b: Vec<f64> = (0..op.len()).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
            let mut direct = b.clone();
            DirectSolver::<f64>::new(&op).unwrap().solve(&mut direct);
            let mut spectral = b.clone();
            let mut solver = SpectralSolver::new(&op, 1e-13);
            solver.solve(&mut spectral).unwrap();
            let scale = direct.iter().fold(0.0f64, |m, x| m.max(x.abs()));
            let err = direct
                .iter()
                .zip(&spectral)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err <= 1e-8 * scale, "{n1} x {n2}: {err} vs {scale}");
        }
    }

    #[test]
    fn uniform_permittivity_is_solved_by_the_preconditioner_alone() {
        let op = Operator::new(8, 16, 0.5e-9, vec![30.0; 128]);
        let mut solver = SpectralSolver::new(&op, 1e-12);
        let mut rng = Xoshiro256::seed_from_u64(2);
        let mut b: Vec<f64> = (0..128).map(|_| rng.uniform()).collect();
        solver.solve(&mut b).unwrap();
        assert!(
            solver.last_iterations <= 2,
            "{} iterations",
            solver.last_iterations
        );
    }
}
