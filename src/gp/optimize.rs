//! A small bounded quasi-Newton minimiser: L-BFGS directions projected onto box bounds, with
//! a backtracking Armijo search along the projected path. Written here because the
//! hyper-parameter problems are tiny (2-10 variables) and no maintained crate offers bounds.

/// Result of a minimisation.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// The minimiser.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Iterations taken.
    pub iterations: usize,
}

fn project(x: &mut [f64], bounds: &[(f64, f64)]) {
    for (v, (lo, hi)) in x.iter_mut().zip(bounds) {
        *v = v.clamp(*lo, *hi);
    }
}

/// Minimise `f` (returning value and gradient, or None where it cannot be evaluated) from
/// `x0` within `bounds`.
pub fn minimize(
    mut f: impl FnMut(&[f64]) -> Option<(f64, Vec<f64>)>,
    x0: &[f64],
    bounds: &[(f64, f64)],
    max_iterations: usize,
) -> Option<Minimum> {
    const MEMORY: usize = 10;
    let mut x = x0.to_vec();
    project(&mut x, bounds);
    let (mut fx, mut g) = f(&x)?;
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    let mut iterations = 0;
    while iterations < max_iterations {
        iterations += 1;
        // Variables held at a bound by the gradient are frozen for this step.
        let free: Vec<bool> = x
            .iter()
            .zip(&g)
            .zip(bounds)
            .map(|((v, gi), (lo, hi))| !((*v <= *lo && *gi > 0.0) || (*v >= *hi && *gi < 0.0)))
            .collect();
        let projected_gradient = g
            .iter()
            .zip(&free)
            .map(|(gi, f)| if *f { gi.abs() } else { 0.0 })
            .fold(0.0, f64::max);
        if projected_gradient <= 1e-9 * (1.0 + fx.abs()) {
            break;
        }
        // Two-loop recursion on the free variables.
        let mut q: Vec<f64> = g
            .iter()
            .zip(&free)
            .map(|(gi, f)| if *f { *gi } else { 0.0 })
            .collect();
        let mut alphas = Vec::with_capacity(history.len());
        for (s, y, rho) in history.iter().rev() {
            let a = rho * s.iter().zip(&q).map(|(a, b)| a * b).sum::<f64>();
            for (qi, yi) in q.iter_mut().zip(y) {
                *qi -= a * yi;
            }
            alphas.push(a);
        }
        let gamma = history.last().map_or(
            1.0 / (1.0 + g.iter().map(|v| v * v).sum::<f64>().sqrt()),
            |(s, y, _)| {
                s.iter().zip(y).map(|(a, b)| a * b).sum::<f64>()
                    / y.iter().map(|v| v * v).sum::<f64>()
            },
        );
        for qi in &mut q {
            *qi *= gamma;
        }
        for ((s, y, rho), a) in history.iter().zip(alphas.iter().rev()) {
            let b = rho * y.iter().zip(&q).map(|(u, v)| u * v).sum::<f64>();
            for (qi, si) in q.iter_mut().zip(s) {
                *qi += (a - b) * si;
            }
        }
        let mut direction: Vec<f64> = q
            .iter()
            .zip(&free)
            .map(|(qi, f)| if *f { -qi } else { 0.0 })
            .collect();
        let mut slope: f64 = direction.iter().zip(&g).map(|(d, gi)| d * gi).sum();
        if slope >= 0.0 {
            // Not a descent direction: fall back to steepest descent and forget the history.
            history.clear();
            direction = g
                .iter()
                .zip(&free)
                .map(|(gi, f)| if *f { -gi } else { 0.0 })
                .collect();
            slope = -direction.iter().map(|d| d * d).sum::<f64>();
        }
        // Backtracking along the projected path.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            let mut trial: Vec<f64> = x
                .iter()
                .zip(&direction)
                .map(|(xi, d)| xi + step * d)
                .collect();
            project(&mut trial, bounds);
            if let Some((ft, gt)) = f(&trial)
                && ft <= fx + 1e-4 * step * slope
            {
                accepted = Some((trial, ft, gt));
                break;
            }
            step *= 0.5;
        }
        let Some((next, f_next, g_next)) = accepted else {
            break;
        };
        let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_next.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        let decrease = fx - f_next;
        x = next;
        fx = f_next;
        g = g_next;
        if sy
            > 1e-12
                * s.iter().map(|v| v * v).sum::<f64>().sqrt()
                * y.iter().map(|v| v * v).sum::<f64>().sqrt()
        {
            history.push((s, y, 1.0 / sy));
            if history.len() > MEMORY {
                history.remove(0);
            }
        }
        if decrease <= 1e-14 * (1.0 + fx.abs()) {
            break;
        }
    }
    Some(Minimum {
        x,
        value: fx,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum_and_respects_bounds() {
        let rosen = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            Some((f, g))
        };
        let m = minimize(rosen, &[-1.2, 1.0], &[(-5.0, 5.0), (-5.0, 5.0)], 500).unwrap();
        assert!(
            (m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] - 1.0).abs() < 1e-5,
            "{m:?}"
        );
        // With the minimum outside the box the answer sits on the bound: min (a−3)² on [0, 2].
        let m = minimize(
            |x| Some(((x[0] - 3.0).powi(2), vec![2.0 * (x[0] - 3.0)])),
            &[0.5],
            &[(0.0, 2.0)],
            100,
        )
        .unwrap();
        assert_eq!(m.x, [2.0]);
    }
}
