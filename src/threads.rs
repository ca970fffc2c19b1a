//! How many threads the compute jobs use: every core by default, `--threads N` (or the GUI's
//! setting) to leave some free. One process-wide value, like a thread pool's size: it changes
//! how fast results come, never the results themselves (up to float round-off).

use std::sync::atomic::{AtomicUsize, Ordering};

/// 0: not set, use every core.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// The machine's cores as the OS reports them (1 when it cannot say).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The number of threads compute jobs split their work over.
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => cores(),
        n => n,
    }
}

/// Sets the thread count (0: every core).
pub fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}
