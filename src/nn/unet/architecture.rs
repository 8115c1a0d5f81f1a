//! The shapes of the U-Net (AtomAI's `Unet`, the network papers 002 and 004 cite; docs/models.md,
//! "U-Net").

use super::super::error::{NnError, invalid};

/// Poolings between the first block and the bottleneck: inputs of the network proper have
/// sides that are multiples of `2^LEVELS` (whole frames of any size are padded or tiled).
pub const LEVELS: usize = 3;

/// Sizes of one U-Net: AtomAI's default is 16 filters doubling per level, blocks of
/// `[1, 2, 2, 3]` convolution units (3 x 3 convolution -> LeakyReLU 0.01 -> BatchNorm) on the
/// way down and the bottleneck, the same counts mirrored on the way up, bilinear x2
/// upsampling followed by a 1 x 1 convolution, skip connections by concatenation and a 1 x 1
/// convolution to one logit per class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnetArchitecture {
    /// Classes of the per-pixel output (at least 2: softmax over classes). Paper 002: 3
    /// (domain, wall, contaminant); atom finding: background and one per cation class.
    pub classes: usize,
    /// Channels of the first block; level `l` has `filters 2^l`. AtomAI: 16.
    pub filters: usize,
    /// Convolution units per block: the first block, the two below it and the bottleneck.
    /// AtomAI: `[1, 2, 2, 3]`.
    pub blocks: [usize; 4],
}

impl UnetArchitecture {
    /// Checks the sizes: at least 2 classes, 1 filter and 1 unit per block; the widest layer's
    /// channels (`8 filters`) must not overflow.
    pub fn new(classes: usize, filters: usize, blocks: [usize; 4]) -> Result<Self, NnError> {
        if classes < 2 {
            return Err(invalid(format!(
                "unet.classes = {classes}: the network needs at least 2 classes (softmax over classes)"
            )));
        }
        if filters == 0 || filters.checked_mul(16).is_none() {
            return Err(invalid(format!(
                "unet.filters = {filters}: must be at least 1 and 16 x filters must fit"
            )));
        }
        if let Some(k) = blocks.iter().position(|&b| b == 0) {
            return Err(invalid(format!(
                "unet block {k} has 0 convolution units: every block needs at least 1"
            )));
        }
        Ok(Self {
            classes,
            filters,
            blocks,
        })
    }

    /// AtomAI's default for `classes` classes: 16 filters, blocks `[1, 2, 2, 3]`.
    pub fn atomai(classes: usize) -> Result<Self, NnError> {
        Self::new(classes, 16, [1, 2, 2, 3])
    }

    /// Channels of level `level` (0: full resolution, [`LEVELS`]: the bottleneck).
    pub fn channels(&self, level: usize) -> usize {
        self.filters << level
    }

    /// What the network proper needs of an input's sides: multiples of this.
    pub fn side_multiple() -> usize {
        1 << LEVELS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_sizes_are_errors_naming_them() {
        let e = UnetArchitecture::new(1, 16, [1, 2, 2, 3]).unwrap_err();
        assert!(e.to_string().contains("unet.classes = 1"), "{e}");
        let e = UnetArchitecture::new(3, 0, [1, 2, 2, 3]).unwrap_err();
        assert!(e.to_string().contains("unet.filters = 0"), "{e}");
        let e = UnetArchitecture::new(3, 16, [1, 0, 2, 3]).unwrap_err();
        assert!(e.to_string().contains("block 1"), "{e}");
        assert_eq!(UnetArchitecture::atomai(3).unwrap().channels(LEVELS), 128);
    }
}
