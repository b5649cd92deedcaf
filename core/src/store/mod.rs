//! The local store: document bytes and heads in SQLite, projection tables for queries, the
//! device identity, and what a server has not yet acknowledged.
//!
//! Every write is one immediate transaction that saves the document and its projection together,
//! committed with `synchronous = FULL`: once a call returns, the write survives kill -9 and power
//! loss.

/// The typed record inside a [`Record`] of a known variant.
macro_rules! typed {
    ($record:expr, $variant:ident) => {
        match $record {
            crate::doc::Record::$variant(r) => Ok(r),
            other => Err(crate::error::Error::Corrupt {
                id: other.header().id.clone(),
                reason: format!("expected a {} document", stringify!($variant)),
            }),
        }
    };
}

mod attachments;
mod batch;
mod changes;
mod documents;
mod drafts;
mod identity;
mod inbox;
mod kpi_sql;
mod kpis;
mod people;
mod plans;
mod projection;
mod published;
mod queries;
mod rejections;
mod reminders;
mod reports;
mod resolve;
mod saving;
pub mod schema;
mod search;
mod sign_out;
mod sync_state;
mod sync_status;
mod team_view;
mod today;
mod watch;
mod writes;

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

pub use crate::report::FigureSource;
pub use attachments::{AttachmentRow, AttachmentState, Unsent, DEFAULT_CACHE_BYTES};
pub use changes::Changed;
pub use documents::PendingDocument;
pub use fieldreport_protocol::api::Enrollment;
pub use identity::Identity;
pub use inbox::{InboxItem, InboxKind};
pub use plans::{PlanCounts, PlanRow};
pub use published::KpiView;
pub use queries::{
    CheckinPlace, ContractRow, Cursor, CustomerRow, DealRow, FollowupFilter, FollowupRow, Order, Page, PaymentRow,
};
pub use rejections::Refused;
pub use reports::{ReportFilter, ReportRow};
pub use saving::Saved;
pub use sign_out::Unsynced;
pub use sync_state::{Aside, PageOutcome, Rejection, SyncState};
pub use sync_status::{SyncActivity, SyncStatus};
pub use team_view::{MemberFigures, TeamView};
pub use watch::{Deliveries, KindChanges, Watchers};
pub use writes::DealChange;

use crate::error::Result;

/// A device's local database. Opening it does I/O (it reads and may migrate the file); every
/// method does I/O too, so call them off a UI thread.
pub struct Store {
    conn: Connection,
    identity: Option<Identity>,
    now_override: Option<i64>,
    /// Writes go into the running batch's transaction (`batch.rs`).
    in_batch: bool,
}

impl Store {
    /// Opens (creating when absent) the store at `path` and migrates its schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        Self::from_connection(conn)
    }

    /// An in-memory store, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> Result<Store> {
        schema::prepare(&conn)?;
        schema::migrate(&mut conn)?;
        Ok(Store { conn, identity: None, now_override: None, in_batch: false })
    }

    /// Fixes the clock (UTC milliseconds) for scripts and tests; `None` returns to the system clock.
    pub fn set_now(&mut self, now_ms: Option<i64>) {
        self.now_override = now_ms;
    }

    /// The store's notion of now, in UTC milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now_override.unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
    }

    /// Writes a consistent, compacted copy of the whole database to `path` (which must not
    /// exist), for backups and support.
    pub fn copy_to(&self, path: impl AsRef<Path>) -> Result<()> {
        let target = path.as_ref().to_string_lossy().into_owned();
        self.conn.execute("VACUUM INTO ?1", [target])?;
        Ok(())
    }

    /// Closes the database, reporting any error SQLite has on close.
    pub fn close(self) -> Result<()> {
        self.conn.close().map_err(|(_, e)| e.into())
    }
}
