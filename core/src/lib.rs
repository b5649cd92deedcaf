//! fieldreport-core: the device under the fieldreport apps.
//!
//! - [`store`]: the durable local SQLite store with projection tables for lists, report
//!   composition (drafts, inserted blocks) and the client rules both front ends share;
//! - [`sync`]: the I/O-free sync engine and the driver that runs it over a [`sync::Transport`];
//! - [`files`]: attachments as the device takes them (checked, stripped, hashed).
//!
//! The shared model (records, configuration, KPIs, periods, money, the wire format, the
//! protocol's codes) lives in `fieldreport-protocol` and is re-exported here under the same
//! paths, so a caller needs this crate alone.

pub mod error;
pub mod files;
pub mod store;
pub mod sync;

pub use fieldreport_protocol::{api, codes, doc, identity, ids, kpi, money, period, report, team, text, zone};

pub use error::{Error, Result};
/// The shared model's error, which [`Error`] wraps.
pub use fieldreport_protocol::Error as ProtocolError;
pub use store::Store;
