//! Work an app awaits, run on the library's own threads.
//!
//! An async method of `FieldStore` hands its whole job (HTTP through the app's client, merging,
//! commits, the listener's calls) to a thread of its own with a small tokio runtime, and the
//! future the app awaits only waits for the answer. So awaiting it from a UI dispatcher or an
//! asyncio event loop never blocks that thread, and the job needs no `Send` future.
//!
//! When the app drops or cancels the future (a Kotlin scope cancelled when the user leaves the
//! screen, `asyncio.wait_for` timing out, WorkManager stopping a worker), the job is told to stop
//! at its next safe point (between pages or pieces) through its [`CancelToken`], finishes what it
//! committed, and releases the store: nothing is left locked.

use std::future::Future;

use fieldreport_core::sync::CancelToken;

use crate::error::{guard, FieldError};

type Result<T> = std::result::Result<T, FieldError>;

/// Runs the future `job()` makes on a new thread named `fieldreport-{what}` and waits for its
/// answer without blocking the caller. When the caller's future is dropped before the answer,
/// `cancel` (if any) is cancelled: the job stops at its next safe point.
pub(crate) async fn run<T, F, Fut>(what: &'static str, cancel: Option<CancelToken>, job: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T>> + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut on_drop = CancelOnDrop(cancel);
    std::thread::Builder::new()
        .name(format!("fieldreport-{what}"))
        .spawn(move || {
            let answer = guard(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| FieldError::Internal { reason: format!("cannot start the {what} runtime: {e}") })?;
                let answer = rt.block_on(job());
                // A call still out in the app's HTTP client (a cancelled sync stopped waiting for
                // it) is not waited for: it ends on its own, its answer dropped.
                rt.shutdown_background();
                answer
            });
            // The caller may be gone (cancelled): then nobody wants the answer.
            let _ = tx.send(answer);
        })
        .map_err(|e| FieldError::Internal { reason: format!("cannot start a thread for {what}: {e}") })?;
    let answer = rx.await.unwrap_or_else(|_| {
        Err(FieldError::Internal { reason: "the library's worker thread ended without an answer".into() })
    });
    on_drop.0 = None;
    answer
}

/// Cancels the job when the caller's future is dropped before it answered.
struct CancelOnDrop(Option<CancelToken>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.cancel();
        }
    }
}
