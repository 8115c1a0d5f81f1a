//! Softmax cross-entropy over the channel axis, per pixel: the U-Net's segmentation loss
//! (PyTorch's `nn.CrossEntropyLoss(weight=w, reduction="mean")` on logits `(B, K, H, W)` and
//! class indices `(B, H, W)`; any number of spatial axes, none for `(B, K)` rows):
//!
//! `loss = sum_i w[y_i] (-log softmax(x_i)[y_i]) / sum_i w[y_i]`
//!
//! over the pixels `i` (every sample and spatial position), with `w = 1` without class weights
//! (the mean over pixels). The gradient in the logits of pixel `i` is
//! `w[y_i] (softmax(x_i) - onehot(y_i)) / sum_j w[y_j]`. The log-sum-exp subtracts each pixel's
//! largest logit first, so large logits neither overflow nor lose the small ones.
//!
//! Samples are processed in parallel and their loss sums added in sample order, so results do
//! not depend on the number of threads.

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use rayon::prelude::*;

/// `(B, K, P)` of a logits tensor, or the error naming `what`.
fn classes_and_pixels<T>(what: &str, logits: &Tensor<T>) -> Result<(usize, usize, usize), NnError> {
    if logits.shape.len() < 2
        || logits.shape[1] == 0
        || logits.data.len() != logits.shape.iter().product::<usize>()
    {
        return Err(NnError::Invalid(format!(
            "{what}: logits of shape {:?} do not fit (B, K, ...) with K >= 1 classes",
            logits.shape
        )));
    }
    let (b, k) = (logits.shape[0], logits.shape[1]);
    Ok((b, k, logits.shape[2..].iter().product()))
}

/// For one sample's logits `x` `(K, P)`: each pixel's largest logit into `max`, `exp(x - max)`
/// into `exps` `(K, P)` and their sum over the classes into `sum`.
fn exponentials<T: Real>(x: &[T], pixels: usize, max: &mut [T], exps: &mut [T], sum: &mut [T]) {
    let mut rows = x.chunks_exact(pixels);
    max.copy_from_slice(rows.next().expect("K >= 1"));
    for row in rows {
        // A NaN logit is never larger, but its exponential makes the pixel's sum NaN below.
        max.iter_mut().zip(row).for_each(|(m, v)| {
            if *v > *m {
                *m = *v;
            }
        });
    }
    sum.fill(T::zero());
    for (e_row, row) in exps.chunks_exact_mut(pixels).zip(x.chunks_exact(pixels)) {
        for (((e, v), m), s) in e_row.iter_mut().zip(row).zip(&*max).zip(sum.iter_mut()) {
            *e = (*v - *m).exp();
            *s += *e;
        }
    }
}

/// The mean (class-weighted) per-pixel softmax cross-entropy of `logits` `(B, K, ...)` against
/// the class indices `targets` (`(B, ...)` row-major: one index in `0..K` per sample and
/// spatial position), with optional per-class weights `class_weights` `[K]` (finite, not
/// negative). Returns the loss and adds `scale` times its gradient in the logits to `dlogits`
/// (as long as `logits`).
///
/// Errors (naming the argument and the value): logits not of rank 2 or more or with no
/// class, a target count other than `B x spatial`, a target outside `0..K`, a weight count
/// other than `K`, a negative or non-finite weight, a total weight of the targets of zero (the
/// mean is undefined; PyTorch returns NaN), `dlogits` of another length.
///
/// ```
/// use ferrolab::nn::layers::softmax_cross_entropy;
/// use ferrolab::nn::tensor::Tensor;
/// // One 1 x 2 image with K = 2 classes: zero logits give log 2 per pixel.
/// let logits = Tensor::from_vec(&[1, 2, 1, 2], vec![0.0f64; 4]).unwrap();
/// let mut grad = vec![0.0; 4];
/// let loss = softmax_cross_entropy(&logits, &[0, 1], None, 1.0, &mut grad)?;
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// // (softmax - onehot) / pixels: class 0's row, then class 1's.
/// assert_eq!(grad, vec![-0.25, 0.25, 0.25, -0.25]);
/// // Class weights: only class 1's pixel counts.
/// let loss = softmax_cross_entropy(&logits, &[0, 1], Some(&[0.0, 3.0]), 0.0, &mut grad)?;
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// assert!(softmax_cross_entropy(&logits, &[0, 2], None, 1.0, &mut grad).is_err());
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn softmax_cross_entropy<T: Real>(
    logits: &Tensor<T>,
    targets: &[usize],
    class_weights: Option<&[T]>,
    scale: T,
    dlogits: &mut [T],
) -> Result<f64, NnError> {
    const WHAT: &str = "softmax_cross_entropy";
    let (batch, classes, pixels) = classes_and_pixels(WHAT, logits)?;
    if targets.len() != batch * pixels {
        return Err(NnError::Invalid(format!(
            "{WHAT}: targets has {} values, logits of shape {:?} need one per sample and \
             spatial position ({})",
            targets.len(),
            logits.shape,
            batch * pixels
        )));
    }
    if let Some(w) = class_weights {
        if w.len() != classes {
            return Err(NnError::Invalid(format!(
                "{WHAT}: class_weights has {} values for K = {classes} classes",
                w.len()
            )));
        }
        if let Some((c, v)) = w
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= T::zero()))
        {
            return Err(NnError::Invalid(format!(
                "{WHAT}: class_weights[{c}] = {v:?} is negative or not finite"
            )));
        }
    }
    if dlogits.len() != logits.data.len() {
        return Err(NnError::Invalid(format!(
            "{WHAT}: dlogits has {} values, logits of shape {:?} have {}",
            dlogits.len(),
            logits.shape,
            logits.data.len()
        )));
    }
    let weight = |t: usize| class_weights.map_or(T::one(), |w| w[t]);
    let mut total = 0.0f64;
    for (i, &t) in targets.iter().enumerate() {
        if t >= classes {
            return Err(NnError::Invalid(format!(
                "{WHAT}: targets[{i}] = {t} is not a class of 0..{classes}"
            )));
        }
        total += weight(t).to_f64_exact();
    }
    if total <= 0.0 {
        return Err(NnError::Invalid(format!(
            "{WHAT}: the class weights of the targets sum to {total} (the weighted mean needs a \
             positive total)"
        )));
    }
    if batch * pixels == 0 {
        return Ok(0.0);
    }
    // The gradient of pixel i is coefficient_i (softmax - onehot), coefficient_i =
    // scale w[y_i] / total.
    let per_weight = scale / T::of(total);
    let sums: Vec<f64> = logits
        .data
        .par_chunks(classes * pixels)
        .zip(dlogits.par_chunks_mut(classes * pixels))
        .zip(targets.par_chunks(pixels))
        .map_init(
            || vec![T::zero(); pixels * (classes + 3)],
            |buffer, ((x, dx), y)| {
                let (exps, rest) = buffer.split_at_mut(classes * pixels);
                let (max, rest) = rest.split_at_mut(pixels);
                let (sum, coefficient) = rest.split_at_mut(pixels);
                exponentials(x, pixels, max, exps, sum);
                let mut loss = 0.0;
                for (p, &t) in y.iter().enumerate() {
                    let w = weight(t);
                    // -log softmax = log sum exp(x - max) - (x_t - max).
                    let nll = sum[p].ln() - (x[t * pixels + p] - max[p]);
                    loss += (w * nll).to_f64_exact();
                    coefficient[p] = per_weight * w;
                    // softmax_k = exps_k / sum: scale the exponentials once per pixel.
                    sum[p] = coefficient[p] / sum[p];
                }
                for (d_row, e_row) in dx.chunks_exact_mut(pixels).zip(exps.chunks_exact(pixels)) {
                    d_row
                        .iter_mut()
                        .zip(e_row)
                        .zip(&*sum)
                        .for_each(|((d, e), c)| *d += *c * *e);
                }
                for (p, &t) in y.iter().enumerate() {
                    dx[t * pixels + p] -= coefficient[p];
                }
                loss
            },
        )
        .collect();
    Ok(sums.iter().sum::<f64>() / total)
}

/// The class probabilities of `logits` `(B, K, ...)`: the softmax over axis 1 at every sample
/// and spatial position (inference; the largest logit subtracted first).
///
/// ```
/// use ferrolab::nn::layers::softmax_channels;
/// use ferrolab::nn::tensor::Tensor;
/// // Two pixels, three classes: logits (0, 0, 0) and (1000, 0, 1000).
/// let logits = Tensor::from_vec(&[1, 3, 2], vec![0.0f32, 1000.0, 0.0, 0.0, 0.0, 1000.0]).unwrap();
/// let p = softmax_channels(&logits)?;
/// let third = 1.0 / 3.0;
/// assert_eq!(p.data, vec![third, 0.5, third, 0.0, third, 0.5]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn softmax_channels<T: Real>(logits: &Tensor<T>) -> Result<Tensor<T>, NnError> {
    let (_, classes, pixels) = classes_and_pixels("softmax_channels", logits)?;
    let mut out = Tensor {
        shape: logits.shape.clone(),
        data: vec![T::zero(); logits.data.len()],
    };
    if pixels > 0 {
        out.data
            .par_chunks_mut(classes * pixels)
            .zip(logits.data.par_chunks(classes * pixels))
            .for_each_init(
                || vec![T::zero(); 2 * pixels],
                |buffer, (p, x)| {
                    let (max, sum) = buffer.split_at_mut(pixels);
                    exponentials(x, pixels, max, p, sum);
                    sum.iter_mut().for_each(|s| *s = T::one() / *s);
                    for row in p.chunks_exact_mut(pixels) {
                        row.iter_mut().zip(&*sum).for_each(|(v, r)| *v *= *r);
                    }
                },
            );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::{finite_differences, probes, relative_error};
    use super::*;
    use crate::rng::Xoshiro256;

    /// Logits `(B, K, spatial...)` of normals times `spread`, targets in `0..K`.
    fn problem(shape: &[usize], spread: f64, seed: u64) -> (Tensor<f64>, Vec<usize>) {
        let mut rng = Xoshiro256::seed_from_u64(seed);
        let n = shape.iter().product();
        let logits =
            Tensor::from_vec(shape, (0..n).map(|_| spread * rng.normal()).collect()).unwrap();
        let count = n / shape[1];
        let targets = (0..count)
            .map(|_| (rng.uniform() * shape[1] as f64) as usize % shape[1])
            .collect();
        (logits, targets)
    }

    #[test]
    fn zero_logits_give_log_k_and_the_gradient_softmax_minus_onehot() {
        let (b, k, h, w) = (2, 5, 3, 4);
        let logits = Tensor::<f64>::zeros(&[b, k, h, w]);
        let targets: Vec<usize> = (0..b * h * w).map(|i| (i * 7) % k).collect();
        let scale = 3.0;
        let mut grad = vec![0.0; logits.data.len()];
        let loss = softmax_cross_entropy(&logits, &targets, None, scale, &mut grad).unwrap();
        assert!((loss - (k as f64).ln()).abs() < 1e-15, "{loss}");
        let pixels = (b * h * w) as f64;
        let (plane, n) = (h * w, b * h * w);
        for (i, g) in grad.iter().enumerate() {
            let (sample, class, p) = (i / (k * plane), (i / plane) % k, i % plane);
            let onehot = if targets[sample * plane + p] == class {
                1.0
            } else {
                0.0
            };
            let want = scale * (1.0 / k as f64 - onehot) / pixels;
            assert!((g - want).abs() < 1e-15, "{i}: {g} {want}");
        }
        assert_eq!(targets.len(), n);
    }

    #[test]
    fn a_weighted_worked_example() {
        // Two pixels, K = 2: logits (ln 3, 0) -> softmax (3/4, 1/4), target 1, weight 2;
        // (0, 0) -> (1/2, 1/2), target 0, weight 1/2.
        let logits = Tensor::from_vec(&[1, 2, 2], vec![3f64.ln(), 0.0, 0.0, 0.0]).unwrap();
        let mut grad = vec![0.0; 4];
        let loss =
            softmax_cross_entropy(&logits, &[1, 0], Some(&[0.5, 2.0]), 1.0, &mut grad).unwrap();
        let want = (2.0 * 4f64.ln() + 0.5 * 2f64.ln()) / 2.5;
        assert!((loss - want).abs() < 1e-15, "{loss} {want}");
        // Class 0 row: (2 * 3/4, 0.5 * (1/2 - 1)) / 2.5; class 1: (2 (1/4 - 1), 0.5 / 2) / 2.5.
        let want = [1.5 / 2.5, -0.25 / 2.5, -1.5 / 2.5, 0.25 / 2.5];
        assert!(relative_error(&grad, &want) < 1e-14, "{grad:?}");
    }

    #[test]
    fn gradients_match_finite_differences_accumulate_and_agree_in_f32() {
        for (shape, weighted) in [
            (vec![3, 4], false),
            (vec![2, 3, 5], true),
            (vec![2, 4, 3, 5], false),
            (vec![2, 4, 3, 5], true),
            (vec![1, 3, 2, 2, 3], true),
        ] {
            let (logits, targets) = problem(&shape, 2.0, shape.iter().product::<usize>() as u64);
            let k = shape[1];
            let weights: Vec<f64> = (0..k).map(|c| 0.5 + c as f64 * 0.7).collect();
            let w = weighted.then_some(&weights[..]);
            let scale = 1.7;
            let mut grad = vec![0.0; logits.data.len()];
            let loss = softmax_cross_entropy(&logits, &targets, w, scale, &mut grad).unwrap();
            let f = |x: &[f64]| {
                let t = Tensor::from_vec(&shape, x.to_vec()).unwrap();
                let mut g = vec![0.0; x.len()];
                softmax_cross_entropy(&t, &targets, w, 0.0, &mut g).unwrap()
            };
            assert_eq!(f(&logits.data), loss);
            let idx = probes(logits.data.len());
            let fd = finite_differences(f, &logits.data, &idx);
            let got: Vec<f64> = idx.iter().map(|&i| grad[i] / scale).collect();
            let err = relative_error(&got, &fd);
            assert!(err < 1e-6, "{shape:?} weighted={weighted}: {err:e}");

            // The gradient is added, not written.
            let mut twice = grad.clone();
            softmax_cross_entropy(&logits, &targets, w, scale, &mut twice).unwrap();
            let doubled: Vec<f64> = grad.iter().map(|g| 2.0 * g).collect();
            assert!(relative_error(&twice, &doubled) < 1e-15);

            // f32 against f64.
            let w32: Vec<f32> = weights.iter().map(|v| *v as f32).collect();
            let mut g32 = vec![0.0f32; grad.len()];
            let loss32 = softmax_cross_entropy(
                &logits.cast::<f32>(),
                &targets,
                weighted.then_some(&w32[..]),
                scale as f32,
                &mut g32,
            )
            .unwrap();
            assert!((loss32 - loss).abs() < 1e-4 * loss.abs().max(1.0));
            let g32: Vec<f64> = g32.iter().map(|v| f64::from(*v)).collect();
            assert!(relative_error(&g32, &grad) < 1e-4);
        }
    }

    #[test]
    fn large_logits_stay_finite_and_uniform_weights_give_the_mean() {
        let (mut logits, targets) = problem(&[2, 3, 4, 4], 1.0, 9);
        logits.data.iter_mut().for_each(|v| *v = *v * 1e3 + 5e3);
        let mut grad = vec![0.0f64; logits.data.len()];
        let loss = softmax_cross_entropy(&logits, &targets, None, 1.0, &mut grad).unwrap();
        assert!(loss.is_finite() && grad.iter().all(|g| g.is_finite()));
        let mut g2 = vec![0.0; grad.len()];
        let weighted =
            softmax_cross_entropy(&logits, &targets, Some(&[2.5; 3]), 1.0, &mut g2).unwrap();
        assert!((weighted - loss).abs() < 1e-12 * loss);
        assert!(relative_error(&g2, &grad) < 1e-15);
        // Each pixel's probabilities sum to 1 and its gradient to 0.
        let p = softmax_channels(&logits).unwrap();
        for s in 0..2 {
            for q in 0..16 {
                let at = |c: usize| s * 48 + c * 16 + q;
                assert!(((0..3).map(|c| p.data[at(c)]).sum::<f64>() - 1.0).abs() < 1e-15);
                assert!((0..3).map(|c| grad[at(c)]).sum::<f64>().abs() < 1e-15);
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (logits, targets) = problem(&[40, 3, 6, 5], 2.0, 3);
        let logits = logits.cast::<f32>();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut g = vec![0.0f32; logits.data.len()];
                let w = [0.3f32, 1.0, 2.0];
                let loss = softmax_cross_entropy(&logits, &targets, Some(&w), 1.0, &mut g).unwrap();
                (loss, g, softmax_channels(&logits).unwrap().data)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn errors_name_the_argument_and_the_value() {
        let logits = Tensor::<f64>::zeros(&[2, 3, 2, 2]);
        let targets = vec![0usize; 8];
        let mut g = vec![0.0; 24];
        let check = |t: &[usize], w: Option<&[f64]>, g: &mut [f64], want: &[&str]| {
            let err = softmax_cross_entropy(&logits, t, w, 1.0, g)
                .unwrap_err()
                .to_string();
            for s in want {
                assert!(err.contains(s), "{err} lacks {s}");
            }
        };
        let mut bad = targets.clone();
        bad[5] = 3;
        check(&bad, None, &mut g, &["targets[5] = 3", "0..3"]);
        check(
            &targets[..7],
            None,
            &mut g,
            &["targets has 7", "[2, 3, 2, 2]", "(8)"],
        );
        check(
            &targets,
            Some(&[1.0, 1.0]),
            &mut g,
            &["class_weights has 2", "K = 3"],
        );
        check(
            &targets,
            Some(&[1.0, -1.0, 1.0]),
            &mut g,
            &["class_weights[1] = -1"],
        );
        check(
            &targets,
            Some(&[1.0, 1.0, f64::NAN]),
            &mut g,
            &["class_weights[2] = NaN"],
        );
        check(
            &targets,
            Some(&[f64::INFINITY, 1.0, 1.0]),
            &mut g,
            &["class_weights[0] = inf"],
        );
        check(&targets, Some(&[0.0, 1.0, 1.0]), &mut g, &["sum to 0"]);
        check(&targets, None, &mut g[..23], &["dlogits has 23"]);
        let err = softmax_cross_entropy(
            &Tensor::<f64>::zeros(&[4]),
            &[0; 4],
            None,
            1.0,
            &mut [0.0; 4],
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("softmax_cross_entropy: logits of shape [4]"),
            "{err}"
        );
        let err = softmax_channels(&Tensor::<f64>::zeros(&[2, 0, 3])).unwrap_err();
        assert!(err.to_string().contains("softmax_channels"), "{err}");
    }
}
