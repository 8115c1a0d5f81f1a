//! The decoded latent space: loop features over a grid of latent points (paper 000 Fig. 4),
//! the region whose decoded loops meet every target window (Fig. 5), and the chosen point.

use super::DesignError;
use crate::loops::features::loop_features;
use crate::nn::MlpVae;
use ndarray::Array2;
use rayon::prelude::*;

/// Features Ec, Pr, Ps, area of decoded loops over a `steps x steps` grid of `[lo, hi]^2`.
pub struct LatentMap {
    /// Grid points (steps^2 x 2; the second coordinate varies fastest).
    pub z: Array2<f64>,
    /// Decoded loops (steps^2 x points).
    pub loops: Array2<f64>,
    /// Ec, Pr, Ps, area per grid point (NaN where a decoded loop has no defined feature).
    pub features: Array2<f64>,
    /// Points per axis.
    pub steps: usize,
}

/// Decode the grid and measure every decoded loop.
pub fn map_latent(
    vae: &MlpVae,
    voltage: &[f64],
    thickness_m: f64,
    steps: usize,
) -> Result<LatentMap, DesignError> {
    let (z, loops) = vae.decode_grid(-2.0, 2.0, steps)?;
    let rows: Vec<[f64; 4]> = crate::parallel::install(|| {
        (0..loops.nrows())
            .into_par_iter()
            .map(|i| {
                match loop_features(voltage, loops.row(i).as_slice().expect("row"), thickness_m) {
                    Ok(f) => {
                        let a = f.to_array();
                        [a[0], a[1], a[2], a[3]]
                    }
                    Err(_) => [f64::NAN; 4],
                }
            })
            .collect()
    })
    .map_err(|e| DesignError::Invalid(e.to_string()))?;
    let features = Array2::from_shape_fn((rows.len(), 4), |(i, j)| rows[i][j]);
    Ok(LatentMap {
        z,
        loops,
        features,
        steps,
    })
}

/// Whether each grid point's features lie inside every window.
pub fn feasible(features: &Array2<f64>, windows: &[[f64; 2]; 4]) -> Vec<bool> {
    features
        .outer_iter()
        .map(|f| {
            f.iter()
                .zip(windows)
                .all(|(v, [lo, hi])| *v >= *lo && *v <= *hi)
        })
        .collect()
}

/// Whether an encoded loop (`latent`, n x 2) lies within `radius` of each grid point.
pub fn supported(map: &LatentMap, latent: &Array2<f64>, radius: f64) -> Vec<bool> {
    map.z
        .outer_iter()
        .map(|g| {
            latent
                .outer_iter()
                .any(|l| (l[0] - g[0]).powi(2) + (l[1] - g[1]).powi(2) <= radius * radius)
        })
        .collect()
}

/// The feasible grid point farthest from the region's boundary (the nearest infeasible grid
/// point, or the edge of the grid, whichever is closer), and that distance in latent units.
/// `None` when no point is feasible.
pub fn choose_point(map: &LatentMap, ok: &[bool]) -> Option<(usize, f64)> {
    let z = &map.z;
    let spacing = 4.0 / (map.steps - 1) as f64;
    let infeasible: Vec<usize> = (0..ok.len()).filter(|i| !ok[*i]).collect();
    (0..ok.len())
        .filter(|i| ok[*i])
        .map(|i| {
            let (a, b) = (z[[i, 0]], z[[i, 1]]);
            // Beyond the grid nothing is known: its edge (one spacing out) bounds the region.
            let edge = [a + 2.0, 2.0 - a, b + 2.0, 2.0 - b]
                .into_iter()
                .fold(f64::INFINITY, f64::min)
                + spacing;
            let nearest = infeasible
                .iter()
                .map(|&j| ((z[[j, 0]] - a).powi(2) + (z[[j, 1]] - b).powi(2)).sqrt())
                .fold(edge, f64::min);
            (i, nearest)
        })
        .fold(None, |best: Option<(usize, f64)>, (i, d)| match best {
            Some((_, bd)) if bd >= d => best,
            _ => Some((i, d)),
        })
}

/// For an infeasible design: the grid point with the smallest worst violation, measured in
/// window widths, and each feature's miss (0 inside its window).
pub fn nearest_miss(features: &Array2<f64>, windows: &[[f64; 2]; 4]) -> Option<(usize, [f64; 4])> {
    let miss = |f: ndarray::ArrayView1<f64>| -> [f64; 4] {
        std::array::from_fn(|k| {
            let [lo, hi] = windows[k];
            let v = f[k];
            if v < lo {
                v - lo
            } else if v > hi {
                v - hi
            } else {
                0.0
            }
        })
    };
    let score = |m: &[f64; 4]| {
        m.iter()
            .zip(windows)
            .map(|(d, [lo, hi])| d.abs() / (hi - lo).max(1e-12))
            .fold(0.0f64, f64::max)
    };
    features
        .outer_iter()
        .enumerate()
        .filter(|(_, f)| f.iter().all(|v| v.is_finite()))
        .map(|(i, f)| (i, miss(f)))
        .min_by(|a, b| score(&a.1).total_cmp(&score(&b.1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disc-shaped feasible region on the grid: the chosen point is its centre, at a distance
    /// of about its radius from the boundary.
    #[test]
    fn chosen_point_is_the_centre_of_a_disc() {
        let steps = 41;
        let z = crate::nn::decode_grid_points(-2.0, 2.0, steps, 2).unwrap();
        let features = Array2::from_shape_fn((steps * steps, 4), |(i, _)| {
            ((z[[i, 0]] - 0.5).powi(2) + (z[[i, 1]] + 0.3).powi(2)).sqrt()
        });
        let map = LatentMap {
            z: z.clone(),
            loops: Array2::zeros((steps * steps, 1)),
            features: features.clone(),
            steps,
        };
        let ok = feasible(&features, &[[0.0, 0.8]; 4]);
        let (i, d) = choose_point(&map, &ok).unwrap();
        assert!((z[[i, 0]] - 0.5).abs() < 1e-12 && (z[[i, 1]] + 0.3).abs() < 1e-12);
        assert!((d - 0.9).abs() < 0.11, "{d}");
        assert!(choose_point(&map, &feasible(&features, &[[5.0, 6.0]; 4])).is_none());
        let (j, misses) = nearest_miss(&features, &[[5.0, 6.0]; 4]).unwrap();
        assert!(misses.iter().all(|m| *m < 0.0));
        // The grid corner farthest from the disc centre, (-2, 2), comes closest to 5.
        assert_eq!(j, steps - 1);
    }
}
