//! Persistence: a [`Backend`] runs read jobs and transactional write jobs on its connections;
//! [`Db`] holds the persistence primitives (documents, the change feed, rollups, users…),
//! written once over the [`sql`] surface every backend speaks. The application logic — what a
//! sync does, who may change what, what is published — lives above, in `crate::service`.
//!
//! Backends: the embedded SQLite default (`sqlite/`, a data directory) and PostgreSQL
//! (`postgres/`, several server processes on one database). Both pass the conformance suite in
//! `conformance.rs`.

pub mod conformance;
pub mod db;
pub mod postgres;
pub mod sql;
pub mod sqlite;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use db::Db;
pub use sql::{Conn, ConnExt, Dialect, Param, Row};
pub use writer::{TxConn, Writer};

use crate::error::{Result, ServerError};

/// A storage failure, whatever the backend.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached (PostgreSQL down, the data directory unreadable).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A statement failed.
    #[error("database error: {0}")]
    Query(String),
    /// Stored data does not read back (a wrong type, a damaged value).
    #[error("stored data cannot be read: {0}")]
    Data(String),
    /// The database holds a schema this server does not know.
    #[error("{0}")]
    Schema(String),
}

/// A job of the writer: it runs inside a transaction on the writer's connection.
pub type WriteJob = Box<dyn FnOnce(&dyn Conn) -> Result<()> + Send>;

/// A database the server runs on.
pub trait Backend: Send + Sync + 'static {
    /// Runs `job` on a read connection (in parallel with other reads and with the writer).
    fn read(&self, job: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()>;
    /// Runs `job` inside a write transaction and returns once that transaction committed; a job
    /// that fails leaves nothing written.
    fn write(&self, job: WriteJob) -> Result<()>;
    /// Whether the database answers (for `/healthz`).
    fn ping(&self) -> Result<()> {
        self.read(&mut |c| Ok(c.each("SELECT 1", &[], &mut |_| Ok(()))?))
    }
    /// Where the data is, for logs (never a password).
    fn describe(&self) -> String;
}

/// Where a server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding the embedded SQLite database.
    Dir(PathBuf),
    /// A PostgreSQL database (`postgres://…` or `postgresql://…`), shared by several servers.
    Postgres(String),
}

impl Location {
    /// `--database URL` when given, else the data directory.
    pub fn of(data: &Path, database: Option<&str>) -> Result<Location> {
        match database.map(str::trim) {
            None | Some("") => Ok(Location::Dir(data.to_path_buf())),
            Some(url) if url.starts_with("sqlite://") => Ok(Location::Dir(PathBuf::from(&url["sqlite://".len()..]))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Location::Postgres(url.to_string()))
            }
            Some(other) => Err(ServerError::BadRequest(format!(
                "`{other}` is not a database URL (postgres://user:password@host:port/database; omit --database to use the data directory)"
            ))),
        }
    }
}

/// A handle on the backend: reads and writes with typed results.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl Store {
    pub fn new(backend: Arc<dyn Backend>) -> Store {
        Store { backend }
    }

    /// Opens (creating or upgrading) the database at `location`.
    pub fn open(location: &Location) -> Result<Store> {
        let backend: Arc<dyn Backend> = match location {
            Location::Dir(dir) => Arc::new(sqlite::SqliteBackend::open(dir)?),
            Location::Postgres(url) => Arc::new(postgres::PgBackend::open(url)?),
        };
        Ok(Store { backend })
    }

    /// Runs `f` on a read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Db) -> Result<T>) -> Result<T> {
        let mut f = Some(f);
        let mut out = None;
        self.backend.read(&mut |conn| {
            let f = f.take().ok_or_else(|| ServerError::Internal("a read job ran twice".into()))?;
            out = Some(f(&Db(conn))?);
            Ok(())
        })?;
        out.ok_or_else(|| ServerError::Internal("a read job did not run".into()))
    }

    /// Runs `f` in a write transaction; the answer comes once it committed.
    pub fn write<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T> + Send + 'static) -> Result<T> {
        let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let into = slot.clone();
        self.backend.write(Box::new(move |conn| {
            let value = f(&Db(conn))?;
            *into.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
            Ok(())
        }))?;
        let value = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        value.ok_or_else(|| ServerError::Internal("a write job did not run".into()))
    }

    /// Whether the database answers.
    pub fn ping(&self) -> Result<()> {
        self.backend.ping()
    }

    /// Where the data is (for logs).
    pub fn describe(&self) -> String {
        self.backend.describe()
    }
}
