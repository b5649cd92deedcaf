//! What the web dashboard does: one-time sign-in links, sign-in with the phone (扫码登录),
//! sessions, read receipts; and a comment written from the web, merged into the report document
//! like a device's.

use fieldreport_protocol::doc::{Comment, Doc, Kind, Record, Report};

use super::cache::DocCache;
use super::config::{self, Active};
use super::{publish, rollups, Service};
use crate::error::{Result, ServerError};
use crate::model::{Caller, InboxFilter, InboxItem, SessionInfo, User, WebSession};
use crate::now_ms;
use crate::policy::visibility::may_read_report;
use crate::secrets;
use crate::store::db::NewSession;
use crate::store::Db;

/// A sign-in link is good for one use within this time.
pub(crate) const LINK_TTL_MS: i64 = 15 * 60_000;
/// A session lasts this long: 30 days, then the browser signs in again (with the phone, in
/// seconds). An admin can end one sooner (`session revoke`); signing out ends it at once.
pub const SESSION_TTL_MS: i64 = 30 * 86_400_000;
/// A sign-in code on the dashboard works once, for this long.
pub const WEB_LOGIN_TTL_MS: i64 = 5 * 60_000;
/// Letters and digits of a sign-in code, unambiguous when typed from a screen.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Where a browser's sign-in with the phone stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebLoginState {
    /// Waiting for a device to approve `code` (until `expires_at`).
    Waiting { code: String, expires_at: i64 },
    /// Approved: the browser is now signed in with this (session token, CSRF token).
    SignedIn { session: String, csrf: String },
}

/// A new sign-in code such as `K7QX-M2PA` (eight characters, about 40 bits: it lives five
/// minutes, works once, and signs in only the browser that shows it).
fn new_web_code() -> Result<String> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| ServerError::Internal(format!("no randomness: {e}")))?;
    let c: String = b.iter().map(|x| CODE_ALPHABET[*x as usize % CODE_ALPHABET.len()] as char).collect();
    Ok(format!("{}-{}", &c[..4], &c[4..]))
}

/// Starts a browser's sign-in with the phone: returns the code to show and the browser's secret
/// (for its cookie); only the hashes are stored.
pub(super) fn start_web_login(db: &Db) -> Result<(String, String, i64)> {
    let now = now_ms();
    db.purge_expired_sign_ins(now - 3_600_000)?;
    let (code, browser) = (new_web_code()?, secrets::new_token()?);
    let expires_at = now + WEB_LOGIN_TTL_MS;
    db.insert_web_login(&secrets::hash(&code), &secrets::hash(&browser), now, expires_at)?;
    Ok((code, browser, expires_at))
}

/// Where the sign-in of the browser holding `browser` stands: `None` when it has no code in
/// force (none, expired, or already used), so the page starts a new one.
pub(super) fn poll_web_login(db: &Db, browser: &str, code: &str) -> Result<Option<WebLoginState>> {
    let now = now_ms();
    let Some(w) = db.web_login_of_browser(&secrets::hash(browser))? else { return Ok(None) };
    if w.used_at.is_some() || w.expires_at <= now {
        return Ok(None);
    }
    match &w.approved_by {
        None => Ok(Some(WebLoginState::Waiting { code: code.to_string(), expires_at: w.expires_at })),
        Some(user) => {
            if !db.use_web_login(&w.code_hash, now)? {
                return Ok(None);
            }
            let (session, csrf) = new_session(db, user, "phone", now)?;
            Ok(Some(WebLoginState::SignedIn { session, csrf }))
        }
    }
}

/// A device of `user` approves the code a browser shows; returns when the session will end.
pub(super) fn approve_web_login(db: &Db, user: &User, device: &str, code: &str) -> Result<i64> {
    let now = now_ms();
    let hash = secrets::hash(code);
    let Some(w) = db.web_login_of_code(&hash)? else {
        return Err(ServerError::NotFound(
            "no sign-in code like that: check the code on the sign-in page (it changes every 5 minutes)".into(),
        ));
    };
    if w.approved_by.is_some() || w.used_at.is_some() {
        return Err(ServerError::Conflict("this sign-in code was already used; reload the sign-in page".into()));
    }
    if w.expires_at <= now {
        return Err(ServerError::Forbidden("this sign-in code has expired; reload the sign-in page".into()));
    }
    if !user.active {
        return Err(ServerError::Forbidden("this member is deactivated".into()));
    }
    if !db.approve_web_login(&hash, &user.id, device, now)? {
        return Err(ServerError::Conflict("this sign-in code was already used; reload the sign-in page".into()));
    }
    Ok(now + SESSION_TTL_MS)
}

/// A new session of `user`: (session token, CSRF token).
fn new_session(db: &Db, user: &str, via: &str, now: i64) -> Result<(String, String)> {
    let (session, csrf) = (secrets::new_token()?, secrets::new_token()?);
    let token_hash = secrets::hash(&session);
    let id = token_hash[..16].to_string();
    db.insert_session(&NewSession {
        token_hash: &token_hash,
        id: &id,
        user,
        csrf: &csrf,
        via,
        now,
        expires_at: now + SESSION_TTL_MS,
    })?;
    Ok((session, csrf))
}

pub(super) fn login_link(db: &Db, user_id: &str) -> Result<String> {
    let user = db.user(user_id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {user_id}")))?;
    if !user.active {
        return Err(ServerError::Forbidden(format!("{} is deactivated: reactivate them first", user.name)));
    }
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
    if !db.user(&user)?.is_some_and(|u| u.active) {
        return Err(ServerError::Forbidden("this account has been deactivated".into()));
    }
    db.use_login_link(&hash, now)?;
    new_session(db, &user, "link", now)
}

pub(super) fn session(db: &Db, token: &str) -> Result<WebSession> {
    match db.session(&secrets::hash(token))? {
        Some((user, csrf, exp)) if exp > now_ms() => {
            // Deactivation deletes the member's sessions; this holds if one was made meanwhile.
            let user = db.user(&user)?.filter(|u| u.active).ok_or(ServerError::BadToken)?;
            Ok(WebSession { user, csrf })
        }
        _ => Err(ServerError::BadToken),
    }
}

fn load_report(db: &Db, id: &str) -> Result<(Doc, Report)> {
    let not_found = || ServerError::NotFound(format!("no report {id}"));
    let row = db.doc(id)?.filter(|r| Kind::parse(&r.kind) == Some(Kind::Report)).ok_or_else(not_found)?;
    let doc = Doc::load_trusted(&row.bytes)
        .map_err(|e| ServerError::Unavailable(format!("report {id} is damaged and set aside ({e})")))?;
    let report = Report::read(&doc)
        .map_err(|e| ServerError::Unavailable(format!("report {id} is damaged and set aside ({e})")))?;
    Ok((doc, report))
}

/// The report `id` if `user` may read it (else, as for one that does not exist, not found).
fn readable(db: &Db, user: &User, id: &str) -> Result<(Doc, Report)> {
    let (doc, report) = load_report(db, id)?;
    let recipients = report.recipients();
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
pub(super) fn comment(
    db: &Db,
    cache: &DocCache,
    active: &Active,
    user: &User,
    id: &str,
    text: &str,
    reply_to: Option<&str>,
) -> Result<Report> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > fieldreport_protocol::doc::MAX_SHORT {
        return Err(ServerError::BadRequest("a comment needs text (at most 2,000 characters)".into()));
    }
    let (mut doc, before) = readable(db, user, id)?;
    let now = now_ms();
    // `@name` names readers of the report; a reply answers an earlier comment.
    let members = publish::members(db)?;
    let recipients = before.recipients();
    let mut mentions = fieldreport_protocol::report::find_mentions(text, &members);
    let outside: Vec<&str> = members
        .iter()
        .filter(|m| mentions.contains(&m.id))
        .filter(|m| !fieldreport_protocol::report::reads_report(m, &before.header.owner, &recipients))
        .map(|m| m.name.as_str())
        .collect();
    if !outside.is_empty() {
        return Err(ServerError::Forbidden(format!(
            "{} cannot read this report: it must be addressed to them before they are named",
            outside.join("、")
        )));
    }
    mentions.retain(|u| *u != user.id);
    if let Some(parent) = reply_to {
        if !before.comments.iter().any(|c| c.id == parent) {
            return Err(ServerError::BadRequest(format!("no comment {parent} on this report to answer")));
        }
    }
    let c = Comment {
        id: uuid::Uuid::now_v7().to_string(),
        author: user.id.clone(),
        at: now,
        text: text.to_string(),
        reply_to: reply_to.map(str::to_string),
        mentions,
    };
    doc.set_actor(&publish::actor(&before.header.team));
    Report::add_comment(&mut doc, &c).map_err(|e| ServerError::Internal(e.to_string()))?;
    doc.commit(now);
    // Written, then checked: an invalid result fails the job, whose savepoint rolls the write back.
    let after = publish::write_server_change(db, cache, doc, now)?;
    after.validate().map_err(|e| ServerError::BadRequest(format!("the comment makes an invalid report: {e}")))?;
    if let Record::Report(r) = &after {
        super::week::note_mentions(db, Some(&before), r)?;
    }
    rollups::index_change(db, &active.defs, &active.cal, Some(&Record::Report(Box::new(before))), &after)?;
    match after {
        Record::Report(r) => Ok(*r),
        _ => Err(ServerError::Internal("a report read back as another kind".into())),
    }
}

/// The most reads a device reports in one request.
pub const MAX_READS: usize = 500;

/// The dashboard's operations.
impl Service {
    /// A one-time sign-in link token for `user_id` (valid 15 minutes).
    pub fn login_link(&self, user_id: &str) -> Result<String> {
        let id = user_id.trim().to_string();
        self.store.write(move |db| login_link(db, &id))
    }

    /// Redeems a sign-in link: (session token, CSRF token).
    pub fn open_session(&self, link: &str) -> Result<(String, String)> {
        let link = link.to_string();
        self.store.write(move |db| open_session(db, &link))
    }

    /// The session behind a session token.
    pub fn session(&self, token: &str) -> Result<WebSession> {
        self.store.read(|db| session(db, token))
    }

    /// Signs a session out.
    pub fn end_session(&self, token: &str) -> Result<()> {
        let hash = secrets::hash(token);
        self.store.write(move |db| Ok(db.delete_session(&hash)?))
    }

    /// The reports addressed to `user` (and their own) that `filter` keeps, newest first (200 at
    /// most).
    pub fn inbox(&self, user: &User, filter: &InboxFilter) -> Result<Vec<InboxItem>> {
        self.store.read(|db| Ok(db.inbox(&user.id, filter, 200)?))
    }

    /// Report `id` if `user` may read it, with who read it when; records the read receipt of a
    /// recipient.
    pub fn open_report(&self, user: &User, id: &str) -> Result<(Report, Vec<(String, i64)>)> {
        let (report, first) = self.store.read(|db| readable_report(db, user, id))?;
        if first {
            let (id, reader, owner) = (id.to_string(), user.id.clone(), report.header.owner.clone());
            self.store.write(move |db| record_read(db, &id, &reader, &owner))?;
        }
        let reads = self.store.read(|db| Ok(db.reads_of_report(id)?))?;
        Ok((report, reads))
    }

    /// Adds `user`'s comment to report `id`, merged into its document; `reply_to` answers an
    /// earlier comment.
    pub fn web_comment(
        &self,
        user: &User,
        id: &str,
        text: &str,
        reply_to: Option<&str>,
    ) -> Result<fieldreport_protocol::doc::Report> {
        let (user, id, text) = (user.clone(), id.to_string(), text.to_string());
        let reply_to = reply_to.map(str::to_string).filter(|r| !r.trim().is_empty());
        let (shared, cache) = (self.active.clone(), self.cache.clone());
        self.write_sync(None, move |db| {
            let active = config::fresh(db, &shared)?;
            comment(db, &cache, &active, &user, &id, &text, reply_to.as_deref())
        })
    }

    /// Starts a browser's sign-in with the phone: (code to show, browser secret, expiry).
    pub fn start_web_login(&self) -> Result<(String, String, i64)> {
        self.store.write(start_web_login)
    }

    /// Where the sign-in of the browser holding secret `browser` (showing `code`) stands; `None`
    /// when it needs a new code.
    pub fn poll_web_login(&self, browser: &str, code: &str) -> Result<Option<WebLoginState>> {
        let (browser, code) = (browser.to_string(), code.to_string());
        // Most polls find the code still waiting: answered by a reader, without the writer.
        let found = self.store.read(|db| Ok(db.web_login_of_browser(&secrets::hash(&browser))?))?;
        match found {
            Some(w) if w.code_hash != secrets::hash(&code) || w.used_at.is_some() || w.expires_at <= now_ms() => {
                Ok(None)
            }
            Some(w) if w.approved_by.is_none() => Ok(Some(WebLoginState::Waiting { code, expires_at: w.expires_at })),
            Some(_) => self.store.write(move |db| poll_web_login(db, &browser, &code)),
            None => Ok(None),
        }
    }

    /// The device `caller` approves the sign-in code a browser shows, for its user; returns when
    /// the browser's session will end.
    /// Records that `user` read reports `ids` on a device (each once; the author's next
    /// snapshot carries the receipt). A report `user` may not read is passed over as one that
    /// does not exist. Returns how many were new.
    pub fn device_reads(&self, user: &User, ids: &[String]) -> Result<usize> {
        if ids.len() > MAX_READS {
            return Err(ServerError::BadRequest(format!("send at most {MAX_READS} reads at a time")));
        }
        let mut first = Vec::new();
        for id in ids {
            match self.store.read(|db| readable_report(db, user, id)) {
                Ok((report, true)) => first.push((id.clone(), report.header.owner)),
                Ok((_, false)) | Err(ServerError::NotFound(_)) | Err(ServerError::Unavailable(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let (n, reader) = (first.len(), user.id.clone());
        if n > 0 {
            self.store.write(move |db| {
                for (id, owner) in &first {
                    record_read(db, id, &reader, owner)?;
                }
                Ok(())
            })?;
        }
        Ok(n)
    }

    pub fn approve_web_login(&self, caller: &Caller, code: &str) -> Result<i64> {
        let (user, device, code) = (caller.user.clone(), caller.device.id.clone(), code.to_string());
        self.store.write(move |db| approve_web_login(db, &user, &device, &code))
    }

    /// The sessions of `user_id` still in force, newest first.
    pub fn sessions(&self, user_id: &str) -> Result<Vec<SessionInfo>> {
        let id = user_id.trim().to_string();
        self.store.read(|db| {
            db.user(&id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {id}")))?;
            Ok(db.sessions_of(&id, now_ms())?)
        })
    }

    /// Ends the session `id` (from [`Service::sessions`]) at once.
    pub fn revoke_session(&self, id: &str) -> Result<SessionInfo> {
        let id = id.trim().to_string();
        self.store.write(move |db| {
            db.delete_session_by_id(&id)?
                .ok_or_else(|| ServerError::NotFound(format!("no session {id} (see `user sessions USER_ID`)")))
        })
    }
}
