//! Writing an attached file out of the store, for a viewer, a share sheet or a terminal: beside
//! its name first, flushed to disk, then renamed over it, so that a cut (a full disk, a killed
//! app) never leaves half a file under the name.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Store;
use crate::error::{Error, Result};

/// What [`Store::save_attachment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The file is at the path, whole.
    Written,
    /// This device does not have the file (whole): fetch it first. Nothing was written.
    NotOnDevice,
    /// Something is at the path already, and replacing it was not asked for. Nothing was
    /// written.
    Exists,
}

/// Where a file is written before it is renamed to `path`: beside it, the name plus `.part`.
fn part_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

impl Store {
    /// Writes file `hash` to `path`, replacing what is there only when `replace`.
    pub fn save_attachment(&mut self, hash: &str, path: &Path, replace: bool) -> Result<Saved> {
        if !replace && path.exists() {
            return Ok(Saved::Exists);
        }
        let part = part_of(path);
        let cannot = |e: std::io::Error| Error::bad_input(format!("cannot write {}: {e}", part.display()));
        let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&part).map_err(cannot)?;
        let written = self.write_attachment(hash, &mut file).and_then(|whole| {
            file.flush()?;
            file.sync_all()?;
            Ok(whole)
        });
        drop(file);
        match written {
            Ok(true) => {}
            Ok(false) => {
                let _ = std::fs::remove_file(&part);
                return Ok(Saved::NotOnDevice);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                // A full disk, a removed card: say where.
                return Err(match e {
                    Error::File(io) => {
                        Error::File(std::io::Error::new(io.kind(), format!("cannot write {}: {io}", path.display())))
                    }
                    e => e,
                });
            }
        }
        if !replace && path.exists() {
            let _ = std::fs::remove_file(&part);
            return Ok(Saved::Exists);
        }
        std::fs::rename(&part, path).map_err(|e| {
            let _ = std::fs::remove_file(&part);
            Error::bad_input(format!("cannot write {}: {e}", path.display()))
        })?;
        // The rename itself survives a power loss once the directory is flushed.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(Saved::Written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{FollowupKind, Kind, NewCustomer, NewFollowup};
    use crate::files::tests::PNG;

    #[test]
    fn a_file_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_in_memory().unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        let c = s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap().header.id;
        let v = s.log_followup(NewFollowup::new(&c, FollowupKind::Visit, 1, "门头照")).unwrap().header.id;
        let a = s.attach_bytes(Kind::Followup, &v, PNG, "门头.png", None).unwrap();
        let path = dir.path().join("门头.png");
        assert_eq!(s.save_attachment(&a.hash, &path, false).unwrap(), Saved::Written);
        assert_eq!(std::fs::read(&path).unwrap(), PNG);
        assert!(!part_of(&path).exists(), "nothing left beside it");
        std::fs::write(&path, b"mine").unwrap();
        assert_eq!(s.save_attachment(&a.hash, &path, false).unwrap(), Saved::Exists);
        assert_eq!(std::fs::read(&path).unwrap(), b"mine", "not replaced unless asked");
        assert_eq!(s.save_attachment(&a.hash, &path, true).unwrap(), Saved::Written);
        assert_eq!(std::fs::read(&path).unwrap(), PNG);
        let other = dir.path().join("other.png");
        assert_eq!(s.save_attachment(&"0".repeat(64), &other, true).unwrap(), Saved::NotOnDevice);
        assert!(!other.exists() && !part_of(&other).exists());
        let nowhere = dir.path().join("no-such-dir").join("x.png");
        let err = s.save_attachment(&a.hash, &nowhere, true).unwrap_err().to_string();
        assert!(err.contains("cannot write"), "{err}");
    }
}
