//! Build-time work of the core crate: record the target and profile for `ferrolab --version`
//! and bug reports. Writes nothing outside OUT_DIR (in fact nothing at all).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown-target".into());
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown-profile".into());
    println!("cargo:rustc-env=FERROLAB_TARGET={target}");
    println!("cargo:rustc-env=FERROLAB_PROFILE={profile}");
}
