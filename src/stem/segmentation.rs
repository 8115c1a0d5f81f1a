//! Paper 002's raw frames for a segmenting U-Net: bright-field-STEM-like frames of domains,
//! dark domain walls and dark contaminant spots, blurred and noisy at a few documented levels,
//! with per-pixel class masks (0 domain, 1 wall, 2 contaminant) and the geometry they come
//! from. The walls follow [`wall_stack`]'s bias cycle.

use super::error::{StemError, invalid, non_negative, positive};
use super::walls::{Wall, WallStack, WallStackSettings, wall_stack};
use crate::filter::gaussian_filter;
use crate::limits::{bytes_of, check, total};
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::ArrayView2;
use std::f64::consts::{PI, TAU};

/// Mask class of a domain (background) pixel of [`SegmentationFrames::masks`].
pub const DOMAIN: u8 = 0;
/// Mask class of a domain-wall pixel.
pub const WALL: u8 = 1;
/// Mask class of a contaminant pixel (wins over [`WALL`] where both apply).
pub const CONTAMINANT: u8 = 2;

/// FWHM of a Gaussian over its standard deviation, 2 sqrt(2 ln 2).
const FWHM_PER_SIGMA: f64 = 2.354_820_045_030_949_3;

/// How a clean image is degraded: a Gaussian blur, then shot (Poisson-like) and read
/// (Gaussian) noise ([`degrade`]). Presets [`low`](Self::low) to
/// [`very_high`](Self::very_high) are the documented noise levels (**ours**).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Degradation {
    /// Standard deviation of the Gaussian blur, px (0: none).
    pub blur_sigma_px: f64,
    /// Shot noise: a pixel of blurred intensity `I` gets `shot_sd * sqrt(max(I, 0))` times a
    /// standard normal (the Gaussian approximation of Poisson counts, variance proportional to
    /// the intensity).
    pub shot_sd: f64,
    /// Read noise: standard deviation of the Gaussian noise added to every pixel.
    pub noise_sd: f64,
}

impl Degradation {
    /// No blur, no noise.
    pub const NONE: Self = Self {
        blur_sigma_px: 0.0,
        shot_sd: 0.0,
        noise_sd: 0.0,
    };

    /// Level 0: blur 0.5 px, shot 0.02, read noise 0.02.
    pub fn low() -> Self {
        Self {
            blur_sigma_px: 0.5,
            shot_sd: 0.02,
            noise_sd: 0.02,
        }
    }

    /// Level 1 (the default): blur 1 px, shot 0.04, read noise 0.05.
    pub fn medium() -> Self {
        Self {
            blur_sigma_px: 1.0,
            shot_sd: 0.04,
            noise_sd: 0.05,
        }
    }

    /// Level 2: blur 1.5 px, shot 0.08, read noise 0.10.
    pub fn high() -> Self {
        Self {
            blur_sigma_px: 1.5,
            shot_sd: 0.08,
            noise_sd: 0.10,
        }
    }

    /// Level 3: blur 2 px, shot 0.12, read noise 0.20.
    pub fn very_high() -> Self {
        Self {
            blur_sigma_px: 2.0,
            shot_sd: 0.12,
            noise_sd: 0.20,
        }
    }

    /// The four levels, 0 to 3, with their names.
    ///
    /// ```
    /// use ferrolab::stem::Degradation;
    /// let levels = Degradation::levels();
    /// assert_eq!(levels[0], ("low", Degradation::low()));
    /// assert!(levels.windows(2).all(|p| p[0].1.noise_sd < p[1].1.noise_sd));
    /// ```
    pub fn levels() -> [(&'static str, Self); 4] {
        [
            ("low", Self::low()),
            ("medium", Self::medium()),
            ("high", Self::high()),
            ("very_high", Self::very_high()),
        ]
    }

    pub(crate) fn check(&self, name: &str) -> Result<(), StemError> {
        check_blur(&format!("{name}.blur_sigma_px"), self.blur_sigma_px)?;
        non_negative(&format!("{name}.shot_sd"), self.shot_sd)?;
        non_negative(&format!("{name}.noise_sd"), self.noise_sd)?;
        Ok(())
    }
}

/// A blur's sigma: finite, not negative, and a kernel (radius 4 sigma + 0.5, truncated) within
/// the memory budget.
pub(crate) fn check_blur(name: &str, sigma: f64) -> Result<(), StemError> {
    non_negative(name, sigma)?;
    let radius = (4.0 * sigma + 0.5).floor();
    let taps = if radius < 1e15 {
        Some(2 * radius as u128 + 1)
    } else {
        None
    };
    let bytes = taps.and_then(|t| t.checked_mul(std::mem::size_of::<f64>() as u128));
    check(&format!("{name} = {sigma} (Gaussian kernel)"), bytes)?;
    Ok(())
}

impl Default for Degradation {
    fn default() -> Self {
        Self::medium()
    }
}

/// `image` (`h` x `w`, row-major) blurred by a Gaussian of `d.blur_sigma_px` (SciPy's
/// `gaussian_filter`, mode 'reflect', truncated at 4 sigma), then, pixel by pixel in row-major
/// order, `I + d.shot_sd sqrt(max(I, 0)) z1 + d.noise_sd z2` with two standard normals z1, z2
/// drawn from `rng` in that order (two draws per pixel, whatever the settings, so a level
/// changes no other draw).
///
/// Errors: a length other than `h * w`, a non-finite pixel, a negative or non-finite setting,
/// arrays beyond the memory budget.
///
/// ```
/// use ferrolab::rng::Xoshiro256;
/// use ferrolab::stem::{Degradation, degrade};
/// let image = vec![0.5f32; 16 * 16];
/// let clean = degrade(&image, 16, 16, &Degradation::NONE, &mut Xoshiro256::seed_from_u64(1))?;
/// assert_eq!(clean, image);
/// let noisy = degrade(&image, 16, 16, &Degradation::very_high(), &mut Xoshiro256::seed_from_u64(1))?;
/// let sd = (noisy.iter().map(|v| (v - 0.5).powi(2)).sum::<f32>() / 256.0).sqrt();
/// assert!(sd > 0.15 && sd < 0.3); // sqrt(0.2^2 + 0.12^2 0.5) = 0.22
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn degrade(
    image: &[f32],
    h: usize,
    w: usize,
    d: &Degradation,
    rng: &mut Xoshiro256,
) -> Result<Vec<f32>, StemError> {
    d.check("degradation")?;
    if h.checked_mul(w) != Some(image.len()) {
        return Err(invalid(
            format!("image.len() = {}", image.len()),
            format!("expected h * w = {h} x {w}"),
        ));
    }
    if let Some(p) = image.iter().position(|v| !v.is_finite()) {
        return Err(invalid(
            format!("image[{p}] = {}", image[p]),
            "pixels must be finite",
        ));
    }
    check(
        &format!("degraded image of {h} x {w}"),
        bytes_of::<f64>(&[3, h, w]),
    )?;
    let blurred: Vec<f64> = if d.blur_sigma_px > 0.0 && h > 0 && w > 0 {
        let field = image.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();
        let view = ArrayView2::from_shape((h, w), &field).expect("h * w checked");
        gaussian_filter(view, d.blur_sigma_px).into_iter().collect()
    } else {
        image.iter().map(|&v| f64::from(v)).collect()
    };
    Ok(blurred
        .iter()
        .map(|&v| {
            let shot = rng.normal();
            let read = rng.normal();
            (v + d.shot_sd * v.max(0.0).sqrt() * shot + d.noise_sd * read) as f32
        })
        .collect())
}

/// Settings of [`segmentation_frames`]. Defaults draw 60 frames of 256 x 256 over one bias
/// cycle; [`small`](Self::small) is the CI size.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentationFramesSettings {
    /// Frames T over one bias cycle (default 60).
    pub frames: usize,
    /// Rows of a frame (default 256).
    pub height: usize,
    /// Columns of a frame (default 256).
    pub width: usize,
    /// Wall width, px (default 3): the FWHM of the wall's Gaussian dip and the width of the
    /// wall class in the mask.
    pub wall_width_px: f64,
    /// Range of the spacing between neighbouring parallel walls, px (default [12, 32]).
    pub spacing_px: (f64, f64),
    /// Each wall's angle is +-45 degrees plus U[-jitter, jitter] (default 3).
    pub angle_jitter_deg: f64,
    /// Bias of the switching law's crossing on the rising branch (default 0.3; [`wall_stack`]).
    pub switch_bias: f64,
    /// Width of the switching law's tanh (default 0.1).
    pub switch_width: f64,
    /// Intensity of domain variant 0 (default 0.6).
    pub domain_intensity: f64,
    /// Variant 1 is this much brighter than variant 0 (default 0.06).
    pub variant_contrast: f64,
    /// Depth of a wall's dip at its centre line (default 0.3).
    pub wall_depth: f64,
    /// Range of the number of contaminant spots per frame, inclusive (default [3, 8]).
    pub contaminants: (usize, usize),
    /// Range of a spot's semi-major axis, px (default [2, 6]).
    pub contaminant_radius_px: (f64, f64),
    /// Range of a spot's aspect ratio, semi-major over semi-minor (default [1, 1.6]).
    pub contaminant_aspect: (f64, f64),
    /// Depth of a spot's dip inside it (default 0.35).
    pub contaminant_depth: f64,
    /// Width of a spot's soft edge, px (default 0.75): the dip is `depth (1 - tanh(s /
    /// edge)) / 2` at signed distance s (px, along the minor axis) from its outline.
    pub contaminant_edge_px: f64,
    /// Relative amplitude of the illumination gradient (default 0.15): the image is multiplied
    /// by `1 + illumination u`, u in [-1/2, 1/2] the position along a random direction over the
    /// frame's diagonal.
    pub illumination: f64,
    /// Blur and noise (default [`Degradation::medium`]).
    pub degradation: Degradation,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for SegmentationFramesSettings {
    fn default() -> Self {
        Self {
            frames: 60,
            height: 256,
            width: 256,
            wall_width_px: 3.0,
            spacing_px: (12.0, 32.0),
            angle_jitter_deg: 3.0,
            switch_bias: 0.3,
            switch_width: 0.1,
            domain_intensity: 0.6,
            variant_contrast: 0.06,
            wall_depth: 0.3,
            contaminants: (3, 8),
            contaminant_radius_px: (2.0, 6.0),
            contaminant_aspect: (1.0, 1.6),
            contaminant_depth: 0.35,
            contaminant_edge_px: 0.75,
            illumination: 0.15,
            degradation: Degradation::medium(),
            seed: 0,
        }
    }
}

impl SegmentationFramesSettings {
    /// The CI size: 8 frames of 128 x 128 (one bias cycle at coarse steps), 2 to 4 spots per
    /// frame; everything else as the default.
    ///
    /// ```
    /// use ferrolab::stem::{SegmentationFramesSettings, segmentation_frames};
    /// let s = segmentation_frames(&SegmentationFramesSettings::small())?;
    /// assert_eq!((s.frames, s.height, s.width, s.masks.len()), (8, 128, 128, 8 * 128 * 128));
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn small() -> Self {
        Self {
            frames: 8,
            height: 128,
            width: 128,
            contaminants: (2, 4),
            ..Self::default()
        }
    }

    fn walls(&self) -> WallStackSettings {
        WallStackSettings {
            frames: self.frames,
            height: self.height,
            width: self.width,
            wall_width_px: self.wall_width_px,
            angle_jitter_deg: self.angle_jitter_deg,
            spacing_px: self.spacing_px,
            switch_bias: self.switch_bias,
            switch_width: self.switch_width,
            seed: self.seed,
        }
    }

    fn check(&self) -> Result<(), StemError> {
        for (name, v) in [
            ("settings.domain_intensity", self.domain_intensity),
            ("settings.contaminant_edge_px", self.contaminant_edge_px),
        ] {
            positive(name, v)?;
        }
        for (name, v) in [
            ("settings.variant_contrast", self.variant_contrast),
            ("settings.wall_depth", self.wall_depth),
            ("settings.contaminant_depth", self.contaminant_depth),
        ] {
            non_negative(name, v)?;
        }
        if !(self.illumination.is_finite() && (0.0..2.0).contains(&self.illumination)) {
            return Err(invalid(
                format!("settings.illumination = {}", self.illumination),
                "must be in [0, 2) (the gain 1 + illumination u stays positive)",
            ));
        }
        let (lo, hi) = self.contaminants;
        if lo > hi {
            return Err(invalid(
                format!("settings.contaminants = ({lo}, {hi})"),
                "needs low <= high",
            ));
        }
        let (r_lo, r_hi) = self.contaminant_radius_px;
        if !(r_lo.is_finite() && r_hi.is_finite() && r_lo > 0.0 && r_hi >= r_lo) {
            return Err(invalid(
                format!("settings.contaminant_radius_px = ({r_lo}, {r_hi})"),
                "needs 0 < low <= high px, finite",
            ));
        }
        let (a_lo, a_hi) = self.contaminant_aspect;
        if !(a_lo.is_finite() && a_hi.is_finite() && a_lo >= 1.0 && a_hi >= a_lo) {
            return Err(invalid(
                format!("settings.contaminant_aspect = ({a_lo}, {a_hi})"),
                "needs 1 <= low <= high, finite",
            ));
        }
        self.degradation.check("settings.degradation")?;
        // The wall stack checks its own settings and budget (including the frames' size).
        self.walls().check()?;
        let frame = [self.frames, self.height, self.width];
        let bytes = total(&[
            bytes_of::<f32>(&frame),
            bytes_of::<f32>(&frame),
            bytes_of::<f32>(&frame),
            bytes_of::<u8>(&frame),
            bytes_of::<u8>(&frame),
            bytes_of::<f64>(&[3, self.height, self.width]),
            bytes_of::<Contaminant>(&[self.frames, hi]),
        ]);
        check(
            &format!(
                "segmentation frames of {} x {} x {}",
                self.frames, self.height, self.width
            ),
            bytes,
        )?;
        Ok(())
    }
}

/// One contaminant spot: a dark ellipse.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contaminant {
    /// Centre (row, col), px.
    pub centre: (f64, f64),
    /// Semi-major and semi-minor axes, px.
    pub semi_axes: (f64, f64),
    /// Direction of the major axis, rad in [0, pi), counter-clockwise from +col with y up.
    pub angle: f64,
}

impl Contaminant {
    /// The spot's normalised radius at `(row, col)`: `sqrt((u / a)^2 + (v / b)^2)` for the
    /// offsets u along the major axis and v along the minor one; below 1 inside.
    ///
    /// ```
    /// use ferrolab::stem::Contaminant;
    /// // Major axis 4 px along the rows (angle pi/2: up), minor axis 2 px along the columns.
    /// let spot = Contaminant { centre: (10.0, 10.0), semi_axes: (4.0, 2.0), angle: std::f64::consts::FRAC_PI_2 };
    /// assert!((spot.radius((6.0, 10.0)) - 1.0).abs() < 1e-12);
    /// assert!((spot.radius((10.0, 12.0)) - 1.0).abs() < 1e-12);
    /// assert!(spot.contains((12.0, 11.0)) && !spot.contains((10.0, 12.5)));
    /// ```
    pub fn radius(&self, (row, col): (f64, f64)) -> f64 {
        let (dr, dc) = (row - self.centre.0, col - self.centre.1);
        // Major axis (d_row, d_col) = (-sin a, cos a); minor axis (-cos a, -sin a).
        let (s, c) = self.angle.sin_cos();
        let u = -dr * s + dc * c;
        let v = -dr * c - dc * s;
        ((u / self.semi_axes.0).powi(2) + (v / self.semi_axes.1).powi(2)).sqrt()
    }

    /// Whether `(row, col)` lies inside the spot (normalised radius below 1): the
    /// [`CONTAMINANT`] pixels of the mask.
    pub fn contains(&self, p: (f64, f64)) -> bool {
        self.radius(p) < 1.0
    }
}

/// The frames of [`segmentation_frames`] with their masks and truth.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentationFrames {
    /// Frames T.
    pub frames: usize,
    /// Rows of a frame.
    pub height: usize,
    /// Columns of a frame.
    pub width: usize,
    /// The raw frames, (T, height, width) row-major: clean, blurred, noisy.
    pub images: Vec<f32>,
    /// The frames before blur and noise, (T, height, width).
    pub clean: Vec<f32>,
    /// The class of every pixel, (T, height, width): [`DOMAIN`], [`WALL`], [`CONTAMINANT`].
    pub masks: Vec<u8>,
    /// The domain variant (0 or 1) of every pixel, (T, height, width), walls and spots included.
    pub variants: Vec<u8>,
    /// Each frame's contaminant spots.
    pub contaminants: Vec<Vec<Contaminant>>,
    /// Each frame's illumination direction, rad in [0, 2 pi) (the gain grows along it).
    pub illumination_angle: Vec<f64>,
    /// The wall geometry: [`wall_stack`]'s stack (bias, branch, +45 share, columns of each
    /// family, the walls); its `images` are the frames' wall pixels before the spots.
    pub layout: WallStack,
}

impl SegmentationFrames {
    /// Frame `t` of `images`, `height * width` values (`None` past the last frame).
    ///
    /// ```
    /// use ferrolab::stem::{SegmentationFramesSettings, segmentation_frames};
    /// let s = segmentation_frames(&SegmentationFramesSettings { frames: 2, ..SegmentationFramesSettings::small() })?;
    /// assert_eq!(s.image(1).map(<[f32]>::len), Some(128 * 128));
    /// assert!(s.image(2).is_none() && s.mask(2).is_none());
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn image(&self, t: usize) -> Option<&[f32]> {
        let size = self.height * self.width;
        self.images.get(t * size..(t + 1) * size)
    }

    /// Frame `t` of `masks` (`None` past the last frame).
    pub fn mask(&self, t: usize) -> Option<&[u8]> {
        let size = self.height * self.width;
        self.masks.get(t * size..(t + 1) * size)
    }
}

/// Draw paper 002's stand-in raw frames for segmentation (**ours** within the note's wall
/// stack): [`wall_stack`]'s walls over one bias cycle, drawn as dark lines on two domain
/// variants, with dark contaminant spots, an illumination gradient, blur and noise.
///
/// Per frame: the domain variant of a pixel is the parity of the number of its column's family
/// walls whose normal side it lies on (so it alternates across every wall); the clean intensity
/// is `(domain_intensity + variant_contrast variant - max(wall dip, spot dip)) (1 +
/// illumination u)`, the wall dip `wall_depth exp(-d^2 / (2 s^2))` at distance d from the
/// nearest wall of the pixel's family, s = `wall_width_px / (2 sqrt(2 ln 2))` (FWHM = wall
/// width), the spot dip as in [`SegmentationFramesSettings::contaminant_edge_px`]; then
/// [`degrade`] with `settings.degradation`. Spots: a count uniform in `contaminants`, centres
/// uniform in the frame, semi-major axis U(`contaminant_radius_px`), aspect
/// U(`contaminant_aspect`), angle U[0, pi). Masks come from the geometry, before blur and noise:
/// [`CONTAMINANT`] inside a spot, else [`WALL`] within `wall_width_px / 2` of a wall of the
/// pixel's family (the wall stack's pixels: where the dip is at least half its depth), else
/// [`DOMAIN`].
///
/// Streams of frame t, with `f = derive_seed(seed, t)`: the walls `Xoshiro256::seed_from_u64(f)`
/// ([`wall_stack`]'s), the spots then the illumination direction `Xoshiro256::substream(f, 1)`,
/// the noise `Xoshiro256::substream(f, 2)`. A frame depends only on the seed and its index
/// (and, through the bias, on T); the noise draws do not depend on the level.
///
/// Errors: the wall stack's ([`wall_stack`]), a non-positive intensity or spot edge, a negative
/// depth or contrast, an illumination outside [0, 2), ranges not `low <= high`, spot radii not
/// positive, aspects below 1, a bad degradation, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{CONTAMINANT, DOMAIN, SegmentationFramesSettings, WALL, segmentation_frames};
/// let s = segmentation_frames(&SegmentationFramesSettings { frames: 4, height: 64, width: 64, ..Default::default() })?;
/// let count = |class| s.masks.iter().filter(|&&m| m == class).count() as f64 / s.masks.len() as f64;
/// assert!(count(DOMAIN) > 0.6 && count(WALL) > 0.05 && count(CONTAMINANT) > 0.0);
/// // Walls are darker than domains in the raw frames, on average.
/// let mean = |class| {
///     let v: Vec<f32> = s.images.iter().zip(&s.masks).filter(|p| *p.1 == class).map(|p| *p.0).collect();
///     v.iter().sum::<f32>() / v.len() as f32
/// };
/// assert!(mean(WALL) < mean(DOMAIN) - 0.1);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn segmentation_frames(
    settings: &SegmentationFramesSettings,
) -> Result<SegmentationFrames, StemError> {
    settings.check()?;
    let s = settings;
    let layout = wall_stack(&s.walls())?;
    let (t_count, h, w) = (s.frames, s.height, s.width);
    let size = h * w;
    let sigma = s.wall_width_px / FWHM_PER_SIGMA;
    let centre = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
    let diagonal = (h as f64).hypot(w as f64);

    let mut images = Vec::with_capacity(t_count * size);
    let mut clean = vec![0f32; t_count * size];
    let mut masks = vec![DOMAIN; t_count * size];
    let mut variants = vec![0u8; t_count * size];
    let mut contaminants = Vec::with_capacity(t_count);
    let mut illumination_angle = Vec::with_capacity(t_count);
    for t in 0..t_count {
        let f = derive_seed(s.seed, t as u64);
        let mut rng = Xoshiro256::substream(f, 1);
        let count =
            s.contaminants.0 + rng.below((s.contaminants.1 - s.contaminants.0 + 1) as u64) as usize;
        let spots: Vec<Contaminant> = (0..count)
            .map(|_| {
                let row = rng.uniform_in(0.0, (h - 1) as f64);
                let col = rng.uniform_in(0.0, (w - 1) as f64);
                let a = rng.uniform_in(s.contaminant_radius_px.0, s.contaminant_radius_px.1);
                let aspect = rng.uniform_in(s.contaminant_aspect.0, s.contaminant_aspect.1);
                let angle = rng.uniform_in(0.0, PI);
                Contaminant {
                    centre: (row, col),
                    semi_axes: (a, a / aspect),
                    angle,
                }
            })
            .collect();
        let light = rng.uniform_in(0.0, TAU);
        // The gain grows along (x, y) = (cos, sin), (row, col) = (-sin, cos).
        let light_dir = (-light.sin(), light.cos());

        let walls = &layout.walls[t];
        let plus_columns = layout.plus_columns[t];
        let wall_pixels = &layout.images[t * size..(t + 1) * size];
        let frame_clean = &mut clean[t * size..(t + 1) * size];
        let frame_mask = &mut masks[t * size..(t + 1) * size];
        let frame_variant = &mut variants[t * size..(t + 1) * size];
        let family = |plus: bool| walls.iter().filter(move |wall: &&Wall| wall.plus == plus);
        for r in 0..h {
            for c in 0..w {
                let p = r * w + c;
                let point = (r as f64, c as f64);
                let plus = c < plus_columns;
                let mut nearest = f64::INFINITY;
                let mut sides = 0u32;
                for wall in family(plus) {
                    let d = wall.distance(point, h, w);
                    nearest = nearest.min(d.abs());
                    sides += u32::from(d > 0.0);
                }
                let variant = (sides % 2) as u8;
                let wall_dip = if nearest.is_finite() {
                    s.wall_depth * (-0.5 * (nearest / sigma).powi(2)).exp()
                } else {
                    0.0
                };
                let mut spot_dip = 0.0f64;
                let mut inside = false;
                for spot in &spots {
                    let rho = spot.radius(point);
                    inside |= rho < 1.0;
                    let edge = (rho - 1.0) * spot.semi_axes.1 / s.contaminant_edge_px;
                    spot_dip = spot_dip.max(0.5 * s.contaminant_depth * (1.0 - edge.tanh()));
                }
                let u = ((r as f64 - centre.0) * light_dir.0 + (c as f64 - centre.1) * light_dir.1)
                    / diagonal;
                let base = s.domain_intensity + s.variant_contrast * f64::from(variant);
                let value = (base - wall_dip.max(spot_dip)) * (1.0 + s.illumination * u);
                frame_clean[p] = value as f32;
                frame_variant[p] = variant;
                frame_mask[p] = if inside {
                    CONTAMINANT
                } else if wall_pixels[p] > 0.5 {
                    WALL
                } else {
                    DOMAIN
                };
            }
        }
        let mut noise = Xoshiro256::substream(f, 2);
        images.extend(degrade(frame_clean, h, w, &s.degradation, &mut noise)?);
        contaminants.push(spots);
        illumination_angle.push(light);
    }
    Ok(SegmentationFrames {
        frames: t_count,
        height: h,
        width: w,
        images,
        clean,
        masks,
        variants,
        contaminants,
        illumination_angle,
        layout,
    })
}
