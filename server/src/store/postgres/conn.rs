//! The SQL surface over tokio-postgres: statements prepared once per connection, parameters
//! converted to the type each placeholder has, rows read leniently across integer widths.
//!
//! The storage layer is synchronous (its callers run on blocking threads, or in tests on any
//! thread). Each connection's socket is driven by a small runtime of the backend's own; a call
//! waits for its answer with a plain executor, which needs no runtime on the calling thread (the
//! client talks to its connection through channels), so it works from anywhere.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use crate::io_runtime::io_runtime;
use crate::store::sql::{check_params, first_line, to_postgres, Conn, Dialect, Param, Row};
use crate::store::StoreError;

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Param::Int(Some(v)) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                Type::FLOAT8 => (v as f64).to_sql(ty, out),
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                _ => v.to_string().as_str().to_sql(ty, out),
            },
            Param::Real(Some(v)) => match *ty {
                Type::FLOAT4 => (v as f32).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Param::Text(Some(s)) => s.to_sql(ty, out),
            Param::Blob(Some(b)) => b.to_sql(ty, out),
            Param::Int(None) | Param::Real(None) | Param::Text(None) | Param::Blob(None) => Ok(IsNull::Yes),
        }
    }

    // Every placeholder takes a parameter; `to_sql` converts to the placeholder's type or fails.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A storage error from a client error: a lost connection is `Unavailable`, a failed statement
/// `Query` (with the database's own message).
pub(crate) fn error(sql: &str, e: tokio_postgres::Error) -> StoreError {
    if e.is_closed() || e.as_db_error().is_none() && e.source().is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(e.to_string());
    }
    match e.as_db_error() {
        // disk_full, and the out-of-space family (insufficient_resources).
        Some(db) if db.code() == &tokio_postgres::error::SqlState::DISK_FULL => {
            crate::health::storage_full(db.message());
            StoreError::Full(db.message().to_string())
        }
        Some(db) => StoreError::Query(format!("{} (in `{}`)", db.message(), first_line(sql))),
        None => StoreError::Query(format!("{e} (in `{}`)", first_line(sql))),
    }
}

/// The runtime that drives every connection's socket (two threads: the sockets' I/O is all it
/// does).
pub(super) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    io_runtime(&RT, "fieldreport-pg")
}

/// Opens a connection on the runtime and hands back its client.
fn open(url: &str) -> Result<Client, StoreError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let url = url.to_string();
    runtime().spawn(async move {
        match tokio_postgres::connect(&url, NoTls).await {
            Ok((client, connection)) => {
                let _ = tx.send(Ok(client));
                if let Err(e) = connection.await {
                    tracing::warn!(error = %e, "a PostgreSQL connection ended");
                }
            }
            Err(e) => {
                let _ = tx.send(Err(StoreError::Unavailable(e.to_string())));
            }
        }
    });
    rx.recv().map_err(|_| StoreError::Unavailable("the PostgreSQL runtime stopped".into()))?
}

/// Opens a connection whose socket is driven by `rt`, a current-thread runtime of its own: the
/// thread that waits for a statement drives the socket too, with no hand-over to another thread
/// per statement (for the writer, which runs statement after statement on a thread of its own).
fn open_local(url: &str, rt: &tokio::runtime::Runtime) -> Result<Client, StoreError> {
    let (client, connection) =
        rt.block_on(tokio_postgres::connect(url, NoTls)).map_err(|e| StoreError::Unavailable(e.to_string()))?;
    rt.spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "a PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// A parameter's value owned, for a statement sent now and answered later.
enum Owned {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

impl Owned {
    fn of(p: &Param) -> Owned {
        match *p {
            Param::Int(v) => Owned::Int(v),
            Param::Real(v) => Owned::Real(v),
            Param::Text(v) => Owned::Text(v.map(str::to_string)),
            Param::Blob(v) => Owned::Blob(v.map(<[u8]>::to_vec)),
        }
    }

    fn param(&self) -> Param<'_> {
        match self {
            Owned::Int(v) => Param::Int(*v),
            Owned::Real(v) => Param::Real(*v),
            Owned::Text(v) => Param::Text(v.as_deref()),
            Owned::Blob(v) => Param::Blob(v.as_deref()),
        }
    }
}

/// A statement sent without waiting for its answer.
type Later = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;

/// One connection to the database, with its prepared statements.
pub struct PgConn {
    client: Arc<Client>,
    statements: RefCell<HashMap<String, Statement>>,
    url: String,
    /// The connection's own runtime, for a connection used from one plain thread (the writer's).
    local: Option<tokio::runtime::Runtime>,
    /// Statements sent and not yet answered (the writer's pipeline, see [`Conn::exec_later`]).
    later: RefCell<Vec<Later>>,
    /// The writer's transaction: its locks and deferred positions (`transaction.rs`).
    pub(super) tx: RefCell<super::transaction::TxState>,
}

impl PgConn {
    /// Connects to `url` (`postgres://user:password@host:port/db` or a key=value string); any
    /// thread may use the connection.
    pub fn connect(url: &str) -> Result<PgConn, StoreError> {
        Ok(PgConn {
            client: Arc::new(open(url)?),
            statements: RefCell::default(),
            url: url.to_string(),
            local: None,
            later: RefCell::default(),
            tx: RefCell::default(),
        })
    }

    /// Connects for use from one thread that is not a runtime's (the writer's): statements run
    /// without a hand-over between threads.
    pub fn connect_dedicated(url: &str) -> Result<PgConn, StoreError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("cannot start a runtime: {e}")))?;
        let client = Arc::new(open_local(url, &rt)?);
        Ok(PgConn {
            client,
            statements: RefCell::default(),
            url: url.to_string(),
            local: Some(rt),
            later: RefCell::default(),
            tx: RefCell::default(),
        })
    }

    /// Waits for a client call: on the connection's own runtime when it has one, else (the
    /// socket being driven elsewhere) with a plain executor.
    fn wait<F: std::future::Future>(&self, f: F) -> F::Output {
        match &self.local {
            Some(rt) => {
                crate::metrics::metrics().writer_round_trips.inc();
                rt.block_on(f)
            }
            None => futures_executor::block_on(f),
        }
    }

    /// After a statement failed: the first failure among the statements sent before it, if
    /// any (a failed statement aborts the transaction, and every later one fails for that).
    fn first_failure(&self, e: StoreError) -> StoreError {
        match self.flush() {
            Err(earlier) => earlier,
            Ok(()) => e,
        }
    }

    /// Whether the connection is still open (a closed one is dropped, not reused).
    pub fn is_open(&self) -> bool {
        !self.client.is_closed()
    }

    /// Connects again after the connection was lost.
    pub fn reconnect(&mut self) -> Result<(), StoreError> {
        self.later.borrow_mut().clear();
        self.client = Arc::new(match &self.local {
            Some(rt) => open_local(&self.url, rt)?,
            None => open(&self.url)?,
        });
        self.statements.borrow_mut().clear();
        Ok(())
    }

    /// `sql` prepared for parameters of the types of `p`: PostgreSQL then reads each placeholder
    /// as the type the value has (a millisecond time is a BIGINT even in `?2 - 60000`, which
    /// PostgreSQL would otherwise take for an INTEGER).
    fn statement(&self, sql: &str, p: &[Param]) -> Result<Statement, StoreError> {
        let types: Vec<Type> = p.iter().map(pg_type).collect();
        let mut key = String::with_capacity(sql.len() + types.len());
        key.push_str(sql);
        key.extend(p.iter().map(|x| match x {
            Param::Int(_) => 'i',
            Param::Real(_) => 'r',
            Param::Text(_) => 't',
            Param::Blob(_) => 'b',
        }));
        if let Some(s) = self.statements.borrow().get(&key) {
            return Ok(s.clone());
        }
        let prepared = self.wait(self.client.prepare_typed(&to_postgres(sql), &types)).map_err(|e| error(sql, e))?;
        self.statements.borrow_mut().insert(key, prepared.clone());
        Ok(prepared)
    }
}

/// The PostgreSQL type of a parameter's value.
fn pg_type(p: &Param) -> Type {
    match p {
        Param::Int(_) => Type::INT8,
        Param::Real(_) => Type::FLOAT8,
        Param::Text(_) => Type::TEXT,
        Param::Blob(_) => Type::BYTEA,
    }
}

fn params<'a>(p: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    p.iter().map(|x| x as &(dyn ToSql + Sync)).collect()
}

struct PgRow<'a>(&'a tokio_postgres::Row);

impl PgRow<'_> {
    fn ty(&self, i: usize) -> Result<&Type, StoreError> {
        self.0.columns().get(i).map(|c| c.type_()).ok_or_else(|| StoreError::Data(format!("no column {i}")))
    }

    fn get<'r, T: tokio_postgres::types::FromSql<'r>>(&'r self, i: usize) -> Result<T, StoreError> {
        self.0.try_get(i).map_err(|e| StoreError::Data(format!("column {i}: {e}")))
    }
}

impl Row for PgRow<'_> {
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_int(i)?.ok_or_else(|| StoreError::Data(format!("column {i} is null")))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(match *self.ty(i)? {
            Type::INT4 => self.get::<Option<i32>>(i)?.map(i64::from),
            Type::INT2 => self.get::<Option<i16>>(i)?.map(i64::from),
            Type::BOOL => self.get::<Option<bool>>(i)?.map(i64::from),
            _ => self.get::<Option<i64>>(i)?,
        })
    }
    fn real(&self, i: usize) -> Result<f64, StoreError> {
        self.opt_real(i)?.ok_or_else(|| StoreError::Data(format!("column {i} is null")))
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>, StoreError> {
        Ok(match *self.ty(i)? {
            Type::FLOAT4 => self.get::<Option<f32>>(i)?.map(f64::from),
            Type::INT8 | Type::INT4 | Type::INT2 => self.opt_int(i)?.map(|v| v as f64),
            _ => self.get::<Option<f64>>(i)?,
        })
    }
    fn text(&self, i: usize) -> Result<String, StoreError> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        self.get(i)
    }
    fn blob(&self, i: usize) -> Result<Vec<u8>, StoreError> {
        self.get(i)
    }
    fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(i)
    }
}

impl Conn for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&self, sql: &str, p: &[Param]) -> Result<u64, StoreError> {
        check_params(p)?;
        let st = self.statement(sql, p)?;
        self.wait(self.client.execute(&st, &params(p))).map_err(|e| self.first_failure(error(sql, e)))
    }

    /// On the writer's connection, the statement is queued on the connection at once and its
    /// answer collected later (by the next statement that waits, or [`Conn::flush`]): a job's
    /// writes travel together, in order, and cost one round trip instead of one each.
    fn exec_later(&self, sql: &str, p: &[Param]) -> Result<(), StoreError> {
        if self.local.is_none() {
            return self.exec(sql, p).map(|_| ());
        }
        check_params(p)?;
        let st = self.statement(sql, p)?;
        let (client, owned, sql_text) =
            (self.client.clone(), p.iter().map(Owned::of).collect::<Vec<_>>(), sql.to_string());
        let mut sent: Later = Box::pin(async move {
            let values: Vec<Param> = owned.iter().map(Owned::param).collect();
            client.execute(&st, &params(&values)).await.map(|_| ()).map_err(|e| error(&sql_text, e))
        });
        // The first poll hands the statement to the connection (sent when its socket is next
        // driven, before any later statement); the answer waits in the pipeline.
        match sent.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(out) => out,
            Poll::Pending => {
                self.later.borrow_mut().push(sent);
                Ok(())
            }
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        let sent = std::mem::take(&mut *self.later.borrow_mut());
        if sent.is_empty() {
            return Ok(());
        }
        self.wait(async move {
            let mut out = Ok(());
            for s in sent {
                if let (Err(e), true) = (s.await, out.is_ok()) {
                    out = Err(e);
                }
            }
            out
        })
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        check_params(p)?;
        let st = self.statement(sql, p)?;
        let rows = self.wait(self.client.query(&st, &params(p))).map_err(|e| self.first_failure(error(sql, e)))?;
        for r in &rows {
            each(&PgRow(r))?;
        }
        Ok(())
    }

    fn defer_positions(&self, n: usize) -> Option<i64> {
        self.local.as_ref()?;
        Some(self.tx.borrow_mut().placeholders(n))
    }

    fn lock_feed(&self) -> Result<(), StoreError> {
        if self.local.is_none() || self.tx.borrow().feed_locked {
            return Ok(());
        }
        self.script(super::transaction::LOCK_FEED)?;
        self.tx.borrow_mut().feed_locked = true;
        Ok(())
    }

    fn script(&self, sql: &str) -> Result<(), StoreError> {
        // Whatever was sent before is answered first: a transaction's end never passes over a
        // failed statement (PostgreSQL would turn the COMMIT into a rollback, silently).
        self.flush()?;
        self.wait(self.client.batch_execute(sql)).map_err(|e| error(sql, e))
    }
}
