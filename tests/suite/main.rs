//! The library's integration tests as one binary: one link of the library and its
//! dependencies instead of one per file (sixteen), about half a minute of CI's test build on
//! 2 cores (benches/README.md, "CI time"). Each file is a module; `cargo test --test suite
//! MODULE::` runs one, e.g. `cargo test --release --test suite cli::`.

// The fuzz targets' bodies (also the fuzz crate's), which the corpus replay and the seed
// writer share.
#[allow(dead_code)]
#[path = "../../fuzz/targets.rs"]
mod targets;

mod analysis;
mod analysis_circular;
mod analysis_clustering;
mod analysis_decomposition;
mod analysis_manifold;
mod analysis_omp;
mod analysis_rand_index;
mod beps;
mod beps_usid;
mod cli;
mod datasets;
mod design;
mod experiment_metrics;
mod fuzz_corpus;
mod fuzz_seeds;
mod gp_sklearn;
mod phasefield_oracles;
mod vae;
