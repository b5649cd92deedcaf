//! The single writer: one thread owns the write connection and runs queued jobs in batches, one
//! transaction per batch, each job inside its own savepoint. A job's caller hears back only after
//! the batch committed, so an answer always describes durable state; a failing job rolls back
//! its savepoint and never affects the others in the batch.

use std::sync::mpsc;

use rusqlite::Connection;

use crate::error::{Result, ServerError};

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> Reply + Send>;

/// Most jobs committed together.
const MAX_BATCH: usize = 128;

/// Handle to the writer thread (clones queue to the same thread).
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(conn: Connection) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("fieldreport-writer".into())
            .spawn(move || run(conn, rx))
            .expect("spawning the writer thread");
        Writer { jobs: tx }
    }

    /// Runs `f` in the next batch and waits until that batch committed.
    pub fn write<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let (tx, rx) = mpsc::sync_channel::<Result<T>>(1);
        let job: Job = Box::new(move |conn| {
            let outcome = savepoint(conn, f);
            Box::new(move |commit: Result<(), String>| {
                let answer = match commit {
                    Ok(()) => outcome,
                    Err(e) => Err(ServerError::Internal(format!("commit failed: {e}"))),
                };
                let _ = tx.send(answer);
            })
        });
        self.jobs.send(job).map_err(|_| ServerError::Internal("the writer has stopped".into()))?;
        rx.recv().map_err(|_| ServerError::Internal("the writer dropped a job".into()))?
    }
}

fn savepoint<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.execute_batch("SAVEPOINT job")?;
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)))
        .unwrap_or_else(|_| Err(ServerError::Internal("a request handler panicked".into())));
    if out.is_ok() {
        conn.execute_batch("RELEASE job")?;
    } else {
        conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
    }
    out
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let msg = e.to_string();
            for job in batch {
                // Run nothing; tell every caller.
                drop(job);
                tracing::error!(error = %msg, "cannot begin a write transaction");
            }
            continue;
        }
        let replies: Vec<Reply> = batch.into_iter().map(|job| job(&conn)).collect();
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for reply in replies {
            reply(commit.clone());
        }
    }
}
