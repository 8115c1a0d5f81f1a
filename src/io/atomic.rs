//! Atomic file writes: write to a fresh temporary file in the same directory, flush it to disk,
//! then rename it over the target, so a crash never leaves a half-written file under the real
//! name and a reader never sees one.
//!
//! - The temporary file is created exclusively (`O_CREAT | O_EXCL`, which also refuses to
//!   follow a link planted at its name) under an unpredictable name, `.NAME.tmp-PID-N-RANDOM`,
//!   so concurrent saves to one path (threads or processes) never share a temporary and the
//!   last rename wins with a complete file.
//! - A target that exists and is not a regular file (a link, a device such as `/dev/null`, a
//!   directory, a FIFO) is refused, never replaced.
//! - After the rename the directory is synced too, so the new name survives a power cut.
//! - Temporaries left by killed processes (their PID no longer runs) are removed by the next
//!   write to the same target.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Write `path` atomically with the bytes that `fill` produces.
///
/// ```
/// let path = std::env::temp_dir().join("ferrolab-atomic-doc.txt");
/// ferrolab::io::atomic::write_atomically(&path, |w| w.write_all(b"hello"))?;
/// assert_eq!(std::fs::read(&path)?, b"hello");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    refuse_non_regular(path)?;
    remove_stale_temporaries(path);
    let (tmp, file) = create_temporary(path)?;
    let result = (|| {
        let mut out = BufWriter::new(file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        // Checked again just before the rename: a link or device put there meanwhile stays.
        refuse_non_regular(path)?;
        fs::rename(&tmp, path)?;
        sync_directory(path);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Check now that [`write_atomically`] could write `path` later: it is absent or a regular
/// file, and its directory exists and takes a new file (probed with a temporary, removed at
/// once). For paths written long after they are given, such as checkpoints.
///
/// ```
/// use ferrolab::io::atomic::check_writable;
/// assert!(check_writable(&std::env::temp_dir().join("ferrolab-probe.bin")).is_ok());
/// assert!(check_writable("/proc/no-such-dir/model.safetensors".as_ref()).is_err());
/// ```
pub fn check_writable(path: &Path) -> io::Result<()> {
    refuse_non_regular(path)?;
    let (tmp, _file) = create_temporary(path)?;
    fs::remove_file(tmp)
}

/// An error unless `path` is absent or a regular file (links are not followed).
fn refuse_non_regular(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "exists and is not a regular file (a link, device, directory or FIFO is never replaced)",
        )),
        _ => Ok(()),
    }
}

/// The prefix of every temporary of `path`: `.NAME.tmp-`.
fn temporary_prefix(path: &Path) -> String {
    format!(
        ".{}.tmp-",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// A new temporary file beside `path`, created exclusively under an unpredictable name.
fn create_temporary(path: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = temporary_prefix(path);
    let mut last = None;
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}{}-{n}-{:016x}", std::process::id(), random());
        let tmp = path.with_file_name(name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// 64 unpredictable bits (std's per-process random hashing keys, mixed with the time).
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    h.write_u128(now.as_nanos());
    h.finish()
}

/// Sync the directory holding `path`, so the rename itself is durable (best effort: not every
/// platform can open a directory).
fn sync_directory(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Remove temporaries of `path` whose writing process no longer runs (left by a kill). Only
/// where running processes can be told (`/proc`); elsewhere they stay.
fn remove_stale_temporaries(path: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = temporary_prefix(path);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let Ok(entries) = fs::read_dir(dir.unwrap_or(Path::new("."))) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ferrolab-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = scratch("failed");
        let path = dir.join("data.bin");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Links, directories and FIFOs at the target are refused and left as they are; the file a
    /// link points to is not touched.
    #[cfg(unix)]
    #[test]
    fn non_regular_targets_are_never_replaced() {
        let dir = scratch("targets");
        let victim = dir.join("victim.txt");
        fs::write(&victim, b"precious").unwrap();
        let link = dir.join("model.bin");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = write_atomically(&link, |w| w.write_all(b"x")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(write_atomically(&dir, |w| w.write_all(b"x")).is_err());
        let fifo = dir.join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        assert!(write_atomically(&fifo, |w| w.write_all(b"x")).is_err());
        assert!(!fs::symlink_metadata(&fifo).unwrap().is_file());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Eight threads saving one path at once: every save succeeds, every read in between sees
    /// one complete file, and no temporary is left.
    #[test]
    fn concurrent_saves_all_succeed_and_readers_see_whole_files() {
        let dir = scratch("concurrent");
        let path = dir.join("model.bin");
        let contents: Vec<Vec<u8>> = (0..8u8).map(|t| vec![t; 64 * 1024]).collect();
        write_atomically(&path, |w| w.write_all(&contents[0])).unwrap();
        std::thread::scope(|s| {
            for bytes in &contents {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..30 {
                        write_atomically(path, |w| w.write_all(bytes)).unwrap();
                    }
                });
            }
            s.spawn(|| {
                for _ in 0..200 {
                    let read = fs::read(&path).unwrap();
                    assert!(
                        contents.contains(&read),
                        "a damaged file of {} bytes",
                        read.len()
                    );
                }
            });
        });
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A temporary left by a process that no longer runs is removed by the next save; one of a
    /// running process (this one) is kept.
    #[test]
    fn temporaries_of_dead_processes_are_cleaned() {
        let dir = scratch("stale");
        let path = dir.join("ckpt.safetensors");
        // PIDs above the kernel's maximum (4194304) never run.
        let stale = dir.join(format!("{}99999999-0-0", temporary_prefix(&path)));
        let ours = dir.join(format!(
            "{}{}-9-0",
            temporary_prefix(&path),
            std::process::id()
        ));
        fs::write(&stale, b"x").unwrap();
        fs::write(&ours, b"x").unwrap();
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists());
        }
        assert!(ours.exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
