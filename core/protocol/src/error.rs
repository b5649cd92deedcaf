//! The protocol's error: what a record, a period, an amount or a message can be refused for.
//! Pure checks of values, never of storage or network (the device and the server wrap it in
//! their own errors, each mapped in one place).

use crate::doc::ValidationError;

/// What the shared model refuses.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A record failed validation; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),

    /// The input could not be understood (a date, an amount, a period, a time zone…).
    #[error("{0}")]
    BadInput(String),

    /// Data that should be well formed is not (a stored actor id, a stored document).
    #[error("the stored document {id} is damaged and cannot be read ({reason}); other records are unaffected")]
    Corrupt { id: String, reason: String },

    /// Automerge refused an operation on a document.
    #[error("document error: {0}")]
    Document(#[from] automerge::AutomergeError),
}

impl Error {
    /// True when the caller's input was at fault (fix it and retry), not the data or the machine.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::Invalid(_) | Error::BadInput(_))
    }

    pub(crate) fn bad_input(msg: impl Into<String>) -> Self {
        Error::BadInput(msg.into())
    }
}

/// Result with the protocol's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
