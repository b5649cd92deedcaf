//! One sync round trip. Each push is checked first outside the writer, on the request's own
//! thread against the committed document, so that checks of different requests run in parallel;
//! the writer then only confirms that the document did not move meanwhile (re-checking it when
//! it did), writes the result, and reads the device's page of the change feed.

use std::collections::HashMap;

use fieldreport_core::doc::{Doc, Kind, Record, ReportStatus};
use fieldreport_core::sync::wire::{Pull, Push, PushResult, SyncResponse};

use super::cache::DocCache;
use super::config::Active;
use super::merge::{self, Author, CheckError, Limits, Merged, Stored};
use super::{outbox, publish, rollups};
use crate::error::{Result, ServerError};
use crate::model::Caller;
use crate::policy::Refusal;
use crate::store::db::{decode_heads, encode_heads, Visibility};
use crate::store::Db;

/// A push checked against the document as it was at `base`.
pub(super) struct Prepared {
    /// The stored heads the check started from (encoded); `None` when there was no document.
    base: Option<Vec<u8>>,
    outcome: std::result::Result<Merged, Refusal>,
}

/// A document's current state, or why it cannot be merged into.
type Prev = std::result::Result<Option<Stored>, Refusal>;

/// The current state of `id` (from the cache when it is at the stored heads, else from `db`),
/// and its stored heads.
fn current(db: &Db, cache: &DocCache, id: &str) -> Result<(Prev, Option<Vec<u8>>)> {
    let Some(heads) = db.doc_heads(id)? else { return Ok((Ok(None), None)) };
    if let Some(s) = cache.take_at(id, &heads) {
        return Ok((Ok(Some(s)), Some(heads)));
    }
    let Some(row) = db.doc(id)? else { return Ok((Ok(None), None)) };
    let stored = Doc::load_trusted(&row.bytes).ok().and_then(Stored::read).ok_or(Refusal::Quarantined);
    Ok((stored.map(Some), Some(row.heads)))
}

/// Who pushes, and what their pushes are checked with.
pub(super) struct Pusher<'a> {
    pub cache: &'a DocCache,
    pub author: &'a Author,
    pub device: &'a str,
    pub limits: &'a Limits,
    /// The configuration whose definitions the rollups follow.
    pub active: &'a Active,
}

impl Pusher<'_> {
    /// Checks `push` against the current state of its document.
    fn check(&self, db: &Db, push: &Push) -> Result<Prepared> {
        let (prev, base) = current(db, self.cache, &push.id)?;
        let outcome = match prev.map(|prev| merge::check(prev, push, self.author, self.limits)) {
            Ok(Ok(m)) => Ok(m),
            Ok(Err(CheckError::Refused(r))) | Err(r) => Err(r),
            Ok(Err(CheckError::Malformed(reason))) => {
                return Err(ServerError::MalformedDocument { id: push.id.clone(), reason })
            }
        };
        Ok(Prepared { base, outcome })
    }

    /// Checks every push on a read connection (outside the writer).
    pub(super) fn prepare(&self, db: &Db, pushes: &[Push]) -> Result<Vec<Prepared>> {
        pushes.iter().map(|p| self.check(db, p)).collect()
    }

    /// Inside the writer's transaction: merges each push whose document is still at the state it
    /// was checked against (re-checking the others), and records what the device now holds.
    pub(super) fn apply(&self, db: &Db, pushes: &[Push], prepared: Vec<Prepared>, now: i64) -> Result<Vec<PushResult>> {
        let (cache, author, device) = (self.cache, self.author, self.device);
        let mut results = Vec::with_capacity(pushes.len());
        for (push, p) in pushes.iter().zip(prepared) {
            let p = if db.doc_heads(&push.id)? == p.base { p } else { self.check(db, push)? };
            match p.outcome {
                Err(refusal) => {
                    tracing::warn!(device = %device, user = %author.user_id, doc = %push.id, code = refusal.code(), reason = %refusal, "push rejected");
                    results.push(PushResult::Rejected { id: push.id.clone(), reason: refusal.reason() });
                }
                Ok(m) => {
                    if m.changed {
                        publish::write(db, &m, db.next_seq()?, now)?;
                        rollups::index_change(db, &self.active.defs, &self.active.cal, m.before.as_ref(), &m.record)?;
                        if let Record::Report(r) = &m.record {
                            let was_draft =
                                !matches!(&m.before, Some(Record::Report(b)) if b.status == ReportStatus::Submitted);
                            if was_draft && r.status == ReportStatus::Submitted {
                                outbox::report_submitted(db, self.active, r, now)?;
                            }
                        }
                    }
                    db.set_known_heads(device, &push.id, &encode_heads(&push.heads))?;
                    let heads = encode_heads(&m.heads);
                    results.push(PushResult::Accepted { id: push.id.clone(), heads: m.heads });
                    cache.put(push.id.clone(), Stored { doc: m.doc, record: m.record, heads });
                }
            }
        }
        Ok(results)
    }
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

/// The next page of `caller`'s feed after `cursor`, with `results` of their pushes. `held`:
/// documents the device is known to hold at given heads (its own pushes of this request),
/// passed over without a lookup.
pub(super) fn page(
    db: &Db,
    cache: &DocCache,
    caller: &Caller,
    cursor: u64,
    max_bytes: u64,
    results: Vec<PushResult>,
    held: &HashMap<String, Vec<u8>>,
) -> Result<SyncResponse> {
    let device = caller.device.id.as_str();
    let vis = Visibility { role: caller.user.role, user: &caller.user.id };
    let rows = db.feed_page(vis, cursor as i64)?;
    let budget = max_bytes.max(1);
    let mut docs = Vec::new();
    let mut used = 0u64;
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
        let changes = match db.known_heads(device, &row.id)? {
            Some(k) if k == row.heads => continue, // the device already holds exactly this
            Some(k) => changes_after(db, cache, &row.id, &row.heads, &k)?,
            None => db.doc_bytes(&row.id)?,
        };
        let Some(changes) = changes else {
            tracing::error!(doc = %row.id, "a stored document cannot be loaded; it is left out of the feed");
            continue;
        };
        let Some(kind) = Kind::parse(&row.kind) else {
            tracing::error!(doc = %row.id, kind = %row.kind, "a stored document has an unknown kind");
            continue;
        };
        used += changes.len() as u64;
        db.set_sent_heads(device, &row.id, &row.heads, row.seq)?;
        docs.push(Pull { id: row.id, kind, heads: decode_heads(&row.heads), changes });
    }
    let (cursor, remaining_docs, remaining_bytes) = if more {
        let (n, b) = db.feed_remaining(vis, last_seq)?;
        (last_seq as u64, n as u64, b as u64)
    } else {
        // Nothing visible remains: jump to the head of the feed so invisible rows are not
        // looked at again.
        (db.feed_head()?.max(last_seq).max(cursor as i64) as u64, 0, 0)
    };
    Ok(SyncResponse { results, cursor, more, remaining_docs, remaining_bytes, docs })
}
