//! Elastic energy, level 1 (physics spec §3.5, §7): every polar cell is a homogeneous film
//! clamped in-plane (ε22 = ε33 = 0, no misfit) and free out-of-plane (σ11 = σ12 = 0). With the
//! electrostrictive eigenstrain ε⁰ = p² [Q12 I + (Q11 − Q12) ĉĉᵀ] and isotropic stiffness
//! (Lamé λ, μ), minimising over the free strains gives exactly `f_el = K_el(θ) p⁴` with
//! `K_el = μ [λ (q2 + q3)²/(λ + 2μ) + q2² + q3²]`, `q2 = Q12 + (Q11 − Q12) sin²θ`, `q3 = Q12`:
//! the Landau α11 of a cell becomes α11 + K_el(θ).
//!
//! The default Q and stiffness are placeholders of perovskite-order magnitude and a typical
//! HfO2 film modulus, not HZO data (the paper's source, its ref. 29, could not be read): keep
//! them configurable and treat results as qualitative. Level 2 (plane strain on film and
//! substrate) is in `super::thin_film`.
//!
//! ```
//! use ferrolab::phasefield::elastic::Electrostriction;
//! let e = Electrostriction::default();
//! assert!((e.quartic_coefficient(0.0) - 8.04e7).abs() < 1e5); // spec §7: 8.0e7 J m^5 C^-4
//! ```

use crate::config::settings::Validate;
use crate::config::{ConfigError, Setting, Valid, Value};
use std::ops::Bound::{Excluded, Included};

/// Which elastic model a simulation uses: the integer of `pf.elastic`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElasticModel {
    /// 0: no elastic energy.
    Off,
    /// 1: every polar cell clamped in-plane.
    Clamped,
    /// 2: plane strain on the film and a clamped substrate.
    ThinFilm,
}

impl ElasticModel {
    /// Every model, by its integer.
    pub const ALL: [Self; 3] = [Self::Off, Self::Clamped, Self::ThinFilm];
}

impl Setting for ElasticModel {
    fn implied_valid() -> Option<Valid> {
        Some(Valid::Int(Included(0), Included(2)))
    }

    fn to_value(&self) -> Value {
        Value::I64(match self {
            Self::Off => 0,
            Self::Clamped => 1,
            Self::ThinFilm => 2,
        })
    }

    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
        match usize::from_value(key, value)? {
            n if n < Self::ALL.len() => Ok(Self::ALL[n]),
            n => Err(ConfigError::OutOfRange {
                key: key.to_owned(),
                value: n.to_string(),
                valid: "[0, 2]".into(),
            }),
        }
    }

    fn variants() -> Vec<Self> {
        Self::ALL.to_vec()
    }
}

crate::settings! {
    /// The elastic model and material of a simulation (`pf.elastic` and its material keys).
    pub struct ElasticParams {
        /// Elastic energy: 0 off (default; paper 000's coefficients are not known), 1 each
        /// polar cell clamped in-plane (alpha11 -> alpha11 + K_el(theta)), 2 plane strain on
        /// film and substrate by finite elements (about 30x slower).
        pub model: ElasticModel = ElasticModel::Off => "pf.elastic";
        /// Substrate thickness below the film in cells, for pf.elastic = 2 (clamped at its
        /// bottom, no misfit). Paper 000: 12 (6 nm).
        pub substrate_cells: usize = 12
            => "pf.substrate_cells", unit "cells", valid Valid::Int(Included(1), Included(1000));
        /// Electrostrictive Q11 along the polar axis. Placeholder of perovskite magnitude, not
        /// HZO data.
        pub q11: f64 = 0.05
            => "pf.q11", unit "m^4 C^-2", valid Valid::Real(Included(-10.0), Included(10.0));
        /// Electrostrictive Q12 across the polar axis. Placeholder of perovskite magnitude, not
        /// HZO data.
        pub q12: f64 = -0.015
            => "pf.q12", unit "m^4 C^-2", valid Valid::Real(Included(-10.0), Included(10.0));
        /// Young's modulus of the film (isotropic). Placeholder: a typical HfO2 film value.
        pub young_modulus_gpa: f64 = 250.0
            => "pf.young_modulus_gpa", unit "GPa",
            valid Valid::Real(Excluded(0.0), Included(10_000.0));
        /// Poisson's ratio of the film (isotropic). Placeholder.
        pub poisson_ratio: f64 = 0.3
            => "pf.poisson_ratio", valid Valid::Real(Excluded(-1.0), Excluded(0.5));
    }
}

impl Validate for ElasticParams {
    type Error = ConfigError;

    /// Each field's range is its key's; nothing spans fields.
    fn check_together(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

impl ElasticParams {
    /// The film's electrostriction and stiffness.
    ///
    /// ```
    /// let p = ferrolab::phasefield::elastic::ElasticParams::default();
    /// assert_eq!(p.material().young_modulus, 250e9);
    /// ```
    pub fn material(&self) -> Electrostriction {
        Electrostriction {
            q11: self.q11,
            q12: self.q12,
            young_modulus: self.young_modulus_gpa * 1e9,
            poisson_ratio: self.poisson_ratio,
        }
    }

    /// The model a simulation runs.
    ///
    /// ```
    /// use ferrolab::phasefield::elastic::{ElasticModel, ElasticParams, Elasticity};
    /// let p = ElasticParams { model: ElasticModel::Clamped, ..ElasticParams::default() };
    /// assert_eq!(p.elasticity(), Elasticity::Clamped(p.material()));
    /// ```
    pub fn elasticity(&self) -> Elasticity {
        match self.model {
            ElasticModel::Off => Elasticity::Off,
            ElasticModel::Clamped => Elasticity::Clamped(self.material()),
            ElasticModel::ThinFilm => Elasticity::ThinFilm {
                material: self.material(),
                substrate_cells: self.substrate_cells,
            },
        }
    }
}

/// Which elastic model a simulation uses (`pf.elastic`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Elasticity {
    /// No elastic energy.
    Off,
    /// Level 1: every polar cell clamped in-plane.
    Clamped(Electrostriction),
    /// Level 2: plane strain on the film and a clamped substrate of `substrate_cells` rows.
    ThinFilm {
        /// Electrostriction and stiffness (film and substrate).
        material: Electrostriction,
        /// Substrate rows below the film.
        substrate_cells: usize,
    },
}

/// Electrostriction and isotropic stiffness of a film.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Electrostriction {
    /// Q11, m⁴ C⁻².
    pub q11: f64,
    /// Q12, m⁴ C⁻².
    pub q12: f64,
    /// Young's modulus, Pa.
    pub young_modulus: f64,
    /// Poisson's ratio.
    pub poisson_ratio: f64,
}

impl Default for Electrostriction {
    /// The material of the `pf.*` keys' defaults.
    fn default() -> Self {
        ElasticParams::default().material()
    }
}

impl Electrostriction {
    /// Lamé constants (λ, μ), Pa.
    pub fn lame(&self) -> (f64, f64) {
        let (e, nu) = (self.young_modulus, self.poisson_ratio);
        (
            e * nu / ((1.0 + nu) * (1.0 - 2.0 * nu)),
            e / (2.0 * (1.0 + nu)),
        )
    }

    /// K_el(θ) of a cell whose polar axis makes angle θ with the film normal, J m⁵ C⁻⁴.
    pub fn quartic_coefficient(&self, theta: f64) -> f64 {
        let (lambda, mu) = self.lame();
        let q2 = self.q12 + (self.q11 - self.q12) * theta.sin().powi(2);
        let q3 = self.q12;
        mu * (lambda * (q2 + q3).powi(2) / (lambda + 2.0 * mu) + q2 * q2 + q3 * q3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ½ (ε − ε⁰) : C : (ε − ε⁰) with the full isotropic tensor C_ijkl = λ δij δkl + μ (δik δjl
    /// + δil δjk), for in-plane clamping ε22 = ε33 = 0 and free ε11, ε12 (= ε21).
    fn energy(e: &Electrostriction, theta: f64, p: f64, e11: f64, e12: f64) -> f64 {
        let (lambda, mu) = e.lame();
        let c = [theta.cos(), -theta.sin(), 0.0];
        let delta = |i: usize, j: usize| f64::from(u8::from(i == j));
        let mut strain = [[0.0; 3]; 3];
        strain[0][0] = e11;
        strain[0][1] = e12;
        strain[1][0] = e12;
        let mut d = [[0.0; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                let eigen = p * p * (e.q12 * delta(i, j) + (e.q11 - e.q12) * c[i] * c[j]);
                d[i][j] = strain[i][j] - eigen;
            }
        }
        let mut f = 0.0;
        for i in 0..3 {
            for j in 0..3 {
                for k in 0..3 {
                    for l in 0..3 {
                        let cijkl = lambda * delta(i, j) * delta(k, l)
                            + mu * (delta(i, k) * delta(j, l) + delta(i, l) * delta(j, k));
                        f += 0.5 * d[i][j] * cijkl * d[k][l];
                    }
                }
            }
        }
        f
    }

    #[test]
    fn t13_level_1_equals_numerical_minimisation_over_the_free_strains() {
        let e = Electrostriction::default();
        let p = 0.2;
        for theta in [0.0, 0.3, 0.54, 1.0, std::f64::consts::FRAC_PI_2] {
            // The energy is quadratic in (ε11, ε12): Newton's method with finite-difference
            // derivatives lands on the minimum in one step; take three.
            let (mut x, mut y) = (0.0f64, 0.0f64);
            let h = 1e-4;
            for _ in 0..3 {
                let f = |a: f64, b: f64| energy(&e, theta, p, a, b);
                let gx = (f(x + h, y) - f(x - h, y)) / (2.0 * h);
                let gy = (f(x, y + h) - f(x, y - h)) / (2.0 * h);
                let hxx = (f(x + h, y) - 2.0 * f(x, y) + f(x - h, y)) / (h * h);
                let hyy = (f(x, y + h) - 2.0 * f(x, y) + f(x, y - h)) / (h * h);
                let hxy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h))
                    / (4.0 * h * h);
                let det = hxx * hyy - hxy * hxy;
                x -= (hyy * gx - hxy * gy) / det;
                y -= (hxx * gy - hxy * gx) / det;
            }
            let minimum = energy(&e, theta, p, x, y);
            let closed = e.quartic_coefficient(theta) * p.powi(4);
            assert!(
                (minimum - closed).abs() < 1e-6 * closed,
                "θ = {theta}: {minimum} vs {closed}"
            );
        }
        // Spec §7's values for the placeholders: 8.0e7 at θ = 0, 3.1e8 at θ = π/2.
        assert!((e.quartic_coefficient(0.0) - 8.0e7).abs() < 0.05e7);
        assert!((e.quartic_coefficient(std::f64::consts::FRAC_PI_2) - 3.1e8).abs() < 0.05e8);
    }
}
