//! Photos and files through the FFI: attach from a path or from bytes (a photo just taken),
//! detach, where each file stands, its bytes, and the download of another device's file.

use std::sync::Arc;

use fieldreport_core::store::{Saved, Store};
use fieldreport_core::sync::{self, CancelToken, ProgressListener};

use crate::background;
use crate::error::FieldError;
use crate::store::FieldStore;
use crate::sync::{Forward, SyncListener};
use crate::types::{Attachment, AttachmentRow, AttachmentState, RecordKind};

type Result<T> = std::result::Result<T, FieldError>;

#[uniffi::export]
impl FieldStore {
    /// Attaches the file at `path` to followup or report `id` (a report's in `section`, a key or
    /// 1-based position; default the first). Its bytes are checked (JPEG, PNG, HEIC/HEIF, WebP,
    /// PDF), location and device data are stripped from photos (orientation and capture time
    /// stay), it is stored once on the device and referenced in the same transaction; it goes
    /// to the server at the next sync. `name` defaults to the file's name.
    #[uniffi::method(default(name = None, section = None))]
    pub async fn attach_file(
        self: Arc<Self>,
        kind: RecordKind,
        id: String,
        path: String,
        name: Option<String>,
        section: Option<String>,
    ) -> Result<Attachment> {
        self.call(move |s| {
            s.attach_file(kind.into(), &id, std::path::Path::new(&path), name.as_deref(), section.as_deref())
        })
        .await
        .map(Into::into)
    }

    /// Attaches `bytes` (a photo the camera just gave) named `name`, as `attach_file` does.
    #[uniffi::method(default(section = None))]
    pub async fn attach_bytes(
        self: Arc<Self>,
        kind: RecordKind,
        id: String,
        bytes: Vec<u8>,
        name: String,
        section: Option<String>,
    ) -> Result<Attachment> {
        self.call(move |s| s.attach_bytes(kind.into(), &id, &bytes, &name, section.as_deref())).await.map(Into::into)
    }

    /// Removes file `hash` from record `id` (an ordinary edit other devices see); returns how
    /// many references went.
    pub async fn detach(self: Arc<Self>, kind: RecordKind, id: String, hash: String) -> Result<i32> {
        self.call(move |s| s.detach(kind.into(), &id, &hash).map(|n| n as i32)).await
    }

    /// Where file `hash` stands on this device: own (sent or waiting), downloaded, partly
    /// downloaded, or missing (`fetch_attachment` brings it).
    pub fn attachment_state(&self, hash: String) -> Result<AttachmentState> {
        self.read(|s| s.attachment_state(&hash)).map(Into::into)
    }

    /// File `hash` whole, when this device has it (`None`: fetch it first).
    pub async fn attachment_bytes(self: Arc<Self>, hash: String) -> Result<Option<Vec<u8>>> {
        self.call(move |s| s.attachment_bytes(&hash)).await
    }

    /// Writes file `hash` to `path` (for a viewer or a share sheet) without passing its bytes
    /// through the app; false when this device does not have it.
    pub async fn save_attachment(self: Arc<Self>, hash: String, path: String) -> Result<bool> {
        self.call(move |s| Ok(s.save_attachment(&hash, std::path::Path::new(&path), true)? == Saved::Written)).await
    }

    /// Every file the records on this device show, with where each stands.
    pub async fn list_attachments(self: Arc<Self>) -> Result<Vec<AttachmentRow>> {
        self.call(move |s| s.list_attachments()).await.map(|v| v.into_iter().map(Into::into).collect())
    }

    /// The size of the cache of downloaded files, in bytes (default 256 MB; the device's own
    /// files are never evicted); evicts the least recently used beyond it.
    pub async fn set_attachment_cache(self: Arc<Self>, bytes: i64) -> Result<()> {
        let bytes = u64::try_from(bytes)
            .map_err(|_| FieldError::InvalidInput { reason: format!("a cache of {bytes} bytes: give 0 or more") })?;
        self.call(move |s| s.set_attachment_cache(bytes)).await
    }
}

#[uniffi::export]
impl FieldStore {
    /// Downloads file `hash` (shown by a record on this device) unless it is here, in pieces:
    /// a download cut off resumes where it stopped, and the bytes are checked against the hash.
    /// `NotFound` when the server has no such file for this user (still uploading from its
    /// author's device, or not theirs to read). Runs on the library's own thread; cancelling or
    /// dropping the awaiting task stops it between pieces.
    #[uniffi::method(default(listener = None))]
    pub async fn fetch_attachment(&self, hash: String, listener: Option<Arc<dyn SyncListener>>) -> Result<()> {
        let (path, opts) = (self.file()?, self.options());
        let token = CancelToken::new();
        let cancel = token.clone();
        background::run("download", Some(cancel), move || async move {
            let mut store = Store::open(&path)?;
            let forward = Forward { app: listener, store: None };
            sync::fetch_file(&mut store, &hash, &opts, Some(&forward as &dyn ProgressListener), &token).await?;
            Ok(())
        })
        .await
    }
}
