//! A Gaussian filter of 2-D fields, shared by the synthetic maps of [`crate::beps`] (mixing
//! weights) and [`crate::experiment`] (the blurred structure image).

use ndarray::{Array2, ArrayView2, Axis};

/// `field` filtered by a Gaussian of standard deviation `sigma` pixels along both axes
/// (separable, kernel cut at 4 sigma and normalised to sum 1, edges reflected as
/// `d c b a | a b c d | d c b a`, i.e. SciPy's `gaussian_filter` with mode 'reflect').
/// `sigma = 0` returns the field unchanged.
pub(crate) fn gaussian_filter(field: ArrayView2<f64>, sigma: f64) -> Array2<f64> {
    if sigma == 0.0 {
        return field.to_owned();
    }
    let radius = (4.0 * sigma + 0.5) as isize;
    let kernel: Vec<f64> = (-radius..=radius)
        .map(|r| (-0.5 * (r as f64 / sigma).powi(2)).exp())
        .collect();
    let total: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|w| w / total).collect();
    let reflect = |i: isize, n: usize| -> usize {
        // Period 2n: i mod 2n, mirrored in the second half.
        let period = 2 * n as isize;
        let j = i.rem_euclid(period);
        (if j < n as isize { j } else { period - 1 - j }) as usize
    };
    let smooth_lanes = |input: &Array2<f64>, axis: Axis| -> Array2<f64> {
        let mut out = Array2::zeros(input.dim());
        for (lane_in, mut lane_out) in input.lanes(axis).into_iter().zip(out.lanes_mut(axis)) {
            let n = lane_in.len();
            for (i, o) in lane_out.iter_mut().enumerate() {
                *o = kernel
                    .iter()
                    .enumerate()
                    .map(|(t, w)| w * lane_in[reflect(i as isize + t as isize - radius, n)])
                    .sum();
            }
        }
        out
    };
    let along_rows = smooth_lanes(&field.to_owned(), Axis(1));
    smooth_lanes(&along_rows, Axis(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The impulse response is a Gaussian of the stated width: unit sum, centred,
    /// variance sigma^2 along each axis; edges reflect (a constant field stays constant).
    #[test]
    fn smoothing_has_the_stated_width() {
        let n = 81;
        let mut impulse = Array2::zeros((n, n));
        impulse[[40, 40]] = 1.0;
        let g = gaussian_filter(impulse.view(), 6.0);
        assert!((g.sum() - 1.0).abs() < 1e-12);
        let (mut var_r, mut var_c) = (0.0, 0.0);
        for ((r, c), w) in g.indexed_iter() {
            var_r += w * (r as f64 - 40.0).powi(2);
            var_c += w * (c as f64 - 40.0).powi(2);
        }
        assert!(
            (var_r - 36.0).abs() < 0.1 && (var_c - 36.0).abs() < 0.1,
            "{var_r} {var_c}"
        );
        let flat = gaussian_filter(Array2::from_elem((10, 7), 2.5).view(), 6.0);
        assert!(flat.iter().all(|v| (v - 2.5).abs() < 1e-12));
    }
}
