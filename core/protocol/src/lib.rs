//! fieldreport-protocol: what the device and the team server share, and nothing else.
//!
//! - [`doc`]: every record is an Automerge document behind a typed view, with validation and the
//!   bounded reading of another party's bytes;
//! - [`team`]: the team configuration the server authors (deadlines, targets, KPIs per role,
//!   templates, robots) and the figures it publishes;
//! - [`kpi`]: KPI definitions as data, each record's daily facts, status against targets;
//! - [`period`] and [`zone`]: today / this week / last month… in the team's time zone;
//! - [`money`]: integer minor units plus a currency code;
//! - [`report`]: templates, inserted blocks, labels in zh-CN and en, rendering;
//! - [`wire`]: the binary sync format; [`api`]: the routes and JSON bodies of the other requests;
//! - [`codes`]: the protocol's words as types (error and refusal codes, roles, statuses).
//!
//! No storage, no async runtime, no HTTP client: the device (`fieldreport-core`) adds its store
//! and sync driver, the server (`fieldreport-server`) its service, on top of this.

#[macro_use]
mod macros;

pub mod api;
pub mod codes;
pub mod doc;
pub mod error;
pub mod files;
pub mod identity;
pub mod ids;
pub mod kpi;
pub mod money;
pub mod period;
pub mod report;
pub mod team;
pub mod text;
pub mod wire;
pub mod zone;

pub use error::{Error, Result};

// With the `uniffi` feature, the records and enums the FFI passes unchanged derive their
// foreign-language mirrors here. The component keeps the name it had when these types lived in
// `fieldreport-core`, so apps import them as before (`com.fieldreport.core`, `FieldReportCore`).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("fieldreport_core");
