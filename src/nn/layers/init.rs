//! Weight initialisations of the two frameworks the papers' code used, drawn from the
//! project's generator so a seed fixes every weight.

use super::super::real::Real;
use crate::rng::Xoshiro256;
use faer::Mat;

/// Whose defaults a layer's initial weights follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InitScheme {
    /// Keras: Glorot-uniform kernels, orthogonal recurrent kernels, zero biases (LSTM forget
    /// gate bias 1), normalisation scale 1 and shift 0.
    Keras,
    /// PyTorch: weights and biases uniform in `±1/sqrt(fan_in)` (LSTM: `±1/sqrt(hidden)`),
    /// normalisation scale 1 and shift 0.
    PyTorch,
}

/// Uniform values in `[-bound, bound)`.
pub fn uniform<T: Real>(out: &mut [T], bound: f64, rng: &mut Xoshiro256) {
    out.iter_mut()
        .for_each(|v| *v = T::of(rng.uniform_in(-bound, bound)));
}

/// Glorot (Xavier) uniform: bound `sqrt(6 / (fan_in + fan_out))`.
pub fn glorot_uniform<T: Real>(out: &mut [T], fan_in: usize, fan_out: usize, rng: &mut Xoshiro256) {
    uniform(out, (6.0 / (fan_in + fan_out) as f64).sqrt(), rng);
}

/// A `rows x cols` row-major matrix with orthonormal columns (rows >= cols) or rows (rows <
/// cols): the Q factor of a standard-normal matrix, signs fixed by R's diagonal as Keras and
/// PyTorch do, so the distribution is uniform (Haar).
pub fn orthogonal<T: Real>(out: &mut [T], rows: usize, cols: usize, rng: &mut Xoshiro256) {
    let (tall, short) = (rows.max(cols), rows.min(cols));
    let a = Mat::<f64>::from_fn(tall, short, |_, _| rng.normal());
    let qr = a.qr();
    let q = qr.compute_thin_Q();
    let r = qr.thin_R();
    for i in 0..tall {
        for j in 0..short {
            let sign = if r[(j, j)] < 0.0 { -1.0 } else { 1.0 };
            let v = T::of(q[(i, j)] * sign);
            if rows >= cols {
                out[i * cols + j] = v;
            } else {
                out[j * cols + i] = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthogonal_matrices_have_orthonormal_columns_or_rows() {
        let mut rng = Xoshiro256::seed_from_u64(3);
        for (rows, cols) in [(8, 3), (3, 8), (5, 5)] {
            let mut m = vec![0.0f64; rows * cols];
            orthogonal(&mut m, rows, cols, &mut rng);
            // Gram matrix of the shorter side.
            let (n, len) = (rows.min(cols), rows.max(cols));
            for a in 0..n {
                for b in 0..n {
                    let dot: f64 = (0..len)
                        .map(|k| {
                            let at = |v: usize| {
                                if rows >= cols {
                                    m[k * cols + v]
                                } else {
                                    m[v * cols + k]
                                }
                            };
                            at(a) * at(b)
                        })
                        .sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!(
                        (dot - want).abs() < 1e-12,
                        "{rows}x{cols}: <{a},{b}> = {dot}"
                    );
                }
            }
        }
    }
}
