//! Merging pushed documents. Each push is checked first outside the writer, on the request's own
//! thread against the committed document, so that checks of different requests run in parallel;
//! the writer then only confirms that the document did not move meanwhile (re-checking it when
//! it did) and writes the result.

use fieldreport_core::doc::{Doc, Kind, Record, ReportStatus};
use fieldreport_core::sync::wire::{Push, PushResult};
use rusqlite::{params, Connection, OptionalExtension};

use super::cache::DocCache;
use super::config::Active;
use super::{encode_heads, outbox, rollups, views};
use crate::error::{Result, ServerError};
use crate::merge::{self, Author, Limits, Merged, Stored};

/// A push checked against the document as it was at `base`.
pub(super) struct Prepared {
    /// The stored heads the check started from (encoded); `None` when there was no document.
    base: Option<Vec<u8>>,
    outcome: std::result::Result<Merged, String>,
}

/// The stored document `id` and its encoded heads.
fn load(conn: &Connection, id: &str) -> Result<Option<(Doc, Vec<u8>)>> {
    let row: Option<(Vec<u8>, Vec<u8>)> = conn
        .prepare_cached("SELECT bytes, heads FROM docs WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        Some((bytes, heads)) => {
            let doc = Doc::load_trusted(&bytes)
                .map_err(|e| ServerError::Internal(format!("stored document {id} is damaged: {e}")))?;
            Ok(Some((doc, heads)))
        }
        None => Ok(None),
    }
}

/// A document's current state, or why it cannot be read.
type Prev = std::result::Result<Option<Stored>, String>;

/// The current state of `id` (from the cache, else from `conn`) and its encoded heads.
fn current(conn: &Connection, cache: &DocCache, id: &str) -> Result<(Prev, Option<Vec<u8>>)> {
    if let Some(mut s) = cache.take(id) {
        let heads = encode_heads(&s.doc.heads());
        return Ok((Ok(Some(s)), Some(heads)));
    }
    Ok(match load(conn, id)? {
        Some((doc, heads)) => (Stored::read(doc).map(Some), Some(heads)),
        None => (Ok(None), None),
    })
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
    fn check(&self, conn: &Connection, push: &Push) -> Result<Prepared> {
        let (prev, base) = current(conn, self.cache, &push.id)?;
        let outcome = prev.and_then(|prev| merge::check(prev, push, self.author, self.limits));
        Ok(Prepared { base, outcome })
    }

    /// Checks every push on a read connection (outside the writer).
    pub(super) fn prepare(&self, conn: &Connection, pushes: &[Push]) -> Result<Vec<Prepared>> {
        pushes.iter().map(|p| self.check(conn, p)).collect()
    }

    /// Inside the writer's transaction: merges each push whose document is still at the state it
    /// was checked against (re-checking the others), and records what the device now holds.
    pub(super) fn apply(
        &self,
        conn: &Connection,
        pushes: &[Push],
        prepared: Vec<Prepared>,
        now: i64,
    ) -> Result<Vec<PushResult>> {
        let (cache, author, device) = (self.cache, self.author, self.device);
        let mut results = Vec::with_capacity(pushes.len());
        let mut seq: Option<i64> = None;
        for (push, p) in pushes.iter().zip(prepared) {
            let stored: Option<Vec<u8>> = conn
                .prepare_cached("SELECT heads FROM docs WHERE id = ?1")?
                .query_row([&push.id], |r| r.get(0))
                .optional()?;
            let p = if stored == p.base { p } else { self.check(conn, push)? };
            match p.outcome {
                Err(reason) => {
                    tracing::warn!(device = %device, user = %author.user_id, doc = %push.id, %reason, "push rejected");
                    results.push(PushResult::Rejected { id: push.id.clone(), reason });
                }
                Ok(mut m) => {
                    let heads = m.doc.heads();
                    if m.changed {
                        let next = match seq {
                            Some(s) => s + 1,
                            None => next_seq(conn)?,
                        };
                        seq = Some(next);
                        write(conn, &m, &heads, next, now)?;
                        rollups::index_change(conn, &self.active.defs, &self.active.cal, m.before.as_ref(), &m.record)?;
                        if let Record::Report(r) = &m.record {
                            let was_draft =
                                !matches!(&m.before, Some(Record::Report(b)) if b.status == ReportStatus::Submitted);
                            if was_draft && r.status == ReportStatus::Submitted {
                                outbox::report_submitted(conn, self.active, r, now)?;
                            }
                        }
                    }
                    conn.prepare_cached(
                        "INSERT INTO device_docs (device_id, doc_id, heads) VALUES (?1, ?2, ?3)
                         ON CONFLICT(device_id, doc_id) DO UPDATE SET heads = excluded.heads",
                    )?
                    .execute(params![device, push.id, encode_heads(&push.heads)])?;
                    results.push(PushResult::Accepted { id: push.id.clone(), heads });
                    cache.put(push.id.clone(), Stored { doc: m.doc, record: m.record });
                }
            }
        }
        Ok(results)
    }
}

/// The feed position after the last one.
fn next_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM docs")?.query_row([], |r| r.get(0))?)
}

/// Stores a change the server itself made to document `doc` (a published document, a web
/// comment) at the next feed position, so devices receive it; returns its typed view.
pub(super) fn write_server_change(conn: &Connection, cache: &DocCache, mut doc: Doc, now: i64) -> Result<Record> {
    let record = Record::read(&doc)
        .map_err(|e| ServerError::Internal(format!("a document the server changed does not read back: {e}")))?;
    let heads = doc.heads();
    let bytes = doc.save_uncompressed();
    cache.take(&record.header().id);
    let view = views::encode(&record);
    let merged = Merged { doc, bytes, record, view, before: None, changed: true };
    write(conn, &merged, &heads, next_seq(conn)?, now)?;
    Ok(merged.record)
}

/// Stores a merged document at feed position `seq`.
pub(super) fn write(
    conn: &Connection,
    m: &Merged,
    heads: &[fieldreport_core::sync::wire::ChangeHash],
    seq: i64,
    now: i64,
) -> Result<()> {
    let h = m.record.header();
    // The typed view is stored with the document it was read from, in the same statement.
    let format = m.view.as_ref().map(|_| views::VIEW_FORMAT);
    conn.prepare_cached(
        "INSERT INTO docs (id, kind, owner, bytes, heads, size, seq, updated_at, view, view_format)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads, size = excluded.size,
             seq = excluded.seq, updated_at = excluded.updated_at, view = excluded.view,
             view_format = excluded.view_format",
    )?
    .execute(params![
        h.id,
        h.kind.as_str(),
        h.owner,
        m.bytes,
        encode_heads(heads),
        m.bytes.len() as i64,
        seq,
        now,
        m.view,
        format
    ])?;
    if h.kind == Kind::Report {
        conn.prepare_cached("DELETE FROM recipients WHERE doc_id = ?1")?.execute([&h.id])?;
        for u in merge::recipients(&m.record) {
            conn.prepare_cached("INSERT OR IGNORE INTO recipients (doc_id, user_id) VALUES (?1, ?2)")?
                .execute(params![h.id, u])?;
        }
    }
    Ok(())
}
