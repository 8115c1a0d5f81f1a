//! The coordinate grid of the rotationally invariant VAE (papers 002/004; docs/models.md,
//! "rVAE"): the pixel centres of an `h x w` image as points `(x, y)` in `[-1, 1]^2`, rotated by
//! an angle `phi` and shifted by an offset `d`, one transform per sample:
//!
//! `x' = R(phi) x + s d`, `R(phi) = [[cos phi, -sin phi], [sin phi, cos phi]]`
//!
//! applied to the column `(x, y)`, with `s` the translation scale (the translation prior, 0.1 in
//! AtomAI's rVAE). Pixel (row `r`, column `c`) sits at `x = -1 + 2c/(w - 1)`,
//! `y = 1 - 2r/(h - 1)`: `x` grows to the right, `y` upwards, and a positive `phi` turns the
//! points counter-clockwise. A decoder that draws its canonical image at the turned points
//! shows that image turned the other way (clockwise by `phi` as displayed).
//!
//! The decoder evaluates a network at the transformed points, so it draws one canonical image
//! and the angle and offsets carry the pose: the gradient flows to `phi` and `d` only (the grid
//! is fixed). Derivatives: `dx'/dphi = (-x sin phi - y cos phi, x cos phi - y sin phi)`,
//! `dx'/dd = s I`.

use super::super::error::{NnError, invalid};
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::{Layer, Weights, check_shape};

/// The translation scale of AtomAI's rVAE (its `translation_prior`): an offset latent of 1
/// moves the image by a tenth of its half-width.
pub const DEFAULT_TRANSLATION_SCALE: f64 = 0.1;

/// The fixed grid of an `h x w` image and the per-sample rotation and shift of its points.
///
/// ```
/// use ferrolab::nn::layers::RotateTranslate;
/// let grid = RotateTranslate::square(3, 0.1)?;
/// // A quarter turn takes the right-hand middle pixel (1, 0) to the top middle (0, 1).
/// let angle = [std::f64::consts::FRAC_PI_2];
/// let moved = grid.transform(&angle, &[0.0, 0.0])?; // (1, 9, 2)
/// let right_middle = 5; // row 1, column 2
/// assert!((moved.data[2 * right_middle] - 0.0).abs() < 1e-15);
/// assert!((moved.data[2 * right_middle + 1] - 1.0).abs() < 1e-15);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RotateTranslate {
    height: usize,
    width: usize,
    translation_scale: f64,
    /// `(x, y)` of every pixel, row-major over the image.
    grid: Vec<[f64; 2]>,
}

impl RotateTranslate {
    /// The grid of an `n x n` image.
    pub fn square(n: usize, translation_scale: f64) -> Result<Self, NnError> {
        Self::new(n, n, translation_scale)
    }

    /// The grid of an image of `height` rows and `width` columns (both at least 2, so the
    /// corners sit at +-1); `translation_scale` multiplies the offsets (finite).
    pub fn new(height: usize, width: usize, translation_scale: f64) -> Result<Self, NnError> {
        if height < 2 || width < 2 {
            return Err(invalid(format!(
                "coordinate grid: an image of {height} x {width} pixels has no extent to span [-1, 1]; height and width must be at least 2"
            )));
        }
        if !translation_scale.is_finite() {
            return Err(invalid(format!(
                "coordinate grid: translation_scale = {translation_scale} is not finite"
            )));
        }
        let (h1, w1) = ((height - 1) as f64, (width - 1) as f64);
        let grid = (0..height)
            .flat_map(|r| {
                (0..width).map(move |c| [-1.0 + 2.0 * c as f64 / w1, 1.0 - 2.0 * r as f64 / h1])
            })
            .collect();
        Ok(Self {
            height,
            width,
            translation_scale,
            grid,
        })
    }

    /// Rows of the image.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Columns of the image.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Points of the grid: `height x width`.
    pub fn points(&self) -> usize {
        self.grid.len()
    }

    /// What an offset of 1 moves the points by.
    pub fn translation_scale(&self) -> f64 {
        self.translation_scale
    }

    /// `(x, y)` of every pixel, row-major over the image.
    pub fn grid(&self) -> &[[f64; 2]] {
        &self.grid
    }

    fn check_batch<T>(&self, angle: &[T], offsets: &[T]) -> Result<(), NnError> {
        if offsets.len() != 2 * angle.len() {
            return Err(invalid(format!(
                "coordinate grid: {} angles need {} offsets (B, 2), not {}",
                angle.len(),
                2 * angle.len(),
                offsets.len()
            )));
        }
        Ok(())
    }

    /// The grid of each sample `b` rotated by `angle[b]` (radians) and shifted by
    /// `translation_scale * offsets[b]` (`(B, 2)` row-major): `(B, points, 2)`.
    pub fn transform<T: Real>(&self, angle: &[T], offsets: &[T]) -> Result<Tensor<T>, NnError> {
        self.check_batch(angle, offsets)?;
        let scale = T::of(self.translation_scale);
        let mut out = Vec::with_capacity(angle.len() * self.grid.len() * 2);
        for (phi, d) in angle.iter().zip(offsets.chunks_exact(2)) {
            let (sin, cos) = phi.sin_cos();
            let (dx, dy) = (scale * d[0], scale * d[1]);
            for [x, y] in &self.grid {
                let (x, y) = (T::of(*x), T::of(*y));
                out.push(cos * x - sin * y + dx);
                out.push(sin * x + cos * y + dy);
            }
        }
        Ok(Tensor {
            shape: vec![angle.len(), self.grid.len(), 2],
            data: out,
        })
    }

    /// The gradients in the angles `(B)` and offsets `(B, 2)` from the gradient `dy` of the
    /// transformed points `(B, points, 2)`: `sum_p dy_p . dx'_p/dphi` and `s sum_p dy_p`.
    pub fn transform_backward<T: Real>(
        &self,
        angle: &[T],
        dy: &Tensor<T>,
    ) -> Result<(Vec<T>, Vec<T>), NnError> {
        let want = [angle.len(), self.grid.len(), 2];
        if dy.shape != want || dy.data.len() != want.iter().product::<usize>() {
            return Err(invalid(format!(
                "coordinate grid: output gradient of shape {:?} does not fit {want:?}",
                dy.shape
            )));
        }
        let scale = T::of(self.translation_scale);
        let mut dangle = Vec::with_capacity(angle.len());
        let mut doffsets = Vec::with_capacity(2 * angle.len());
        for (phi, g) in angle.iter().zip(dy.data.chunks_exact(2 * self.grid.len())) {
            let (sin, cos) = phi.sin_cos();
            let (mut da, mut gx, mut gy) = (T::zero(), T::zero(), T::zero());
            for ([x, y], g) in self.grid.iter().zip(g.chunks_exact(2)) {
                let (x, y) = (T::of(*x), T::of(*y));
                da += g[0] * (-x * sin - y * cos) + g[1] * (x * cos - y * sin);
                gx += g[0];
                gy += g[1];
            }
            dangle.push(da);
            doffsets.extend([scale * gx, scale * gy]);
        }
        Ok((dangle, doffsets))
    }
}

/// The transform as a layer on packed `(B, 3)` rows `[phi, dx, dy]`: output `(B, points, 2)`,
/// no parameters.
impl<T: Real> Layer<T> for RotateTranslate {
    /// The input rows (the angles for backward).
    type Saved = Tensor<T>;

    fn forward(&self, _: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Tensor<T>), NnError> {
        check_shape("coordinate grid", x, 2, &[Some(3)])?;
        let (angle, offsets) = unpack(x);
        Ok((self.transform(&angle, &offsets)?, x.clone()))
    }

    fn backward(&self, _: Weights<T>, x: &Tensor<T>, dy: &Tensor<T>, _: &mut [T]) -> Tensor<T> {
        let (angle, _) = unpack(x);
        // The shapes were checked in forward; dy has the output's shape by the trait's contract.
        let (dangle, doffsets) = self
            .transform_backward(&angle, dy)
            .expect("the output gradient has the output's shape");
        let data = dangle
            .iter()
            .zip(doffsets.chunks_exact(2))
            .flat_map(|(a, d)| [*a, d[0], d[1]])
            .collect();
        Tensor {
            shape: x.shape.clone(),
            data,
        }
    }
}

/// Angles `(B)` and offsets `(B, 2)` of packed `(B, 3)` rows.
fn unpack<T: Real>(x: &Tensor<T>) -> (Vec<T>, Vec<T>) {
    let angle = x.data.chunks_exact(3).map(|r| r[0]).collect();
    let offsets = x.data.chunks_exact(3).flat_map(|r| [r[1], r[2]]).collect();
    (angle, offsets)
}

#[cfg(test)]
mod tests {
    use super::super::super::layout::ParamLayout;
    use super::super::gradcheck::{check_layer, finite_differences};
    use super::*;

    #[test]
    fn pixels_map_to_the_corners_and_rows_go_down() {
        let g = RotateTranslate::new(3, 5, 0.1).unwrap();
        assert_eq!(g.points(), 15);
        assert_eq!(g.grid()[0], [-1.0, 1.0]); // top left
        assert_eq!(g.grid()[4], [1.0, 1.0]); // top right
        assert_eq!(g.grid()[10], [-1.0, -1.0]); // bottom left
        assert_eq!(g.grid()[7], [0.0, 0.0]); // centre
        assert_eq!(g.grid()[1], [-0.5, 1.0]); // columns step 2/(w - 1)
    }

    #[test]
    fn a_zero_transform_is_the_grid_and_offsets_shift_by_the_scale() {
        let g = RotateTranslate::square(4, 0.25).unwrap();
        let y = g.transform(&[0.0, 0.0], &[0.0, 0.0, 2.0, -4.0]).unwrap();
        assert_eq!(y.shape, vec![2, 16, 2]);
        for (p, [x, yy]) in g.grid().iter().enumerate() {
            assert_eq!((y.data[2 * p], y.data[2 * p + 1]), (*x, *yy));
            let q = 32 + 2 * p;
            assert!((y.data[q] - (x + 0.5)).abs() < 1e-15);
            assert!((y.data[q + 1] - (yy - 1.0)).abs() < 1e-15);
        }
    }

    #[test]
    fn the_angle_jacobian_is_the_analytic_one() {
        // dx'/dphi = (-x sin - y cos, x cos - y sin) at every point, from the backward pass
        // with a unit output gradient on one coordinate, and from central differences.
        let g = RotateTranslate::new(3, 4, 0.1).unwrap();
        let phi = 0.7f64;
        let (sin, cos) = phi.sin_cos();
        for (p, [x, y]) in g.grid().iter().enumerate() {
            let want = [-x * sin - y * cos, x * cos - y * sin];
            for (axis, want) in want.iter().enumerate() {
                let mut dy = Tensor::zeros(&[1, g.points(), 2]);
                dy.data[2 * p + axis] = 1.0;
                let (dangle, doffsets) = g.transform_backward(&[phi], &dy).unwrap();
                assert!((dangle[0] - want).abs() < 1e-15, "point {p} axis {axis}");
                let mut d_offset = [0.0; 2];
                d_offset[axis] = 0.1;
                assert_eq!(doffsets, d_offset.to_vec());
                let fd = finite_differences(
                    |a| g.transform(a, &[0.3, -0.2]).unwrap().data[2 * p + axis],
                    &[phi],
                    &[0],
                );
                assert!((fd[0] - want).abs() < 1e-9, "{} vs {want}", fd[0]);
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences_and_f32_matches_f64() {
        let layout = ParamLayout::default();
        for (h, w, batch) in [(3, 4, 5), (6, 6, 70)] {
            let layer = RotateTranslate::new(h, w, 0.3).unwrap();
            check_layer(&layer, &layout, &[batch, 3], |_, _| {});
        }
    }

    #[test]
    fn bad_sizes_are_refused_naming_the_argument() {
        let err = RotateTranslate::new(1, 4, 0.1).unwrap_err().to_string();
        assert!(err.contains("at least 2"), "{err}");
        let err = RotateTranslate::square(4, f64::NAN)
            .unwrap_err()
            .to_string();
        assert!(err.contains("translation_scale"), "{err}");
        let g = RotateTranslate::square(4, 0.1).unwrap();
        let err = g
            .transform(&[0.0f64; 2], &[0.0; 3])
            .unwrap_err()
            .to_string();
        assert!(err.contains("offsets"), "{err}");
        let err = g
            .transform_backward(&[0.0f64; 2], &Tensor::zeros(&[2, 15, 2]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("output gradient"), "{err}");
        let err = Layer::<f64>::forward(&g, Weights::params(&[]), &Tensor::zeros(&[2, 2]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("coordinate grid"), "{err}");
    }

    #[test]
    fn a_rotation_keeps_distances_to_the_centre() {
        let g = RotateTranslate::square(5, 0.1).unwrap();
        let y = g.transform(&[1.234f64], &[0.0, 0.0]).unwrap();
        for (p, [x, yy]) in g.grid().iter().enumerate() {
            let r2 = y.data[2 * p].powi(2) + y.data[2 * p + 1].powi(2);
            assert!((r2 - (x * x + yy * yy)).abs() < 1e-14);
        }
    }
}
