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

/// What an inbox item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// A manager asked for a report (催交) not submitted yet.
    Nudge,
    /// A comment named this user.
    Mention,
    /// Someone commented on this user's report.
    Comment,
    /// A recipient read this user's report.
    Read,
}

impl InboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InboxKind::Nudge => "nudge",
            InboxKind::Mention => "mention",
            InboxKind::Comment => "comment",
            InboxKind::Read => "read",
        }
    }
}

/// Something for this user's attention.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InboxItem {
    pub kind: InboxKind,
    /// UTC milliseconds.
    pub at: i64,
    /// Who: the manager who nudged, the commenter, the reader (a user id).
    pub by: String,
    /// The report it is about (a nudge's when this device has it).
    pub report_id: Option<String>,
    /// A nudge's report kind and period (`daily`, `2026-12-01..2026-12-01`).
    pub report_kind: Option<String>,
    pub period: Option<String>,
    /// The comment's text (comments and mentions).
    pub text: Option<String>,
}

impl Store {
    /// This user's inbox, newest first: nudges not yet answered by a submission, comments that
    /// name the user, comments by others on the user's reports, and read receipts — from the
    /// server's last snapshot and the reports on this device, offline.
    pub fn inbox(&mut self) -> Result<Vec<InboxItem>> {
        let me = self.identity()?.user_id;
        let snap = self.server_snapshot()?;
        let mut items = Vec::new();
        let mut submitted = self.conn.prepare_cached(
            "SELECT 1 FROM reports WHERE owner = ?1 AND kind = ?2 AND period_first = ?3 AND status = 'submitted' AND deleted = 0",
        )?;
        if let Some(s) = &snap {
            for n in &s.nudges {
                if submitted.exists(params![me, n.kind, n.first.to_string()])? {
                    continue; // answered here, before the server knew
                }
                items.push(InboxItem {
                    kind: InboxKind::Nudge,
                    at: n.at,
                    by: n.by.clone(),
                    report_id: None,
                    report_kind: Some(n.kind.clone()),
                    period: Some(format!("{}..{}", n.first, n.last)),
                    text: None,
                });
            }
            for m in &s.mentions {
                let text = self
                    .report(&m.report_id)
                    .ok()
                    .and_then(|r| r.comments.into_iter().find(|c| c.id == m.comment_id))
                    .map(|c| c.text);
                items.push(InboxItem {
                    kind: InboxKind::Mention,
                    at: m.at,
                    by: m.by.clone(),
                    report_id: Some(m.report_id.clone()),
                    report_kind: None,
                    period: None,
                    text,
                });
            }
            for r in &s.reads {
                items.push(InboxItem {
                    kind: InboxKind::Read,
                    at: r.at,
                    by: r.reader.clone(),
                    report_id: Some(r.report_id.clone()),
                    report_kind: None,
                    period: None,
                    text: None,
                });
            }
        }
        drop(submitted);
        let cutoff = self.now_ms() - 30 * 86_400_000;
        let mine: Vec<String> = self
            .conn
            .prepare_cached("SELECT id FROM reports WHERE owner = ?1 AND deleted = 0 AND created_at >= ?2")?
            .query_map(params![me, cutoff - 62 * 86_400_000], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in mine {
            let Ok(r) = self.report(&id) else { continue };
            for c in r.comments.iter().filter(|c| c.author != me && c.at >= cutoff) {
                if items.iter().any(|i| {
                    i.kind == InboxKind::Mention && i.report_id.as_deref() == Some(id.as_str()) && i.at == c.at
                }) {
                    continue;
                }
                items.push(InboxItem {
                    kind: InboxKind::Comment,
                    at: c.at,
                    by: c.author.clone(),
                    report_id: Some(id.clone()),
                    report_kind: None,
                    period: None,
                    text: Some(c.text.clone()),
                });
            }
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.at));
        Ok(items)
    }
}
