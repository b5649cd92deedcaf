//! Read connections, one per concurrent reader, reused.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use crate::error::Result;

/// Most idle read connections kept open: about the number of requests served at once (opening
/// a connection costs more than a whole sync round trip).
const MAX_IDLE: usize = 64;

/// A pool of read connections to the database at `path` (WAL mode lets them read while the
/// writer writes).
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(super) fn new(path: PathBuf, first: Connection) -> Readers {
        Readers { path, idle: Mutex::new(vec![first]) }
    }

    /// Runs `f` on an idle connection (opening one when none is idle).
    pub(super) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let taken = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(c) => c,
            None => super::open(&self.path)?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        out
    }
}
