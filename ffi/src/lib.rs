//! fieldreport's FFI: the device store as one UniFFI object, `FieldStore`, for Kotlin (Android),
//! Swift (iOS) and Python. See ffi/README.md.
//!
//! Text indices across the FFI count Unicode scalar values (code points), never UTF-16 units.

mod attachments;
mod auto_sync;
mod background;
mod batch;
mod error;
mod figures;
mod http;
mod hub;
mod live;
mod observe;
mod people;
mod plans;
mod records;
mod reports;
mod store;
mod sync;
mod types;
mod week;
mod worker;

pub use batch::BatchWrite;
pub use error::FieldError;
pub use http::HttpClient;
pub use hub::ChangeListener;
pub use hub::SyncStatusListener;
pub use live::{
    ContractListListener, ContractPage, CustomerListListener, CustomerPage, DealListListener, DealPage,
    FollowupListListener, FollowupPage, ListDiff, PaymentListListener, PaymentPage, PlanListListener, PlanPage,
    ReportListListener, ReportPage,
};
pub use observe::Subscription;
pub use store::FieldStore;
pub use sync::SyncListener;
pub use types::*;
pub use week::{InboxItem, InboxKind, NudgeSent, Reminder};

uniffi::setup_scaffolding!("fieldreport");
