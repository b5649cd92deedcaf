//! Who may do what: the typed reasons a pushed document is refused ([`Refusal`]), the rules of
//! who may turn one version of a record into another ([`permit`]), and who sees which documents
//! in the change feed ([`visibility`]). Pure functions of their inputs, table-tested.

mod permit;
pub mod visibility;

use fieldreport_protocol::codes::{RefusalCode, RefusalReason};
use fieldreport_protocol::doc::Kind;

pub use permit::{permit, Context};

/// Why a pushed document was refused. The device receives its [`RefusalReason`]: the stable code
/// (apps may match on it) and a message that says what was wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A device pushed a document of a kind only the server authors.
    ServerAuthored { kind: Kind },
    /// The pushed changes alone are over the size limit.
    ChangesTooLarge { bytes: usize, limit: usize },
    /// The merged document would be over the size limit (decoded size).
    DocTooLarge { bytes: usize, limit: usize },
    /// The changes depend on changes the server does not have.
    MissingDependencies,
    /// A change is authored by another actor than the device's.
    ForeignActor { actor: String, expected: String },
    /// The merged document is not a valid record.
    Invalid { kind: Kind, reason: String },
    /// The document says it is another document than it was pushed as.
    Mislabelled,
    /// The document belongs to another team.
    OtherTeam,
    /// Kind, id, team, owner or creation time changed.
    HeaderChanged,
    /// A new document must be owned by its author.
    NotOwner { owner: String },
    /// The report was submitted: its author may only add comments.
    Submitted { report: String },
    /// A recipient may only add comments.
    CommentOnly { report: String },
    /// A comment names someone else as its author.
    CommentAuthor,
    /// Comments were removed or changed.
    CommentsChanged,
    /// A comment names (`@`) a member who cannot read the report.
    MentionNotReader { who: String },
    /// The document is another user's.
    NotYours { kind: Kind, id: String },
    /// A report is addressed to someone who is not an active member of the team.
    UnknownRecipient { who: String },
    /// A recipient who has read the report cannot be removed from it.
    ReaderRemoved { who: String },
    /// The server's copy cannot be read; the server will ask the owner's device for it.
    Quarantined,
}

impl Refusal {
    /// The stable machine-readable code.
    pub fn code(&self) -> RefusalCode {
        match self {
            Refusal::ServerAuthored { .. } => RefusalCode::ServerAuthored,
            Refusal::ChangesTooLarge { .. } => RefusalCode::ChangesTooLarge,
            Refusal::DocTooLarge { .. } => RefusalCode::DocTooLarge,
            Refusal::MissingDependencies => RefusalCode::MissingDependencies,
            Refusal::ForeignActor { .. } => RefusalCode::ForeignActor,
            Refusal::Invalid { .. } => RefusalCode::InvalidRecord,
            Refusal::Mislabelled => RefusalCode::Mislabelled,
            Refusal::OtherTeam => RefusalCode::OtherTeam,
            Refusal::HeaderChanged => RefusalCode::HeaderChanged,
            Refusal::NotOwner { .. } => RefusalCode::NotOwner,
            Refusal::Submitted { .. } => RefusalCode::ReportSubmitted,
            Refusal::CommentOnly { .. } => RefusalCode::CommentOnly,
            Refusal::CommentAuthor => RefusalCode::CommentAuthor,
            Refusal::CommentsChanged => RefusalCode::CommentsChanged,
            Refusal::MentionNotReader { .. } => RefusalCode::MentionNotReader,
            Refusal::NotYours { .. } => RefusalCode::NotYours,
            Refusal::UnknownRecipient { .. } => RefusalCode::UnknownRecipient,
            Refusal::ReaderRemoved { .. } => RefusalCode::ReaderRemoved,
            Refusal::Quarantined => RefusalCode::Quarantined,
        }
    }

    /// The reason as the device receives it (on the wire, `code: message`).
    pub fn reason(&self) -> RefusalReason {
        RefusalReason::new(self.code(), self.to_string())
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::ServerAuthored { kind } => write!(f, "{kind} documents are authored only by the server"),
            Refusal::ChangesTooLarge { bytes, limit } => {
                write!(f, "the changes are {bytes} bytes, over the limit of {limit}")
            }
            Refusal::DocTooLarge { bytes, limit } => {
                write!(f, "the document would be {bytes} bytes or more, over the limit of {limit}")
            }
            Refusal::MissingDependencies => {
                f.write_str("the changes depend on changes the server does not have; sync again to resend them")
            }
            Refusal::ForeignActor { actor, expected } => {
                write!(f, "a change is authored by actor {actor}, not by this device's actor {expected}")
            }
            Refusal::Invalid { kind, reason } => write!(f, "not a valid {kind}: {reason}"),
            Refusal::Mislabelled => f.write_str("the document does not say it is the document it was pushed as"),
            Refusal::OtherTeam => f.write_str("the document belongs to another team than this device's"),
            Refusal::HeaderChanged => {
                f.write_str("the document's kind, id, team, owner and creation time cannot change")
            }
            Refusal::NotOwner { owner } => write!(f, "a new record must be owned by its author, not by {owner}"),
            Refusal::Submitted { report } => {
                write!(f, "report {report} has been submitted; only comments can be added")
            }
            Refusal::CommentOnly { report } => write!(f, "you may only comment on report {report}, not change it"),
            Refusal::CommentAuthor => f.write_str("comments can only be added under your own name"),
            Refusal::CommentsChanged => f.write_str("comments cannot be removed or changed"),
            Refusal::MentionNotReader { who } => {
                write!(f, "a comment names {who}, who cannot read this report: address it to them first")
            }
            Refusal::NotYours { kind, id } => write!(f, "you may not change {kind} {id}, which is another user's"),
            Refusal::UnknownRecipient { who } => {
                write!(f, "`{who}` is not an active member of the team: a report goes to members only")
            }
            Refusal::ReaderRemoved { who } => {
                write!(f, "{who} has read the report and stays among its recipients (recipients can be added, not taken back once read)")
            }
            Refusal::Quarantined => f.write_str(
                "the server's copy of this document is damaged and set aside; your device will be asked for it",
            ),
        }
    }
}
