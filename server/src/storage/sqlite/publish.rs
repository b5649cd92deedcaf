//! Documents the server authors: the team configuration, and each user's KPI snapshot (their
//! figures for the standard periods and their alerts). Written inside a sync's transaction, so
//! the page that follows carries them: a device holds the server's figures after one sync.
//!
//! A snapshot document is per user and local day: its body is replaced whole when the figures
//! change, and a new day starts a new document and drops the old one, so history stays small.

use automerge::ActorId;
use fieldreport_core::doc::{Doc, Header, Kind, Published, SCHEMA_VERSION};
use fieldreport_core::period::Period;
use fieldreport_core::team::{PeriodFigures, ReadReceipt, SnapshotBody};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::cache::DocCache;
use super::config::Active;
use super::figures::ConnSource;
use super::outbox;
use super::pushes::write_server_change;
use crate::error::{Result, ServerError};
use crate::figures::{alerts_with, snapshot, Scope};
use crate::storage::User;

/// The periods a snapshot carries.
pub(crate) const PERIODS: [Period; 6] =
    [Period::Today, Period::ThisWeek, Period::LastWeek, Period::ThisMonth, Period::LastMonth, Period::ThisQuarter];

/// A user's snapshot is refreshed at most this often while their data keeps changing (the
/// default of [`super::SqliteStorage::set_snapshot_interval`]).
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
pub(super) fn actor(team_id: &str) -> ActorId {
    ActorId::from(&digest(&["fieldreport-server-actor", team_id])[..16])
}

/// A stable document id for `parts` (a UUID, as every document id).
fn doc_id(parts: &[&str]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest(parts)[..16]);
    uuid::Builder::from_custom_bytes(b).into_uuid().to_string()
}

/// Writes `body` into document `id` (creating it), at the next feed position, when it changed.
fn put(conn: &Connection, cache: &DocCache, header: Header, body: &str, now: i64) -> Result<()> {
    let actor = actor(&header.team);
    let stored: Option<Vec<u8>> = conn
        .prepare_cached("SELECT bytes FROM docs WHERE id = ?1")?
        .query_row([&header.id], |r| r.get(0))
        .optional()?;
    let doc = match stored {
        Some(bytes) => {
            let mut doc = Doc::load_trusted(&bytes)
                .map_err(|e| ServerError::Internal(format!("stored document {} is damaged: {e}", header.id)))?;
            if !Published::update(&mut doc, &actor, body, now).map_err(|e| ServerError::Internal(e.to_string()))? {
                return Ok(());
            }
            doc
        }
        None => Published::create(&actor, &header, body, now).map_err(|e| ServerError::Internal(e.to_string()))?,
    };
    write_server_change(conn, cache, doc, now).map(|_| ())
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

/// Publishes the configuration in force when devices do not have it yet.
pub(super) fn config(conn: &Connection, cache: &DocCache, active: &Active, team_id: &str, now: i64) -> Result<()> {
    let version = active.config.version as i64;
    let done: Option<i64> = conn
        .prepare_cached("SELECT version FROM published_config WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if done == Some(version) {
        return Ok(());
    }
    let id = doc_id(&["config", team_id]);
    let body = serde_json::to_string(&active.config.for_devices()).map_err(|e| ServerError::Internal(e.to_string()))?;
    // Owner `server`: the feed (feed.rs, VISIBLE) finds the configuration by it.
    put(conn, cache, header(Kind::Config, id.clone(), team_id, "server", now), &body, now)?;
    conn.prepare_cached("INSERT OR REPLACE INTO published_config (id, doc_id, version) VALUES (1, ?1, ?2)")?
        .execute(params![id, version])?;
    Ok(())
}

/// The latest feed position among the records a user's snapshot covers (their own and their
/// members'), one index lookup per owner and kind.
fn data_seq(conn: &Connection, user: &User, scope: &Scope) -> Result<i64> {
    let mut st = conn.prepare_cached("SELECT MAX(seq) FROM docs WHERE owner = ?1 AND kind = ?2")?;
    let mut max = 0i64;
    let owners = std::iter::once(user.id.as_str()).chain(scope.members.iter().map(|u| u.id.as_str()));
    for owner in owners {
        for kind in Kind::ALL.into_iter().filter(|k| !k.is_published()) {
            let seq: Option<i64> = st.query_row(params![owner, kind.as_str()], |r| r.get(0))?;
            max = max.max(seq.unwrap_or(0));
        }
    }
    Ok(max)
}

/// Whether `user`'s snapshot needs computing: now when it is missing or from another day or
/// configuration; soon when it is older than the refresh interval (the refresher then compares
/// what it covers, on a reader: the writer, which asks at every sync, only reads one row).
pub(super) fn snapshot_due(conn: &Connection, active: &Active, user: &User, now: i64, interval_ms: i64) -> Result<Due> {
    let last: Option<(String, i64, i64, i64)> = conn
        .prepare_cached("SELECT day, as_of, config_version, data_seq FROM published_snapshots WHERE user_id = ?1")?
        .query_row([&user.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((day, as_of, version, seq)) = last else { return Ok(Due::Now) };
    if day != active.cal.local_date(now).to_string() || version != active.config.version as i64 {
        return Ok(Due::Now);
    }
    if seq == -1 {
        // A recipient read one of the user's reports: the receipt is news (and rare).
        return Ok(Due::Now);
    }
    Ok(if now - as_of < interval_ms { Due::No } else { Due::Soon })
}

/// Whether the records `user`'s published snapshot covers changed since it was computed.
pub(super) fn covered_changed(conn: &Connection, user: &User) -> Result<bool> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT data_seq FROM published_snapshots WHERE user_id = ?1")?
        .query_row([&user.id], |r| r.get(0))
        .optional()?;
    let scope = Scope::of(&ConnSource(conn), Some(user), None)?;
    Ok(seq != Some(data_seq(conn, user, &scope)?))
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

/// A computed snapshot, ready to publish.
pub(super) struct Computed {
    json: String,
    alerts: Vec<fieldreport_core::team::Alert>,
    data_seq: i64,
    at: i64,
}

/// Computes `user`'s snapshot on `conn` (a reader: this is the expensive part, and it runs
/// outside the writer, in parallel with other requests).
pub(super) fn compute_snapshot(conn: &Connection, active: &Active, user: &User, now: i64) -> Result<Computed> {
    let src = ConnSource(conn);
    let scope = Scope::of(&src, Some(user), None)?;
    let data_seq = data_seq(conn, user, &scope)?;
    let mut snaps = Vec::with_capacity(PERIODS.len());
    for p in PERIODS {
        snaps.push(snapshot(&src, &active.config, &scope, p, now)?);
    }
    let of = |p: Period| snaps.iter().zip(PERIODS).find(|(_, q)| *q == p).map(|(s, _)| s);
    let (Some(week), Some(month)) = (of(Period::ThisWeek), of(Period::ThisMonth)) else {
        return Err(ServerError::Internal("a snapshot lacks this week or this month".into()));
    };
    let alerts = alerts_with(&src, &active.config, &scope, now, week, month)?;
    let periods = snaps
        .into_iter()
        .map(|s| PeriodFigures { period: s.period, first: s.first, last: s.last, rows: s.rows })
        .collect();
    let reads = super::web::reads_of(conn, &user.id)?
        .into_iter()
        .map(|(report_id, reader, at)| ReadReceipt { report_id, reader, at })
        .collect();
    let body = SnapshotBody { user_id: user.id.clone(), computed_at: now, periods, alerts, reads };
    let json = serde_json::to_string(&body).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(Computed { json, alerts: body.alerts, data_seq, at: now })
}

/// Publishes a computed snapshot as `user`'s document of its day, dropping the previous day's.
pub(super) fn publish_snapshot(
    conn: &Connection,
    cache: &DocCache,
    active: &Active,
    team_id: &str,
    user: &User,
    c: &Computed,
) -> Result<()> {
    let day = active.cal.local_date(c.at).to_string();
    let id = doc_id(&["snapshot", team_id, &user.id, &day]);
    let last: Option<String> = conn
        .prepare_cached("SELECT doc_id FROM published_snapshots WHERE user_id = ?1")?
        .query_row([&user.id], |r| r.get(0))
        .optional()?;
    put(conn, cache, header(Kind::Snapshot, id.clone(), team_id, &user.id, c.at), &c.json, c.at)?;
    if let Some(old) = last.filter(|old| *old != id) {
        // The previous day's snapshot is superseded: devices drop it when this one arrives.
        conn.prepare_cached("DELETE FROM docs WHERE id = ?1")?.execute([&old])?;
        conn.prepare_cached("DELETE FROM device_docs WHERE doc_id = ?1")?.execute([&old])?;
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO published_snapshots (user_id, doc_id, day, as_of, config_version, data_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![user.id, id, day, c.at, active.config.version as i64, c.data_seq])?;
    // New alerts go to the team's robots (each alert once).
    outbox::alerts(conn, active, &c.alerts, c.at)
}
