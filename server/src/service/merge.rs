//! Checking one pushed document before it is merged: the changes' actor, the user's right to
//! change that document (and those paths, see `policy::permit`), and the validity of the result.
//! The outcome is a [`Merged`] document — the plan the writer stores — or a typed refusal.

use fieldreport_protocol::doc::{Bounds, Doc, Record, Refused};
use fieldreport_protocol::wire::{ChangeHash, Push};

use crate::model::Caller;
use crate::policy::{permit, Context, Refusal};
use crate::store::db::encode_heads;

/// Who pushed, as the server knows them from the device token.
#[derive(Debug, Clone)]
pub struct Author {
    pub user_id: String,
    pub team_id: String,
    /// Hex of the device's enrolled Automerge actor.
    pub actor: String,
}

impl Author {
    /// The author behind an authenticated sync request.
    pub fn of(caller: &Caller) -> Author {
        Author { user_id: caller.user.id.clone(), team_id: caller.team.id.clone(), actor: caller.device.actor.clone() }
    }
}

/// Size limits, configurable on `serve`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest sync request body.
    pub max_request_bytes: usize,
    /// Largest document, decoded.
    pub max_doc_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_request_bytes: 16 << 20, max_doc_bytes: 1 << 20 }
    }
}

/// The server's copy of a document, its typed view and its heads (encoded, as stored).
pub struct Stored {
    pub doc: Doc,
    pub record: Record,
    pub heads: Vec<u8>,
}

impl Stored {
    /// Reads `doc`'s typed view; `None` when it does not read as a record.
    pub fn read(mut doc: Doc) -> Option<Stored> {
        let record = Record::read(&doc).ok()?;
        let heads = encode_heads(&doc.heads());
        Some(Stored { doc, record, heads })
    }
}

/// A merged, checked document ready to store: the plan of one push.
pub struct Merged {
    pub doc: Doc,
    /// The document's full encoding, to store (empty when nothing changed).
    pub bytes: Vec<u8>,
    pub record: Record,
    pub heads: Vec<ChangeHash>,
    /// `record` as the typed view stored beside the document (see `views`), encoded here, in
    /// the parallel check, rather than in the single writer.
    pub view: Option<String>,
    /// The record before the push (`None` for a new document).
    pub before: Option<Record>,
    /// False when the push brought nothing new (a resend).
    pub changed: bool,
}

/// Why a push could not be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The document is refused; the others of the request go on.
    Refused(Refusal),
    /// The bytes are not Automerge changes at all: the whole request is refused (400).
    Malformed(String),
}

impl From<Refusal> for CheckError {
    fn from(r: Refusal) -> Self {
        CheckError::Refused(r)
    }
}

/// Applies `push` to `prev` (the server's copy, if any) and checks the result, with nobody
/// having read it and everyone taken for a member (for tools and benchmarks; the service
/// passes what it knows: [`check_as`]).
pub fn check(prev: Option<Stored>, push: &Push, author: &Author, limits: &Limits) -> Result<Merged, CheckError> {
    let anyone = |_: &str| true;
    let ctx = Context { readers: &[], is_member: &anyone, is_admin: &anyone, now: crate::now_ms() };
    check_as(prev, push, author, limits, false, &ctx)
}

/// As [`check`]; `heal`: the push is the whole of a document whose stored copy is damaged, sent
/// by its owner's device. Its history holds others' changes (the owner's other devices, the
/// manager's comments), so the actor and comment-author rules are left out: the owner's copy is
/// the best there is. Kind, id, team, owner, validity and size are checked as ever.
pub fn check_as(
    prev: Option<Stored>,
    push: &Push,
    author: &Author,
    limits: &Limits,
    heal: bool,
    ctx: &Context,
) -> Result<Merged, CheckError> {
    if push.kind.is_published() {
        return Err(Refusal::ServerAuthored { kind: push.kind }.into());
    }
    if push.changes.len() > limits.max_doc_bytes {
        return Err(Refusal::ChangesTooLarge { bytes: push.changes.len(), limit: limits.max_doc_bytes }.into());
    }
    let (mut doc, before) = match prev {
        Some(s) => (s.doc, Some(s.record)),
        None => (Doc::load(&[]).map_err(|e| CheckError::Malformed(e.to_string()))?, None),
    };
    let heads_before = doc.heads();
    // Bounded on decoded bytes and rows before Automerge decodes anything; contained after.
    doc.apply_untrusted(&push.changes, Bounds::for_document(limits.max_doc_bytes)).map_err(|e| match e {
        Refused::TooLarge { bytes, limit, .. } => CheckError::Refused(Refusal::DocTooLarge { bytes, limit }),
        Refused::Malformed(why) => CheckError::Malformed(why),
        Refused::MissingDependencies(_) => CheckError::Refused(Refusal::MissingDependencies),
    })?;
    if !doc.has_heads(&push.heads) {
        return Err(Refusal::MissingDependencies.into());
    }
    let actors = doc.actors_since(&heads_before);
    if let Some(other) = actors.iter().find(|a| **a != author.actor && !heal) {
        return Err(Refusal::ForeignActor { actor: other.clone(), expected: author.actor.clone() }.into());
    }
    let changed = !actors.is_empty();
    let record = Record::read(&doc).map_err(|e| Refusal::Invalid { kind: push.kind, reason: e.to_string() })?;
    record.validate().map_err(|e| Refusal::Invalid { kind: push.kind, reason: e.to_string() })?;
    let h = record.header();
    if h.id != push.id || h.kind != push.kind {
        return Err(Refusal::Mislabelled.into());
    }
    if h.team != author.team_id {
        return Err(Refusal::OtherTeam.into());
    }
    if let Some(b) = &before {
        let bh = b.header();
        if (bh.kind, &bh.id, &bh.team, &bh.owner, bh.created_at) != (h.kind, &h.id, &h.team, &h.owner, h.created_at) {
            return Err(Refusal::HeaderChanged.into());
        }
    }
    if heal {
        if h.owner != author.user_id {
            return Err(Refusal::NotOwner { owner: h.owner.clone() }.into());
        }
    } else if changed {
        permit(before.as_ref(), &record, &author.user_id, ctx)?;
    }
    let bytes = if changed { doc.save_uncompressed() } else { Vec::new() };
    if bytes.len() > limits.max_doc_bytes {
        return Err(Refusal::DocTooLarge { bytes: bytes.len(), limit: limits.max_doc_bytes }.into());
    }
    let view = if changed { super::views::encode(&record) } else { None };
    let heads = doc.heads();
    Ok(Merged { doc, bytes, record, heads, view, before, changed })
}

/// The users a report is addressed to, for visibility.
pub fn recipients(record: &Record) -> Vec<String> {
    match record {
        Record::Report(r) => r.recipients(),
        _ => Vec::new(),
    }
}
