//! Sub-images ("windows") of STEM images and image stacks: centred on given positions (paper
//! 004's windows on atoms), on a regular grid (paper 002's encoded maps) or at random positions
//! (paper 002's training sets).
//!
//! The one window rule (models.md 2.4, after atomai's `get_imgstack`): a centre `(row, col)` is
//! rounded to the nearest pixel, ties to even (NumPy's `around`); a window of `n` pixels then
//! covers rows `[r - n/2, r - n/2 + n)` (integer division), that is `[r - n/2, r + n/2)` for an
//! even `n` and `[r - n/2, r + n/2 + 1)` for an odd one, and the columns likewise. A window
//! that would leave the image, or that holds a NaN, is dropped, and `kept` says which centres
//! remain.
//!
//! Images are `f32`, row-major: pixel `(r, c)` of an `h` x `w` image is `image[r * w + c]`, and
//! frame `f` of a `t` x `h` x `w` stack starts at `stack[f * h * w]`.

use super::error::{StemError, invalid};
use crate::limits::{bytes_of, check, total};
use crate::rng::{Xoshiro256, derive_seed};

/// Windows cut from an image or a stack, in the order of the centres asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Windows {
    /// Side of every window, px.
    pub n: usize,
    /// The windows, (N, n, n) row-major: window k is `windows[k * n * n..(k + 1) * n * n]`.
    pub windows: Vec<f32>,
    /// For each window, the index of its centre among those asked for (within its frame for
    /// stacks; among the grid's centres, row-major, for grids; among the frame's draws for
    /// random windows).
    pub kept: Vec<usize>,
    /// For each window, the pixel `(row, col)` it is centred on (the rounded centre).
    pub centres: Vec<(usize, usize)>,
    /// For each window, the frame it was cut from (0 for a single image).
    pub frames: Vec<usize>,
}

impl Windows {
    /// The number of windows.
    ///
    /// ```
    /// use ferrolab::stem::windows_at;
    /// let image = vec![0.0f32; 8 * 8];
    /// let w = windows_at(&image, 8, 8, &[(4.0, 4.0), (0.0, 0.0)], 4)?;
    /// assert_eq!(w.len(), 1); // the second window would leave the image
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no window was kept.
    ///
    /// ```
    /// use ferrolab::stem::windows_at;
    /// let image = vec![f32::NAN; 8 * 8];
    /// assert!(windows_at(&image, 8, 8, &[(4.0, 4.0)], 4)?.is_empty());
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Window `k` (`n * n` values, row-major), or `None` past the last one.
    ///
    /// ```
    /// use ferrolab::stem::windows_at;
    /// let image: Vec<f32> = (0..36).map(|v| v as f32).collect(); // 6 x 6
    /// let w = windows_at(&image, 6, 6, &[(2.0, 3.0)], 2)?;
    /// assert_eq!(w.window(0), Some(&[8.0, 9.0, 14.0, 15.0][..])); // rows 1..3, cols 2..4
    /// assert_eq!(w.window(1), None);
    /// # Ok::<(), ferrolab::stem::StemError>(())
    /// ```
    pub fn window(&self, k: usize) -> Option<&[f32]> {
        let size = self.n * self.n;
        self.windows.get(k * size..(k + 1) * size)
    }
}

/// The first row (or column) of a window of `n` px centred on pixel `c` of an axis of `size`
/// px, or `None` when the window leaves the axis.
pub(crate) fn window_start(c: usize, n: usize, size: usize) -> Option<usize> {
    let start = c.checked_sub(n / 2)?;
    (start.checked_add(n)? <= size).then_some(start)
}

/// A centre coordinate rounded half to even, or `None` when it rounds below 0 (the window then
/// leaves the image).
fn round_coordinate(x: f64) -> Option<usize> {
    let r = x.round_ties_even();
    // `as` saturates above usize::MAX; such a window leaves the image in `window_start`.
    (r >= 0.0).then_some(r as usize)
}

/// Check a stack's (or, with `t = 1`, an image's) dimensions against its length.
fn check_dims(what: &str, len: usize, t: usize, h: usize, w: usize) -> Result<usize, StemError> {
    if t == 0 {
        return Err(invalid("t = 0", "a stack needs at least one frame"));
    }
    if h == 0 || w == 0 {
        return Err(invalid(
            format!("h x w = {h} x {w}"),
            "an image needs at least one row and one column",
        ));
    }
    let frame = h.checked_mul(w);
    match frame.and_then(|f| f.checked_mul(t)) {
        Some(expected) if expected == len => Ok(frame.unwrap_or(0)),
        _ if what == "image" => Err(invalid(
            format!("image: {len} values"),
            format!("expected h x w = {h} x {w}"),
        )),
        _ => Err(invalid(
            format!("{what}: {len} values"),
            format!("expected t x h x w = {t} x {h} x {w}"),
        )),
    }
}

/// Check a window side against the image.
fn check_n(n: usize, h: usize, w: usize) -> Result<(), StemError> {
    if n == 0 {
        return Err(invalid("n = 0", "a window needs at least 1 pixel"));
    }
    if n > h || n > w {
        return Err(invalid(
            format!("n = {n}"),
            format!("the window is larger than the {h} x {w} image"),
        ));
    }
    Ok(())
}

/// Refuse `count` windows of `n` x `n` beyond the memory budget.
fn check_memory(count: usize, n: usize) -> Result<(), StemError> {
    let bytes = total(&[
        bytes_of::<f32>(&[count, n, n]),
        bytes_of::<(usize, usize, usize, usize)>(&[count]),
    ]);
    Ok(check(
        &format!("windows: {count} windows of {n} x {n} px"),
        bytes,
    )?)
}

/// Collects kept windows.
struct Cutter {
    h: usize,
    w: usize,
    out: Windows,
}

impl Cutter {
    fn new(h: usize, w: usize, n: usize, capacity: usize) -> Self {
        Self {
            h,
            w,
            out: Windows {
                n,
                windows: Vec::with_capacity(capacity * n * n),
                kept: Vec::with_capacity(capacity),
                centres: Vec::with_capacity(capacity),
                frames: Vec::with_capacity(capacity),
            },
        }
    }

    /// Cut the window centred on pixel `(r, c)` of `image` (one frame) unless it leaves the
    /// image or holds a NaN.
    fn push(&mut self, image: &[f32], frame: usize, index: usize, (r, c): (usize, usize)) {
        let n = self.out.n;
        let (Some(r0), Some(c0)) = (window_start(r, n, self.h), window_start(c, n, self.w)) else {
            return;
        };
        let rows = || (r0..r0 + n).map(|i| &image[i * self.w + c0..i * self.w + c0 + n]);
        if rows().any(|row| row.iter().any(|v| v.is_nan())) {
            return;
        }
        for row in rows() {
            self.out.windows.extend_from_slice(row);
        }
        self.out.kept.push(index);
        self.out.centres.push((r, c));
        self.out.frames.push(frame);
    }

    /// Cut the window centred on the position `(row, col)` (rounded).
    fn push_at(&mut self, image: &[f32], frame: usize, index: usize, (r, c): (f64, f64)) {
        if let (Some(r), Some(c)) = (round_coordinate(r), round_coordinate(c)) {
            self.push(image, frame, index, (r, c));
        }
    }
}

/// Check that every centre is finite (`name` is the argument, e.g. `centres`).
fn check_centres(name: &str, centres: &[(f64, f64)]) -> Result<(), StemError> {
    match centres
        .iter()
        .position(|(r, c)| !r.is_finite() || !c.is_finite())
    {
        Some(k) => Err(invalid(
            format!("{name}[{k}] = ({}, {})", centres[k].0, centres[k].1),
            "a centre must be finite (row, col) pixel coordinates",
        )),
        None => Ok(()),
    }
}

/// The `n` x `n` windows of an `h` x `w` image centred on `centres` (`(row, col)`, pixel units,
/// pixel `(r, c)` centred on the coordinates `(r, c)`) by the module's rule: centres rounded,
/// windows leaving the image or holding a NaN dropped.
///
/// Errors: `image` not of `h * w` values, `n` = 0 or larger than the image, a centre not
/// finite, or windows beyond the memory budget.
///
/// ```
/// use ferrolab::stem::windows_at;
/// let image: Vec<f32> = (0..100).map(|v| v as f32).collect(); // 10 x 10, value 10 r + c
/// // Even n = 4: rows [r - 2, r + 2). Odd n = 3: rows [r - 1, r + 2). 4.5 rounds to 4.
/// let even = windows_at(&image, 10, 10, &[(4.5, 5.2)], 4)?;
/// assert_eq!((even.centres[0], even.windows[0]), ((4, 5), 23.0));
/// let odd = windows_at(&image, 10, 10, &[(4.5, 5.2)], 3)?;
/// assert_eq!((odd.windows[0], odd.windows[8]), (34.0, 56.0));
/// // (1, 1) with n = 4 would start at row -1: dropped, so `kept` lists only centre 1.
/// let w = windows_at(&image, 10, 10, &[(1.0, 1.0), (8.0, 8.0)], 4)?;
/// assert_eq!(w.kept, vec![1]);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn windows_at(
    image: &[f32],
    h: usize,
    w: usize,
    centres: &[(f64, f64)],
    n: usize,
) -> Result<Windows, StemError> {
    check_dims("image", image.len(), 1, h, w)?;
    check_n(n, h, w)?;
    check_centres("centres", centres)?;
    check_memory(centres.len(), n)?;
    let mut cut = Cutter::new(h, w, n, centres.len());
    for (k, &centre) in centres.iter().enumerate() {
        cut.push_at(image, 0, k, centre);
    }
    Ok(cut.out)
}

/// The windows of a stack of `t` frames of `h` x `w`, centred on `centres_per_frame[f]` in frame
/// `f` (same rule as [`windows_at`]); `frames` gives each window's frame and `kept` the index of
/// its centre within that frame's list.
///
/// Errors: `stack` not of `t * h * w` values, `centres_per_frame` not of `t` lists, `n` = 0 or
/// larger than a frame, a centre not finite, or windows beyond the memory budget.
///
/// ```
/// use ferrolab::stem::stack_windows_at;
/// let stack = vec![1.0f32; 2 * 6 * 6];
/// let centres = vec![vec![(3.0, 3.0)], vec![(0.0, 0.0), (2.0, 2.0), (3.0, 3.0)]];
/// let w = stack_windows_at(&stack, 2, 6, 6, &centres, 4)?;
/// assert_eq!((w.frames, w.kept), (vec![0, 1, 1], vec![0, 1, 2]));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn stack_windows_at(
    stack: &[f32],
    t: usize,
    h: usize,
    w: usize,
    centres_per_frame: &[Vec<(f64, f64)>],
    n: usize,
) -> Result<Windows, StemError> {
    let frame_len = check_dims("stack", stack.len(), t, h, w)?;
    check_n(n, h, w)?;
    if centres_per_frame.len() != t {
        return Err(invalid(
            format!("centres_per_frame: {} lists", centres_per_frame.len()),
            format!("expected one list of centres per frame, t = {t}"),
        ));
    }
    for (f, centres) in centres_per_frame.iter().enumerate() {
        check_centres(&format!("centres_per_frame[{f}]"), centres)?;
    }
    let count = centres_per_frame.iter().map(Vec::len).sum();
    check_memory(count, n)?;
    let mut cut = Cutter::new(h, w, n, count);
    for (f, centres) in centres_per_frame.iter().enumerate() {
        let frame = &stack[f * frame_len..(f + 1) * frame_len];
        for (k, &centre) in centres.iter().enumerate() {
            cut.push_at(frame, f, k, centre);
        }
    }
    Ok(cut.out)
}

/// The grid of centres along one axis: `n/2, n/2 + step, ...` while the window fits.
fn grid_axis(size: usize, n: usize, step: usize) -> impl Iterator<Item = usize> + Clone {
    (0..=(size - n) / step).map(move |i| n / 2 + i * step)
}

/// Check a grid's step.
fn check_step(step: usize) -> Result<(), StemError> {
    if step == 0 {
        Err(invalid("step = 0", "the grid step must be at least 1 px"))
    } else {
        Ok(())
    }
}

/// The number of grid rows and columns of [`grid_windows`]: `((h - n) / step + 1, (w - n) /
/// step + 1)`, the first window at the image's top-left corner.
///
/// Errors: `h` or `w` = 0, `n` = 0 or larger than the image, `step` = 0.
///
/// ```
/// use ferrolab::stem::grid_shape;
/// assert_eq!(grid_shape(128, 100, 12, 4)?, (30, 23));
/// assert!(grid_shape(128, 100, 12, 0).is_err());
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn grid_shape(h: usize, w: usize, n: usize, step: usize) -> Result<(usize, usize), StemError> {
    if h == 0 || w == 0 {
        return Err(invalid(
            format!("h x w = {h} x {w}"),
            "an image needs at least one row and one column",
        ));
    }
    check_n(n, h, w)?;
    check_step(step)?;
    Ok(((h - n) / step + 1, (w - n) / step + 1))
}

/// Windows on a regular grid: centres at rows `n/2, n/2 + step, ...` and the same columns, as
/// long as the window fits (the first window covers the image's top-left corner; see
/// [`grid_shape`]). Row-major; `kept` indexes the grid (`k = i * grid_cols + j`), and windows
/// holding a NaN are dropped. With `step = 1` this is paper 002's sub-image at every pixel.
///
/// Errors: as [`windows_at`], and `step` = 0.
///
/// ```
/// use ferrolab::stem::{grid_shape, grid_windows};
/// let image = vec![0.5f32; 20 * 30];
/// let w = grid_windows(&image, 20, 30, 8, 4)?;
/// assert_eq!(grid_shape(20, 30, 8, 4)?, (4, 6));
/// assert_eq!((w.len(), w.centres[0], w.centres[23]), (24, (4, 4), (16, 24)));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn grid_windows(
    image: &[f32],
    h: usize,
    w: usize,
    n: usize,
    step: usize,
) -> Result<Windows, StemError> {
    stack_grid_windows(image, 1, h, w, n, step)
}

/// [`grid_windows`] on every frame of a stack of `t` frames, frame after frame; `kept` indexes
/// the grid within the frame.
///
/// ```
/// use ferrolab::stem::stack_grid_windows;
/// let stack = vec![0.0f32; 3 * 16 * 16];
/// let w = stack_grid_windows(&stack, 3, 16, 16, 8, 8)?;
/// assert_eq!(w.len(), 3 * 4);
/// assert_eq!((w.frames[4], w.kept[4], w.centres[4]), (1, 0, (4, 4)));
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn stack_grid_windows(
    stack: &[f32],
    t: usize,
    h: usize,
    w: usize,
    n: usize,
    step: usize,
) -> Result<Windows, StemError> {
    let frame_len = check_dims("stack", stack.len(), t, h, w)?;
    let (gr, gc) = grid_shape(h, w, n, step)?;
    let count = gr.saturating_mul(gc).saturating_mul(t);
    check_memory(count, n)?;
    let mut cut = Cutter::new(h, w, n, count);
    for f in 0..t {
        let frame = &stack[f * frame_len..(f + 1) * frame_len];
        let centres =
            grid_axis(h, n, step).flat_map(|r| grid_axis(w, n, step).map(move |c| (r, c)));
        for (k, centre) in centres.enumerate() {
            cut.push(frame, f, k, centre);
        }
    }
    Ok(cut.out)
}

/// `per_frame` windows at random centres in every frame of a stack: centres drawn uniformly,
/// with replacement, among the pixels whose window fits (rows `n/2 ..= h - n + n/2`, the
/// columns likewise), row then column; windows holding a NaN are dropped (so a frame may give
/// fewer). Frame `f` draws from `Xoshiro256::seed_from_u64(derive_seed(seed, f))`
/// ([`crate::rng`]), so a frame's windows depend only on the seed and the frame's index; `kept`
/// gives each window's draw within its frame. Paper 002 trains on such windows of every frame
/// (models.md 2.5: 300 per frame).
///
/// Errors: as [`stack_windows_at`].
///
/// ```
/// use ferrolab::stem::random_windows;
/// let stack: Vec<f32> = (0..2 * 32 * 32).map(|v| (v % 7) as f32).collect();
/// let a = random_windows(&stack, 2, 32, 32, 300, 12, 7)?;
/// assert_eq!((a.len(), a.frames[299], a.frames[300]), (600, 0, 1));
/// assert!(a.centres.iter().all(|&(r, c)| (6..=26).contains(&r) && (6..=26).contains(&c)));
/// assert_eq!(a, random_windows(&stack, 2, 32, 32, 300, 12, 7)?);
/// # Ok::<(), ferrolab::stem::StemError>(())
/// ```
pub fn random_windows(
    stack: &[f32],
    t: usize,
    h: usize,
    w: usize,
    per_frame: usize,
    n: usize,
    seed: u64,
) -> Result<Windows, StemError> {
    let frame_len = check_dims("stack", stack.len(), t, h, w)?;
    check_n(n, h, w)?;
    check_memory(per_frame.saturating_mul(t), n)?;
    let mut cut = Cutter::new(h, w, n, per_frame * t);
    for f in 0..t {
        let frame = &stack[f * frame_len..(f + 1) * frame_len];
        let mut rng = Xoshiro256::seed_from_u64(derive_seed(seed, f as u64));
        for k in 0..per_frame {
            let r = n / 2 + rng.below((h - n + 1) as u64) as usize;
            let c = n / 2 + rng.below((w - n + 1) as u64) as usize;
            cut.push(frame, f, k, (r, c));
        }
    }
    Ok(cut.out)
}
