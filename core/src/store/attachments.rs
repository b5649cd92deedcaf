//! Attached files on the device: stored once by content hash in the same database as the
//! documents, the bytes and the reference written in one transaction; streamed in and out in
//! chunks (never held whole); downloads kept as a cache that evicts the least recently used,
//! never the device's own files.

use std::io::{Read, Seek, Write};
use std::path::Path;

use rusqlite::blob::ZeroBlob;
use rusqlite::{params, OptionalExtension, MAIN_DB};
use serde::Serialize;

use super::Store;
use crate::doc::{Attachment, Kind, Report};
use crate::error::{Error, Result};
use crate::files::{self, Prepared, DEFAULT_MAX_BYTES};

/// The default size of the cache of downloaded attachments.
pub const DEFAULT_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// Where a file stands on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AttachmentState {
    /// Attached here; `uploaded` once the server has it.
    Own { uploaded: bool },
    /// Downloaded from the server.
    Downloaded,
    /// A download in progress: `present` of `size` bytes.
    Partial { present: u64, size: u64 },
    /// Not on this device (download it to show it).
    Missing,
}

/// A file a record on this device shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentRow {
    pub hash: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
    /// The followup or report that shows it.
    pub record_id: String,
    /// A followup or a report.
    pub record_kind: Kind,
    pub state: AttachmentState,
}

/// A file the server does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsent {
    pub hash: String,
    pub size: u64,
    pub mime: String,
}

/// Which of `blobs b` are this device's own files the server does not have yet.
pub(crate) const UNSENT_FILE: &str =
    "b.origin = 'own' AND b.uploaded = 0 AND EXISTS (SELECT 1 FROM attachment_refs r WHERE r.hash = b.hash)";

impl Store {
    /// The largest file this device attaches: the team's setting, else 20 MB.
    pub fn attachment_limit(&self) -> Result<u64> {
        Ok(self.team_config()?.map(|c| c.attachments.max_file_bytes).unwrap_or(DEFAULT_MAX_BYTES))
    }

    /// Attaches the file at `path` to followup or report `id` (a report's in `section`, a key or
    /// a 1-based position). Its bytes are checked, stripped of metadata but orientation and
    /// capture time, stored once, and referenced in the same transaction.
    pub fn attach_file(
        &mut self,
        kind: Kind,
        id: &str,
        path: &Path,
        name: Option<&str>,
        section: Option<&str>,
    ) -> Result<Attachment> {
        let mut file =
            std::fs::File::open(path).map_err(|e| Error::bad_input(format!("cannot read {}: {e}", path.display())))?;
        let len = file.metadata()?.len();
        let name = match name {
            Some(n) => n.to_string(),
            None => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into()),
        };
        self.attach_from(kind, id, &mut file, len, &name, section)
    }

    /// Attaches `bytes` (a photo just taken) as [`Store::attach_file`] does.
    pub fn attach_bytes(
        &mut self,
        kind: Kind,
        id: &str,
        bytes: &[u8],
        name: &str,
        section: Option<&str>,
    ) -> Result<Attachment> {
        self.attach_from(kind, id, &mut std::io::Cursor::new(bytes), bytes.len() as u64, name, section)
    }

    fn attach_from(
        &mut self,
        kind: Kind,
        id: &str,
        src: &mut (impl Read + Seek),
        len: u64,
        name: &str,
        section: Option<&str>,
    ) -> Result<Attachment> {
        let p = files::prepare(src, len, self.attachment_limit()?)?;
        let name = name.trim();
        let name = if name.is_empty() { "file" } else { name };
        let cal = self.calendar()?;
        let taken_at = p.kept.taken.map(|t| match p.kept.offset_secs {
            Some(off) => t.and_utc().timestamp_millis() - i64::from(off) * 1000,
            None => cal.local_ms(t.date(), t.time()),
        });
        let mut a = Attachment {
            hash: p.hash.clone(),
            name: name.chars().take(200).collect(),
            mime: p.mime.to_string(),
            size: p.size,
            width: p.width,
            height: p.height,
            taken_at,
            section: None,
        };
        let me = self.identity()?.user_id;
        let now = self.now_ms();
        match kind {
            Kind::Followup => {
                self.update_with(kind, id, |tx, doc| {
                    let f = crate::doc::Followup::read(doc)?;
                    if f.header.owner != me {
                        return Err(Error::Forbidden("only the author of a followup attaches files to it".into()));
                    }
                    store_blob(tx, &p, src, now)?;
                    crate::doc::Followup::attach(doc, &a)?;
                    Ok(())
                })?;
            }
            Kind::Report => {
                let report = self.report(id)?;
                let key = match section {
                    Some(s) => Store::section_key(&report, s)?,
                    None => report.sections.first().map(|s| s.key.clone()).unwrap_or_default(),
                };
                a.section = Some(key);
                self.update_with(kind, id, |tx, doc| {
                    super::reports::ensure_editable(&me, &Report::read(doc)?)?;
                    store_blob(tx, &p, src, now)?;
                    Report::attach(doc, &a)?;
                    Ok(())
                })?;
            }
            other => return Err(Error::bad_input(format!("files attach to followups and reports, not to a {other}"))),
        }
        Ok(a)
    }

    /// Removes the references to file `hash` from record `id` (an ordinary edit: other devices
    /// see it go). The bytes stay while another record references them.
    pub fn detach(&mut self, kind: Kind, id: &str, hash: &str) -> Result<usize> {
        let mut removed = 0;
        match kind {
            Kind::Followup => {
                self.update(kind, id, |doc| {
                    removed = crate::doc::Followup::detach(doc, hash)?;
                    Ok(())
                })?;
            }
            Kind::Report => {
                self.edit_report(id, |doc, _| {
                    removed = Report::detach(doc, hash)?;
                    Ok(())
                })?;
            }
            other => return Err(Error::bad_input(format!("files attach to followups and reports, not to a {other}"))),
        }
        if removed == 0 {
            return Err(Error::NotFound { kind: "attachment", id: hash.to_string() });
        }
        Ok(removed)
    }

    /// Where file `hash` stands on this device.
    pub fn attachment_state(&self, hash: &str) -> Result<AttachmentState> {
        let row: Option<(String, i64, i64, bool)> = self
            .conn
            .query_row("SELECT origin, size, present, uploaded FROM blobs WHERE hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        Ok(match row {
            None => AttachmentState::Missing,
            Some((origin, _, _, uploaded)) if origin == "own" => AttachmentState::Own { uploaded },
            Some((_, size, present, _)) if present < size => {
                AttachmentState::Partial { present: present as u64, size: size as u64 }
            }
            Some(_) => AttachmentState::Downloaded,
        })
    }

    /// Writes file `hash` to `out` when this device has all of it; false when it does not.
    pub fn write_attachment(&mut self, hash: &str, out: &mut impl Write) -> Result<bool> {
        let Some((data_id, size, present)) = self.blob_row(hash)? else { return Ok(false) };
        if present < size {
            return Ok(false);
        }
        let mut blob = self.conn.blob_open(MAIN_DB, c"blob_data", c"data", data_id, true)?;
        std::io::copy(&mut blob, out)?;
        drop(blob);
        self.conn.execute("UPDATE blobs SET last_used = ?2 WHERE hash = ?1", params![hash, self.now_ms()])?;
        Ok(true)
    }

    /// File `hash` whole, when this device has it (for showing a photo).
    pub fn attachment_bytes(&mut self, hash: &str) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        Ok(self.write_attachment(hash, &mut out)?.then_some(out))
    }

    /// Marks every file of the device's own as not sent, so the next sync offers them again (for
    /// benchmarks and tests of the upload path; feature `testing`). Returns how many.
    #[cfg(feature = "testing")]
    pub fn mark_files_unsent(&mut self) -> Result<usize> {
        Ok(self.conn.execute("UPDATE blobs SET uploaded = 0 WHERE uploaded = 1", [])?)
    }

    /// The device's own files the server does not have yet.
    pub fn unsent_attachments(&self) -> Result<Vec<Unsent>> {
        let mut st = self
            .conn
            // A file no live record shows any more (detached before it was sent) waits: the
            // server would refuse it, and it goes if a record shows it again.
            .prepare_cached(&format!("SELECT hash, size, mime FROM blobs b WHERE {UNSENT_FILE} ORDER BY rowid"))?;
        let rows = st
            .query_map([], |r| Ok(Unsent { hash: r.get(0)?, size: r.get::<_, i64>(1)? as u64, mime: r.get(2)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records that the server has file `hash`.
    pub fn mark_uploaded(&mut self, hash: &str) -> Result<()> {
        self.conn.execute("UPDATE blobs SET uploaded = 1 WHERE hash = ?1", [hash])?;
        Ok(())
    }

    /// Up to `len` bytes of file `hash` from `offset` (for sending it in pieces).
    pub fn read_attachment_chunk(&self, hash: &str, offset: u64, len: usize) -> Result<Vec<u8>> {
        let (data_id, size, _) =
            self.blob_row(hash)?.ok_or_else(|| Error::NotFound { kind: "attachment", id: hash.to_string() })?;
        let end = (offset + len as u64).min(size as u64);
        let mut buf = vec![0u8; end.saturating_sub(offset) as usize];
        let blob = self.conn.blob_open(MAIN_DB, c"blob_data", c"data", data_id, true)?;
        blob.read_at_exact(&mut buf, offset as usize)?;
        Ok(buf)
    }

    /// Starts (or resumes) downloading file `hash`: returns how many bytes are already here.
    pub fn begin_download(&mut self, hash: &str, size: u64, mime: &str) -> Result<u64> {
        if let Some((_, s, present)) = self.blob_row(hash)? {
            if s as u64 == size {
                return Ok(present as u64);
            }
            self.conn.execute("DELETE FROM blobs WHERE hash = ?1", [hash])?;
        }
        if size > crate::doc::MAX_ATTACHMENT_BYTES {
            return Err(Error::bad_input(format!("an attachment of {size} bytes is over the limit")));
        }
        let now = self.now_ms();
        let tx = self.conn.transaction()?;
        let data_id = new_bytes(&tx, size)?;
        tx.execute(
            "INSERT INTO blobs (hash, size, mime, origin, present, uploaded, last_used, data_id)
             VALUES (?1, ?2, ?3, 'download', 0, 1, ?4, ?5)",
            params![hash, size as i64, mime, now, data_id],
        )?;
        tx.commit()?;
        Ok(0)
    }

    /// Writes a downloaded piece at `offset` (which must be the bytes present so far).
    pub fn write_download_chunk(&mut self, hash: &str, offset: u64, bytes: &[u8]) -> Result<u64> {
        let (data_id, size, present) =
            self.blob_row(hash)?.ok_or_else(|| Error::NotFound { kind: "attachment", id: hash.to_string() })?;
        if offset != present as u64 || offset + bytes.len() as u64 > size as u64 {
            return Err(Error::bad_input(format!(
                "a piece of {hash} at {offset} does not follow the {present} bytes present"
            )));
        }
        let tx = self.conn.transaction()?;
        {
            let mut blob = tx.blob_open(MAIN_DB, c"blob_data", c"data", data_id, false)?;
            blob.write_at(bytes, offset as usize)?;
        }
        let now = offset + bytes.len() as u64;
        tx.execute("UPDATE blobs SET present = ?2 WHERE hash = ?1", params![hash, now as i64])?;
        tx.commit()?;
        Ok(now)
    }

    /// Checks a complete download against its hash; a file whose bytes do not match is dropped
    /// (and downloaded again next time).
    pub fn finish_download(&mut self, hash: &str) -> Result<()> {
        let mut hasher = files::HashWriter::new();
        if !self.write_attachment(hash, &mut hasher)? {
            return Err(Error::bad_input(format!("{hash} is not complete on this device")));
        }
        if hasher.hex() != hash {
            self.conn.execute("DELETE FROM blobs WHERE hash = ?1", [hash])?;
            return Err(Error::Server {
                status: 200,
                code: crate::codes::ErrorCode::HashMismatch,
                message: format!("the server sent bytes that are not {hash}; they were dropped"),
            });
        }
        self.evict_downloads()
    }

    /// Sets the size of the cache of downloaded files, kept on this device (the device's own
    /// files are never evicted), and evicts down to it.
    pub fn set_attachment_cache(&mut self, bytes: u64) -> Result<()> {
        let n =
            self.conn.execute("UPDATE device SET attachment_cache_bytes = ?1", [bytes.min(i64::MAX as u64) as i64])?;
        if n == 0 {
            return Err(Error::NotInitialized);
        }
        self.evict_downloads()
    }

    /// The size of the cache of downloaded files.
    pub fn attachment_cache(&self) -> Result<u64> {
        let set: Option<i64> =
            self.conn.query_row("SELECT attachment_cache_bytes FROM device", [], |r| r.get(0)).optional()?.flatten();
        Ok(set.map_or(DEFAULT_CACHE_BYTES, |b| b as u64))
    }

    /// Evicts the least recently used downloads beyond the cache's size.
    fn evict_downloads(&mut self) -> Result<()> {
        let limit = self.attachment_cache()?;
        let mut total: i64 =
            self.conn
                .query_row("SELECT COALESCE(SUM(size), 0) FROM blobs WHERE origin = 'download'", [], |r| r.get(0))?;
        while total as u64 > limit {
            let victim: Option<(String, i64)> = self
                .conn
                .query_row(
                    "SELECT hash, size FROM blobs WHERE origin = 'download' ORDER BY last_used, rowid LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((hash, size)) = victim else { break };
            self.conn.execute("DELETE FROM blobs WHERE hash = ?1", [&hash])?;
            total -= size;
        }
        Ok(())
    }

    /// Every file the live records on this device show, with the record and where the file
    /// stands here; newest record first.
    pub fn list_attachments(&self) -> Result<Vec<AttachmentRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT r.hash, r.name, r.mime, r.size, r.doc_id, d.kind
               FROM attachment_refs r JOIN documents d ON d.id = r.doc_id ORDER BY r.doc_id DESC, r.rowid",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, i64>(3)?,
                    r.get(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<(String, String, String, i64, String, String)>>>()?;
        rows.into_iter()
            .filter_map(|(hash, name, mime, size, record_id, kind)| {
                Some((hash, name, mime, size, record_id, Kind::parse(&kind)?))
            })
            .map(|(hash, name, mime, size, record_id, kind)| {
                Ok(AttachmentRow {
                    state: self.attachment_state(&hash)?,
                    hash,
                    name,
                    mime,
                    size: size as u64,
                    record_id,
                    record_kind: kind,
                })
            })
            .collect()
    }

    /// The hash of the file a person named: its hash, a unique start of it (at least 4
    /// characters), or the exact name it was attached under, among the files records here show.
    pub fn resolve_attachment(&self, query: &str) -> Result<String> {
        let q = query.trim();
        let not_found = || Error::NotFound { kind: "attachment", id: q.to_string() };
        if q.is_empty() {
            return Err(not_found());
        }
        let mut st =
            self.conn.prepare_cached("SELECT DISTINCT hash FROM attachment_refs WHERE hash = ?1 OR name = ?1")?;
        let mut found: Vec<String> = st.query_map([q], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        if found.is_empty() && q.len() >= 4 && q.chars().all(|c| c.is_ascii_hexdigit()) {
            let mut st =
                self.conn.prepare_cached("SELECT DISTINCT hash FROM attachment_refs WHERE hash LIKE ?1 || '%'")?;
            found = st.query_map([q.to_ascii_lowercase()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        }
        match found.len() {
            0 => Err(not_found()),
            1 => Ok(found.remove(0)),
            n => Err(Error::bad_input(format!(
                "`{q}` names {n} files ({}…): give more of the hash",
                found.iter().take(3).map(|h| h.get(..12).unwrap_or(h)).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// What the records on this device say file `hash` is (size, kind), when a live one shows it.
    pub fn referenced_attachment(&self, hash: &str) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT size, mime FROM attachment_refs WHERE hash = ?1 LIMIT 1")?
            .query_row([hash], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))
            .optional()?)
    }

    fn blob_row(&self, hash: &str) -> Result<Option<(i64, i64, i64)>> {
        Ok(self
            .conn
            .query_row("SELECT data_id, size, present FROM blobs WHERE hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?)
    }
}

/// Stores the prepared file's bytes (once per hash): a zero-filled row, then the stripped file
/// streamed into it.
fn store_blob(tx: &rusqlite::Connection, p: &Prepared, src: &mut (impl Read + Seek), now: i64) -> Result<()> {
    let exists: Option<String> =
        tx.query_row("SELECT origin FROM blobs WHERE hash = ?1", [&p.hash], |r| r.get(0)).optional()?;
    match exists.as_deref() {
        Some("own") => return Ok(()),
        Some(_) => {
            // A download of the same file becomes the device's own (never evicted).
            tx.execute("UPDATE blobs SET origin = 'own', last_used = ?2 WHERE hash = ?1", params![p.hash, now])?;
            return Ok(());
        }
        None => {}
    }
    let data_id = new_bytes(tx, p.size)?;
    tx.execute(
        "INSERT INTO blobs (hash, size, mime, origin, present, uploaded, last_used, data_id)
         VALUES (?1, ?2, ?3, 'own', ?2, 0, ?4, ?5)",
        params![p.hash, p.size as i64, p.mime, now, data_id],
    )?;
    let mut blob = tx.blob_open(MAIN_DB, c"blob_data", c"data", data_id, false)?;
    p.plan.write_to(src, &mut blob)?;
    Ok(())
}

/// A zero-filled row of `size` bytes in `blob_data`, written in place afterwards; its id.
fn new_bytes(tx: &rusqlite::Connection, size: u64) -> Result<i64> {
    let size = i32::try_from(size).map_err(|_| Error::bad_input("the file is too large"))?;
    tx.execute("INSERT INTO blob_data (data) VALUES (?1)", [ZeroBlob(size)])?;
    Ok(tx.last_insert_rowid())
}
