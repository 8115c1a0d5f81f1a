//! Adam (Kingma and Ba 2015) on a flat `f32` parameter vector, with PyTorch's update rule
//! (`torch.optim.Adam`, no weight decay, no amsgrad), so that runs compare step for step.

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
        let step_size = (self.learning_rate / (1.0 - self.beta1.powi(t))) as f32;
        let inv_sqrt_bc2 = (1.0 / (1.0 - self.beta2.powi(t)).sqrt()) as f32;
        let (b1, b2, eps) = (self.beta1 as f32, self.beta2 as f32, self.eps as f32);
        let it = params
            .iter_mut()
            .zip(grad)
            .zip(self.m.iter_mut().zip(self.v.iter_mut()));
        for ((p, g), (m, v)) in it {
            *m = b1 * *m + (1.0 - b1) * g;
            *v = b2 * *v + (1.0 - b2) * g * g;
            *p -= step_size * *m / (v.sqrt() * inv_sqrt_bc2 + eps);
        }
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
