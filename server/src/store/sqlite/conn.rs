//! The SQL surface over rusqlite: cached statements, parameters bound without copies.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ToSql};

use crate::store::sql::{check_params, first_line, Conn, Dialect, Param, Row};
use crate::store::StoreError;

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(v)),
            Param::Real(Some(v)) => ToSqlOutput::Owned(Value::Real(v)),
            Param::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Blob(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Param::Int(None) | Param::Real(None) | Param::Text(None) | Param::Blob(None) => {
                ToSqlOutput::Owned(Value::Null)
            }
        })
    }
}

pub(crate) fn error(sql: &str, e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
            crate::health::storage_full(&e.to_string());
            StoreError::Full(e.to_string())
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::NotADatabase
                    | rusqlite::ErrorCode::DatabaseCorrupt
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::PermissionDenied
                    | rusqlite::ErrorCode::ReadOnly
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        rusqlite::Error::InvalidColumnType(..) | rusqlite::Error::FromSqlConversionFailure(..) => {
            StoreError::Data(format!("{e} (in `{}`)", first_line(sql)))
        }
        e => StoreError::Query(format!("{e} (in `{}`)", first_line(sql))),
    }
}

struct SqliteRow<'a, 'b>(&'a rusqlite::Row<'b>);

fn col<T: rusqlite::types::FromSql>(r: &rusqlite::Row, i: usize) -> Result<T, StoreError> {
    r.get(i).map_err(|e| StoreError::Data(format!("column {i}: {e}")))
}

impl Row for SqliteRow<'_, '_> {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        col(self.0, i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        col(self.0, i)
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        col(self.0, i)
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        col(self.0, i)
    }
    fn text(&self, i: usize) -> Result<String, StoreError> {
        col(self.0, i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        col(self.0, i)
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        col(self.0, i)
    }
    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, StoreError> {
        col(self.0, i)
    }
}

impl Conn for Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&self, sql: &str, params: &[Param]) -> Result<u64, StoreError> {
        check_params(params)?;
        let mut st = self.prepare_cached(sql).map_err(|e| error(sql, e))?;
        let n = st.execute(rusqlite::params_from_iter(params.iter())).map_err(|e| error(sql, e))?;
        Ok(n as u64)
    }

    fn each(
        &self,
        sql: &str,
        params: &[Param],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        check_params(params)?;
        let mut st = self.prepare_cached(sql).map_err(|e| error(sql, e))?;
        let mut rows = st.query(rusqlite::params_from_iter(params.iter())).map_err(|e| error(sql, e))?;
        while let Some(r) = rows.next().map_err(|e| error(sql, e))? {
            each(&SqliteRow(r))?;
        }
        Ok(())
    }

    fn script(&self, sql: &str) -> Result<(), StoreError> {
        self.execute_batch(sql).map_err(|e| error(sql, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::p;

    /// A database that runs out of room (here its page limit; on a server, the disk) is a
    /// `Full` error — 503 `storage_full` to the device, nothing kept — and noted for `/healthz`.
    #[test]
    fn a_full_database_is_storage_full_not_a_failure() {
        let _turn = crate::health::TEST_TURN.lock().unwrap_or_else(|p| p.into_inner());
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (b BLOB); PRAGMA max_page_count = 16;").unwrap();
        let big = vec![7u8; 8192];
        let full = (0..100).find_map(|_| Conn::exec(&conn, "INSERT INTO t (b) VALUES (?1)", p![big.as_slice()]).err());
        let e = full.expect("the database fills up");
        assert!(matches!(e, StoreError::Full(_)), "{e}");
        assert!(crate::health::storage_fault().is_some());
        let answer = crate::error::ServerError::Store(e);
        assert_eq!(answer.code(), fieldreport_protocol::codes::ErrorCode::StorageFull);
        crate::health::storage_ok();
    }
}
