//! Uploads in progress: each file's bytes received so far, appended on the server's local disk
//! until it is whole. An upload cut off resumes from what is here (a device asks for it first);
//! a partial file left for a week is forgotten.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::relative;
use crate::error::{Result, ServerError};

/// A directory of partial uploads.
pub struct Staging {
    dir: PathBuf,
    /// Hashes being appended to right now (one request at a time per file).
    busy: Mutex<HashSet<String>>,
    freed: Condvar,
}

fn io(what: &str, e: std::io::Error) -> ServerError {
    ServerError::Unavailable(format!("cannot {what} an upload in progress: {e}"))
}

/// What an append left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The bytes were added; this many are here now.
    Now(u64),
    /// The piece did not start where the received bytes end (this many are here).
    Elsewhere(u64),
}

impl Staging {
    pub fn open(dir: &Path) -> Result<Staging> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::Setup(format!("cannot create the upload directory {}: {e}", dir.display())))?;
        Ok(Staging { dir: dir.to_path_buf(), busy: Mutex::default(), freed: Condvar::new() })
    }

    /// The partial file of `hash`.
    pub fn path(&self, hash: &str) -> Result<PathBuf> {
        relative(hash)?;
        Ok(self.dir.join(format!("{hash}.part")))
    }

    /// How many bytes of `hash` are here.
    pub fn len(&self, hash: &str) -> Result<u64> {
        match std::fs::metadata(self.path(hash)?) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io("read", e)),
        }
    }

    /// Appends `bytes` at `offset` (which must be the length received so far).
    pub fn append(&self, hash: &str, offset: u64, bytes: &[u8]) -> Result<Appended> {
        let path = self.path(hash)?;
        let _turn = self.turn(hash);
        let have = self.len(hash)?;
        if have != offset {
            return Ok(Appended::Elsewhere(have));
        }
        let mut f = OpenOptions::new().create(true).append(true).open(&path).map_err(|e| io("store", e))?;
        f.write_all(bytes).map_err(|e| io("store", e))?;
        Ok(Appended::Now(have + bytes.len() as u64))
    }

    /// SHA-256 of what is here, and its first bytes (to tell its kind).
    pub fn digest(&self, hash: &str) -> Result<(String, Vec<u8>)> {
        let mut f = File::open(self.path(hash)?).map_err(|e| io("read", e))?;
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf).map_err(|e| io("read", e))?;
            if n == 0 {
                break;
            }
            if head.len() < 64 {
                head.extend_from_slice(&buf[..n.min(64 - head.len())]);
            }
            hasher.update(&buf[..n]);
        }
        Ok((hex::encode(hasher.finalize()), head))
    }

    /// Forgets the partial file of `hash`.
    pub fn remove(&self, hash: &str) -> Result<()> {
        match std::fs::remove_file(self.path(hash)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("delete", e)),
            _ => Ok(()),
        }
    }

    /// Forgets partial files untouched for `age`; returns how many.
    pub fn sweep(&self, age: Duration) -> Result<usize> {
        let mut n = 0;
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Ok(0) };
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|d| d > age);
            if old && e.file_name().to_string_lossy().ends_with(".part") && std::fs::remove_file(e.path()).is_ok() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Waits until no other request appends to `hash`, and holds it until dropped.
    fn turn(&self, hash: &str) -> Turn<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while busy.contains(hash) {
            busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        busy.insert(hash.to_string());
        Turn { staging: self, hash: hash.to_string() }
    }
}

struct Turn<'a> {
    staging: &'a Staging,
    hash: String,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.staging.busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.hash);
        self.staging.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_append_in_order_and_a_misplaced_one_is_told_where_to_start() {
        let dir = tempfile::tempdir().unwrap();
        let s = Staging::open(dir.path()).unwrap();
        let hash = fieldreport_protocol::files::hash_of(b"abcdef");
        assert_eq!(s.append(&hash, 0, b"abc").unwrap(), Appended::Now(3));
        assert_eq!(s.append(&hash, 1, b"zz").unwrap(), Appended::Elsewhere(3));
        assert_eq!(s.append(&hash, 3, b"def").unwrap(), Appended::Now(6));
        assert_eq!(s.digest(&hash).unwrap().0, hash);
        s.remove(&hash).unwrap();
        assert_eq!(s.len(&hash).unwrap(), 0);
        assert!(s.append("../../etc/passwd", 0, b"x").is_err(), "only hashes name files");
    }
}
