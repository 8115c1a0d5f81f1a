//! A terminal progress bar over the epochs of a training that reports through [`Progress`].

use ferrolab::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};

/// Run `train` (given a fresh [`Progress`]) while a bar of `epochs` epochs follows it from a
/// second thread; the bar is cleared when `train` returns.
pub fn with_epoch_bar<R>(epochs: usize, train: impl FnOnce(&Progress) -> R) -> Result<R, String> {
    let progress = Progress::new();
    let bar = ProgressBar::new(epochs as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} epochs, {elapsed} elapsed, {eta} left")
            .map_err(|e| e.to_string())?,
    );
    let finished = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while !finished.load(Ordering::Relaxed) {
                bar.set_position(progress.done());
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        });
        let r = train(&progress);
        finished.store(true, Ordering::Relaxed);
        r
    });
    bar.finish_and_clear();
    Ok(result)
}
