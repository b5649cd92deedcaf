//! The store's own thread: every async method that writes (or reads without bound) hands its
//! job here and the app's future only waits for the answer, so a UI dispatcher or an asyncio
//! event loop never waits for SQLite or an fsync.
//!
//! One thread per store, started at the first such call, runs the jobs one at a time in the
//! order they were called: two writes an app starts without awaiting the first land in that
//! order, and a write never waits for a thread to be started. A job the app stopped awaiting (a
//! cancelled coroutine, `asyncio.wait_for` timing out) still runs to its end — a rep's note is
//! saved or refused, never half-written — and its answer is dropped. The thread ends when the
//! store is closed or dropped.

use std::sync::mpsc;
use std::sync::Mutex;

use crate::error::{guard, FieldError};

type Result<T> = std::result::Result<T, FieldError>;

type Job = Box<dyn FnOnce() + Send>;

/// The queue of one store's writer thread (the thread starts with the first job).
#[derive(Default)]
pub(crate) struct Worker {
    jobs: Mutex<Queue>,
}

#[derive(Default)]
enum Queue {
    #[default]
    Unstarted,
    Running(mpsc::Sender<Job>),
    /// The store was closed: its thread ended, and every later call is `Closed`.
    Stopped,
}

impl Worker {
    /// Queues `job`, starting the thread when there is none (or it ended).
    fn send(&self, job: Job) -> Result<()> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let job = match &*jobs {
            Queue::Running(tx) => match tx.send(job) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(job)) => job,
            },
            Queue::Unstarted => job,
            Queue::Stopped => return Err(FieldError::closed()),
        };
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("fieldreport-store".into())
            .spawn(move || {
                // Each job catches its own panics (see `on_worker`), so one bad call never ends
                // the thread; it ends when the store (the sender) is gone.
                for job in rx {
                    job();
                }
            })
            .map_err(|e| FieldError::Internal { reason: format!("cannot start the store's thread: {e}") })?;
        tx.send(job).map_err(|_| FieldError::Internal { reason: "the store's thread ended at its start".into() })?;
        *jobs = Queue::Running(tx);
        Ok(())
    }

    /// Ends the thread after the jobs queued so far (the store is closed); later calls are
    /// refused as `Closed` without a thread.
    pub(crate) fn stop(&self) {
        *self.jobs.lock().unwrap_or_else(|p| p.into_inner()) = Queue::Stopped;
    }

    /// Runs `job` on the thread, after the jobs queued before it, and waits for its answer
    /// without blocking the caller (panics become errors).
    pub(crate) async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Box::new(move || {
            let answer = guard(job);
            // Nobody may be waiting any more (a cancelled call): the answer is dropped.
            let _ = tx.send(answer);
        }))?;
        rx.await.unwrap_or_else(|_| {
            Err(FieldError::Internal { reason: "the store's thread ended without an answer".into() })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn jobs_run_in_call_order_a_panic_is_an_error_and_a_stopped_worker_refuses() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let w = Worker::default();
            let log = Arc::new(Mutex::new(Vec::new()));
            let (l1, l2) = (log.clone(), log.clone());
            let slow = w.run(move || {
                std::thread::sleep(std::time::Duration::from_millis(30));
                l1.lock().unwrap().push("slow");
                Ok(1)
            });
            let quick = w.run(move || {
                l2.lock().unwrap().push("quick");
                Ok(2)
            });
            let (a, b) = tokio::join!(slow, quick);
            assert_eq!((a.ok(), b.ok()), (Some(1), Some(2)));
            assert_eq!(*log.lock().unwrap(), ["slow", "quick"], "the second waited for the first");

            let boom = w.run(|| -> Result<()> { panic!("boom") }).await;
            assert!(matches!(boom, Err(FieldError::Internal { .. })), "{boom:?}");
            assert_eq!(w.run(|| Ok(3)).await.ok(), Some(3), "the thread survives a panicking job");

            w.stop();
            assert!(matches!(w.run(|| Ok(4)).await, Err(FieldError::Closed { .. })));
        });
    }
}
