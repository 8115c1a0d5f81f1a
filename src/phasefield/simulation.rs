//! The time stepper (physics spec §3.7, §5): explicit Euler on the polarization of polar
//! cells, with a Poisson solve every `pf.solve_every` steps (2 by default; the potential in
//! between extrapolated, `field_extrapolation`). A whole P-V loop driven by it is
//! [`super::pv_loop`].
//!
//! `∂p/∂t = −L0 D(p)`, `D = f_L'(p) − (2 G11/Δx²) Σ_polar neighbours (p_b − p_a) − ĉ·E`, so a
//! step is `p ← p − (Δt*/|α1|) D` with everything evaluated at the old state, except the
//! stiff eighth-order Landau term (α1111 > 0), taken semi-implicitly:
//! `p ← (p − r D₇(p)) / (1 + r 8 α1111 p⁶)` with `D₇` the rest of `D` and `r = Δt*/|α1|`. Non-polar cells
//! carry p = 0 throughout: their axis components, bonds and Landau force are all zero, so the
//! update leaves them at zero without a branch.

use super::elastic::Elasticity;
use super::electrostatics::direct::DirectSolver;
use super::electrostatics::operator::{EPSILON_0, Operator};
use super::electrostatics::spectral::SpectralSolver;
use super::error::PhaseFieldError;
use super::field_extrapolation::FieldExtrapolation;
use super::landau::Landau;
use super::local_update::{self, Constants, Film};
use super::params::{NonPolarModel, PhaseFieldParams, PoissonMethod};
use super::polycrystal::{CellClass, Polycrystal};
use super::thin_film::ThinFilm;
use ndarray::Array2;

/// Largest |p| the stiffness estimate of the stability bound covers (spec §5: loops stay below
/// about 0.32 C/m²).
const STIFFNESS_RANGE: f64 = 0.32;

enum Solver {
    Direct(Box<DirectSolver<f32>>),
    DirectF64(Box<DirectSolver<f64>>),
    Spectral(Box<SpectralSolver>),
}

impl Solver {
    /// Solve A φ = b in place.
    fn solve(&mut self, phi: &mut [f64]) -> Result<(), PhaseFieldError> {
        match self {
            Solver::Direct(s) => s.solve(phi),
            Solver::DirectF64(s) => s.solve(phi),
            Solver::Spectral(s) => s
                .solve(phi)
                .map_err(|e| PhaseFieldError::Solver(e.to_string()))?,
        }
        Ok(())
    }
}

/// A film being simulated: its operator, factorisation and state, allocated once.
pub struct Simulation {
    n1: usize,
    n2: usize,
    op: Operator,
    solver: Solver,
    landau: Landau,
    /// 2 G11 / Δx².
    gradient: f64,
    /// Δt_sub / (|α1| t0).
    rate: f64,
    substeps: usize,
    guard: f64,
    /// Polar-axis components (cos θ, −sin θ) in polar cells, 0 elsewhere.
    c1: Vec<f64>,
    c2: Vec<f64>,
    /// 4 (α11 + K_el(θ)) per cell: the quartic Landau coefficient, raised by clamped-film
    /// elasticity when it is on.
    quartic: Vec<f64>,
    /// 1 where the bond to the neighbour above / to the right joins two polar cells, else 0.
    bond_up: Vec<f32>,
    bond_right: Vec<f32>,
    /// Whether a cell is in the bottom / top row, next to an electrode.
    bottom_row: Vec<bool>,
    top_row: Vec<bool>,
    /// ε0(ε_r − 1) in non-polar cells (their reported polarization per unit field), 0 in polar.
    report: Vec<f64>,
    /// Level-2 elasticity and its driving force per cell (zeros when off).
    thin_film: Option<Box<ThinFilm>>,
    elastic_force: Vec<f64>,
    p: Vec<f64>,
    p_next: Vec<f64>,
    p1: Vec<f64>,
    p2: Vec<f64>,
    phi: Vec<f64>,
    field: FieldExtrapolation,
    steps: u64,
}

impl Simulation {
    /// Set up the operator, the solver and the initial state `p = P0 sign(cos θ)` in polar
    /// cells (the state favoured by −V_max; spec §8).
    pub fn new(film: &Polycrystal, params: &PhaseFieldParams) -> Result<Self, PhaseFieldError> {
        params.validate()?;
        let classes = film.classes();
        let (n1, n2) = classes.dim();
        let n = n1 * n2;
        let dx = film.params().cell_size_nm * 1e-9;
        let theta = film.cell_orientation_rad();
        let landau = Landau::preset(params.landau);
        let p0 = landau.spontaneous_polarization().ok_or_else(|| {
            PhaseFieldError::Invalid("the Landau preset has no ferroelectric minimum".into())
        })?;

        let at = |c: usize| (c % n1, c / n1);
        let class = |c: usize| classes[at(c)];
        let polar = |c: usize| class(c) == CellClass::Polar;
        let physical_eps = |c: usize| match class(c) {
            CellClass::GrainBoundary => params.permittivity_boundary,
            _ => params.permittivity_grain,
        };
        let operator_eps = |c: usize| match (class(c), params.nonpolar) {
            (CellClass::Polar, _) | (_, NonPolarModel::Consistent) => physical_eps(c),
            (_, NonPolarModel::PaperLiteral) => 2.0 * physical_eps(c) - 1.0,
        };
        let op = Operator::new(n1, n2, dx, (0..n).map(operator_eps).collect());
        let solver = match params.poisson {
            PoissonMethod::Direct => Solver::Direct(Box::new(
                DirectSolver::new(&op).map_err(|e| PhaseFieldError::Solver(e.to_string()))?,
            )),
            PoissonMethod::DirectF64 => Solver::DirectF64(Box::new(
                DirectSolver::new(&op).map_err(|e| PhaseFieldError::Solver(e.to_string()))?,
            )),
            PoissonMethod::Spectral => Solver::Spectral(Box::new(SpectralSolver::new(&op, 1e-13))),
        };

        let mut c1 = vec![0.0; n];
        let mut c2 = vec![0.0; n];
        let mut p = vec![0.0; n];
        let mut report = vec![0.0; n];
        let mut bond_up = vec![0.0f32; n];
        let mut bond_right = vec![0.0f32; n];
        let elastic = |t: f64| match params.elastic.elasticity() {
            Elasticity::Clamped(e) => e.quartic_coefficient(t),
            _ => 0.0,
        };
        let mut quartic = vec![4.0 * landau.a11; n];
        let mut max_elastic: f64 = 0.0;
        for c in 0..n {
            let (i, j) = at(c);
            if polar(c) {
                let t = theta[(i, j)];
                c1[c] = t.cos();
                c2[c] = -t.sin();
                quartic[c] = 4.0 * (landau.a11 + elastic(t));
                max_elastic = max_elastic.max(elastic(t));
                p[c] = if c1[c] >= 0.0 { p0 } else { -p0 };
                let right = ((j + 1) % n2) * n1 + i;
                bond_up[c] = f32::from(u8::from(i + 1 < n1 && polar(c + 1)));
                // A single column has no horizontal neighbour but itself.
                bond_right[c] = f32::from(u8::from(n2 > 1 && polar(right)));
            } else {
                report[c] = EPSILON_0 * (physical_eps(c) - 1.0);
            }
        }

        // Stability of explicit Euler (spec §5): Δt* < 2/λ*, with a 10 % margin.
        let a1 = landau.a1.abs();
        let min_polar_eps = (0..n)
            .filter(|&c| polar(c))
            .map(|c| op.eps[c])
            .fold(f64::INFINITY, f64::min);
        let lambda = 16.0 * params.gradient_coefficient / (a1 * dx * dx)
            + if min_polar_eps.is_finite() {
                1.0 / (EPSILON_0 * min_polar_eps * a1)
            } else {
                0.0
            }
            + Landau {
                a11: landau.a11 + max_elastic,
                // The eighth-order term is semi-implicit (`Column::cell`): no bound.
                a1111: 0.0,
                ..landau
            }
            .max_stiffness(STIFFNESS_RANGE)
                / a1;
        let substeps = (params.time_step_t0 / (0.9 * 2.0 / lambda)).ceil().max(1.0) as usize;

        let thin_film = match params.elastic.elasticity() {
            Elasticity::ThinFilm {
                material,
                substrate_cells,
            } => Some(Box::new(
                ThinFilm::new(n1, n2, substrate_cells, dx, &material)
                    .map_err(|e| PhaseFieldError::Solver(format!("elastic stiffness: {e}")))?,
            )),
            _ => None,
        };
        let mut sim = Self {
            n1,
            n2,
            op,
            solver,
            landau,
            gradient: 2.0 * params.gradient_coefficient / (dx * dx),
            rate: params.time_step_t0 / substeps as f64 / a1,
            substeps,
            guard: params.polarization_guard,
            c1,
            c2,
            quartic,
            bond_up,
            bond_right,
            bottom_row: (0..n).map(|c| c % n1 == 0).collect(),
            top_row: (0..n).map(|c| c % n1 == n1 - 1).collect(),
            report,
            thin_film,
            elastic_force: vec![0.0; n],
            p,
            p_next: vec![0.0; n],
            p1: vec![0.0; n],
            p2: vec![0.0; n],
            phi: vec![0.0; n],
            field: FieldExtrapolation::new(1, Vec::new()),
            steps: 0,
        };
        if params.solve_every > 1 {
            let zeros = vec![0.0; n];
            let mut unit = vec![0.0; n];
            sim.op.rhs(&zeros, &zeros, 1.0, &mut unit);
            sim.solver.solve(&mut unit)?;
            sim.field = FieldExtrapolation::new(params.solve_every, unit);
        }
        Ok(sim)
    }

    /// Sub-steps per time step chosen for stability (1 at the paper's parameters).
    pub fn substeps(&self) -> usize {
        self.substeps
    }

    /// Time steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Polarization along each cell's polar axis, C/m² (0 in non-polar cells), n1 x n2.
    pub fn polarization(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.n1, self.n2), |(i, j)| self.p[j * self.n1 + i])
    }

    /// Replace the polarization of polar cells (values in non-polar cells are ignored).
    pub fn set_polarization(&mut self, p: &Array2<f64>) -> Result<(), PhaseFieldError> {
        if p.dim() != (self.n1, self.n2) {
            return Err(PhaseFieldError::Invalid(format!(
                "polarization is {:?}, the film is {} x {}",
                p.dim(),
                self.n1,
                self.n2
            )));
        }
        for ((i, j), x) in p.indexed_iter() {
            let c = j * self.n1 + i;
            let polar = self.c1[c] != 0.0 || self.c2[c] != 0.0;
            self.p[c] = if polar { *x } else { 0.0 };
        }
        self.field.reset();
        Ok(())
    }

    /// Solve for the potential of the current state at top-electrode voltage `v`.
    #[inline(always)]
    fn solve(&mut self, v: f64) -> Result<(), PhaseFieldError> {
        let axes = self.c1.iter().zip(&self.c2);
        for (((p1, p2), p), (c1, c2)) in self.p1.iter_mut().zip(&mut self.p2).zip(&self.p).zip(axes)
        {
            *p1 = p * c1;
            *p2 = p * c2;
        }
        self.op.rhs(&self.p1, &self.p2, v, &mut self.phi);
        self.solver.solve(&mut self.phi)
    }

    /// One time step Δt at voltage `v` (its sub-steps included), then the runaway guard.
    pub fn step(&mut self, v: f64) -> Result<(), PhaseFieldError> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { self.step_avx512(v) };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { self.step_avx2(v) };
        }
        self.step_with(v)
    }

    /// The step compiled for AVX2. Its loops are element-wise, without fused multiply-adds
    /// or reassociation, so every instruction set gives the same bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn step_avx2(&mut self, v: f64) -> Result<(), PhaseFieldError> {
        self.step_with(v)
    }

    /// The step compiled for AVX-512 (eight lanes, and mask registers for the electrode rows
    /// of the local pass: half its time against AVX2, benches/README.md).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn step_avx512(&mut self, v: f64) -> Result<(), PhaseFieldError> {
        self.step_with(v)
    }

    #[inline(always)]
    fn step_with(&mut self, v: f64) -> Result<(), PhaseFieldError> {
        for _ in 0..self.substeps {
            if self.field.due() {
                self.solve(v)?;
                self.field.record(&self.phi, v);
            } else {
                self.field.extrapolate(v, &mut self.phi);
            }
            if let Some(film) = &mut self.thin_film {
                film.driving_force(&self.p, &self.c1, &self.c2, &mut self.elastic_force);
            }
            let bad = self.update_columns(v);
            self.steps += 1;
            self.field.advance();
            if bad {
                return Err(self.runaway(v));
            }
            std::mem::swap(&mut self.p, &mut self.p_next);
        }
        Ok(())
    }

    /// The fused local pass (`super::local_update`): field from the potential, masked
    /// Laplacian, Landau force and the Euler update into `p_next`. Returns whether any cell
    /// left the guard.
    #[inline(always)]
    fn update_columns(&mut self, v: f64) -> bool {
        let k = Constants {
            landau: [
                2.0 * self.landau.a1,
                6.0 * self.landau.a111,
                8.0 * self.landau.a1111,
            ],
            gradient: self.gradient,
            rate: self.rate,
            guard: self.guard,
            half_inv_dx: 0.5 / self.op.dx,
            v,
        };
        let film = Film {
            n1: self.n1,
            n2: self.n2,
            p: &self.p,
            phi: &self.phi,
            c1: &self.c1,
            c2: &self.c2,
            quartic: &self.quartic,
            elastic: self.thin_film.as_ref().map(|_| &self.elastic_force[..]),
            bond_up: &self.bond_up,
            bond_right: &self.bond_right,
            bottom: &self.bottom_row,
            top: &self.top_row,
        };
        if self.landau.a1111 != 0.0 {
            local_update::advance::<true>(&film, &mut self.p_next, &k)
        } else {
            local_update::advance::<false>(&film, &mut self.p_next, &k)
        }
    }

    fn runaway(&self, v: f64) -> PhaseFieldError {
        let c = self
            .p_next
            .iter()
            .position(|x| x.abs() > self.guard || x.is_nan())
            .unwrap_or(0);
        PhaseFieldError::Runaway {
            row: c % self.n1,
            column: c / self.n1,
            step: self.steps,
            voltage: v,
            polarization: self.p_next[c],
            guard: self.guard,
        }
    }

    /// The recorded loop value at voltage `v`: `−⟨P1⟩` over all cells, with `P1 = p cos θ` in
    /// polar cells and `ε0(ε_r − 1) E1` in non-polar ones, E from a fresh solve (spec §8).
    pub fn loop_polarization(&mut self, v: f64) -> Result<f64, PhaseFieldError> {
        self.solve(v)?;
        let (mut e1, mut e2) = (vec![0.0; self.p.len()], vec![0.0; self.p.len()]);
        self.op.field(&self.phi, v, &mut e1, &mut e2);
        let total: f64 = (0..self.p.len())
            .map(|c| self.p1[c] + self.report[c] * e1[c])
            .sum();
        Ok(-total / self.p.len() as f64)
    }

    /// The discrete free energy per unit depth (J/m) at voltage `v` (spec §6): Landau, gradient
    /// bonds and electrostatics at the solved potential. TDGL never increases it.
    pub fn energy(&mut self, v: f64) -> Result<f64, PhaseFieldError> {
        self.solve(v)?;
        let n1 = self.n1;
        let dx2 = self.op.dx * self.op.dx;
        let g11 = self.gradient * dx2 / 2.0;
        let mut landau = 0.0;
        let mut bonds = 0.0;
        for c in 0..self.p.len() {
            let polar = self.c1[c] != 0.0 || self.c2[c] != 0.0;
            if polar {
                let cell = Landau {
                    a11: self.quartic[c] / 4.0,
                    ..self.landau
                };
                landau += cell.f(self.p[c]);
            }
            if c % n1 + 1 < n1 {
                bonds += f64::from(self.bond_up[c]) * (self.p[c + 1] - self.p[c]).powi(2);
            }
            bonds +=
                f64::from(self.bond_right[c]) * (self.p[self.op.right_of(c)] - self.p[c]).powi(2);
        }
        let electrostatic = self.op.energy(&self.phi, &self.p1, &self.p2, v);
        let elastic = match &mut self.thin_film {
            Some(film) => film.energy(&self.p, &self.c1, &self.c2),
            None => 0.0,
        };
        Ok(dx2 * landau + g11 * bonds + electrostatic + elastic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phasefield::landau::LandauPreset;
    use crate::phasefield::polycrystal::PolycrystalParams;

    fn small(edit: impl FnOnce(&mut PhaseFieldParams)) -> (Polycrystal, PhaseFieldParams) {
        let mut params = PhaseFieldParams {
            structure: PolycrystalParams {
                cells_width: 64,
                grain_diameter_nm: 6.0,
                polar_fraction: 0.6,
                ..PolycrystalParams::default()
            },
            ..PhaseFieldParams::default()
        };
        edit(&mut params);
        (Polycrystal::generate(&params.structure).unwrap(), params)
    }

    #[test]
    fn sub_steps_follow_the_stability_bound_of_the_spec() {
        // Spec §5: stable at the paper's step for G11 <= 2e-10; G11 = 5e-10 needs 2 sub-steps.
        let (film, params) = small(|_| {});
        assert_eq!(Simulation::new(&film, &params).unwrap().substeps(), 1);
        let (film, params) = small(|p| p.gradient_coefficient = 5e-10);
        assert_eq!(Simulation::new(&film, &params).unwrap().substeps(), 2);
        // The stabilized preset's eighth-order term is semi-implicit: explicit, its stiffness
        // would raise λ* from 27.4 to 31.1 and need 2 sub-steps.
        let (film, params) = small(|p| p.landau = LandauPreset::Stabilized);
        assert_eq!(Simulation::new(&film, &params).unwrap().substeps(), 1);
    }

    #[test]
    fn the_semi_implicit_term_relaxes_a_single_cell_to_the_stabilized_minimum() {
        // One polar cell between the electrodes at V = 0 (no field beyond depolarization,
        // which a single full-width cell has none of): p relaxes to P0 of the preset.
        let (_, mut params) = small(|p| p.landau = LandauPreset::Stabilized);
        params.structure.cells_thickness = 1;
        params.structure.cells_width = 1;
        params.structure.polar_fraction = 1.0;
        let film = Polycrystal::generate(&params.structure).unwrap();
        assert_eq!(film.classes()[(0, 0)], CellClass::Polar);
        let mut sim = Simulation::new(&film, &params).unwrap();
        sim.set_polarization(&Array2::from_elem((1, 1), 0.3))
            .unwrap();
        for _ in 0..2000 {
            sim.step(0.0).unwrap();
        }
        let p0 = Landau::preset(LandauPreset::Stabilized)
            .spontaneous_polarization()
            .unwrap();
        let p = sim.polarization()[(0, 0)].abs();
        assert!((p - p0).abs() < 1e-9, "{p} vs P0 {p0}");
    }

    #[test]
    fn non_polar_models_set_the_operator_permittivity() {
        for (model, grain, boundary) in [
            (NonPolarModel::Consistent, 30.0, 12.0),
            (NonPolarModel::PaperLiteral, 59.0, 23.0),
        ] {
            let (film, params) = small(|p| p.nonpolar = model);
            let sim = Simulation::new(&film, &params).unwrap();
            for ((i, j), class) in film.classes().indexed_iter() {
                let eps = sim.op.eps[j * sim.n1 + i];
                let expected = match class {
                    CellClass::Polar => 30.0,
                    CellClass::NonPolarGrain => grain,
                    CellClass::GrainBoundary => boundary,
                };
                assert_eq!(eps, expected, "{model:?} at ({i}, {j})");
            }
        }
    }

    #[test]
    fn every_instruction_set_steps_to_the_same_bits() {
        let (film, params) = small(|_| {});
        let run = |path: &dyn Fn(&mut Simulation, f64)| -> Vec<u64> {
            let mut sim = Simulation::new(&film, &params).unwrap();
            for k in 0..40 {
                path(&mut sim, 2.0 - 0.1 * k as f64);
            }
            sim.p.iter().map(|x| x.to_bits()).collect()
        };
        let portable = run(&|sim, v| sim.step_with(v).unwrap());
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                let avx2 = run(&|sim, v| unsafe { sim.step_avx2(v) }.unwrap());
                assert_eq!(avx2, portable);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                let avx512 = run(&|sim, v| unsafe { sim.step_avx512(v) }.unwrap());
                assert_eq!(avx512, portable);
            }
        }
    }

    #[test]
    fn non_polar_cells_stay_unpolarized() {
        let (film, params) = small(|_| {});
        let mut sim = Simulation::new(&film, &params).unwrap();
        for _ in 0..50 {
            sim.step(2.0).unwrap();
        }
        let p = sim.polarization();
        for ((i, j), class) in film.classes().indexed_iter() {
            if *class != CellClass::Polar {
                assert_eq!(p[(i, j)], 0.0);
            }
        }
        assert_eq!(sim.steps(), 50);
    }
}
