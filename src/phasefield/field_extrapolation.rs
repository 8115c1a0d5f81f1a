//! Poisson solves every k-th time step, the potential extrapolated linearly in time between
//! them (`pf.solve_every`; docs/physics-notes.md has its measured effect).
//!
//! The potential is linear in the polarization and the voltage: `φ = φ_P + V φ_1`, with `φ_1`
//! the potential of a unit voltage and no polarization. The applied part follows V exactly
//! (V jumps at every recorded point); only `φ_P`, which follows p and so changes smoothly, is
//! extrapolated from the last two solves. Its error over one step is O(Δt²) against the
//! explicit Euler step's O(Δt) error per unit time, while the solve is three quarters of a
//! step's cost.

/// The last two solves' polarization potentials and when the next solve is due.
pub(super) struct FieldExtrapolation {
    every: usize,
    /// φ_1: the potential at V = 1 with p = 0.
    unit: Vec<f64>,
    /// φ_P at the last solve.
    last: Vec<f64>,
    /// (φ_P(last) − φ_P(the solve before)) per step.
    slope: Vec<f64>,
    /// Solves since the last reset (only 0, 1 and 2 matter).
    solves: usize,
    /// Steps since the last solve.
    since: usize,
}

impl FieldExtrapolation {
    /// Solve every `every` steps (1: every step, nothing extrapolated), with φ_1 `unit`.
    pub fn new(every: usize, unit: Vec<f64>) -> Self {
        let n = unit.len();
        Self {
            every,
            unit,
            last: vec![0.0; n],
            slope: vec![0.0; n],
            solves: 0,
            since: 0,
        }
    }

    /// Whether the coming step needs a solve: every step until two solves give a slope, then
    /// every `every` steps.
    #[inline(always)]
    pub fn due(&self) -> bool {
        self.every == 1 || self.solves < 2 || self.since >= self.every
    }

    /// Keep the potential `phi` just solved at voltage `v`.
    #[inline(always)]
    pub fn record(&mut self, phi: &[f64], v: f64) {
        if self.every == 1 {
            return;
        }
        let since = self.since.max(1) as f64;
        let started = self.solves > 0;
        for (((last, slope), phi), unit) in self
            .last
            .iter_mut()
            .zip(&mut self.slope)
            .zip(phi)
            .zip(&self.unit)
        {
            let polarization = phi - v * unit;
            if started {
                *slope = (polarization - *last) / since;
            }
            *last = polarization;
        }
        self.solves = (self.solves + 1).min(2);
        self.since = 0;
    }

    /// The potential at voltage `v` extrapolated to the coming step.
    #[inline(always)]
    pub fn extrapolate(&self, v: f64, phi: &mut [f64]) {
        let steps = self.since as f64;
        for (((phi, last), slope), unit) in phi
            .iter_mut()
            .zip(&self.last)
            .zip(&self.slope)
            .zip(&self.unit)
        {
            *phi = (last + steps * slope) + v * unit;
        }
    }

    /// A step was taken.
    #[inline(always)]
    pub fn advance(&mut self) {
        self.since += 1;
    }

    /// The state was set from outside: solve on the next two steps.
    pub fn reset(&mut self) {
        self.solves = 0;
        self.since = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_potential_linear_in_time_is_extrapolated_exactly_between_solves() {
        // φ(t, V) = a + b t + V u with V changing every step: the extrapolation is exact.
        let (a, b, u) = (vec![1.0, -2.0], vec![0.5, 0.25], vec![3.0, 1.0]);
        let exact =
            |t: f64, v: f64| -> Vec<f64> { (0..2).map(|i| a[i] + b[i] * t + v * u[i]).collect() };
        let mut field = FieldExtrapolation::new(3, u.clone());
        let mut solved = 0;
        for step in 0..12 {
            let (t, v) = (step as f64, (step as f64 * 0.7).sin());
            let phi = if field.due() {
                solved += 1;
                let phi = exact(t, v);
                field.record(&phi, v);
                phi
            } else {
                let mut phi = vec![0.0; 2];
                field.extrapolate(v, &mut phi);
                phi
            };
            for (got, want) in phi.iter().zip(exact(t, v)) {
                assert!((got - want).abs() < 1e-12, "step {step}: {got} vs {want}");
            }
            field.advance();
        }
        // Steps 0 and 1, then every third: 4, 7, 10.
        assert_eq!(solved, 5);
        field.reset();
        assert!(field.due());
    }
}
