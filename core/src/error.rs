//! The device's error type: one enum for everything the engine can refuse or fail at, with the
//! protocol's errors mapped into it in one place.

use fieldreport_protocol::codes::ErrorCode;

use crate::doc::ValidationError;

/// Everything that can go wrong in the core.
///
/// [`Error::is_bad_input`] separates what the caller got wrong (fix the input and retry) from
/// failures of the machine (disk, a damaged database).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A record failed validation; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    /// The caller's input could not be understood (a date, an amount, a period, a time zone…).
    #[error("{0}")]
    BadInput(String),

    /// No record of that kind has that id (or it belongs to another kind).
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },

    /// A stored document could not be decoded; other records stay readable.
    #[error("the stored document {id} is damaged and cannot be read ({reason}); other records are unaffected")]
    Corrupt { id: String, reason: String },

    /// The database was written by a newer fieldreport.
    #[error("this database has schema version {found}, newer than the {supported} this fieldreport understands; upgrade fieldreport instead of opening it with an older one")]
    SchemaTooNew { found: u32, supported: u32 },

    /// The store has no local identity yet.
    #[error("this device has no identity yet: run `init --user ID --team ID` first")]
    NotInitialized,

    /// The device has not enrolled with a team server yet, so it cannot sync.
    #[error("this device is not enrolled with a team server yet; enroll it with a one-time code first")]
    NotEnrolled,

    /// `init` on a store that already has an identity.
    #[error("this device is already initialized as user {user} of team {team}")]
    AlreadyInitialized { user: String, team: String },

    /// Enrolling a device that is enrolled already (the server knows its actor on an active
    /// device): it needs no new code.
    #[error("this device is already enrolled with {server}; it needs no new code (a revoked device is enrolled again with a new code)")]
    AlreadyEnrolled { server: String },

    /// The user may not make this change (another user's record, a report not addressed to them).
    #[error("{0}")]
    Forbidden(String),

    /// A submitted report refuses further edits by its author; comments are still accepted.
    #[error("report {id} has been submitted and can no longer be edited by its author (comments are still possible)")]
    Submitted { id: String },

    /// The server could not be reached (after retries).
    #[error("cannot reach the server at {url}: {reason}; local data is untouched, try again when online")]
    Unreachable { url: String, reason: String },

    /// The server refused the request (or answered with something the device could not use).
    #[error("the server refused the request ({status} {code}): {message}")]
    Server { status: u16, code: ErrorCode, message: String },

    /// A sync was cancelled; pages committed before the cancel are kept.
    #[error("sync cancelled")]
    Cancelled,

    /// SQLite failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),

    /// Automerge refused an operation on a document.
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),

    /// A file could not be read or written (an attachment's source, the local attachment store).
    #[error("file error: {0}")]
    File(#[from] std::io::Error),
}

impl Error {
    /// True when the caller's input was at fault (unknown id, malformed value, failed validation).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_)
                | Error::BadInput(_)
                | Error::File(_)
                | Error::NotFound { .. }
                | Error::NotInitialized
                | Error::NotEnrolled
                | Error::AlreadyInitialized { .. }
                | Error::AlreadyEnrolled { .. }
                | Error::Forbidden(_)
                | Error::Submitted { .. }
        ) || matches!(self, Error::Server { status, .. } if (400..500).contains(status))
    }

    pub(crate) fn bad_input(msg: impl Into<String>) -> Self {
        Error::BadInput(msg.into())
    }

    /// The server answered `status` with a body the device could not use.
    pub(crate) fn bad_response(status: u16, message: impl Into<String>) -> Self {
        Error::Server { status, code: ErrorCode::BadResponse, message: message.into() }
    }
}

/// The protocol's refusals keep their meaning on the device.
impl From<fieldreport_protocol::Error> for Error {
    fn from(e: fieldreport_protocol::Error) -> Self {
        use fieldreport_protocol::Error as P;
        match e {
            P::Invalid(v) => Error::Invalid(v),
            P::BadInput(m) => Error::BadInput(m),
            P::Corrupt { id, reason } => Error::Corrupt { id, reason },
            P::Document(d) => Error::Document(d),
        }
    }
}

/// Result with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
