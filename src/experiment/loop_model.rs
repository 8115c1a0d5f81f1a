//! The known structure -> loop mapping of the simulated sample (models.md 3.5).

use super::Descriptors;

/// The switching-loop parameters of one location, from its descriptors:
/// `A = 5 (1 - f_a)(1 - 0.5 e^(-d/2))`, `Vc = 4 + 3 e^(-d/2)`, `w = 1 + 2 f_a`,
/// `Vi = n_x e^(-d/2)` (+ an anomaly's shift), slope `0.05 f_a`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopParams {
    /// Switching amplitude A.
    pub amplitude: f64,
    /// Coercive voltage Vc, V.
    pub coercive_v: f64,
    /// Switching width w, V.
    pub width_v: f64,
    /// Imprint Vi, V.
    pub imprint_v: f64,
    /// Linear (dielectric) slope, 1/V.
    pub slope: f64,
}

impl LoopParams {
    /// The parameters of a location with a-fraction `fraction_a`, boundary distance
    /// `distance_px` (may be infinite) and boundary direction `normal_x`, its imprint shifted
    /// by `shift_v` (an anomaly's; 0 elsewhere).
    ///
    /// ```
    /// use ferrolab::experiment::LoopParams;
    /// let p = LoopParams::from_descriptors(0.0, f64::INFINITY, 0.0, 0.0);
    /// assert_eq!((p.amplitude, p.coercive_v, p.width_v, p.imprint_v), (5.0, 4.0, 1.0, 0.0));
    /// ```
    pub fn from_descriptors(
        fraction_a: f64,
        distance_px: f64,
        normal_x: f64,
        shift_v: f64,
    ) -> Self {
        let near = (-distance_px / 2.0).exp();
        Self {
            amplitude: 5.0 * (1.0 - fraction_a) * (1.0 - 0.5 * near),
            coercive_v: 4.0 + 3.0 * near,
            width_v: 1.0 + 2.0 * fraction_a,
            imprint_v: normal_x * near + shift_v,
            slope: 0.05 * fraction_a,
        }
    }

    /// The parameters of pixel `p` of descriptor maps `d`, its imprint shifted by `shift_v`.
    pub(crate) fn at(d: &Descriptors, p: [usize; 2], shift_v: f64) -> Self {
        Self::from_descriptors(
            d.fraction_a[p],
            d.boundary_distance[p],
            d.normal_x[p],
            shift_v,
        )
    }

    /// The loop at voltage `v` on branch `s` (+1 rising, -1 falling):
    /// `y = A tanh((V - s Vc - Vi) / w) + slope V`.
    ///
    /// ```
    /// use ferrolab::experiment::LoopParams;
    /// let p = LoopParams::from_descriptors(0.0, f64::INFINITY, 0.0, 0.0);
    /// // Rising through V = Vc = 4 V the loop crosses zero.
    /// assert_eq!(p.value(4.0, 1.0), 0.0);
    /// ```
    pub fn value(&self, v: f64, s: f64) -> f64 {
        self.amplitude * ((v - s * self.coercive_v - self.imprint_v) / self.width_v).tanh()
            + self.slope * v
    }

    /// The loop over a voltage cycle with its branches, written into `out`.
    pub(crate) fn fill(&self, voltage: &[f64], branch: &[f64], out: &mut [f64]) {
        for ((o, v), s) in out.iter_mut().zip(voltage).zip(branch) {
            *o = self.value(*v, *s);
        }
    }
}
