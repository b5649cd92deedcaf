//! What the web dashboard stores: one-time sign-in links, sessions, read receipts; and a
//! comment written from the web, merged into the report document like a device's.

use fieldreport_core::doc::{Comment, Doc, Record, Report};
use rusqlite::{params, Connection, OptionalExtension};

use super::cache::DocCache;
use super::config::Active;
use super::{now_ms, rollups, user_by_id};
use crate::error::{Result, ServerError};
use crate::secrets;
use crate::storage::{InboxItem, User, WebSession};

/// A sign-in link is good for one use within this time.
pub(crate) const LINK_TTL_MS: i64 = 15 * 60_000;
/// A session lasts this long.
pub(crate) const SESSION_TTL_MS: i64 = 12 * 3_600_000;

pub(super) fn login_link(conn: &Connection, user_id: &str) -> Result<String> {
    user_by_id(conn, user_id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {user_id}")))?;
    let token = secrets::new_token()?;
    conn.execute(
        "INSERT INTO login_links (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![secrets::hash(&token), user_id, now_ms() + LINK_TTL_MS],
    )?;
    Ok(token)
}

/// Redeems a sign-in link for a new session: (session token, CSRF token).
pub(super) fn open_session(conn: &Connection, link: &str) -> Result<(String, String)> {
    let now = now_ms();
    let row: Option<(String, i64, Option<i64>)> = conn
        .query_row(
            "SELECT user_id, expires_at, used_at FROM login_links WHERE token_hash = ?1",
            [secrets::hash(link)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let user = match row {
        Some((u, exp, None)) if exp > now => u,
        Some((_, _, Some(_))) => return Err(ServerError::Forbidden("this sign-in link was already used".into())),
        Some(_) => return Err(ServerError::Forbidden("this sign-in link has expired; ask for a new one".into())),
        None => return Err(ServerError::Forbidden("unknown sign-in link".into())),
    };
    conn.execute("UPDATE login_links SET used_at = ?2 WHERE token_hash = ?1", params![secrets::hash(link), now])?;
    let (session, csrf) = (secrets::new_token()?, secrets::new_token()?);
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![secrets::hash(&session), user, csrf, now, now + SESSION_TTL_MS],
    )?;
    Ok((session, csrf))
}

pub(super) fn session(conn: &Connection, token: &str) -> Result<WebSession> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = ?1",
            [secrets::hash(token)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        Some((user, csrf, exp)) if exp > now_ms() => {
            let user = user_by_id(conn, &user)?.ok_or(ServerError::BadToken)?;
            Ok(WebSession { user, csrf })
        }
        _ => Err(ServerError::BadToken),
    }
}

pub(super) fn end_session(conn: &Connection, token: &str) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [secrets::hash(token)])?;
    Ok(())
}

/// Reports addressed to `user` (and, for a rep, their own), newest first, with read state.
pub(super) fn inbox(conn: &Connection, user: &User) -> Result<Vec<InboxItem>> {
    let mut st = conn.prepare_cached(
        "SELECT r.id, r.owner, u.name, r.kind, r.first, r.last, r.submitted_at, rr.read_at
         FROM report_index r JOIN users u ON u.id = r.owner
         LEFT JOIN report_reads rr ON rr.report_id = r.id AND rr.user_id = ?1
         WHERE r.live = 1 AND r.submitted_at IS NOT NULL
           AND (r.id IN (SELECT doc_id FROM recipients WHERE user_id = ?1) OR r.owner = ?1)
         ORDER BY r.submitted_at DESC LIMIT 200",
    )?;
    let rows = st
        .query_map([&user.id], |r| {
            Ok(InboxItem {
                id: r.get(0)?,
                owner: r.get(1)?,
                owner_name: r.get(2)?,
                kind: r.get(3)?,
                first: r.get(4)?,
                last: r.get(5)?,
                submitted_at: r.get(6)?,
                read_at: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn load_report(conn: &Connection, id: &str) -> Result<(Doc, Report)> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT bytes FROM docs WHERE id = ?1 AND kind = 'report'")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    let bytes = bytes.ok_or_else(|| ServerError::NotFound(format!("no report {id}")))?;
    let doc = Doc::load_trusted(&bytes).map_err(|e| ServerError::Internal(format!("stored report {id}: {e}")))?;
    let report = Report::read(&doc).map_err(|e| ServerError::Internal(format!("stored report {id}: {e}")))?;
    Ok((doc, report))
}

/// Whether `user` may open report `r`: its author, a recipient, or an admin.
fn may_read(user: &User, r: &Report) -> bool {
    user.role == "admin" || r.header.owner == user.id || r.to.contains(&user.id) || r.cc.contains(&user.id)
}

/// Report `id` if `user` may read it, and whether it is a recipient's first reading (which
/// [`record_read`] then records). Runs on a reader: the document is loaded outside the writer.
pub(super) fn readable_report(conn: &Connection, user: &User, id: &str) -> Result<(Report, bool)> {
    let (_, report) = load_report(conn, id)?;
    if !may_read(user, &report) {
        return Err(ServerError::Forbidden(format!("report {id} is not addressed to you")));
    }
    let first = report.header.owner != user.id
        && conn
            .prepare_cached("SELECT 1 FROM report_reads WHERE report_id = ?1 AND user_id = ?2")?
            .query_row(params![id, user.id], |_| Ok(()))
            .optional()?
            .is_none();
    Ok((report, first))
}

/// Records that `reader` read report `id` of `owner` (once).
pub(super) fn record_read(conn: &Connection, id: &str, reader: &str, owner: &str) -> Result<()> {
    let n = conn
        .prepare_cached("INSERT OR IGNORE INTO report_reads (report_id, user_id, read_at) VALUES (?1, ?2, ?3)")?
        .execute(params![id, reader, now_ms()])?;
    if n > 0 {
        // The author's next snapshot carries the receipt.
        conn.prepare_cached("UPDATE published_snapshots SET data_seq = -1 WHERE user_id = ?1")?.execute([owner])?;
    }
    Ok(())
}

/// Who read the reports of `owner`, for their snapshot: (report id, reader, when).
pub(super) fn reads_of(conn: &Connection, owner: &str) -> Result<Vec<(String, String, i64)>> {
    let mut st = conn.prepare_cached(
        "SELECT rr.report_id, rr.user_id, rr.read_at FROM report_reads rr JOIN report_index r ON r.id = rr.report_id
         WHERE r.owner = ?1 ORDER BY rr.read_at",
    )?;
    let rows = st.query_map([owner], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Adds `user`'s comment to report `id` as a change to its document (authored by the server's
/// actor on the user's behalf), at the next feed position, so the author's devices receive it.
pub(super) fn comment(
    conn: &Connection,
    cache: &DocCache,
    active: &Active,
    user: &User,
    id: &str,
    text: &str,
) -> Result<Report> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > fieldreport_core::doc::MAX_SHORT {
        return Err(ServerError::BadRequest("a comment needs text (at most 2,000 characters)".into()));
    }
    let (mut doc, before) = load_report(conn, id)?;
    if !may_read(user, &before) {
        return Err(ServerError::Forbidden(format!("report {id} is not addressed to you")));
    }
    let now = now_ms();
    let c = Comment { id: uuid::Uuid::now_v7().to_string(), author: user.id.clone(), at: now, text: text.to_string() };
    doc.set_actor(&super::publish::actor(&before.header.team));
    Report::add_comment(&mut doc, &c).map_err(|e| ServerError::Internal(e.to_string()))?;
    doc.commit(now);
    // Written, then checked: an invalid result fails the job, whose savepoint rolls the write back.
    let after = super::pushes::write_server_change(conn, cache, doc, now)?;
    after.validate().map_err(|e| ServerError::BadRequest(format!("the comment makes an invalid report: {e}")))?;
    rollups::index_change(conn, &active.defs, &active.cal, Some(&Record::Report(Box::new(before))), &after)?;
    match after {
        Record::Report(r) => Ok(*r),
        _ => Err(ServerError::Internal("a report read back as another kind".into())),
    }
}
