//! The protocol's words as types: each vocabulary is one enum, written and read in one place
//! (its `as_str` and `parse`), so no crate ever compares a code as a string.
//!
//! - [`ErrorCode`]: why the server refused a request (the `code` of its JSON error body);
//! - [`RefusalCode`] and [`RefusalReason`]: why the server refused one pushed document;
//! - [`Role`]: what a member may do;
//! - [`DeliveryStatus`]: where a robot message stands;
//! - [`SubmissionStatus`]: whether a report that was due came in on time;
//! - [`AlertKind`]: what an alert is about.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

words! {
    /// What a member may do: a rep their own records; a manager also read their direct reports'
    /// records and comment on reports addressed to them; an admin everything, and the
    /// configuration.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum Role {
        Rep = "rep",
        Manager = "manager",
        Admin = "admin",
    }
}

impl Role {
    /// The role written `text` (any case, surrounding spaces ignored), or what the roles are.
    pub fn parse_loose(text: &str) -> Result<Role, crate::Error> {
        let t = text.trim();
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| crate::Error::BadInput(format!("`{text}` is not a role (rep, manager or admin)")))
    }

    /// The role a stored word names; a word this build does not know (written by a newer
    /// server) is read as the least privileged role.
    pub fn from_stored(word: &str) -> Role {
        Role::parse(word).unwrap_or(Role::Rep)
    }
}

impl std::str::FromStr for Role {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Role, crate::Error> {
        Role::parse_loose(s)
    }
}

words! {
    /// Where a robot message stands in the server's outbox.
    pub enum DeliveryStatus {
        /// Waiting for its (next) attempt.
        Pending = "pending",
        /// Delivered.
        Sent = "sent",
        /// Given up after the last attempt.
        Failed = "failed",
    }
}

words! {
    /// Whether a report that was due came in: judged by the submit time the author's device
    /// recorded, so a report written offline on time is on time however late it synced.
    pub enum SubmissionStatus {
        OnTime = "on_time",
        Late = "late",
        Missing = "missing",
        /// Not yet due.
        Pending = "pending",
    }
}

words! {
    /// What an alert is about. Alerts carry it as text (`Alert::kind`), so that a device reads
    /// the alerts of a newer server too; code reads it through `Alert::alert_kind`.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum AlertKind {
        /// A deal stage converting below a share of the team's average.
        ConversionBelowTeam = "conversion_below_team",
        /// An open deal with no followup for days.
        StaleDeal = "stale_deal",
        /// A report not submitted by its deadline.
        ReportMissing = "report_missing",
        /// A report submitted after its deadline.
        ReportLate = "report_late",
        /// A KPI behind its pro-rated target.
        KpiRed = "kpi_red",
        /// A check-in far from its customer.
        CheckinFar = "checkin_far",
    }
}

words! {
    /// Why the server refused one pushed document (the code before `: ` in the reason a device
    /// receives). Stable: apps may match on it.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum RefusalCode {
        /// A device pushed a document of a kind only the server authors.
        ServerAuthored = "server_authored",
        /// The pushed changes alone are over the size limit.
        ChangesTooLarge = "changes_too_large",
        /// The merged document would be over the size limit.
        DocTooLarge = "doc_too_large",
        /// The changes depend on changes the server does not have.
        MissingDependencies = "missing_dependencies",
        /// A change is authored by another actor than the device's.
        ForeignActor = "foreign_actor",
        /// The merged document is not a valid record.
        InvalidRecord = "invalid_record",
        /// The document says it is another document than it was pushed as.
        Mislabelled = "mislabelled",
        /// The document belongs to another team.
        OtherTeam = "other_team",
        /// Kind, id, team, owner or creation time changed.
        HeaderChanged = "header_changed",
        /// A new document must be owned by its author.
        NotOwner = "not_owner",
        /// The report was submitted: its author may only add comments.
        ReportSubmitted = "report_submitted",
        /// A recipient may only add comments.
        CommentOnly = "comment_only",
        /// A comment names someone else as its author.
        CommentAuthor = "comment_author",
        /// Comments were removed or changed.
        CommentsChanged = "comments_changed",
        /// A comment names (`@`) a member who cannot read the report.
        MentionNotReader = "mention_not_reader",
        /// The document is another user's.
        NotYours = "not_yours",
        /// A report is addressed to someone who is not an active member of the team.
        UnknownRecipient = "unknown_recipient",
        /// A recipient who has read the report cannot be removed from it.
        ReaderRemoved = "reader_removed",
        /// The server's copy cannot be read; the server will ask the owner's device for it.
        Quarantined = "quarantined",
        /// A code this build does not know (from a newer server); the message holds the whole
        /// reason as received.
        Unknown = "unknown",
    }
}

/// Why one pushed document was refused: a code to act on and a message to show. On the wire and
/// in storage it is one text, `code: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RefusalReason {
    pub code: RefusalCode,
    /// What was wrong and what to do (for [`RefusalCode::Unknown`], the whole reason received).
    pub message: String,
}

impl RefusalReason {
    pub fn new(code: RefusalCode, message: impl Into<String>) -> RefusalReason {
        RefusalReason { code, message: message.into() }
    }

    /// Reads the text a server sent (`code: message`); a text without a known code keeps every
    /// word as the message, under [`RefusalCode::Unknown`].
    pub fn parse(text: &str) -> RefusalReason {
        match text.split_once(": ").map(|(code, message)| (RefusalCode::parse(code), message)) {
            Some((Some(code), message)) if code != RefusalCode::Unknown => RefusalReason::new(code, message),
            _ => RefusalReason::new(RefusalCode::Unknown, text),
        }
    }
}

/// The text as sent and stored: `code: message`, and an unknown reason as it was received.
impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            RefusalCode::Unknown => f.write_str(&self.message),
            code => write!(f, "{code}: {}", self.message),
        }
    }
}

impl Serialize for RefusalReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why the server refused a whole request: the `code` of its JSON error body
/// (`{"code": …, "message": …}`), with the HTTP status it comes with. `BadResponse`,
/// `HashMismatch` and `Unknown` are said by the device about an answer it could not use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No `Authorization: Bearer` token (401).
    MissingToken,
    /// A token the server does not know (401).
    BadToken,
    /// The device was revoked (401).
    Revoked,
    /// The caller may not do this (403).
    Forbidden,
    /// No such enrollment code (403).
    CodeUnknown,
    /// The enrollment code's days are over (403).
    CodeExpired,
    /// The enrollment code was used already (403).
    CodeUsed,
    /// The request could not be read (400).
    Malformed,
    /// Pushed bytes that are not Automerge changes (400).
    MalformedDocument,
    /// The request is over the size limit (413).
    TooLarge,
    /// No such thing, or one the caller may not see (404).
    NotFound,
    /// The request conflicts with what is there (409).
    Conflict,
    /// The route does not take this method (405).
    MethodNotAllowed,
    /// A limit of the team's is reached (429).
    LimitReached,
    /// A value in the request was refused (400).
    BadInput,
    /// The server cannot serve this now (503).
    Unavailable,
    /// The server's disk or database is full; nothing of the request was kept (503, with
    /// `Retry-After`): the device keeps its data and tries later.
    StorageFull,
    /// The member's account was deactivated: the device stops syncing and keeps its data; an
    /// admin reactivates the member (or moves their work) (401).
    Deactivated,
    /// The server failed (500).
    Internal,
    /// The device could not read the server's answer.
    BadResponse,
    /// A downloaded file's bytes did not have the hash asked for.
    HashMismatch,
    /// A refusal without a readable error body.
    Unknown,
    /// A code this build does not know (from a newer server), as received.
    Other(String),
}

impl ErrorCode {
    /// Every code the server sends, in declaration order.
    pub const SERVER: [ErrorCode; 19] = [
        ErrorCode::MissingToken,
        ErrorCode::BadToken,
        ErrorCode::Revoked,
        ErrorCode::Forbidden,
        ErrorCode::CodeUnknown,
        ErrorCode::CodeExpired,
        ErrorCode::CodeUsed,
        ErrorCode::Malformed,
        ErrorCode::MalformedDocument,
        ErrorCode::TooLarge,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::MethodNotAllowed,
        ErrorCode::LimitReached,
        ErrorCode::BadInput,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::StorageFull,
        ErrorCode::Deactivated,
    ];

    /// The word in the error body.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::MissingToken => "missing_token",
            ErrorCode::BadToken => "bad_token",
            ErrorCode::Revoked => "revoked",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CodeUnknown => "code_unknown",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::CodeUsed => "code_used",
            ErrorCode::Malformed => "malformed",
            ErrorCode::MalformedDocument => "malformed_document",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::LimitReached => "limit_reached",
            ErrorCode::BadInput => "bad_input",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::StorageFull => "storage_full",
            ErrorCode::Deactivated => "deactivated",
            ErrorCode::Internal => "internal",
            ErrorCode::BadResponse => "bad_response",
            ErrorCode::HashMismatch => "hash_mismatch",
            ErrorCode::Unknown => "unknown",
            ErrorCode::Other(code) => code,
        }
    }

    /// The code written `word` (one this build does not know is kept as [`ErrorCode::Other`]).
    pub fn parse(word: &str) -> ErrorCode {
        ErrorCode::SERVER
            .into_iter()
            .chain([ErrorCode::BadResponse, ErrorCode::HashMismatch, ErrorCode::Unknown])
            .find(|c| c.as_str() == word)
            .unwrap_or_else(|| ErrorCode::Other(word.to_string()))
    }

    /// The HTTP status the server answers this code with (`None` for the device's own codes).
    pub fn http_status(&self) -> Option<u16> {
        Some(match self {
            ErrorCode::MissingToken | ErrorCode::BadToken | ErrorCode::Revoked | ErrorCode::Deactivated => 401,
            ErrorCode::Forbidden | ErrorCode::CodeUnknown | ErrorCode::CodeExpired | ErrorCode::CodeUsed => 403,
            ErrorCode::Malformed | ErrorCode::MalformedDocument | ErrorCode::BadInput => 400,
            ErrorCode::TooLarge => 413,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::LimitReached => 429,
            ErrorCode::Unavailable | ErrorCode::StorageFull => 503,
            ErrorCode::Internal => 500,
            ErrorCode::BadResponse | ErrorCode::HashMismatch | ErrorCode::Unknown | ErrorCode::Other(_) => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ErrorCode, D::Error> {
        Ok(ErrorCode::parse(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_its_value() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(*s));
        }
        for s in SubmissionStatus::ALL {
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for c in ErrorCode::SERVER {
            assert_eq!(ErrorCode::parse(c.as_str()), c);
            assert!(c.http_status().is_some(), "{c}");
        }
        assert_eq!(ErrorCode::parse("from_the_future"), ErrorCode::Other("from_the_future".into()));
        assert_eq!(Role::parse_loose(" Manager ").unwrap(), Role::Manager);
        assert!(Role::parse_loose("boss").unwrap_err().to_string().contains("rep, manager or admin"));
        assert_eq!(Role::from_stored("director"), Role::Rep);
    }

    #[test]
    fn a_refusal_is_one_text_on_the_wire_and_typed_in_code() {
        for code in RefusalCode::ALL.iter().copied().filter(|c| *c != RefusalCode::Unknown) {
            let r = RefusalReason::new(code, "what was wrong: and what to do");
            assert_eq!(RefusalReason::parse(&r.to_string()), r);
        }
        let known = RefusalReason::parse("report_submitted: report 1 has been submitted");
        assert_eq!(known.code, RefusalCode::ReportSubmitted);
        assert_eq!(known.message, "report 1 has been submitted");
        // A newer server's code, or no code at all, is kept whole.
        for text in ["brand_new: something", "no code here", "unknown: x", ""] {
            let r = RefusalReason::parse(text);
            assert_eq!(r.code, RefusalCode::Unknown);
            assert_eq!(r.to_string(), text);
        }
    }
}
