//! The variational pieces: the reparameterisation `z = mu + exp(log_var / 2) eps`, the KL
//! divergence of `N(mu, exp(log_var))` from `N(0, 1)`, and the L1 activity penalty. Each
//! returns sums; the model applies its own normalisation (per batch, per element).

use super::super::real::Real;

/// `z = mu + exp(log_var / 2) eps` and the standard deviations `exp(log_var / 2)`.
pub fn reparameterise<T: Real>(mu: &[T], log_var: &[T], eps: &[T]) -> (Vec<T>, Vec<T>) {
    let half = T::of(0.5);
    let std: Vec<T> = log_var.iter().map(|lv| (*lv * half).exp()).collect();
    let z = mu
        .iter()
        .zip(&std)
        .zip(eps)
        .map(|((m, s), e)| *m + *s * *e)
        .collect();
    (z, std)
}

/// Adds the gradients of `z` to those of `mu` and `log_var` (`dz` and `dz eps std / 2`).
pub fn reparameterise_backward<T: Real>(
    dz: &[T],
    eps: &[T],
    std: &[T],
    dmu: &mut [T],
    dlog_var: &mut [T],
) {
    let half = T::of(0.5);
    for k in 0..dz.len() {
        dmu[k] += dz[k];
        dlog_var[k] += dz[k] * eps[k] * std[k] * half;
    }
}

/// `sum 0.5 (mu^2 + exp(log_var) - log_var - 1)`, adding `scale` times its gradient to `dmu`
/// and `dlog_var`.
pub fn gaussian_kl<T: Real>(
    mu: &[T],
    log_var: &[T],
    scale: T,
    dmu: &mut [T],
    dlog_var: &mut [T],
) -> f64 {
    let half = T::of(0.5);
    let mut sum = 0.0;
    for k in 0..mu.len() {
        let var = log_var[k].exp();
        sum += (half * (mu[k] * mu[k] + var - log_var[k] - T::one())).to_f64_exact();
        dmu[k] += scale * mu[k];
        dlog_var[k] += scale * half * (var - T::one());
    }
    sum
}

/// `sum |a|`, adding `scale sign(a)` to `grad` (0 at 0, as the frameworks' subgradient).
pub fn activity_l1<T: Real>(a: &[T], scale: T, grad: &mut [T]) -> f64 {
    let mut sum = 0.0;
    for (v, g) in a.iter().zip(grad) {
        sum += v.abs().to_f64_exact();
        if *v > T::zero() {
            *g += scale;
        } else if *v < T::zero() {
            *g -= scale;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::{finite_differences, relative_error};
    use super::*;

    fn inputs() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mu: Vec<f64> = (0..7).map(|k| (k as f64 * 0.9).sin()).collect();
        let lv: Vec<f64> = (0..7).map(|k| (k as f64 * 0.5).cos() - 0.3).collect();
        let eps: Vec<f64> = (0..7).map(|k| (k as f64 * 1.3).sin() * 1.5).collect();
        (mu, lv, eps)
    }

    #[test]
    fn kl_is_zero_at_the_prior_and_its_gradient_matches_finite_differences() {
        let (mu, lv, _) = inputs();
        let zeros = vec![0.0; 7];
        assert_eq!(
            gaussian_kl(&zeros, &zeros, 1.0, &mut zeros.clone(), &mut zeros.clone()),
            0.0
        );
        let (mut dmu, mut dlv) = (vec![0.0; 7], vec![0.0; 7]);
        gaussian_kl(&mu, &lv, 1.0, &mut dmu, &mut dlv);
        let all: Vec<usize> = (0..7).collect();
        let kl = |m: &[f64], l: &[f64]| gaussian_kl(m, l, 0.0, &mut [0.0; 7], &mut [0.0; 7]);
        assert!(relative_error(&dmu, &finite_differences(|m| kl(m, &lv), &mu, &all)) < 1e-6);
        assert!(relative_error(&dlv, &finite_differences(|l| kl(&mu, l), &lv, &all)) < 1e-6);
    }

    #[test]
    fn reparameterisation_gradient_matches_finite_differences() {
        let (mu, lv, eps) = inputs();
        let r: Vec<f64> = (0..7).map(|k| 1.0 + k as f64 * 0.25).collect();
        let dot = |z: Vec<f64>| z.iter().zip(&r).map(|(a, b)| a * b).sum::<f64>();
        let (_, std) = reparameterise(&mu, &lv, &eps);
        let (mut dmu, mut dlv) = (vec![0.0; 7], vec![0.0; 7]);
        reparameterise_backward(&r, &eps, &std, &mut dmu, &mut dlv);
        let all: Vec<usize> = (0..7).collect();
        let fd_lv = finite_differences(|l| dot(reparameterise(&mu, l, &eps).0), &lv, &all);
        assert!(relative_error(&dlv, &fd_lv) < 1e-6);
        assert_eq!(dmu, r);
    }

    #[test]
    fn l1_gradient_is_the_sign() {
        let a = [-2.0, 0.0, 3.0f32];
        let mut g = [0.0f32; 3];
        assert_eq!(activity_l1(&a, 0.5, &mut g), 5.0);
        assert_eq!(g, [-0.5, 0.0, 0.5]);
    }
}
