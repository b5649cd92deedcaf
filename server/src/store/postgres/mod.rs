//! Storage on PostgreSQL, for several server processes on one database: the same primitives as
//! SQLite's (`crate::store::db`), through the batching writer, with the commit-order contract of
//! docs/concurrency.md (every write transaction locks the feed head first).

mod conn;
#[doc(hidden)]
pub mod test_cluster;

use std::sync::Mutex;

pub use conn::PgConn;

use super::{Backend, Conn, StoreError, TxConn, Writer};
use crate::error::{Result, ServerError};

/// The schema this server writes, and the steps that build it (entry `i` makes version `i + 1`).
const STEPS: &[&str] = &[include_str!("schema_v1.sql")];
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// Most idle read connections kept open (PostgreSQL's default allows 100 in all, for every
/// process).
const MAX_IDLE: usize = 16;

impl TxConn for PgConn {
    fn begin(&mut self) -> std::result::Result<(), StoreError> {
        // The feed head's lock, held to the commit, orders every process's write transactions:
        // feed positions commit in the order they are taken (docs/concurrency.md).
        self.script("BEGIN; SELECT seq FROM feed_head WHERE id = 1 FOR UPDATE")
    }
    fn commit(&mut self) -> std::result::Result<(), StoreError> {
        self.script("COMMIT")
    }
    fn rollback(&mut self) {
        let _ = self.script("ROLLBACK");
    }
    fn recover(&mut self) {
        if !self.is_open() {
            if let Err(e) = self.reconnect() {
                tracing::error!(error = %e, "cannot reconnect the writer to PostgreSQL");
            }
        }
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
            return Err(ServerError::Store(StoreError::Schema(format!(
                "the database holds schema version {version}, newer than this server understands ({SCHEMA_VERSION}); upgrade the server"
            ))));
        }
        for (i, step) in STEPS.iter().enumerate().skip(version as usize) {
            let next = i as i64 + 1;
            let sql = format!(
                "BEGIN; {step}; DELETE FROM fieldreport_schema; INSERT INTO fieldreport_schema (version) VALUES ({next}); COMMIT;"
            );
            if let Err(e) = conn.script(&sql) {
                let _ = conn.script("ROLLBACK");
                return Err(ServerError::Internal(format!("upgrading the database to schema {next} failed: {e}")));
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
    writer: Writer,
    idle: Mutex<Vec<PgConn>>,
}

impl PgBackend {
    /// Connects to `url`, creating or upgrading the schema.
    pub fn open(url: &str) -> Result<PgBackend> {
        let conn = PgConn::connect(url).map_err(|e| match e {
            StoreError::Unavailable(why) => {
                ServerError::Setup(format!("cannot connect to the database {}: {why}", redact(url)))
            }
            other => ServerError::Store(other),
        })?;
        migrate(&conn)?;
        let reader = PgConn::connect(url)?;
        let writer = Writer::start(Box::new(conn), "fieldreport-writer")?;
        Ok(PgBackend { url: url.to_string(), writer, idle: Mutex::new(vec![reader]) })
    }
}

impl Backend for PgBackend {
    fn read(&self, job: &mut dyn FnMut(&dyn Conn) -> Result<()>) -> Result<()> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(c) if c.is_open() => c,
            _ => PgConn::connect(&self.url)?,
        };
        let out = job(&conn);
        if conn.is_open() {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
        out
    }

    fn write(&self, job: super::WriteJob) -> Result<()> {
        self.writer.write(job)
    }

    fn ping(&self) -> Result<()> {
        self.read(&mut |c| Ok(c.each("SELECT 1", &[], &mut |_| Ok(()))?))
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
