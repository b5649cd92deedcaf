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

/// A directory of partial uploads, one folder per member: two members sending the same file each
/// send it whole (each proves they hold the bytes), and a member's space is counted on its own.
pub struct Staging {
    dir: PathBuf,
    /// Uploads being appended to right now (one request at a time per member and file).
    busy: Mutex<HashSet<PathBuf>>,
    freed: Condvar,
}

fn io(what: &str, e: std::io::Error) -> ServerError {
    ServerError::from_io(&format!("{what} an upload in progress"), e)
}

/// What an append left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The bytes were added; this many are here now.
    Now(u64),
    /// The piece did not start where the received bytes end (this many are here).
    Elsewhere(u64),
}

/// One member's upload of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    member: String,
    hash: String,
}

impl Slot {
    /// `member`'s upload of `hash` (which must be a SHA-256 in hex: only hashes name files).
    pub fn new(member: &str, hash: &str) -> Result<Slot> {
        relative(hash)?;
        Ok(Slot { member: member_folder(member), hash: hash.to_string() })
    }
}

/// A member's folder: their id's digest, so that no id, however written, names a path.
fn member_folder(member: &str) -> String {
    hex::encode(&Sha256::digest(member.as_bytes())[..16])
}

impl Staging {
    pub fn open(dir: &Path) -> Result<Staging> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::Setup(format!("cannot create the upload directory {}: {e}", dir.display())))?;
        Ok(Staging { dir: dir.to_path_buf(), busy: Mutex::default(), freed: Condvar::new() })
    }

    /// Writes, syncs and removes a small file here: whether the disk takes writes (after it was
    /// found full).
    pub fn probe(&self) -> Result<()> {
        let path = self.dir.join(".probe");
        let wrote = File::create(&path).and_then(|mut f| f.write_all(&[0u8; 64 * 1024]).and_then(|()| f.sync_all()));
        let _ = std::fs::remove_file(&path);
        wrote.map_err(|e| io("probe the disk of", e))
    }

    /// The partial file of `slot`.
    pub fn path(&self, slot: &Slot) -> PathBuf {
        self.dir.join(&slot.member).join(format!("{}.part", slot.hash))
    }

    /// How many bytes of `slot` are here.
    pub fn len(&self, slot: &Slot) -> Result<u64> {
        match std::fs::metadata(self.path(slot)) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io("read", e)),
        }
    }

    /// Bytes of unfinished uploads `member` holds here.
    pub fn held_by(&self, member: &str) -> Result<u64> {
        let Ok(entries) = std::fs::read_dir(self.dir.join(member_folder(member))) else { return Ok(0) };
        Ok(entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
    }

    /// Appends `bytes` at `offset` (which must be the length received so far).
    pub fn append(&self, slot: &Slot, offset: u64, bytes: &[u8]) -> Result<Appended> {
        let path = self.path(slot);
        let _turn = self.turn(&path);
        let have = self.len(slot)?;
        if have != offset {
            return Ok(Appended::Elsewhere(have));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("store", e))?;
        }
        let mut f = OpenOptions::new().create(true).append(true).open(&path).map_err(|e| io("store", e))?;
        if let Err(e) = f.write_all(bytes) {
            // A short write (a full disk) leaves what did fit; take it back so that the length
            // here stays the length acknowledged.
            let _ = f.set_len(have);
            return Err(io("store", e));
        }
        Ok(Appended::Now(have + bytes.len() as u64))
    }

    /// SHA-256 of what is here, and its first bytes (to tell its kind).
    pub fn digest(&self, slot: &Slot) -> Result<(String, Vec<u8>)> {
        let mut f = File::open(self.path(slot)).map_err(|e| io("read", e))?;
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

    /// Forgets the partial file of `slot`.
    pub fn remove(&self, slot: &Slot) -> Result<()> {
        match std::fs::remove_file(self.path(slot)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("delete", e)),
            _ => Ok(()),
        }
    }

    /// Forgets partial files untouched for `age`; returns how many.
    pub fn sweep(&self, age: Duration) -> Result<usize> {
        let Ok(members) = std::fs::read_dir(&self.dir) else { return Ok(0) };
        let older = |e: &std::fs::DirEntry| {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|d| d > age)
        };
        let part = |e: &std::fs::DirEntry| e.file_name().to_string_lossy().ends_with(".part");
        let mut n = 0;
        for m in members.flatten() {
            // A partial file beside the members' folders is of the layout before them (no
            // member's upload resumes from it): it goes once old.
            if m.file_type().is_ok_and(|t| t.is_file()) {
                if part(&m) && older(&m) && std::fs::remove_file(m.path()).is_ok() {
                    n += 1;
                }
                continue;
            }
            let Ok(entries) = std::fs::read_dir(m.path()) else { continue };
            for e in entries.flatten() {
                if older(&e) && part(&e) && std::fs::remove_file(e.path()).is_ok() {
                    n += 1;
                }
            }
            // An emptied folder goes too (fails harmlessly while it still holds a file).
            let _ = std::fs::remove_dir(m.path());
        }
        Ok(n)
    }

    /// Waits until no other request appends to `path`, and holds it until dropped.
    fn turn(&self, path: &Path) -> Turn<'_> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        while busy.contains(path) {
            busy = self.freed.wait(busy).unwrap_or_else(|p| p.into_inner());
        }
        busy.insert(path.to_path_buf());
        Turn { staging: self, path: path.to_path_buf() }
    }
}

struct Turn<'a> {
    staging: &'a Staging,
    path: PathBuf,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.staging.busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.path);
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
        let slot = Slot::new("u-张三", &hash).unwrap();
        assert_eq!(s.append(&slot, 0, b"abc").unwrap(), Appended::Now(3));
        assert_eq!(s.append(&slot, 1, b"zz").unwrap(), Appended::Elsewhere(3));
        assert_eq!(s.append(&slot, 3, b"def").unwrap(), Appended::Now(6));
        assert_eq!(s.digest(&slot).unwrap().0, hash);
        assert_eq!(s.held_by("u-张三").unwrap(), 6);
        let other = Slot::new("../u-李四", &hash).unwrap();
        assert_eq!(s.len(&other).unwrap(), 0, "another member's upload of the same file is their own");
        assert!(s.path(&other).starts_with(dir.path()), "a member id names no path");
        // What is left unfinished goes once old, and so does a partial file of the old layout.
        std::fs::write(dir.path().join(format!("{hash}.part")), b"old").unwrap();
        assert_eq!(s.sweep(Duration::from_secs(3600)).unwrap(), 0, "nothing old yet");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(s.sweep(Duration::from_millis(5)).unwrap(), 2);
        assert_eq!(s.held_by("u-张三").unwrap(), 0);
        s.append(&slot, 0, b"abc").unwrap();
        s.remove(&slot).unwrap();
        assert_eq!(s.len(&slot).unwrap(), 0);
        assert!(Slot::new("u", "../../etc/passwd").is_err(), "only hashes name files");
    }
}
