//! The device side of sync bookkeeping: the enrolled server, the feed cursor, what to push, and
//! committing one page of a sync atomically (data, acknowledgements and cursor together).

use std::collections::HashMap;

use automerge::{ActorId, ChangeHash};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::documents::{self, decode_heads, encode_heads, Merged};
use super::Store;
use crate::api::Enrollment;
use crate::codes::{RefusalCode, RefusalReason, Role};
use crate::doc::Kind;
use crate::error::{Error, Result};
use crate::period::{parse_tz, parse_weekday};
use crate::sync::wire::{Push, PushResult, SyncResponse};

/// The longest a sync holds the database while it commits a page, before it commits what it
/// merged so far and lets the app's writes in ([`Store::commit_sync_page`]).
const HOLD: std::time::Duration = std::time::Duration::from_millis(4);
/// The pause between two pieces of a page: a write waiting for the lock (polling every 0.1 ms,
/// `schema::busy`) takes it meanwhile.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(1);

/// Where this device syncs and how far it has read the server's change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncState {
    pub server_url: String,
    pub device_id: String,
    #[serde(skip)]
    pub token: String,
    pub role: Role,
    pub cursor: u64,
    pub last_sync_at: Option<i64>,
}

/// Why a document is set aside on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aside {
    /// What the server sent could not be applied here: it is asked for whole at the next sync.
    Apply,
    /// The server cannot serve it now (its copy is damaged); it comes once healed.
    Server,
}

impl Aside {
    /// The word stored (`set_aside.source`) and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Aside::Apply => "apply",
            Aside::Server => "server",
        }
    }
}

/// What committing one page did besides moving the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageOutcome {
    /// The pushed documents the server refused.
    pub rejected: Vec<Rejection>,
    /// The pulled documents that could not be applied (set aside, asked for whole next time).
    pub set_aside: Vec<String>,
}

/// A document the server refused, with its reason (in JSON the text `code: message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub id: String,
    pub reason: RefusalReason,
}

impl Store {
    /// The actor id this device authors changes with: the existing identity's, or for a device
    /// that has none yet the one it presents at enrollment — new at the first attempt, then kept,
    /// so that a retried enrollment is recognised as this device's.
    pub fn actor_for_enrollment(&mut self) -> Result<String> {
        match self.identity() {
            Ok(id) => Ok(id.actor),
            Err(Error::NotInitialized) => {
                let kept: Option<String> = self
                    .conn
                    .query_row("SELECT actor FROM pending_enrollment WHERE id = 1", [], |r| r.get(0))
                    .optional()?;
                if let Some(actor) = kept {
                    return Ok(actor);
                }
                let actor = ActorId::random().to_hex_string();
                self.conn.execute("INSERT INTO pending_enrollment (id, actor) VALUES (1, ?1)", [&actor])?;
                Ok(actor)
            }
            Err(e) => Err(e),
        }
    }

    /// Records a successful enrollment: creates the identity (with `actor`) when the device has
    /// none, or checks that the existing one is the same user and actor.
    pub fn complete_enrollment(&mut self, server_url: &str, actor: &str, e: &Enrollment) -> Result<()> {
        let tz = parse_tz(&e.tz)?.name().to_string();
        parse_weekday(&e.week_start)?;
        let now = self.now_ms();
        let actor_bytes = ActorId::try_from(actor).map_err(|_| Error::bad_input("the actor id is not hex"))?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(String, Vec<u8>)> = tx
            .query_row("SELECT user_id, actor FROM device WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match existing {
            Some((user, a)) => {
                if user != e.user_id || a != actor_bytes.to_bytes() {
                    return Err(Error::bad_input(format!(
                        "this device belongs to user {user}, but the code enrolls user {}; use a new database for that user",
                        e.user_id
                    )));
                }
                tx.execute(
                    "UPDATE device SET team_id = ?1, tz = ?2, week_start = ?3 WHERE id = 1",
                    params![e.team_id, tz, e.week_start],
                )?;
            }
            None => {
                tx.execute(
                    "INSERT INTO device (id, user_id, team_id, tz, week_start, actor, created_at)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                    params![e.user_id, e.team_id, tz, e.week_start, actor_bytes.to_bytes(), now],
                )?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO sync_state (id, server_url, device_id, token, role, cursor, enrolled_at)
             VALUES (1, ?1, ?2, ?3, ?4, 0, ?5)",
            params![server_url.trim_end_matches('/'), e.device_id, e.token, e.role.as_str(), now],
        )?;
        tx.commit()?;
        self.identity = None;
        Ok(())
    }

    /// The sync state; a clear error before enrollment.
    pub fn sync_state(&self) -> Result<SyncState> {
        self.conn
            .query_row(
                "SELECT server_url, device_id, token, role, cursor, last_sync_at FROM sync_state WHERE id = 1",
                [],
                |r| {
                    Ok(SyncState {
                        server_url: r.get(0)?,
                        device_id: r.get(1)?,
                        token: r.get(2)?,
                        role: Role::from_stored(&r.get::<_, String>(3)?),
                        cursor: r.get::<_, i64>(4)? as u64,
                        last_sync_at: r.get(5)?,
                    })
                },
            )
            .optional()?
            .ok_or(Error::NotEnrolled)
    }

    /// Every document holding changes the server has not acknowledged, except those the server
    /// refused and that have not changed since, with the changes to send.
    pub fn pending_pushes(&self) -> Result<Vec<Push>> {
        let mut st = self.conn.prepare(
            "SELECT id, kind, heads, acked_heads FROM documents
             WHERE pending = 1 AND (rejected_heads IS NULL OR rejected_heads != heads) ORDER BY id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, kind, heads, acked) in rows {
            // A document damaged on this device is left out (`doctor` names it): the others sync.
            let Some(kind) = Kind::parse(&kind) else { continue };
            let acked = acked.as_deref().map(decode_heads).unwrap_or_default();
            let changes = match self.changes_since(&id, &acked) {
                Ok(c) => c,
                Err(Error::Corrupt { .. }) => continue,
                Err(e) => return Err(e),
            };
            out.push(Push { id, kind, heads: decode_heads(&heads), changes });
        }
        Ok(out)
    }

    /// The documents this device set aside and asks the server for whole.
    pub fn wanted_documents(&self) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached("SELECT id FROM set_aside WHERE source = 'apply' ORDER BY id")?;
        let ids = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Server documents this device set aside: (id, `apply` or `server`, reason).
    pub fn set_aside_documents(&self) -> Result<Vec<(String, Aside, String)>> {
        let mut st = self.conn.prepare("SELECT id, source, reason FROM set_aside ORDER BY id")?;
        let rows = st
            .query_map([], |r| {
                let source = if r.get::<_, String>(1)? == Aside::Apply.as_str() { Aside::Apply } else { Aside::Server };
                Ok((r.get(0)?, source, r.get(2)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Commits one sync page: merges the pulled documents (a document whose bytes cannot be
    /// applied is set aside and asked for whole next time; the others go on), records the
    /// server's verdicts on `pushed` documents, marks the documents the server asks for whole,
    /// and moves the cursor. The documents are committed in pieces of at most [`HOLD`] of work,
    /// with a pause between them, so that the app's own writes never wait long for a page; the
    /// cursor moves in the last piece, so a page cut short (a crash) is pulled again, and merging
    /// what was already merged changes nothing. Once this returns all of it is durable.
    pub fn commit_sync_page(&mut self, pushed: &[Push], page: &SyncResponse) -> Result<PageOutcome> {
        let now = self.now_ms();
        let sent: HashMap<&str, &Vec<ChangeHash>> = pushed.iter().map(|p| (p.id.as_str(), &p.heads)).collect();
        let mut tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut piece = std::time::Instant::now();
        let mut rejected = Vec::new();
        let mut set_aside = Vec::new();
        for r in &page.results {
            match r {
                PushResult::Accepted { id, .. } => {
                    let Some(heads) = sent.get(id.as_str()) else { continue };
                    let acked = encode_heads(heads);
                    tx.execute(
                        "UPDATE documents SET acked_heads = ?2, rejected_reason = NULL, rejected_heads = NULL,
                             pending = CASE WHEN heads = ?2 THEN 0 ELSE pending END
                         WHERE id = ?1",
                        params![id, acked],
                    )?;
                }
                PushResult::Rejected { id, reason } if reason.code == RefusalCode::MissingDependencies => {
                    // The server lacks what these changes build on (its copy is older than this
                    // device thinks): the whole document goes at the next push, not a refusal.
                    tx.execute(
                        "UPDATE documents SET acked_heads = NULL, pending = 1, rejected_reason = NULL, rejected_heads = NULL
                         WHERE id = ?1",
                        [id],
                    )?;
                }
                PushResult::Rejected { id, reason } => {
                    let Some(heads) = sent.get(id.as_str()) else { continue };
                    tx.execute(
                        "UPDATE documents SET rejected_reason = ?2, rejected_heads = ?3 WHERE id = ?1",
                        params![id, reason.to_string(), encode_heads(heads)],
                    )?;
                    rejected.push(Rejection { id: id.clone(), reason: reason.clone() });
                }
            }
        }
        for p in &page.docs {
            if piece.elapsed() > HOLD {
                // What is merged so far is durable; the app's writes waiting for the lock go now.
                tx.commit()?;
                std::thread::sleep(PAUSE);
                tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                piece = std::time::Instant::now();
            }
            if !p.changes.is_empty() {
                match documents::merge(&tx, &p.id, &p.changes, now)? {
                    Merged::Applied(_) => {
                        tx.execute("DELETE FROM set_aside WHERE id = ?1", [&p.id])?;
                    }
                    Merged::SetAside(reason) => {
                        tx.execute(
                            "INSERT INTO set_aside (id, source, reason, at) VALUES (?1, 'apply', ?2, ?3)
                             ON CONFLICT(id) DO UPDATE SET source = 'apply', reason = excluded.reason, at = excluded.at",
                            params![p.id, reason, now],
                        )?;
                        set_aside.push(p.id.clone());
                        continue;
                    }
                }
            }
            // The server holds at least these heads: acknowledge them, so only local changes
            // made after them are pushed.
            let acked = encode_heads(&p.heads);
            tx.execute(
                "UPDATE documents SET acked_heads = ?2, pending = CASE WHEN heads = ?2 THEN 0 ELSE pending END
                 WHERE id = ?1",
                params![p.id, acked],
            )?;
        }
        for id in &page.unavailable {
            tx.execute(
                "INSERT INTO set_aside (id, source, reason, at) VALUES (?1, 'server', ?2, ?3) ON CONFLICT(id) DO NOTHING",
                params![id, "the server's copy is damaged and set aside; it comes once healed", now],
            )?;
        }
        for id in &page.resend {
            // Sent whole at the next push: the server's copy of it is damaged.
            tx.execute(
                "UPDATE documents SET acked_heads = NULL, pending = 1, rejected_reason = NULL, rejected_heads = NULL
                 WHERE id = ?1",
                [id],
            )?;
        }
        tx.execute(
            "UPDATE sync_state SET cursor = ?1, last_sync_at = ?2 WHERE id = 1",
            params![page.cursor as i64, now],
        )?;
        tx.commit()?;
        Ok(PageOutcome { rejected, set_aside })
    }

    /// Documents the server refused, with the reason (kept locally, not resent until changed).
    pub fn rejected_documents(&self) -> Result<Vec<Rejection>> {
        let mut st = self
            .conn
            .prepare("SELECT id, rejected_reason FROM documents WHERE rejected_reason IS NOT NULL ORDER BY id")?;
        let rows = st
            .query_map([], |r| Ok(Rejection { id: r.get(0)?, reason: RefusalReason::parse(&r.get::<_, String>(1)?) }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
