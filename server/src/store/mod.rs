//! Persistence: a [`Backend`] runs read jobs and transactional write jobs on its connections;
//! [`Db`] holds the persistence primitives (documents, the change feed, rollups, users…),
//! written once over the [`sql`] surface every backend speaks. The application logic — what a
//! sync does, who may change what, what is published — lives above, in `crate::service`.
//!
//! Backends: the embedded SQLite default (`sqlite/`, a data directory) and PostgreSQL
//! (`postgres/`, several server processes on one database). Both pass the conformance suite in
//! `conformance.rs`.

#[cfg(any(test, feature = "testing"))]
pub mod conformance;
pub mod db;
mod location;
pub mod postgres;
pub mod sql;
pub mod sqlite;
mod writer;

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

pub use db::Db;
pub use location::Location;
pub use sql::{Conn, ConnExt, Dialect, Param, Row};
pub use writer::{BatchLocks, Commits, TxConn, Writer};

/// A storage failure, whatever the backend. The layer above maps it into its own error once
/// (`crate::error`); nothing here knows about HTTP.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached (PostgreSQL down, the data directory unreadable).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database's disk is full: the write was rolled back whole; it succeeds once space
    /// returns.
    #[error("the database's disk is full: {0}")]
    Full(String),
    /// A value the caller gave cannot be stored or looked up (text with NUL): refused alike by
    /// every backend.
    #[error("{0}")]
    BadInput(String),
    /// A statement failed.
    #[error("database error: {0}")]
    Query(String),
    /// Stored data does not read back (a wrong type, a damaged value).
    #[error("stored data cannot be read: {0}")]
    Data(String),
    /// The database holds a schema this server does not know.
    #[error("{0}")]
    Schema(String),
    /// The operator's setup is wrong: a data directory that cannot be created, a database that
    /// refuses the connection, a URL of no known kind.
    #[error("{0}")]
    Setup(String),
    /// A `--database` URL of no known kind.
    #[error("{0}")]
    BadUrl(String),
    /// The storage machinery failed (the writer thread stopped, a schema upgrade failed).
    #[error("internal error: {0}")]
    Internal(String),
    /// A job ended with its caller's own error, which [`Store`] hands back instead; the backend
    /// only rolls the job back.
    #[error("the job was refused by its caller")]
    Aborted,
}

/// Result with [`StoreError`].
pub type StoreResult<T, E = StoreError> = std::result::Result<T, E>;

/// A job of the writer: it runs inside a transaction on the writer's connection.
pub type WriteJob = Box<dyn FnOnce(&dyn Conn) -> StoreResult<()> + Send>;

/// A database the server runs on.
pub trait Backend: Send + Sync + 'static {
    /// Runs `job` on a read connection (in parallel with other reads and with the writer).
    fn read(&self, job: &mut dyn FnMut(&dyn Conn) -> StoreResult<()>) -> StoreResult<()>;
    /// Runs `job` inside a write transaction and returns once that transaction committed; a job
    /// that fails leaves nothing written.
    fn write(&self, job: WriteJob) -> StoreResult<()>;
    /// Runs `job`, which writes only what belongs to `members`, inside a write transaction (see
    /// [`Writer::write_merge`]).
    fn write_merge(&self, members: Vec<String>, job: WriteJob) -> StoreResult<()>;
    /// Queues `job` for a write transaction and returns at once (see [`Writer::submit`]).
    fn submit(&self, job: WriteJob);
    /// Counts write transactions committed to the database (this process's, and on PostgreSQL
    /// every process's): what a request waiting for news wakes on.
    fn commits(&self) -> Commits;
    /// Whether the database answers (for `/healthz`).
    fn ping(&self) -> StoreResult<()> {
        self.read(&mut |c| c.each("SELECT 1", &[], &mut |_| Ok(())))
    }
    /// Where the data is, for logs (never a password).
    fn describe(&self) -> String;
}

/// A handle on a backend: reads and writes of jobs over [`Db`] that fail with the caller's error
/// type `E` (the service's own), into which storage failures convert.
pub struct Store<E> {
    backend: Arc<dyn Backend>,
    errors: PhantomData<fn() -> E>,
}

impl<E> Clone for Store<E> {
    fn clone(&self) -> Self {
        Store { backend: self.backend.clone(), errors: PhantomData }
    }
}

impl<E: From<StoreError>> Store<E> {
    pub fn new(backend: Arc<dyn Backend>) -> Store<E> {
        Store { backend, errors: PhantomData }
    }

    /// The count of commits to the database (see [`Backend::commits`]).
    pub fn commits(&self) -> Commits {
        self.backend.commits()
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T, E>) -> Result<T, E> {
        let mut f = Some(f);
        let mut out = None;
        let ran = self.backend.read(&mut |conn| {
            let f = f.take().ok_or_else(|| StoreError::Internal("a read job ran twice".into()))?;
            let result = f(&Db(conn));
            let failed = result.is_err();
            out = Some(result);
            if failed {
                Err(StoreError::Aborted)
            } else {
                Ok(())
            }
        });
        finish(ran, out, "a read job did not run")
    }

    /// Runs `f` in a write transaction, as if alone; the answer comes once it committed. A job
    /// that fails leaves nothing written.
    pub fn write<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        E: Send + 'static,
    {
        self.write_in(None, f)
    }

    /// [`Store::write`] for a job that writes only what belongs to `members` (their documents,
    /// rollups, devices: a sync's merges): on PostgreSQL it runs beside other processes' merges
    /// for other members (docs/concurrency.md, "Locks").
    pub fn write_merge<T: Send + 'static>(
        &self,
        members: Vec<String>,
        f: impl FnOnce(&Db) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        E: Send + 'static,
    {
        self.write_in(Some(members), f)
    }

    fn write_in<T: Send + 'static>(
        &self,
        members: Option<Vec<String>>,
        f: impl FnOnce(&Db) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        E: Send + 'static,
    {
        let slot: Arc<Mutex<Option<Result<T, E>>>> = Arc::new(Mutex::new(None));
        let into = slot.clone();
        let job: WriteJob = Box::new(move |conn| {
            let result = f(&Db(conn));
            let failed = result.is_err();
            *into.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
            if failed {
                Err(StoreError::Aborted)
            } else {
                Ok(())
            }
        });
        let ran = match members {
            Some(members) => self.backend.write_merge(members, job),
            None => self.backend.write(job),
        };
        let out = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        finish(ran, out, "a write job did not run")
    }

    /// Queues `f` for a write transaction without waiting for it: bookkeeping whose loss is
    /// harmless (what a device was sent). A failure is logged with `what`.
    pub fn write_later(&self, what: &'static str, f: impl FnOnce(&Db) -> Result<(), E> + Send + 'static)
    where
        E: std::fmt::Display,
    {
        self.backend.submit(Box::new(move |conn| {
            f(&Db(conn)).map_err(|e| {
                tracing::warn!(error = %e, "{what} failed");
                StoreError::Aborted
            })
        }));
    }

    /// Whether the database answers.
    pub fn ping(&self) -> Result<(), E> {
        Ok(self.backend.ping()?)
    }
}

impl<E> Store<E> {
    /// Where the data is (for logs).
    pub fn describe(&self) -> String {
        self.backend.describe()
    }
}

/// A job's outcome: its own error when it failed, else the backend's, else its value.
fn finish<T, E: From<StoreError>>(ran: StoreResult<()>, out: Option<Result<T, E>>, missing: &str) -> Result<T, E> {
    match (ran, out) {
        (_, Some(Err(job))) => Err(job),
        (Err(store), _) => Err(store.into()),
        (Ok(()), Some(Ok(value))) => Ok(value),
        (Ok(()), None) => Err(StoreError::Internal(missing.into()).into()),
    }
}
