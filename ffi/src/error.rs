//! The one public error of the FFI, mapped from the core's errors in one place.

use fieldreport_core::codes::ErrorCode;
use fieldreport_core::Error as CoreError;

/// Every failure a foreign caller can see. Each carries a human-readable `reason` (English; it
/// names what was wrong and what to do, in an app's words, never a command line's) and never
/// personal data beyond the ids involved. In Python `str(e)` and in Kotlin `e.message` are the
/// reason itself.
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
    /// The store already has an identity, or the device is enrolled already.
    #[error("{reason}")]
    AlreadyEnrolled { reason: String },
    /// No such enrollment code (mistyped, or never issued).
    #[error("{reason}")]
    CodeUnknown { reason: String },
    /// The enrollment code's 7 days are over: ask an admin for a new one.
    #[error("{reason}")]
    CodeExpired { reason: String },
    /// The enrollment code was already used by a device: ask an admin for a new one.
    #[error("{reason}")]
    CodeUsed { reason: String },
    /// An admin revoked this device (or removed it): it syncs again once enrolled with a new
    /// code. Its local data stays.
    #[error("{reason}")]
    DeviceRevoked { reason: String },
    /// An admin deactivated this member's account: the device stops syncing and keeps its data
    /// (nothing is lost); it syncs again once an admin reactivates the account.
    #[error("{reason}")]
    AccountDeactivated { reason: String },
    /// The user may not do this (e.g. edit a submitted report).
    #[error("{reason}")]
    Forbidden { reason: String },
    /// The team server could not be reached; local data is untouched.
    #[error("{reason}")]
    Unreachable { reason: String },
    /// The team server refused the request (`status` is the HTTP status, `code` the server's
    /// machine-readable code).
    #[error("{reason}")]
    Server { status: i32, code: String, reason: String },
    /// The sync or download was cancelled; what was committed before stays.
    #[error("{reason}")]
    Cancelled { reason: String },
    /// The store was closed; open it again.
    #[error("{reason}")]
    Closed { reason: String },
    /// The database file could not be read or written, or is damaged or too new.
    #[error("{reason}")]
    Storage { reason: String },
    /// A bug: a panic inside the library, or a failing callback. The store stays usable.
    #[error("{reason}")]
    Internal { reason: String },
}

impl FieldError {
    /// `Closed`, with its reason.
    pub(crate) fn closed() -> Self {
        FieldError::Closed { reason: "the store is closed; open it again".into() }
    }
}

impl From<CoreError> for FieldError {
    fn from(e: CoreError) -> Self {
        let reason = e.to_string();
        match e {
            CoreError::Invalid(_) | CoreError::BadInput(_) => FieldError::InvalidInput { reason },
            CoreError::NotFound { .. } => FieldError::NotFound { reason },
            CoreError::NotInitialized | CoreError::NotEnrolled => FieldError::NotEnrolled {
                reason: "this device is not enrolled yet: enroll it with a one-time code from an admin first".into(),
            },
            CoreError::AlreadyInitialized { .. } | CoreError::AlreadyEnrolled { .. } => {
                FieldError::AlreadyEnrolled { reason }
            }
            CoreError::Forbidden(_) | CoreError::Submitted { .. } => FieldError::Forbidden { reason },
            CoreError::Unreachable { .. } => FieldError::Unreachable { reason },
            CoreError::Server { status, code, message } => match code {
                ErrorCode::CodeUnknown => FieldError::CodeUnknown { reason: message },
                ErrorCode::CodeExpired => FieldError::CodeExpired { reason: message },
                ErrorCode::CodeUsed => FieldError::CodeUsed { reason: message },
                ErrorCode::Forbidden => FieldError::Forbidden { reason: message },
                ErrorCode::Revoked | ErrorCode::BadToken => FieldError::DeviceRevoked {
                    reason: "this device was revoked or removed by an admin: enroll it again with a new code (its data stays)"
                        .into(),
                },
                ErrorCode::Deactivated => FieldError::AccountDeactivated {
                    reason: "this account was deactivated by an admin: this device keeps its data and syncs again once the account is reactivated".into(),
                },
                code => FieldError::Server { status: status.into(), code: code.to_string(), reason: message },
            },
            CoreError::Cancelled => FieldError::Cancelled { reason: "cancelled; what was committed before stays".into() },
            CoreError::Corrupt { .. } | CoreError::SchemaTooNew { .. } | CoreError::Storage(_) => {
                FieldError::Storage { reason }
            }
            CoreError::Document(_) => FieldError::Internal { reason },
            CoreError::File(_) => FieldError::InvalidInput { reason },
        }
    }
}

/// The shared model's refusals (a bad date, period, amount) reach apps as the device's do.
impl From<fieldreport_core::ProtocolError> for FieldError {
    fn from(e: fieldreport_core::ProtocolError) -> Self {
        CoreError::from(e).into()
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
        assert!(matches!(FieldError::from(CoreError::Cancelled), FieldError::Cancelled { .. }));
        let used = CoreError::Server { status: 403, code: ErrorCode::CodeUsed, message: "used".into() };
        assert!(matches!(FieldError::from(used), FieldError::CodeUsed { .. }));
        let revoked = CoreError::Server { status: 401, code: ErrorCode::Revoked, message: "x".into() };
        assert!(matches!(FieldError::from(revoked), FieldError::DeviceRevoked { .. }));
        let deactivated = CoreError::Server { status: 401, code: ErrorCode::Deactivated, message: "x".into() };
        assert!(matches!(FieldError::from(deactivated), FieldError::AccountDeactivated { .. }));
        let forbidden = CoreError::Server { status: 403, code: ErrorCode::Forbidden, message: "no".into() };
        assert!(matches!(FieldError::from(forbidden), FieldError::Forbidden { .. }));
        let server = CoreError::Server { status: 409, code: ErrorCode::Conflict, message: "no".into() };
        match FieldError::from(server) {
            FieldError::Server { status: 409, code, .. } => assert_eq!(code, "conflict"),
            other => panic!("expected Server, got {other:?}"),
        }
        let future = CoreError::Server { status: 418, code: ErrorCode::parse("teapot"), message: "no".into() };
        assert!(matches!(FieldError::from(future), FieldError::Server { code, .. } if code == "teapot"));
    }
}
