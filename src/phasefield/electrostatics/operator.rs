//! The finite-volume electrostatics of the film (physics spec §6): a cell-centred potential φ
//! on the grid, ideal electrodes below (φ = 0) and above (φ = V), periodic across the width.
//!
//! Cells are stored column by column: cell (i, j) (row i from the bottom electrode, column j
//! across the width) is at index `j * n1 + i`, so a column is contiguous and the operator is
//! banded with bandwidth n1 (plus the periodic wrap between the first and last columns).
//!
//! The linear system `A φ = b` uses relative permittivities (ε0 moved to b):
//! `(Aφ)_c = Σ_faces ε_f (φ_c − φ_nb) Δx/d_f`, harmonic-mean face permittivities, d_f = Δx/2 at
//! electrodes (weight 2, the electrode potential moved to b), and
//! `b_c = −Δx² (∇_h·P)_c / ε0 + [c in the top row] 2 ε_c V`.

/// Vacuum permittivity, F/m (CODATA 2018).
pub const EPSILON_0: f64 = 8.854_187_812_8e-12;

/// The operator of one structure: face coefficients of every cell.
#[derive(Clone, Debug)]
pub struct Operator {
    /// Cells across the thickness.
    pub n1: usize,
    /// Cells across the width.
    pub n2: usize,
    /// Cell size, m.
    pub dx: f64,
    /// Relative permittivity of each cell as used in the operator.
    pub eps: Vec<f64>,
    /// Coefficient of the face below each cell (2 ε at the bottom electrode).
    pub below: Vec<f64>,
    /// Coefficient of the face above each cell (2 ε at the top electrode).
    pub above: Vec<f64>,
    /// Coefficient of the face to the right of each cell (periodic; 0 when n2 = 1).
    pub right: Vec<f64>,
}

fn harmonic(a: f64, b: f64) -> f64 {
    2.0 * a * b / (a + b)
}

impl Operator {
    /// The operator for relative permittivities `eps` (column-major, n1 x n2) and cell size
    /// `dx` in metres.
    pub fn new(n1: usize, n2: usize, dx: f64, eps: Vec<f64>) -> Self {
        assert_eq!(eps.len(), n1 * n2);
        let mut below = vec![0.0; n1 * n2];
        let mut above = vec![0.0; n1 * n2];
        let mut right = vec![0.0; n1 * n2];
        for j in 0..n2 {
            for i in 0..n1 {
                let c = j * n1 + i;
                below[c] = if i == 0 {
                    2.0 * eps[c]
                } else {
                    harmonic(eps[c], eps[c - 1])
                };
                above[c] = if i == n1 - 1 {
                    2.0 * eps[c]
                } else {
                    harmonic(eps[c], eps[c + 1])
                };
                // With one column the face joins a cell to itself and carries no flux.
                right[c] = if n2 == 1 {
                    0.0
                } else {
                    harmonic(eps[c], eps[((j + 1) % n2) * n1 + i])
                };
            }
        }
        Self {
            n1,
            n2,
            dx,
            eps,
            below,
            above,
            right,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.n1 * self.n2
    }

    /// Whether the grid is empty (never, for a valid structure).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Index of the cell to the left (periodic).
    #[inline]
    pub fn left_of(&self, c: usize) -> usize {
        if c < self.n1 {
            c + self.len() - self.n1
        } else {
            c - self.n1
        }
    }

    /// Index of the cell to the right (periodic).
    #[inline]
    pub fn right_of(&self, c: usize) -> usize {
        if c + self.n1 >= self.len() {
            c + self.n1 - self.len()
        } else {
            c + self.n1
        }
    }

    /// Diagonal of A.
    pub fn diagonal(&self, c: usize) -> f64 {
        self.below[c] + self.above[c] + self.right[c] + self.right[self.left_of(c)]
    }

    /// `out = A φ` (homogeneous: electrode potentials taken as zero).
    pub fn apply(&self, phi: &[f64], out: &mut [f64]) {
        let n1 = self.n1;
        for c in 0..self.len() {
            let i = c % n1;
            let l = self.left_of(c);
            let r = self.right_of(c);
            let mut acc = self.diagonal(c) * phi[c];
            if i > 0 {
                acc -= self.below[c] * phi[c - 1];
            }
            if i + 1 < n1 {
                acc -= self.above[c] * phi[c + 1];
            }
            acc -= self.right[c] * phi[r] + self.right[l] * phi[l];
            out[c] = acc;
        }
    }

    /// The right-hand side for polarization components `p1`, `p2` (C/m², per cell; zero
    /// outside polar cells) and top-electrode voltage `v`.
    #[inline(always)]
    pub fn rhs(&self, p1: &[f64], p2: &[f64], v: f64, b: &mut [f64]) {
        let (n1, n2) = (self.n1, self.n2);
        // Face values are neighbour means inside and the cell value at the electrodes, so
        // F_above − F_below = (P1_above − P1_below)/2 with the cell itself as the neighbour
        // beyond an electrode; likewise across the width (periodic).
        let k = -0.5 * self.dx / EPSILON_0;
        for j in 0..n2 {
            let col = j * n1;
            let left = if j == 0 { (n2 - 1) * n1 } else { col - n1 };
            let right = if j + 1 == n2 { 0 } else { col + n1 };
            let pc = &p1[col..col + n1];
            let (pl, pr) = (&p2[left..left + n1], &p2[right..right + n1]);
            let out = &mut b[col..col + n1];
            if n1 == 1 {
                out[0] = k * (pr[0] - pl[0]);
            } else {
                out[0] = k * ((pc[1] - pc[0]) + (pr[0] - pl[0]));
                for i in 1..n1 - 1 {
                    out[i] = k * ((pc[i + 1] - pc[i - 1]) + (pr[i] - pl[i]));
                }
                let t = n1 - 1;
                out[t] = k * ((pc[t] - pc[t - 1]) + (pr[t] - pl[t]));
            }
            out[n1 - 1] += self.above[col + n1 - 1] * v;
        }
    }

    /// Field at cell centres from the potential: `E1 = −(φ(i+½) − φ(i−½))/Δx` with face
    /// potentials the mean of neighbours (0 and V at the electrodes), `E2 = −(φ(j+1) −
    /// φ(j−1))/(2Δx)`. This is exactly −∂F/∂P of the discrete energy.
    pub fn field(&self, phi: &[f64], v: f64, e1: &mut [f64], e2: &mut [f64]) {
        let n1 = self.n1;
        let inv_dx = 1.0 / self.dx;
        for c in 0..self.len() {
            let i = c % n1;
            let face_below = if i == 0 {
                0.0
            } else {
                0.5 * (phi[c] + phi[c - 1])
            };
            let face_above = if i + 1 == n1 {
                v
            } else {
                0.5 * (phi[c] + phi[c + 1])
            };
            e1[c] = -(face_above - face_below) * inv_dx;
            e2[c] = -(phi[self.right_of(c)] - phi[self.left_of(c)]) * 0.5 * inv_dx;
        }
    }

    /// Electrostatic part of the discrete energy (J/m, per unit depth), spec §6:
    /// `−½ε0 [Σ_interior ε_f (Δφ)² + Σ_electrodes 2ε_c (φ_c − φ_D)²] + Δx Σ_faces F_f Δφ`.
    pub fn energy(&self, phi: &[f64], p1: &[f64], p2: &[f64], v: f64) -> f64 {
        let n1 = self.n1;
        let (mut field, mut coupling) = (0.0, 0.0);
        for c in 0..self.len() {
            let i = c % n1;
            if i == 0 {
                field += self.below[c] * phi[c] * phi[c];
                coupling += p1[c] * phi[c];
            }
            let (d_above, f_above) = if i + 1 == n1 {
                (v - phi[c], p1[c])
            } else {
                (phi[c + 1] - phi[c], 0.5 * (p1[c] + p1[c + 1]))
            };
            field += self.above[c] * d_above * d_above;
            coupling += f_above * d_above;
            if self.n2 > 1 {
                let r = self.right_of(c);
                let d_right = phi[r] - phi[c];
                field += self.right[c] * d_right * d_right;
                coupling += 0.5 * (p2[c] + p2[r]) * d_right;
            }
        }
        -0.5 * EPSILON_0 * field + self.dx * coupling
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)] // matrix indices read better here
    fn operator_is_symmetric_and_positive_definite_on_a_small_grid() {
        let (n1, n2) = (3, 4);
        let eps: Vec<f64> = (0..12)
            .map(|k| if k % 3 == 1 { 12.0 } else { 30.0 })
            .collect();
        let op = Operator::new(n1, n2, 0.5e-9, eps);
        let n = op.len();
        let mut a = vec![vec![0.0; n]; n];
        for k in 0..n {
            let mut e = vec![0.0; n];
            e[k] = 1.0;
            let mut col = vec![0.0; n];
            op.apply(&e, &mut col);
            for r in 0..n {
                a[r][k] = col[r];
            }
        }
        for r in 0..n {
            for k in 0..n {
                assert!((a[r][k] - a[k][r]).abs() < 1e-12, "asymmetric at {r},{k}");
            }
            // Strict diagonal dominance in the electrode rows, weak elsewhere: positive definite.
            let off: f64 = (0..n).filter(|&k| k != r).map(|k| a[r][k].abs()).sum();
            assert!(a[r][r] >= off - 1e-12);
        }
    }

    #[test]
    fn uniform_polarization_has_no_source_and_the_field_is_v_over_h() {
        // Spec §6 sanity: uniform P1, uniform ε ⇒ source vanishes, φ linear, E1 = −V/h.
        let (n1, n2, dx, v) = (20, 8, 0.5e-9, 1.7);
        let op = Operator::new(n1, n2, dx, vec![30.0; n1 * n2]);
        let p1 = vec![0.25; n1 * n2];
        let p2 = vec![-0.1; n1 * n2];
        let mut b = vec![0.0; n1 * n2];
        op.rhs(&p1, &p2, v, &mut b);
        // The exact potential: φ = V x1 / h at cell centres.
        let h = n1 as f64 * dx;
        let phi: Vec<f64> = (0..n1 * n2)
            .map(|c| v * ((c % n1) as f64 + 0.5) * dx / h)
            .collect();
        let mut a_phi = vec![0.0; n1 * n2];
        op.apply(&phi, &mut a_phi);
        for c in 0..n1 * n2 {
            assert!((a_phi[c] - b[c]).abs() < 1e-9 * b.iter().fold(1.0f64, |m, x| m.max(x.abs())));
        }
        let (mut e1, mut e2) = (vec![0.0; n1 * n2], vec![0.0; n1 * n2]);
        op.field(&phi, v, &mut e1, &mut e2);
        for c in 0..n1 * n2 {
            assert!((e1[c] + v / h).abs() < 1e-6 * v / h);
            assert!(e2[c].abs() < 1e-6 * v / h);
        }
    }
}
