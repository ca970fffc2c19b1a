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

/// Runs `f` on every item over `workers` threads (a pool of that size) and returns the results
/// in the items' order. Each result must depend on its item alone (a piece of random work
/// seeds its own generator), so that the thread count changes only the speed.
pub fn map_ordered<T: Sync, R: Send>(
    workers: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync + Send,
) -> Vec<R> {
    use rayon::prelude::*;
    let workers = workers.min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(workers).build() {
        Ok(pool) => pool.install(|| items.par_iter().map(&f).collect()),
        // No thread could be started: the same results, on this one.
        Err(_) => items.iter().map(f).collect(),
    }
}

/// The threads a job on `device` splits its work over: [`threads`] on the CPU; one on a GPU,
/// where the device runs the work in parallel itself.
pub fn workers_for(device: &burn::tensor::Device) -> usize {
    if crate::backend::is_cpu(device) {
        threads()
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_ordered_keeps_the_order_for_any_thread_count() {
        let items: Vec<u64> = (0..1000).collect();
        let one = super::map_ordered(1, &items, |x| x * x);
        for workers in [2, 3, 8] {
            assert_eq!(super::map_ordered(workers, &items, |x| x * x), one);
        }
        assert!(super::map_ordered(4, &Vec::<u64>::new(), |x| *x).is_empty());
    }
}
