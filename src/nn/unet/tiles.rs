//! Whole frames of any size through a network that takes sides in multiples of 8: a frame
//! that fits one tile runs whole, mirrored out to the next multiple of 8; a larger one runs in
//! overlapping tiles, and each pixel is taken from the tile in which it lies farthest from an
//! inner edge (the overlaps are split at their middles), so no pixel comes from within
//! `margin` pixels of a tile's inner edge, where the network sees too little context.

use super::architecture::UnetArchitecture;
use ndarray::Array3;

/// Tiles along one axis: their extent, their starts and where each one's pixels begin.
#[derive(Clone, Debug, PartialEq)]
struct AxisTiles {
    extent: usize,
    starts: Vec<usize>,
    /// `owned[i]..owned[i + 1]` are the pixels taken from tile `i`.
    owned: Vec<usize>,
}

impl AxisTiles {
    fn new(n: usize, tile: usize, margin: usize) -> Self {
        let m = UnetArchitecture::side_multiple();
        if n <= tile {
            return Self {
                extent: n.div_ceil(m) * m,
                starts: vec![0],
                owned: vec![0, n],
            };
        }
        let step = tile - 2 * margin;
        let mut starts: Vec<usize> = (0..)
            .map(|k| k * step)
            .take_while(|s| s + tile < n)
            .collect();
        starts.push(n - tile);
        starts.dedup();
        let mut owned = vec![0];
        owned.extend(starts.windows(2).map(|s| (s[0] + tile + s[1]) / 2));
        owned.push(n);
        Self {
            extent: tile,
            starts,
            owned,
        }
    }
}

/// The tiles of one frame.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tiling {
    frame: [usize; 2],
    /// Tile height and width.
    pub tile: [usize; 2],
    rows: AxisTiles,
    cols: AxisTiles,
}

/// Index `i` of an axis of `n` mirrored into `0..n` (NumPy's "symmetric" padding).
fn mirror(i: usize, n: usize) -> usize {
    let period = 2 * n;
    let i = i % period;
    if i < n { i } else { period - 1 - i }
}

impl Tiling {
    /// Tiles of side `tile` (a multiple of 8) with inner margins `margin` for a frame of
    /// `frame` (height, width); `2 margin < tile`.
    pub fn new(frame: [usize; 2], tile: usize, margin: usize) -> Self {
        let rows = AxisTiles::new(frame[0], tile, margin);
        let cols = AxisTiles::new(frame[1], tile, margin);
        Self {
            frame,
            tile: [rows.extent, cols.extent],
            rows,
            cols,
        }
    }

    /// Tiles in all.
    pub fn count(&self) -> usize {
        self.rows.starts.len() * self.cols.starts.len()
    }

    /// Every tile as (row tile, column tile), row-major.
    pub fn origins(&self) -> Vec<(usize, usize)> {
        let cols = self.cols.starts.len();
        (0..self.count()).map(|k| (k / cols, k % cols)).collect()
    }

    /// Appends tile `origin` of the row-major `frame` values to `out`.
    pub fn cut(&self, frame: &[f32], (i, j): (usize, usize), out: &mut Vec<f32>) {
        let [h, w] = self.frame;
        let (r0, c0) = (self.rows.starts[i], self.cols.starts[j]);
        for r in 0..self.tile[0] {
            let row = mirror(r0 + r, h) * w;
            out.extend((0..self.tile[1]).map(|c| frame[row + mirror(c0 + c, w)]));
        }
    }

    /// Copies the pixels tile `origin` owns from its values `tile` `(classes, th, tw)` into
    /// `out` `(classes, h, w)`.
    pub fn paste(
        &self,
        tile: &[f32],
        classes: usize,
        (i, j): (usize, usize),
        out: &mut Array3<f32>,
    ) {
        let [th, tw] = self.tile;
        let (r0, c0) = (self.rows.starts[i], self.cols.starts[j]);
        for k in 0..classes {
            for r in self.rows.owned[i]..self.rows.owned[i + 1] {
                for c in self.cols.owned[j]..self.cols.owned[j + 1] {
                    out[[k, r, c]] = tile[(k * th + r - r0) * tw + c - c0];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_frame_once_and_keep_their_margins() {
        for (n, tile, margin) in [(600, 256, 16), (257, 256, 16), (1000, 64, 8), (64, 64, 8)] {
            let t = AxisTiles::new(n, tile, margin);
            assert_eq!((t.owned[0], *t.owned.last().unwrap()), (0, n));
            for (i, s) in t.starts.iter().enumerate() {
                let (a, b) = (t.owned[i], t.owned[i + 1]);
                assert!(a < b && *s <= a && b <= s + tile, "{n} {tile}: tile {i}");
                // Inner edges keep the margin; the frame's own edges need not.
                assert!(
                    a == 0 || a >= s + margin,
                    "{n}: tile {i} starts too near its edge"
                );
                assert!(
                    b == n || b + margin <= s + tile,
                    "{n}: tile {i} ends too near its edge"
                );
            }
        }
        // A small frame is one tile, mirrored out to a multiple of 8.
        assert_eq!(AxisTiles::new(21, 256, 16).extent, 24);
    }

    #[test]
    fn cut_and_paste_return_the_frame() {
        let frame: Vec<f32> = (0..(70 * 45)).map(|v| v as f32).collect();
        let tiling = Tiling::new([70, 45], 32, 4);
        let mut out = Array3::zeros((1, 70, 45));
        for origin in tiling.origins() {
            let mut tile = Vec::new();
            tiling.cut(&frame, origin, &mut tile);
            tiling.paste(&tile, 1, origin, &mut out);
        }
        assert_eq!(out.iter().copied().collect::<Vec<_>>(), frame);
        assert_eq!((mirror(5, 4), mirror(8, 4), mirror(3, 4)), (2, 0, 3));
    }
}
