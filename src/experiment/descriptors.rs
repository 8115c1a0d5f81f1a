//! The structure descriptors that determine each location's loop in the simulated sample:
//! the a-fraction around it, the distance to the nearest a/c boundary and the direction of
//! that boundary.

use super::disc::disc;
use ndarray::{Array2, ArrayView2};

/// Per-pixel descriptors of an a-domain mask, each (rows, cols).
#[derive(Clone, Debug, PartialEq)]
pub struct Descriptors {
    /// f_a: the fraction of a-domain pixels among the image's pixels within the disc radius
    /// (pixel centres at distance <= radius; near the edges only the pixels inside count).
    pub fraction_a: Array2<f64>,
    /// d: distance in px from the pixel centre to the nearest a/c boundary. A boundary lies
    /// midway between two 4-neighbours of different domains (d = 0.5 next to it); infinite
    /// when the mask has a single domain.
    pub boundary_distance: Array2<f64>,
    /// n_x: the column (x) component of the unit vector from the pixel to its nearest boundary
    /// point; where several boundary points are equally near, the mean of their unit vectors'
    /// x components (0 at the centre of a symmetric lamella); 0 without a boundary.
    pub normal_x: Array2<f64>,
}

/// The descriptors of `mask` (true = a domain), the a-fraction averaged over discs of
/// `radius` px.
///
/// ```
/// use ferrolab::experiment::descriptors;
/// // One a-domain column (column 2) in a 3 x 5 field.
/// let mask = ndarray::Array2::from_shape_fn((3, 5), |(_, j)| j == 2);
/// let d = descriptors(mask.view(), 0.0);
/// assert_eq!(d.fraction_a[[1, 2]], 1.0);
/// assert_eq!(d.boundary_distance[[1, 0]], 1.5);
/// assert_eq!(d.normal_x[[1, 0]], 1.0); // the boundary is to the right
/// assert_eq!(d.normal_x[[1, 2]], 0.0); // equally near on both sides
/// ```
pub fn descriptors(mask: ArrayView2<bool>, radius: f64) -> Descriptors {
    let (rows, cols) = mask.dim();
    let fraction_a = Array2::from_shape_fn((rows, cols), |(i, j)| {
        let (mut inside, mut a) = (0usize, 0usize);
        for p in disc([i, j], radius, rows, cols) {
            inside += 1;
            a += usize::from(mask[p]);
        }
        a as f64 / inside as f64
    });
    let mut boundary_distance = Array2::from_elem((rows, cols), f64::INFINITY);
    let mut normal_x = Array2::zeros((rows, cols));
    // A single-domain mask has no boundary to search for.
    let first = mask.iter().next().copied();
    if mask.iter().any(|&m| Some(m) != first) {
        for ((i, j), d) in boundary_distance.indexed_iter_mut() {
            if let Some((distance, nx)) = nearest_boundary(mask, i, j) {
                *d = distance;
                normal_x[[i, j]] = nx;
            }
        }
    }
    Descriptors {
        fraction_a,
        boundary_distance,
        normal_x,
    }
}

/// Distance from pixel (i, j) to the nearest boundary midpoint and the mean x component of
/// the unit vectors to the nearest ones; `None` without a boundary. Searches squares of
/// half-width 1, 2, 4, ... around the pixel: every midpoint within distance R of it belongs
/// to a neighbour pair inside the square of half-width R, so the search stops once the
/// nearest point found is at most R away.
fn nearest_boundary(mask: ArrayView2<bool>, i: usize, j: usize) -> Option<(f64, f64)> {
    let (rows, cols) = mask.dim();
    let mut half = 1usize;
    loop {
        let mut best = f64::INFINITY;
        let (mut sum_x, mut ties) = (0.0, 0usize);
        let mut consider = |r: f64, c: f64| {
            let (dr, dc) = (r - i as f64, c - j as f64);
            let d = (dr * dr + dc * dc).sqrt();
            if d < best - 1e-12 {
                (best, sum_x, ties) = (d, dc / d, 1);
            } else if (d - best).abs() <= 1e-12 {
                sum_x += dc / d;
                ties += 1;
            }
        };
        for r in i.saturating_sub(half)..(i + half + 1).min(rows) {
            for c in j.saturating_sub(half)..(j + half + 1).min(cols) {
                if c + 1 < cols && mask[[r, c]] != mask[[r, c + 1]] {
                    consider(r as f64, c as f64 + 0.5);
                }
                if r + 1 < rows && mask[[r, c]] != mask[[r + 1, c]] {
                    consider(r as f64 + 0.5, c as f64);
                }
            }
        }
        if best <= half as f64 {
            return Some((best, sum_x / ties as f64));
        }
        if half > rows.max(cols) {
            return None;
        }
        half *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a brute-force search over every boundary midpoint, on a random mask.
    #[test]
    fn nearest_boundary_matches_brute_force() {
        let mut rng = crate::rng::Xoshiro256::seed_from_u64(1);
        let mask = Array2::from_shape_simple_fn((23, 31), || rng.uniform() < 0.1);
        let d = descriptors(mask.view(), 2.0);
        let mut points = Vec::new();
        for ((r, c), &m) in mask.indexed_iter() {
            if c + 1 < 31 && m != mask[[r, c + 1]] {
                points.push((r as f64, c as f64 + 0.5));
            }
            if r + 1 < 23 && m != mask[[r + 1, c]] {
                points.push((r as f64 + 0.5, c as f64));
            }
        }
        for ((i, j), &got) in d.boundary_distance.indexed_iter() {
            let want = points
                .iter()
                .map(|(r, c)| ((r - i as f64).powi(2) + (c - j as f64).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
            assert!((got - want).abs() < 1e-12, "({i}, {j}): {got} vs {want}");
            assert!(d.normal_x[[i, j]].abs() <= 1.0 + 1e-12);
        }
        let uniform = descriptors(Array2::from_elem((4, 4), true).view(), 3.0);
        assert!(uniform.boundary_distance.iter().all(|d| d.is_infinite()));
        assert!(uniform.fraction_a.iter().all(|&f| f == 1.0));
    }
}
