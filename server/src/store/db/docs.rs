//! Documents: their merged bytes, heads and typed views, their feed positions, a report's
//! recipients, and what each device is known to hold of each document.

use super::Db;
use crate::p;
use crate::store::StoreResult as Result;
use crate::store::{ConnExt, Param, Row};
use std::collections::HashMap;

/// A stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    pub kind: String,
    pub owner: String,
    pub bytes: Vec<u8>,
    /// Encoded heads (see [`super::encode_heads`]).
    pub heads: Vec<u8>,
}

/// `columns` (the id first) of the stored documents among `ids`, by id, `per` ids per query.
fn by_ids<T>(
    db: &Db,
    ids: &[&str],
    per: usize,
    columns: &str,
    value: impl Fn(&dyn Row) -> Result<T>,
) -> Result<HashMap<String, T>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(per) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
        let params: Vec<Param> = chunk.iter().map(|id| Param::from(*id)).collect();
        let sql = format!("SELECT {columns} FROM docs WHERE id IN ({})", marks.join(", "));
        out.extend(db.all(&sql, &params, |r| Ok((r.text(0)?, value(r)?)))?);
    }
    Ok(out)
}

/// What visibility needs of a stored document: its kind, owner and (encoded) heads.
pub type StoredMeta = (String, String, Vec<u8>);

/// A document to store at a feed position.
#[derive(Debug, Clone, Copy)]
pub struct NewDoc<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub owner: &'a str,
    pub bytes: &'a [u8],
    pub heads: &'a [u8],
    pub seq: i64,
    pub now: i64,
    /// The typed view stored beside it and its format (see `service::views`).
    pub view: Option<&'a str>,
    pub view_format: Option<i64>,
}

impl Db<'_> {
    pub fn doc(&self, id: &str) -> Result<Option<DocRow>> {
        self.opt("SELECT kind, owner, bytes, heads FROM docs WHERE id = ?1", p![id], |r| {
            Ok(DocRow { kind: r.text(0)?, owner: r.text(1)?, bytes: r.blob(2)?, heads: r.blob(3)? })
        })
    }

    /// What visibility needs of a stored document: its kind and owner, and its heads.
    pub fn doc_meta(&self, id: &str) -> Result<Option<(String, String, Vec<u8>)>> {
        self.opt("SELECT kind, owner, heads FROM docs WHERE id = ?1", p![id], |r| {
            Ok((r.text(0)?, r.text(1)?, r.blob(2)?))
        })
    }

    /// Who report `doc_id` is addressed to.
    pub fn recipients_of(&self, doc_id: &str) -> Result<Vec<String>> {
        self.all("SELECT user_id FROM recipients WHERE doc_id = ?1 ORDER BY user_id", p![doc_id], |r| r.text(0))
    }

    /// The stored heads of `id` (encoded).
    pub fn doc_heads(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.opt("SELECT heads FROM docs WHERE id = ?1", p![id], |r| r.blob(0))
    }

    /// [`Db::doc_meta`] of each of `ids` that is stored, in one query per 500 ids.
    pub fn doc_metas_of(&self, ids: &[&str]) -> Result<HashMap<String, StoredMeta>> {
        by_ids(self, ids, 500, "id, kind, owner, heads", |r| Ok((r.text(1)?, r.text(2)?, r.blob(3)?)))
    }

    /// The stored bytes of each of `ids` that is stored, in one query per 100 ids.
    pub fn docs_bytes_of(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u8>>> {
        by_ids(self, ids, 100, "id, bytes", |r| r.blob(1))
    }

    /// The heads of each of `ids` that is stored, in one query per 500 ids.
    pub fn doc_heads_of(&self, ids: &[&str]) -> Result<HashMap<String, Vec<u8>>> {
        by_ids(self, ids, 500, "id, heads", |r| r.blob(1))
    }

    pub fn doc_bytes(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.opt("SELECT bytes FROM docs WHERE id = ?1", p![id], |r| r.blob(0))
    }

    /// Stores a document (replacing the stored one) with its typed view, at its feed position.
    pub fn put_doc(&self, d: &NewDoc) -> Result<()> {
        self.exec_later(
            "INSERT INTO docs (id, kind, owner, bytes, heads, size, seq, updated_at, view, view_format)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads, size = excluded.size,
                 seq = excluded.seq, updated_at = excluded.updated_at, view = excluded.view,
                 view_format = excluded.view_format",
            p![d.id, d.kind, d.owner, d.bytes, d.heads, d.bytes.len() as i64, d.seq, d.now, d.view, d.view_format],
        )?;
        Ok(())
    }

    /// Stores several documents as [`Db::put_doc`] does (a job's merges; each id at most once),
    /// at the next feed positions in their order (their `seq` is not used), one statement per
    /// 50, none waiting for an answer. The positions are counted in the statement where the
    /// writer is alone (SQLite), or given at commit under the feed's lock (PostgreSQL, see
    /// [`crate::store::Conn::defer_positions`]); either way they become visible in commit order
    /// (docs/concurrency.md).
    pub fn put_docs(&self, docs: &[NewDoc]) -> Result<()> {
        let deferred = self.defer_positions(docs.len());
        let mut given = 0usize;
        for chunk in docs.chunks(50) {
            let width = if deferred.is_some() { 10 } else { 9 };
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let marks: Vec<String> = (1..=width).map(|k| format!("?{}", i * width + k)).collect();
                    let seq = match deferred {
                        Some(_) => marks[9].clone(),
                        None => format!("(SELECT seq FROM feed_head WHERE id = 1) + {}", given + i + 1),
                    };
                    format!("({}, {seq}, {})", marks[..6].join(", "), marks[6..9].join(", "))
                })
                .collect();
            let mut params: Vec<crate::store::Param> = Vec::with_capacity(chunk.len() * width);
            for (i, d) in chunk.iter().enumerate() {
                params.extend([
                    crate::store::Param::from(d.id),
                    crate::store::Param::from(d.kind),
                    crate::store::Param::from(d.owner),
                    crate::store::Param::from(d.bytes),
                    crate::store::Param::from(d.heads),
                    crate::store::Param::from(d.bytes.len() as i64),
                    crate::store::Param::from(d.now),
                    crate::store::Param::from(d.view),
                    crate::store::Param::from(d.view_format),
                ]);
                if let Some(first) = deferred {
                    params.push(crate::store::Param::from(first - (given + i) as i64));
                }
            }
            self.exec_later(
                &format!(
                    "INSERT INTO docs (id, kind, owner, bytes, heads, size, seq, updated_at, view, view_format)
                     VALUES {}
                     ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads, size = excluded.size,
                         seq = excluded.seq, updated_at = excluded.updated_at, view = excluded.view,
                         view_format = excluded.view_format",
                    rows.join(", ")
                ),
                &params,
            )?;
            given += chunk.len();
        }
        if given > 0 && deferred.is_none() {
            self.exec_later("UPDATE feed_head SET seq = seq + ?1 WHERE id = 1", p![given as i64])?;
        }
        Ok(())
    }

    /// Removes a document, and what devices were known to hold of it.
    pub fn delete_doc(&self, id: &str) -> Result<()> {
        self.exec_later("DELETE FROM docs WHERE id = ?1", p![id])?;
        self.exec_later("DELETE FROM device_docs WHERE doc_id = ?1", p![id])?;
        Ok(())
    }

    /// Replaces the stored typed view of `id`.
    pub fn set_view(&self, id: &str, view: Option<&str>, format: Option<i64>) -> Result<()> {
        self.exec_later("UPDATE docs SET view = ?2, view_format = ?3 WHERE id = ?1", p![id, view, format])?;
        Ok(())
    }

    /// Replaces who report `doc_id` is addressed to.
    pub fn set_recipients(&self, doc_id: &str, users: &[String]) -> Result<()> {
        self.exec_later("DELETE FROM recipients WHERE doc_id = ?1", p![doc_id])?;
        for u in users {
            self.exec_later(
                "INSERT INTO recipients (doc_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                p![doc_id, u.as_str()],
            )?;
        }
        Ok(())
    }

    /// The next feed position. Positions are numbered by the backend inside the writing
    /// transaction, and a transaction that took one holds the feed until it commits, so
    /// positions become visible in the order they were given (docs/concurrency.md).
    pub fn next_seq(&self) -> Result<i64> {
        self.one("UPDATE feed_head SET seq = seq + 1 WHERE id = 1 RETURNING seq", p![], |r| r.int(0))
    }

    /// The last feed position given.
    pub fn feed_head(&self) -> Result<i64> {
        self.one("SELECT seq FROM feed_head WHERE id = 1", p![], |r| r.int(0))
    }

    /// The latest feed position of `owner`'s documents of `kind`.
    pub fn latest_seq(&self, owner: &str, kind: &str) -> Result<i64> {
        Ok(self
            .one("SELECT MAX(seq) FROM docs WHERE owner = ?1 AND kind = ?2", p![owner, kind], |r| r.opt_int(0))?
            .unwrap_or(0))
    }

    /// A device's bookkeeping at the start of a sync: it holds nothing (cursor 0: a first sync,
    /// or a device that lost its data); and pages up to its cursor are committed on it, so what
    /// they carried is known.
    pub fn begin_device_sync(&self, device: &str, cursor: i64) -> Result<()> {
        if cursor == 0 {
            self.exec_later("DELETE FROM device_docs WHERE device_id = ?1", p![device])?;
        }
        self.exec_later(
            "UPDATE device_docs SET heads = sent_heads, sent_heads = NULL, sent_seq = NULL
             WHERE device_id = ?1 AND sent_seq IS NOT NULL AND sent_seq <= ?2",
            p![device, cursor],
        )?;
        Ok(())
    }

    /// What `device` is known to hold of `doc` (encoded heads), if anything.
    pub fn known_heads(&self, device: &str, doc: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .opt("SELECT heads FROM device_docs WHERE device_id = ?1 AND doc_id = ?2", p![device, doc], |r| {
                r.opt_blob(0)
            })?
            .flatten())
    }

    /// What `device` is known to hold of each of `docs` that it holds something of, in one
    /// query per 500.
    pub fn known_heads_of(&self, device: &str, docs: &[&str]) -> Result<std::collections::HashMap<String, Vec<u8>>> {
        let mut out = std::collections::HashMap::with_capacity(docs.len());
        for chunk in docs.chunks(500) {
            let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("?{i}")).collect();
            let mut params = vec![crate::store::Param::from(device)];
            params.extend(chunk.iter().map(|d| crate::store::Param::from(*d)));
            let rows = self.all(
                &format!(
                    "SELECT doc_id, heads FROM device_docs WHERE device_id = ?1 AND heads IS NOT NULL AND doc_id IN ({})",
                    marks.join(", ")
                ),
                &params,
                |r| Ok((r.text(0)?, r.blob(1)?)),
            )?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// `device` holds each document of `held` at its heads (it pushed them): one statement per
    /// 300 documents.
    pub fn set_known_heads_of(&self, device: &str, held: &std::collections::BTreeMap<String, Vec<u8>>) -> Result<()> {
        let all: Vec<(&String, &Vec<u8>)> = held.iter().collect();
        for chunk in all.chunks(300) {
            let rows: Vec<String> = (0..chunk.len()).map(|i| format!("(?1, ?{}, ?{})", 2 * i + 2, 2 * i + 3)).collect();
            let mut params = vec![crate::store::Param::from(device)];
            for (doc, heads) in chunk {
                params.push(crate::store::Param::from(doc.as_str()));
                params.push(crate::store::Param::from(heads.as_slice()));
            }
            self.exec_later(
                &format!(
                    "INSERT INTO device_docs (device_id, doc_id, heads) VALUES {}
                     ON CONFLICT(device_id, doc_id) DO UPDATE SET heads = excluded.heads",
                    rows.join(", ")
                ),
                &params,
            )?;
        }
        Ok(())
    }

    /// Forgets what `device` was known to hold of `doc` (it asked for the whole document).
    pub fn forget_device_doc(&self, device: &str, doc: &str) -> Result<()> {
        self.exec_later("DELETE FROM device_docs WHERE device_id = ?1 AND doc_id = ?2", p![device, doc])?;
        Ok(())
    }

    /// `device` holds `doc` at `heads` (it pushed them).
    pub fn set_known_heads(&self, device: &str, doc: &str, heads: &[u8]) -> Result<()> {
        self.exec_later(
            "INSERT INTO device_docs (device_id, doc_id, heads) VALUES (?1, ?2, ?3)
             ON CONFLICT(device_id, doc_id) DO UPDATE SET heads = excluded.heads",
            p![device, doc, heads],
        )?;
        Ok(())
    }

    /// `device` was sent each `(doc, heads, seq)` of `sent` in a page (each known once its
    /// cursor moves past `seq`): one statement per 300 documents.
    pub fn set_sent_heads_of(&self, device: &str, sent: &[(String, Vec<u8>, i64)]) -> Result<()> {
        for chunk in sent.chunks(300) {
            let rows: Vec<String> =
                (0..chunk.len()).map(|i| format!("(?1, ?{}, ?{}, ?{})", 3 * i + 2, 3 * i + 3, 3 * i + 4)).collect();
            let mut params = vec![crate::store::Param::from(device)];
            for (doc, heads, seq) in chunk {
                params.extend([
                    crate::store::Param::from(doc.as_str()),
                    crate::store::Param::from(heads.as_slice()),
                    crate::store::Param::from(*seq),
                ]);
            }
            self.exec_later(
                &format!(
                    "INSERT INTO device_docs (device_id, doc_id, sent_heads, sent_seq) VALUES {}
                     ON CONFLICT(device_id, doc_id) DO UPDATE SET sent_heads = excluded.sent_heads, sent_seq = excluded.sent_seq",
                    rows.join(", ")
                ),
                &params,
            )?;
        }
        Ok(())
    }
}
