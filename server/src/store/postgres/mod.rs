//! Storage on PostgreSQL, for several server processes on one database: the same primitives as
//! SQLite's (`crate::store::db`), through the batching writer, with the commit-order contract of
//! docs/concurrency.md (every write transaction locks the feed head first).

mod conn;
mod listen;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod test_cluster;
mod transaction;

use std::sync::{Condvar, Mutex};

pub use conn::PgConn;

use super::{Backend, Conn, StoreError, StoreResult as Result, TxConn, Writer};

/// The URL schemes of a PostgreSQL database.
pub const SCHEMES: &[&str] = &["postgres", "postgresql"];

/// The schema this server writes, and the steps that build it (entry `i` makes version `i + 1`).
const STEPS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
];
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// Versions whose step changes what records' facts are (schema 6: followups say whether they
/// carried out a plan): a database upgraded to one asks the service to rebuild its rollups and
/// indexes when it opens. A new database has nothing to rebuild.
const REBUILD_AT: &[i64] = &[6];

/// Most read connections a process keeps open (each is a process on the database's side, and
/// PostgreSQL's default allows 100 connections in all, for every server): requests beyond it
/// wait for one.
const MAX_READERS: usize = 16;

impl TxConn for PgConn {
    fn begin(&mut self, locks: &super::BatchLocks) -> Result<()> {
        let (sql, alone) = transaction::begin_sql(locks);
        *self.tx.borrow_mut() = transaction::TxState::starting(alone);
        self.script(&sql)
    }

    fn commit(&mut self) -> Result<()> {
        let tx = std::mem::take(&mut *self.tx.borrow_mut());
        self.script(&transaction::commit_sql(tx.placed(), tx.feed_locked))
    }

    fn rollback(&mut self) {
        *self.tx.borrow_mut() = transaction::TxState::default();
        let _ = self.script("ROLLBACK");
    }

    fn recover(&mut self) {
        if !self.is_open() {
            if let Err(e) = self.reconnect() {
                tracing::error!(error = %e, "cannot reconnect the writer to PostgreSQL");
            }
        }
    }

    /// Each job's savepoint is a subtransaction; PostgreSQL tracks 64 of them per transaction
    /// in shared memory, and past that every reader's visibility check looks them up on disk
    /// (a measured cliff: readers and writer slowed, batches grew, and stayed large).
    fn max_batch(&self) -> usize {
        60
    }
}

/// Creates or upgrades the schema, under an advisory lock so that several processes starting at
/// once do it once.
fn migrate(conn: &PgConn) -> Result<()> {
    conn.script(
        "SELECT pg_advisory_lock(7283601); CREATE TABLE IF NOT EXISTS fieldreport_schema (version BIGINT NOT NULL)",
    )?;
    let out = (|| -> Result<()> {
        let mut version = 0i64;
        conn.each("SELECT version FROM fieldreport_schema", &[], &mut |r| {
            version = r.int(0)?;
            Ok(())
        })?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Schema(format!(
                "the database holds schema version {version}, newer than this server understands ({SCHEMA_VERSION}); upgrade the server"
            )));
        }
        let upgrading = version > 0;
        for (i, step) in STEPS.iter().enumerate().skip(version as usize) {
            let next = i as i64 + 1;
            let rebuild = if upgrading && REBUILD_AT.contains(&next) {
                "INSERT INTO flags (name, set_at) VALUES ('rebuild_rollups', 0) ON CONFLICT DO NOTHING;"
            } else {
                ""
            };
            let sql = format!(
                "BEGIN; {step}; {rebuild} DELETE FROM fieldreport_schema; INSERT INTO fieldreport_schema (version) VALUES ({next}); COMMIT;"
            );
            if let Err(e) = conn.script(&sql) {
                let _ = conn.script("ROLLBACK");
                return Err(StoreError::Internal(format!("upgrading the database to schema {next} failed: {e}")));
            }
        }
        Ok(())
    })();
    let _ = conn.script("SELECT pg_advisory_unlock(7283601)");
    out
}

/// `url` without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s && url[s + 3..at].contains(':') => {
            let user = url[s + 3..at].split(':').next().unwrap_or("");
            format!("{}{user}:***@{}", &url[..s + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Storage on a PostgreSQL database.
pub struct PgBackend {
    url: String,
    /// Stops the listening connection when dropped (`listen.rs`).
    _listening: tokio::sync::oneshot::Sender<()>,
    writer: Writer,
    pool: Mutex<Pool>,
    returned: Condvar,
}

/// The read connections: at most [`MAX_READERS`] open, each a server process on the database's
/// side, so they are kept, not opened and closed per request.
struct Pool {
    idle: Vec<PgConn>,
    open: usize,
}

impl PgBackend {
    /// Connects to `url`, creating or upgrading the schema.
    pub fn open(url: &str) -> Result<PgBackend> {
        let conn = PgConn::connect(url).map_err(|e| match e {
            StoreError::Unavailable(why) => {
                StoreError::Setup(format!("cannot connect to the database {}: {why}", redact(url)))
            }
            other => other,
        })?;
        migrate(&conn)?;
        drop(conn);
        let reader = PgConn::connect(url)?;
        let writer = Writer::start_with(
            {
                let url = url.to_string();
                move || Ok(Box::new(PgConn::connect_dedicated(&url)?) as Box<dyn TxConn>)
            },
            "fieldreport-writer",
        )?;
        let listening = listen::listen(url.to_string(), writer.commits().clone());
        Ok(PgBackend {
            url: url.to_string(),
            _listening: listening,
            writer,
            pool: Mutex::new(Pool { idle: vec![reader], open: 1 }),
            returned: Condvar::new(),
        })
    }

    /// An idle read connection, a new one while fewer than [`MAX_READERS`] are open, or the
    /// next one returned.
    fn take(&self) -> Result<PgConn> {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = pool.idle.pop() {
                if c.is_open() {
                    return Ok(c);
                }
                pool.open -= 1;
                continue;
            }
            if pool.open < MAX_READERS {
                pool.open += 1;
                drop(pool);
                return PgConn::connect(&self.url).inspect_err(|_e| {
                    self.pool.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                    self.returned.notify_one();
                });
            }
            pool = self.returned.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn give_back(&self, conn: PgConn) {
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if conn.is_open() {
            pool.idle.push(conn);
        } else {
            pool.open -= 1;
        }
        drop(pool);
        self.returned.notify_one();
    }
}

/// A read connection lent to a job, given back when the job ends — even by a panic, so that a
/// failing job never shrinks the pool.
struct Lease<'a> {
    backend: &'a PgBackend,
    conn: Option<PgConn>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.backend.give_back(c);
        }
    }
}

impl Backend for PgBackend {
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
        redact(&self.url)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(super::redact("postgres://fr:s3cret@db:5432/fieldreport"), "postgres://fr:***@db:5432/fieldreport");
        assert_eq!(super::redact("host=/tmp user=fr"), "host=/tmp user=fr");
        assert_eq!(super::redact("postgres://fr@db/x"), "postgres://fr@db/x", "no password, nothing hidden");
    }
}
