//! Version numbers: literal macros for the header (cbindgen cannot evaluate `env!`), runtime
//! functions for DLL users who cannot read macros; a test keeps both equal to Cargo.toml.

use crate::strings::static_cstr;
use std::ffi::c_char;

/// Major version of ferrolab.
pub const FERROLAB_VERSION_MAJOR: i32 = 0;
/// Minor version of ferrolab.
pub const FERROLAB_VERSION_MINOR: i32 = 1;
/// Patch version of ferrolab.
pub const FERROLAB_VERSION_PATCH: i32 = 0;
/// Version of the C ABI: raised whenever a signature changes or a function is removed, so a
/// program can check at run time that the library it loaded is the one it was built against.
pub const FERROLAB_ABI_VERSION: i32 = 1;

/// The library version as static NUL-terminated text, "MAJOR.MINOR.PATCH". Never NULL; do not
/// free. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_version_string() -> *const c_char {
    crate::ffi_boundary!(fallback = static_cstr("unknown\0"), {
        static_cstr(concat!(env!("CARGO_PKG_VERSION"), "\0"))
    })
}

/// The C ABI version of the loaded library (compare with FERROLAB_ABI_VERSION). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_abi_version() -> i32 {
    crate::ffi_boundary!(fallback = FERROLAB_ABI_VERSION, { FERROLAB_ABI_VERSION })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_and_functions_agree_with_cargo_toml() {
        let parse = |s: &str| s.parse::<i32>().unwrap();
        assert_eq!(
            FERROLAB_VERSION_MAJOR,
            parse(env!("CARGO_PKG_VERSION_MAJOR"))
        );
        assert_eq!(
            FERROLAB_VERSION_MINOR,
            parse(env!("CARGO_PKG_VERSION_MINOR"))
        );
        assert_eq!(
            FERROLAB_VERSION_PATCH,
            parse(env!("CARGO_PKG_VERSION_PATCH"))
        );
        let text = unsafe { std::ffi::CStr::from_ptr(ferrolab_version_string()) };
        assert_eq!(text.to_str().unwrap(), engine::VERSION);
        assert_eq!(text.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(ferrolab_abi_version(), FERROLAB_ABI_VERSION);
    }
}
