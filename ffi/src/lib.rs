//! fieldreport's FFI: the device store as one UniFFI object, `FieldStore`, for Kotlin (Android),
//! Swift (iOS) and Python. See ffi/README.md.
//!
//! Text indices across the FFI count Unicode scalar values (code points), never UTF-16 units.

mod attachments;
mod error;
mod people;
mod reports;
mod store;
mod sync;
mod types;

pub use error::FieldError;
pub use store::{FieldStore, RecordKind};
pub use sync::{HttpClient, SyncListener};
pub use types::*;

uniffi::setup_scaffolding!("fieldreport");
