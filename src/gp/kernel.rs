//! Covariance functions: a signal variance times a stationary correlation (RBF or Matérn
//! 3/2, 5/2; one length scale or one per input dimension), plus white noise.
//!
//! Hyper-parameters live in log space, as in scikit-learn: `[log σ², log ℓ_1..ℓ_L]` with
//! L = 1 (isotropic) or the input dimension (ARD).

crate::text_option! {
    /// The correlation family, named as in model files.
    pub enum KernelKind {
        /// Squared exponential, `exp(−r²/2)`.
        Rbf = "rbf",
        /// Matérn ν = 3/2, `(1 + √3 r) exp(−√3 r)`.
        Matern32 = "matern32",
        /// Matérn ν = 5/2, `(1 + √5 r + 5r²/3) exp(−√5 r)`.
        Matern52 = "matern52",
    }
}

impl KernelKind {
    /// Correlation at scaled squared distance `r2`, and `g` with `∂k/∂log ℓ_d = σ² g Δ_d²/ℓ_d²`.
    #[inline]
    pub fn correlation_and_slope(self, r2: f64) -> (f64, f64) {
        match self {
            KernelKind::Rbf => {
                let k = (-0.5 * r2).exp();
                (k, k)
            }
            KernelKind::Matern32 => {
                let s = (3.0 * r2).sqrt();
                let e = (-s).exp();
                ((1.0 + s) * e, 3.0 * e)
            }
            KernelKind::Matern52 => {
                let s = (5.0 * r2).sqrt();
                let e = (-s).exp();
                ((1.0 + s + s * s / 3.0) * e, 5.0 / 3.0 * (1.0 + s) * e)
            }
        }
    }
}

/// A kernel with its current hyper-parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// Correlation family.
    pub kind: KernelKind,
    /// Signal variance σ².
    pub signal_variance: f64,
    /// Length scales: one (isotropic) or one per input dimension (ARD).
    pub length_scales: Vec<f64>,
}

impl Kernel {
    /// Scaled squared distance between two points.
    #[inline]
    pub fn scaled_distance2(&self, a: &[f64], b: &[f64]) -> f64 {
        if let [l] = self.length_scales[..] {
            a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>() / (l * l)
        } else {
            a.iter()
                .zip(b)
                .zip(&self.length_scales)
                .map(|((x, y), l)| (x - y) * (x - y) / (l * l))
                .sum()
        }
    }

    /// k(a, b) without noise.
    #[inline]
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        self.signal_variance
            * self
                .kind
                .correlation_and_slope(self.scaled_distance2(a, b))
                .0
    }

    /// Log hyper-parameters `[log σ², log ℓ...]`.
    pub fn theta(&self) -> Vec<f64> {
        std::iter::once(self.signal_variance.ln())
            .chain(self.length_scales.iter().map(|l| l.ln()))
            .collect()
    }

    /// The same kernel at log hyper-parameters `theta` (as from [`Kernel::theta`]).
    pub fn with_theta(&self, theta: &[f64]) -> Self {
        Self {
            kind: self.kind,
            signal_variance: theta[0].exp(),
            length_scales: theta[1..=self.length_scales.len()]
                .iter()
                .map(|t| t.exp())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slopes_are_the_log_length_scale_derivatives() {
        for kind in [KernelKind::Rbf, KernelKind::Matern32, KernelKind::Matern52] {
            let k = Kernel {
                kind,
                signal_variance: 1.7,
                length_scales: vec![0.8, 1.3],
            };
            let (a, b) = ([0.3, -0.2], [1.1, 0.4]);
            let r2 = k.scaled_distance2(&a, &b);
            let (_, g) = kind.correlation_and_slope(r2);
            for d in 0..2 {
                let h = 1e-6;
                let mut theta = k.theta();
                theta[1 + d] += h;
                let up = k.with_theta(&theta).eval(&a, &b);
                theta[1 + d] -= 2.0 * h;
                let down = k.with_theta(&theta).eval(&a, &b);
                let fd = (up - down) / (2.0 * h);
                let delta = (a[d] - b[d]) / k.length_scales[d];
                let analytic = k.signal_variance * g * delta * delta;
                assert!(
                    (fd - analytic).abs() < 1e-8,
                    "{kind:?} dim {d}: {fd} vs {analytic}"
                );
            }
        }
    }

    #[test]
    fn matern_limits() {
        // At zero distance every correlation is 1; Matérn 5/2 lies between 3/2 and RBF.
        for kind in [KernelKind::Rbf, KernelKind::Matern32, KernelKind::Matern52] {
            assert_eq!(kind.correlation_and_slope(0.0).0, 1.0);
        }
        let r2 = 0.7;
        let [a, b, c] = [KernelKind::Matern32, KernelKind::Matern52, KernelKind::Rbf]
            .map(|k| k.correlation_and_slope(r2).0);
        assert!(a < b && b < c);
    }
}
