//! Adam (Kingma and Ba 2015) on a flat `f32` parameter vector, with PyTorch's update rule
//! (`torch.optim.Adam`, no weight decay, no amsgrad), so that runs compare step for step.

use rayon::prelude::*;

/// The optimiser and its state (moments and step count), all of which a checkpoint stores.
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// Learning rate.
    pub learning_rate: f64,
    /// Decay of the first moment (0.9).
    pub beta1: f64,
    /// Decay of the second moment (0.999).
    pub beta2: f64,
    /// Added to the denominator (1e-8).
    pub eps: f64,
    /// Steps taken.
    pub step: u64,
    /// First moments.
    pub m: Vec<f32>,
    /// Second moments.
    pub v: Vec<f32>,
}

impl Adam {
    /// Fresh state for `n` parameters with PyTorch's default betas and eps.
    pub fn new(n: usize, learning_rate: f64) -> Self {
        Self {
            learning_rate,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            step: 0,
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    /// One update of `params` with gradient `grad`:
    /// `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
    /// `p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
    ///
    /// ```
    /// use ferrolab::nn::adam::Adam;
    /// let mut p = vec![1.0f32];
    /// let mut opt = Adam::new(1, 0.1);
    /// opt.update(&mut p, &[2.0]);
    /// // The first step moves every parameter by about the learning rate.
    /// assert!((p[0] - 0.9).abs() < 1e-6);
    /// ```
    pub fn update(&mut self, params: &mut [f32], grad: &[f32]) {
        assert_eq!(params.len(), self.m.len(), "parameter count");
        assert_eq!(grad.len(), self.m.len(), "gradient length");
        self.step += 1;
        let t = self.step as i32;
        let rule = Rule {
            step_size: (self.learning_rate / (1.0 - self.beta1.powi(t))) as f32,
            inv_sqrt_bc2: (1.0 / (1.0 - self.beta2.powi(t)).sqrt()) as f32,
            b1: self.beta1 as f32,
            b2: self.beta2 as f32,
            eps: self.eps as f32,
        };
        // Element-wise, so splitting across threads changes nothing in the result.
        const CHUNK: usize = 1 << 14;
        params
            .par_chunks_mut(CHUNK)
            .zip(grad.par_chunks(CHUNK))
            .zip(
                self.m
                    .par_chunks_mut(CHUNK)
                    .zip(self.v.par_chunks_mut(CHUNK)),
            )
            .for_each(|((p, g), (m, v))| rule.apply(p, g, m, v));
    }
}

/// One step's constants.
#[derive(Clone, Copy)]
struct Rule {
    step_size: f32,
    inv_sqrt_bc2: f32,
    b1: f32,
    b2: f32,
    eps: f32,
}

impl Rule {
    #[inline(always)]
    fn body(self, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        let n = p.len();
        let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
        for i in 0..n {
            m[i] = self.b1 * m[i] + (1.0 - self.b1) * g[i];
            v[i] = self.b2 * v[i] + (1.0 - self.b2) * g[i] * g[i];
            p[i] -= self.step_size * m[i] / (v[i].sqrt() * self.inv_sqrt_bc2 + self.eps);
        }
    }

    fn apply(self, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 detected.
            return unsafe { self.apply_avx2(p, g, m, v) };
        }
        self.body(p, g, m, v)
    }

    /// The same arithmetic (no FMA), eight lanes wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn apply_avx2(self, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
        self.body(p, g, m, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adam minimises a convex quadratic; its first step has length lr in every coordinate
    /// (the bias-corrected ratio m / sqrt(v) is sign(g)), an analytic property of the rule.
    #[test]
    fn first_step_is_learning_rate_times_sign_and_quadratic_converges() {
        let mut p = vec![3.0f32, -2.0, 0.5];
        let mut opt = Adam::new(3, 0.01);
        let start = p.clone();
        let grad: Vec<f32> = p.iter().map(|x| 2.0 * x).collect();
        opt.update(&mut p, &grad);
        for (a, b) in p.iter().zip(&start) {
            assert!(((b - a).abs() - 0.01).abs() < 1e-6, "{a} {b}");
        }
        let mut opt = Adam::new(3, 0.05);
        for _ in 0..2000 {
            let grad: Vec<f32> = p.iter().map(|x| 2.0 * x).collect();
            opt.update(&mut p, &grad);
        }
        assert!(p.iter().all(|x| x.abs() < 1e-3), "{p:?}");
    }
}
