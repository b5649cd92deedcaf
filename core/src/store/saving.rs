//! Writing an attached file out of the store, for a viewer, a share sheet or a terminal: into a
//! new temporary file of a name of its own in the target directory (never a name the user may
//! have: another device chose the file's name), flushed to disk, then renamed to the path — over
//! what is there only when asked — so that a cut (a full disk, a killed app) never leaves half a
//! file under the name, nor touches any other file.

use std::fs::File;
use std::io::Write;
use std::path::Path;

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

impl Store {
    /// Writes file `hash` to `path`, replacing what is there only when `replace`.
    pub fn save_attachment(&mut self, hash: &str, path: &Path, replace: bool) -> Result<Saved> {
        if !replace && path.exists() {
            return Ok(Saved::Exists);
        }
        let cannot = |e: std::io::Error| Error::bad_input(format!("cannot write {}: {e}", path.display()));
        let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => d.to_path_buf(),
            None => std::path::PathBuf::from("."),
        };
        // Created exclusively under a random name, and removed when dropped unless kept.
        let mut temp =
            tempfile::Builder::new().prefix(".fieldreport-").suffix(".part").tempfile_in(&dir).map_err(cannot)?;
        let written = self.write_attachment(hash, temp.as_file_mut()).and_then(|whole| {
            temp.as_file_mut().flush()?;
            temp.as_file().sync_all()?;
            Ok(whole)
        });
        match written {
            Ok(true) => {}
            Ok(false) => return Ok(Saved::NotOnDevice),
            // A full disk, a removed card: say where.
            Err(Error::File(io)) => {
                return Err(Error::File(std::io::Error::new(
                    io.kind(),
                    format!("cannot write {}: {io}", path.display()),
                )))
            }
            Err(e) => return Err(e),
        }
        let kept = if replace { temp.persist(path) } else { temp.persist_noclobber(path) };
        if let Err(e) = kept {
            // The temporary file goes with the error.
            if !replace && e.error.kind() == std::io::ErrorKind::AlreadyExists {
                return Ok(Saved::Exists);
            }
            return Err(cannot(e.error));
        }
        // The rename itself survives a power loss once the directory is flushed.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
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
        let leftovers = || {
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".part"))
                .count()
        };
        assert_eq!(leftovers(), 0, "nothing left beside it");
        // The user's own `.part` files are never touched.
        let theirs = dir.path().join("门头.png.part");
        std::fs::write(&theirs, b"my download").unwrap();
        std::fs::write(&path, b"mine").unwrap();
        assert_eq!(s.save_attachment(&a.hash, &path, false).unwrap(), Saved::Exists);
        assert_eq!(std::fs::read(&path).unwrap(), b"mine", "not replaced unless asked");
        assert_eq!(s.save_attachment(&a.hash, &path, true).unwrap(), Saved::Written);
        assert_eq!(std::fs::read(&path).unwrap(), PNG);
        let other = dir.path().join("other.png");
        assert_eq!(s.save_attachment(&"0".repeat(64), &other, true).unwrap(), Saved::NotOnDevice);
        assert!(!other.exists());
        assert_eq!(std::fs::read(&theirs).unwrap(), b"my download");
        assert_eq!(leftovers(), 1, "only the user's");
        let nowhere = dir.path().join("no-such-dir").join("x.png");
        let err = s.save_attachment(&a.hash, &nowhere, true).unwrap_err().to_string();
        assert!(err.contains("cannot write"), "{err}");
    }
}
