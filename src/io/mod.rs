//! Files: every format the project reads or writes lives here, behind one error type
//! ([`IoError`], naming the file): atomic writes, NPY arrays and NPZ archives, matrices from
//! NPY or CSV ([`matrix`]), P-V loops from any of the project's files ([`loops`]), and the
//! network file format of every trained model ([`network`]), the checked JSON record of models
//! that are data rather than tensors ([`record`]), the dataset format ([`dataset`]), one run per output ([`lock`]), and USID HDF5 band-excitation files (`usid`, with the
//! `hdf5` feature).

pub mod atomic;
pub mod dataset;
mod error;
pub mod lock;
pub mod loops;
pub mod matrix;
pub mod network;
pub mod npy;
pub mod npz;
pub mod record;
#[cfg(feature = "hdf5")]
pub mod usid;

pub use error::{IoError, read_file};
