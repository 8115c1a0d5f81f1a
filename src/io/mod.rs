//! Files: atomic writes and NPY arrays.

pub mod atomic;
pub mod npy;
