//! Sync with the team server: the wire format (shared with the server) and the device's client
//! engine.

mod client;
pub mod engine;
mod transport;
pub mod wire;

pub use client::{enroll, sync, CancelToken, ProgressListener, SyncOptions, SyncProgress, SyncStats, CONTENT_TYPE};
pub use engine::{Engine, EngineOptions, Next};
#[cfg(feature = "reqwest")]
pub use transport::{http_client, ReqwestTransport};
pub use transport::{HttpRequest, HttpResponse, Transport, TransportFuture};
