//! The one public error of the FFI, mapped from the core's errors in one place.

use fieldreport_core::Error as CoreError;

/// Every failure a foreign caller can see. Each carries a human-readable `reason` (English; it
/// names what was wrong and what to do) and never personal data beyond the ids involved.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FieldError {
    /// The input was refused (a missing field, a bad date, text too long, an index out of range).
    #[error("{reason}")]
    InvalidInput { reason: String },
    /// No record with that id (or it belongs to another kind).
    #[error("{reason}")]
    NotFound { reason: String },
    /// The store has no identity yet: enroll the device (or `init` it) first.
    #[error("{reason}")]
    NotEnrolled { reason: String },
    /// The store already has an identity.
    #[error("{reason}")]
    AlreadyEnrolled { reason: String },
    /// The user may not do this (e.g. edit a submitted report).
    #[error("{reason}")]
    Forbidden { reason: String },
    /// The team server could not be reached; local data is untouched.
    #[error("{reason}")]
    Unreachable { reason: String },
    /// The team server refused the request.
    #[error("{reason}")]
    Server { status: u16, code: String, reason: String },
    /// A running sync was cancelled; pages committed before stay committed.
    #[error("the sync was cancelled")]
    Cancelled,
    /// The store was closed; open it again.
    #[error("the store is closed")]
    Closed,
    /// The database file could not be read or written, or is damaged or too new.
    #[error("{reason}")]
    Storage { reason: String },
    /// A bug: a panic inside the library, or a failing callback. The store stays usable.
    #[error("{reason}")]
    Internal { reason: String },
}

impl From<CoreError> for FieldError {
    fn from(e: CoreError) -> Self {
        let reason = e.to_string();
        match e {
            CoreError::Invalid(_) | CoreError::BadInput(_) => FieldError::InvalidInput { reason },
            CoreError::NotFound { .. } => FieldError::NotFound { reason },
            CoreError::NotInitialized | CoreError::NotEnrolled => FieldError::NotEnrolled { reason },
            CoreError::AlreadyInitialized { .. } => FieldError::AlreadyEnrolled { reason },
            CoreError::Forbidden(_) | CoreError::Submitted { .. } => FieldError::Forbidden { reason },
            CoreError::Unreachable { .. } => FieldError::Unreachable { reason },
            CoreError::Server { status, code, message } => FieldError::Server { status, code, reason: message },
            CoreError::Cancelled => FieldError::Cancelled,
            CoreError::Corrupt { .. } | CoreError::SchemaTooNew { .. } | CoreError::Storage(_) => {
                FieldError::Storage { reason }
            }
            CoreError::Document(_) => FieldError::Internal { reason },
            CoreError::File(_) => FieldError::InvalidInput { reason },
        }
    }
}

/// A foreign callback (the progress listener) threw.
impl From<uniffi::UnexpectedUniFFICallbackError> for FieldError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        FieldError::Internal { reason: format!("a callback failed: {}", e.reason) }
    }
}

/// Runs `f`, turning a panic into [`FieldError::Internal`] so that it never unwinds into the
/// foreign caller.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, FieldError>) -> Result<T, FieldError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(FieldError::Internal { reason: format!("internal error (please report): {what}") })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let out: Result<(), FieldError> = guard(|| panic!("boom"));
        match out {
            Err(FieldError::Internal { reason }) => assert!(reason.contains("boom"), "{reason}"),
            other => panic!("expected Internal, got {other:?}"),
        }
    }

    #[test]
    fn core_errors_map_to_their_kind() {
        assert!(matches!(FieldError::from(CoreError::BadInput("x".into())), FieldError::InvalidInput { .. }));
        assert!(matches!(FieldError::from(CoreError::NotInitialized), FieldError::NotEnrolled { .. }));
        assert!(matches!(FieldError::from(CoreError::Cancelled), FieldError::Cancelled));
        let server = CoreError::Server { status: 403, code: "forbidden".into(), message: "no".into() };
        assert!(matches!(FieldError::from(server), FieldError::Server { status: 403, .. }));
    }
}
