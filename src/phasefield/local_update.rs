//! The local part of a time step (physics spec §3.7, §5): the field from the solved potential,
//! the masked Laplacian, the Landau force and the Euler update of every cell, fused in one
//! pass over the film.
//!
//! The columns between the first and the last form one run of cells in which every
//! neighbour sits at a fixed offset (±1 vertically, ±n1 horizontally), so that pass is one
//! vectorised loop over 95 % of the paper's film. The electrodes' ghost potentials enter it
//! through the row masks, and the vertical bonds across the electrodes are zeros of
//! `bond_up`, so each cell's value is the one [`Column`] computes for the wrapping first and
//! last columns (checked by a test).

/// Per-step constants of the local update.
pub(super) struct Constants {
    /// 2α1, 6α111, 8α1111 (the quartic term is per cell).
    pub landau: [f64; 3],
    /// 2 G11 / Δx².
    pub gradient: f64,
    /// Δt_sub / (|α1| t0).
    pub rate: f64,
    pub guard: f64,
    pub half_inv_dx: f64,
    /// Top-electrode voltage.
    pub v: f64,
}

/// The film's state and coefficients, one value per cell in column-major order.
pub(super) struct Film<'a> {
    pub n1: usize,
    pub n2: usize,
    pub p: &'a [f64],
    pub phi: &'a [f64],
    pub c1: &'a [f64],
    pub c2: &'a [f64],
    pub quartic: &'a [f64],
    /// The elastic driving force, when elasticity is on.
    pub elastic: Option<&'a [f64]>,
    /// 1 where the bond to the neighbour above / to the right joins two polar cells, else 0
    /// (f32: exact, and half the memory a step streams).
    pub bond_up: &'a [f32],
    pub bond_right: &'a [f32],
    /// Whether the cell is in the bottom / top row (next to an electrode).
    pub bottom: &'a [bool],
    pub top: &'a [bool],
}

/// Everything one cell's update reads.
struct Cell {
    p: f64,
    p_left: f64,
    p_right: f64,
    /// Potentials below and above (ghost values beyond the electrodes), left and right.
    phi_below: f64,
    phi_above: f64,
    phi_left: f64,
    phi_right: f64,
    /// The vertical part of the masked Laplacian.
    vertical: f64,
    bond_left: f64,
    bond_right: f64,
    c1: f64,
    c2: f64,
    quartic: f64,
    elastic: f64,
}

impl Cell {
    /// The updated polarization (`IMPLICIT`: with the eighth-order Landau term
    /// semi-implicit, for α1111 > 0).
    #[inline(always)]
    fn advance<const IMPLICIT: bool>(&self, k: &Constants) -> f64 {
        let pc = self.p;
        // E1 = −(φ(i+½) − φ(i−½))/Δx with face potentials the neighbour means, written with
        // ghost potentials beyond the electrodes (−φ below, 2V − φ above).
        let e1 = -(self.phi_above - self.phi_below) * k.half_inv_dx;
        let e2 = -(self.phi_right - self.phi_left) * k.half_inv_dx;
        let lap = self.bond_right * (self.p_right - pc)
            + self.bond_left * (self.p_left - pc)
            + self.vertical;
        let x = pc * pc;
        let [a2, a6, a8] = k.landau;
        let landau = pc * (a2 + x * (self.quartic + x * a6));
        let drive = landau - k.gradient * lap - (self.c1 * e1 + self.c2 * e2) + self.elastic;
        let explicit = pc - k.rate * drive;
        if IMPLICIT {
            // The eighth-order term 8 α1111 p⁷ at the new p with its coefficient p⁶ frozen:
            // stable for any step, so its stiffness does not set the sub-steps.
            explicit / (1.0 + k.rate * a8 * (x * x * x))
        } else {
            explicit
        }
    }
}

/// Whether an updated value left the guard (or is NaN).
#[inline(always)]
fn outside(x: f64, guard: f64) -> bool {
    (x.abs() > guard) | x.is_nan()
}

/// Update every cell of `film` into `next`; true if a cell left the guard.
#[inline(always)]
pub(super) fn advance<const IMPLICIT: bool>(film: &Film, next: &mut [f64], k: &Constants) -> bool {
    let (n1, n2) = (film.n1, film.n2);
    let mut bad = false;
    let run = if n2 >= 3 { 1..n2 - 1 } else { 0..0 };
    for j in (0..n2).filter(|j| !run.contains(j)) {
        let col = j * n1;
        bad |= Column::of(film, j).advance::<IMPLICIT>(&mut next[col..col + n1], k);
    }
    if !run.is_empty() {
        let cells = n1..(n2 - 1) * n1;
        bad |= match film.elastic {
            Some(elastic) => advance_run::<IMPLICIT, true>(film, elastic, cells, next, k),
            None => advance_run::<IMPLICIT, false>(film, &[], cells, next, k),
        };
    }
    bad
}

/// Update the cells `cells` (whole columns, neither the first nor the last) as one run
/// (`ELASTIC`: with the force `elastic`, else none and `elastic` empty).
#[inline(always)]
fn advance_run<const IMPLICIT: bool, const ELASTIC: bool>(
    film: &Film,
    elastic: &[f64],
    cells: std::ops::Range<usize>,
    next: &mut [f64],
    k: &Constants,
) -> bool {
    let (a, b, n1) = (cells.start, cells.end, film.n1);
    let len = b - a;
    // Every slice below has `len` values, so the loop indexes them without checks.
    fn window<T>(v: &[T], start: usize, len: usize) -> &[T] {
        &v[start..start + len]
    }
    let shifted = |v, by: isize| window::<f64>(v, (a as isize + by) as usize, len);
    let bonds = |v, by: isize| window::<f32>(v, (a as isize + by) as usize, len);
    let p = shifted(film.p, 0);
    let (p_below, p_above) = (shifted(film.p, -1), shifted(film.p, 1));
    let (p_left, p_right) = (
        shifted(film.p, -(n1 as isize)),
        shifted(film.p, n1 as isize),
    );
    let phi = shifted(film.phi, 0);
    let (phi_below, phi_above) = (shifted(film.phi, -1), shifted(film.phi, 1));
    let (phi_left, phi_right) = (
        shifted(film.phi, -(n1 as isize)),
        shifted(film.phi, n1 as isize),
    );
    let (up, up_below) = (bonds(film.bond_up, 0), bonds(film.bond_up, -1));
    let bond_right = bonds(film.bond_right, 0);
    let bond_left = bonds(film.bond_right, -(n1 as isize));
    let (c1, c2, quartic) = (
        shifted(film.c1, 0),
        shifted(film.c2, 0),
        shifted(film.quartic, 0),
    );
    let elastic = if ELASTIC { shifted(elastic, 0) } else { &[] };
    let (bottom, top) = (&film.bottom[a..b], &film.top[a..b]);
    let next = &mut next[a..b];
    let mut bad = false;
    for c in 0..len {
        let cell = Cell {
            p: p[c],
            p_left: p_left[c],
            p_right: p_right[c],
            phi_below: if bottom[c] { -phi[c] } else { phi_below[c] },
            phi_above: if top[c] {
                2.0 * k.v - phi[c]
            } else {
                phi_above[c]
            },
            phi_left: phi_left[c],
            phi_right: phi_right[c],
            vertical: f64::from(up[c]) * (p_above[c] - p[c])
                + f64::from(up_below[c]) * (p_below[c] - p[c]),
            bond_left: f64::from(bond_left[c]),
            bond_right: f64::from(bond_right[c]),
            c1: c1[c],
            c2: c2[c],
            quartic: quartic[c],
            elastic: if ELASTIC { elastic[c] } else { 0.0 },
        };
        next[c] = cell.advance::<IMPLICIT>(k);
        bad |= outside(next[c], k.guard);
    }
    bad
}

/// One column of the film and its two neighbours (periodic across the width).
struct Column<'a> {
    film: &'a Film<'a>,
    col: usize,
    left: usize,
    right: usize,
}

impl<'a> Column<'a> {
    fn of(film: &'a Film<'a>, j: usize) -> Self {
        let (n1, n2) = (film.n1, film.n2);
        let col = j * n1;
        let left = if j == 0 { (n2 - 1) * n1 } else { col - n1 };
        let right = if j + 1 == n2 { 0 } else { col + n1 };
        Self {
            film,
            col,
            left,
            right,
        }
    }

    /// Row i's inputs, given the potentials below and above it and the vertical part of
    /// its masked Laplacian.
    #[inline(always)]
    fn cell(&self, i: usize, phi_below: f64, phi_above: f64, vertical: f64) -> Cell {
        let f = self.film;
        let (c, l, r) = (self.col + i, self.left + i, self.right + i);
        Cell {
            p: f.p[c],
            p_left: f.p[l],
            p_right: f.p[r],
            phi_below,
            phi_above,
            phi_left: f.phi[l],
            phi_right: f.phi[r],
            vertical,
            bond_left: f64::from(f.bond_right[l]),
            bond_right: f64::from(f.bond_right[c]),
            c1: f.c1[c],
            c2: f.c2[c],
            quartic: f.quartic[c],
            elastic: f.elastic.map_or(0.0, |e| e[c]),
        }
    }

    /// Euler update of the column into `next`; true if a cell left the guard.
    #[inline(always)]
    fn advance<const IMPLICIT: bool>(&self, next: &mut [f64], k: &Constants) -> bool {
        let n1 = self.film.n1;
        let last = n1 - 1;
        let col = self.col;
        let (p, phi) = (&self.film.p[col..col + n1], &self.film.phi[col..col + n1]);
        let bonds = &self.film.bond_up[col..col + n1];
        let up = |i: usize| f64::from(bonds[i]);
        let ghost_above = |i: usize| 2.0 * k.v - phi[i];
        if n1 == 1 {
            next[0] = self
                .cell(0, -phi[0], ghost_above(0), 0.0)
                .advance::<IMPLICIT>(k);
        } else {
            let vertical = up(0) * (p[1] - p[0]);
            next[0] = self
                .cell(0, -phi[0], phi[1], vertical)
                .advance::<IMPLICIT>(k);
            for i in 1..last {
                let vertical = up(i) * (p[i + 1] - p[i]) + up(i - 1) * (p[i - 1] - p[i]);
                next[i] = self
                    .cell(i, phi[i - 1], phi[i + 1], vertical)
                    .advance::<IMPLICIT>(k);
            }
            let vertical = up(last - 1) * (p[last - 1] - p[last]);
            next[last] = self
                .cell(last, phi[last - 1], ghost_above(last), vertical)
                .advance::<IMPLICIT>(k);
        }
        next.iter().fold(false, |bad, x| bad | outside(*x, k.guard))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Xoshiro256;

    /// A random film state of n1 x n2 cells with random polar cells and bonds.
    struct Random {
        n1: usize,
        values: Vec<Vec<f64>>,
        bonds: [Vec<f32>; 2],
        bottom: Vec<bool>,
        top: Vec<bool>,
    }

    impl Random {
        fn new(n1: usize, n2: usize, seed: u64) -> Self {
            let n = n1 * n2;
            let mut rng = Xoshiro256::seed_from_u64(seed);
            let mut field =
                |lo: f64, hi: f64| -> Vec<f64> { (0..n).map(|_| rng.uniform_in(lo, hi)).collect() };
            let values = vec![
                field(-0.3, 0.3),
                field(-2.0, 2.0),
                field(-1.0, 1.0),
                field(-1.0, 1.0),
                field(1e9, 2e9),
                field(-1e7, 1e7),
            ];
            let mut bond = || -> Vec<f32> {
                (0..n)
                    .map(|_| f32::from(u8::from(rng.uniform() < 0.8)))
                    .collect()
            };
            let mut up = bond();
            for j in 0..n2 {
                up[j * n1 + n1 - 1] = 0.0;
            }
            Self {
                n1,
                values,
                bonds: [up, bond()],
                bottom: (0..n).map(|c| c % n1 == 0).collect(),
                top: (0..n).map(|c| c % n1 == n1 - 1).collect(),
            }
        }

        fn film(&self, elastic: bool) -> Film<'_> {
            let v = &self.values;
            Film {
                n1: self.n1,
                n2: v[0].len() / self.n1,
                p: &v[0],
                phi: &v[1],
                c1: &v[2],
                c2: &v[3],
                quartic: &v[4],
                elastic: elastic.then_some(&v[5][..]),
                bond_up: &self.bonds[0],
                bond_right: &self.bonds[1],
                bottom: &self.bottom,
                top: &self.top,
            }
        }
    }

    fn constants() -> Constants {
        Constants {
            landau: [-2e9, 3e10, 1e11],
            gradient: 1e9,
            rate: 1e-10,
            guard: 10.0,
            half_inv_dx: 1e9,
            v: 1.5,
        }
    }

    #[test]
    fn the_run_gives_every_cell_the_value_of_the_column_by_column_update() {
        for (n1, n2, elastic) in [(20, 16, true), (20, 16, false), (5, 3, true), (2, 7, false)] {
            let state = Random::new(n1, n2, (n1 * n2) as u64);
            let film = state.film(elastic);
            let k = constants();
            let mut by_run = vec![0.0; n1 * n2];
            advance::<true>(&film, &mut by_run, &k);
            let mut by_column = vec![0.0; n1 * n2];
            for j in 0..n2 {
                Column::of(&film, j).advance::<true>(&mut by_column[j * n1..(j + 1) * n1], &k);
            }
            assert_eq!(by_run, by_column, "{n1} x {n2}");
            assert!(by_run.iter().all(|v| v.is_finite() && *v != 0.0));
        }
    }
}
