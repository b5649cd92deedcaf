//! Checking one pushed document before it is merged: the changes' actor, the user's right to
//! change that document (and those paths), and the validity of the result.

use fieldreport_core::doc::{Doc, Kind, Record, Report, ReportStatus};
use fieldreport_core::sync::wire::Push;

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
    pub fn of(caller: &crate::storage::Caller) -> Author {
        Author { user_id: caller.user.id.clone(), team_id: caller.team.id.clone(), actor: caller.device.actor.clone() }
    }
}

/// Size limits, configurable on `serve`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest sync request body.
    pub max_request_bytes: usize,
    /// Largest saved document.
    pub max_doc_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_request_bytes: 16 << 20, max_doc_bytes: 1 << 20 }
    }
}

/// The server's copy of a document and its typed view.
pub struct Stored {
    pub doc: Doc,
    pub record: Record,
}

impl Stored {
    /// Reads `doc`'s typed view.
    pub fn read(doc: Doc) -> Result<Stored, String> {
        let record = Record::read(&doc).map_err(|e| format!("the stored document cannot be read: {e}"))?;
        Ok(Stored { doc, record })
    }
}

/// A merged, checked document ready to store.
pub struct Merged {
    pub doc: Doc,
    /// The document's full encoding, to store.
    pub bytes: Vec<u8>,
    pub record: Record,
    /// `record` as the typed view stored beside the document (see storage/sqlite/views.rs),
    /// encoded here, in the parallel check, rather than in the single writer.
    pub view: Option<String>,
    /// The record before the push (`None` for a new document).
    pub before: Option<Record>,
    /// False when the push brought nothing new (a resend).
    pub changed: bool,
}

/// `a` and `b` are the same report apart from comments.
fn same_but_comments(a: &Report, b: &Report) -> bool {
    let strip = |r: &Report| Report { comments: Vec::new(), ..r.clone() };
    strip(a) == strip(b)
}

/// Comments of `after` not in `before`, which must keep all of `before`'s.
fn added_comments<'a>(before: &Report, after: &'a Report) -> Option<Vec<&'a fieldreport_core::doc::Comment>> {
    if !before.comments.iter().all(|c| after.comments.contains(c)) {
        return None;
    }
    Some(after.comments.iter().filter(|c| !before.comments.contains(c)).collect())
}

/// Applies `push` to `prev` (the server's copy, if any) and checks the result. The reason of a
/// refusal is returned as text for the device.
pub fn check(prev: Option<Stored>, push: &Push, author: &Author, limits: &Limits) -> Result<Merged, String> {
    if push.kind.is_published() {
        return Err(format!("{} documents are authored only by the server", push.kind));
    }
    if push.changes.len() > limits.max_doc_bytes {
        return Err(format!(
            "the changes are {} bytes, over the limit of {}",
            push.changes.len(),
            limits.max_doc_bytes
        ));
    }
    let (mut doc, before) = match prev {
        Some(s) => (s.doc, Some(s.record)),
        None => (Doc::load(&[]).map_err(|e| e.to_string())?, None),
    };
    let heads_before = doc.heads();
    doc.apply_changes(&push.changes).map_err(|e| format!("the changes cannot be decoded: {e}"))?;
    if !doc.has_heads(&push.heads) {
        return Err("the changes depend on changes the server does not have; sync again to resend them".into());
    }
    let actors = doc.actors_since(&heads_before);
    if let Some(other) = actors.iter().find(|a| **a != author.actor) {
        return Err(format!("a change is authored by actor {other}, not by this device's actor {}", author.actor));
    }
    let changed = !actors.is_empty();
    let record = Record::read(&doc).map_err(|e| format!("not a valid document: {e}"))?;
    record.validate().map_err(|e| format!("not a valid {}: {e}", push.kind))?;
    let h = record.header();
    if h.id != push.id || h.kind != push.kind {
        return Err(format!(
            "the document says it is {} {}, but was pushed as {} {}",
            h.kind, h.id, push.kind, push.id
        ));
    }
    if h.team != author.team_id {
        return Err(format!("the document belongs to team {}, not to this device's team", h.team));
    }
    if let Some(b) = &before {
        let bh = b.header();
        if (bh.kind, &bh.id, &bh.team, &bh.owner, bh.created_at) != (h.kind, &h.id, &h.team, &h.owner, h.created_at) {
            return Err("the document's kind, id, team, owner and creation time cannot change".into());
        }
    }
    if changed {
        permit(before.as_ref(), &record, author)?;
    }
    let bytes = if changed { doc.save_uncompressed() } else { Vec::new() };
    if bytes.len() > limits.max_doc_bytes {
        return Err(format!("the document would be {} bytes, over the limit of {}", bytes.len(), limits.max_doc_bytes));
    }
    let view = if changed { crate::storage::views::encode(&record) } else { None };
    Ok(Merged { doc, bytes, record, view, before, changed })
}

/// Whether `author` may turn `before` into `after`.
fn permit(before: Option<&Record>, after: &Record, author: &Author) -> Result<(), String> {
    let owner = &after.header().owner;
    let me = &author.user_id;
    match (before, after) {
        (None, _) if owner == me => Ok(()),
        (None, _) => Err(format!("user {me} cannot create a record owned by {owner}")),
        (Some(Record::Report(b)), Record::Report(a)) => {
            let is_recipient = b.to.contains(me) || b.cc.contains(me);
            let only_comments = same_but_comments(b, a);
            let added = added_comments(b, a).ok_or("comments cannot be removed or changed")?;
            if owner == me && b.status == ReportStatus::Draft {
                Ok(())
            } else if owner == me || is_recipient {
                if !only_comments {
                    return Err(if owner == me {
                        format!("report {} has been submitted; only comments can be added", b.header.id)
                    } else {
                        format!("user {me} may only comment on report {}, not change it", b.header.id)
                    });
                }
                if added.iter().any(|c| &c.author != me) {
                    return Err(format!("user {me} can only add comments under their own name"));
                }
                Ok(())
            } else {
                Err(format!("user {me} may not change report {} of {owner}", b.header.id))
            }
        }
        (Some(_), _) if owner == me => Ok(()),
        (Some(b), _) => Err(format!("user {me} may not change {} {} of user {owner}", b.header().kind, b.header().id)),
    }
}

/// The users a report is addressed to, for visibility.
pub fn recipients(record: &Record) -> Vec<String> {
    match record {
        Record::Report(r) => r.to.iter().chain(&r.cc).cloned().collect(),
        _ => Vec::new(),
    }
}

/// Whether documents of `kind` go to the owner's manager.
pub fn visible_to_manager(kind: Kind) -> bool {
    kind != Kind::Report
}
