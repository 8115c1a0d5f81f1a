//! Paper 004's images for an atom-finding U-Net: [`displacement_lattice`]'s HAADF-like lattice,
//! blurred and noisy at the levels of [`Degradation`], with per-class target masks (0
//! background, 1 A-site, 2 B-site) around the known sub-pixel centres.

use super::displacement::{DisplacementLattice, DisplacementLatticeSettings, displacement_lattice};
use super::error::{StemError, invalid, positive};
use super::maps::Atom;
use super::segmentation::{Degradation, degrade};
use crate::limits::{bytes_of, check, total};
use crate::rng::{Xoshiro256, derive_seed};
use std::f64::consts::LN_2;

/// Mask class of a background pixel of [`AtomFrames::masks`].
pub const BACKGROUND: u8 = 0;
/// Mask class (and [`Atom::class`]) of an A-site.
pub const A_SITE: u8 = 1;
/// Mask class (and [`Atom::class`]) of a B-site.
pub const B_SITE: u8 = 2;

/// Ideal maps are drawn out to this many mask radii (where they fall to 2^-9).
const MAP_CUTOFF_RADII: f64 = 3.0;

/// Settings of [`atom_frames`].
#[derive(Clone, Debug, PartialEq)]
pub struct AtomFramesSettings {
    /// Images T (default 4).
    pub frames: usize,
    /// The lattice of every image (default [`DisplacementLatticeSettings::default`]: 1024 x
    /// 1024, a = 26 px). Its `noise` and `seed` are not used: the lattice is drawn without
    /// noise, image t with seed `derive_seed(seed, t)`, then degraded.
    pub lattice: DisplacementLatticeSettings,
    /// Blur and noise (default [`Degradation::medium`]), applied after the lattice is scaled to
    /// maximum 1.
    pub degradation: Degradation,
    /// Radius r of the target disks, px (default 5 = 0.19 a; below half the cell).
    pub mask_radius_px: f64,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for AtomFramesSettings {
    fn default() -> Self {
        Self {
            frames: 4,
            lattice: DisplacementLatticeSettings::default(),
            degradation: Degradation::medium(),
            mask_radius_px: 5.0,
            seed: 0,
        }
    }
}

impl AtomFramesSettings {
    /// The CI size: 2 images of [`DisplacementLatticeSettings::small`] (192 x 192, a = 13 px,
    /// 225 A-sites and 225 B-sites each), target disks of r = 3 px.
    ///
    /// ```
    /// use ferrolab::stem::{AtomFramesSettings, atom_frames};
    /// let s = atom_frames(&AtomFramesSettings::small())?;
    /// assert_eq!((s.frames, s.height, s.sites[0].len()), (2, 192, 225 + 225));
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn small() -> Self {
        Self {
            frames: 2,
            lattice: DisplacementLatticeSettings::small(),
            mask_radius_px: 3.0,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), StemError> {
        if self.frames == 0 {
            return Err(invalid("settings.frames = 0", "needs at least one image"));
        }
        positive("settings.mask_radius_px", self.mask_radius_px)?;
        if self.mask_radius_px >= self.lattice.cell_px / 2.0 {
            return Err(invalid(
                format!("settings.mask_radius_px = {}", self.mask_radius_px),
                format!(
                    "must be below half the cell ({} px)",
                    self.lattice.cell_px / 2.0
                ),
            ));
        }
        self.degradation.check("settings.degradation")?;
        let frame = [self.frames, self.lattice.height, self.lattice.width];
        check(
            &format!(
                "atom frames of {} x {} x {}",
                self.frames, self.lattice.height, self.lattice.width
            ),
            total(&[
                bytes_of::<f32>(&frame),
                bytes_of::<f32>(&frame),
                bytes_of::<u8>(&frame),
                bytes_of::<f64>(&[2, self.lattice.height, self.lattice.width]),
            ]),
        )?;
        Ok(())
    }
}

/// The images of [`atom_frames`] with their masks and truth.
#[derive(Clone, Debug, PartialEq)]
pub struct AtomFrames {
    /// Images T.
    pub frames: usize,
    /// Rows of an image.
    pub height: usize,
    /// Columns of an image.
    pub width: usize,
    /// The degraded images, (T, height, width) row-major.
    pub images: Vec<f32>,
    /// The target masks, (T, height, width): [`A_SITE`] or [`B_SITE`] within `mask_radius_px`
    /// of a site's centre (the nearest site where disks overlap), else [`BACKGROUND`].
    pub masks: Vec<u8>,
    /// Each image's sites: the lattice's A-sites then its B-sites, at their drawn sub-pixel
    /// positions, class [`A_SITE`] or [`B_SITE`].
    pub sites: Vec<Vec<Atom>>,
    /// The target disks' radius, px.
    pub mask_radius_px: f64,
    /// Each image's lattice and its truth (variants, angles, walls); its `image` is the
    /// noise-free image.
    pub lattices: Vec<DisplacementLattice>,
}

impl AtomFrames {
    /// Image `t` of `images` (`None` past the last).
    ///
    /// ```
    /// use ferrolab::stem::{AtomFramesSettings, atom_frames};
    /// let s = atom_frames(&AtomFramesSettings { frames: 1, ..AtomFramesSettings::small() })?;
    /// assert_eq!(s.image(0).map(<[f32]>::len), Some(192 * 192));
    /// assert!(s.image(1).is_none() && s.mask(1).is_none());
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn image(&self, t: usize) -> Option<&[f32]> {
        let size = self.height * self.width;
        self.images.get(t * size..(t + 1) * size)
    }

    /// Mask `t` of `masks` (`None` past the last).
    pub fn mask(&self, t: usize) -> Option<&[u8]> {
        let size = self.height * self.width;
        self.masks.get(t * size..(t + 1) * size)
    }

    /// The ideal per-class probability maps of image `t`, (3, height, width): channel k (1 =
    /// A, 2 = B) is the largest `2^(-d^2 / r^2)` over the class's sites at distance d (r the
    /// mask radius; 1/2 on the disk's edge, cut to 0 beyond 3 r), channel 0 is 1 minus the
    /// larger of the two. Thresholded at 1/2 (or through [`argmax_classes`](super::argmax_classes))
    /// they give the disks of `masks` (up to rounding on a disk's edge): what a perfect network
    /// would output, for checking [`find_atoms`](super::find_atoms).
    ///
    /// Errors: `t` past the last image, arrays beyond the memory budget.
    ///
    /// ```
    /// use ferrolab::stem::{AtomFramesSettings, argmax_classes, atom_frames};
    /// let s = atom_frames(&AtomFramesSettings { frames: 1, ..AtomFramesSettings::small() })?;
    /// let maps = s.ideal_maps(0)?;
    /// let mask = argmax_classes(&maps, 3, 192, 192)?;
    /// let differ = mask.iter().zip(s.mask(0).unwrap()).filter(|(a, b)| a != b).count();
    /// assert!(differ <= 4);
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn ideal_maps(&self, t: usize) -> Result<Vec<f32>, StemError> {
        if t >= self.frames {
            return Err(invalid(
                format!("t = {t}"),
                format!("there are {} images", self.frames),
            ));
        }
        let (h, w) = (self.height, self.width);
        check(
            &format!("ideal maps of {h} x {w}"),
            bytes_of::<f32>(&[3, h, w]),
        )?;
        let size = h * w;
        let mut maps = vec![0f32; 3 * size];
        let r = self.mask_radius_px;
        for site in &self.sites[t] {
            let channel = &mut maps[usize::from(site.class) * size..][..size];
            for_disk(site, MAP_CUTOFF_RADII * r, h, w, |p, d2| {
                let v = (-LN_2 * d2 / (r * r)).exp() as f32;
                if v > channel[p] {
                    channel[p] = v;
                }
            });
        }
        for p in 0..size {
            maps[p] = 1.0 - maps[size + p].max(maps[2 * size + p]);
        }
        Ok(maps)
    }
}

/// Call `f(pixel, d^2)` for every pixel of an `h` x `w` image within `radius` of `site`
/// (distance strictly below it).
fn for_disk(site: &Atom, radius: f64, h: usize, w: usize, mut f: impl FnMut(usize, f64)) {
    let r_lo = (site.row - radius).floor().max(0.0);
    let r_hi = (site.row + radius).ceil().min(h as f64 - 1.0);
    let c_lo = (site.col - radius).floor().max(0.0);
    let c_hi = (site.col + radius).ceil().min(w as f64 - 1.0);
    if r_lo > r_hi || c_lo > c_hi {
        return;
    }
    for r in r_lo as usize..=r_hi as usize {
        for c in c_lo as usize..=c_hi as usize {
            let d2 = (r as f64 - site.row).powi(2) + (c as f64 - site.col).powi(2);
            if d2 < radius * radius {
                f(r * w + c, d2);
            }
        }
    }
}

/// Draw paper 004's stand-in images for atom finding: image t is [`displacement_lattice`] with
/// `settings.lattice` (seed `derive_seed(seed, t)`, noise 0), [`degrade`]d with
/// `settings.degradation` (noise stream `Xoshiro256::substream(derive_seed(seed, t), 2)`), with
/// its sites (A then B, drawn sub-pixel positions) and a target mask: [`A_SITE`] or [`B_SITE`]
/// on the pixels whose centre lies within `mask_radius_px` of a site (strictly; the nearest
/// site's class where disks overlap), [`BACKGROUND`] elsewhere (AtomAI's style of labels for a
/// segmenting U-Net).
///
/// Errors: the lattice's ([`displacement_lattice`]), no image, a mask radius not positive or
/// not below half the cell, a bad degradation, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{A_SITE, AtomFramesSettings, B_SITE, atom_frames};
/// let s = atom_frames(&AtomFramesSettings { frames: 1, ..AtomFramesSettings::small() })?;
/// let site = s.sites[0].iter().find(|a| a.class == B_SITE && a.row > 50.0 && a.col > 50.0).unwrap();
/// let pixel = site.row.round() as usize * 192 + site.col.round() as usize;
/// assert_eq!(s.masks[pixel], B_SITE);
/// // r = 3 px: the A-sites sit on half-integer pixels (6.5 + 13 i), with 32 pixel centres
/// // closer than 3 px.
/// assert_eq!(s.masks.iter().filter(|&&m| m == A_SITE).count(), 225 * 32);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn atom_frames(settings: &AtomFramesSettings) -> Result<AtomFrames, StemError> {
    settings.check()?;
    let s = settings;
    let (h, w) = (s.lattice.height, s.lattice.width);
    let size = h * w;
    let r = s.mask_radius_px;
    let mut images = Vec::with_capacity(s.frames * size);
    let mut masks = vec![BACKGROUND; s.frames * size];
    let mut sites = Vec::with_capacity(s.frames);
    let mut lattices = Vec::with_capacity(s.frames);
    let mut nearest = vec![f64::INFINITY; size];
    for t in 0..s.frames {
        let f = derive_seed(s.seed, t as u64);
        let lattice = displacement_lattice(&DisplacementLatticeSettings {
            noise: 0.0,
            seed: f,
            ..s.lattice.clone()
        })?;
        let mut noise = Xoshiro256::substream(f, 2);
        images.extend(degrade(&lattice.image, h, w, &s.degradation, &mut noise)?);
        let frame_sites: Vec<Atom> = lattice
            .a_centres
            .iter()
            .map(|&(row, col)| Atom {
                row,
                col,
                class: A_SITE,
            })
            .chain(lattice.b_centres.iter().map(|&(row, col)| Atom {
                row,
                col,
                class: B_SITE,
            }))
            .collect();
        let mask = &mut masks[t * size..(t + 1) * size];
        nearest.fill(f64::INFINITY);
        for site in &frame_sites {
            for_disk(site, r, h, w, |p, d2| {
                if d2 < nearest[p] {
                    nearest[p] = d2;
                    mask[p] = site.class;
                }
            });
        }
        sites.push(frame_sites);
        lattices.push(lattice);
    }
    Ok(AtomFrames {
        frames: s.frames,
        height: h,
        width: w,
        images,
        masks,
        sites,
        mask_radius_px: r,
        lattices,
    })
}
