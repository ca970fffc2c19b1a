//! The GUI's view of a background job: a name, the last progress it reported, and its result
//! once the thread ends. The GUI polls tasks every frame and never waits on one.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::Sender;
use std::time::Instant;

use crate::jobs::{Cancelled, Job};

/// Why a task gave no result: cancelled, told by type (each library error's `is_cancelled`),
/// or failed, with the message the window shows.
#[derive(Debug)]
pub enum TaskError {
    Cancelled,
    Failed(String),
}

impl From<String> for TaskError {
    fn from(message: String) -> Self {
        TaskError::Failed(message)
    }
}

impl From<&str> for TaskError {
    fn from(message: &str) -> Self {
        TaskError::Failed(message.to_string())
    }
}

impl From<Cancelled> for TaskError {
    fn from(_: Cancelled) -> Self {
        TaskError::Cancelled
    }
}

/// `From` for errors that cannot be a cancellation.
macro_rules! failed_from {
    ($($error:ty),*) => {$(
        impl From<$error> for TaskError {
            fn from(e: $error) -> Self {
                TaskError::Failed(e.to_string())
            }
        }
    )*};
}

/// `From` for errors that may be a cancellation.
macro_rules! outcome_from {
    ($($error:ty),*) => {$(
        impl From<$error> for TaskError {
            fn from(e: $error) -> Self {
                if e.is_cancelled() {
                    TaskError::Cancelled
                } else {
                    TaskError::Failed(e.to_string())
                }
            }
        }
    )*};
}

failed_from!(crate::data::DataError, crate::model::ModelError);
outcome_from!(
    crate::latent::LatentError,
    crate::train::TrainError,
    crate::bo::BoError,
    crate::explore::ExploreError,
    crate::eval::EvalError,
    crate::run::RunError
);

pub struct Task<E, R> {
    pub name: String,
    /// Fraction done, when the job knows it.
    pub progress: Option<f32>,
    /// The last status line the job reported.
    pub status: String,
    pub started: Instant,
    job: Job<E, Result<R, TaskError>>,
    cancel_requested: bool,
}

impl<E: Send + 'static, R: Send + 'static> Task<E, R> {
    pub fn spawn(
        name: impl Into<String>,
        work: impl FnOnce(Sender<E>, Arc<AtomicBool>) -> Result<R, TaskError> + Send + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            progress: None,
            status: String::new(),
            started: Instant::now(),
            job: Job::spawn(work),
            cancel_requested: false,
        }
    }

    /// Events that arrived since the last call.
    pub fn drain(&mut self) -> Vec<E> {
        self.job.events.try_iter().collect()
    }

    pub fn is_finished(&self) -> bool {
        self.job.is_finished()
    }

    pub fn cancel(&mut self) {
        self.cancel_requested = true;
        self.job.cancel();
    }

    pub fn cancel_requested(&self) -> bool {
        self.cancel_requested
    }

    /// The job's result; a crashed job reports its panic message as a failure.
    pub fn join(self) -> Result<R, TaskError> {
        let name = self.name;
        match self.job.join() {
            Err(panic) => Err(TaskError::Failed(format!("{name} crashed: {panic}"))),
            Ok(Err(TaskError::Failed(e))) => Err(TaskError::Failed(format!("{name}: {e}"))),
            Ok(other) => other,
        }
    }
}

/// How a finished task ended. A task whose cancel was requested is `Cancelled` whatever its
/// thread returned, so a cancelled job's result is never applied.
#[derive(Debug)]
pub enum Outcome<R> {
    Done(R),
    Failed(String),
    Cancelled,
}

/// If `slot`'s job has finished, takes it out and says how it ended.
pub fn take_finished<E: Send + 'static, R: Send + 'static>(
    slot: &mut Option<Task<E, R>>,
) -> Option<Outcome<R>> {
    if !slot.as_ref().is_some_and(|t| t.is_finished()) {
        return None;
    }
    let task = slot.take()?;
    let cancelled = task.cancel_requested;
    Some(match task.join() {
        _ if cancelled => Outcome::Cancelled,
        Ok(r) => Outcome::Done(r),
        Err(TaskError::Cancelled) => Outcome::Cancelled,
        Err(TaskError::Failed(e)) => Outcome::Failed(e),
    })
}

/// What the top bar shows of any task.
pub trait TaskStatus {
    fn name(&self) -> &str;
    fn progress(&self) -> Option<f32>;
    fn status(&self) -> &str;
    fn seconds(&self) -> f64;
    fn request_cancel(&mut self);
    fn cancelling(&self) -> bool;
}

impl<E: Send + 'static, R: Send + 'static> TaskStatus for Task<E, R> {
    fn name(&self) -> &str {
        &self.name
    }
    fn progress(&self) -> Option<f32> {
        self.progress
    }
    fn status(&self) -> &str {
        &self.status
    }
    fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
    fn request_cancel(&mut self) {
        self.cancel();
    }
    fn cancelling(&self) -> bool {
        self.cancel_requested
    }
}

/// A panel's one optional job as the list [`crate::gui::view::View::tasks`] returns.
pub fn listed<E: Send + 'static, R: Send + 'static>(
    task: &mut Option<Task<E, R>>,
) -> Vec<&mut dyn TaskStatus> {
    task.iter_mut().map(|t| t as &mut dyn TaskStatus).collect()
}
