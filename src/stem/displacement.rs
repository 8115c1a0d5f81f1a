//! Paper 004's stand-in: a square perovskite-like lattice whose B-site cations are displaced
//! along one of three directions pi/2 apart in stripe domains, with a non-polar substrate band
//! and an A-site intensity gradient (chemistry) across the image (models.md 2.5).

use super::error::{StemError, invalid, non_negative, positive};
use crate::limits::{bytes_of, check, total};
use crate::rng::Xoshiro256;
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

/// Variant id of a B-site in the non-polar substrate band ([`DisplacementLattice::b_variant`]).
pub const SUBSTRATE: u8 = 3;

/// Gaussians are drawn out to this many widths.
const CUTOFF_SIGMAS: f64 = 5.0;

/// Settings of [`displacement_lattice`]; lengths in units of the cell `cell_px` unless named
/// `_px`. Defaults are models.md 2.5's paper-sized image, [`small`](Self::small) the CI size.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplacementLatticeSettings {
    /// Image rows (default 1024).
    pub height: usize,
    /// Image columns (default 1024).
    pub width: usize,
    /// Lattice parameter a, px (default 26: a 48 px window spans ~1.8 cells).
    pub cell_px: f64,
    /// A-site Gaussian width, cells (default 0.12).
    pub a_sigma: f64,
    /// B-site peak height (default 0.5; A-sites have height I_A around 1).
    pub b_height: f64,
    /// B-site width along its displacement direction p, cells (default 0.13).
    pub b_sigma_along: f64,
    /// B-site width across p, cells (default 0.08).
    pub b_sigma_across: f64,
    /// B-site displacement along p, cells (default 0.06).
    pub displacement: f64,
    /// Range of the stripe domains' widths along the wall normal, cells (default [4, 8]).
    pub domain_cells: (f64, f64),
    /// Direction of the straight domain walls, degrees counter-clockwise from +col with y up
    /// (default 45).
    pub wall_angle_deg: f64,
    /// Rows of B-sites in the non-polar substrate band at the bottom of the image (default 6).
    pub substrate_cells: usize,
    /// Amplitude of the A-site chemistry gradient (default 0.3).
    pub chemistry_amplitude: f64,
    /// Column where the gradient is centred, px; `None` (default) the image's middle column.
    pub chemistry_x0_px: Option<f64>,
    /// Width of the gradient's tanh, px (default 50).
    pub chemistry_width_px: f64,
    /// Standard deviation of the Gaussian noise added after scaling the image to maximum 1
    /// (default 0.05).
    pub noise: f64,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for DisplacementLatticeSettings {
    fn default() -> Self {
        Self {
            height: 1024,
            width: 1024,
            cell_px: 26.0,
            a_sigma: 0.12,
            b_height: 0.5,
            b_sigma_along: 0.13,
            b_sigma_across: 0.08,
            displacement: 0.06,
            domain_cells: (4.0, 8.0),
            wall_angle_deg: 45.0,
            substrate_cells: 6,
            chemistry_amplitude: 0.3,
            chemistry_x0_px: None,
            chemistry_width_px: 50.0,
            noise: 0.05,
            seed: 0,
        }
    }
}

impl DisplacementLatticeSettings {
    /// The CI size (models.md 2.5): a = 13 px in 192 x 192 (225 B-sites; windows of 24 px span
    /// ~1.8 cells as 48 px do at a = 26), stripes of 3-5 cells, 3 substrate rows, the chemistry
    /// gradient's width halved to 25 px with the cell.
    ///
    /// ```
    /// use ferrolab::stem::{DisplacementLatticeSettings, displacement_lattice};
    /// let s = displacement_lattice(&DisplacementLatticeSettings::small())?;
    /// assert_eq!((s.height, s.b_centres.len()), (192, 15 * 15));
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn small() -> Self {
        Self {
            height: 192,
            width: 192,
            cell_px: 13.0,
            domain_cells: (3.0, 5.0),
            substrate_cells: 3,
            chemistry_width_px: 25.0,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), StemError> {
        if self.height < 2 || self.width < 2 {
            return Err(invalid(
                format!("settings.height x width = {} x {}", self.height, self.width),
                "the image needs at least 2 x 2 pixels",
            ));
        }
        if !(self.cell_px.is_finite() && self.cell_px >= 4.0) {
            return Err(invalid(
                format!("settings.cell_px = {}", self.cell_px),
                "the lattice parameter must be finite and at least 4 px",
            ));
        }
        for (name, v) in [
            ("settings.a_sigma", self.a_sigma),
            ("settings.b_sigma_along", self.b_sigma_along),
            ("settings.b_sigma_across", self.b_sigma_across),
            ("settings.chemistry_width_px", self.chemistry_width_px),
        ] {
            positive(name, v)?;
        }
        for (name, v) in [
            ("settings.b_height", self.b_height),
            ("settings.displacement", self.displacement),
            ("settings.chemistry_amplitude", self.chemistry_amplitude),
            ("settings.noise", self.noise),
        ] {
            non_negative(name, v)?;
        }
        for (name, v) in [
            ("settings.a_sigma", self.a_sigma),
            ("settings.b_sigma_along", self.b_sigma_along),
            ("settings.b_sigma_across", self.b_sigma_across),
            ("settings.displacement", self.displacement),
        ] {
            if v > 0.5 {
                return Err(invalid(
                    format!("{name} = {v}"),
                    "must be at most 0.5 cells (atoms of neighbouring cells would merge)",
                ));
            }
        }
        if self.chemistry_amplitude >= 1.0 {
            return Err(invalid(
                format!(
                    "settings.chemistry_amplitude = {}",
                    self.chemistry_amplitude
                ),
                "must be below 1 (A-site heights 1 +- amplitude stay positive)",
            ));
        }
        let (lo, hi) = self.domain_cells;
        if !(lo.is_finite() && hi.is_finite() && lo >= 1.0 && hi >= lo) {
            return Err(invalid(
                format!("settings.domain_cells = ({lo}, {hi})"),
                "needs 1 <= low <= high, finite",
            ));
        }
        if !self.wall_angle_deg.is_finite() {
            return Err(invalid(
                format!("settings.wall_angle_deg = {}", self.wall_angle_deg),
                "must be finite",
            ));
        }
        if let Some(x0) = self.chemistry_x0_px
            && !x0.is_finite()
        {
            return Err(invalid(
                format!("settings.chemistry_x0_px = {x0}"),
                "must be finite",
            ));
        }
        let p = [self.height, self.width];
        // Sites: at most (h / 4 + 3) (w / 4 + 3) cells of 4 px or more.
        let cells = [self.height / 4 + 3, self.width / 4 + 3];
        let bytes = total(&[
            bytes_of::<f64>(&p),
            bytes_of::<f32>(&p),
            bytes_of::<[f64; 8]>(&cells),
        ]);
        check(
            &format!("displacement lattice of {} x {}", self.height, self.width),
            bytes,
        )?;
        Ok(())
    }
}

/// The image of [`displacement_lattice`] with its truth. Positions are px (row, col); angles
/// counter-clockwise from +col with y up (toward row 0).
#[derive(Clone, Debug, PartialEq)]
pub struct DisplacementLattice {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// The image, row-major, scaled to maximum 1 before the noise.
    pub image: Vec<f32>,
    /// The A-sites in the image: cell corners.
    pub a_centres: Vec<(f64, f64)>,
    /// Each A-site's height I_A = 1 + amplitude tanh((col - x0) / width) (before scaling).
    pub a_height: Vec<f64>,
    /// The B-sites whose cell centre lies in the image (rows and columns in [0, size - 1]),
    /// where they are drawn: cell centre plus displacement.
    pub b_centres: Vec<(f64, f64)>,
    /// Each B-site's cell centre (undisplaced position).
    pub b_cells: Vec<(f64, f64)>,
    /// Each B-site's variant: k = 0, 1, 2 (displacement along t_k = pi/4 + k pi/2) or
    /// [`SUBSTRATE`].
    pub b_variant: Vec<u8>,
    /// Each B-site's displacement direction t_k, rad; NaN in the substrate.
    pub b_angle: Vec<f64>,
    /// Direction of the domain walls, rad.
    pub wall_angle: f64,
    /// The walls' positions: signed distance from the image centre along the walls' normal
    /// `(-sin w, cos w)` (x = col, y = -row), px.
    pub walls: Vec<f64>,
    /// The row above which the film lies: B-sites whose cell centre is below it are substrate
    /// (the A-site row between the last film row and the first substrate row; +inf without a
    /// substrate, -inf when it fills the image).
    pub substrate_top: f64,
    /// The factor the noise-free image was divided by (its maximum).
    pub scale: f64,
}

/// Add `height exp(-(u^2 / (2 sa^2) + v^2 / (2 sc^2)))` centred at `centre` (row, col) to
/// `image`, u along `dir` (row, col unit vector) and v across it, out to `CUTOFF_SIGMAS`.
fn stamp(
    image: &mut [f64],
    (h, w): (usize, usize),
    centre: (f64, f64),
    height: f64,
    (sa, sc): (f64, f64),
    dir: (f64, f64),
) {
    let radius = CUTOFF_SIGMAS * sa.max(sc);
    let r_lo = (centre.0 - radius).floor().max(0.0);
    let r_hi = (centre.0 + radius).ceil().min(h as f64 - 1.0);
    let c_lo = (centre.1 - radius).floor().max(0.0);
    let c_hi = (centre.1 + radius).ceil().min(w as f64 - 1.0);
    if r_lo > r_hi || c_lo > c_hi {
        return;
    }
    for r in r_lo as usize..=r_hi as usize {
        for c in c_lo as usize..=c_hi as usize {
            let (dr, dc) = (r as f64 - centre.0, c as f64 - centre.1);
            let u = dr * dir.0 + dc * dir.1;
            let v = -dr * dir.1 + dc * dir.0;
            let e = 0.5 * ((u / sa).powi(2) + (v / sc).powi(2));
            if e < 0.5 * CUTOFF_SIGMAS * CUTOFF_SIGMAS {
                image[r * w + c] += height * (-e).exp();
            }
        }
    }
}

/// Draw models.md 2.5's lattice (paper 004's stand-in). A-sites at the cell corners `(a/2 + i
/// a, a/2 + j a)` px: isotropic Gaussians of width `a_sigma a` and height `I_A = 1 +
/// chemistry_amplitude tanh((col - x0) / chemistry_width_px)`. B-sites at the cell centres
/// plus `displacement a` along `p = (cos t_k, sin t_k)`, `t_k = pi/4 + k pi/2`: Gaussians of
/// height `b_height`, width `b_sigma_along a` along p and `b_sigma_across a` across (so a shift
/// cannot mimic a rotation). The variant k follows stripe domains between straight walls at
/// `wall_angle_deg`, of widths U(`domain_cells`) cells along the walls' normal, k cycling 0, 1,
/// 2 from a random start; the bottom `substrate_cells` rows of B-sites are a non-polar
/// substrate (no displacement, isotropic width sqrt(along across) a, variant [`SUBSTRATE`]).
/// The image is divided by its maximum, then Gaussian noise of `noise` is added.
///
/// Random streams of `seed`: the domains (sub-stream 0), the noise (1).
///
/// Errors: an image under 2 x 2, a cell under 4 px, widths not positive or above 0.5 cells,
/// a negative height, displacement or noise, a chemistry amplitude of 1 or more, stripe widths
/// not `1 <= low <= high`, a non-finite angle or centre, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{DisplacementLatticeSettings, SUBSTRATE, displacement_lattice};
/// let s = displacement_lattice(&DisplacementLatticeSettings { seed: 2, ..DisplacementLatticeSettings::small() })?;
/// // Every film B-site is displaced 0.06 a = 0.78 px along its variant's direction.
/// for k in 0..s.b_centres.len() {
///     let (d_row, d_col) = (s.b_centres[k].0 - s.b_cells[k].0, s.b_centres[k].1 - s.b_cells[k].1);
///     if s.b_variant[k] == SUBSTRATE {
///         assert_eq!((d_row, d_col), (0.0, 0.0));
///     } else {
///         assert!((d_row.hypot(d_col) - 0.78).abs() < 1e-9);
///         assert!(((-d_row).atan2(d_col).rem_euclid(std::f64::consts::TAU) - s.b_angle[k]).abs() < 1e-9);
///     }
/// }
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn displacement_lattice(
    settings: &DisplacementLatticeSettings,
) -> Result<DisplacementLattice, StemError> {
    settings.check()?;
    let s = settings;
    let (h, w, a) = (s.height, s.width, s.cell_px);
    let x0 = s.chemistry_x0_px.unwrap_or((w as f64 - 1.0) / 2.0);
    let wall_angle = s.wall_angle_deg.to_radians();
    // Walls' normal in (row, col): (x, y) = (-sin w, cos w) is (row, col) = (-cos w, -sin w).
    let normal = (-wall_angle.cos(), -wall_angle.sin());
    let centre = ((h as f64 - 1.0) / 2.0, (w as f64 - 1.0) / 2.0);
    let along_normal = |(r, c): (f64, f64)| (r - centre.0) * normal.0 + (c - centre.1) * normal.1;

    // Stripe domains: boundaries from below the image's lowest normal coordinate to above its
    // highest, the first one a random fraction of a width before it.
    let mut rng = Xoshiro256::substream(s.seed, 0);
    let corners = [
        (0.0, 0.0),
        (0.0, w as f64),
        (h as f64, 0.0),
        (h as f64, w as f64),
    ]
    .map(along_normal);
    let s_min = corners.iter().copied().fold(f64::INFINITY, f64::min) - a;
    let s_max = corners.iter().copied().fold(f64::NEG_INFINITY, f64::max) + a;
    let first_variant = rng.below(3) as usize;
    let mut bounds =
        vec![s_min - a * rng.uniform_in(s.domain_cells.0, s.domain_cells.1) * rng.uniform()];
    while bounds[bounds.len() - 1] <= s_max {
        let last = bounds[bounds.len() - 1];
        bounds.push(last + a * rng.uniform_in(s.domain_cells.0, s.domain_cells.1));
    }
    let domain_variant = |p: (f64, f64)| {
        let q = along_normal(p);
        let j = bounds.partition_point(|&b| b <= q).saturating_sub(1);
        ((first_variant + j) % 3) as u8
    };
    let walls: Vec<f64> = bounds[1..bounds.len() - 1]
        .iter()
        .copied()
        .filter(|&b| (s_min + a..=s_max - a).contains(&b))
        .collect();

    // Rows and columns of cells: cell (i, j) has its A-site corner at (a/2 + i a, a/2 + j a)
    // and its B-site centre a/2 further along both axes; cells from one before the image to one
    // after it are drawn, the ones whose site lies in the image recorded.
    let cells = |size: usize| -2..=((size as f64 / a).ceil() as i64 + 1);
    let in_image = |(r, c): (f64, f64)| {
        (0.0..=(h - 1) as f64).contains(&r) && (0.0..=(w - 1) as f64).contains(&c)
    };
    let b_rows_in_image: Vec<i64> = cells(h)
        .filter(|&i| (0.0..=(h - 1) as f64).contains(&(a * (i as f64 + 1.0))))
        .collect();
    // Cell rows from this one down are substrate (none when `substrate_cells` is 0, all when it
    // exceeds the rows in the image).
    let first_substrate_row = match b_rows_in_image.len().checked_sub(s.substrate_cells) {
        _ if s.substrate_cells == 0 => i64::MAX,
        Some(k) => b_rows_in_image[k],
        None => i64::MIN,
    };
    let substrate_top = match first_substrate_row {
        i64::MAX => f64::INFINITY,
        i64::MIN => f64::NEG_INFINITY,
        i => a * (i as f64 + 0.5),
    };

    let mut image = vec![0.0f64; h * w];
    let mut a_centres = Vec::new();
    let mut a_height = Vec::new();
    let a_sigma = s.a_sigma * a;
    for i in cells(h) {
        for j in cells(w) {
            let p = (a * (i as f64 + 0.5), a * (j as f64 + 0.5));
            let height = 1.0 + s.chemistry_amplitude * ((p.1 - x0) / s.chemistry_width_px).tanh();
            stamp(
                &mut image,
                (h, w),
                p,
                height,
                (a_sigma, a_sigma),
                (1.0, 0.0),
            );
            if in_image(p) {
                a_centres.push(p);
                a_height.push(height);
            }
        }
    }
    let mut b_centres = Vec::new();
    let mut b_cells = Vec::new();
    let mut b_variant = Vec::new();
    let mut b_angle = Vec::new();
    let iso = (s.b_sigma_along * s.b_sigma_across).sqrt() * a;
    for i in cells(h) {
        for j in cells(w) {
            let cell = (a * (i as f64 + 1.0), a * (j as f64 + 1.0));
            let (variant, t, centre, sigmas, dir) = if i >= first_substrate_row {
                (SUBSTRATE, f64::NAN, cell, (iso, iso), (1.0, 0.0))
            } else {
                let k = domain_variant(cell);
                let t = FRAC_PI_4 + f64::from(k) * FRAC_PI_2;
                // p = (cos t, sin t) in (x, y) is (-sin t, cos t) in (row, col).
                let dir = (-t.sin(), t.cos());
                let shift = s.displacement * a;
                let centre = (cell.0 + shift * dir.0, cell.1 + shift * dir.1);
                let sigmas = (s.b_sigma_along * a, s.b_sigma_across * a);
                (k, t, centre, sigmas, dir)
            };
            stamp(&mut image, (h, w), centre, s.b_height, sigmas, dir);
            if in_image(cell) {
                b_centres.push(centre);
                b_cells.push(cell);
                b_variant.push(variant);
                b_angle.push(t);
            }
        }
    }

    let scale = image.iter().copied().fold(0.0, f64::max);
    let mut noise = Xoshiro256::substream(s.seed, 1);
    let inverse = if scale > 0.0 { 1.0 / scale } else { 1.0 };
    let image = image
        .iter()
        .map(|&v| (v * inverse + s.noise * noise.normal()) as f32)
        .collect();
    Ok(DisplacementLattice {
        height: h,
        width: w,
        image,
        a_centres,
        a_height,
        b_centres,
        b_cells,
        b_variant,
        b_angle,
        wall_angle,
        walls,
        substrate_top,
        scale,
    })
}
