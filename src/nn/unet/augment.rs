//! Paper 002's on-the-fly augmentation of a training crop and its mask: a random element of the
//! square's symmetry group (90-degree rotations and flips), a zoom-in, and a contrast change.
//! Every draw comes from the trainer's per-row standard-normal noise, so a run is reproduced by
//! its seed and a resumed run draws the same augmentations.
//!
//! AtomAI's `datatransform` (the code paper 002 used) draws a flip or a quarter turn, crops the
//! centre of the image by a zoom factor up to 2 and resizes it back (cubic), and raises the
//! image, scaled to [0, 1], to a power in [0.5, 2). Ours: the eight symmetries with equal
//! probability (a non-square crop only the four that keep its shape); a zoom factor uniform in
//! [1, `zoom`] with the crop window anywhere in the image, resized back by bilinear sampling
//! (the mask by nearest neighbour, so it keeps integer classes); the power log-uniform in
//! [1/`gamma`, `gamma`], so darker and brighter are equally likely.

use super::super::real::Real;

/// Standard-normal draws each training row uses (symmetry, zoom, window row, window column,
/// contrast).
pub const DRAWS: usize = 5;

/// What augmentation does to each training crop (keys `unet.rotation`, `unet.zoom`,
/// `unet.gamma`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augmentation {
    /// Random quarter turns and flips.
    pub symmetries: bool,
    /// Largest zoom factor (1: no zoom).
    pub zoom: f64,
    /// Largest contrast power (1: no contrast change).
    pub gamma: f64,
}

/// The standard normal's distribution function: a draw `z` as a uniform in (0, 1).
fn uniform(z: f32) -> f64 {
    0.5 * libm::erfc(-f64::from(z) / std::f64::consts::SQRT_2)
}

/// `image` scaled to [0, 1] by its minimum and maximum (a constant image becomes zeros): the
/// input scaling of training crops and of whole frames at inference (AtomAI's too).
pub fn min_max_scale<T: Real>(image: &mut [T]) {
    let (lo, hi) = image
        .iter()
        .fold((T::infinity(), T::neg_infinity()), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let range = hi - lo;
    for v in image.iter_mut() {
        *v = if range > T::zero() {
            (*v - lo) / range
        } else {
            T::zero()
        };
    }
}

/// Where output pixel `(r, c)` of an `h x w` image reads under symmetry `k` (0-7: bit 0 flips
/// the rows, bit 1 the columns, bit 2 transposes; transposing needs `h == w`).
fn symmetric_source(k: usize, r: usize, c: usize, h: usize, w: usize) -> (usize, usize) {
    let (r, c) = if k & 4 != 0 { (c, r) } else { (r, c) };
    let r = if k & 1 != 0 { h - 1 - r } else { r };
    let c = if k & 2 != 0 { w - 1 - c } else { c };
    (r, c)
}

/// Bilinear weights of output index `i` of `n` read from a window of `len` starting at
/// `start` (half-pixel centres, clamped at the window's edges).
fn sample(i: usize, n: usize, start: usize, len: usize) -> (usize, usize, f64) {
    let x = ((i as f64 + 0.5) * len as f64 / n as f64 - 0.5).clamp(0.0, (len - 1) as f64);
    let i0 = x.floor() as usize;
    let i1 = (i0 + 1).min(len - 1);
    (start + i0, start + i1, x - i0 as f64)
}

impl Augmentation {
    /// No augmentation.
    pub fn none() -> Self {
        Self {
            symmetries: false,
            zoom: 1.0,
            gamma: 1.0,
        }
    }

    /// Augments one `h x w` crop (`image` scaled to [0, 1]) and its `mask` (class indices as
    /// values) in place with the row's `noise` ([`DRAWS`] standard-normal values); `scratch`
    /// holds 2 h w values between calls.
    pub fn apply<T: Real>(
        &self,
        image: &mut [T],
        mask: &mut [T],
        h: usize,
        w: usize,
        noise: &[f32],
        scratch: &mut Vec<T>,
    ) {
        let n = h * w;
        scratch.resize(2 * n, T::zero());
        let u: [f64; DRAWS] = std::array::from_fn(|k| uniform(noise[k]));
        let symmetries = if h == w { 8.0 } else { 4.0 };
        let k = if self.symmetries {
            ((u[0] * symmetries) as usize).min(symmetries as usize - 1)
        } else {
            0
        };
        let z = 1.0 + u[1] * (self.zoom - 1.0);
        let (wh, ww) = if self.zoom > 1.0 {
            let side = |s: usize| ((s as f64 / z).round() as usize).clamp(1, s);
            (side(h), side(w))
        } else {
            (h, w)
        };
        let r0 = ((u[2] * (h - wh + 1) as f64) as usize).min(h - wh);
        let c0 = ((u[3] * (w - ww + 1) as f64) as usize).min(w - ww);
        let (out_image, out_mask) = scratch.split_at_mut(n);
        for r in 0..h {
            let (ra, rb, fr) = sample(r, h, r0, wh);
            // Nearest neighbour for the mask: the window pixel whose centre is closest.
            let rm = r0 + ((r as f64 + 0.5) * wh as f64 / h as f64) as usize;
            for c in 0..w {
                let (ca, cb, fc) = sample(c, w, c0, ww);
                let cm = c0 + ((c as f64 + 0.5) * ww as f64 / w as f64) as usize;
                let at = |rr: usize, cc: usize| {
                    let (sr, sc) = symmetric_source(k, rr, cc, h, w);
                    sr * w + sc
                };
                let v = |rr, cc| image[at(rr, cc)].to_f64_exact();
                let top = v(ra, ca) * (1.0 - fc) + v(ra, cb) * fc;
                let bottom = v(rb, ca) * (1.0 - fc) + v(rb, cb) * fc;
                out_image[r * w + c] = T::of(top * (1.0 - fr) + bottom * fr);
                out_mask[r * w + c] = mask[at(rm.min(r0 + wh - 1), cm.min(c0 + ww - 1))];
            }
        }
        let power = self.gamma.powf(2.0 * u[4] - 1.0);
        for (d, s) in image.iter_mut().zip(out_image.iter()) {
            *d = if self.gamma > 1.0 {
                T::of(s.to_f64_exact().max(0.0).powf(power))
            } else {
                *s
            };
        }
        mask.copy_from_slice(out_mask);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4 x 4 image of distinct values and a mask equal to it.
    fn pair() -> (Vec<f64>, Vec<f64>) {
        let image: Vec<f64> = (0..16).map(f64::from).collect();
        (image.clone(), image)
    }

    /// A standard-normal draw whose uniform is `u`.
    fn draw(u: f64) -> f32 {
        // Bisection on the distribution function: exact enough for the tests' choices.
        let (mut lo, mut hi) = (-10.0f64, 10.0f64);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if uniform(mid as f32) < u {
                lo = mid
            } else {
                hi = mid
            }
        }
        (0.5 * (lo + hi)) as f32
    }

    #[test]
    fn the_eight_symmetries_are_distinct_and_move_image_and_mask_together() {
        let aug = Augmentation {
            symmetries: true,
            ..Augmentation::none()
        };
        let mut seen = Vec::new();
        for k in 0..8 {
            let (mut image, mut mask) = pair();
            let noise = [draw((k as f64 + 0.5) / 8.0), 0.0, 0.0, 0.0, 0.0];
            aug.apply(&mut image, &mut mask, 4, 4, &noise, &mut Vec::new());
            assert_eq!(image, mask, "symmetry {k}");
            let mut sorted = image.clone();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(sorted, pair().0, "a permutation");
            seen.push(image);
        }
        // Symmetry 4 transposes: pixel (0, 1) reads (1, 0) = 4.
        assert_eq!(seen[4][1], 4.0);
        seen.sort_by(|a, b| a.partial_cmp(b).unwrap());
        seen.dedup();
        assert_eq!(seen.len(), 8);
    }

    #[test]
    fn a_non_square_crop_keeps_its_shape() {
        let aug = Augmentation {
            symmetries: true,
            ..Augmentation::none()
        };
        for k in 0..4 {
            let mut image: Vec<f64> = (0..6).map(f64::from).collect();
            let mut mask = image.clone();
            let noise = [draw((k as f64 + 0.5) / 4.0), 0.0, 0.0, 0.0, 0.0];
            aug.apply(&mut image, &mut mask, 2, 3, &noise, &mut Vec::new());
            // Rows stay rows of 3: flips only.
            let first_row: Vec<f64> = image[..3].to_vec();
            assert!(
                first_row == [0.0, 1.0, 2.0]
                    || first_row == [2.0, 1.0, 0.0]
                    || first_row == [3.0, 4.0, 5.0]
                    || first_row == [5.0, 4.0, 3.0],
                "{first_row:?}"
            );
        }
    }

    #[test]
    fn a_zoom_of_two_reads_a_half_size_window_and_keeps_mask_classes() {
        let aug = Augmentation {
            zoom: 2.0,
            ..Augmentation::none()
        };
        // Factor 2 (u = 1), window at the top left (u = 0): output (r, c) is the bilinear
        // sample of (r/2 - 1/4, c/2 - 1/4) clamped to the 4 x 4 window of the 8 x 8 image.
        let mut image: Vec<f64> = (0..64).map(|i| f64::from(i % 8 + 10 * (i / 8))).collect();
        let mut mask = image.clone();
        let noise = [0.0, draw(1.0 - 1e-9), draw(1e-9), draw(1e-9), 0.0];
        aug.apply(&mut image, &mut mask, 8, 8, &noise, &mut Vec::new());
        // The image is linear in (r, c), so bilinear sampling reproduces it inside the window.
        let expect = |r: f64, c: f64| {
            let clamp = |x: f64| x.clamp(0.0, 3.0);
            clamp(r / 2.0 - 0.25) * 10.0 + clamp(c / 2.0 - 0.25)
        };
        for r in 0..8 {
            for c in 0..8 {
                let v = image[r * 8 + c];
                assert!(
                    (v - expect(r as f64, c as f64)).abs() < 1e-9,
                    "({r}, {c}): {v}"
                );
                // The mask takes window pixel (r / 2, c / 2): an original value.
                assert_eq!(mask[r * 8 + c], ((r / 2) * 10 + c / 2) as f64);
            }
        }
    }

    #[test]
    fn contrast_raises_to_a_power_within_its_range() {
        let aug = Augmentation {
            gamma: 2.0,
            ..Augmentation::none()
        };
        for (u, power) in [(1e-9, 0.5), (0.5, 1.0), (1.0 - 1e-9, 2.0)] {
            let (mut image, mut mask) = (vec![0.25f64, 0.5, 1.0, 0.0], vec![0.0; 4]);
            aug.apply(
                &mut image,
                &mut mask,
                2,
                2,
                &[0.0, 0.0, 0.0, 0.0, draw(u)],
                &mut Vec::new(),
            );
            for (v, x) in image.iter().zip([0.25f64, 0.5, 1.0, 0.0]) {
                assert!(
                    (v - x.powf(power)).abs() < 1e-6,
                    "u {u}: {v} vs {x}^{power}"
                );
            }
        }
    }

    #[test]
    fn min_max_scaling_maps_to_the_unit_interval() {
        let mut image = vec![2.0f32, 4.0, 3.0];
        min_max_scale(&mut image);
        assert_eq!(image, [0.0, 1.0, 0.5]);
        let mut flat = vec![7.0f32; 3];
        min_max_scale(&mut flat);
        assert_eq!(flat, [0.0; 3]);
    }
}
