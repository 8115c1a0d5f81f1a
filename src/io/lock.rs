//! One run at a time per output: an exclusive lock (the operating system's advisory file lock,
//! released when the holder ends, even killed) on a lock file of the run's output, so that a
//! second run on the same output, from another thread or process, fails at once with
//! [`IoError::Busy`] instead of interleaving its checkpoints with the first's.

use super::IoError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock of one output, held until dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// Take the lock file `path` (created if missing), or fail with [`IoError::Busy`] while
    /// another run holds it. A link or anything but a regular file at `path` is refused.
    ///
    /// ```
    /// use ferrolab::io::{IoError, lock::RunLock};
    /// let path = std::env::temp_dir().join(format!("ferrolab-lock-doc-{}", std::process::id()));
    /// let held = RunLock::acquire(&path)?;
    /// assert!(matches!(RunLock::acquire(&path), Err(IoError::Busy { .. })));
    /// drop(held);
    /// assert!(RunLock::acquire(&path).is_ok());
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), IoError>(())
    /// ```
    pub fn acquire(path: &Path) -> Result<Self, IoError> {
        if let Ok(meta) = std::fs::symlink_metadata(path)
            && !meta.file_type().is_file()
        {
            return Err(IoError::Unsuitable {
                path: path.to_path_buf(),
                reason: "the run's lock file is a link or not a regular file".into(),
            });
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| IoError::os(path, "create", e))?;
        match file.try_lock() {
            Ok(()) => Ok(Self {
                _file: file,
                path: path.to_path_buf(),
            }),
            Err(TryLockError::WouldBlock) => Err(IoError::Busy {
                path: path.to_path_buf(),
            }),
            Err(TryLockError::Error(e)) => Err(IoError::os(path, "lock", e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
