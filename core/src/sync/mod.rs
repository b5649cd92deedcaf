//! Sync with the team server: the device's I/O-free engine ([`engine`]) and the driver that runs
//! it over a [`Transport`]. The wire format is the protocol's ([`wire`], re-exported).

mod auto;
mod client;
pub mod engine;
mod files;
mod http;
#[cfg(feature = "testing")]
pub mod testing;
mod transport;
mod web_login;

pub use fieldreport_protocol::wire;

pub use crate::store::{SyncActivity, SyncStatus};
pub use auto::{AutoSync, AutoSyncListener, AutoSyncOptions};
pub use client::{enroll, enroll_named, nudge, sign_out, sync};
pub use engine::{Engine, EngineOptions, Next, Sending, SyncProgress, SyncStats};
pub use fieldreport_protocol::api::SYNC_CONTENT_TYPE as CONTENT_TYPE;
pub use fieldreport_protocol::api::{NudgeSent, WebLoginApproved};
pub use files::{fetch_file, upload_files, PIECE};
pub use http::{CancelToken, ProgressListener, SyncOptions};
#[cfg(feature = "reqwest")]
pub use transport::{http_client, ReqwestTransport};
pub use transport::{HttpRequest, HttpResponse, Transport, TransportFuture};
pub use web_login::{approve_web_login, normalize_code};
