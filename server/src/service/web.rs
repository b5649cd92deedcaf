//! What the web dashboard does: one-time sign-in links, sessions, read receipts; and a comment
//! written from the web, merged into the report document like a device's.

use fieldreport_core::doc::{Comment, Doc, Record, Report};

use super::cache::DocCache;
use super::config::Active;
use super::{publish, rollups};
use crate::error::{Result, ServerError};
use crate::model::{User, WebSession};
use crate::now_ms;
use crate::policy::visibility::may_read_report;
use crate::secrets;
use crate::store::Db;

/// A sign-in link is good for one use within this time.
pub(crate) const LINK_TTL_MS: i64 = 15 * 60_000;
/// A session lasts this long.
pub(crate) const SESSION_TTL_MS: i64 = 12 * 3_600_000;

pub(super) fn login_link(db: &Db, user_id: &str) -> Result<String> {
    db.user(user_id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {user_id}")))?;
    let token = secrets::new_token()?;
    db.insert_login_link(&secrets::hash(&token), user_id, now_ms() + LINK_TTL_MS)?;
    Ok(token)
}

/// Redeems a sign-in link for a new session: (session token, CSRF token).
pub(super) fn open_session(db: &Db, link: &str) -> Result<(String, String)> {
    let now = now_ms();
    let hash = secrets::hash(link);
    let user = match db.login_link(&hash)? {
        Some((u, exp, None)) if exp > now => u,
        Some((_, _, Some(_))) => return Err(ServerError::Forbidden("this sign-in link was already used".into())),
        Some(_) => return Err(ServerError::Forbidden("this sign-in link has expired; ask for a new one".into())),
        None => return Err(ServerError::Forbidden("unknown sign-in link".into())),
    };
    db.use_login_link(&hash, now)?;
    let (session, csrf) = (secrets::new_token()?, secrets::new_token()?);
    db.insert_session(&secrets::hash(&session), &user, &csrf, now, now + SESSION_TTL_MS)?;
    Ok((session, csrf))
}

pub(super) fn session(db: &Db, token: &str) -> Result<WebSession> {
    match db.session(&secrets::hash(token))? {
        Some((user, csrf, exp)) if exp > now_ms() => {
            let user = db.user(&user)?.ok_or(ServerError::BadToken)?;
            Ok(WebSession { user, csrf })
        }
        _ => Err(ServerError::BadToken),
    }
}

fn load_report(db: &Db, id: &str) -> Result<(Doc, Report)> {
    let not_found = || ServerError::NotFound(format!("no report {id}"));
    let row = db.doc(id)?.filter(|r| r.kind == "report").ok_or_else(not_found)?;
    let doc = Doc::load_trusted(&row.bytes)
        .map_err(|e| ServerError::Unavailable(format!("report {id} is damaged and set aside ({e})")))?;
    let report = Report::read(&doc)
        .map_err(|e| ServerError::Unavailable(format!("report {id} is damaged and set aside ({e})")))?;
    Ok((doc, report))
}

/// The report `id` if `user` may read it (else, as for one that does not exist, not found).
fn readable(db: &Db, user: &User, id: &str) -> Result<(Doc, Report)> {
    let (doc, report) = load_report(db, id)?;
    let recipients: Vec<String> = report.to.iter().chain(&report.cc).cloned().collect();
    if !may_read_report(user, &report.header.owner, &recipients) {
        return Err(ServerError::NotFound(format!("no report {id}")));
    }
    Ok((doc, report))
}

/// Report `id` if `user` may read it, and whether it is a recipient's first reading (which
/// [`record_read`] then records). Runs on a reader: the document is loaded outside the writer.
pub(super) fn readable_report(db: &Db, user: &User, id: &str) -> Result<(Report, bool)> {
    let (_, report) = readable(db, user, id)?;
    let first = report.header.owner != user.id && !db.has_read(id, &user.id)?;
    Ok((report, first))
}

/// Records that `reader` read report `id` of `owner` (once).
pub(super) fn record_read(db: &Db, id: &str, reader: &str, owner: &str) -> Result<()> {
    if db.insert_read(id, reader, now_ms())? {
        // The author's next snapshot carries the receipt.
        db.mark_snapshot_stale(owner)?;
    }
    Ok(())
}

/// Adds `user`'s comment to report `id` as a change to its document (authored by the server's
/// actor on the user's behalf), at the next feed position, so the author's devices receive it.
pub(super) fn comment(db: &Db, cache: &DocCache, active: &Active, user: &User, id: &str, text: &str) -> Result<Report> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > fieldreport_core::doc::MAX_SHORT {
        return Err(ServerError::BadRequest("a comment needs text (at most 2,000 characters)".into()));
    }
    let (mut doc, before) = readable(db, user, id)?;
    let now = now_ms();
    let c = Comment { id: uuid::Uuid::now_v7().to_string(), author: user.id.clone(), at: now, text: text.to_string() };
    doc.set_actor(&publish::actor(&before.header.team));
    Report::add_comment(&mut doc, &c).map_err(|e| ServerError::Internal(e.to_string()))?;
    doc.commit(now);
    // Written, then checked: an invalid result fails the job, whose savepoint rolls the write back.
    let after = publish::write_server_change(db, cache, doc, now)?;
    after.validate().map_err(|e| ServerError::BadRequest(format!("the comment makes an invalid report: {e}")))?;
    rollups::index_change(db, &active.defs, &active.cal, Some(&Record::Report(Box::new(before))), &after)?;
    match after {
        Record::Report(r) => Ok(*r),
        _ => Err(ServerError::Internal("a report read back as another kind".into())),
    }
}
