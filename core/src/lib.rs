//! fieldreport-core: the offline engine under the fieldreport apps.
//!
//! - [`doc`]: every record is an Automerge document behind a typed view, with validation;
//! - [`store`]: the durable local SQLite store with projection tables for lists;
//! - [`period`]: today / this week / last month… resolved in the team's time zone;
//! - [`money`]: integer minor units plus a currency code;
//! - [`team`]: the team configuration the server authors (deadlines, targets, KPIs per role).

pub mod doc;
pub mod error;
pub mod files;
pub mod ids;
pub mod kpi;
pub mod money;
pub mod period;
pub mod report;
pub mod store;
pub mod sync;
pub mod team;
pub mod text;
pub mod zone;

pub use error::{Error, Result};

// With the `uniffi` feature, the records and enums the FFI passes unchanged derive their
// foreign-language mirrors here (component `fieldreport_core`).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("fieldreport_core");
pub use store::Store;
