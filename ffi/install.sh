#!/usr/bin/env bash
# Install the C library under a prefix (Linux):
#   PREFIX/include/ferrolab.h, ferrolab.hpp
#   PREFIX/lib/libferrolab.so.ABI.MINOR.PATCH (stripped, SONAME libferrolab.so.ABI),
#     libferrolab.so.ABI and libferrolab.so (symlinks), libferrolab.a (debug info stripped)
#   PREFIX/lib/pkgconfig/ferrolab.pc
#   PREFIX/lib/cmake/ferrolab/ferrolabConfig.cmake, ferrolabConfigVersion.cmake
#     (find_package(ferrolab) gives the imported targets ferrolab::ferrolab, ferrolab::static)
# The SONAME is set here, on the installed copy (patchelf), not in target/release, where the
# README's one-line `cc` build keeps working without symlinks.
#
# Usage: bash ffi/install.sh --prefix DIR [--no-build] [--keep-debug]
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=""
build=1
strip_debug=1
while (($#)); do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep-debug) strip_debug=0; shift ;;
    *) echo "install.sh: unknown argument $1 (usage: --prefix DIR [--no-build] [--keep-debug])" >&2; exit 2 ;;
  esac
done
[[ -n "$prefix" ]] || { echo "install.sh: --prefix DIR is required" >&2; exit 2; }
command -v patchelf >/dev/null || { echo "install.sh: patchelf is needed (Debian: apt-get install patchelf)" >&2; exit 2; }

# The ABI version is the SONAME's number; the crate's minor and patch complete the file name.
abi=$(sed -n 's/^#define FERROLAB_ABI_VERSION \([0-9]*\)$/\1/p' include/ferrolab.h)
version=$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' Cargo.toml | head -1)
[[ -n "$abi" && -n "$version" ]] || { echo "install.sh: cannot read the ABI or crate version" >&2; exit 1; }
minor_patch=${version#*.}
real="libferrolab.so.$abi.$minor_patch"
soname="libferrolab.so.$abi"

# The README's build (the same features as every other build of the workspace).
if ((build)); then cargo build --release; fi
built="${CARGO_TARGET_DIR:-target}/release"
[[ -f "$built/libferrolab.so" && -f "$built/libferrolab.a" ]] || { echo "install.sh: build the library first (cargo build --release)" >&2; exit 1; }

lib="$prefix/lib"
mkdir -p "$prefix/include" "$lib/pkgconfig" "$lib/cmake/ferrolab"
install -m 644 include/ferrolab.h bindings/cpp/ferrolab.hpp "$prefix/include/"
install -m 755 "$built/libferrolab.so" "$lib/$real"
install -m 644 "$built/libferrolab.a" "$lib/libferrolab.a"
patchelf --set-soname "$soname" "$lib/$real"
if ((strip_debug)); then
  strip --strip-unneeded "$lib/$real"
  strip --strip-debug "$lib/libferrolab.a"
fi
ln -sf "$real" "$lib/$soname"
ln -sf "$soname" "$lib/libferrolab.so"

cat >"$lib/pkgconfig/ferrolab.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: ferrolab
Description: Numerical engine for ferroelectrics research (C ABI $abi)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lferrolab
Libs.private: -lpthread -lm -ldl
EOF

cat >"$lib/cmake/ferrolab/ferrolabConfig.cmake" <<'EOF'
# find_package(ferrolab): imported targets ferrolab::ferrolab (shared) and ferrolab::static.
get_filename_component(_ferrolab_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET ferrolab::ferrolab)
  add_library(ferrolab::ferrolab SHARED IMPORTED)
  set_target_properties(ferrolab::ferrolab PROPERTIES
    IMPORTED_LOCATION "${_ferrolab_prefix}/lib/libferrolab.so"
    IMPORTED_SONAME "@SONAME@"
    INTERFACE_INCLUDE_DIRECTORIES "${_ferrolab_prefix}/include")
  add_library(ferrolab::static STATIC IMPORTED)
  set_target_properties(ferrolab::static PROPERTIES
    IMPORTED_LOCATION "${_ferrolab_prefix}/lib/libferrolab.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_ferrolab_prefix}/include"
    INTERFACE_LINK_LIBRARIES "pthread;m;dl")
endif()
unset(_ferrolab_prefix)
EOF
sed -i "s/@SONAME@/$soname/" "$lib/cmake/ferrolab/ferrolabConfig.cmake"

cat >"$lib/cmake/ferrolab/ferrolabConfigVersion.cmake" <<EOF
# Compatible when the major version matches and the installed one is not older.
set(PACKAGE_VERSION "$version")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "${version%%.*}")
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
else()
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
endif()
EOF

echo "installed ferrolab $version (SONAME $soname) under $prefix"
