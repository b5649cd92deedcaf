//! Attached files on the server: which of a device's files it lacks (one question for any
//! number), uploads in pieces that resume where a cut left them and are verified (size, kind,
//! hash) before they count, downloads for readers of a referencing document only, the daily
//! limit, thumbnails, and the collection of files nothing references any more.

use std::sync::Arc;
use std::time::Duration;

use fieldreport_protocol::doc::{Attachment, Kind};
use serde::Serialize;

use super::Service;
use crate::blobs::{self, Appended, BlobStore, Slot, Staging};
use crate::error::{Result, ServerError};
use crate::model::User;
use crate::now_ms;
use crate::policy::visibility::{may_see, DocMeta};
use crate::store::db::{BlobRow, BlobUsage};
use crate::store::Db;

/// Most hashes one "which are missing" question may name.
pub const MAX_ASKED: usize = 10_000;
/// Largest piece of a file in one request.
pub const MAX_PIECE: usize = 4 * 1024 * 1024;
/// How long an unfinished upload is kept after its last piece: a device resumes within it, and
/// the collection frees what was abandoned.
pub const UNFINISHED_FOR: Duration = Duration::from_secs(86_400);

/// The store of attached files and the uploads in progress.
pub struct Files {
    pub(crate) store: Arc<dyn BlobStore>,
    pub(crate) staging: Staging,
}

impl Files {
    /// The files at `spec`; uploads in progress are staged in `<dir>/staging` for a directory,
    /// or in `$FIELDREPORT_STAGING` (default the system's temporary directory) for S3.
    pub fn open(spec: &str) -> Result<Files> {
        let store = blobs::open(spec)?;
        let staging_dir = if spec.starts_with("s3://") {
            std::env::var_os("FIELDREPORT_STAGING")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::env::temp_dir().join("fieldreport-staging"))
        } else {
            std::path::PathBuf::from(spec).join("staging")
        };
        Ok(Files { store, staging: Staging::open(&staging_dir)? })
    }
}

/// A file the server lacks, and how much of it it has from an earlier, cut upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Missing {
    pub hash: String,
    pub offset: u64,
}

/// Where an upload stands after a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Received {
    pub received: u64,
    pub complete: bool,
}

/// What the collection of unreferenced files did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Collected {
    pub files: usize,
    pub partial_uploads: usize,
}

/// The local day of `ms` (for the daily limit).
fn day(db: &Db, ms: i64) -> Result<String> {
    Ok(super::config::load(db)?.cal.local_date(ms).to_string())
}

/// Whether `user` may read file `hash`: a document that references it (`through`, when a
/// signed link names it) is one they may see, and its owner proved they hold the bytes (naming
/// a hash in a document grants nothing).
fn may_read(db: &Db, user: &User, hash: &str, through: Option<&str>) -> Result<bool> {
    for (id, kind, owner) in db.blob_readers_docs(hash)? {
        if through.is_some_and(|t| t != id) {
            continue;
        }
        let Some(kind) = Kind::parse(&kind) else { continue };
        let recipients = if kind == Kind::Report { db.recipients_of(&id)? } else { Vec::new() };
        let meta = DocMeta { kind, owner: &owner, recipients: &recipients };
        if may_see(user, meta, &|o| db.sees(&user.id, o).unwrap_or(false)) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn no_file(hash: &str) -> ServerError {
    ServerError::NotFound(format!("no file {hash}"))
}

impl Service {
    fn files(&self) -> Result<&Files> {
        self.files.as_deref().ok_or_else(|| {
            ServerError::Unavailable("this server keeps no attached files: start it with --blobs DIR or s3://…".into())
        })
    }

    /// Whether this server keeps attached files (`--blobs`, or a data directory).
    pub fn keeps_files(&self) -> bool {
        self.files.is_some()
    }

    /// Which of `hashes` the server lacks from `user`, with what it has of each from a cut
    /// upload: a file `user` has not proved they hold (sent whole) is missing even when someone
    /// else sent it, and one no document of theirs references reads as missing from the start
    /// (the answer says nothing about other people's files).
    pub fn missing_files(&self, user: &User, hashes: &[String]) -> Result<Vec<Missing>> {
        if hashes.len() > MAX_ASKED {
            return Err(ServerError::BadRequest(format!("ask about at most {MAX_ASKED} files at a time")));
        }
        let files = self.files()?;
        let (user, hashes) = (user.clone(), hashes.to_vec());
        let known: Vec<(String, bool, bool)> = self.store.read(|db| {
            hashes
                .iter()
                .map(|h| {
                    if !Attachment::valid_hash(h) {
                        return Err(ServerError::BadRequest(format!("`{h}` is not a SHA-256 in lower-case hex")));
                    }
                    let held = db.blob(h)?.is_some() && db.is_blob_holder(h, &user.id)?;
                    Ok((h.clone(), held, db.owner_references(&user.id, h)?))
                })
                .collect()
        })?;
        let mut out = Vec::new();
        for (hash, held, mine) in known {
            if held && mine {
                continue;
            }
            let offset = if mine { files.staging.len(&Slot::new(&user.id, &hash)?)? } else { 0 };
            out.push(Missing { hash, offset });
        }
        Ok(out)
    }

    /// A piece of file `hash` (`size` bytes in all) at `offset`, from `user`'s device, whole in
    /// memory: [`Service::begin_upload`], [`Service::append_upload`], [`Service::finish_upload`].
    pub fn upload_piece(&self, user: &User, hash: &str, offset: u64, size: u64, bytes: &[u8]) -> Result<Received> {
        if let Some(done) = self.begin_upload(user, hash, offset, size, bytes.len() as u64)? {
            return Ok(done);
        }
        self.append_upload(user, hash, offset, bytes)?;
        self.count_upload(user, bytes.len() as u64)?;
        self.finish_upload(user, hash, size)
    }

    /// Checks an upload of file `hash` (`size` bytes in all) from `offset`, of at most `len`
    /// bytes (the request's length when known, else a whole piece), before any byte is taken:
    /// the file must be one a document of `user` references, with that size, within the team's
    /// limits — every byte received counts against the daily limit, finished or not, and a
    /// member's unfinished uploads hold at most twice the largest file. `Some` when `user` has
    /// sent this file before (nothing to send).
    pub fn begin_upload(&self, user: &User, hash: &str, offset: u64, size: u64, len: u64) -> Result<Option<Received>> {
        let files = self.files()?;
        if len > MAX_PIECE as u64 {
            return Err(ServerError::BadRequest(format!("a piece is at most {MAX_PIECE} bytes")));
        }
        let (u, h) = (user.clone(), hash.to_string());
        let (declared, held, limits, used) = self.store.read(|db| {
            let declared = attachment_of(db, &u.id, &h)?;
            let cfg = super::config::load(db)?.config.attachments;
            let used = db.blob_usage_on(&u.id, &day(db, now_ms())?)?;
            let held = db.blob(&h)?.is_some() && db.is_blob_holder(&h, &u.id)?;
            Ok((declared, held, cfg, used))
        })?;
        let declared = declared.ok_or_else(|| no_file(hash))?;
        if held {
            return Ok(Some(Received { received: size, complete: true }));
        }
        if size != declared.size {
            return Err(ServerError::BadRequest(format!(
                "file {hash} is {} bytes by its document, not {size}",
                declared.size
            )));
        }
        if size > limits.max_file_bytes {
            return Err(ServerError::BadRequest(format!(
                "file {hash} is {size} bytes; this team's files are at most {} bytes",
                limits.max_file_bytes
            )));
        }
        if offset.saturating_add(len) > size {
            return Err(ServerError::BadRequest(format!("a piece at {offset} runs past the end of file {hash}")));
        }
        // What this request may bring: its length, or a whole piece when it does not say.
        let coming = if len > 0 { len } else { (size - offset.min(size)).min(MAX_PIECE as u64) };
        if (used.max(0) as u64).saturating_add(coming) > limits.max_bytes_per_day {
            return Err(ServerError::TooMany(format!(
                "today's uploads would pass this team's daily limit of {} MB per member; the rest goes tomorrow",
                limits.max_bytes_per_day / 1_048_576
            )));
        }
        let staged = files.staging.held_by(&user.id)?;
        let room = limits.max_file_bytes.saturating_mul(2);
        let here = files.staging.len(&Slot::new(&user.id, hash)?)?;
        if staged.saturating_sub(here).saturating_add(offset).saturating_add(coming) > room {
            return Err(ServerError::TooMany(format!(
                "your unfinished uploads already hold {staged} bytes (at most {room}): finish them, or they are dropped a day after their last piece"
            )));
        }
        Ok(None)
    }

    /// Appends bytes of `user`'s upload of file `hash` at `offset`, which must be where the
    /// bytes received so far end (else 409 with where to resume); returns how many are here now.
    /// Bytes appended count for resuming even when the request that brought them is cut
    /// afterwards; the caller counts them against the day ([`Service::count_upload`]).
    pub fn append_upload(&self, user: &User, hash: &str, offset: u64, bytes: &[u8]) -> Result<u64> {
        let slot = Slot::new(&user.id, hash)?;
        match self.files()?.staging.append(&slot, offset, bytes)? {
            Appended::Elsewhere(have) => {
                Err(ServerError::Conflict(format!("resume file {hash} at {have}: that much has been received")))
            }
            Appended::Now(n) => Ok(n),
        }
    }

    /// Counts `bytes` received from `user` against today's limit (the caller counts what it
    /// appended, once per request, whether the request finished or not).
    pub fn count_upload(&self, user: &User, bytes: u64) -> Result<()> {
        let (uid, len) = (user.id.clone(), i64::try_from(bytes).unwrap_or(i64::MAX));
        self.store.write(move |db| Ok(db.add_blob_usage(&uid, &day(db, now_ms())?, len)?))
    }

    /// Where `user`'s upload of file `hash` stands; when it is whole, it is checked — its hash,
    /// its kind by its bytes against what the document says, its size — stored durably (unless
    /// someone sent it before), `user` noted as holding it, and only then counted as received.
    /// A file that fails the check is dropped (the device sends it again).
    pub fn finish_upload(&self, user: &User, hash: &str, size: u64) -> Result<Received> {
        let files = self.files()?;
        let slot = Slot::new(&user.id, hash)?;
        let received = files.staging.len(&slot)?;
        if received < size {
            return Ok(Received { received, complete: false });
        }
        let (u, h) = (user.clone(), hash.to_string());
        let declared = self.store.read(|db| attachment_of(db, &u.id, &h))?.ok_or_else(|| no_file(hash))?;
        let (digest, head) = files.staging.digest(&slot)?;
        let kind = fieldreport_protocol::files::sniff::sniff(&head);
        let refuse = |why: String| {
            let _ = files.staging.remove(&slot);
            Err(ServerError::BadRequest(why))
        };
        if received != size || digest != hash {
            return refuse(format!("the bytes received are not file {hash} (their hash is {digest}); send it again"));
        }
        if kind != Some(declared.mime.as_str()) {
            return refuse(format!(
                "file {hash} is said to be {} but its bytes are {}",
                declared.mime,
                kind.unwrap_or("no kind of file an attachment may be")
            ));
        }
        let h = hash.to_string();
        let stored = self.store.read(move |db| Ok(db.blob(&h)?.is_some()))?;
        if !stored {
            files.store.put_file(hash, &files.staging.path(&slot))?;
            crate::metrics::metrics().attachment_bytes.inc_by(size);
        }
        let row = BlobRow {
            hash: hash.to_string(),
            size: size as i64,
            mime: declared.mime,
            uploader: user.id.clone(),
            stored_at: now_ms(),
        };
        self.store.write(move |db| {
            db.insert_blob(&row)?;
            Ok(db.add_blob_holder(&row.hash, &row.uploader, row.stored_at)?)
        })?;
        let _ = files.staging.remove(&slot);
        Ok(Received { received: size, complete: true })
    }

    /// Up to `len` bytes of file `hash` from `offset`, for `user` — a reader of a document that
    /// references it (of document `through`, when given); to anyone else, as for a file that
    /// does not exist.
    pub fn read_file(
        &self,
        user: &User,
        hash: &str,
        through: Option<&str>,
        offset: u64,
        len: u64,
    ) -> Result<(BlobRow, Vec<u8>)> {
        let files = self.files()?;
        let (u, h, t) = (user.clone(), hash.to_string(), through.map(str::to_string));
        let row = self.store.read(|db| {
            if !Attachment::valid_hash(&h) || !may_read(db, &u, &h, t.as_deref())? {
                return Ok(None);
            }
            Ok(db.blob(&h)?)
        })?;
        let row = row.ok_or_else(|| no_file(hash))?;
        let bytes = files.store.read(hash, offset, len.min(MAX_PIECE as u64))?.ok_or_else(|| {
            tracing::error!(hash = %hash, store = %files.store.describe(), "a file the database lists is missing from the store");
            ServerError::Unavailable(format!("file {hash} cannot be read now"))
        })?;
        Ok((row, bytes))
    }

    /// All of file `hash` for `user` (as [`Service::read_file`] decides), read piece by piece
    /// from the store: for the dashboard and thumbnails, whose files are bounded by the team's
    /// largest file.
    pub fn read_whole_file(&self, user: &User, hash: &str, through: Option<&str>) -> Result<(BlobRow, Vec<u8>)> {
        let (row, mut whole) = self.read_file(user, hash, through, 0, MAX_PIECE as u64)?;
        let files = self.files()?;
        while (whole.len() as i64) < row.size {
            match files.store.read(hash, whole.len() as u64, MAX_PIECE as u64)? {
                Some(piece) if !piece.is_empty() => whole.extend(piece),
                Some(_) => break,
                None => return Err(ServerError::Unavailable(format!("file {hash} cannot be read now"))),
            }
        }
        Ok((row, whole))
    }

    /// A JPEG thumbnail (at most 320 pixels on a side) of image `hash` for `user`, made once;
    /// an image too large to decode gets none, and that answer is remembered (an empty row).
    pub fn thumbnail(&self, user: &User, hash: &str, through: Option<&str>) -> Result<Vec<u8>> {
        self.read_file(user, hash, through, 0, 0)?;
        let h = hash.to_string();
        let none = || ServerError::NotFound(format!("no thumbnail for file {hash}"));
        match self.store.read(|db| Ok(db.thumbnail(&h)?))? {
            Some(t) if t.is_empty() => return Err(none()),
            Some(t) => return Ok(t),
            None => {}
        }
        let made = super::thumbs::DECODES.run(|| {
            let (row, whole) = self.read_whole_file(user, hash, through)?;
            super::thumbs::make(&whole, &row.mime)
        });
        let keep = match &made {
            Ok(t) => t.clone(),
            // Too large, or not an image the library reads: remembered as none.
            Err(ServerError::NotFound(_) | ServerError::BadRequest(_)) => Vec::new(),
            Err(_) => return made,
        };
        let h = hash.to_string();
        self.store.write(move |db| Ok(db.put_thumbnail(&h, &keep, now_ms())?))?;
        made
    }

    /// Deletes files no document has referenced for the team's grace period (counted from the
    /// collection that first found them unreferenced), and uploads left unfinished for a day
    /// ([`UNFINISHED_FOR`]).
    /// Safe to run from several servers at once.
    pub fn collect_files(&self) -> Result<Collected> {
        let files = self.files()?;
        let keep_days = self.config()?.attachments.keep_unreferenced_days;
        let now = now_ms();
        self.store.write(move |db| Ok(db.mark_unreferenced_blobs(now)?))?;
        let before = now - i64::from(keep_days) * 86_400_000;
        let mut n = 0;
        loop {
            let batch = self.store.read(|db| Ok(db.unreferenced_blobs(before, 500)?))?;
            if batch.is_empty() {
                break;
            }
            for hash in batch {
                // The row goes first, and only while still unreferenced: a file referenced again
                // meanwhile stays, and no reader is ever told of a file that is gone.
                let h = hash.clone();
                if self.store.write(move |db| Ok(db.delete_unreferenced_blob(&h)?))? {
                    files.store.delete(&hash)?;
                    n += 1;
                }
            }
        }
        let partial = files.staging.sweep(UNFINISHED_FOR)?;
        Ok(Collected { files: n, partial_uploads: partial })
    }

    /// Which of `hashes` the server holds whole (the others are still uploading).
    pub fn stored_files(&self, hashes: &[String]) -> Result<std::collections::HashSet<String>> {
        self.store.read(|db| {
            let mut out = std::collections::HashSet::new();
            for h in hashes {
                if db.blob(h)?.is_some() {
                    out.insert(h.clone());
                }
            }
            Ok(out)
        })
    }

    /// Where the files are, the team's limits, and files and bytes stored per member with
    /// today's uploads.
    pub fn file_usage(&self) -> Result<FileUsage> {
        let store = self.files().map(|f| f.store.describe()).ok();
        let limits = self.config()?.attachments;
        let members = self.store.read(|db| Ok(db.blob_usage(&day(db, now_ms())?)?))?;
        Ok(FileUsage {
            store,
            max_file_bytes: limits.max_file_bytes,
            max_bytes_per_day: limits.max_bytes_per_day,
            keep_unreferenced_days: limits.keep_unreferenced_days,
            members,
        })
    }
}

/// Attached files' use of the server, for `fieldreport-server files` and `doctor`.
#[derive(Debug, Clone, Serialize)]
pub struct FileUsage {
    /// Where the files are (`None`: this server keeps none).
    pub store: Option<String>,
    pub max_file_bytes: u64,
    pub max_bytes_per_day: u64,
    pub keep_unreferenced_days: u32,
    pub members: Vec<BlobUsage>,
}

/// The attachment entry of `hash` in a live document of `owner` (what the document says the
/// file is), if any.
fn attachment_of(db: &Db, owner: &str, hash: &str) -> Result<Option<Attachment>> {
    if !Attachment::valid_hash(hash) {
        return Ok(None);
    }
    for (id, kind, doc_owner) in db.blob_referrers(hash)? {
        if doc_owner != owner {
            continue;
        }
        let Some(row) = db.doc(&id)? else { continue };
        let record = fieldreport_protocol::doc::Doc::load_trusted(&row.bytes)
            .ok()
            .and_then(|d| fieldreport_protocol::doc::Record::read(&d).ok());
        let list = match (kind.as_str(), record) {
            ("followup", Some(fieldreport_protocol::doc::Record::Followup(f))) => f.attachments,
            ("report", Some(fieldreport_protocol::doc::Record::Report(r))) => r.attachments,
            _ => continue,
        };
        if let Some(a) = list.into_iter().find(|a| a.hash == hash) {
            return Ok(Some(a));
        }
    }
    Ok(None)
}
