//! Reports addressed to this device's user, read here: marked read offline, and told to the
//! server at the next sync, which records a read receipt for the author (as when the report is
//! opened on the dashboard).

use rusqlite::params;

use super::Store;
use crate::error::{Error, Result};

impl Store {
    /// Marks report `id`, addressed to this device's user, read (once; the first time counts).
    pub fn mark_report_read(&mut self, id: &str) -> Result<()> {
        let report = self.report(id)?;
        let me = self.identity()?.user_id;
        if !report.to.iter().chain(&report.cc).any(|u| *u == me) {
            return Err(Error::Forbidden(format!(
                "report {} is not addressed to you: only its recipients mark it read",
                report.header.id
            )));
        }
        let now = self.now_ms();
        let tx = self.conn.transaction()?;
        let new = tx.execute(
            "INSERT INTO report_reads (report_id, at, sent) VALUES (?1, ?2, 0) ON CONFLICT(report_id) DO NOTHING",
            params![report.header.id, now],
        )?;
        if new > 0 {
            // Observers of the report learn that its read state changed.
            tx.execute(
                "UPDATE documents SET change_seq = (SELECT MAX(change_seq) + 1 FROM documents) WHERE id = ?1",
                [&report.header.id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Reports marked read here that the server has not been told of yet.
    pub fn unsent_reads(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached("SELECT report_id FROM report_reads WHERE sent = 0 ORDER BY at")?;
        let ids = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    /// Records that the server was told of these reads.
    pub fn mark_reads_sent(&mut self, ids: &[String]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for id in ids {
            tx.execute("UPDATE report_reads SET sent = 1 WHERE report_id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(())
    }
}
