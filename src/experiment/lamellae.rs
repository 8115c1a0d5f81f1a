//! The a-domain mask of the simulated sample: lamellae along one axis at random spacings and
//! widths, vertical ones over the whole field and horizontal ones in the upper rows.

use super::SampleSettings;
use crate::rng::Xoshiro256;
use ndarray::Array2;

/// Which of `len` pixels along one axis lie in a lamella. Lamella k covers the pixels t with
/// `x_k <= t < x_k + w_k`; the first starts at `x_0 = -U[0, p_0)` (a random phase), then
/// `x_{k+1} = x_k + p_{k+1}`, with every spacing `p ~ U[period]` and every width
/// `w ~ U[width]`, drawn in the order p_0, then (w_k, p_{k+1}) for each lamella.
fn lamellae(len: usize, period: [f64; 2], width: [f64; 2], rng: &mut Xoshiro256) -> Vec<bool> {
    let mut inside = vec![false; len];
    let first_period = rng.uniform_in(period[0], period[1]);
    let mut start = -rng.uniform_in(0.0, first_period);
    while start < len as f64 {
        let w = rng.uniform_in(width[0], width[1]);
        let first = start.ceil().max(0.0) as usize;
        let end = ((start + w).ceil().max(0.0) as usize).min(len);
        for t in inside.iter_mut().take(end).skip(first) {
            *t = true;
        }
        start += rng.uniform_in(period[0], period[1]);
    }
    inside
}

/// The a-domain mask M (true = a domain): vertical lamellae (whole columns) everywhere, plus
/// horizontal lamellae (whole rows) in the rows above `horizontal_rows`; the vertical set is
/// drawn first from `rng`, then the horizontal one.
pub(crate) fn domain_mask(s: &SampleSettings, rng: &mut Xoshiro256) -> Array2<bool> {
    let columns = lamellae(s.cols, s.period_px, s.width_px, rng);
    let rows = lamellae(s.rows, s.period_px, s.width_px, rng);
    Array2::from_shape_fn((s.rows, s.cols), |(i, j)| {
        columns[j] || (i < s.horizontal_rows && rows[i])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spacings and widths stay in their ranges: runs of a-pixels are 2-4 px long (a run at
    /// either end may be cut), starts 10-16 px apart.
    #[test]
    fn runs_have_the_drawn_widths_and_spacings() {
        let mut rng = Xoshiro256::seed_from_u64(7);
        for _ in 0..50 {
            let line = lamellae(200, [10.0, 16.0], [2.0, 4.0], &mut rng);
            let starts: Vec<usize> = (1..200).filter(|&t| line[t] && !line[t - 1]).collect();
            for w in starts.windows(2) {
                // Pixel starts are the ceilings of real starts: within one pixel of the spacing.
                assert!((9..=17).contains(&(w[1] - w[0])), "{w:?}");
            }
            for &s in &starts {
                let run = (s..200).take_while(|&t| line[t]).count();
                assert!((2..=4).contains(&run) || s + run == 200, "run {run} at {s}");
            }
        }
    }
}
