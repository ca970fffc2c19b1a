//! The one bridge between front ends and compute: a job runs on its own thread, streams typed
//! events over a channel and stops when its cancel flag is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// What cancelled work returns: the error text every job uses, so a front end can tell a
/// cancelled job from a failed one.
pub const CANCELLED: &str = "cancelled";

/// A flag nobody sets: the cancel flag of work started where nothing can cancel it (the CLI).
pub static NEVER: AtomicBool = AtomicBool::new(false);

/// `Err("cancelled")` once `cancel` is set: called between the steps of long loops.
pub fn check(cancel: &AtomicBool) -> Result<(), String> {
    if cancel.load(Ordering::Relaxed) {
        Err(CANCELLED.into())
    } else {
        Ok(())
    }
}

/// A running job producing events `E` and a result `R`.
pub struct Job<E, R> {
    pub events: Receiver<E>,
    cancel: Arc<AtomicBool>,
    handle: Option<JoinHandle<R>>,
}

impl<E: Send + 'static, R: Send + 'static> Job<E, R> {
    /// Starts `work` on a new thread; it gets an event sender and the cancel flag.
    pub fn spawn(work: impl FnOnce(Sender<E>, Arc<AtomicBool>) -> R + Send + 'static) -> Self {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        let handle = std::thread::spawn(move || work(tx, flag));
        Self {
            events: rx,
            cancel,
            handle: Some(handle),
        }
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Waits for the result; a job whose thread panicked reports it as `Err`.
    pub fn join(mut self) -> Result<R, String> {
        match self.handle.take() {
            Some(h) => h.join().map_err(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "the job crashed".into())
            }),
            None => Err("the job was already joined".into()),
        }
    }
}
