"""Build hook of the ferrolab package: bundles libferrolab into the wheel.

The package is ctypes over the C library, so the wheel must carry the library itself (and is
therefore a platform wheel, py3-none-<platform>: any Python 3, no Python ABI, one OS and CPU).
The library comes from, in order:

1. FERROLAB_LIB, the path of a built library (CI sets it to the build it has just tested);
2. the repository's release build (CARGO_TARGET_DIR or target/, two levels above this file) when it
   is newer than every source it is built from;
3. otherwise `cargo build --release` in the repository, the README's build (the same features as
   every other build of the workspace, so it reuses their compiled crates instead of building the
   core crate a second time), then 2.

Everything else is in pyproject.toml.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# What the library is built from: a file newer than the library means it is out of date.
SOURCES = ["Cargo.toml", "Cargo.lock", "build.rs", "src", "ffi/Cargo.toml", "ffi/src"]


def library_file_name():
    # As ferrolab._lib.library_file_name (the package cannot be imported before it is built).
    if sys.platform == "win32":
        return "ferrolab.dll"
    if sys.platform == "darwin":
        return "libferrolab.dylib"
    return "libferrolab.so"


def newest_source_mtime():
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest] + [f.stat().st_mtime for f in files if f.is_file()])
    return newest


def locate_library():
    env = os.environ.get("FERROLAB_LIB")
    if env:
        if not Path(env).is_file():
            sys.exit(f"ferrolab build: FERROLAB_LIB={env} is not a file")
        return Path(env)
    if not (ROOT / "ffi" / "Cargo.toml").is_file():
        sys.exit("ferrolab build: not inside the ferrolab repository; set FERROLAB_LIB to a built libferrolab")
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    if not target.is_absolute():
        target = ROOT / target
    built = target / "release" / library_file_name()
    if built.is_file() and built.stat().st_mtime >= newest_source_mtime():
        return built
    cargo = shutil.which("cargo")
    if cargo is None:
        sys.exit("ferrolab build: cargo is needed to build libferrolab (https://rustup.rs), or set FERROLAB_LIB")
    print(f"ferrolab build: cargo build --release in {ROOT} (several minutes on a fresh checkout)", flush=True)
    subprocess.run([cargo, "build", "--release"], cwd=ROOT, check=True)
    return built


class BuildPyWithLibrary(build_py):
    """build_py, then the library copied next to the package's modules."""

    def run(self):
        # pip builds in the source tree: start from an empty build/lib/ferrolab so that a module
        # deleted from src/ does not live on in the wheel from an earlier build.
        shutil.rmtree(Path(self.build_lib) / "ferrolab", ignore_errors=True)
        super().run()
        library = locate_library()
        dest = Path(self.build_lib) / "ferrolab" / library_file_name()
        shutil.copyfile(library, dest)
        dest.chmod(0o755)
        # Debug line tables are most of the build's size (38 MB against 7 MB); ferrolab's messages
        # do not need them. As ffi/install.sh does, where binutils' strip exists.
        strip = shutil.which("strip")
        if strip and sys.platform.startswith("linux"):
            subprocess.run([strip, "--strip-unneeded", str(dest)], check=True)


class NativeLibraryDistribution(Distribution):
    """Installed as platform-specific (platlib, a non-pure wheel), for the library it carries."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """Tagged py3-none-<platform>: a native library, but no extension module tied to one Python."""

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(distclass=NativeLibraryDistribution, cmdclass={"build_py": BuildPyWithLibrary, "bdist_wheel": PlatformWheel})
