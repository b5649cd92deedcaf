//! Signing a device out: what would be lost with it (changes, files and read receipts the server
//! does not have yet), and removing the store's files once the server was told (see
//! `sync::sign_out`).

use std::path::{Path, PathBuf};

use super::Store;
use crate::error::{Error, Result};

/// What this device holds that the server does not have yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unsynced {
    /// Records with changes not acknowledged.
    pub documents: usize,
    /// The device's own files not uploaded.
    pub files: usize,
    /// Reports read here whose receipts were not told.
    pub reads: usize,
}

impl Unsynced {
    /// Everything that would be lost.
    pub fn total(&self) -> usize {
        self.documents + self.files + self.reads
    }
}

impl Store {
    /// What signing out now would lose.
    /// Counted in one query: a status asks after every local write.
    pub fn unsynced(&self) -> Result<Unsynced> {
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM documents WHERE pending = 1),
                    (SELECT COUNT(*) FROM blobs b WHERE {}),
                    (SELECT COUNT(*) FROM report_reads WHERE sent = 0)",
            super::attachments::UNSENT_FILE
        );
        let count = |r: &rusqlite::Row, i| r.get::<_, i64>(i).map(|n| n as usize);
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([], |r| Ok(Unsynced { documents: count(r, 0)?, files: count(r, 1)?, reads: count(r, 2)? }))?)
    }

    /// Refuses to sign out while something would be lost, unless `discard` says to lose it.
    pub fn check_sign_out(&self, discard: bool) -> Result<()> {
        let unsynced = self.unsynced()?.total();
        if unsynced > 0 && !discard {
            return Err(Error::bad_input(format!(
                "{unsynced} changes or files have not reached the server: sync first, or sign out discarding them"
            )));
        }
        Ok(())
    }

    /// Removes the files of the store at `path` (the database and its journal), which must be
    /// closed. Files already gone are fine.
    pub fn remove_files(path: &Path) -> Result<()> {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::File(std::io::Error::new(
                        e.kind(),
                        format!("cannot remove {}: {e}", file.display()),
                    )))
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::NewCustomer;

    #[test]
    fn unsent_work_holds_a_sign_out_and_a_closed_store_is_removed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phone.db");
        let mut s = Store::open(&path).unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        assert_eq!(s.unsynced().unwrap(), Unsynced::default());
        s.check_sign_out(false).unwrap();
        s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap();
        assert_eq!(s.unsynced().unwrap(), Unsynced { documents: 1, files: 0, reads: 0 });
        let refused = s.check_sign_out(false).unwrap_err();
        assert!(refused.is_bad_input() && refused.to_string().contains("1 changes or files"), "{refused}");
        s.check_sign_out(true).unwrap();
        s.close().unwrap();
        Store::remove_files(&path).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file of the store is left");
        Store::remove_files(&path).unwrap();
    }
}
