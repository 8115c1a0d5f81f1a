//! Elastic energy, level 2 (physics spec §7): plane strain on the film and a substrate below
//! it, by bilinear (Q4) finite elements on the cell grid, periodic across the width, the
//! substrate bottom clamped (u = 0), the film top traction-free. Each polar cell carries the
//! electrostrictive eigenstrain ε⁰ = p² [Q12 I₃ + (Q11 − Q12) ĉĉᵀ]; the substrate and
//! non-polar cells carry none, and the substrate has the film's stiffness with no misfit.
//!
//! The stiffness matrix is the same for every step, so it is factored once: nodes ordered
//! column by column make it banded (bandwidth 2R + 3 for R node rows), and the elements across
//! the periodic seam enter by a Woodbury correction of rank 4R. Each step then solves
//! `K u = f(p)` and returns the driving force `δF_el/δp = −2p σ̄ : [Q12 I₃ + (Q11 − Q12) ĉĉᵀ]`
//! per polar cell, σ̄ the element-mean stress (σ33 included, plane strain). The discrete
//! energy `½uᵀKu − uᵀf + Σ_e ½A ε⁰:C:ε⁰` has exactly this gradient, so TDGL stays a
//! gradient flow (test T4).

use super::elastic::Electrostriction;
use super::electrostatics::band::{BandLdl, FactorError};
use crate::simd::Portable;
use std::collections::BTreeMap;

/// Dense LU factorisation with partial pivoting of a small k x k matrix (row-major), for the
/// Woodbury capacitance matrix.
#[derive(Clone, Debug)]
struct DenseLu {
    k: usize,
    lu: Vec<f64>,
    pivots: Vec<usize>,
}

impl DenseLu {
    fn factor(k: usize, mut a: Vec<f64>) -> Result<Self, FactorError> {
        let mut pivots = vec![0; k];
        for col in 0..k {
            let pivot = (col..k)
                .max_by(|&r, &s| a[r * k + col].abs().total_cmp(&a[s * k + col].abs()))
                .unwrap_or(col);
            if a[pivot * k + col] == 0.0 {
                return Err(FactorError {
                    pivot: col,
                    value: 0.0,
                });
            }
            pivots[col] = pivot;
            if pivot != col {
                for c in 0..k {
                    a.swap(col * k + c, pivot * k + c);
                }
            }
            let d = a[col * k + col];
            for r in col + 1..k {
                let f = a[r * k + col] / d;
                a[r * k + col] = f;
                for c in col + 1..k {
                    a[r * k + c] -= f * a[col * k + c];
                }
            }
        }
        Ok(Self { k, lu: a, pivots })
    }

    fn solve(&self, x: &mut [f64]) {
        let k = self.k;
        for (col, &p) in self.pivots.iter().enumerate() {
            x.swap(col, p);
        }
        for r in 0..k {
            let s: f64 = (0..r).map(|c| self.lu[r * k + c] * x[c]).sum();
            x[r] -= s;
        }
        for r in (0..k).rev() {
            let s: f64 = (r + 1..k).map(|c| self.lu[r * k + c] * x[c]).sum();
            x[r] = (x[r] - s) / self.lu[r * k + r];
        }
    }
}

/// The level-2 elastic model of one grid.
pub struct ThinFilm {
    n1: usize,
    n2: usize,
    /// Element rows of substrate below the film.
    substrate: usize,
    /// Free node rows per column (node row 0, the substrate bottom, is clamped).
    rows: usize,
    lambda: f64,
    mu: f64,
    q11: f64,
    q12: f64,
    area: f64,
    /// ∫ Bᵀ dA of an element (8 x 3, row-major): the load of a unit eigenstress.
    g: [[f64; 3]; 8],
    band: BandLdl,
    /// Seam correction: seam DOFs, Z = A_b⁻¹ U (column per seam DOF), M and LU(I + M UᵀZ).
    seam: Option<Seam>,
    scratch: Vec<f64>,
    u: Vec<f64>,
}

struct Seam {
    dofs: Vec<usize>,
    z: Vec<f64>,
    m: Vec<f64>,
    capacitance: DenseLu,
}

/// Shape-function gradients (∂N/∂x1, ∂N/∂x2) of the four nodes at natural point (ξ, η), for
/// a square of side h; nodes (x1, x2) = (0,0), (0,h), (h,h), (h,0).
fn gradients(xi: f64, eta: f64, h: f64) -> [[f64; 2]; 4] {
    const NODES: [(f64, f64); 4] = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
    NODES.map(|(xa, ea)| {
        let d_xi = 0.25 * xa * (1.0 + eta * ea);
        let d_eta = 0.25 * ea * (1.0 + xi * xa);
        // x2 = (ξ + 1) h/2 and x1 = (η + 1) h/2.
        [d_eta * 2.0 / h, d_xi * 2.0 / h]
    })
}

/// B (3 x 8) at a point: strain [ε11, ε22, γ12] from nodal [u1, u2] of the four nodes.
fn b_matrix(grad: &[[f64; 2]; 4]) -> [[f64; 8]; 3] {
    let mut b = [[0.0; 8]; 3];
    for (a, [d1, d2]) in grad.iter().enumerate() {
        b[0][2 * a] = *d1;
        b[1][2 * a + 1] = *d2;
        b[2][2 * a] = *d2;
        b[2][2 * a + 1] = *d1;
    }
    b
}

impl ThinFilm {
    /// Set up and factor the model of an n1 x n2 film on `substrate` element rows, cells of
    /// side `dx` (m).
    pub fn new(
        n1: usize,
        n2: usize,
        substrate: usize,
        dx: f64,
        e: &Electrostriction,
    ) -> Result<Self, FactorError> {
        let (lambda, mu) = e.lame();
        let rows = n1 + substrate;
        let d = [
            [lambda + 2.0 * mu, lambda, 0.0],
            [lambda, lambda + 2.0 * mu, 0.0],
            [0.0, 0.0, mu],
        ];
        let gauss = 1.0 / 3f64.sqrt();
        let det = (dx / 2.0) * (dx / 2.0);
        let mut ke = [[0.0; 8]; 8];
        let mut g = [[0.0; 3]; 8];
        for xi in [-gauss, gauss] {
            for eta in [-gauss, gauss] {
                let b = b_matrix(&gradients(xi, eta, dx));
                for r in 0..8 {
                    for s in 0..3 {
                        g[r][s] += b[s][r] * det;
                    }
                    for c in 0..8 {
                        let mut dbc = 0.0;
                        for s in 0..3 {
                            let db: f64 = (0..3).map(|t| d[s][t] * b[t][c]).sum();
                            dbc += b[s][r] * db;
                        }
                        ke[r][c] += dbc * det;
                    }
                }
            }
        }
        // Assemble the lower triangle; node (r, c) with r = 1..=rows is DOF pair 2(c·rows + r − 1).
        let dof = |r: usize, c: usize, comp: usize| (r > 0).then(|| 2 * (c * rows + r - 1) + comp);
        let mut entries: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for er in 0..rows {
            for ec in 0..n2 {
                let next = (ec + 1) % n2;
                let nodes = [(er, ec), (er, next), (er + 1, next), (er + 1, ec)];
                for a in 0..8 {
                    let Some(i) = dof(nodes[a / 2].0, nodes[a / 2].1, a % 2) else {
                        continue;
                    };
                    for b in 0..8 {
                        let Some(j) = dof(nodes[b / 2].0, nodes[b / 2].1, b % 2) else {
                            continue;
                        };
                        if i >= j {
                            *entries.entry((i, j)).or_default() += ke[a][b];
                        }
                    }
                }
            }
        }
        let n = 2 * rows * n2;
        let w = (2 * rows + 3).min(n.saturating_sub(1));
        let (band_entries, wrap): (BTreeMap<_, _>, BTreeMap<_, _>) =
            entries.into_iter().partition(|((i, j), _)| i - j <= w);
        let band = BandLdl::factor(n, w, |k, d| {
            band_entries.get(&(k, k - d)).copied().unwrap_or(0.0)
        })?;
        let mut scratch = vec![0.0; band.scratch_len()];
        let seam = if wrap.is_empty() {
            None
        } else {
            // Seam DOFs: the first and the last node column.
            let per_column = 2 * rows;
            let dofs: Vec<usize> = (0..per_column).chain(n - per_column..n).collect();
            let k = dofs.len();
            let position = |d: usize| dofs.iter().position(|x| *x == d).expect("seam DOF");
            let mut m = vec![0.0; k * k];
            for ((i, j), v) in &wrap {
                let (a, b) = (position(*i), position(*j));
                m[a * k + b] = *v;
                m[b * k + a] = *v;
            }
            let mut z = vec![0.0; n * k];
            let mut column = vec![0.0; n];
            for (a, &s) in dofs.iter().enumerate() {
                column.fill(0.0);
                column[s] = 1.0;
                band.solve::<Portable>(&mut column, &mut scratch);
                for (row, x) in column.iter().enumerate() {
                    z[row * k + a] = *x;
                }
            }
            // T = I + M Uᵀ Z.
            let mut t = vec![0.0; k * k];
            for a in 0..k {
                for b in 0..k {
                    let mw: f64 = (0..k).map(|c| m[a * k + c] * z[dofs[c] * k + b]).sum();
                    t[a * k + b] = f64::from(u8::from(a == b)) + mw;
                }
            }
            Some(Seam {
                dofs,
                z,
                m,
                capacitance: DenseLu::factor(k, t)?,
            })
        };
        Ok(Self {
            n1,
            n2,
            substrate,
            rows,
            lambda,
            mu,
            q11: e.q11,
            q12: e.q12,
            area: dx * dx,
            g,
            band,
            seam,
            scratch,
            u: vec![0.0; n],
        })
    }

    /// Eigenstrain (ε11, ε22, ε12, ε33) of a polar cell with polarization p along (c1, c2).
    fn eigenstrain(&self, p: f64, c1: f64, c2: f64) -> [f64; 4] {
        let (q12, dq, p2) = (self.q12, self.q11 - self.q12, p * p);
        [
            p2 * (q12 + dq * c1 * c1),
            p2 * (q12 + dq * c2 * c2),
            p2 * dq * c1 * c2,
            p2 * q12,
        ]
    }

    /// The stress C ε⁰ of an eigenstrain, in-plane Voigt components (σ11, σ22, σ12).
    fn eigenstress(&self, [e11, e22, e12, e33]: [f64; 4]) -> [f64; 3] {
        let (lambda, mu) = (self.lambda, self.mu);
        let tr = e11 + e22 + e33;
        [
            lambda * tr + 2.0 * mu * e11,
            lambda * tr + 2.0 * mu * e22,
            2.0 * mu * e12,
        ]
    }

    /// The nodal load ∫ Bᵀ σ⁰ of node `a`, component `comp`, of an element with eigenstress σ⁰.
    fn load(&self, a: usize, comp: usize, sigma0: &[f64; 3]) -> f64 {
        let row = &self.g[2 * a + comp];
        row[0] * sigma0[0] + row[1] * sigma0[1] + row[2] * sigma0[2]
    }

    /// Nodes of film cell (i, j) (element row substrate + i), as DOF bases (None: clamped).
    fn element_dofs(&self, er: usize, ec: usize) -> [Option<usize>; 4] {
        let next = (ec + 1) % self.n2;
        let base = |r: usize, c: usize| (r > 0).then(|| 2 * (c * self.rows + r - 1));
        [
            base(er, ec),
            base(er, next),
            base(er + 1, next),
            base(er + 1, ec),
        ]
    }

    /// Solve for the displacements of the eigenstrains of `p` (column-major cells; polar axis
    /// components c1, c2, zero outside polar cells).
    fn solve(&mut self, p: &[f64], c1: &[f64], c2: &[f64]) {
        self.u.fill(0.0);
        for j in 0..self.n2 {
            for i in 0..self.n1 {
                let c = j * self.n1 + i;
                if c1[c] == 0.0 && c2[c] == 0.0 {
                    continue;
                }
                let sigma0 = self.eigenstress(self.eigenstrain(p[c], c1[c], c2[c]));
                for (a, base) in self.element_dofs(self.substrate + i, j).iter().enumerate() {
                    let Some(base) = base else { continue };
                    for comp in 0..2 {
                        self.u[base + comp] += self.load(a, comp, &sigma0);
                    }
                }
            }
        }
        let mut y = std::mem::take(&mut self.u);
        self.band.solve::<Portable>(&mut y, &mut self.scratch);
        if let Some(seam) = &self.seam {
            let k = seam.dofs.len();
            let uy: Vec<f64> = seam.dofs.iter().map(|d| y[*d]).collect();
            let mut t: Vec<f64> = (0..k)
                .map(|a| (0..k).map(|b| seam.m[a * k + b] * uy[b]).sum())
                .collect();
            seam.capacitance.solve(&mut t);
            for (row, x) in y.iter_mut().enumerate() {
                let z = &seam.z[row * k..(row + 1) * k];
                *x -= z.iter().zip(&t).map(|(a, b)| a * b).sum::<f64>();
            }
        }
        self.u = y;
    }

    /// Element-mean 3D stress (σ11, σ22, σ12, σ33) of film cell (i, j) with eigenstrain ε⁰.
    fn stress(&self, i: usize, j: usize, eigen: [f64; 4]) -> [f64; 4] {
        let mut strain = [0.0; 3];
        for (a, base) in self.element_dofs(self.substrate + i, j).iter().enumerate() {
            let Some(base) = base else { continue };
            for comp in 0..2 {
                let row = &self.g[2 * a + comp];
                for s in 0..3 {
                    strain[s] += row[s] * self.u[base + comp] / self.area;
                }
            }
        }
        let [e11, e22, e12, e33] = eigen;
        let tr = strain[0] + strain[1] - e11 - e22 - e33;
        let (lambda, mu) = (self.lambda, self.mu);
        [
            lambda * tr + 2.0 * mu * (strain[0] - e11),
            lambda * tr + 2.0 * mu * (strain[1] - e22),
            mu * (strain[2] - 2.0 * e12),
            lambda * tr - 2.0 * mu * e33,
        ]
    }

    /// The elastic driving force δF_el/δp of every cell (zero outside polar cells) into `out`.
    pub fn driving_force(&mut self, p: &[f64], c1: &[f64], c2: &[f64], out: &mut [f64]) {
        self.solve(p, c1, c2);
        let dq = self.q11 - self.q12;
        for j in 0..self.n2 {
            for i in 0..self.n1 {
                let c = j * self.n1 + i;
                out[c] = if c1[c] == 0.0 && c2[c] == 0.0 {
                    0.0
                } else {
                    let [s11, s22, s12, s33] =
                        self.stress(i, j, self.eigenstrain(p[c], c1[c], c2[c]));
                    let projected = self.q12 * (s11 + s22 + s33)
                        + dq * (c1[c] * c1[c] * s11
                            + 2.0 * c1[c] * c2[c] * s12
                            + c2[c] * c2[c] * s22);
                    -2.0 * p[c] * projected
                };
            }
        }
    }

    /// The elastic energy per unit depth (J/m) of the polarization `p` at mechanical
    /// equilibrium: `½uᵀKu − uᵀf + Σ_e ½A ε⁰:C:ε⁰ = Σ_e ½A ε⁰:C:ε⁰ − ½uᵀf`.
    pub fn energy(&mut self, p: &[f64], c1: &[f64], c2: &[f64]) -> f64 {
        self.solve(p, c1, c2);
        let (lambda, mu) = (self.lambda, self.mu);
        let mut total = 0.0;
        for j in 0..self.n2 {
            for i in 0..self.n1 {
                let c = j * self.n1 + i;
                if c1[c] == 0.0 && c2[c] == 0.0 {
                    continue;
                }
                let eigen = self.eigenstrain(p[c], c1[c], c2[c]);
                let [e11, e22, e12, e33] = eigen;
                let tr = e11 + e22 + e33;
                let self_energy = lambda * tr * tr
                    + 2.0 * mu * (e11 * e11 + e22 * e22 + e33 * e33 + 2.0 * e12 * e12);
                let sigma0 = self.eigenstress(eigen);
                let mut work = 0.0;
                for (a, base) in self.element_dofs(self.substrate + i, j).iter().enumerate() {
                    let Some(base) = base else { continue };
                    for comp in 0..2 {
                        work += self.u[base + comp] * self.load(a, comp, &sigma0);
                    }
                }
                total += 0.5 * self.area * self_energy - 0.5 * work;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t13_level_2_uniform_single_grain_reproduces_level_1() {
        let e = Electrostriction::default();
        let (n1, n2, dx, p) = (6, 5, 0.5e-9, 0.2);
        let mut film = ThinFilm::new(n1, n2, 4, dx, &e).unwrap();
        for theta in [0.0f64, 0.54, 1.2, std::f64::consts::FRAC_PI_2] {
            let c1 = vec![theta.cos(); n1 * n2];
            let c2 = vec![-theta.sin(); n1 * n2];
            let pv = vec![p; n1 * n2];
            let energy = film.energy(&pv, &c1, &c2);
            let level_1 = e.quartic_coefficient(theta) * p.powi(4) * (n1 * n2) as f64 * dx * dx;
            assert!(
                (energy - level_1).abs() < 1e-9 * level_1,
                "θ = {theta}: {energy} vs {level_1}"
            );
            // The driving force is the derivative of Level 1's K_el p⁴ in every cell.
            let mut force = vec![0.0; n1 * n2];
            film.driving_force(&pv, &c1, &c2, &mut force);
            let expected = 4.0 * e.quartic_coefficient(theta) * p.powi(3);
            for f in &force {
                assert!(
                    (f - expected).abs() < 1e-8 * expected,
                    "θ = {theta}: {f} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn driving_force_is_the_gradient_of_the_energy() {
        let e = Electrostriction::default();
        let (n1, n2, dx) = (4, 6, 0.5e-9);
        let mut film = ThinFilm::new(n1, n2, 3, dx, &e).unwrap();
        let n = n1 * n2;
        // A non-uniform state with one non-polar cell.
        let p: Vec<f64> = (0..n).map(|c| 0.1 + 0.02 * ((c * 7) % 5) as f64).collect();
        let c1: Vec<f64> = (0..n)
            .map(|c| if c == 9 { 0.0 } else { (0.3 * c as f64).cos() })
            .collect();
        let c2: Vec<f64> = (0..n)
            .map(|c| if c == 9 { 0.0 } else { -(0.3 * c as f64).sin() })
            .collect();
        let mut force = vec![0.0; n];
        film.driving_force(&p, &c1, &c2, &mut force);
        for c in [0, 5, 13, 23] {
            let h = 1e-6;
            let (mut plus, mut minus) = (p.clone(), p.clone());
            plus[c] += h;
            minus[c] -= h;
            let fd = (film.energy(&plus, &c1, &c2) - film.energy(&minus, &c1, &c2))
                / (2.0 * h)
                / (dx * dx);
            assert!(
                (fd - force[c]).abs() < 1e-5 * force[c].abs().max(1e3),
                "cell {c}: {fd} vs {}",
                force[c]
            );
        }
        assert_eq!(force[9], 0.0);
    }
}
