//! One long run per handle at a time: a second `ferrolab_<object>_run` on a handle that is
//! running returns FERROLAB_ERR_BUSY before touching the first run's progress or files.

use crate::status::{FERROLAB_ERR_BUSY, FfiError};
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a handle's run is under way.
#[derive(Debug, Default)]
pub(crate) struct Running(AtomicBool);

/// Marks the handle as running until dropped (however the run ends).
pub(crate) struct RunGuard<'a>(&'a AtomicBool);

impl Running {
    /// Start the run, or fail with FERROLAB_ERR_BUSY when one is under way on `object`.
    pub fn enter(&self, object: &str) -> Result<RunGuard<'_>, FfiError> {
        if self.0.swap(true, Ordering::AcqRel) {
            return Err(FfiError::new(
                FERROLAB_ERR_BUSY,
                format!(
                    "this {object} is already running on another thread: wait for that call to \
                     return (or cancel it) first"
                ),
            ));
        }
        Ok(RunGuard(&self.0))
    }
}

impl Drop for RunGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
