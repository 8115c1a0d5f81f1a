//! Paper 002's stand-in: a stack of segmented frames (1 on domain walls) recorded over a bias
//! cycle, with two wall orientations whose share follows a hysteretic switching law
//! (models.md 2.5).

use super::error::{StemError, finite, invalid, positive};
use super::windows::{Windows, window_start};
use crate::beps::{branch_signs, triangle_wave};
use crate::limits::{bytes_of, check, total};
use crate::rng::{Xoshiro256, derive_seed};
use std::f64::consts::{FRAC_1_SQRT_2, FRAC_PI_4};

/// Settings of [`wall_stack`] (defaults: models.md 2.5).
#[derive(Clone, Debug, PartialEq)]
pub struct WallStackSettings {
    /// Frames T over one bias cycle (default 60).
    pub frames: usize,
    /// Rows of a frame (default 128).
    pub height: usize,
    /// Columns of a frame (default 128).
    pub width: usize,
    /// Wall width, px (default 2): pixels whose centre lies closer than half of it to a wall's
    /// centre line are 1.
    pub wall_width_px: f64,
    /// Each wall's angle is +-45 degrees plus U[-jitter, jitter] (default 3 degrees; below 45).
    pub angle_jitter_deg: f64,
    /// Range of the spacing between neighbouring parallel walls, px, measured through the
    /// frame's centre (default [6, 20]; at least 1).
    pub spacing_px: (f64, f64),
    /// Bias at which the +45 degree share crosses 1/2 on the rising branch (minus it on the
    /// falling one; default 0.3, bias amplitude 1).
    pub switch_bias: f64,
    /// Width of the switching law's tanh, in bias (default 0.1).
    pub switch_width: f64,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for WallStackSettings {
    fn default() -> Self {
        Self {
            frames: 60,
            height: 128,
            width: 128,
            wall_width_px: 2.0,
            angle_jitter_deg: 3.0,
            spacing_px: (6.0, 20.0),
            switch_bias: 0.3,
            switch_width: 0.1,
            seed: 0,
        }
    }
}

/// One straight wall of a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Wall {
    /// Direction of the wall, rad in (-pi/2, pi/2), counter-clockwise from +col with y up
    /// (toward row 0): near +pi/4 for the "+45" family, -pi/4 for the other.
    pub angle: f64,
    /// Signed distance of the wall's centre line from the frame's centre along its normal
    /// `(-sin angle, cos angle)` (x = col, y = -row), px.
    pub offset: f64,
    /// Whether it belongs to the +45 degree family (drawn only in the frame's first
    /// `plus_columns` columns; the other family only in the rest).
    pub plus: bool,
}

impl Wall {
    /// Signed distance, px, of the point `(row, col)` from the wall's centre line in an `h` x
    /// `w` frame: positive on the side its normal `(-sin angle, cos angle)` points to.
    ///
    /// ```
    /// use ferrolab::stem::Wall;
    /// // A +45 degree wall through the centre of a 9 x 9 frame (centre (4, 4)); its normal
    /// // points up and left.
    /// let wall = Wall { angle: std::f64::consts::FRAC_PI_4, offset: 0.0, plus: true };
    /// assert!(wall.distance((2.0, 2.0), 9, 9) > 2.8); // up-left of the wall
    /// assert!(wall.distance((2.0, 6.0), 9, 9).abs() < 1e-12); // on it
    /// ```
    pub fn distance(&self, (row, col): (f64, f64), h: usize, w: usize) -> f64 {
        let x = col - (w as f64 - 1.0) / 2.0;
        let y = (h as f64 - 1.0) / 2.0 - row;
        -x * self.angle.sin() + y * self.angle.cos() - self.offset
    }
}

/// A stack of segmented frames with its truth ([`wall_stack`]).
#[derive(Clone, Debug, PartialEq)]
pub struct WallStack {
    /// Frames T.
    pub frames: usize,
    /// Rows of a frame.
    pub height: usize,
    /// Columns of a frame.
    pub width: usize,
    /// Wall width, px.
    pub wall_width_px: f64,
    /// The frames, (T, height, width) row-major: 1 on a wall, else 0.
    pub images: Vec<f32>,
    /// Bias of each frame: one triangle cycle 0 -> +1 -> -1 -> 0 (`beps::triangle_wave`).
    pub bias: Vec<f64>,
    /// Branch of each frame: +1 rising, -1 falling (`beps::branch_signs`).
    pub branch: Vec<f64>,
    /// Each frame's target share of +45 degree walls, p = 0.5 (1 + tanh((V - s switch_bias) /
    /// switch_width)).
    pub plus_fraction: Vec<f64>,
    /// Columns of each frame given to the +45 family: round(p width), from the left.
    pub plus_columns: Vec<usize>,
    /// Each frame's walls that have at least one pixel in it.
    pub walls: Vec<Vec<Wall>>,
}

/// The truth of one window of a [`WallStack`] frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowTruth {
    /// Walls with at least one pixel in the window.
    pub wall_count: usize,
    /// Index, in the frame's `walls`, of the wall closest to the window's centre among them.
    pub wall: Option<usize>,
    /// That wall's angle, rad modulo pi (in (-pi/2, pi/2)).
    pub angle: Option<f64>,
    /// Signed distance from the window's centre to that wall, px ([`Wall::distance`]).
    pub distance: Option<f64>,
}

impl WallStackSettings {
    pub(super) fn check(&self) -> Result<(), StemError> {
        if self.frames == 0 {
            return Err(invalid("settings.frames = 0", "needs at least one frame"));
        }
        if self.height < 2 || self.width < 2 {
            return Err(invalid(
                format!("settings.height x width = {} x {}", self.height, self.width),
                "a frame needs at least 2 x 2 pixels",
            ));
        }
        positive("settings.wall_width_px", self.wall_width_px)?;
        if self.wall_width_px >= self.height.min(self.width) as f64 {
            return Err(invalid(
                format!("settings.wall_width_px = {}", self.wall_width_px),
                format!(
                    "must be narrower than the {} x {} frame",
                    self.height, self.width
                ),
            ));
        }
        positive("settings.switch_width", self.switch_width)?;
        finite("settings.switch_bias", self.switch_bias)?;
        if !(self.angle_jitter_deg.is_finite() && (0.0..45.0).contains(&self.angle_jitter_deg)) {
            return Err(invalid(
                format!("settings.angle_jitter_deg = {}", self.angle_jitter_deg),
                "must be in [0, 45) degrees (the two families must not swap)",
            ));
        }
        let (lo, hi) = self.spacing_px;
        if !(lo.is_finite() && hi.is_finite() && lo >= 1.0 && hi >= lo) {
            return Err(invalid(
                format!("settings.spacing_px = ({lo}, {hi})"),
                "needs 1 <= low <= high px, finite",
            ));
        }
        let frame = [self.frames, self.height, self.width];
        // Walls per family: the frame's diagonal plus a wall width and a spacing, over the
        // smallest spacing (at least 1 px), plus one.
        let span = (self.height as f64).hypot(self.width as f64) + self.wall_width_px + hi;
        let walls_per_frame = 2 * ((span / lo) as usize + 2);
        let bytes = total(&[
            bytes_of::<f32>(&frame),
            bytes_of::<Wall>(&[self.frames, walls_per_frame]),
        ]);
        check(
            &format!(
                "wall stack of {} x {} x {}",
                self.frames, self.height, self.width
            ),
            bytes,
        )?;
        Ok(())
    }
}

/// Whether pixel column `c` belongs to a wall family's region.
fn in_region(plus: bool, c: usize, plus_columns: usize) -> bool {
    (c < plus_columns) == plus
}

/// The columns of row `r`, within `columns`, that can lie within `half_width` of the wall's
/// centre line: the exact band `|d| < half_width` solved for the column, widened by a pixel on
/// each side (the caller tests each with [`Wall::distance`]).
fn wall_columns(
    wall: &Wall,
    r: usize,
    h: usize,
    w: usize,
    half_width: f64,
    columns: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let (sin, cos) = wall.angle.sin_cos();
    let y = (h as f64 - 1.0) / 2.0 - r as f64;
    let centre = (w as f64 - 1.0) / 2.0;
    // d(x) = -x sin + y cos - offset, |d| < half_width; x = c - centre.
    let base = y * cos - wall.offset;
    if sin.abs() < 1e-12 {
        return if base.abs() < half_width + 1.0 {
            columns
        } else {
            0..0
        };
    }
    let a = (base - half_width) / sin + centre;
    let b = (base + half_width) / sin + centre;
    let (lo, hi) = (a.min(b).floor() - 1.0, a.max(b).ceil() + 1.0);
    let lo = lo.max(columns.start as f64);
    let hi = (hi + 1.0).min(columns.end as f64);
    if hi <= lo {
        0..0
    } else {
        lo as usize..hi as usize
    }
}

/// Draw models.md 2.5's wall stack (paper 002's stand-in): T frames over one bias cycle V(t)
/// 0 -> +1 -> -1 -> 0 (frame t at phase t / T), with branch s(t) = sign(dV/dt) and the share
/// of +45 degree walls p(t) = 0.5 (1 + tanh((V - s switch_bias) / switch_width)): rising, the
/// walls turn to +45 degrees near V = +0.3; falling, back near V = -0.3 (hysteresis). In frame
/// t the first round(p w) columns hold +45 degree walls and the others -45 degree walls; in
/// each family, straight walls (angle +-45 degrees + U[-jitter, jitter] each) follow each
/// other at spacings U(`spacing_px`) measured through the frame's centre, from a random
/// start. A pixel is 1 when its centre lies within `wall_width_px / 2` of a wall of its
/// column's family.
///
/// Frame t draws from `Xoshiro256::seed_from_u64(derive_seed(seed, t))` ([`crate::rng`]),
/// both families always (so the bias law moves no other draw).
///
/// Errors: no frame, a frame under 2 x 2, a wall or switch width not positive, a jitter outside
/// [0, 45) degrees, spacings not `1 <= low <= high`, arrays beyond the memory budget.
///
/// ```
/// use ferrolab::stem::{WallStackSettings, wall_stack};
/// let s = wall_stack(&WallStackSettings { frames: 8, height: 48, width: 48, ..Default::default() })?;
/// assert_eq!(s.bias, vec![0.0, 0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -0.5]);
/// // At V = 0 the rising branch still holds -45 degree walls, the falling one +45 degree walls.
/// assert!(s.plus_fraction[0] < 0.01 && s.plus_fraction[4] > 0.99);
/// assert!(s.walls[4].iter().all(|w| w.plus));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn wall_stack(settings: &WallStackSettings) -> Result<WallStack, StemError> {
    settings.check()?;
    let s = settings;
    let (t, h, w) = (s.frames, s.height, s.width);
    let bias = triangle_wave(t, 1.0);
    let branch = branch_signs(&bias);
    let plus_fraction: Vec<f64> = bias
        .iter()
        .zip(&branch)
        .map(|(v, b)| 0.5 * (1.0 + ((v - b * s.switch_bias) / s.switch_width).tanh()))
        .collect();
    let plus_columns: Vec<usize> = plus_fraction
        .iter()
        .map(|p| ((p * w as f64).round() as usize).min(w))
        .collect();
    let half_width = s.wall_width_px / 2.0;
    let reach = 0.5 * (h as f64).hypot(w as f64) + half_width;
    let jitter = s.angle_jitter_deg.to_radians();
    let (lo, hi) = s.spacing_px;

    let mut images = vec![0f32; t * h * w];
    let mut walls = Vec::with_capacity(t);
    for (f, frame) in images.chunks_exact_mut(h * w).enumerate() {
        let mut rng = Xoshiro256::seed_from_u64(derive_seed(s.seed, f as u64));
        let mut drawn = Vec::new();
        for plus in [true, false] {
            let base = if plus { FRAC_PI_4 } else { -FRAC_PI_4 };
            let mut offset = -reach - rng.uniform_in(0.0, hi);
            loop {
                offset += rng.uniform_in(lo, hi);
                if offset > reach {
                    break;
                }
                let angle = base + rng.uniform_in(-jitter, jitter);
                drawn.push(Wall {
                    angle,
                    offset,
                    plus,
                });
            }
        }
        let mut kept = Vec::new();
        for wall in drawn {
            let columns = if wall.plus {
                0..plus_columns[f]
            } else {
                plus_columns[f]..w
            };
            let mut any = false;
            for r in 0..h {
                for c in wall_columns(&wall, r, h, w, half_width, columns.clone()) {
                    if wall.distance((r as f64, c as f64), h, w).abs() < half_width {
                        frame[r * w + c] = 1.0;
                        any = true;
                    }
                }
            }
            if any {
                kept.push(wall);
            }
        }
        walls.push(kept);
    }
    Ok(WallStack {
        frames: t,
        height: h,
        width: w,
        wall_width_px: s.wall_width_px,
        images,
        bias,
        branch,
        plus_fraction,
        plus_columns,
        walls,
    })
}

impl WallStack {
    /// Frame `f`, `height * width` values (`None` past the last frame).
    ///
    /// ```
    /// use ferrolab::stem::{WallStackSettings, wall_stack};
    /// let s = wall_stack(&WallStackSettings { frames: 4, height: 32, width: 32, ..Default::default() })?;
    /// assert_eq!(s.frame(3).map(<[f32]>::len), Some(32 * 32));
    /// assert!(s.frame(4).is_none());
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn frame(&self, f: usize) -> Option<&[f32]> {
        let size = self.height * self.width;
        self.images.get(f * size..(f + 1) * size)
    }

    /// The truth of the `n` x `n` window centred on pixel `centre = (row, col)` of frame
    /// `frame` (the window rule of [`windows_at`](crate::stem::windows_at)): how many walls
    /// have a pixel in it, and the angle (modulo pi) of and signed distance to the wall
    /// closest to the window's centre among them. The centre is the window's geometric centre,
    /// `(r0 + (n - 1) / 2, c0 + (n - 1) / 2)` for first row and column `r0`, `c0`: the centre
    /// pixel for odd `n`, half a pixel up and left of it for even `n` (where the rVAE's
    /// coordinate grid has its origin).
    ///
    /// Errors: a frame past the last, `n` = 0, or a window leaving the frame.
    ///
    /// ```
    /// use ferrolab::stem::{WallStackSettings, wall_stack};
    /// let s = wall_stack(&WallStackSettings { frames: 4, height: 64, width: 64, seed: 5, ..Default::default() })?;
    /// let truth = s.window_truth(0, (32, 32), 12)?;
    /// if let (Some(angle), Some(d)) = (truth.angle, truth.distance) {
    ///     assert!(truth.wall_count >= 1 && angle.abs() < 0.9 && d.abs() < 12.0);
    /// }
    /// assert!(s.window_truth(0, (2, 32), 12).is_err()); // leaves the frame
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn window_truth(
        &self,
        frame: usize,
        centre: (usize, usize),
        n: usize,
    ) -> Result<WindowTruth, StemError> {
        let (h, w) = (self.height, self.width);
        if frame >= self.frames {
            return Err(invalid(
                format!("frame = {frame}"),
                format!("the stack has {} frames", self.frames),
            ));
        }
        if n == 0 {
            return Err(invalid("n = 0", "a window needs at least 1 pixel"));
        }
        let (Some(r0), Some(c0)) = (window_start(centre.0, n, h), window_start(centre.1, n, w))
        else {
            return Err(invalid(
                format!("centre = ({}, {}) with n = {n}", centre.0, centre.1),
                format!("the window leaves the {h} x {w} frame"),
            ));
        };
        let half = (n as f64 - 1.0) / 2.0;
        let g = (r0 as f64 + half, c0 as f64 + half);
        let half_width = self.wall_width_px / 2.0;
        // A wall farther than this from the centre cannot touch the window.
        let far = n as f64 * FRAC_1_SQRT_2 + half_width;
        let plus_columns = self.plus_columns[frame];
        let mut count = 0;
        let mut nearest: Option<(usize, f64)> = None;
        for (k, wall) in self.walls[frame].iter().enumerate() {
            let d = wall.distance(g, h, w);
            if d.abs() > far {
                continue;
            }
            let touches = (r0..r0 + n).any(|r| {
                (c0..c0 + n).any(|c| {
                    in_region(wall.plus, c, plus_columns)
                        && wall.distance((r as f64, c as f64), h, w).abs() < half_width
                })
            });
            if touches {
                count += 1;
                if nearest.is_none_or(|(_, best)| d.abs() < best.abs()) {
                    nearest = Some((k, d));
                }
            }
        }
        Ok(WindowTruth {
            wall_count: count,
            wall: nearest.map(|(k, _)| k),
            angle: nearest.map(|(k, _)| self.walls[frame][k].angle),
            distance: nearest.map(|(_, d)| d),
        })
    }

    /// [`window_truth`](Self::window_truth) of every window of `windows` (cut from this stack).
    ///
    /// Errors: as `window_truth`, for the first window that fails.
    ///
    /// ```
    /// use ferrolab::stem::{WallStackSettings, random_windows, wall_stack};
    /// let s = wall_stack(&WallStackSettings { frames: 4, height: 48, width: 48, ..Default::default() })?;
    /// let windows = random_windows(&s.images, 4, 48, 48, 20, 8, 1)?;
    /// let truth = s.window_truths(&windows)?;
    /// assert_eq!(truth.len(), 80);
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn window_truths(&self, windows: &Windows) -> Result<Vec<WindowTruth>, StemError> {
        windows
            .frames
            .iter()
            .zip(&windows.centres)
            .map(|(&f, &c)| self.window_truth(f, c, windows.n))
            .collect()
    }
}
