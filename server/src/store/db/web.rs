//! What the web dashboard stores: one-time sign-in links and sessions (as hashes), read receipts,
//! and the inbox query.

use super::Db;
use crate::error::Result;
use crate::model::InboxItem;
use crate::p;
use crate::store::ConnExt;

/// A sign-in link: (user, expires at, used at).
pub type LinkRow = (String, i64, Option<i64>);

/// A session: (user, CSRF token, expires at).
pub type SessionRow = (String, String, i64);

impl Db<'_> {
    pub fn insert_login_link(&self, hash: &str, user: &str, expires_at: i64) -> Result<()> {
        self.exec(
            "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
            p![hash, user, expires_at],
        )?;
        Ok(())
    }

    pub fn login_link(&self, hash: &str) -> Result<Option<LinkRow>> {
        Ok(self.opt("SELECT user_id, expires_at, used_at FROM login_links WHERE token_hash = ?1", p![hash], |r| {
            Ok((r.text(0)?, r.int(1)?, r.opt_int(2)?))
        })?)
    }

    pub fn use_login_link(&self, hash: &str, now: i64) -> Result<()> {
        self.exec("UPDATE login_links SET used_at = ?2 WHERE token_hash = ?1", p![hash, now])?;
        Ok(())
    }

    pub fn insert_session(&self, hash: &str, user: &str, csrf: &str, now: i64, expires_at: i64) -> Result<()> {
        self.exec(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            p![hash, user, csrf, now, expires_at],
        )?;
        Ok(())
    }

    pub fn session(&self, hash: &str) -> Result<Option<SessionRow>> {
        Ok(self.opt("SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = ?1", p![hash], |r| {
            Ok((r.text(0)?, r.text(1)?, r.int(2)?))
        })?)
    }

    pub fn delete_session(&self, hash: &str) -> Result<()> {
        self.exec("DELETE FROM sessions WHERE token_hash = ?1", p![hash])?;
        Ok(())
    }

    /// Reports addressed to `user` (and their own), submitted, newest first, with read state.
    pub fn inbox(&self, user: &str, limit: usize) -> Result<Vec<InboxItem>> {
        Ok(self.all(
            &format!(
                "SELECT r.id, r.owner, u.name, r.kind, r.first, r.last, r.submitted_at, rr.read_at
                 FROM report_index r JOIN users u ON u.id = r.owner
                 LEFT JOIN report_reads rr ON rr.report_id = r.id AND rr.user_id = ?1
                 WHERE r.live = 1 AND r.submitted_at IS NOT NULL
                   AND (r.id IN (SELECT doc_id FROM recipients WHERE user_id = ?1) OR r.owner = ?1)
                 ORDER BY r.submitted_at DESC LIMIT {limit}"
            ),
            p![user],
            |r| {
                Ok(InboxItem {
                    id: r.text(0)?,
                    owner: r.text(1)?,
                    owner_name: r.text(2)?,
                    kind: r.text(3)?,
                    first: r.text(4)?,
                    last: r.text(5)?,
                    submitted_at: r.opt_int(6)?,
                    read_at: r.opt_int(7)?,
                })
            },
        )?)
    }

    /// Whether `user` has read report `id`.
    pub fn has_read(&self, id: &str, user: &str) -> Result<bool> {
        Ok(self
            .opt("SELECT 1 FROM report_reads WHERE report_id = ?1 AND user_id = ?2", p![id, user], |_| Ok(()))?
            .is_some())
    }

    /// Who has read report `id`.
    pub fn readers_of(&self, id: &str) -> Result<Vec<String>> {
        Ok(self.all("SELECT user_id FROM report_reads WHERE report_id = ?1 ORDER BY user_id", p![id], |r| r.text(0))?)
    }

    /// Records that `user` read report `id` (once); returns whether it is new.
    pub fn insert_read(&self, id: &str, user: &str, now: i64) -> Result<bool> {
        Ok(self.exec(
            "INSERT INTO report_reads (report_id, user_id, read_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            p![id, user, now],
        )? > 0)
    }

    /// Who read the reports of `owner`: (report id, reader, when).
    pub fn reads_of(&self, owner: &str) -> Result<Vec<(String, String, i64)>> {
        Ok(self.all(
            "SELECT rr.report_id, rr.user_id, rr.read_at FROM report_reads rr JOIN report_index r ON r.id = rr.report_id
             WHERE r.owner = ?1 ORDER BY rr.read_at",
            p![owner],
            |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)),
        )?)
    }
}
