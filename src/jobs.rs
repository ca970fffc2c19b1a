//! The one bridge between front ends and compute: a job runs on its own thread, streams typed
//! events over a channel and stops when its cancel flag is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use thiserror::Error;

/// What cancelled work returns. The errors of the layers that check a cancel flag wrap it (a
/// `Cancelled` variant), and every error that may carry it answers `is_cancelled()`, so a
/// front end tells a cancelled job from a failed one by type, not by its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("cancelled")]
pub struct Cancelled;

/// Why a job gave no result.
#[derive(Debug, Error)]
pub enum JobError {
    /// Its thread panicked: the panic's message.
    #[error("{0}")]
    Panicked(String),
    #[error("the job was already joined")]
    AlreadyJoined,
}

/// A flag nobody sets: the cancel flag of work started where nothing can cancel it (the CLI).
pub static NEVER: AtomicBool = AtomicBool::new(false);

/// `Err(Cancelled)` once `cancel` is set: called between the steps of long loops.
pub fn check(cancel: &AtomicBool) -> Result<(), Cancelled> {
    if cancel.load(Ordering::Relaxed) {
        Err(Cancelled)
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
    pub fn join(mut self) -> Result<R, JobError> {
        match self.handle.take() {
            Some(h) => h.join().map_err(|p| {
                JobError::Panicked(
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "the job crashed".into()),
                )
            }),
            None => Err(JobError::AlreadyJoined),
        }
    }
}
