//! The variational pieces: the reparameterisation `z = mu + exp(log_var / 2) eps`, the KL
//! divergence of `N(mu, exp(log_var))` from `N(0, 1)` (also in terms of the log standard
//! deviation, as the rVAE's encoder gives it), the rVAE's sd-only KL of the rotation angle,
//! and the L1 activity penalty. Each returns sums; the model applies its own normalisation
//! (per batch, per element).

use super::super::real::Real;

/// The prior standard deviation of the rVAE's angle latent (AtomAI's `rotation_prior`, papers
/// 002/004): [`rotation_kl_sd_only`] pulls the angle's spread towards it.
pub const DEFAULT_ROTATION_PRIOR_SD: f64 = 0.1;

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

/// The KL divergence of `N(mu, sd^2)` from `N(0, 1)` with the encoder's log standard
/// deviations `log_sd` (`sd = exp(log_sd)`): `sum (-log sd + sd^2 / 2 + mu^2 / 2 - 1/2)`,
/// adding `scale` times its gradient to `dmu` (`mu`) and `dlog_sd` (`sd^2 - 1`). The same value
/// as [`gaussian_kl`] at `log_var = 2 log_sd`.
pub fn gaussian_kl_log_sd<T: Real>(
    mu: &[T],
    log_sd: &[T],
    scale: T,
    dmu: &mut [T],
    dlog_sd: &mut [T],
) -> f64 {
    let half = T::of(0.5);
    let mut sum = 0.0;
    for k in 0..mu.len() {
        let var = (log_sd[k] + log_sd[k]).exp();
        sum += (-log_sd[k] + half * (var + mu[k] * mu[k] - T::one())).to_f64_exact();
        dmu[k] += scale * mu[k];
        dlog_sd[k] += scale * (var - T::one());
    }
    sum
}

/// The rVAE's KL term of the angle (AtomAI's `rvae_loss`): the divergence of `N(m, sd^2)` from
/// `N(m, s^2)` with `s = prior_sd`, `sum (-log sd + log s + sd^2 / (2 s^2) - 1/2)`. It has no
/// mean term, so the angle's mean is free to take any value and only its spread is pulled to
/// `s`; the function does not take the mean. Adds `scale` times the gradient to `dlog_sd`:
/// `sd^2 / s^2 - 1`.
pub fn rotation_kl_sd_only<T: Real>(log_sd: &[T], prior_sd: T, scale: T, dlog_sd: &mut [T]) -> f64 {
    let (half, log_s, s2) = (T::of(0.5), prior_sd.ln(), prior_sd * prior_sd);
    let mut sum = 0.0;
    for (l, g) in log_sd.iter().zip(dlog_sd) {
        let ratio = (*l + *l).exp() / s2;
        sum += (-*l + log_s + half * ratio - half).to_f64_exact();
        *g += scale * (ratio - T::one());
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
    fn kl_in_log_sd_is_the_log_var_kl_and_its_gradient_matches_finite_differences() {
        let (mu, lv, _) = inputs();
        let log_sd: Vec<f64> = lv.iter().map(|v| 0.5 * v).collect();
        let (mut dmu, mut dls) = (vec![0.0; 7], vec![0.0; 7]);
        let kl = gaussian_kl_log_sd(&mu, &log_sd, 1.0, &mut dmu, &mut dls);
        let by_var = gaussian_kl(&mu, &lv, 0.0, &mut [0.0; 7], &mut [0.0; 7]);
        assert!(
            (kl - by_var).abs() < 1e-14 * by_var.abs().max(1.0),
            "{kl} {by_var}"
        );
        assert_eq!(dmu, mu);
        let all: Vec<usize> = (0..7).collect();
        let f = |m: &[f64], l: &[f64]| gaussian_kl_log_sd(m, l, 0.0, &mut [0.0; 7], &mut [0.0; 7]);
        assert!(relative_error(&dls, &finite_differences(|l| f(&mu, l), &log_sd, &all)) < 1e-6);
        assert!(relative_error(&dmu, &finite_differences(|m| f(m, &log_sd), &mu, &all)) < 1e-6);
        // Zero at the prior.
        let zeros = [0.0; 7];
        assert_eq!(f(&zeros, &zeros), 0.0);
    }

    #[test]
    fn rotation_kl_has_no_mean_term_and_the_gradient_is_sd2_over_s2_minus_1() {
        let (_, lv, _) = inputs();
        let log_sd: Vec<f64> = lv.iter().map(|v| 0.5 * v - 1.5).collect();
        let s = DEFAULT_ROTATION_PRIOR_SD;
        let mut g = vec![0.0; 7];
        let kl = rotation_kl_sd_only(&log_sd, s, 2.0, &mut g);
        // The analytic gradient, times the scale.
        for (l, g) in log_sd.iter().zip(&g) {
            let want = 2.0 * ((2.0 * l).exp() / (s * s) - 1.0);
            assert!((g - want).abs() < 1e-12 * want.abs().max(1.0), "{g} {want}");
        }
        let all: Vec<usize> = (0..7).collect();
        let f = |l: &[f64]| rotation_kl_sd_only(l, s, 0.0, &mut [0.0; 7]);
        let fd = finite_differences(f, &log_sd, &all);
        let half: Vec<f64> = g.iter().map(|v| v / 2.0).collect();
        assert!(relative_error(&half, &fd) < 1e-6);
        // It is the KL of N(m, sd^2) from N(m, s^2) for any mean m: the standard KL of
        // N(0, (sd/s)^2) from N(0, 1).
        let scaled: Vec<f64> = log_sd.iter().map(|l| l - s.ln()).collect();
        let standard = gaussian_kl_log_sd(&[0.0; 7], &scaled, 0.0, &mut [0.0; 7], &mut [0.0; 7]);
        assert!((kl - standard).abs() < 1e-13 * standard.abs().max(1.0));
        // Zero when the spread equals the prior's; f32 agrees with f64.
        assert!(f(&[s.ln(); 7]).abs() < 1e-15);
        let l32: Vec<f32> = log_sd.iter().map(|v| *v as f32).collect();
        let mut g32 = vec![0.0f32; 7];
        let kl32 = rotation_kl_sd_only(&l32, s as f32, 2.0, &mut g32);
        assert!((kl32 - kl).abs() < 1e-4 * kl.abs().max(1.0));
        let g32: Vec<f64> = g32.iter().map(|v| f64::from(*v)).collect();
        assert!(relative_error(&g32, &g) < 1e-4);
    }

    #[test]
    fn reparameterising_with_twice_the_log_sd_uses_sd() {
        let (mu, lv, eps) = inputs();
        let log_sd: Vec<f64> = lv.iter().map(|v| 0.5 * v).collect();
        let twice: Vec<f64> = log_sd.iter().map(|v| 2.0 * v).collect();
        let (z, sd) = reparameterise(&mu, &twice, &eps);
        for k in 0..7 {
            assert!((sd[k] - log_sd[k].exp()).abs() < 1e-15);
            assert!((z[k] - (mu[k] + log_sd[k].exp() * eps[k])).abs() < 1e-15);
        }
    }

    #[test]
    fn l1_gradient_is_the_sign() {
        let a = [-2.0, 0.0, 3.0f32];
        let mut g = [0.0f32; 3];
        assert_eq!(activity_l1(&a, 0.5, &mut g), 5.0);
        assert_eq!(g, [-0.5, 0.0, 0.5]);
    }
}
