//! Documents the server authors: the team configuration, and each user's KPI snapshot (their
//! figures for the standard periods and their alerts). Written inside a sync's transaction, so
//! the page that follows carries them: a device holds the server's figures after one sync.
//!
//! A snapshot document is per user and local day: its body is replaced whole when the figures
//! change, and a new day starts a new document and drops the old one, so history stays small.

use automerge::ActorId;
use fieldreport_protocol::doc::{Directory, Doc, Header, Kind, Member, Published, Record, SCHEMA_VERSION};
use fieldreport_protocol::period::Period;
use fieldreport_protocol::team::{
    DeptPeriodFigures, PeriodFigures, ReadReceipt, SnapshotBody, SubmissionCounts, DEPT_PERIODS,
};
use sha2::{Digest, Sha256};

use super::cache::DocCache;
use super::config::Active;
use super::merge::Merged;
use super::{outbox, views};
use crate::error::{Result, ServerError};
use crate::figures::{alerts_with, snapshot, Scope};
use crate::model::User;
use crate::policy::visibility::SERVER_OWNER;
use crate::store::db::{encode_heads, NewDoc, PublishedSnapshotRow, PublishedState};
use crate::store::Db;

/// The periods a snapshot carries.
pub(crate) const PERIODS: [Period; 6] =
    [Period::Today, Period::ThisWeek, Period::LastWeek, Period::ThisMonth, Period::LastMonth, Period::ThisQuarter];

/// A user's snapshot is refreshed at most this often while their data keeps changing (the
/// default of [`super::Service::set_snapshot_interval`]).
pub(super) const MIN_INTERVAL_MS: i64 = 60_000;

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// The server's Automerge actor: stable for the team, distinct from every device's.
pub(crate) fn actor(team_id: &str) -> ActorId {
    ActorId::from(&digest(&["fieldreport-server-actor", team_id])[..16])
}

/// A stable document id for `parts` (a UUID, as every document id).
pub(crate) fn doc_id(parts: &[&str]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest(parts)[..16]);
    uuid::Builder::from_custom_bytes(b).into_uuid().to_string()
}

/// Stores a merged document at feed position `seq` (with its recipients, for a report).
pub(super) fn write(db: &Db, m: &Merged, seq: i64, now: i64) -> Result<()> {
    let h = m.record.header();
    let heads = encode_heads(&m.heads);
    db.put_doc(&NewDoc {
        id: &h.id,
        kind: h.kind.as_str(),
        owner: &h.owner,
        bytes: &m.bytes,
        heads: &heads,
        seq,
        now,
        view: m.view.as_deref(),
        view_format: m.view.as_ref().map(|_| views::VIEW_FORMAT),
    })?;
    if h.kind == Kind::Report {
        db.set_recipients(&h.id, &super::merge::recipients(&m.record))?;
    }
    Ok(())
}

/// A merged document to store at the next feed position, written with the others of its job in
/// one statement ([`write_pending`]); its recipients (a report's) are written at once.
pub(super) struct PendingDoc {
    id: String,
    kind: &'static str,
    owner: String,
    bytes: Vec<u8>,
    heads: Vec<u8>,
    view: Option<String>,
}

impl PendingDoc {
    /// Takes what `m` stores (its bytes and view move here).
    pub(super) fn take(db: &Db, m: &mut Merged) -> Result<PendingDoc> {
        let h = m.record.header();
        if h.kind == Kind::Report {
            db.set_recipients(&h.id, &super::merge::recipients(&m.record))?;
        }
        Ok(PendingDoc {
            id: h.id.clone(),
            kind: h.kind.as_str(),
            owner: h.owner.clone(),
            bytes: std::mem::take(&mut m.bytes),
            heads: encode_heads(&m.heads),
            view: m.view.take(),
        })
    }

    pub(super) fn id(&self) -> &str {
        &self.id
    }
}

/// Stores the pending documents at the next feed positions, in order (one statement per 50),
/// and empties the list.
pub(super) fn write_pending(db: &Db, pending: &mut Vec<PendingDoc>, now: i64) -> Result<()> {
    let docs: Vec<NewDoc> = pending
        .iter()
        .map(|p| NewDoc {
            id: &p.id,
            kind: p.kind,
            owner: &p.owner,
            bytes: &p.bytes,
            heads: &p.heads,
            seq: 0,
            now,
            view: p.view.as_deref(),
            view_format: p.view.as_ref().map(|_| views::VIEW_FORMAT),
        })
        .collect();
    db.put_docs(&docs)?;
    pending.clear();
    Ok(())
}

/// Stores a change the server itself made to document `doc` (a published document, a web
/// comment) at the next feed position, so devices receive it; returns its typed view.
pub(super) fn write_server_change(db: &Db, cache: &DocCache, mut doc: Doc, now: i64) -> Result<Record> {
    let record = Record::read(&doc)
        .map_err(|e| ServerError::Internal(format!("a document the server changed does not read back: {e}")))?;
    let heads = doc.heads();
    let bytes = doc.save_uncompressed();
    cache.take(&record.header().id);
    let view = views::encode(&record);
    let merged = Merged { doc, bytes, record, heads, view, before: None, changed: true };
    write(db, &merged, db.next_seq()?, now)?;
    Ok(merged.record)
}

/// Writes `body` into document `id` (creating it), at the next feed position, when it changed.
fn put(db: &Db, cache: &DocCache, header: Header, body: &str, now: i64) -> Result<()> {
    let actor = actor(&header.team);
    let doc = match db.doc_bytes(&header.id)? {
        Some(bytes) => {
            let doc = Doc::load_trusted(&bytes).ok().filter(|d| Published::read(d).is_ok());
            match doc {
                Some(mut doc) => {
                    if !Published::update(&mut doc, &actor, body, now)
                        .map_err(|e| ServerError::Internal(e.to_string()))?
                    {
                        return Ok(());
                    }
                    doc
                }
                // The server's own document is damaged: it has the whole content, so it writes
                // it again rather than setting it aside.
                None => {
                    tracing::error!(doc = %header.id, "a published document was damaged; writing it afresh");
                    Published::create(&actor, &header, body, now).map_err(|e| ServerError::Internal(e.to_string()))?
                }
            }
        }
        None => Published::create(&actor, &header, body, now).map_err(|e| ServerError::Internal(e.to_string()))?,
    };
    write_server_change(db, cache, doc, now).map(|_| ())
}

fn header(kind: Kind, id: String, team: &str, owner: &str, now: i64) -> Header {
    Header {
        kind,
        id,
        team: team.to_string(),
        owner: owner.to_string(),
        created_at: now,
        schema: SCHEMA_VERSION,
        deleted: false,
    }
}

/// The directory document's generation: 2 carries no phone numbers (the first one did, and
/// its history would keep them: it is replaced, not edited).
const DIRECTORY_GENERATION: &str = "2";

/// The team's members as devices see them in the directory: no phone numbers (the robots read
/// them on the server; see `policy::visibility::may_see_phone`).
pub(super) fn members(db: &Db) -> Result<Vec<Member>> {
    Ok(db
        .users()?
        .into_iter()
        .map(|u| Member {
            id: u.id,
            name: u.name,
            role: u.role,
            manager_id: u.manager_id,
            active: u.active,
            phone: None,
            since: Some(u.created_at),
            until: u.deactivated_at,
            dept_id: u.dept_id,
        })
        .collect())
}

/// Whether devices have been sent the configuration in force and the current directory.
pub(super) fn is_current(state: &PublishedState, active: &Active, team_id: &str) -> bool {
    let directory = doc_id(&["directory", team_id, DIRECTORY_GENERATION]);
    state.published_config == Some(active.config.version as i64)
        && state.published_directory.as_ref().is_some_and(|(id, v)| *id == directory && *v == state.directory_version)
}

/// Publishes the team directory when a member changed since it was last published. Stored
/// compressed: devices receive it whole on their first sync (about 30 KB for 2,000 members)
/// and as small changes afterwards.
/// `state`: the directory's version and what was last published (`Db::published_state`).
pub(super) fn directory(db: &Db, cache: &DocCache, team_id: &str, now: i64, state: &PublishedState) -> Result<()> {
    let version = state.directory_version;
    let id = doc_id(&["directory", team_id, DIRECTORY_GENERATION]);
    let published = state.published_directory.clone();
    if published.as_ref().is_some_and(|(at, v)| *at == id && *v == version) {
        return Ok(());
    }
    let members = members(db)?;
    let departments = db.departments()?;
    if let Some((old, _)) = published.filter(|(old, _)| *old != id) {
        // A device that has the old one keeps it; no device receives it any more, and the new
        // one (later in the feed) replaces the members it names.
        db.delete_doc(&old)?;
    }
    let head = header(Kind::Directory, id.clone(), team_id, SERVER_OWNER, now);
    let actor = actor(team_id);
    let mut doc =
        match db.doc_bytes(&id)?.and_then(|b| Doc::load_trusted(&b).ok()).filter(|d| Directory::read(d).is_ok()) {
            Some(mut doc) => {
                if !Directory::update(&mut doc, &actor, &members, &departments, now)
                    .map_err(|e| ServerError::Internal(e.to_string()))?
                {
                    return Ok(db.set_published_directory(&id, version)?);
                }
                doc
            }
            None => Directory::create(&actor, &head, &members, &departments, now)
                .map_err(|e| ServerError::Internal(e.to_string()))?,
        };
    let record =
        Record::read(&doc).map_err(|e| ServerError::Internal(format!("the directory does not read back: {e}")))?;
    let heads = doc.heads();
    cache.take(&id);
    let merged = Merged { bytes: doc.save(), doc, record, heads, view: None, before: None, changed: true };
    write(db, &merged, db.next_seq()?, now)?;
    Ok(db.set_published_directory(&id, version)?)
}

/// Publishes the configuration in force when devices do not have it yet (`published`: the
/// version they were last sent).
pub(super) fn config(
    db: &Db,
    cache: &DocCache,
    active: &Active,
    team_id: &str,
    now: i64,
    published: Option<i64>,
) -> Result<()> {
    let version = active.config.version as i64;
    if published == Some(version) {
        return Ok(());
    }
    let id = doc_id(&["config", team_id]);
    let body = serde_json::to_string(&active.config.for_devices()).map_err(|e| ServerError::Internal(e.to_string()))?;
    // Owned by `server`: the feed finds the configuration by it.
    put(db, cache, header(Kind::Config, id.clone(), team_id, SERVER_OWNER, now), &body, now)?;
    Ok(db.set_published_config(&id, version)?)
}

/// The latest feed position among the records a user's snapshot covers (their own and their
/// members'), one index lookup per owner and kind.
fn data_seq(db: &Db, user: &User, scope: &Scope) -> Result<i64> {
    let mut max = 0i64;
    let owners = std::iter::once(user.id.as_str()).chain(scope.members.iter().map(|u| u.id.as_str()));
    for owner in owners {
        for kind in Kind::ALL.into_iter().filter(|k| !k.is_published()) {
            max = max.max(db.latest_seq(owner, kind.as_str())?);
        }
    }
    Ok(max)
}

/// Whether a user's snapshot needs computing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// It is current.
    No,
    /// There is none for today or for the configuration in force, or it lacks a read receipt:
    /// compute it before answering, so that one sync brings it.
    Now,
    /// It is older than the refresh interval: refresh it in the background if what it covers
    /// changed (the device computes locally meanwhile, since its own changes are newer).
    Soon,
}

/// Whether `user`'s snapshot needs computing: now when it is missing or from another day or
/// configuration; soon when it is older than the refresh interval (the refresher then compares
/// what it covers, on a reader: the writer, which asks at every sync, only reads one row).
pub(super) fn snapshot_due(db: &Db, active: &Active, user: &User, now: i64, interval_ms: i64) -> Result<Due> {
    Ok(due(db.published_snapshot(&user.id)?, active, now, interval_ms))
}

/// [`snapshot_due`] of the snapshot last published (`last`).
pub(super) fn due(last: Option<PublishedSnapshotRow>, active: &Active, now: i64, interval_ms: i64) -> Due {
    let Some(last) = last else { return Due::Now };
    if last.day != active.cal.local_date(now).to_string() || last.config_version != active.config.version as i64 {
        return Due::Now;
    }
    if last.data_seq == -1 {
        // A recipient read one of the user's reports: the receipt is news (and rare).
        return Due::Now;
    }
    if now - last.as_of < interval_ms {
        Due::No
    } else {
        Due::Soon
    }
}

/// Whether the records `user`'s published snapshot covers changed since it was computed.
pub(super) fn covered_changed(db: &Db, user: &User) -> Result<bool> {
    let seq = db.published_snapshot(&user.id)?.map(|s| s.data_seq);
    let scope = Scope::of(db, Some(user), None)?;
    Ok(seq != Some(data_seq(db, user, &scope)?))
}

/// A computed snapshot, ready to publish.
pub(super) struct Computed {
    json: String,
    alerts: Vec<fieldreport_protocol::team::Alert>,
    data_seq: i64,
    at: i64,
}

/// Computes `user`'s snapshot (on a reader: this is the expensive part, and it runs outside the
/// writer, in parallel with other requests).
pub(super) fn compute_snapshot(db: &Db, active: &Active, user: &User, now: i64) -> Result<Computed> {
    let scope = Scope::of(db, Some(user), None)?;
    let data_seq = data_seq(db, user, &scope)?;
    let mut snaps = Vec::with_capacity(PERIODS.len());
    for p in PERIODS {
        snaps.push(snapshot(db, &active.config, &scope, p, now)?);
    }
    let of = |p: Period| snaps.iter().zip(PERIODS).find(|(_, q)| *q == p).map(|(s, _)| s);
    let (Some(week), Some(month)) = (of(Period::ThisWeek), of(Period::ThisMonth)) else {
        return Err(ServerError::Internal("a snapshot lacks this week or this month".into()));
    };
    let alerts = alerts_with(db, &active.config, &scope, now, week, month)?;
    let periods = snaps
        .into_iter()
        .map(|s| PeriodFigures { period: s.period, first: s.first, last: s.last, rows: s.rows })
        .collect();
    let reads = db
        .reads_of(&user.id)?
        .into_iter()
        .map(|(report_id, reader, at)| ReadReceipt { report_id, reader, at })
        .collect();
    let mut submissions = Vec::new();
    for p in [Period::ThisWeek, Period::LastWeek, Period::ThisMonth] {
        for m in crate::figures::submissions(db, &active.config, &scope, p, now)? {
            submissions.push(SubmissionCounts {
                period: p.to_string(),
                user_id: m.user_id,
                on_time: m.on_time,
                late: m.late,
                missing: m.missing,
                pending: m.pending,
            });
        }
    }
    let (nudges, mentions) = super::week::inbox_of(db, &user.id, now)?;
    let departments = heads_figures(db, active, user, now)?;
    let body = SnapshotBody {
        user_id: user.id.clone(),
        computed_at: now,
        data_seq: Some(data_seq),
        periods,
        alerts,
        reads,
        submissions,
        nudges,
        mentions,
        departments,
    };
    let json = serde_json::to_string(&body).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(Computed { json, alerts: body.alerts, data_seq, at: now })
}

/// For a department's head, the figures of the highest departments they head, for the periods
/// a device reads offline (a head of a department and of one below it gets the higher one: its
/// rows hold the lower one's).
fn heads_figures(db: &Db, active: &Active, user: &User, now: i64) -> Result<Vec<DeptPeriodFigures>> {
    let depts = db.departments()?;
    let tree = fieldreport_protocol::team::DeptTree::new(&depts);
    let headed = tree.headed_by(&user.id);
    let highest = headed.iter().filter(|d| !tree.up(&d.id).iter().skip(1).any(|x| x.heads.contains(&user.id)));
    let mut out = Vec::new();
    for d in highest {
        for p in DEPT_PERIODS {
            let f = crate::figures::department(db, &active.config, &d.id, Some(user), p, now)?;
            out.push(DeptPeriodFigures {
                dept_id: d.id.clone(),
                period: f.period,
                first: f.first,
                last: f.last,
                rows: f.rows,
            });
        }
    }
    Ok(out)
}

/// Publishes a computed snapshot as `user`'s document of its day, dropping the previous day's.
pub(super) fn publish_snapshot(
    db: &Db,
    cache: &DocCache,
    active: &Active,
    team_id: &str,
    user: &User,
    c: &Computed,
) -> Result<()> {
    let day = active.cal.local_date(c.at).to_string();
    let id = doc_id(&["snapshot", team_id, &user.id, &day]);
    let last = db.published_snapshot(&user.id)?.map(|s| s.doc_id);
    put(db, cache, header(Kind::Snapshot, id.clone(), team_id, &user.id, c.at), &c.json, c.at)?;
    if let Some(old) = last.filter(|old| *old != id) {
        // The previous day's snapshot is superseded: devices drop it when this one arrives.
        db.delete_doc(&old)?;
    }
    db.set_published_snapshot(
        &user.id,
        &PublishedSnapshotRow {
            doc_id: id,
            day,
            as_of: c.at,
            config_version: active.config.version as i64,
            data_seq: c.data_seq,
        },
    )?;
    // New alerts go to the team's robots (each alert once).
    outbox::alerts(db, active, &c.alerts, c.at)
}
