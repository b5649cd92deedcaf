//! What the web dashboard stores: one-time sign-in links and sessions (as hashes), read receipts,
//! and the inbox query.

use super::Db;
use crate::model::{InboxFilter, InboxItem, RecipientRead, SessionInfo};
use crate::p;
use crate::store::StoreResult as Result;
use crate::store::{ConnExt, Param, Row, StoreError};

/// A sign-in link: (user, expires at, used at).
pub type LinkRow = (String, i64, Option<i64>);

/// A session: (user, CSRF token, expires at).
pub type SessionRow = (String, String, i64);

/// A session to store.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub id: &'a str,
    pub user: &'a str,
    pub csrf: &'a str,
    pub via: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

/// A sign-in code's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLogin {
    pub code_hash: String,
    pub expires_at: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub used_at: Option<i64>,
}

fn session_info(r: &dyn Row) -> std::result::Result<SessionInfo, StoreError> {
    Ok(SessionInfo {
        id: r.text(0)?,
        user_id: r.text(1)?,
        via: r.text(2)?,
        created_at: r.int(3)?,
        expires_at: r.int(4)?,
    })
}

fn web_login(r: &dyn Row) -> std::result::Result<WebLogin, StoreError> {
    Ok(WebLogin {
        code_hash: r.text(0)?,
        expires_at: r.int(1)?,
        approved_by: r.opt_text(2)?,
        approved_at: r.opt_int(3)?,
        used_at: r.opt_int(4)?,
    })
}

impl Db<'_> {
    pub fn insert_login_link(&self, hash: &str, user: &str, expires_at: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
            p![hash, user, expires_at],
        )?;
        Ok(())
    }

    pub fn login_link(&self, hash: &str) -> Result<Option<LinkRow>> {
        self.opt("SELECT user_id, expires_at, used_at FROM login_links WHERE token_hash = ?1", p![hash], |r| {
            Ok((r.text(0)?, r.int(1)?, r.opt_int(2)?))
        })
    }

    pub fn use_login_link(&self, hash: &str, now: i64) -> Result<()> {
        self.exec_later("UPDATE login_links SET used_at = ?2 WHERE token_hash = ?1", p![hash, now])?;
        Ok(())
    }

    /// A new session, begun `via` a sign-in link (`link`) or a phone (`phone`); its public id is
    /// `id`.
    pub fn insert_session(&self, s: &NewSession<'_>) -> Result<()> {
        self.exec_later(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, id, via)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            p![s.token_hash, s.user, s.csrf, s.now, s.expires_at, s.id, s.via],
        )?;
        Ok(())
    }

    /// `user`'s sessions not yet expired at `now`, newest first.
    pub fn sessions_of(&self, user: &str, now: i64) -> Result<Vec<SessionInfo>> {
        self.all(
            "SELECT id, user_id, via, created_at, expires_at FROM sessions
             WHERE user_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC",
            p![user, now],
            session_info,
        )
    }

    /// Ends the session whose public id is `id`.
    pub fn delete_session_by_id(&self, id: &str) -> Result<Option<SessionInfo>> {
        let found = self.opt(
            "SELECT id, user_id, via, created_at, expires_at FROM sessions WHERE id = ?1",
            p![id],
            session_info,
        )?;
        if found.is_some() {
            self.exec_later("DELETE FROM sessions WHERE id = ?1", p![id])?;
        }
        Ok(found)
    }

    /// Ends everything that signs `user` in: their web sessions, unused sign-in links, sign-in
    /// codes their phone approved and no browser used yet, and unused enrollment codes; returns
    /// how many sessions ended. (A member deactivated.)
    pub fn end_sign_ins_of(&self, user: &str) -> Result<u64> {
        let sessions = self.exec("DELETE FROM sessions WHERE user_id = ?1", p![user])?;
        self.exec_later("DELETE FROM login_links WHERE user_id = ?1 AND used_at IS NULL", p![user])?;
        self.exec_later("DELETE FROM web_login_codes WHERE approved_by = ?1 AND used_at IS NULL", p![user])?;
        self.exec_later("DELETE FROM enroll_codes WHERE user_id = ?1 AND used_at IS NULL", p![user])?;
        Ok(sessions)
    }

    /// Forgets sessions and sign-in codes that ended before `before`.
    pub fn purge_expired_sign_ins(&self, before: i64) -> Result<()> {
        self.exec_later("DELETE FROM sessions WHERE expires_at < ?1", p![before])?;
        self.exec_later("DELETE FROM web_login_codes WHERE expires_at < ?1", p![before])?;
        Ok(())
    }

    /// A sign-in code a browser shows, and the hash of that browser's secret.
    pub fn insert_web_login(&self, code_hash: &str, browser_hash: &str, now: i64, expires_at: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO web_login_codes (code_hash, browser_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            p![code_hash, browser_hash, now, expires_at],
        )?;
        Ok(())
    }

    /// The sign-in code of a browser, by the hash of its secret.
    pub fn web_login_of_browser(&self, browser_hash: &str) -> Result<Option<WebLogin>> {
        self.opt(
            "SELECT code_hash, expires_at, approved_by, approved_at, used_at FROM web_login_codes WHERE browser_hash = ?1",
            p![browser_hash],
            web_login,
        )
    }

    /// A sign-in code by its hash.
    pub fn web_login_of_code(&self, code_hash: &str) -> Result<Option<WebLogin>> {
        self.opt(
            "SELECT code_hash, expires_at, approved_by, approved_at, used_at FROM web_login_codes WHERE code_hash = ?1",
            p![code_hash],
            web_login,
        )
    }

    /// Marks a code approved by `user` on `device` (only if nobody approved it yet); whether it was.
    pub fn approve_web_login(&self, code_hash: &str, user: &str, device: &str, now: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE web_login_codes SET approved_by = ?2, device_id = ?3, approved_at = ?4
             WHERE code_hash = ?1 AND approved_by IS NULL",
            p![code_hash, user, device, now],
        )? == 1)
    }

    /// Marks a code used (only once); whether it was this call that used it.
    pub fn use_web_login(&self, code_hash: &str, now: i64) -> Result<bool> {
        Ok(self.exec(
            "UPDATE web_login_codes SET used_at = ?2 WHERE code_hash = ?1 AND used_at IS NULL",
            p![code_hash, now],
        )? == 1)
    }

    pub fn session(&self, hash: &str) -> Result<Option<SessionRow>> {
        self.opt("SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = ?1", p![hash], |r| {
            Ok((r.text(0)?, r.text(1)?, r.int(2)?))
        })
    }

    pub fn delete_session(&self, hash: &str) -> Result<()> {
        self.exec_later("DELETE FROM sessions WHERE token_hash = ?1", p![hash])?;
        Ok(())
    }

    /// Reports addressed to `user` (and their own), submitted, newest first, with read state,
    /// matching `f`; at most `limit`.
    pub fn inbox(&self, user: &str, f: &InboxFilter, limit: usize) -> Result<Vec<InboxItem>> {
        let mut sql = String::from(
            "SELECT r.id, r.owner, u.name, r.kind, r.first, r.last, r.submitted_at, rr.read_at, r.comments
             FROM report_index r JOIN users u ON u.id = r.owner
             LEFT JOIN report_reads rr ON rr.report_id = r.id AND rr.user_id = ?1
             WHERE r.live = 1 AND r.submitted_at IS NOT NULL
               AND (r.id IN (SELECT doc_id FROM recipients WHERE user_id = ?1) OR r.owner = ?1)",
        );
        let mut args: Vec<Param> = vec![user.into()];
        for (cond, value) in
            [("r.owner = ", &f.member), ("r.kind = ", &f.kind), ("r.last >= ", &f.from), ("r.first <= ", &f.to)]
        {
            if let Some(v) = value {
                args.push(v.into());
                sql.push_str(&format!(" AND {cond}?{}", args.len()));
            }
        }
        if f.unread {
            sql.push_str(" AND rr.read_at IS NULL AND r.owner <> ?1");
        }
        match f.own {
            Some(true) => sql.push_str(" AND r.owner = ?1"),
            Some(false) => sql.push_str(" AND r.owner <> ?1"),
            None => {}
        }
        sql.push_str(&format!(" ORDER BY r.submitted_at DESC LIMIT {limit}"));
        let mut items = self.all(&sql, &args, |r| {
            Ok(InboxItem {
                id: r.text(0)?,
                owner: r.text(1)?,
                owner_name: r.text(2)?,
                kind: r.text(3)?,
                first: r.text(4)?,
                last: r.text(5)?,
                submitted_at: r.opt_int(6)?,
                read_at: r.opt_int(7)?,
                comments: r.int(8)?,
                recipients: Vec::new(),
            })
        })?;
        for i in items.iter_mut().filter(|i| i.owner == user) {
            i.recipients = self.all(
                "SELECT r.user_id, COALESCE(u.name, r.user_id), rr.read_at FROM recipients r
                 LEFT JOIN users u ON u.id = r.user_id
                 LEFT JOIN report_reads rr ON rr.report_id = r.doc_id AND rr.user_id = r.user_id
                 WHERE r.doc_id = ?1 ORDER BY r.user_id",
                p![&i.id],
                |r| Ok(RecipientRead { user_id: r.text(0)?, name: r.text(1)?, read_at: r.opt_int(2)? }),
            )?;
        }
        Ok(items)
    }

    /// Whether `user` has read report `id`.
    pub fn has_read(&self, id: &str, user: &str) -> Result<bool> {
        Ok(self
            .opt("SELECT 1 FROM report_reads WHERE report_id = ?1 AND user_id = ?2", p![id, user], |_| Ok(()))?
            .is_some())
    }

    /// Who has read report `id`.
    pub fn readers_of(&self, id: &str) -> Result<Vec<String>> {
        self.all("SELECT user_id FROM report_reads WHERE report_id = ?1 ORDER BY user_id", p![id], |r| r.text(0))
    }

    /// Who has read report `id`, and when.
    pub fn reads_of_report(&self, id: &str) -> Result<Vec<(String, i64)>> {
        self.all("SELECT user_id, read_at FROM report_reads WHERE report_id = ?1 ORDER BY read_at", p![id], |r| {
            Ok((r.text(0)?, r.int(1)?))
        })
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
        self.all(
            "SELECT rr.report_id, rr.user_id, rr.read_at FROM report_reads rr JOIN report_index r ON r.id = rr.report_id
             WHERE r.owner = ?1 ORDER BY rr.read_at",
            p![owner],
            |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)),
        )
    }
}
