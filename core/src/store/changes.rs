//! Which records changed on this device since an app last looked: every save of a document
//! (a local write, or a page a sync committed) takes the next number of the device's own
//! sequence (`documents.change_seq`).

use crate::doc::Kind;
use crate::error::Result;

use super::Store;

/// A record that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub kind: Kind,
    pub id: String,
}

impl Store {
    /// Rows this connection has changed since it opened: grows with every write made through
    /// it (a sync on its own connection does not count), so a caller compares it before and
    /// after a call to know whether the call wrote.
    pub fn local_writes(&self) -> u64 {
        self.conn.total_changes()
    }

    /// The number of the latest change on this device (0 before any).
    pub fn change_seq(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(change_seq), 0) FROM documents")?
            .query_row([], |r| r.get(0))?)
    }

    /// The records changed after change `seq`, oldest change first, and the number the reader is
    /// at once it has seen them.
    pub fn changes_after(&self, seq: i64) -> Result<(Vec<Changed>, i64)> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, kind, change_seq FROM documents WHERE change_seq > ?1 ORDER BY change_seq")?;
        let mut last = seq;
        let mut out = Vec::new();
        let mut rows = st.query([seq])?;
        while let Some(r) = rows.next()? {
            let (id, kind, at): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            last = last.max(at);
            if let Some(kind) = Kind::parse(&kind) {
                out.push(Changed { kind, id });
            }
        }
        Ok((out, last))
    }
}
