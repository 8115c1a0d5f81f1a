//! The one error of file reading and writing: every variant names the file.

use std::path::{Path, PathBuf};

/// Why a file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The operating system refused (missing file, permissions, full disk...).
    #[error("cannot {action} {}: {source}", path.display())]
    Os {
        /// The file.
        path: PathBuf,
        /// "read", "write", "create", ...
        action: &'static str,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The file is not of its format, or damaged (bad magic, checksum, truncation, another
    /// kind of file).
    #[error("{}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading the file would take more memory than the process's budget
    /// ([`crate::limits`]); nothing was read.
    #[error("{source}")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The bytes needed and the budget (boxed: a rare error should not grow every result).
        source: Box<crate::limits::TooLarge>,
    },
    /// Another run (thread or process) holds the lock of this output; try again when it ends.
    #[error("{} is in use by another run (a sweep or design writing there): wait for it to finish", path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
    },
    /// A sound file that does not hold what the caller needs (a 3-D array where a matrix is
    /// needed, text in a numeric column).
    #[error("{}: {reason}", path.display())]
    Unsuitable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl IoError {
    /// A refusal of the operating system to `action` the file.
    pub fn os(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Self::Os {
            path: path.to_owned(),
            action,
            source,
        }
    }

    /// A damaged file, or one of another format.
    pub fn corrupt(path: &Path, reason: impl Into<String>) -> Self {
        Self::Corrupt {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    /// A sound file that does not hold what is needed.
    pub fn unsuitable(path: &Path, reason: impl Into<String>) -> Self {
        Self::Unsuitable {
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Os { path, .. }
            | Self::Corrupt { path, .. }
            | Self::Unsuitable { path, .. }
            | Self::TooLarge { path, .. }
            | Self::Busy { path } => path,
        }
    }
}

/// The whole file, or an error naming it. Only regular files are read: a FIFO or device would
/// block or never end, so they are refused before being opened; a file larger than the memory
/// budget is refused before its buffer is allocated.
pub fn read_file(path: &Path) -> Result<Vec<u8>, IoError> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::os(path, "read", e))?;
    if !meta.is_file() {
        let what = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
        return Err(IoError::os(path, "read", what));
    }
    let refuse = |source| IoError::TooLarge {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let what = path.display().to_string();
    crate::limits::check(&what, Some(meta.len().into())).map_err(refuse)?;
    // Within the budget the system may still refuse: an error, never an abort.
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(meta.len() as usize)
        .map_err(|_| refuse(crate::limits::refused(&what, meta.len().into())))?;
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
        .map_err(|e| IoError::os(path, "read", e))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_names_its_file() {
        let p = Path::new("/no/such/dir/x.npy");
        let err = read_file(p).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /no/such/dir/x.npy: "),
            "{err}"
        );
        assert_eq!(err.path(), p);
        let err = IoError::corrupt(p, "bad magic");
        assert_eq!(err.to_string(), "/no/such/dir/x.npy: bad magic");
    }

    /// A FIFO given as a file is refused at once instead of blocking for a writer.
    #[cfg(unix)]
    #[test]
    fn fifos_and_directories_are_refused_without_blocking() {
        let dir = std::env::temp_dir().join(format!("ferrolab-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("model.bin");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo (coreutils) makes the FIFO"
        );
        let err = read_file(&fifo).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let err = read_file(&dir).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
