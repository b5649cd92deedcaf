//! The embedded SQLite backend: one batching writer connection and a pool of read connections,
//! in WAL mode, in a data directory.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fieldreport_core::sync::wire::{ChangeHash, PushResult, SyncRequest, SyncResponse};
use rusqlite::{params, Connection, OptionalExtension};

mod cache;
mod config;
mod feed;
mod figures;
mod gate;
mod outbox;
mod publish;
mod pushes;
mod readers;
pub mod rollups;
pub mod views;
mod web;

use cache::DocCache;
pub use figures::ConnSource;
use pushes::Pusher;
use readers::Readers;
pub use rollups::{RebuildFrom, Rebuilt};

use super::writer::Writer;
use chrono::NaiveDate;
use fieldreport_core::team::TeamConfig;

use super::{
    Caller, Delivery, Device, Enrolled, IdleDeal, InboxItem, ReportEntry, Slice, Source, Storage, Team, Total, User,
    WebSession, ROLES,
};
use crate::error::{Result, ServerError};
use crate::merge::{Author, Limits};
use crate::now_ms;
use crate::secrets;

/// How long an enrollment code stays valid.
const CODE_TTL_MS: i64 = 7 * 24 * 3_600_000;

fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn decode_heads(b: &[u8]) -> Vec<ChangeHash> {
    b.chunks_exact(32).filter_map(|c| ChangeHash::try_from(c).ok()).collect()
}

fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // A sync round trip uses more distinct statements than rusqlite's default cache of 16;
    // re-preparing them on every request cost more than running them.
    conn.set_prepared_statement_cache_capacity(64);
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")?;
    Ok(conn)
}

/// The schema this server writes.
const SCHEMA_VERSION: i64 = 4;

/// The whole schema at [`SCHEMA_VERSION`]: the first one and every upgrade.
const FULL_SCHEMA: &str = concat!(
    include_str!("schema.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql")
);

/// Every upgrade after schema 1.
const UPGRADES_FROM_1: &str =
    concat!(include_str!("schema_v2.sql"), include_str!("schema_v3.sql"), include_str!("schema_v4.sql"));

/// Creates the whole schema on a bare connection (for tools and benchmarks that work on a
/// database of their own).
pub fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(FULL_SCHEMA)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}

/// Creates or upgrades the schema, in one transaction per step; another process may be doing
/// the same, so a step re-reads the version inside its transaction.
fn migrate(conn: &Connection) -> Result<()> {
    loop {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let step = match version {
            0 => conn.execute_batch(FULL_SCHEMA).map_err(ServerError::from),
            // Straight to the latest schema, which the rebuild reads.
            1 => conn.execute_batch(UPGRADES_FROM_1).map_err(ServerError::from).and_then(|()| {
                // Documents merged before rollups existed: compute their facts and indexes now.
                let active = config::load(conn)?;
                rollups::rebuild(conn, &active.defs, &active.cal, RebuildFrom::Views, &|_| {}).map(|_| ())
            }),
            2 => conn.execute_batch(include_str!("schema_v3.sql")).map_err(ServerError::from),
            // Views of documents merged before: none yet; the next rebuild reads those documents.
            3 => conn.execute_batch(include_str!("schema_v4.sql")).map_err(ServerError::from),
            SCHEMA_VERSION => {
                conn.execute_batch("COMMIT")?;
                return Ok(());
            }
            v => {
                conn.execute_batch("ROLLBACK")?;
                return Err(ServerError::BadRequest(format!(
                    "the data directory holds schema version {v}, newer than this server understands; upgrade the server"
                )));
            }
        };
        let next = if version <= 1 { SCHEMA_VERSION } else { version + 1 };
        let done = step.and_then(|()| Ok(conn.execute_batch(&format!("PRAGMA user_version = {next}; COMMIT;"))?));
        if let Err(e) = done {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(ServerError::Internal(format!("upgrading the data directory to schema {next} failed: {e}")));
        }
    }
}

/// Storage on SQLite files in a data directory.
pub struct SqliteStorage {
    writer: Writer,
    readers: Arc<Readers>,
    /// Users whose KPI snapshot is refreshed in the background.
    refresh: std::sync::mpsc::Sender<(User, String)>,
    /// The least time between two refreshes of a user's snapshot, in milliseconds.
    interval: Arc<std::sync::atomic::AtomicI64>,
    cache: Arc<DocCache>,
    /// The team configuration in force.
    active: config::Shared,
    /// About one merge check per core at a time, so the writer is not starved of CPU.
    checks: Arc<gate::Gate>,
}

impl SqliteStorage {
    /// Opens (creating when needed) the storage in `dir`.
    pub fn open(dir: &Path) -> Result<SqliteStorage> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::BadRequest(format!("cannot create the data directory {}: {e}", dir.display())))?;
        let path = dir.join("fieldreport-server.db");
        let conn = open(&path)?;
        migrate(&conn)?;
        let active: config::Shared = Arc::new(std::sync::RwLock::new(Arc::new(config::load(&conn)?)));
        let reader = open(&path)?;
        let (writer, readers, cache) =
            (Writer::start(conn), Arc::new(Readers::new(path, reader)), Arc::<DocCache>::default());
        let interval = Arc::new(std::sync::atomic::AtomicI64::new(publish::MIN_INTERVAL_MS));
        let refresh = refresher(writer.clone(), readers.clone(), cache.clone(), active.clone(), interval.clone());
        Ok(SqliteStorage {
            writer,
            readers,
            refresh,
            interval,
            cache,
            active,
            checks: Arc::new(gate::Gate::for_checks()),
        })
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.readers.read(f)
    }
}

fn team_of(conn: &Connection) -> Result<Option<Team>> {
    Ok(conn
        .prepare_cached("SELECT team_id, name, tz, week_start FROM team WHERE id = 1")?
        .query_row([], |r| Ok(Team { id: r.get(0)?, name: r.get(1)?, tz: r.get(2)?, week_start: r.get(3)? }))
        .optional()?)
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User { id: r.get(0)?, name: r.get(1)?, role: r.get(2)?, manager_id: r.get(3)?, created_at: r.get(4)? })
}

fn user_by_id(conn: &Connection, id: &str) -> Result<Option<User>> {
    Ok(conn
        .prepare_cached("SELECT id, name, role, manager_id, created_at FROM users WHERE id = ?1")?
        .query_row([id], user_row)
        .optional()?)
}

fn users_of(conn: &Connection) -> Result<Vec<User>> {
    let mut st =
        conn.prepare_cached("SELECT id, name, role, manager_id, created_at FROM users ORDER BY created_at, id")?;
    let rows = st.query_map([], user_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn device_row(r: &rusqlite::Row) -> rusqlite::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        user_id: r.get(1)?,
        actor: r.get(2)?,
        created_at: r.get(3)?,
        last_seen_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

const DEVICE_COLS: &str = "id, user_id, actor, created_at, last_seen_at, revoked_at";

fn issue_code(conn: &Connection, user_id: &str) -> Result<String> {
    let code = secrets::new_code()?;
    conn.execute(
        "INSERT INTO enroll_codes (code_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![secrets::hash(&code), user_id, now_ms() + CODE_TTL_MS],
    )?;
    Ok(code)
}

fn insert_user(conn: &Connection, name: &str, role: &str, manager_id: Option<&str>) -> Result<User> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServerError::BadRequest("a user name is required (at most 200 characters)".into()));
    }
    if !ROLES.contains(&role) {
        return Err(ServerError::BadRequest(format!("`{role}` is not a role (rep, manager or admin)")));
    }
    if let Some(m) = manager_id {
        match user_by_id(conn, m)? {
            Some(u) if u.role != "rep" => {}
            Some(_) => return Err(ServerError::BadRequest(format!("user {m} is a rep and cannot be a manager"))),
            None => return Err(ServerError::NotFound(format!("no user with id {m}"))),
        }
    }
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_string(),
        role: role.to_string(),
        manager_id: manager_id.map(str::to_string),
        created_at: now_ms(),
    };
    conn.execute(
        "INSERT INTO users (id, name, role, manager_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user.id, user.name, user.role, user.manager_id, user.created_at],
    )?;
    Ok(user)
}

impl Storage for SqliteStorage {
    fn team(&self) -> Result<Option<Team>> {
        self.read(team_of)
    }

    fn init_team(&self, name: &str, tz: &str, week_start: &str, admin_name: &str) -> Result<(Team, User, String)> {
        let cal = fieldreport_core::period::Calendar::parse(tz, week_start)?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ServerError::BadRequest("a team name is required".into()));
        }
        let week_start = week_start.trim().to_ascii_lowercase();
        let tz = cal.tz.name().to_string();
        let admin_name = admin_name.to_string();
        self.writer.write(move |conn| {
            if let Some(t) = team_of(conn)? {
                return Err(ServerError::Conflict(format!(
                    "this data directory already serves team {} ({})",
                    t.name, t.id
                )));
            }
            let team = Team { id: uuid::Uuid::now_v7().to_string(), name, tz, week_start };
            conn.execute(
                "INSERT INTO team (id, team_id, name, tz, week_start, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                params![team.id, team.name, team.tz, team.week_start, now_ms()],
            )?;
            let admin = insert_user(conn, &admin_name, "admin", None)?;
            let code = issue_code(conn, &admin.id)?;
            Ok((team, admin, code))
        })
    }

    fn add_user(&self, name: &str, role: &str, manager_id: Option<&str>) -> Result<(User, String)> {
        let (name, role, manager) =
            (name.to_string(), role.trim().to_ascii_lowercase(), manager_id.map(str::to_string));
        self.writer.write(move |conn| {
            if team_of(conn)?.is_none() {
                return Err(ServerError::BadRequest("no team yet: run `init` (or `serve`) first".into()));
            }
            let user = insert_user(conn, &name, &role, manager.as_deref())?;
            let code = issue_code(conn, &user.id)?;
            Ok((user, code))
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        self.read(users_of)
    }

    fn enrollment_code(&self, user_id: &str) -> Result<String> {
        let user_id = user_id.trim().to_string();
        self.writer.write(move |conn| {
            user_by_id(conn, &user_id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {user_id}")))?;
            issue_code(conn, &user_id)
        })
    }

    fn enroll(&self, code: &str, actor: &str) -> Result<Enrolled> {
        let hash = secrets::hash(code);
        let actor = actor.trim().to_ascii_lowercase();
        if actor.len() < 2
            || actor.len() > 128
            || !actor.chars().all(|c| c.is_ascii_hexdigit())
            || !actor.len().is_multiple_of(2)
        {
            return Err(ServerError::BadRequest("the actor id must be hex (the device's Automerge actor)".into()));
        }
        self.writer.write(move |conn| {
            let now = now_ms();
            let row: Option<(String, i64, Option<i64>)> = conn
                .query_row("SELECT user_id, expires_at, used_at FROM enroll_codes WHERE code_hash = ?1", [&hash], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let user_id = match row {
                Some((u, exp, None)) if exp > now => u,
                Some((_, _, Some(_))) => {
                    return Err(ServerError::Forbidden("this enrollment code was already used".into()))
                }
                Some(_) => {
                    return Err(ServerError::Forbidden("this enrollment code has expired; ask for a new one".into()))
                }
                None => return Err(ServerError::Forbidden("unknown enrollment code".into())),
            };
            let taken: Option<String> = conn
                .query_row("SELECT user_id FROM devices WHERE actor = ?1 AND revoked_at IS NULL", [&actor], |r| {
                    r.get(0)
                })
                .optional()?;
            if taken.is_some() {
                return Err(ServerError::Conflict("this actor id is already enrolled on an active device".into()));
            }
            let user =
                user_by_id(conn, &user_id)?.ok_or_else(|| ServerError::Internal("code of a missing user".into()))?;
            let team = team_of(conn)?.ok_or_else(|| ServerError::Internal("no team".into()))?;
            let token = secrets::new_token()?;
            let device_id = uuid::Uuid::now_v7().to_string();
            conn.execute(
                "INSERT INTO devices (id, user_id, actor, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![device_id, user.id, actor, secrets::hash(&token), now],
            )?;
            conn.execute("UPDATE enroll_codes SET used_at = ?2 WHERE code_hash = ?1", params![hash, now])?;
            Ok(Enrolled {
                device_id,
                token,
                user_id: user.id,
                team_id: team.id,
                tz: team.tz,
                week_start: team.week_start,
                role: user.role,
            })
        })
    }

    fn authenticate(&self, token: &str) -> Result<Caller> {
        let hash = secrets::hash(token);
        self.read(|conn| {
            // Every request authenticates: cached statements, not parsed each time.
            let device = conn
                .prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?1"))?
                .query_row([&hash], device_row)
                .optional()?
                .ok_or(ServerError::BadToken)?;
            if device.revoked_at.is_some() {
                return Err(ServerError::Revoked);
            }
            let user = user_by_id(conn, &device.user_id)?.ok_or(ServerError::BadToken)?;
            let team = team_of(conn)?.ok_or(ServerError::BadToken)?;
            Ok(Caller { device, user, team })
        })
    }

    fn devices(&self, user_id: Option<&str>) -> Result<Vec<Device>> {
        self.read(|conn| {
            let mut st = conn.prepare(&format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE ?1 IS NULL OR user_id = ?1 ORDER BY created_at, id"
            ))?;
            let rows = st.query_map([user_id], device_row)?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn revoke_device(&self, device_id: &str) -> Result<Device> {
        let id = device_id.trim().to_string();
        self.writer.write(move |conn| {
            let n = conn.execute(
                "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![id, now_ms()],
            )?;
            if n == 0 {
                return Err(ServerError::NotFound(format!("no device with id {id}")));
            }
            Ok(conn.query_row(&format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"), [&id], device_row)?)
        })
    }

    fn sync(&self, caller: &Caller, req: SyncRequest, limits: &Limits) -> Result<SyncResponse> {
        let author = Author::of(caller);
        let cache = self.cache.clone();
        let active = config::current(&self.active);
        // Checks do not depend on the configuration; the writer re-reads it before indexing.
        let pusher = Pusher { cache: &cache, author: &author, device: &caller.device.id, limits, active: &active };
        // The expensive part, checking and merging, runs here in parallel with other requests.
        // About one check per core at a time (see gate.rs): more would starve the writer.
        let prepared = self.checks.run(|| self.read(|conn| pusher.prepare(conn, &req.pushes)))?;
        let (caller, limits) = (Arc::new(caller.clone()), *limits);
        let (cache, shared, c) = (self.cache.clone(), self.active.clone(), caller.clone());
        let (cursor, max_bytes) = (req.cursor, req.max_bytes);
        let refresh = self.refresh.clone();
        let every = self.interval.load(std::sync::atomic::Ordering::Relaxed);
        let first = self.write_sync(move |conn| {
            let now = now_ms();
            let device = c.device.id.as_str();
            let active = config::fresh(conn, &shared)?;
            let pusher = Pusher { cache: &cache, author: &author, device, limits: &limits, active: &active };
            begin_sync(conn, device, req.cursor, now)?;
            let results = pusher.apply(conn, &req.pushes, prepared, now)?;
            let held = feed::held(&req.pushes, &results);
            publish::config(conn, &cache, &active, &c.team.id, now)?;
            match publish::snapshot_due(conn, &active, &c.user, now, every)? {
                publish::Due::Now => return Ok(Step::Snapshot(results, held, active)),
                publish::Due::Soon => {
                    // Off this request: it answers now, and the next sync brings the figures.
                    let _ = refresh.send((c.user.clone(), c.team.id.clone()));
                }
                publish::Due::No => {}
            }
            Ok(Step::Done(feed::page(conn, &cache, &c, req.cursor, req.max_bytes, results, &held)?))
        })?;
        let (results, held, active) = match first {
            Step::Done(resp) => return Ok(resp),
            Step::Snapshot(results, held, active) => (results, held, active),
        };
        // The user's figures changed: compute them on a reader, off the writer, from what just
        // committed; then publish them and answer with a page that carries them.
        let computed = self.read(|conn| publish::compute_snapshot(conn, &active, &caller.user, now_ms()));
        if let Err(e) = &computed {
            tracing::error!(user = %caller.user.id, error = %e, "computing a KPI snapshot failed");
        }
        let cache = self.cache.clone();
        self.write_sync(move |conn| {
            if let Ok(c) = &computed {
                publish::publish_snapshot(conn, &cache, &active, &caller.team.id, &caller.user, c)?;
            }
            feed::page(conn, &cache, &caller, cursor, max_bytes, results, &held)
        })
    }

    fn config(&self) -> Result<TeamConfig> {
        let shared = self.active.clone();
        Ok(self.read(|conn| config::fresh(conn, &shared))?.config.clone())
    }

    fn apply_config(&self, new: TeamConfig) -> Result<TeamConfig> {
        let shared = self.active.clone();
        let cache = self.cache.clone();
        let out = self.writer.write(move |conn| {
            let before = config::fresh(conn, &shared)?;
            let active = config::apply(conn, &before, new)?;
            let stored = active.config.clone();
            config::set(&shared, active);
            // Cached documents carry nothing configuration-dependent, but keep the cache and the
            // configuration in step with what committed.
            cache.clear();
            Ok(stored)
        });
        if out.is_err() {
            // The job may have set a configuration whose batch then failed to commit.
            let reloaded = self.writer.write(config::load)?;
            config::set(&self.active, reloaded);
        }
        out
    }

    fn rebuild_kpis(&self, from: RebuildFrom, progress: Box<dyn Fn(u64) + Send>) -> Result<Rebuilt> {
        let shared = self.active.clone();
        self.writer.write(move |conn| {
            let active = config::fresh(conn, &shared)?;
            rollups::rebuild(conn, &active.defs, &active.cal, from, &*progress)
        })
    }

    fn source(&self) -> &dyn Source {
        self
    }

    fn due_deliveries(&self, now: i64, limit: usize) -> Result<Vec<Delivery>> {
        self.read(|conn| outbox::due(conn, now, limit))
    }

    fn finish_delivery(&self, id: i64, outcome: std::result::Result<(), String>, now: i64) -> Result<()> {
        self.writer.write(move |conn| outbox::finish(conn, id, &outcome, now))
    }

    fn deliveries(&self, limit: usize) -> Result<Vec<Delivery>> {
        self.read(|conn| outbox::list(conn, limit))
    }

    fn login_link(&self, user_id: &str) -> Result<String> {
        let id = user_id.trim().to_string();
        self.writer.write(move |conn| web::login_link(conn, &id))
    }

    fn open_session(&self, link: &str) -> Result<(String, String)> {
        let link = link.to_string();
        self.writer.write(move |conn| web::open_session(conn, &link))
    }

    fn session(&self, token: &str) -> Result<WebSession> {
        self.read(|conn| web::session(conn, token))
    }

    fn end_session(&self, token: &str) -> Result<()> {
        let token = token.to_string();
        self.writer.write(move |conn| web::end_session(conn, &token))
    }

    fn inbox(&self, user: &User) -> Result<Vec<InboxItem>> {
        self.read(|conn| web::inbox(conn, user))
    }

    fn open_report(&self, user: &User, id: &str) -> Result<fieldreport_core::doc::Report> {
        let (report, first) = self.read(|conn| web::readable_report(conn, user, id))?;
        if first {
            let (id, reader, owner) = (id.to_string(), user.id.clone(), report.header.owner.clone());
            self.writer.write(move |conn| web::record_read(conn, &id, &reader, &owner))?;
        }
        Ok(report)
    }

    fn web_comment(&self, user: &User, id: &str, text: &str) -> Result<fieldreport_core::doc::Report> {
        let (user, id, text) = (user.clone(), id.to_string(), text.to_string());
        let (shared, cache) = (self.active.clone(), self.cache.clone());
        self.write_sync(move |conn| {
            let active = config::fresh(conn, &shared)?;
            web::comment(conn, &cache, &active, &user, &id, &text)
        })
    }
}

impl Source for SqliteStorage {
    fn directory(&self) -> Result<Vec<User>> {
        self.read(users_of)
    }

    fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>> {
        self.read(|conn| figures::totals(conn, first, last, slice, distinct))
    }

    fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>> {
        self.read(figures::last_seen)
    }

    fn idle_deals(&self, owners: &[String], before_ms: i64) -> Result<Vec<IdleDeal>> {
        self.read(|conn| figures::idle_deals(conn, owners, before_ms))
    }

    fn reports(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>> {
        self.read(|conn| figures::reports(conn, owners, first, last))
    }
}

/// Starts the thread that refreshes users' KPI snapshots off the request path: it computes on a
/// reader and publishes through the writer, once per user however many requests asked.
fn refresher(
    writer: Writer,
    readers: Arc<Readers>,
    cache: Arc<DocCache>,
    shared: config::Shared,
    interval: Arc<std::sync::atomic::AtomicI64>,
) -> std::sync::mpsc::Sender<(User, String)> {
    let (tx, rx) = std::sync::mpsc::channel::<(User, String)>();
    let spawned = std::thread::Builder::new().name("fieldreport-snapshots".into()).spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut due: HashMap<String, (User, String)> = HashMap::new();
            due.insert(first.0.id.clone(), first);
            while let Ok(more) = rx.try_recv() {
                due.insert(more.0.id.clone(), more);
            }
            for (user, team_id) in due.into_values() {
                let active = config::current(&shared);
                let now = now_ms();
                let every = interval.load(std::sync::atomic::Ordering::Relaxed);
                let computed = readers.read(|conn| {
                    let due = match publish::snapshot_due(conn, &active, &user, now, every)? {
                        publish::Due::No => false,
                        publish::Due::Now => true,
                        publish::Due::Soon => publish::covered_changed(conn, &user)?,
                    };
                    if due {
                        publish::compute_snapshot(conn, &active, &user, now).map(Some)
                    } else {
                        Ok(None)
                    }
                });
                let out = match computed {
                    Ok(Some(c)) => {
                        let (cache, active, user2) = (cache.clone(), active.clone(), user.clone());
                        writer.write(move |conn| publish::publish_snapshot(conn, &cache, &active, &team_id, &user2, &c))
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                };
                if let Err(e) = out {
                    tracing::error!(user = %user.id, error = %e, "refreshing a KPI snapshot failed");
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the snapshot refresher; snapshots refresh on the next day's first sync");
    }
    tx
}

/// Where the first half of a sync round trip left off.
enum Step {
    /// The answer.
    Done(SyncResponse),
    /// Pushes merged; the user's snapshot needs computing before the page.
    Snapshot(Vec<PushResult>, HashMap<String, Vec<u8>>, Arc<config::Active>),
}

impl SqliteStorage {
    /// A writer job of a sync: the cache forgets what it learned when the job or its batch fails
    /// (the job's savepoint or the batch rolled back).
    fn write_sync<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> Result<T> + Send + 'static) -> Result<T> {
        let cache = self.cache.clone();
        let result = self.writer.write(move |conn| {
            let out = f(conn);
            if out.is_err() {
                cache.clear();
            }
            out
        });
        if result.is_err() {
            self.cache.clear();
        }
        result
    }
}

impl SqliteStorage {
    /// Sets the least time between two refreshes of a user's KPI snapshot while their data keeps
    /// changing (default one minute).
    pub fn set_snapshot_interval(&self, every: std::time::Duration) {
        let ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        self.interval.store(ms, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The start of one sync round trip inside the writer's transaction: the device's bookkeeping.
fn begin_sync(conn: &Connection, device: &str, cursor: u64, now: i64) -> Result<()> {
    // Seen-times to the minute: an idle sync then writes nothing (and costs no fsync).
    conn.prepare_cached(
        "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1 AND (last_seen_at IS NULL OR last_seen_at < ?2 - 60000)",
    )?
    .execute(params![device, now])?;
    // Cursor 0 means the device holds nothing (a first sync, or a device that lost its data):
    // forget what it was known to hold, so it receives whole documents.
    if cursor == 0 {
        conn.prepare_cached("DELETE FROM device_docs WHERE device_id = ?1")?.execute([device])?;
    }
    // Pages up to the device's cursor are committed on the device: what they carried is known.
    conn.prepare_cached(
        "UPDATE device_docs SET heads = sent_heads, sent_heads = NULL, sent_seq = NULL
         WHERE device_id = ?1 AND sent_seq IS NOT NULL AND sent_seq <= ?2",
    )?
    .execute(params![device, cursor as i64])?;
    Ok(())
}
