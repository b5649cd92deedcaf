//! Where attached files' bytes live on the server: a directory (the default, under the data
//! directory) or S3-compatible object storage, behind one trait. Files are content-addressed
//! (their SHA-256) and immutable; an upload in progress is staged on the server's local disk and
//! enters the store only whole, verified and durable.

mod fs;
mod s3;
mod staging;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use fs::FsBlobs;
pub use s3::S3Blobs;
pub use staging::{Appended, Slot, Staging};

use crate::error::{Result, ServerError};

/// A store of immutable files by hash.
pub trait BlobStore: Send + Sync {
    /// Stores the complete, verified file at `staged` as `hash`; durable when it returns. The
    /// staged file may be moved away.
    fn put_file(&self, hash: &str, staged: &Path) -> Result<()>;
    /// Up to `len` bytes of file `hash` from `offset`; `None` when the store has no such file.
    fn read(&self, hash: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>>;
    /// Whether the store has file `hash`.
    fn exists(&self, hash: &str) -> Result<bool>;
    /// Forgets file `hash` (absent is fine).
    fn delete(&self, hash: &str) -> Result<()>;
    /// Where the files are, for logs (never a secret).
    fn describe(&self) -> String;
}

/// The blob store `spec` names: a directory path, or `s3://bucket[/prefix]` with the endpoint,
/// region and credentials from `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY` (or `?endpoint=…&region=…` after the URL).
pub fn open(spec: &str) -> Result<Arc<dyn BlobStore>> {
    if let Some(rest) = spec.strip_prefix("s3://") {
        Ok(Arc::new(S3Blobs::open(rest)?))
    } else {
        Ok(Arc::new(FsBlobs::open(&PathBuf::from(spec))?))
    }
}

/// Where a file of `hash` goes under a root: two levels of directories, so that no directory
/// holds more than a few thousand entries.
pub(crate) fn relative(hash: &str) -> Result<String> {
    if !fieldreport_protocol::doc::Attachment::valid_hash(hash) {
        return Err(ServerError::BadRequest(format!("`{hash}` is not a SHA-256 in lower-case hex")));
    }
    Ok(format!("{}/{}/{hash}", &hash[..2], &hash[2..4]))
}

#[cfg(test)]
pub(crate) mod conformance {
    //! What every blob store must do, run against each.
    use super::*;

    pub fn stores_reads_and_deletes(store: &dyn BlobStore, staging_dir: &Path) {
        let hash = fieldreport_protocol::files::hash_of(b"a photo's bytes");
        assert!(!store.exists(&hash).unwrap());
        assert_eq!(store.read(&hash, 0, 10).unwrap(), None);
        let staged = staging_dir.join("staged");
        std::fs::write(&staged, b"a photo's bytes").unwrap();
        store.put_file(&hash, &staged).unwrap();
        assert!(store.exists(&hash).unwrap());
        assert_eq!(store.read(&hash, 0, 100).unwrap().as_deref(), Some(&b"a photo's bytes"[..]));
        assert_eq!(store.read(&hash, 2, 5).unwrap().as_deref(), Some(&b"photo"[..]));
        assert_eq!(store.read(&hash, 15, 5).unwrap().as_deref(), Some(&b""[..]), "from the end: nothing");
        store.delete(&hash).unwrap();
        store.delete(&hash).unwrap();
        assert!(!store.exists(&hash).unwrap());
        assert!(store.put_file("not-a-hash", &staged).is_err());

        // A file larger than one part of a multipart upload, read back at its end.
        let big: Vec<u8> = (0..9 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let big_hash = fieldreport_protocol::files::hash_of(&big);
        std::fs::write(&staged, &big).unwrap();
        store.put_file(&big_hash, &staged).unwrap();
        let tail = store.read(&big_hash, big.len() as u64 - 10, 100).unwrap().unwrap();
        assert_eq!(tail, big[big.len() - 10..]);
        store.delete(&big_hash).unwrap();
    }
}
