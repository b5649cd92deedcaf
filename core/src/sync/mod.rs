//! Sync with the team server: the wire format (shared with the server) and the device's client
//! engine.

mod client;
pub mod wire;

pub use client::{
    enroll, http_client, sync, CancelToken, ProgressListener, SyncOptions, SyncProgress, SyncStats, CONTENT_TYPE,
};
