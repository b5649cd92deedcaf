//! The manager's week: 催交 (nudges) and @mentions in report comments.

use super::Db;
use crate::p;
use crate::store::StoreResult as Result;
use crate::store::{ConnExt, Row, StoreError};

/// A nudge: `by` asked `user` for the `kind` report of `first..=last`, at `at`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NudgeRow {
    pub id: String,
    pub user_id: String,
    pub by_id: String,
    pub kind: String,
    pub first: String,
    pub last: String,
    pub at: i64,
}

fn nudge_row(r: &dyn Row) -> Result<NudgeRow, StoreError> {
    Ok(NudgeRow {
        id: r.text(0)?,
        user_id: r.text(1)?,
        by_id: r.text(2)?,
        kind: r.text(3)?,
        first: r.text(4)?,
        last: r.text(5)?,
        at: r.int(6)?,
    })
}

/// A member named in a comment: (report id, comment id, by whom, when).
pub type MentionRow = (String, String, String, i64);

impl Db<'_> {
    /// Records a nudge.
    pub fn insert_nudge(&self, n: &NudgeRow) -> Result<()> {
        self.exec_later(
            "INSERT INTO nudges (id, user_id, by_id, kind, period_first, period_last, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            p![&n.id, &n.user_id, &n.by_id, &n.kind, &n.first, &n.last, n.at],
        )?;
        Ok(())
    }

    /// When `user` was last nudged for the `kind` report starting `first`.
    pub fn last_nudge(&self, user: &str, kind: &str, first: &str) -> Result<Option<i64>> {
        self.one(
            "SELECT MAX(at) FROM nudges WHERE user_id = ?1 AND kind = ?2 AND period_first = ?3",
            p![user, kind, first],
            |r| r.opt_int(0),
        )
    }

    /// `user`'s nudges since `since`, newest first.
    pub fn nudges_of(&self, user: &str, since: i64) -> Result<Vec<NudgeRow>> {
        self.all(
            "SELECT id, user_id, by_id, kind, period_first, period_last, at FROM nudges
             WHERE user_id = ?1 AND at >= ?2 ORDER BY at DESC",
            p![user, since],
            nudge_row,
        )
    }

    /// Whether `user` submitted the `kind` report starting `first`.
    pub fn submitted(&self, user: &str, kind: &str, first: &str) -> Result<bool> {
        Ok(self
            .opt(
                "SELECT 1 FROM report_index WHERE owner = ?1 AND kind = ?2 AND first = ?3 AND live = 1
                   AND submitted_at IS NOT NULL",
                p![user, kind, first],
                |_| Ok(()),
            )?
            .is_some())
    }

    /// Records that comment `comment` of report `report` by `by` names `user` (once).
    pub fn insert_mention(&self, report: &str, comment: &str, user: &str, by: &str, at: i64) -> Result<bool> {
        Ok(self.exec(
            "INSERT INTO mentions (report_id, comment_id, user_id, by_id, at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
            p![report, comment, user, by, at],
        )? > 0)
    }

    /// Where `user` was named since `since`, newest first.
    pub fn mentions_of(&self, user: &str, since: i64) -> Result<Vec<MentionRow>> {
        self.all(
            "SELECT report_id, comment_id, by_id, at FROM mentions WHERE user_id = ?1 AND at >= ?2 ORDER BY at DESC",
            p![user, since],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.int(3)?)),
        )
    }
}
