//! Files: atomic writes, NPY arrays and NPZ archives.

pub mod atomic;
pub mod npy;
pub mod npz;
