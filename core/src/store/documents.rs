//! Document bytes, heads and acknowledgement state.

use automerge::ChangeHash;
use rusqlite::{params, Connection, OptionalExtension};

use super::{projection, Store};
use crate::doc::{Bounds, Doc, Kind, Record};
use crate::error::{Error, Result};

/// A document with changes a server has not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDocument {
    pub id: String,
    pub kind: Kind,
    pub heads: Vec<ChangeHash>,
    pub acked_heads: Vec<ChangeHash>,
}

pub(crate) fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

pub(crate) fn decode_heads(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes.chunks_exact(32).filter_map(|c| ChangeHash::try_from(c).ok()).collect()
}

/// Loads the document `id`; `expected` limits it to one kind (another kind reads as not found).
pub(crate) fn load(conn: &Connection, id: &str, expected: Option<Kind>) -> Result<Doc> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row("SELECT kind, bytes FROM documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let not_found = || Error::NotFound { kind: expected.map(Kind::as_str).unwrap_or("record"), id: id.to_string() };
    let (kind, bytes) = row.ok_or_else(not_found)?;
    if let Some(k) = expected {
        if Kind::parse(&kind) != Some(k) {
            return Err(not_found());
        }
    }
    let doc = Doc::load(&bytes).map_err(|e| Error::Corrupt { id: id.to_string(), reason: e.to_string() })?;
    if doc.is_empty() {
        return Err(Error::Corrupt { id: id.to_string(), reason: "the document is empty".into() });
    }
    Ok(doc)
}

/// Saves a document's full bytes and heads. `local` marks it as holding unacknowledged changes.
pub(crate) fn save(conn: &Connection, id: &str, kind: Kind, doc: &mut Doc, local: bool, now: i64) -> Result<()> {
    let bytes = doc.save();
    let heads = encode_heads(&doc.heads());
    // `change_seq`: the next number of this device's sequence of changes (writes are serialized,
    // so the maximum is stable inside the transaction), for apps that observe the data.
    conn.prepare_cached(
        "INSERT INTO documents (id, kind, bytes, heads, pending, updated_at, change_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM documents))
         ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads,
             pending = MAX(documents.pending, excluded.pending), updated_at = excluded.updated_at,
             change_seq = excluded.change_seq",
    )?
    .execute(params![id, kind.as_str(), bytes, heads, local as i64, now])?;
    Ok(())
}

/// What the server (or another replica) sends is bounded like a device's pushes on the server,
/// with room for the largest document a server may be configured to keep.
pub(crate) const FOREIGN_BOUNDS: Bounds = Bounds { max_bytes: 16 << 20, max_rows: 4 << 20 };

/// What became of changes made elsewhere.
pub(crate) enum Merged {
    Applied(Box<Record>),
    /// They cannot be applied (damaged or hostile bytes, or a delta this device's copy lacks the
    /// base of): nothing was written, and why.
    SetAside(String),
}

/// Merges changes made elsewhere into document `id` inside the caller's transaction. They are
/// another party's bytes: bounded before Automerge decodes them, its decoding and reading
/// contained. A local copy that is itself damaged is replaced by what arrives, when that is a
/// whole document.
pub(crate) fn merge(conn: &Connection, id: &str, changes: &[u8], now: i64) -> Result<Merged> {
    let existing = conn.query_row("SELECT 1 FROM documents WHERE id = ?1", [id], |_| Ok(())).optional()?;
    let mut doc = match existing.map(|()| load(conn, id, None)) {
        Some(Ok(doc)) => doc,
        Some(Err(Error::Corrupt { .. })) | None => {
            Doc::load(&[]).map_err(|e| Error::Corrupt { id: id.to_string(), reason: e.to_string() })?
        }
        Some(Err(e)) => return Err(e),
    };
    if let Err(e) = doc.apply_untrusted(changes, FOREIGN_BOUNDS) {
        return Ok(Merged::SetAside(format!("what was sent cannot be applied: {e}")));
    }
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Record::read(&doc)));
    let record = match read {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return Ok(Merged::SetAside(format!("what was sent does not make a valid record: {e}"))),
        Err(_) => return Ok(Merged::SetAside("what was sent cannot be read".into())),
    };
    if record.header().id != id {
        return Ok(Merged::SetAside(format!("what was sent describes record {}", record.header().id)));
    }
    save(conn, id, record.header().kind, &mut doc, false, now)?;
    projection::upsert(conn, &record)?;
    Ok(Merged::Applied(Box::new(record)))
}

impl Store {
    /// Record `id` of `kind` (`NotFound` when it is of another kind or unknown).
    fn record_of(&self, kind: &'static str, id: &str) -> Result<Record> {
        let id = crate::ids::parse_id(kind, id)?;
        match self.record(&id) {
            Ok(r) if r.header().kind.as_str() == kind => Ok(r),
            Ok(_) | Err(Error::NotFound { .. }) => Err(Error::NotFound { kind, id }),
            Err(e) => Err(e),
        }
    }

    /// Customer `id`.
    pub fn customer(&self, id: &str) -> Result<crate::doc::Customer> {
        typed!(self.record_of("customer", id)?, Customer)
    }

    /// Deal `id`.
    pub fn deal(&self, id: &str) -> Result<crate::doc::Deal> {
        typed!(self.record_of("deal", id)?, Deal)
    }

    /// Followup `id`.
    pub fn followup(&self, id: &str) -> Result<crate::doc::Followup> {
        typed!(self.record_of("followup", id)?, Followup)
    }

    /// Contract `id`.
    pub fn contract(&self, id: &str) -> Result<crate::doc::Contract> {
        typed!(self.record_of("contract", id)?, Contract)
    }

    /// Payment `id`.
    pub fn payment(&self, id: &str) -> Result<crate::doc::Payment> {
        typed!(self.record_of("payment", id)?, Payment)
    }

    /// The document `id`, whatever its kind.
    pub fn document(&self, id: &str) -> Result<Doc> {
        load(&self.conn, id, None)
    }

    /// The typed record `id`, whatever its kind.
    pub fn record(&self, id: &str) -> Result<Record> {
        let doc = self.document(id)?;
        Record::read(&doc).map_err(|e| Error::Corrupt { id: id.to_string(), reason: e.to_string() })
    }

    /// The current heads of document `id`.
    pub fn heads(&self, id: &str) -> Result<Vec<ChangeHash>> {
        let bytes: Vec<u8> = self
            .conn
            .query_row("SELECT heads FROM documents WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound { kind: "record", id: id.to_string() })?;
        Ok(decode_heads(&bytes))
    }

    /// Every document id in the store, in id (creation) order.
    pub fn document_ids(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare("SELECT id FROM documents ORDER BY id")?;
        let ids = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// The changes of document `id` after `since` (all of them for an empty slice), as bytes
    /// another replica can merge with [`Store::merge_changes`].
    pub fn changes_since(&self, id: &str, since: &[ChangeHash]) -> Result<Vec<u8>> {
        Ok(self.document(id)?.save_after(since))
    }

    /// Merges changes of document `id` made elsewhere (idempotent), and refreshes its projection.
    /// A document this store has not seen is created from them.
    pub fn merge_changes(&mut self, id: &str, changes: &[u8]) -> Result<Record> {
        let now = self.now_ms();
        let tx = self.write_tx()?;
        let record = match merge(&tx, id, changes, now)? {
            Merged::Applied(r) => *r,
            Merged::SetAside(why) => return Err(Error::bad_input(format!("the changes for {id}: {why}"))),
        };
        tx.commit()?;
        Ok(record)
    }

    /// Documents holding changes no server has acknowledged.
    pub fn pending_documents(&self) -> Result<Vec<PendingDocument>> {
        let mut st =
            self.conn.prepare("SELECT id, kind, heads, acked_heads FROM documents WHERE pending = 1 ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Option<Vec<u8>>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, heads, acked) = row?;
            let kind = Kind::parse(&kind)
                .ok_or_else(|| Error::Corrupt { id: id.clone(), reason: format!("unknown kind {kind}") })?;
            out.push(PendingDocument {
                id,
                kind,
                heads: decode_heads(&heads),
                acked_heads: acked.as_deref().map(decode_heads).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Records that a server holds document `id` up to `heads`. The document stays pending when
    /// it changed locally after those heads were sent.
    pub fn acknowledge(&mut self, id: &str, heads: &[ChangeHash]) -> Result<()> {
        let acked = encode_heads(heads);
        self.conn.execute(
            "UPDATE documents SET acked_heads = ?2, pending = CASE WHEN heads = ?2 THEN 0 ELSE pending END
             WHERE id = ?1",
            params![id, acked],
        )?;
        Ok(())
    }

    /// Ids of stored documents that cannot be decoded or read as a record, with the reason.
    /// Lists keep working from projections while such a record is damaged.
    pub fn verify(&self) -> Result<Vec<(String, String)>> {
        let mut bad = Vec::new();
        for id in self.document_ids()? {
            if let Err(e) = self.record(&id) {
                bad.push((id, e.to_string()));
            }
        }
        Ok(bad)
    }
}

/// Projects every stored document of `kind` again (after a migration added columns). A document
/// that does not read is left as it was: `doctor` names it.
pub(crate) fn reproject(conn: &Connection, kind: crate::doc::Kind) -> Result<()> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM documents WHERE kind = ?1")?
        .query_map([kind.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        let Ok(doc) = load(conn, &id, Some(kind)) else { continue };
        if let Ok(record) = Record::read(&doc) {
            projection::upsert(conn, &record)?;
        }
    }
    Ok(())
}
