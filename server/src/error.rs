//! The server's errors, and their one mapping to HTTP responses and exit codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use fieldreport_protocol::api::ErrorBody;
use fieldreport_protocol::codes::ErrorCode;

pub use crate::store::StoreError;

/// Everything the server can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("missing device token: send `Authorization: Bearer TOKEN` from an enrolled device")]
    NoToken,
    #[error("unknown device token: enroll this device again")]
    BadToken,
    #[error("this device has been revoked: ask an admin for a new enrollment code")]
    Revoked,
    /// The member was deactivated: their devices and sessions end, their data stays.
    #[error(
        "this account has been deactivated: its data stays on the device and the server; ask an admin to reactivate it"
    )]
    Deactivated,
    #[error("{0}")]
    Forbidden(String),
    /// An enrollment code that cannot be redeemed, and why (answered with its own code, so that
    /// an app can say what to do).
    #[error("{}", .0.message())]
    Enrollment(CodeProblem),
    #[error("{0}")]
    BadRequest(String),
    /// Pushed bytes that are not Automerge changes (or make Automerge fail): the whole request
    /// is refused, nothing of it is merged.
    #[error("the changes pushed for document {id} are not valid Automerge data ({reason}); nothing of this request was merged")]
    MalformedDocument { id: String, reason: String },
    #[error("the request is larger than the limit of {limit} bytes; sync in smaller batches")]
    TooLarge { limit: usize },
    /// A request over a limit other than bytes (documents per sync request): 413 as well, which
    /// a device answers by sending the batch again in halves.
    #[error("{0}")]
    Oversized(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A limit of the team's (files uploaded per day) is reached.
    #[error("{0}")]
    TooMany(String),
    /// Something the data needs is set aside (damaged) or the database is unreachable.
    #[error("{0}")]
    Unavailable(String),
    /// The disk or the database is full: nothing of the request was kept; it succeeds once
    /// space returns.
    #[error("{0}")]
    StorageFull(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A value the shared model refused (a bad period, amount, role…), or a document it could not
    /// change.
    #[error("{0}")]
    Protocol(#[from] fieldreport_protocol::Error),
    /// The operator's setup failed (a port in use, a data directory that cannot be created).
    #[error("{0}")]
    Setup(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why an enrollment code cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// No such code (mistyped, or never issued).
    Unknown,
    /// Issued, but its 7 days are over.
    Expired,
    /// Already redeemed by a device.
    Used,
}

impl CodeProblem {
    /// The machine-readable code of the answer.
    pub fn code(self) -> ErrorCode {
        match self {
            CodeProblem::Unknown => ErrorCode::CodeUnknown,
            CodeProblem::Expired => ErrorCode::CodeExpired,
            CodeProblem::Used => ErrorCode::CodeUsed,
        }
    }

    fn message(self) -> &'static str {
        match self {
            CodeProblem::Unknown => "unknown enrollment code: check it, or ask an admin for a new one",
            CodeProblem::Expired => "this enrollment code has expired; ask an admin for a new one",
            CodeProblem::Used => "this enrollment code was already used; ask an admin for a new one",
        }
    }
}

/// Longest error message logged or answered, in characters.
const MAX_MESSAGE: usize = 400;

/// `text` cut to [`MAX_MESSAGE`] characters (with an ellipsis), on one line.
fn brief(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() <= MAX_MESSAGE {
        return one_line;
    }
    one_line.chars().take(MAX_MESSAGE).chain(std::iter::once('…')).collect()
}

/// Whether `e` says the disk (or the user's quota on it) is full.
pub fn is_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge)
}

/// Result with [`ServerError`].
pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// How long a device waits before it tries again after a 503 (`Retry-After`, seconds).
pub const RETRY_AFTER_SECS: u32 = 30;

impl ServerError {
    /// A failed file operation (`what`, e.g. "store an upload in progress"): a full disk is
    /// [`ServerError::StorageFull`] (and noted for `/healthz`), anything else unavailable.
    pub fn from_io(what: &str, e: std::io::Error) -> ServerError {
        if is_full(&e) {
            crate::health::storage_full(&format!("cannot {what}: {e}"));
            ServerError::StorageFull(format!("cannot {what}: the disk is full"))
        } else {
            ServerError::Unavailable(format!("cannot {what}: {e}"))
        }
    }

    /// The machine-readable code of the answer (its HTTP status is the code's:
    /// [`ErrorCode::http_status`]).
    pub fn code(&self) -> ErrorCode {
        match self {
            ServerError::NoToken => ErrorCode::MissingToken,
            ServerError::BadToken => ErrorCode::BadToken,
            ServerError::Revoked => ErrorCode::Revoked,
            ServerError::Deactivated => ErrorCode::Deactivated,
            ServerError::StorageFull(_) | ServerError::Store(StoreError::Full(_)) => ErrorCode::StorageFull,
            ServerError::Forbidden(_) => ErrorCode::Forbidden,
            ServerError::Enrollment(p) => p.code(),
            ServerError::BadRequest(_) | ServerError::Store(StoreError::BadUrl(_) | StoreError::BadInput(_)) => {
                ErrorCode::Malformed
            }
            ServerError::MalformedDocument { .. } => ErrorCode::MalformedDocument,
            ServerError::TooLarge { .. } | ServerError::Oversized(_) => ErrorCode::TooLarge,
            ServerError::NotFound(_) => ErrorCode::NotFound,
            ServerError::Conflict(_) => ErrorCode::Conflict,
            ServerError::TooMany(_) => ErrorCode::LimitReached,
            ServerError::Protocol(e) if e.is_bad_input() => ErrorCode::BadInput,
            ServerError::Unavailable(_) | ServerError::Store(StoreError::Unavailable(_)) => ErrorCode::Unavailable,
            ServerError::Store(_) | ServerError::Protocol(_) | ServerError::Setup(_) | ServerError::Internal(_) => {
                ErrorCode::Internal
            }
        }
    }

    /// HTTP status and machine-readable code.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        let code = self.code();
        let status = code.http_status().and_then(|s| StatusCode::from_u16(s).ok());
        (status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), code)
    }

    #[cfg(test)]
    fn answer_text(self) -> String {
        brief(&self.to_string())
    }

    /// Whether this is the caller's fault (exit 2 on the command line).
    pub fn is_bad_input(&self) -> bool {
        self.status_and_code().0.is_client_error()
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        // A message may quote what the request sent (a bad hash, a name): the log and the
        // answer carry its start only, never a request's contents.
        let text = brief(&self.to_string());
        if status.is_server_error() {
            tracing::error!(error = %text, "request failed");
        } else {
            tracing::info!(%code, error = %text, "request refused");
        }
        // Internal details stay in the log; the device gets a short message.
        let message = match status {
            _ if code == ErrorCode::StorageFull => {
                "the server's storage is full; nothing of this request was kept: your device keeps its data and tries again later".to_string()
            }
            StatusCode::SERVICE_UNAVAILABLE => "the server cannot serve this now; try again later".to_string(),
            s if s.is_server_error() => "the server failed; try again later".to_string(),
            _ => text,
        };
        let mut resp = (status, Json(ErrorBody { code, message })).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECS.into());
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_never_carries_a_requests_contents() {
        let e = ServerError::BadRequest(format!("`{}` is not a SHA-256 in lower-case hex", "x".repeat(1 << 20)));
        let text = e.answer_text();
        assert!(text.chars().count() <= MAX_MESSAGE + 1, "{}", text.len());
        assert!(text.ends_with('…'));
        assert_eq!(brief("two\nlines"), "two lines");
    }
}
