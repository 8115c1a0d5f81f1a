//! The committed header equals what the pinned cbindgen generates from the sources, and it
//! compiles alone as C99 and C++17 with every warning an error.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn generate() -> Vec<u8> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen runs on ffi/");
    let mut bytes = Vec::new();
    bindings.write(&mut bytes);
    bytes
}

#[test]
fn header_is_up_to_date() {
    let path = root().join("include/ferrolab.h");
    let fresh = generate();
    if std::env::var_os("FERROLAB_REGEN_HEADER").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/ferrolab.h differs from the sources; regenerate it with \
         FERROLAB_REGEN_HEADER=1 cargo test --release -p ferrolab-ffi --test header"
    );
}

fn compile_alone(compiler: &str, std: &str, extension: &str) {
    let dir = std::env::temp_dir().join(format!("ferrolab-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join(format!("alone.{extension}"));
    std::fs::write(
        &source,
        "#include \"ferrolab.h\"\nint main(void) { return FERROLAB_OK; }\n",
    )
    .unwrap();
    let output = Command::new(compiler)
        .args([
            std,
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-fsyntax-only",
            "-I",
        ])
        .arg(root().join("include"))
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("{compiler}: {e}"));
    assert!(
        output.status.success(),
        "{compiler} {std}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn header_compiles_alone_as_c99() {
    compile_alone("cc", "-std=c99", "c");
}

#[test]
fn header_compiles_alone_as_cpp17() {
    compile_alone("c++", "-std=c++17", "cpp");
}
