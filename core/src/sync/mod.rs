//! Sync with the team server: the wire format (shared with the server) and the device's client
//! engine.

mod client;
pub mod engine;
mod files;
mod transport;
mod web_login;
pub mod wire;

pub use client::{
    enroll, enroll_named, nudge, sign_out, sync, CancelToken, NudgeSent, ProgressListener, SyncOptions, SyncProgress,
    SyncStats, CONTENT_TYPE,
};
pub use engine::{Engine, EngineOptions, Next};
pub use files::{fetch_file, upload_files, PIECE};
#[cfg(feature = "reqwest")]
pub use transport::{http_client, ReqwestTransport};
pub use transport::{HttpRequest, HttpResponse, Transport, TransportFuture};
pub use web_login::{approve_web_login, normalize_code, WebLoginApproved};
