//! Progress and cancellation of long jobs: one type that every long job takes (sweeps,
//! training, the design pipeline, and the models and experiment sessions to come).
//!
//! A job writes how far it is (stage, work done of a total, last loss, a short message) and
//! polls the cancel flag between units of work; any other thread reads the same fields or
//! asks it to stop. All fields are atomics but the message, so reading never blocks a job.
//! The C surface gives every handle one of these (`ferrolab_<object>_progress_info`).
//!
//! ```
//! use ferrolab::progress::Progress;
//! let progress = Progress::new();
//! progress.begin(1, 10, "training");
//! progress.advance(3);
//! progress.record_loss(0.25);
//! let info = progress.info();
//! assert_eq!((info.stage, info.done, info.total, info.last_loss), (1, 3, 10, Some(0.25)));
//! progress.request_cancel();
//! assert!(progress.is_cancelled());
//! ```

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// How far a job is, shared between the job and any thread that watches or cancels it.
#[derive(Debug)]
pub struct Progress {
    stage: AtomicU32,
    done: AtomicU64,
    total: AtomicU64,
    /// `f64` bits; NaN until a loss is recorded.
    last_loss: AtomicU64,
    cancel: AtomicBool,
    message: Mutex<String>,
}

/// A snapshot of a [`Progress`].
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressInfo {
    /// The job's stage (its meaning is the job's: 0 for single-stage jobs).
    pub stage: u32,
    /// Units of work done in this stage (structures, epochs, films).
    pub done: u64,
    /// Units of work in this stage (0 until known).
    pub total: u64,
    /// The last loss a training job recorded, if any.
    pub last_loss: Option<f64>,
    /// What the job is doing, in a few words.
    pub message: String,
    /// Whether a cancellation was requested.
    pub cancelled: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            stage: AtomicU32::new(0),
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            last_loss: AtomicU64::new(f64::NAN.to_bits()),
            cancel: AtomicBool::new(false),
            message: Mutex::new(String::new()),
        }
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Progress {
    /// Nothing done, nothing cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Enter `stage` with `total` units of work (done goes back to 0).
    pub fn begin(&self, stage: u32, total: usize, message: &str) {
        self.stage.store(stage, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.total.store(as_u64(total), Ordering::Relaxed);
        self.set_message(message);
    }

    /// Set the units of work of the current stage (when known only after it began).
    pub fn set_total(&self, total: usize) {
        self.total.store(as_u64(total), Ordering::Relaxed);
    }

    /// Set the units done (a resumed job starts from what its checkpoints hold).
    pub fn set_done(&self, done: usize) {
        self.done.store(as_u64(done), Ordering::Relaxed);
    }

    /// Count `units` more done.
    pub fn advance(&self, units: usize) {
        self.done.fetch_add(as_u64(units), Ordering::Relaxed);
    }

    /// Record the latest loss of a training job.
    pub fn record_loss(&self, loss: f64) {
        self.last_loss.store(loss.to_bits(), Ordering::Relaxed);
    }

    /// Describe what the job is doing.
    pub fn set_message(&self, message: &str) {
        let mut m = self.message.lock().unwrap_or_else(PoisonError::into_inner);
        m.clear();
        m.push_str(message);
    }

    /// Ask the job to stop at its next check; what it finished stays (checkpoints, state).
    pub fn request_cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Forget a cancellation request (a job does this when it starts).
    pub fn clear_cancel(&self) {
        self.cancel.store(false, Ordering::Relaxed);
    }

    /// Whether a cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The current stage.
    pub fn stage(&self) -> u32 {
        self.stage.load(Ordering::Relaxed)
    }

    /// Units done in the current stage.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Units of work in the current stage.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// The last recorded loss, if any.
    pub fn last_loss(&self) -> Option<f64> {
        Some(f64::from_bits(self.last_loss.load(Ordering::Relaxed))).filter(|l| !l.is_nan())
    }

    /// Everything at once.
    pub fn info(&self) -> ProgressInfo {
        ProgressInfo {
            stage: self.stage(),
            done: self.done(),
            total: self.total(),
            last_loss: self.last_loss(),
            message: self
                .message
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            cancelled: self.is_cancelled(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_progress_has_no_loss_and_no_cancel() {
        let p = Progress::new();
        assert_eq!(
            p.info(),
            ProgressInfo {
                stage: 0,
                done: 0,
                total: 0,
                last_loss: None,
                message: String::new(),
                cancelled: false,
            }
        );
    }

    #[test]
    fn begin_resets_done_and_keeps_the_loss() {
        let p = Progress::new();
        p.begin(0, 4, "dataset");
        p.advance(4);
        p.record_loss(1.5);
        p.begin(1, 10, "training");
        let info = p.info();
        assert_eq!((info.stage, info.done, info.total), (1, 0, 10));
        assert_eq!(info.last_loss, Some(1.5));
        assert_eq!(info.message, "training");
    }

    #[test]
    fn threads_see_each_others_updates() {
        let p = Progress::new();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        p.advance(1);
                    }
                });
            }
        });
        assert_eq!(p.done(), 4000);
        p.request_cancel();
        assert!(p.is_cancelled());
        p.clear_cancel();
        assert!(!p.is_cancelled());
    }
}
