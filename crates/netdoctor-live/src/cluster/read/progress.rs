//! Counters the parallel lists share, and the progress line on a terminal.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counters shared by the jobs, and the progress line.
pub(super) struct Progress {
    pub(super) enabled: bool,
    pub(super) lists_total: AtomicUsize,
    pub(super) lists_done: AtomicUsize,
    pub(super) objects: AtomicUsize,
    pub(super) requests: AtomicUsize,
    /// Response bytes received, every list together (against `max_read_bytes`).
    pub(super) bytes: AtomicU64,
    pub(super) finished: AtomicBool,
}

impl Progress {
    fn line(&self) -> String {
        format!(
            "reading cluster: {}/{} lists, {} objects",
            self.lists_done.load(Ordering::Relaxed),
            self.lists_total.load(Ordering::Relaxed),
            self.objects.load(Ordering::Relaxed)
        )
    }

    pub(super) fn spawn_ticker(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        if !self.enabled {
            return None;
        }
        let me = self.clone();
        Some(tokio::spawn(async move {
            while !me.finished.load(Ordering::Relaxed) {
                {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "\r\x1b[2K{}", me.line());
                    let _ = err.flush();
                }
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }))
    }
}
