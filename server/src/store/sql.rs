//! The small SQL surface every backend provides: run a statement with parameters, walk the rows
//! of a query. The persistence primitives (`store/db/`) are written once against it; a backend
//! is a driver (SQLite in-process, PostgreSQL over the network) plus its migrations.
//!
//! Statements are written with SQLite's numbered placeholders (`?1`, `?2`…) and in the SQL both
//! engines share; the PostgreSQL driver rewrites the placeholders (`$1`…). Where the engines
//! differ, a primitive asks [`Conn::dialect`].

use super::StoreError;

/// Which SQL engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// One statement parameter. Nulls carry their type: PostgreSQL checks a parameter's type even
/// when its value is null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
    Blob(Option<&'a [u8]>),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}

impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Int(Some(v as i64))
    }
}

impl From<f64> for Param<'_> {
    fn from(v: f64) -> Self {
        Param::Real(Some(v))
    }
}

impl From<Option<f64>> for Param<'_> {
    fn from(v: Option<f64>) -> Self {
        Param::Real(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Param::Text(v.as_deref())
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(Some(v))
    }
}

impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Param::Blob(Some(v))
    }
}

impl<'a> From<Option<&'a [u8]>> for Param<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        Param::Blob(v)
    }
}

/// Parameters for a statement: `p![a, b, c]`.
#[macro_export]
macro_rules! p {
    () => { &[] as &[$crate::store::Param] };
    ($($x:expr),+ $(,)?) => { &[$($crate::store::Param::from($x)),+] as &[$crate::store::Param] };
}

/// Refuses text parameters no backend can hold alike: NUL (PostgreSQL's text cannot hold it;
/// SQLite's can). Every backend calls this before running a statement, so hostile text gets the
/// same answer everywhere (a refused request), never a backend's own error.
pub fn check_params(params: &[Param]) -> Result<(), StoreError> {
    for p in params {
        if let Param::Text(Some(t)) = p {
            if t.contains('\0') {
                return Err(StoreError::BadInput("text holds a NUL character".into()));
            }
        }
    }
    Ok(())
}

/// One row of a query's result. Columns are numbered from 0.
pub trait Row {
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
    fn real(&self, i: usize) -> Result<f64, StoreError>;
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError>;
    fn text(&self, i: usize) -> Result<String, StoreError>;
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    fn blob(&self, i: usize) -> Result<Vec<u8>, StoreError>;
    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, StoreError>;
}

/// A connection (inside a transaction, or in autocommit for reads).
pub trait Conn {
    fn dialect(&self) -> Dialect;
    /// Runs one statement; returns the rows it changed.
    fn exec(&self, sql: &str, params: &[Param]) -> Result<u64, StoreError>;
    /// Runs a query, calling `each` for every row in order.
    fn each(
        &self,
        sql: &str,
        params: &[Param],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Runs several statements without parameters (schema, transaction control).
    fn script(&self, sql: &str) -> Result<(), StoreError>;
    /// Runs one statement whose count of changed rows nobody needs. A backend may send it and
    /// go on without waiting for its answer (PostgreSQL's writer pipelines them); it runs in
    /// order with every other statement, and its failure surfaces at the next statement that
    /// waits or at [`Conn::flush`], where a job ends.
    fn exec_later(&self, sql: &str, params: &[Param]) -> Result<(), StoreError> {
        self.exec(sql, params).map(|_| ())
    }
    /// Waits for every statement sent by [`Conn::exec_later`]: the first failure, if any.
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Where `n` documents stored now take their feed positions. `None`: counted in the statement
    /// that stores them (the writer is alone: SQLite). `Some(p)`: stored at the placeholders `p`,
    /// `p - 1`, … (negative, unique), which the connection turns into the next positions, in that
    /// order, when the transaction commits, under the feed's lock (PostgreSQL's writer).
    fn defer_positions(&self, _n: usize) -> Option<i64> {
        None
    }
    /// Makes the rest of the transaction write as if alone: before a merge publishes what is the
    /// team's (its configuration, its directory). A no-op where the writer is always alone.
    fn lock_feed(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// What a query's rows become.
pub type RowFn<'f, T> = &'f dyn Fn(&dyn Row) -> Result<T, StoreError>;

/// Conveniences over [`Conn`].
pub trait ConnExt: Conn {
    /// Every row, mapped.
    fn all<T>(
        &self,
        sql: &str,
        params: &[Param],
        f: impl Fn(&dyn Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        self.each(sql, params, &mut |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, mapped, if any.
    fn opt<T>(
        &self,
        sql: &str,
        params: &[Param],
        f: impl Fn(&dyn Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut out = None;
        self.each(sql, params, &mut |r| {
            if out.is_none() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, mapped; a query that returns none is an error.
    fn one<T>(
        &self,
        sql: &str,
        params: &[Param],
        f: impl Fn(&dyn Row) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.opt(sql, params, f)?.ok_or_else(|| StoreError::Query(format!("no row from `{}`", first_line(sql))))
    }
}

impl<C: Conn + ?Sized> ConnExt for C {}

/// The first line of a statement, for messages.
pub(crate) fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("")
}

/// `sql` with SQLite's `?N` placeholders turned into PostgreSQL's `$N` (outside string literals).
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted && chars.peek().is_some_and(|n| n.is_ascii_digit()) => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_numbered_dollars_outside_literals() {
        assert_eq!(
            super::to_postgres("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d IN ($2, $10)"
        );
    }
}
