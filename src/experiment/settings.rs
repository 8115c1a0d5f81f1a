//! The `sample.*` configuration keys: the simulated sample of paper 003's automated
//! experiment (design note models.md 3.5; the defaults are the note's).

use super::error::{ExperimentError, invalid};
use super::patches::centre_range;
use crate::config::Valid;
use crate::config::settings::Validate;
use crate::limits::{bytes_of, check, total};
use std::ops::Bound::{Excluded, Included};

crate::settings! {
    /// The `sample.*` keys: sizes, structure, noise and planted anomalies of the simulated
    /// sample ([`Sample`](super::Sample)).
    pub struct SampleSettings {
        /// Rows of the structure image and of the loop map.
        pub rows: usize = 60
            => "sample.rows", unit "px", valid Valid::Int(Included(1), Included(1 << 20));
        /// Columns of the structure image and of the loop map.
        pub cols: usize = 60
            => "sample.cols", unit "px", valid Valid::Int(Included(1), Included(1 << 20));
        /// Voltage steps of each loop: one triangle cycle 0 -> +max -> -max -> 0 (a multiple of
        /// 4 samples both extremes).
        pub steps: usize = 64
            => "sample.steps", unit "points", valid Valid::Int(Included(4), Included(1 << 20));
        /// Amplitude of the voltage cycle.
        pub voltage_max_v: f64 = 12.0
            => "sample.voltage_max_v", unit "V", valid Valid::Real(Excluded(0.0), Included(1e6));
        /// Spacing of consecutive a-domain lamellae, drawn uniformly in [min, max] for each.
        pub period_px: [f64; 2] = [10.0, 16.0]
            => "sample.period_px", unit "px", valid Valid::Real(Included(1.0), Included(1e6));
        /// Width of each a-domain lamella, drawn uniformly in [min, max].
        pub width_px: [f64; 2] = [2.0, 4.0]
            => "sample.width_px", unit "px", valid Valid::Real(Included(0.0), Included(1e6));
        /// Horizontal lamellae are added in the rows above this one (rows < this value);
        /// vertical lamellae cover the whole field.
        pub horizontal_rows: usize = 30
            => "sample.horizontal_rows", unit "px",
            valid Valid::Int(Included(0), Included(1 << 20));
        /// Image contrast c of the a domains: I = 1 - c M before blur and noise.
        pub contrast: f64 = 0.8
            => "sample.contrast", valid Valid::Real(Included(0.0), Included(1e6));
        /// Standard deviation of the Gaussian blur of the image.
        pub blur_px: f64 = 0.8
            => "sample.blur_px", unit "px", valid Valid::Real(Included(0.0), Included(1e3));
        /// Standard deviation of the Gaussian noise added to the image.
        pub image_noise: f64 = 0.03
            => "sample.image_noise", valid Valid::Real(Included(0.0), Included(1e6));
        /// Standard deviation sigma_n of the Gaussian noise added to every loop point.
        pub loop_noise: f64 = 0.1
            => "sample.loop_noise", valid Valid::Real(Included(0.0), Included(1e6));
        /// Radius of the disc over which the a-fraction f_a is averaged.
        pub fraction_radius_px: f64 = 3.0
            => "sample.fraction_radius_px", unit "px",
            valid Valid::Real(Included(0.0), Included(1e4));
        /// Last column of the training side (paper 003's split: train j <= 42, test j > 42);
        /// anomalies are planted in the columns beyond it.
        pub split_col: usize = 42
            => "sample.split_col", unit "px", valid Valid::Int(Included(0), Included(1 << 20));
        /// Number of planted anomalies ("novel physics" discs whose loops do not follow the
        /// structure).
        pub anomaly_count: usize = 3
            => "sample.anomaly_count", valid Valid::Int(Included(0), Included(1 << 20));
        /// Radius of each anomaly disc (pixels within this distance of its centre).
        pub anomaly_radius_px: f64 = 3.0
            => "sample.anomaly_radius_px", unit "px",
            valid Valid::Real(Included(0.0), Included(1e4));
        /// Imprint shift added to Vi inside the anomalies.
        pub anomaly_shift_v: f64 = 4.0
            => "sample.anomaly_shift_v", unit "V", valid Valid::Real(Included(-1e6), Included(1e6));
        /// Anomalies lie where a centred window of this (even) width fits, so that every
        /// anomalous pixel is the centre of a patch: rows and columns in [w/2, size - w/2].
        pub anomaly_window_px: usize = 8
            => "sample.anomaly_window_px", unit "px",
            valid Valid::Int(Included(0), Included(1 << 20));
        /// An anomaly is placed only where every pixel's noiseless loop differs from the loop
        /// the structure predicts by a mean squared difference of at least this many
        /// loop_noise^2 (when loop_noise is 0: by at least this value).
        pub anomaly_visibility: f64 = 10.0
            => "sample.anomaly_visibility", valid Valid::Real(Included(0.0), Included(1e12));
        /// Seed of the sample's random streams.
        pub seed: u64 = 0 => "sample.seed", valid Valid::Int(Included(0), Included(i64::MAX));
    }
}

impl SampleSettings {
    /// The rows and columns where anomaly centres may lie: the disc fits inside the window
    /// range ([`anomaly_window_px`](Self::anomaly_window_px)) and right of the split column.
    /// `None` when no position is left.
    pub(crate) fn anomaly_centre_box(&self) -> Option<([usize; 2], [usize; 2])> {
        let reach = self.anomaly_radius_px.floor() as usize;
        let rows = centre_range(self.rows, self.anomaly_window_px)?;
        let cols = centre_range(self.cols, self.anomaly_window_px)?;
        let row_lo = rows.start().checked_add(reach)?;
        let row_hi = rows.end().checked_sub(reach)?;
        let col_lo = (*cols.start())
            .max(self.split_col.checked_add(1)?)
            .checked_add(reach)?;
        let col_hi = cols.end().checked_sub(reach)?;
        (row_lo <= row_hi && col_lo <= col_hi).then_some(([row_lo, row_hi], [col_lo, col_hi]))
    }
}

impl Validate for SampleSettings {
    type Error = ExperimentError;

    /// The split inside the image, room for the anomalies in the test region, even windows,
    /// and the arrays within the memory budget.
    fn check_together(&self) -> Result<(), ExperimentError> {
        if self.split_col >= self.cols {
            return Err(invalid(format!(
                "sample.split_col = {} must be a column of the image (sample.cols = {})",
                self.split_col, self.cols
            )));
        }
        if !self.anomaly_window_px.is_multiple_of(2) {
            return Err(invalid(format!(
                "sample.anomaly_window_px = {} must be even",
                self.anomaly_window_px
            )));
        }
        if self.anomaly_count > 0 && self.anomaly_centre_box().is_none() {
            return Err(invalid(format!(
                "no room for an anomaly of sample.anomaly_radius_px = {} right of \
                 sample.split_col = {} inside sample.anomaly_window_px = {} of a {} x {} image",
                self.anomaly_radius_px,
                self.split_col,
                self.anomaly_window_px,
                self.rows,
                self.cols
            )));
        }
        // Two loop cubes, the image, mask, anomaly mask, three descriptors, room for the
        // blur's two passes, and the anomalies' candidate centres (all and usable).
        let (r, c, l) = (self.rows, self.cols, self.steps);
        let bytes = total(&[
            bytes_of::<f64>(&[2, r, c, l]),
            bytes_of::<f64>(&[7, r, c]),
            bytes_of::<bool>(&[2, r, c]),
            bytes_of::<[usize; 2]>(&[2, r, c]),
        ]);
        let what = format!("sample.rows x sample.cols x sample.steps = {r} x {c} x {l}");
        Ok(check(&what, bytes)?)
    }
}
