//! The Windows DLL cross-built by `ffi/build-windows.sh` (x86_64-pc-windows-gnu, mingw-w64):
//! its export table holds exactly the names of `ffi/symbols.txt`, its import library declares
//! the same functions, and it imports only DLLs that every 64-bit Windows has, so a LabVIEW user
//! copies `ferrolab.dll` alone (no libgcc_s_seh-1.dll or libwinpthread-1.dll beside it).
//!
//! The files are read here as PE and ar files rather than through `x86_64-w64-mingw32-objdump
//! -p`: the check depends on the two formats only, which are fixed, not on a tool's text output,
//! and it runs wherever the DLL is, with no binutils for the target installed.
//!
//! `.ci/run` builds the DLL and sets FERROLAB_WINDOWS_DLL to its path, so there the tests always
//! run, and a path with no file behind it fails. Without the variable (a machine with no cross
//! toolchain) they print that they were skipped and pass.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The DLL to check, or `None` (with a message) when FERROLAB_WINDOWS_DLL is not set.
fn dll_path() -> Option<PathBuf> {
    let Some(path) = std::env::var_os("FERROLAB_WINDOWS_DLL") else {
        // Straight to stderr: the test harness captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: FERROLAB_WINDOWS_DLL is not set (build the DLL with \
             `bash ffi/build-windows.sh` and set it to the ferrolab.dll path printed)"
        );
        return None;
    };
    let path = PathBuf::from(path);
    assert!(
        path.is_file(),
        "FERROLAB_WINDOWS_DLL={} is not a file",
        path.display()
    );
    Some(path)
}

/// `ffi/symbols.txt`: the names every build of the library exports.
fn committed_symbols() -> BTreeSet<String> {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("symbols.txt");
    std::fs::read_to_string(list)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Fails, naming the extra and the missing names, unless `names` are those of `ffi/symbols.txt`.
#[track_caller]
fn assert_committed(names: &BTreeSet<String>, what: &str) {
    let committed = committed_symbols();
    assert!(
        *names == committed,
        "{what} differs from ffi/symbols.txt: extra {:?}, missing {:?}",
        names.difference(&committed).collect::<Vec<_>>(),
        committed.difference(names).collect::<Vec<_>>()
    );
}

/// A little-endian integer of `N` bytes at `offset`, failing with the offset on a short file.
fn le<const N: usize>(bytes: &[u8], offset: usize) -> u64 {
    let field: [u8; N] = bytes
        .get(offset..offset + N)
        .and_then(|b| b.try_into().ok())
        .unwrap_or_else(|| panic!("file ends before offset {offset} + {N}"));
    field
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// The parts of a PE32+ image these tests read: its bytes, its header fields and its sections,
/// to turn relative virtual addresses (RVAs) into file offsets. Layout: Microsoft's "PE Format"
/// specification.
struct Pe {
    bytes: Vec<u8>,
    machine: u16,
    characteristics: u16,
    /// Offset of the optional header's data directories (16 x (RVA, size)).
    directories: usize,
    directory_count: usize,
    /// (virtual address, virtual size, file offset) of each section.
    sections: Vec<(u64, u64, u64)>,
}

/// What a DLL exports.
struct Exports {
    /// The name the DLL gives itself.
    dll_name: String,
    names: Vec<String>,
    /// Entries of the export address table, named or not.
    functions: u64,
}

/// Indexes of the data directories read here.
const EXPORT_DIRECTORY: usize = 0;
const IMPORT_DIRECTORY: usize = 1;
const DELAY_IMPORT_DIRECTORY: usize = 13;

impl Pe {
    fn read(path: &Path) -> Pe {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[..2], b"MZ", "{} is not a PE file", path.display());
        let pe = le::<4>(&bytes, 0x3c) as usize;
        assert_eq!(&bytes[pe..pe + 4], b"PE\0\0", "no PE signature");
        let coff = pe + 4;
        let section_count = le::<2>(&bytes, coff + 2) as usize;
        let optional_size = le::<2>(&bytes, coff + 16) as usize;
        let optional = coff + 20;
        assert_eq!(
            le::<2>(&bytes, optional),
            0x20b,
            "not a PE32+ (64-bit) image"
        );
        let sections = (0..section_count)
            .map(|i| {
                let s = optional + optional_size + 40 * i;
                (
                    le::<4>(&bytes, s + 12),
                    le::<4>(&bytes, s + 8),
                    le::<4>(&bytes, s + 20),
                )
            })
            .collect();
        Pe {
            machine: le::<2>(&bytes, coff) as u16,
            characteristics: le::<2>(&bytes, coff + 18) as u16,
            directories: optional + 112,
            directory_count: le::<4>(&bytes, optional + 108) as usize,
            sections,
            bytes,
        }
    }

    /// (RVA, size) of data directory `index`; (0, 0) when the image has none.
    fn directory(&self, index: usize) -> (u64, u64) {
        if index >= self.directory_count {
            return (0, 0);
        }
        let entry = self.directories + 8 * index;
        (le::<4>(&self.bytes, entry), le::<4>(&self.bytes, entry + 4))
    }

    /// File offset of an RVA, through the section that maps it.
    fn offset(&self, rva: u64) -> usize {
        let &(address, _, raw) = self
            .sections
            .iter()
            .find(|&&(address, size, _)| (address..address + size).contains(&rva))
            .unwrap_or_else(|| panic!("RVA {rva:#x} is in no section"));
        (raw + rva - address) as usize
    }

    fn u32_at(&self, rva: u64) -> u64 {
        le::<4>(&self.bytes, self.offset(rva))
    }

    /// The NUL-terminated ASCII string at an RVA.
    fn string_at(&self, rva: u64) -> String {
        let start = self.offset(rva);
        let len = self.bytes[start..]
            .iter()
            .position(|&b| b == 0)
            .expect("NUL-terminated string");
        String::from_utf8(self.bytes[start..start + len].to_vec()).expect("ASCII name")
    }

    /// The export directory (Name at +12, NumberOfFunctions at +20, NumberOfNames at +24,
    /// AddressOfNames at +32).
    fn exports(&self) -> Exports {
        let (rva, _) = self.directory(EXPORT_DIRECTORY);
        assert_ne!(rva, 0, "the DLL has no export table");
        let names_rva = self.u32_at(rva + 32);
        Exports {
            dll_name: self.string_at(self.u32_at(rva + 12)),
            names: (0..self.u32_at(rva + 24))
                .map(|i| self.string_at(self.u32_at(names_rva + 4 * i)))
                .collect(),
            functions: self.u32_at(rva + 20),
        }
    }

    /// Names of the DLLs in the import directory (20-byte descriptors, Name at +12, up to an
    /// all-zero one).
    fn imported_dlls(&self) -> Vec<String> {
        let (rva, _) = self.directory(IMPORT_DIRECTORY);
        (0..)
            .map(|i| rva + 20 * i)
            .take_while(|&d| (0..20).step_by(4).any(|f| self.u32_at(d + f) != 0))
            .map(|d| self.string_at(self.u32_at(d + 12)))
            .collect()
    }
}

#[test]
fn the_dll_exports_exactly_the_committed_symbols() {
    let Some(path) = dll_path() else { return };
    let pe = Pe::read(&path);
    assert_eq!(pe.machine, 0x8664, "not an x86-64 image");
    assert_ne!(pe.characteristics & 0x2000, 0, "not a DLL (IMAGE_FILE_DLL)");
    let exports = pe.exports();
    assert_eq!(exports.dll_name, "ferrolab.dll");
    let exported: BTreeSet<String> = exports.names.iter().cloned().collect();
    assert_eq!(
        exported.len(),
        exports.names.len(),
        "a name is exported twice"
    );
    assert_committed(&exported, "the DLL's export table");
    // An entry without a name is reachable by ordinal: an export the list does not show.
    assert_eq!(
        exports.functions,
        exports.names.len() as u64,
        "exports by ordinal only"
    );
}

/// The DLLs the library imports (bcrypt.dll, for BCryptGenRandom, in unoptimised builds only),
/// all in the System32 of every Windows that Rust's x86_64-pc-windows-gnu target supports (10
/// and later); msvcrt.dll is the system's C runtime, which mingw targets. API-set names
/// (`api-ms-win-*`) are resolved by the Windows loader.
const SYSTEM_DLLS: [&str; 8] = [
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "ntdll.dll",
    "userenv.dll",
    "ws2_32.dll",
];

#[test]
fn the_dll_needs_only_windows_system_dlls() {
    let Some(path) = dll_path() else { return };
    let pe = Pe::read(&path);
    let imported = pe.imported_dlls();
    assert!(
        imported
            .iter()
            .any(|d| d.eq_ignore_ascii_case("kernel32.dll")),
        "import table not read: {imported:?}"
    );
    let foreign: Vec<&String> = imported
        .iter()
        .filter(|d| {
            let d = d.to_ascii_lowercase();
            !SYSTEM_DLLS.contains(&d.as_str()) && !d.starts_with("api-ms-win-")
        })
        .collect();
    assert!(
        foreign.is_empty(),
        "the DLL needs {foreign:?}, which Windows does not ship (all imports: {imported:?})"
    );
    // A delay-loaded DLL would be missed by the list above.
    assert_eq!(
        pe.directory(DELAY_IMPORT_DIRECTORY),
        (0, 0),
        "delay imports"
    );
}

/// The symbol names of a GNU ar archive's index (the first member, named "/": a big-endian
/// count, as many member offsets, then the NUL-terminated names).
fn archive_symbols(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"!<arch>\n",
        "{} is not an ar archive",
        path.display()
    );
    let header = &bytes[8..68];
    assert_eq!(&header[..2], b"/ ", "no symbol index first");
    let size: usize = std::str::from_utf8(&header[48..58])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let index = &bytes[68..68 + size];
    let count = u32::from_be_bytes(index[..4].try_into().unwrap()) as usize;
    index[4 + 4 * count..]
        .split(|&b| b == 0)
        .take(count)
        .map(|name| String::from_utf8(name.to_vec()).unwrap())
        .collect()
}

#[test]
fn the_import_library_declares_the_same_functions() {
    let Some(path) = dll_path() else { return };
    let implib = path.with_file_name("libferrolab.dll.a");
    assert!(implib.is_file(), "{} is missing", implib.display());
    let symbols = archive_symbols(&implib);
    // A function of an import library has a thunk `name` and a pointer `__imp_name`.
    let imports: BTreeSet<String> = symbols
        .iter()
        .filter_map(|s| s.strip_prefix("__imp_").map(str::to_owned))
        .collect();
    assert_committed(&imports, "the import library");
    for name in &imports {
        assert!(symbols.contains(name), "no thunk for {name}");
    }
}
