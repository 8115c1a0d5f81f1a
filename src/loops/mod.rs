//! Hysteresis loops: features of sampled P-V loops, simulated or measured.

pub mod features;
