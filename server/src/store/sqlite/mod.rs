//! The embedded SQLite backend: a data directory holding one database in WAL mode, one batching
//! writer connection and a pool of read connections.

mod conn;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::Connection;

use super::writer::{TxConn, Writer};
use super::{Backend, Conn, StoreError, StoreResult as Result};

pub(crate) use conn::error as sqlite_error;

/// The URL schemes of a data directory (`sqlite:///srv/fieldreport`).
pub const SCHEMES: &[&str] = &["sqlite"];

/// The database file inside a data directory.
pub const DB_FILE: &str = "fieldreport-server.db";

fn open_conn(path: &Path) -> Result<Connection> {
    let e = |e: rusqlite::Error| StoreError::Unavailable(format!("{}: {e}", path.display()));
    let conn = Connection::open(path).map_err(e)?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(e)?;
    // A sync round trip uses more distinct statements than rusqlite's default cache of 16;
    // re-preparing them on every request cost more than running them.
    conn.set_prepared_statement_cache_capacity(96);
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).map_err(e)?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")
        .map_err(e)?;
    Ok(conn)
}

/// The schema this server writes.
pub const SCHEMA_VERSION: i64 = 12;

/// Each schema step, in order: `STEPS[i]` upgrades version `i + 1` to `i + 2`; version 1 is
/// [`FIRST`].
const FIRST: &str = include_str!("schema_v1.sql");
const STEPS: [&str; 11] = [
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
    include_str!("schema_v8.sql"),
    include_str!("schema_v9.sql"),
    include_str!("schema_v10.sql"),
    include_str!("schema_v11.sql"),
    include_str!("schema_v12.sql"),
];

/// Versions whose upgrade step adds indexed columns: the service rebuilds its rollups and
/// indexes from the stored records after it (schema 6: check-ins and customer locations; 11:
/// plans, and whether each followup carried one out).
const REINDEX_AFTER: &[i64] = &[5, 10];

/// Creates the whole schema on a bare connection (for tools and benchmarks that work on a
/// database of their own).
pub fn create_schema(conn: &Connection) -> Result<()> {
    conn.script(FIRST)?;
    for s in STEPS {
        conn.script(s)?;
    }
    conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| sqlite_error("user_version", e))?;
    Ok(())
}

/// Creates or upgrades the schema, one step per transaction; another process may be doing the
/// same, so a step re-reads the version inside its transaction. Data written before the rollups
/// existed (schema 1) is flagged for the service to rebuild its rollups when it opens.
fn migrate(conn: &Connection) -> Result<()> {
    loop {
        conn.script("BEGIN IMMEDIATE")?;
        let version: i64 =
            conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| sqlite_error("user_version", e))?;
        let step = match version {
            0 => conn.script(FIRST).and_then(|()| STEPS.iter().try_for_each(|s| conn.script(s))),
            // Documents merged before rollups existed: straight to the latest schema, and the
            // service computes their facts when it opens.
            1 => STEPS.iter().try_for_each(|s| conn.script(s)).and_then(|()| {
                conn.script("INSERT INTO flags (name, set_at) VALUES ('rebuild_rollups', 0) ON CONFLICT DO NOTHING")
            }),
            // Steps that add indexed columns ask the service to rebuild the rollups and indexes.
            v if (2..SCHEMA_VERSION).contains(&v) => conn.script(STEPS[(v - 1) as usize]).and_then(|()| {
                if REINDEX_AFTER.contains(&v) {
                    conn.script("INSERT INTO flags (name, set_at) VALUES ('rebuild_rollups', 0) ON CONFLICT DO NOTHING")
                } else {
                    Ok(())
                }
            }),
            SCHEMA_VERSION => {
                conn.script("COMMIT")?;
                return Ok(());
            }
            v => {
                let _ = conn.script("ROLLBACK");
                return Err(StoreError::Schema(format!(
                    "the data directory holds schema version {v}, newer than this server understands ({SCHEMA_VERSION}); upgrade the server"
                )));
            }
        };
        let next = if version <= 1 { SCHEMA_VERSION } else { version + 1 };
        let done = step.and_then(|()| conn.script(&format!("PRAGMA user_version = {next}; COMMIT;")));
        if let Err(e) = done {
            let _ = conn.script("ROLLBACK");
            return Err(StoreError::Internal(format!("upgrading the data directory to schema {next} failed: {e}")));
        }
    }
}

impl TxConn for Connection {
    /// One writer per database at a time (`BEGIN IMMEDIATE`), whatever the process: no lock
    /// beyond it is needed.
    fn begin(&mut self, _: &super::BatchLocks) -> Result<()> {
        self.script("BEGIN IMMEDIATE")
    }
    fn commit(&mut self) -> Result<()> {
        self.script("COMMIT")
    }
    fn rollback(&mut self) {
        let _ = self.script("ROLLBACK");
    }
}

/// Most read connections open at once, all kept when idle (opening one costs more than a whole
/// sync round trip): about the number of requests a server serves at once. Past it a read waits
/// for one: a herd of requests (every phone reconnecting after a restart) costs a queue, not a
/// connection and its page cache each.
const MAX_READERS: usize = 64;

/// The read connections.
struct Readers {
    idle: Vec<Connection>,
    open: usize,
}

/// Storage in a data directory.
pub struct SqliteBackend {
    path: PathBuf,
    writer: Writer,
    readers: Mutex<Readers>,
    returned: std::sync::Condvar,
}

impl SqliteBackend {
    /// Opens (creating when needed) the database in `dir`, upgrading its schema.
    pub fn open(dir: &Path) -> Result<SqliteBackend> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Setup(format!("cannot create the data directory {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE);
        let conn = open_conn(&path)?;
        migrate(&conn)?;
        let reader = open_conn(&path)?;
        let writer = Writer::start(Box::new(conn), "fieldreport-writer")?;
        Ok(SqliteBackend {
            path,
            writer,
            readers: Mutex::new(Readers { idle: vec![reader], open: 1 }),
            returned: std::sync::Condvar::new(),
        })
    }
}

impl SqliteBackend {
    /// An idle read connection, a new one while fewer than [`MAX_READERS`] are open, or the next
    /// one given back.
    fn take(&self) -> Result<Connection> {
        let mut r = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = r.idle.pop() {
                return Ok(c);
            }
            if r.open < MAX_READERS {
                r.open += 1;
                drop(r);
                return open_conn(&self.path).inspect_err(|_| {
                    self.readers.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                    self.returned.notify_one();
                });
            }
            r = self.returned.wait(r).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// A read connection lent to a job, given back when the job ends — even by a panic, so that a
/// failing job never shrinks the pool.
struct Lease<'a> {
    backend: &'a SqliteBackend,
    conn: Option<Connection>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.backend.readers.lock().unwrap_or_else(|p| p.into_inner()).idle.push(c);
            self.backend.returned.notify_one();
        }
    }
}

impl Backend for SqliteBackend {
    fn read(&self, job: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        let lease = Lease { backend: self, conn: Some(self.take()?) };
        match &lease.conn {
            Some(conn) => job(conn),
            None => Err(StoreError::Internal("a read connection went missing".into())),
        }
    }

    fn write(&self, job: super::WriteJob) -> Result<()> {
        self.writer.write(job)
    }
    fn write_merge(&self, members: Vec<String>, job: super::WriteJob) -> Result<()> {
        self.writer.write_merge(members, job)
    }
    fn submit(&self, job: super::WriteJob) {
        self.writer.submit(job)
    }
    fn commits(&self) -> super::Commits {
        self.writer.commits().clone()
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_panics_gives_its_connection_back() {
        let dir = tempfile::tempdir().unwrap();
        let b = SqliteBackend::open(dir.path()).unwrap();
        for _ in 0..MAX_READERS + 10 {
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = b.read(&mut |_| panic!("a failing job"));
            }));
            assert!(panicked.is_err());
        }
        // Were the connections lost, this read would wait for one forever.
        b.read(&mut |c| c.each("SELECT 1", &[], &mut |_| Ok(()))).unwrap();
        assert!(b.readers.lock().unwrap().open <= MAX_READERS);
    }
}
