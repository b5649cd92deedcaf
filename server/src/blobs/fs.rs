//! Files in a directory: written to their place by rename after an fsync, so that a file is
//! either absent or whole, and durable once `put_file` returns.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{relative, BlobStore};
use crate::error::{Result, ServerError};

/// A directory of files by hash.
pub struct FsBlobs {
    root: PathBuf,
}

fn io(what: &str, e: std::io::Error) -> ServerError {
    ServerError::from_io(&format!("{what} in the attachment store"), e)
}

impl FsBlobs {
    /// The store in `root` (created when absent).
    pub fn open(root: &Path) -> Result<FsBlobs> {
        std::fs::create_dir_all(root).map_err(|e| {
            ServerError::Setup(format!("cannot create the attachment directory {}: {e}", root.display()))
        })?;
        Ok(FsBlobs { root: root.to_path_buf() })
    }

    fn path(&self, hash: &str) -> Result<PathBuf> {
        Ok(self.root.join(relative(hash)?))
    }
}

impl BlobStore for FsBlobs {
    fn put_file(&self, hash: &str, staged: &Path) -> Result<()> {
        let to = self.path(hash)?;
        let dir = to.parent().ok_or_else(|| ServerError::Internal("a blob path without a directory".into()))?;
        std::fs::create_dir_all(dir).map_err(|e| io("create a directory", e))?;
        File::open(staged).and_then(|f| f.sync_all()).map_err(|e| io("sync a file", e))?;
        // Across file systems a rename fails: copy, sync, then the copy is the file.
        if std::fs::rename(staged, &to).is_err() {
            let tmp = to.with_extension("part");
            let copied = std::fs::copy(staged, &tmp)
                .map_err(|e| io("copy a file", e))
                .and_then(|_| File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| io("sync a file", e)))
                .and_then(|()| std::fs::rename(&tmp, &to).map_err(|e| io("move a file", e)));
            if let Err(e) = copied {
                // A copy cut short (a full disk) must not hold the space it took.
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            let _ = std::fs::remove_file(staged);
        }
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io("sync a directory", e))?;
        Ok(())
    }

    fn read(&self, hash: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        let mut f = match File::open(self.path(hash)?) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("read a file", e)),
        };
        let size = f.metadata().map_err(|e| io("read a file", e))?.len();
        let start = offset.min(size);
        let n = len.min(size - start);
        f.seek(SeekFrom::Start(start)).map_err(|e| io("read a file", e))?;
        let mut buf = vec![0u8; n as usize];
        f.read_exact(&mut buf).map_err(|e| io("read a file", e))?;
        Ok(Some(buf))
    }

    fn exists(&self, hash: &str) -> Result<bool> {
        Ok(self.path(hash)?.exists())
    }

    fn delete(&self, hash: &str) -> Result<()> {
        match std::fs::remove_file(self.path(hash)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("delete a file", e)),
            _ => Ok(()),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_directory_passes_the_blob_store_conformance() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::FsBlobs::open(&dir.path().join("blobs")).unwrap();
        crate::blobs::conformance::stores_reads_and_deletes(&store, dir.path());
    }
}
