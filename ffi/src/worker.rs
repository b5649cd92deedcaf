//! The store's writer thread: every async method that writes (or reads without bound) hands its
//! job here and the app's future only waits for the answer, so a UI dispatcher or an asyncio
//! event loop never waits for SQLite or an fsync.
//!
//! One thread per store, started at the first such call, runs the jobs one at a time in the
//! order they were called: two writes an app starts without awaiting the first land in that
//! order, and a write never waits for a thread to be started. A job the app stopped awaiting (a
//! cancelled coroutine, `asyncio.wait_for` timing out) still runs to its end — a rep's note is
//! saved or refused, never half-written — and its answer is dropped. The thread ends when the
//! store is dropped.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use fieldreport_core::Store;

use crate::error::{guard, FieldError};
use crate::store::{FieldStore, Result};

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
}

impl FieldStore {
    /// Runs `f` on the store's thread, after the jobs queued before it, and waits for its answer
    /// without blocking the caller.
    pub(crate) async fn on_worker<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Arc<FieldStore>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let me = Arc::clone(self);
        self.worker.send(Box::new(move || {
            let answer = guard(|| f(&me));
            // Nobody may be waiting any more (a cancelled call): the answer is dropped.
            let _ = tx.send(answer);
        }))?;
        rx.await.unwrap_or_else(|_| {
            Err(FieldError::Internal { reason: "the store's thread ended without an answer".into() })
        })
    }

    /// Runs `f` on the open store on the store's thread (see [`FieldStore::with`]).
    pub(crate) async fn call<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> fieldreport_core::Result<T> + Send + 'static,
    ) -> Result<T> {
        self.on_worker(move |me| me.with(f)).await
    }

    /// Runs `f`, which gives a report, on the store's thread and names the people it references.
    pub(crate) async fn call_report(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> fieldreport_core::Result<fieldreport_core::doc::Report> + Send + 'static,
    ) -> Result<crate::types::Report> {
        self.on_worker(move |me| me.with_report(f)).await
    }
}
