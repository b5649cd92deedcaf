//! Stored documents that cannot be loaded, set aside until their owner's device heals them.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// A quarantined document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quarantined {
    pub doc_id: String,
    pub kind: String,
    pub owner: String,
    pub reason: String,
    /// When it was set aside (UTC milliseconds).
    pub since: i64,
}

impl Db<'_> {
    /// Sets a document aside; returns whether it is new (so it is logged once).
    pub fn quarantine(&self, q: &Quarantined) -> Result<bool> {
        Ok(self.exec(
            "INSERT INTO quarantine (doc_id, kind, owner, reason, since) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
            p![&q.doc_id, &q.kind, &q.owner, &q.reason, q.since],
        )? > 0)
    }

    pub fn release_quarantine(&self, doc_id: &str) -> Result<()> {
        self.exec_later("DELETE FROM quarantine WHERE doc_id = ?1", p![doc_id])?;
        Ok(())
    }

    /// The quarantined documents of `owner`.
    pub fn quarantined_of(&self, owner: &str) -> Result<Vec<String>> {
        self.all("SELECT doc_id FROM quarantine WHERE owner = ?1 ORDER BY doc_id", p![owner], |r| r.text(0))
    }

    pub fn is_quarantined(&self, doc_id: &str) -> Result<bool> {
        Ok(self.opt("SELECT 1 FROM quarantine WHERE doc_id = ?1", p![doc_id], |_| Ok(()))?.is_some())
    }

    /// Every quarantined document, oldest first.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>> {
        self.all("SELECT doc_id, kind, owner, reason, since FROM quarantine ORDER BY since, doc_id", p![], |r| {
            Ok(Quarantined {
                doc_id: r.text(0)?,
                kind: r.text(1)?,
                owner: r.text(2)?,
                reason: r.text(3)?,
                since: r.int(4)?,
            })
        })
    }

    /// Every stored document's id, kind and owner after `after` (by id), `limit` at a time (for
    /// a full check of the stored bytes).
    pub fn doc_ids_after(&self, after: &str, limit: i64) -> Result<Vec<(String, String, String)>> {
        self.all(&format!("SELECT id, kind, owner FROM docs WHERE id > ?1 ORDER BY id LIMIT {limit}"), p![after], |r| {
            Ok((r.text(0)?, r.text(1)?, r.text(2)?))
        })
    }
}
