//! What every HTTP handler shares, for the device API ([`crate::api`]) and the dashboard
//! ([`crate::web`]) alike: the service and limits ([`AppState`]), running storage work off the
//! async workers ([`blocking`]), a device's token ([`bearer`]) and a bounded body ([`body_of`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};

use crate::error::{Result, ServerError};
use crate::service::{Limits, Service};

/// Shared state of the HTTP handlers.
pub struct AppState {
    pub service: Arc<Service>,
    pub limits: Limits,
}

/// Runs blocking storage work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ServerError::Internal(format!("worker failed: {e}")))?
}

/// The device token of `Authorization: Bearer TOKEN`.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<String> {
    let value = headers.get(header::AUTHORIZATION).ok_or(ServerError::NoToken)?;
    let text = value.to_str().map_err(|_| ServerError::BadToken)?;
    let token = text.strip_prefix("Bearer ").ok_or(ServerError::NoToken)?.trim();
    if token.is_empty() {
        return Err(ServerError::NoToken);
    }
    Ok(token.to_string())
}

/// The body, or our own error for one over `limit` or unreadable.
pub(crate) fn body_of(body: std::result::Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::TooLarge { limit }
        } else {
            ServerError::BadRequest(format!("the request body cannot be read: {e}"))
        }
    })
}
