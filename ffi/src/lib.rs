//! The C ABI of ferrolab (`libferrolab.so`, `libferrolab.a`, `include/ferrolab.h`).
//!
//! Only argument checking, handles, status codes and panic containment live here; the numerics
//! are in the core crate. Every export is a plain `extern "C" fn` (so cbindgen sees it) whose
//! body runs through [`ffi_boundary!`]. Conventions: README.md ("The C API in brief") and the
//! header preamble in `cbindgen.toml`.
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

pub mod ae;
pub mod analysis;
mod arrays;
pub mod beps;
#[doc(hidden)]
pub mod boundary;
pub mod config;
pub mod dataset;
pub mod design;
mod encoder_decoder;
pub mod gp;
mod handles;
pub mod im2spec;
pub mod limits;
pub mod lstm_vae;
pub mod manifold;
pub mod phasefield;
pub mod polycrystal;
mod running;
pub mod rvae;
pub mod sample;
pub mod status;
mod strings;
pub mod threads;
pub mod unet;
pub mod vae;
pub mod version;
