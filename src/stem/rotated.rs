//! A lattice of an asymmetric motif in Voronoi regions, each rotated by a known angle: the
//! stand-in for rotational variants with a known angle at every pixel (models.md 2.5-2.6,
//! papers 002/004; the motif of the note's unit test repeated on a lattice).

use super::error::{StemError, invalid, non_negative};
use crate::limits::{bytes_of, check, total};
use crate::rng::Xoshiro256;
use std::f64::consts::TAU;

/// One atom of the motif: offset from the lattice point along the lattice's first (`e1`) and
/// second (`e2`) axes and width, in periods; peak height in the two contrast variants.
struct MotifSite {
    along_e1: f64,
    along_e2: f64,
    sigma: f64,
    height: [f64; 2],
}

/// The L-shaped motif: a main atom on the lattice point, a satellite 0.4 periods along `e1`
/// and a dimmer one 0.35 periods along `e2`. Unequal arms and heights leave it no rotation or
/// mirror symmetry, so the angle is defined modulo 2 pi. Variant 1 dims the main atom.
const MOTIF: [MotifSite; 3] = [
    MotifSite {
        along_e1: 0.0,
        along_e2: 0.0,
        sigma: 0.08,
        height: [1.0, 0.5],
    },
    MotifSite {
        along_e1: 0.4,
        along_e2: 0.0,
        sigma: 0.07,
        height: [0.6, 0.6],
    },
    MotifSite {
        along_e1: 0.0,
        along_e2: 0.35,
        sigma: 0.07,
        height: [0.4, 0.4],
    },
];

/// Gaussians are summed out to this many widths.
const CUTOFF_SIGMAS: f64 = 6.0;

/// Settings of [`rotated_lattice`].
#[derive(Clone, Debug, PartialEq)]
pub struct RotatedLatticeSettings {
    /// Image rows (default 128).
    pub height: usize,
    /// Image columns (default 128).
    pub width: usize,
    /// Number of Voronoi regions (default 4); region r has contrast variant `r % 2`.
    pub regions: usize,
    /// Lattice period, px (default 10; at least 2).
    pub period_px: f64,
    /// Standard deviation of the Gaussian noise added to every pixel, in units of the main
    /// atom's height of variant 0 (default 0.02).
    pub noise: f64,
    /// The regions' angles, rad (one per region); `None` (default) draws them from U[0, 2 pi).
    pub angles: Option<Vec<f64>>,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for RotatedLatticeSettings {
    fn default() -> Self {
        Self {
            height: 128,
            width: 128,
            regions: 4,
            period_px: 10.0,
            noise: 0.02,
            angles: None,
            seed: 0,
        }
    }
}

/// One atom of a [`RotatedLattice`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatticeAtom {
    /// Position, px (row, col).
    pub row: f64,
    /// Position, px (row, col).
    pub col: f64,
    /// The region whose lattice it belongs to.
    pub region: usize,
    /// Its site in the motif: 0 main atom, 1 the satellite along `e1`, 2 the one along `e2`.
    pub site: usize,
}

/// The image of [`rotated_lattice`] with its truth. Per-pixel maps are row-major, `height *
/// width` values.
#[derive(Clone, Debug, PartialEq)]
pub struct RotatedLattice {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// The image.
    pub image: Vec<f32>,
    /// The regions' Voronoi seeds, px (row, col).
    pub seeds: Vec<(f64, f64)>,
    /// Each region's angle, rad in [0, 2 pi): the direction of the lattice's first axis `e1`,
    /// counter-clockwise from the +col axis with y up (toward row 0).
    pub region_angle: Vec<f64>,
    /// Each region's contrast variant (0 or 1).
    pub region_variant: Vec<u8>,
    /// Per pixel: its region's angle.
    pub angle: Vec<f64>,
    /// Per pixel: its region's contrast variant.
    pub variant: Vec<u8>,
    /// Per pixel: its region (the nearest seed).
    pub region: Vec<usize>,
    /// Per pixel: distance to the nearest region border, px (image edges are no border;
    /// infinite with one region).
    pub border_distance: Vec<f64>,
    /// Every atom whose centre lies in the image (rows and columns in [0, size - 1]) and in
    /// its own region.
    pub atoms: Vec<LatticeAtom>,
}

impl RotatedLatticeSettings {
    fn check(&self) -> Result<(), StemError> {
        if self.height < 2 || self.width < 2 {
            return Err(invalid(
                format!("settings.height x width = {} x {}", self.height, self.width),
                "the image needs at least 2 x 2 pixels",
            ));
        }
        let pixels = self.height.checked_mul(self.width);
        if self.regions == 0 || pixels.is_none_or(|p| self.regions > p) {
            return Err(invalid(
                format!("settings.regions = {}", self.regions),
                "needs at least 1 region and at most one per pixel",
            ));
        }
        if !(self.period_px.is_finite() && self.period_px >= 2.0) {
            return Err(invalid(
                format!("settings.period_px = {}", self.period_px),
                "the period must be finite and at least 2 px",
            ));
        }
        non_negative("settings.noise", self.noise)?;
        if let Some(angles) = &self.angles {
            if angles.len() != self.regions {
                return Err(invalid(
                    format!("settings.angles: {} angles", angles.len()),
                    format!("expected one per region, regions = {}", self.regions),
                ));
            }
            if let Some(k) = angles.iter().position(|a| !a.is_finite()) {
                return Err(invalid(
                    format!("settings.angles[{k}] = {}", angles[k]),
                    "must be finite",
                ));
            }
        }
        let p = [self.height, self.width];
        let bytes = total(&[
            bytes_of::<f32>(&p),
            bytes_of::<f64>(&p),
            bytes_of::<u8>(&p),
            bytes_of::<usize>(&p),
            bytes_of::<f64>(&p),
            // Atoms: at most 3 per period^2 (period >= 2 px), and a row of slack per region.
            bytes_of::<LatticeAtom>(&[self.height + 2 * self.regions, self.width]),
        ]);
        check(
            &format!("rotated lattice of {} x {}", self.height, self.width),
            bytes,
        )?;
        Ok(())
    }
}

/// Voronoi seeds drawn uniformly in the image, each at least `sqrt(h w / (2 regions))` px from
/// the others when 64 tries allow it (else the farthest of the tries).
fn draw_seeds(rng: &mut Xoshiro256, h: usize, w: usize, regions: usize) -> Vec<(f64, f64)> {
    let min_distance = ((h * w) as f64 / (2.0 * regions as f64)).sqrt();
    let mut seeds: Vec<(f64, f64)> = Vec::with_capacity(regions);
    for _ in 0..regions {
        let mut best = (0.0, 0.0);
        let mut best_distance = -1.0;
        for _ in 0..64 {
            let p = (rng.uniform_in(0.0, h as f64), rng.uniform_in(0.0, w as f64));
            let d = seeds
                .iter()
                .map(|s| (s.0 - p.0).hypot(s.1 - p.1))
                .fold(f64::INFINITY, f64::min);
            if d > best_distance {
                best = p;
                best_distance = d;
            }
            if d >= min_distance {
                break;
            }
        }
        seeds.push(best);
    }
    seeds
}

/// Nearest seed of a point and the distance to the nearest Voronoi border (the nearest
/// bisector with another seed; a convex cell's boundary distance).
fn voronoi(seeds: &[(f64, f64)], p: (f64, f64)) -> (usize, f64) {
    let d2 = |s: &(f64, f64)| (s.0 - p.0).powi(2) + (s.1 - p.1).powi(2);
    let (k, dk) = seeds
        .iter()
        .map(d2)
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |best, (j, d)| {
                if d < best.1 { (j, d) } else { best }
            },
        );
    let border = seeds
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != k)
        .map(|(_, s)| {
            let separation = (s.0 - seeds[k].0).hypot(s.1 - seeds[k].1);
            if separation == 0.0 {
                0.0
            } else {
                (d2(s) - dk) / (2.0 * separation)
            }
        })
        .fold(f64::INFINITY, f64::min);
    (k, border)
}

/// One region's lattice: angle, the lattice point nearest the origin (x, y frame, px) and
/// contrast variant.
struct RegionLattice {
    cos: f64,
    sin: f64,
    origin: (f64, f64),
    variant: usize,
}

impl RegionLattice {
    /// Lattice coordinates (u, v), in periods, of the point (x, y).
    fn local(&self, (x, y): (f64, f64), a: f64) -> (f64, f64) {
        let (dx, dy) = (x - self.origin.0, y - self.origin.1);
        (
            (dx * self.cos + dy * self.sin) / a,
            (-dx * self.sin + dy * self.cos) / a,
        )
    }

    /// The (x, y) point of lattice coordinates (u, v).
    fn point(&self, (u, v): (f64, f64), a: f64) -> (f64, f64) {
        (
            self.origin.0 + a * (u * self.cos - v * self.sin),
            self.origin.1 + a * (u * self.sin + v * self.cos),
        )
    }

    /// The lattice's intensity at lattice coordinates (u, v), summed over the lattice points
    /// within `reach` periods.
    fn intensity(&self, (u, v): (f64, f64), reach: i64) -> f64 {
        let (i0, j0) = (u.floor() as i64, v.floor() as i64);
        let mut sum = 0.0;
        for i in i0 - reach..=i0 + reach {
            for j in j0 - reach..=j0 + reach {
                for site in &MOTIF {
                    let du = u - i as f64 - site.along_e1;
                    let dv = v - j as f64 - site.along_e2;
                    let r2 = (du * du + dv * dv) / (site.sigma * site.sigma);
                    if r2 < CUTOFF_SIGMAS * CUTOFF_SIGMAS {
                        sum += site.height[self.variant] * (-0.5 * r2).exp();
                    }
                }
            }
        }
        sum
    }
}

/// Draw a lattice of an L-shaped, asymmetric motif (period `period_px`, default 10 px) in
/// `regions` Voronoi regions (default 4 in 128 x 128), each region holding the whole lattice
/// rotated by its own angle and shifted by a random fraction of a period, with contrast
/// variant `r % 2`; then Gaussian noise. The motif (fractions of the period): a main atom
/// (sigma 0.08, height 1, or 0.5 in variant 1) on the lattice point, a satellite 0.4 along the
/// lattice's first axis `e1` (sigma 0.07, height 0.6) and one 0.35 along `e2` (sigma 0.07,
/// height 0.4): no symmetry but the lattice's translations, so the angle is defined modulo
/// 2 pi. /// Pixel `(r, c)` is the sum of its region's Gaussians at the point `(r, c)`.
///
/// Angles are counter-clockwise from the +col axis with y up (toward row 0), the rVAE's frame
/// (models.md 2.2): `e1 = (cos a, sin a)` in (x = col, y = -row).
///
/// Random streams of `seed`: seeds (sub-stream 0), angles (1), lattice offsets (2), noise (3).
///
/// Errors: an image under 2 x 2, no region or more regions than pixels, a period under 2 px
/// or not finite, negative noise, angles not one finite value per region, or arrays beyond the
/// memory budget.
///
/// ```
/// use ferrolab::stem::{RotatedLatticeSettings, rotated_lattice};
/// let s = rotated_lattice(&RotatedLatticeSettings { seed: 3, ..Default::default() })?;
/// assert_eq!(s.image.len(), 128 * 128);
/// // Four regions, variants 0, 1, 0, 1; every pixel carries its region's angle.
/// assert_eq!(s.region_variant, vec![0, 1, 0, 1]);
/// let p = 40 * 128 + 70;
/// assert_eq!(s.angle[p], s.region_angle[s.region[p]]);
/// // About 3 atoms per 10 x 10 px.
/// assert!((400..560).contains(&s.atoms.len()));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn rotated_lattice(settings: &RotatedLatticeSettings) -> Result<RotatedLattice, StemError> {
    settings.check()?;
    let (h, w, a) = (settings.height, settings.width, settings.period_px);
    let seeds = draw_seeds(
        &mut Xoshiro256::substream(settings.seed, 0),
        h,
        w,
        settings.regions,
    );
    let region_angle: Vec<f64> = match &settings.angles {
        Some(angles) => angles.iter().map(|t| t.rem_euclid(TAU)).collect(),
        None => {
            let mut rng = Xoshiro256::substream(settings.seed, 1);
            (0..settings.regions)
                .map(|_| rng.uniform_in(0.0, TAU))
                .collect()
        }
    };
    let region_variant: Vec<u8> = (0..settings.regions).map(|r| (r % 2) as u8).collect();
    // Lattice points offset from the image centre by a random fraction of a period.
    let centre = ((w as f64 - 1.0) / 2.0, -(h as f64 - 1.0) / 2.0);
    let mut offsets = Xoshiro256::substream(settings.seed, 2);
    let lattices: Vec<RegionLattice> = region_angle
        .iter()
        .zip(&region_variant)
        .map(|(&t, &variant)| {
            let mut l = RegionLattice {
                cos: t.cos(),
                sin: t.sin(),
                origin: centre,
                variant: variant as usize,
            };
            l.origin = l.point((offsets.uniform(), offsets.uniform()), a);
            l
        })
        .collect();
    // The lattice points whose motif reaches a point of cell (i0, j0) lie within `reach`
    // periods of it along each axis.
    let extent = MOTIF
        .iter()
        .map(|s| s.along_e1.hypot(s.along_e2) + CUTOFF_SIGMAS * s.sigma)
        .fold(0.0, f64::max);
    let reach = extent.ceil() as i64;

    let pixels = h * w;
    let mut image = vec![0f32; pixels];
    let mut angle = vec![0.0; pixels];
    let mut variant = vec![0u8; pixels];
    let mut region = vec![0usize; pixels];
    let mut border_distance = vec![0.0; pixels];
    // Each region's bounding box of pixels, for listing its atoms.
    let mut boxes = vec![(usize::MAX, 0usize, usize::MAX, 0usize); settings.regions];
    let mut noise = Xoshiro256::substream(settings.seed, 3);
    for r in 0..h {
        for c in 0..w {
            let p = r * w + c;
            let (k, border) = voronoi(&seeds, (r as f64, c as f64));
            let lattice = &lattices[k];
            let value = lattice.intensity(lattice.local((c as f64, -(r as f64)), a), reach);
            image[p] = (value + settings.noise * noise.normal()) as f32;
            angle[p] = region_angle[k];
            variant[p] = region_variant[k];
            region[p] = k;
            border_distance[p] = border;
            let b = &mut boxes[k];
            *b = (b.0.min(r), b.1.max(r), b.2.min(c), b.3.max(c));
        }
    }

    let mut atoms = Vec::new();
    for (k, (lattice, b)) in lattices.iter().zip(&boxes).enumerate() {
        if b.0 > b.1 {
            continue;
        }
        // Lattice coordinates of the box's corners bound the lattice points to visit.
        let corners = [(b.0, b.2), (b.0, b.3), (b.1, b.2), (b.1, b.3)]
            .map(|(r, c)| lattice.local((c as f64, -(r as f64)), a));
        let lo_u = corners.iter().map(|q| q.0).fold(f64::INFINITY, f64::min);
        let hi_u = corners
            .iter()
            .map(|q| q.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let lo_v = corners.iter().map(|q| q.1).fold(f64::INFINITY, f64::min);
        let hi_v = corners
            .iter()
            .map(|q| q.1)
            .fold(f64::NEG_INFINITY, f64::max);
        for i in (lo_u.floor() as i64 - 1)..=(hi_u.ceil() as i64) {
            for j in (lo_v.floor() as i64 - 1)..=(hi_v.ceil() as i64) {
                for (site, m) in MOTIF.iter().enumerate() {
                    let (x, y) = lattice.point((i as f64 + m.along_e1, j as f64 + m.along_e2), a);
                    let (row, col) = (-y, x);
                    let inside = (0.0..=(h - 1) as f64).contains(&row)
                        && (0.0..=(w - 1) as f64).contains(&col);
                    if inside && voronoi(&seeds, (row, col)).0 == k {
                        atoms.push(LatticeAtom {
                            row,
                            col,
                            region: k,
                            site,
                        });
                    }
                }
            }
        }
    }

    Ok(RotatedLattice {
        height: h,
        width: w,
        image,
        seeds,
        region_angle,
        region_variant,
        angle,
        variant,
        region,
        border_distance,
        atoms,
    })
}
