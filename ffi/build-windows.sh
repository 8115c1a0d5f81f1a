#!/usr/bin/env bash
# Cross-build the C library for 64-bit Windows on Linux (Rust target x86_64-pc-windows-gnu,
# linked by mingw-w64) and print where the files are:
#   target/x86_64-pc-windows-gnu/release/ferrolab.dll        the DLL (LabVIEW, C, Python, Julia)
#   target/x86_64-pc-windows-gnu/release/libferrolab.dll.a   its import library (mingw: -lferrolab)
# with include/ferrolab.h as the header. The DLL imports only Windows system DLLs
# (ffi/tests/windows_dll.rs checks it): it is copied alone, with no runtime DLL beside it.
#
# Needs the Rust target and the mingw-w64 linker; this script installs neither, it names them:
#   rustup target add x86_64-pc-windows-gnu
#   apt-get install gcc-mingw-w64-x86-64-win32        (Debian/Ubuntu)
#
# Usage: bash ffi/build-windows.sh [--profile NAME]
#   --profile   cargo profile (default release); CI uses windows-check, which only links the
#               DLL to check its exports (Cargo.toml says why)
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-pc-windows-gnu
profile=release
while (($#)); do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    *) echo "build-windows.sh: unknown argument $1 (usage: [--profile NAME])" >&2; exit 2 ;;
  esac
done

if [[ ! -d "$(rustc --print target-libdir --target "$target")" ]]; then
  echo "build-windows.sh: the Rust standard library for $target is missing:" \
    "rustup target add $target" >&2
  exit 2
fi
command -v x86_64-w64-mingw32-gcc >/dev/null || {
  echo "build-windows.sh: the mingw-w64 linker x86_64-w64-mingw32-gcc is missing" \
    "(Debian/Ubuntu: apt-get install gcc-mingw-w64-x86-64-win32)" >&2
  exit 2
}

cargo build -p ferrolab-ffi --target "$target" --profile "$profile"

built="${CARGO_TARGET_DIR:-target}/$target/$profile"
for file in ferrolab.dll libferrolab.dll.a; do
  [[ -f "$built/$file" ]] || { echo "build-windows.sh: cargo did not write $built/$file" >&2; exit 1; }
done
echo "ferrolab.dll:    $built/ferrolab.dll ($(du -m "$built/ferrolab.dll" | cut -f1) MB)"
echo "import library:  $built/libferrolab.dll.a"
echo "header:          include/ferrolab.h"
