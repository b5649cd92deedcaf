//! One sync round trip. Each push is checked first outside the writer, on the request's own
//! thread against the committed document, so that checks of different requests run in parallel;
//! the writer then only confirms that the document did not move meanwhile (re-checking it when
//! it did), writes the result, and reads the device's page of the change feed.

use std::collections::HashMap;

use fieldreport_protocol::doc::{Doc, Kind, Record, ReportStatus};
use fieldreport_protocol::wire::{Pull, Push, PushResult, SyncResponse};

use super::cache::DocCache;
use super::config::Active;
use super::merge::{self, Author, CheckError, Limits, Merged, Stored};
use super::{outbox, publish, rollups};
use crate::error::{Result, ServerError};
use crate::model::{Caller, User};
use crate::now_ms;
use crate::policy::visibility::{may_see, DocMeta};
use crate::policy::{Context, Refusal};
use crate::store::db::{decode_heads, encode_heads, Quarantined, StoredMeta, Visibility};
use crate::store::Db;

/// A push checked against the document as it was at `base`.
pub(super) struct Prepared {
    /// The stored heads the check started from (encoded); `None` when there was no document.
    base: Option<Vec<u8>>,
    outcome: std::result::Result<Merged, Refusal>,
    /// The pusher may not see the stored document: the push was checked as if it did not
    /// exist, and its verdict is answered without storing anything (an answer that tells
    /// nothing of the document: not its existence, kind, owner or heads).
    phantom: bool,
    /// The stored copy cannot be read (quarantined): the push, checked as a new document from
    /// its owner's device, replaces it.
    heals: bool,
    /// Whose document this is: the stored owner, else the pusher (a new document is its
    /// author's). Owners never change, so this holds whatever the writer finds.
    owner: String,
}

/// A document's current state, as a push is checked against it.
enum Prev {
    /// No such document, or one the pusher may not see.
    None { phantom: bool },
    /// The stored document.
    Stored(Box<Stored>),
    /// Stored, but damaged: owned by `owner`.
    Damaged { owner: String, kind: String },
}

/// The current state of `id` (from the cache when it is at the stored heads, else from `db`),
/// and its stored heads; `meta`: what is stored of it, if anything.
fn current(
    db: &Db,
    cache: &DocCache,
    viewer: &User,
    id: &str,
    meta: Option<StoredMeta>,
) -> Result<(Prev, Option<Vec<u8>>)> {
    let Some((kind, owner, heads)) = meta else { return Ok((Prev::None { phantom: false }, None)) };
    let parsed = Kind::parse(&kind);
    let recipients = if parsed == Some(Kind::Report) { db.recipients_of(id)? } else { Vec::new() };
    let visible = match parsed {
        Some(k) => {
            let meta = DocMeta { kind: k, owner: &owner, recipients: &recipients };
            may_see(viewer, meta, &|o| db.sees(&viewer.id, o).unwrap_or(false))
        }
        None => false,
    };
    if !visible {
        return Ok((Prev::None { phantom: true }, Some(heads)));
    }
    if let Some(s) = cache.take_at(id, &heads) {
        return Ok((Prev::Stored(Box::new(s)), Some(heads)));
    }
    let Some(row) = db.doc(id)? else { return Ok((Prev::None { phantom: false }, None)) };
    let stored = Doc::load_trusted(&row.bytes).ok().and_then(Stored::read);
    Ok(match stored {
        Some(s) => (Prev::Stored(Box::new(s)), Some(row.heads)),
        None => (Prev::Damaged { owner: row.owner, kind: row.kind }, Some(row.heads)),
    })
}

/// Checks `push` against `prev` with Automerge's decoding and reading contained.
fn contained_check(
    prev: Option<Stored>,
    push: &Push,
    author: &Author,
    limits: &Limits,
    heal: bool,
    ctx: &Context,
) -> std::result::Result<Merged, CheckError> {
    // Automerge's decoding is contained where it runs (`Doc::apply_untrusted`); reading the
    // merged document is Automerge's code too, so the whole check is contained here.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| merge::check_as(prev, push, author, limits, heal, ctx)))
        .unwrap_or_else(|_| Err(CheckError::Malformed("Automerge failed on the merged document".into())))
}

/// Who pushes, and what their pushes are checked with.
pub(super) struct Pusher<'a> {
    pub cache: &'a DocCache,
    pub author: &'a Author,
    /// The pushing user (what they may see decides what their pushes are checked against).
    pub viewer: &'a User,
    pub device: &'a str,
    pub limits: &'a Limits,
    /// The configuration whose definitions the rollups follow.
    pub active: &'a Active,
}

impl Pusher<'_> {
    /// Checks `push` against the current state of its document (`meta`: what is stored of it).
    fn check(&self, db: &Db, push: &Push, meta: Option<StoredMeta>) -> Result<Prepared> {
        let owner = meta.as_ref().map_or_else(|| self.author.user_id.clone(), |(_, owner, _)| owner.clone());
        let (prev, base) = current(db, self.cache, self.viewer, &push.id, meta)?;
        // A report's recipients must be members, and one who read it stays.
        let (readers, members, admins) = if push.kind == Kind::Report {
            let users = db.users()?;
            let members: std::collections::HashSet<String> =
                users.iter().filter(|u| u.active).map(|u| u.id.clone()).collect();
            let admins: std::collections::HashSet<String> =
                users.into_iter().filter(|u| u.role == crate::model::Role::Admin).map(|u| u.id).collect();
            (db.readers_of(&push.id)?, members, admins)
        } else {
            Default::default()
        };
        let is_member = |u: &str| members.contains(u);
        let is_admin = |u: &str| admins.contains(u);
        let ctx = Context { readers: &readers, is_member: &is_member, is_admin: &is_admin, now: crate::now_ms() };
        let (checked, phantom, heals) = match prev {
            Prev::None { phantom } => {
                (contained_check(None, push, self.author, self.limits, false, &ctx), phantom, false)
            }
            Prev::Stored(s) => (contained_check(Some(*s), push, self.author, self.limits, false, &ctx), false, false),
            // Only the owner's device can heal a damaged document, with the whole of it.
            Prev::Damaged { owner, kind } if owner == self.author.user_id && kind == push.kind.as_str() => {
                (contained_check(None, push, self.author, self.limits, true, &ctx), false, true)
            }
            Prev::Damaged { .. } => (Err(CheckError::Refused(Refusal::Quarantined)), false, false),
        };
        let outcome = match checked {
            Ok(m) => Ok(m),
            Err(CheckError::Refused(r)) => Err(r),
            Err(CheckError::Malformed(reason)) => {
                return Err(ServerError::MalformedDocument { id: push.id.clone(), reason })
            }
        };
        Ok(Prepared { base, outcome, phantom, heals, owner })
    }

    /// Checks every push on a read connection (outside the writer); what is stored of their
    /// documents is read in one query.
    pub(super) fn prepare(&self, db: &Db, pushes: &[Push]) -> Result<Vec<Prepared>> {
        let ids: Vec<&str> = pushes.iter().map(|p| p.id.as_str()).collect();
        let metas = db.doc_metas_of(&ids)?;
        pushes.iter().map(|p| self.check(db, p, metas.get(&p.id).cloned())).collect()
    }

    /// Inside the writer's transaction: merges each push whose document is still at the state it
    /// was checked against (re-checking the others), and records what the device now holds.
    pub(super) fn apply(&self, db: &Db, pushes: &[Push], prepared: Vec<Prepared>, now: i64) -> Result<Vec<PushResult>> {
        let (cache, author, device) = (self.cache, self.author, self.device);
        let mut results = Vec::with_capacity(pushes.len());
        // Whether each document is still as it was checked: one query for the whole job (kept
        // current as the job writes, should a request name a document twice).
        let ids: Vec<&str> = pushes.iter().map(|p| p.id.as_str()).collect();
        let mut stored = db.doc_heads_of(&ids)?;
        // What the device now holds, written in one statement at the end.
        let mut known = std::collections::BTreeMap::new();
        // The job's merged documents, stored together (before a second push of one of them is
        // checked, and at the end).
        let mut pending: Vec<publish::PendingDoc> = Vec::new();
        for (push, p) in pushes.iter().zip(prepared) {
            if pending.iter().any(|d| d.id() == push.id) {
                publish::write_pending(db, &mut pending, now)?;
            }
            let p =
                if stored.get(&push.id) == p.base.as_ref() { p } else { self.check(db, push, db.doc_meta(&push.id)?)? };
            if p.phantom {
                // Answered as for a document that does not exist, and nothing is kept.
                results.push(match p.outcome {
                    Ok(m) => PushResult::Accepted { id: push.id.clone(), heads: m.heads },
                    Err(refusal) => PushResult::Rejected { id: push.id.clone(), reason: refusal.reason() },
                });
                continue;
            }
            match p.outcome {
                Err(Refusal::Quarantined) => {
                    set_aside(db, &push.id, "its stored bytes do not load")?;
                    results.push(PushResult::Rejected { id: push.id.clone(), reason: Refusal::Quarantined.reason() });
                }
                Err(refusal) => {
                    // One line per request (the handler's), not per push: a request of a thousand
                    // refused pushes must not write a thousand lines.
                    tracing::debug!(device = %device, user = %author.user_id, doc = %push.id, code = %refusal.code(), "push rejected");
                    results.push(PushResult::Rejected { id: push.id.clone(), reason: refusal.reason() });
                }
                Ok(mut m) => {
                    if p.heals {
                        tracing::info!(doc = %push.id, device = %device, "a damaged document was healed from its owner's device");
                        db.release_quarantine(&push.id)?;
                    }
                    if m.changed || p.heals {
                        // Stored at the next feed positions, in order (`write_pending`).
                        pending.push(publish::PendingDoc::take(db, &mut m)?);
                        rollups::index_change(db, &self.active.defs, &self.active.cal, m.before.as_ref(), &m.record)?;
                        super::evidence::note(db, m.before.as_ref(), &m.record, &author.user_id, now)?;
                        if let Record::Report(r) = &m.record {
                            let before = match &m.before {
                                Some(Record::Report(b)) => Some(&**b),
                                _ => None,
                            };
                            super::week::note_mentions(db, before, r)?;
                            let was_draft =
                                !matches!(&m.before, Some(Record::Report(b)) if b.status == ReportStatus::Submitted);
                            // A report submitted and deleted before it ever synced is not announced:
                            // nothing would be behind the link.
                            if was_draft && r.status == ReportStatus::Submitted && !r.header.deleted {
                                outbox::report_submitted(db, self.active, r, now)?;
                            }
                        }
                    }
                    known.insert(push.id.clone(), encode_heads(&push.heads));
                    let heads = encode_heads(&m.heads);
                    if m.changed || p.heals {
                        stored.insert(push.id.clone(), heads.clone());
                    }
                    results.push(PushResult::Accepted { id: push.id.clone(), heads: m.heads });
                    cache.put(push.id.clone(), Stored { doc: m.doc, record: m.record, heads });
                }
            }
        }
        publish::write_pending(db, &mut pending, now)?;
        db.set_known_heads_of(device, &known)?;
        Ok(results)
    }
}

/// The members whose data merging `prepared` may write: the pusher's (their device), and the
/// owner of every pushed document (the document, its rollups and indexes) — refused ones too: a
/// document that moved before the writer merges is checked again there, and may then be
/// accepted.
pub(super) fn members(pusher: &str, prepared: &[Prepared]) -> Vec<String> {
    let mut out = vec![pusher.to_string()];
    out.extend(prepared.iter().map(|p| p.owner.clone()));
    out.sort();
    out.dedup();
    out
}

/// The documents whose merged heads are exactly what the device pushed (nobody else changed
/// them meanwhile): the device holds them as the server does. Encoded heads by id.
pub(super) fn held(pushes: &[Push], results: &[PushResult]) -> HashMap<String, Vec<u8>> {
    pushes
        .iter()
        .zip(results)
        .filter_map(|(p, r)| match r {
            PushResult::Accepted { id, heads } if *heads == p.heads => Some((id.clone(), encode_heads(heads))),
            _ => None,
        })
        .collect()
}

/// Sets a stored document aside: it cannot be loaded. Logged once.
pub(super) fn set_aside(db: &Db, id: &str, reason: &str) -> Result<()> {
    let Some((kind, owner, _)) = db.doc_meta(id)? else { return Ok(()) };
    let q = Quarantined { doc_id: id.to_string(), kind, owner, reason: reason.to_string(), since: now_ms() };
    if db.quarantine(&q)? {
        tracing::error!(doc = %q.doc_id, kind = %q.kind, owner = %q.owner, reason = %q.reason,
            "a stored document cannot be loaded: it is set aside until its owner's device sends it again");
    }
    Ok(())
}

/// What a device asked of the page it receives.
pub(super) struct Ask {
    pub cursor: u64,
    pub max_bytes: u64,
    /// The request's wire version, which the answer speaks.
    pub version: u8,
    /// Documents the device asks for whole.
    pub want: Vec<String>,
}

/// The changes of stored document `id` (at `heads`) after `known`: from the cache when it holds
/// that state, else loaded.
fn changes_after(db: &Db, cache: &DocCache, id: &str, heads: &[u8], known: &[u8]) -> Result<Option<Vec<u8>>> {
    if let Some(mut s) = cache.take_at(id, heads) {
        let changes = s.doc.save_after(&decode_heads(known));
        cache.put(id.to_string(), s);
        return Ok(Some(changes));
    }
    let Some(bytes) = db.doc_bytes(id)? else { return Ok(None) };
    Ok(Doc::load_trusted(&bytes).ok().map(|mut doc| doc.save_after(&decode_heads(known))))
}

/// What a page delivered, written after the answer was read (on a reader, outside the writer):
/// what the device was sent, what it asked for whole (it no longer holds what it was known to),
/// and stored documents found damaged.
#[derive(Default)]
pub(super) struct Delivered {
    pub sent: Vec<(String, Vec<u8>, i64)>,
    pub forget: Vec<String>,
    pub damaged: Vec<String>,
}

impl Delivered {
    /// Records what the device was sent and asked for. Sent heads only become what the device
    /// holds once its cursor passes them (`Db::begin_device_sync`), and recording them late or
    /// not at all only makes the server send more, never less.
    pub(super) fn record(&self, db: &Db, device: &str) -> Result<()> {
        for id in &self.forget {
            db.forget_device_doc(device, id)?;
        }
        db.set_sent_heads_of(device, &self.sent)?;
        Ok(())
    }
}

/// The documents of `want` the caller may see, whole, as pulls (the device is to forget what it
/// was known to hold of them); damaged ones go to `out_of.damaged`.
fn wanted(db: &Db, caller: &Caller, want: &[String], out_of: &mut Delivered) -> Result<Vec<Pull>> {
    let mut out = Vec::new();
    for id in want.iter().take(crate::store::db::PAGE_ROWS as usize) {
        let Some((kind, owner, heads)) = db.doc_meta(id)? else { continue };
        let Some(k) = Kind::parse(&kind) else { continue };
        let recipients = if k == Kind::Report { db.recipients_of(id)? } else { Vec::new() };
        let meta = DocMeta { kind: k, owner: &owner, recipients: &recipients };
        if !may_see(&caller.user, meta, &|o| db.sees(&caller.user.id, o).unwrap_or(false)) {
            continue; // as for a document that does not exist
        }
        let Some(bytes) = db.doc_bytes(id)? else { continue };
        if Doc::load_trusted(&bytes).is_err() {
            out_of.damaged.push(id.clone());
            continue;
        }
        out_of.forget.push(id.clone());
        out.push(Pull { id: id.clone(), kind: k, heads: decode_heads(&heads), changes: bytes });
    }
    Ok(out)
}

/// The stored bytes of a page's documents sent whole, read ahead in groups of up to 100 (as many
/// as the page's room takes): one query per group instead of one per document.
struct WholeDocs {
    /// Ids and sizes, in feed order.
    order: Vec<(String, i64)>,
    next: usize,
    got: HashMap<String, Vec<u8>>,
}

impl WholeDocs {
    fn new(order: Vec<(String, i64)>) -> WholeDocs {
        WholeDocs { order, next: 0, got: HashMap::new() }
    }

    /// The stored bytes of `id` (`None`: no longer stored), reading it and the documents after
    /// it that fit in `room` bytes when not read yet.
    fn take(&mut self, db: &Db, id: &str, room: u64) -> Result<Option<Vec<u8>>> {
        if let Some(b) = self.got.remove(id) {
            return Ok(Some(b));
        }
        while self.next < self.order.len() && self.order[self.next].0 != id {
            self.next += 1;
        }
        let start = self.next;
        let mut size = 0u64;
        while self.next < self.order.len() && self.next - start < 100 {
            let s = self.order[self.next].1.max(0) as u64;
            if self.next > start && size + s > room {
                break;
            }
            size += s;
            self.next += 1;
        }
        if start == self.next {
            return Ok(db.doc_bytes(id)?);
        }
        let ids: Vec<&str> = self.order[start..self.next].iter().map(|(id, _)| id.as_str()).collect();
        self.got.extend(db.docs_bytes_of(&ids)?);
        Ok(self.got.remove(id))
    }
}

/// The next page of `caller`'s feed after `ask.cursor`, with `results` of their pushes, read on
/// a reader after the pushes committed; with what it delivered, for the writer to record.
/// `held`: documents the device is known to hold at given heads (its own pushes of this
/// request), passed over without a lookup.
///
/// Read outside the write transaction, the page keeps the feed's contract
/// (docs/concurrency.md): the head read first is a committed one, every position up to it has
/// committed, and one statement's snapshot never holds position N+1 without N.
pub(super) fn page(
    db: &Db,
    cache: &DocCache,
    caller: &Caller,
    ask: &Ask,
    results: Vec<PushResult>,
    held: &HashMap<String, Vec<u8>>,
) -> Result<(SyncResponse, Delivered)> {
    let device = caller.device.id.as_str();
    let cursor = ask.cursor;
    let mut delivered = Delivered::default();
    let mut docs = if ask.version >= 2 { wanted(db, caller, &ask.want, &mut delivered)? } else { Vec::new() };
    let vis = Visibility { role: caller.user.role, user: &caller.user.id };
    // The head before the page: every position up to it has committed.
    let head = db.feed_head()?;
    let rows = db.feed_page(vis, cursor as i64)?;
    // What the device holds of the page's documents, in one query.
    let ids: Vec<&str> = rows.iter().filter(|r| held.get(&r.id) != Some(&r.heads)).map(|r| r.id.as_str()).collect();
    let mut known = db.known_heads_of(device, &ids)?;
    let budget = ask.max_bytes.max(1);
    let mut used: u64 = docs.iter().map(|d| d.changes.len() as u64).sum();
    // The documents to send whole (the device holds nothing of them), read ahead in groups.
    let mut whole = WholeDocs::new(
        rows.iter()
            .filter(|r| held.get(&r.id) != Some(&r.heads) && !known.contains_key(&r.id))
            .map(|r| (r.id.clone(), r.size))
            .collect(),
    );
    let mut last_seq = cursor as i64;
    let mut more = rows.len() as i64 == crate::store::db::PAGE_ROWS;
    for row in rows {
        if !docs.is_empty() && used + row.size as u64 > budget {
            more = true;
            break;
        }
        last_seq = row.seq;
        if held.get(&row.id) == Some(&row.heads) {
            // Just pushed by this device: it holds exactly this.
            continue;
        }
        // What this device is known to hold of the document; the document itself only when
        // something is to be sent.
        let changes = match known.remove(&row.id) {
            Some(k) if k == row.heads => continue, // the device already holds exactly this
            Some(k) => changes_after(db, cache, &row.id, &row.heads, &k)?,
            // Sent as stored: checked intact first (checksums, no decoding).
            None => whole
                .take(db, &row.id, budget.saturating_sub(used))?
                .filter(|b| fieldreport_protocol::doc::untrusted::checksums_valid(b)),
        };
        let Some(changes) = changes else {
            // Damaged: set aside (by the caller), and the feed goes on without it.
            delivered.damaged.push(row.id);
            continue;
        };
        let Some(kind) = Kind::parse(&row.kind) else {
            tracing::error!(doc = %row.id, kind = %row.kind, "a stored document has an unknown kind");
            continue;
        };
        used += changes.len() as u64;
        delivered.sent.push((row.id.clone(), row.heads.clone(), row.seq));
        docs.push(Pull { id: row.id, kind, heads: decode_heads(&row.heads), changes });
    }
    let (cursor, remaining_docs, remaining_bytes) = if more {
        let (n, b) = db.feed_remaining(vis, last_seq)?;
        (last_seq as u64, n as u64, b as u64)
    } else {
        // Nothing visible remains: jump to the head of the feed so invisible rows are not
        // looked at again.
        (head.max(last_seq).max(cursor as i64) as u64, 0, 0)
    };
    let (unavailable, resend) = if ask.version >= 2 {
        (delivered.damaged.clone(), db.quarantined_of(&caller.user.id)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let response = SyncResponse {
        version: ask.version,
        results,
        cursor,
        more,
        remaining_docs,
        remaining_bytes,
        docs,
        unavailable,
        resend,
    };
    Ok((response, delivered))
}
