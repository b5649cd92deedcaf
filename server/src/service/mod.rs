//! The team server's application logic, above any storage backend: enrollment and devices, the
//! sync round trip, publishing configuration and KPI snapshots, robot events, the web
//! dashboard's operations. Persistence goes through `crate::store` primitives; who may do what
//! is `crate::policy`. The HTTP layer, the admin CLI, benches and tests all go through
//! [`Service`].

pub mod blobs;
mod cache;
pub(crate) mod config;
mod gate;
pub mod merge;
mod outbox;
mod publish;
mod refresher;
pub mod rollups;
mod sync;
mod thumbs;
pub mod views;
pub mod web;
mod week;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use fieldreport_protocol::team::TeamConfig;
use fieldreport_protocol::wire::{SyncRequest, SyncResponse};

use cache::DocCache;
pub use merge::{Author, Limits};
pub use outbox::LEASE_MS;
pub use rollups::{RebuildFrom, Rebuilt};

use crate::error::{CodeProblem, Result, ServerError};
use crate::figures::Source;
use crate::model::{
    Caller, Delivery, DeliveryStatus, Device, Enrolled, IdleDeal, PlacedCheckin, ReportEntry, Role, Slice, Team, Total,
    User,
};
use crate::now_ms;
use crate::secrets;
use crate::store::{Db, Location};

/// The storage as the service uses it: its jobs fail with the server's own error.
pub type Store = crate::store::Store<ServerError>;

/// How long an enrollment code stays valid.
const CODE_TTL_MS: i64 = 7 * 24 * 3_600_000;

/// The team server over its storage.
pub struct Service {
    store: Store,
    cache: Arc<DocCache>,
    /// The team configuration in force.
    active: config::Shared,
    /// About one merge check per core at a time, so the writer is not starved of CPU.
    checks: Arc<gate::Gate>,
    /// Users whose KPI snapshot is refreshed in the background.
    refresh: std::sync::mpsc::Sender<(User, String)>,
    /// The least time between two refreshes of a user's snapshot, in milliseconds.
    interval: Arc<AtomicI64>,
    /// This process's name when it claims robot messages.
    worker: String,
    /// Where attached files are kept, when this server keeps them.
    files: Option<Arc<blobs::Files>>,
}

fn issue_code(db: &Db, user_id: &str) -> Result<String> {
    let code = secrets::new_code()?;
    db.insert_code(&secrets::hash(&code), user_id, now_ms() + CODE_TTL_MS)?;
    Ok(code)
}

/// A member's name, checked.
fn member_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServerError::BadRequest("a user name is required (at most 200 characters)".into()));
    }
    Ok(name.to_string())
}

/// A phone number as robots @mention it: digits, optionally `+`, spaces and dashes (removed).
fn phone(p: Option<&str>) -> Result<Option<String>> {
    let Some(p) = p.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
    let digits: String = p.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let ok = digits.len() <= 20
        && digits.len() >= 3
        && digits.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if !ok {
        return Err(ServerError::BadRequest(format!("`{p}` is not a phone number (digits, optionally a leading +)")));
    }
    Ok(Some(digits))
}

/// Checks that `manager_id` names a manager or admin (not `user` itself).
fn check_manager(db: &Db, manager_id: Option<&str>, user: Option<&str>) -> Result<()> {
    if let Some(m) = manager_id {
        if Some(m) == user {
            return Err(ServerError::BadRequest("a member cannot be their own manager".into()));
        }
        match db.user(m)? {
            Some(u) if u.role != Role::Rep => {}
            Some(_) => return Err(ServerError::BadRequest(format!("user {m} is a rep and cannot be a manager"))),
            None => return Err(ServerError::NotFound(format!("no user with id {m}"))),
        }
    }
    Ok(())
}

fn insert_user(db: &Db, name: &str, role: Role, manager_id: Option<&str>, phone_number: Option<&str>) -> Result<User> {
    let name = member_name(name)?;
    check_manager(db, manager_id, None)?;
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        role,
        manager_id: manager_id.map(str::to_string),
        created_at: now_ms(),
        phone: phone(phone_number)?,
        active: true,
    };
    db.insert_user(&user)?;
    Ok(user)
}

/// What `edit_user` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserEdit {
    pub name: Option<String>,
    pub role: Option<String>,
    /// `Some(None)` removes the manager.
    pub manager_id: Option<Option<String>>,
    /// `Some(None)` removes the phone.
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Every member's name by id, for what people read.
pub(crate) fn names(db: &Db) -> Result<fieldreport_protocol::report::Names> {
    Ok(db.users()?.into_iter().map(|u| (u.id, u.name)).collect())
}

impl Service {
    /// Opens the storage at `location` (creating or upgrading it).
    /// Attached files go to `<data>/blobs` for a data directory; a database needs
    /// [`Service::keep_files`] (`serve --blobs`) for them.
    pub fn open(location: &Location) -> Result<Service> {
        let mut s = Service::new(Store::open(location)?)?;
        if let Location::Dir(dir) = location {
            s.keep_files(&dir.join("blobs").display().to_string())?;
        }
        Ok(s)
    }

    /// Keeps attached files in the blob store `spec` names (a directory, or `s3://bucket/prefix`),
    /// with uploads in progress staged in `<spec>/staging` (or a local directory for S3).
    pub fn keep_files(&mut self, spec: &str) -> Result<()> {
        self.files = Some(Arc::new(blobs::Files::open(spec)?));
        Ok(())
    }

    /// Opens a data directory (the embedded SQLite default).
    pub fn open_dir(dir: &std::path::Path) -> Result<Service> {
        Service::open(&Location::Dir(dir.to_path_buf()))
    }

    /// The service over `store`; finishes work an upgrade left (see the `flags` table).
    pub fn new(store: Store) -> Result<Service> {
        store.write(|db| {
            if db.flag("rebuild_rollups")? {
                let active = config::load(db)?;
                rollups::rebuild(db, &active.defs, &active.cal, RebuildFrom::Views, &|_| {})?;
                db.clear_flag("rebuild_rollups")?;
            }
            Ok(())
        })?;
        let active: config::Shared = Arc::new(std::sync::RwLock::new(Arc::new(store.read(config::load)?)));
        let cache = Arc::<DocCache>::default();
        let interval = Arc::new(AtomicI64::new(publish::MIN_INTERVAL_MS));
        let refresh = refresher::start(store.clone(), cache.clone(), active.clone(), interval.clone());
        let worker = format!("{}:{}", std::process::id(), uuid::Uuid::now_v7().simple());
        Ok(Service {
            store,
            cache,
            active,
            checks: Arc::new(gate::Gate::for_checks()),
            refresh,
            interval,
            worker,
            files: None,
        })
    }

    /// The storage underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Sets the least time between two refreshes of a user's KPI snapshot while their data keeps
    /// changing (default one minute).
    pub fn set_snapshot_interval(&self, every: std::time::Duration) {
        let ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        self.interval.store(ms, Ordering::Relaxed);
    }

    /// The team, once set up.
    pub fn team(&self) -> Result<Option<Team>> {
        self.store.read(|db| Ok(db.team()?))
    }

    /// First-run setup: the team and its admin; returns the admin and an enrollment code.
    pub fn init_team(&self, name: &str, tz: &str, week_start: &str, admin_name: &str) -> Result<(Team, User, String)> {
        let cal = fieldreport_protocol::period::Calendar::parse(tz, week_start)?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ServerError::BadRequest("a team name is required".into()));
        }
        let week_start = week_start.trim().to_ascii_lowercase();
        let tz = cal.tz.name().to_string();
        let admin_name = admin_name.to_string();
        self.store.write(move |db| {
            if let Some(t) = db.team()? {
                return Err(ServerError::Conflict(format!("this data already serves team {} ({})", t.name, t.id)));
            }
            let team = Team { id: uuid::Uuid::now_v7().to_string(), name, tz, week_start };
            db.insert_team(&team, now_ms())?;
            let admin = insert_user(db, &admin_name, Role::Admin, None, None)?;
            let code = issue_code(db, &admin.id)?;
            Ok((team, admin, code))
        })
    }

    /// Adds a user; returns it and a one-time enrollment code.
    pub fn add_user(&self, name: &str, role: &str, manager_id: Option<&str>) -> Result<(User, String)> {
        self.add_member(name, role, manager_id, None)
    }

    /// Adds a user with a phone (for robots' @mentions); returns it and a one-time code.
    pub fn add_member(
        &self,
        name: &str,
        role: &str,
        manager_id: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(User, String)> {
        let (name, role, manager) = (name.to_string(), role.parse::<Role>()?, manager_id.map(str::to_string));
        let phone = phone.map(str::to_string);
        self.store.write(move |db| {
            if db.team()?.is_none() {
                return Err(ServerError::BadRequest("no team yet: run `init` (or `serve`) first".into()));
            }
            let user = insert_user(db, &name, role, manager.as_deref(), phone.as_deref())?;
            let code = issue_code(db, &user.id)?;
            Ok((user, code))
        })
    }

    /// Changes a member: name, role, manager, phone, active. A deactivated member's devices stop
    /// working at once; their name stays in the directory (old reports still name them).
    pub fn edit_user(&self, id: &str, edit: UserEdit) -> Result<User> {
        let id = id.trim().to_string();
        self.store.write(move |db| {
            let mut u = db.user(&id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {id}")))?;
            if let Some(n) = &edit.name {
                u.name = member_name(n)?;
            }
            if let Some(r) = &edit.role {
                u.role = r.parse()?;
            }
            if let Some(m) = edit.manager_id {
                check_manager(db, m.as_deref(), Some(&u.id))?;
                u.manager_id = m;
            }
            if let Some(p) = edit.phone {
                u.phone = phone(p.as_deref())?;
            }
            if let Some(a) = edit.active {
                u.active = a;
            }
            if u.role == Role::Rep && db.users()?.iter().any(|x| x.manager_id.as_deref() == Some(u.id.as_str())) {
                return Err(ServerError::BadRequest(format!("{} manages others and cannot be a rep", u.name)));
            }
            db.update_user(&u)?;
            Ok(u)
        })
    }

    pub fn users(&self) -> Result<Vec<User>> {
        self.store.read(|db| Ok(db.users()?))
    }

    /// The user `id`, if there is one.
    pub fn user(&self, id: &str) -> Result<Option<User>> {
        self.store.read(|db| Ok(db.user(id)?))
    }

    /// A new one-time code for `user_id`.
    pub fn enrollment_code(&self, user_id: &str) -> Result<String> {
        let user_id = user_id.trim().to_string();
        self.store.write(move |db| {
            db.user(&user_id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {user_id}")))?;
            issue_code(db, &user_id)
        })
    }

    /// Redeems a code for a device with `actor`, named `name` by its user (optional).
    pub fn enroll(&self, code: &str, actor: &str, name: Option<&str>) -> Result<Enrolled> {
        let hash = secrets::hash(code);
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > 100 || n.chars().any(char::is_control) => {
                return Err(ServerError::BadRequest(
                    "a device name is one line of at most 100 characters (e.g. 张伟的手机)".into(),
                ))
            }
            other => other.map(str::to_string),
        };
        let actor = actor.trim().to_ascii_lowercase();
        if actor.len() < 2
            || actor.len() > 128
            || !actor.chars().all(|c| c.is_ascii_hexdigit())
            || !actor.len().is_multiple_of(2)
        {
            return Err(ServerError::BadRequest("the actor id must be hex (the device's Automerge actor)".into()));
        }
        self.store.write(move |db| {
            let now = now_ms();
            let user_id = match db.code(&hash)? {
                Some((u, exp, None)) if exp > now => u,
                Some((_, _, Some(_))) => return Err(ServerError::Enrollment(CodeProblem::Used)),
                Some(_) => return Err(ServerError::Enrollment(CodeProblem::Expired)),
                None => return Err(ServerError::Enrollment(CodeProblem::Unknown)),
            };
            if db.actor_taken(&actor)? {
                return Err(ServerError::Conflict("this actor id is already enrolled on an active device".into()));
            }
            let user = db.user(&user_id)?.ok_or_else(|| ServerError::Internal("code of a missing user".into()))?;
            let team = db.team()?.ok_or_else(|| ServerError::Internal("no team".into()))?;
            let token = secrets::new_token()?;
            let device = Device {
                id: uuid::Uuid::now_v7().to_string(),
                user_id: user.id.clone(),
                actor: actor.clone(),
                name,
                created_at: now,
                last_seen_at: None,
                revoked_at: None,
            };
            db.insert_device(&device, &secrets::hash(&token))?;
            db.use_code(&hash, now)?;
            Ok(Enrolled {
                device_id: device.id,
                token,
                user_id: user.id,
                team_id: team.id,
                tz: team.tz,
                week_start: team.week_start,
                role: user.role,
            })
        })
    }

    /// The caller behind a device token.
    pub fn authenticate(&self, token: &str) -> Result<Caller> {
        let hash = secrets::hash(token);
        self.store.read(|db| {
            let device = db.device_by_token(&hash)?.ok_or(ServerError::BadToken)?;
            if device.revoked_at.is_some() {
                return Err(ServerError::Revoked);
            }
            let user = db.user(&device.user_id)?.ok_or(ServerError::BadToken)?;
            if !user.active {
                return Err(ServerError::Revoked);
            }
            let team = db.team()?.ok_or(ServerError::BadToken)?;
            Ok(Caller { device, user, team })
        })
    }

    pub fn devices(&self, user_id: Option<&str>) -> Result<Vec<Device>> {
        self.store.read(|db| Ok(db.devices(user_id)?))
    }

    /// Revokes a device: its token stops working at once.
    pub fn revoke_device(&self, device_id: &str) -> Result<Device> {
        let id = device_id.trim().to_string();
        self.store.write(move |db| {
            if !db.revoke_device(&id, now_ms())? {
                return Err(ServerError::NotFound(format!("no device with id {id}")));
            }
            db.device(&id)?.ok_or_else(|| ServerError::NotFound(format!("no device with id {id}")))
        })
    }

    /// One sync round trip: checks and merges the pushes, returns a page of the change feed.
    pub fn sync(&self, caller: &Caller, req: SyncRequest, limits: &Limits) -> Result<SyncResponse> {
        let author = Author::of(caller);
        let active = config::current(&self.active);
        // Checks do not depend on the configuration; the writer re-reads it before indexing.
        let pusher = sync::Pusher {
            cache: &self.cache,
            author: &author,
            viewer: &caller.user,
            device: &caller.device.id,
            limits,
            active: &active,
        };
        // The expensive part, checking and merging, runs here in parallel with other requests.
        // About one check per core at a time (see gate.rs): more would starve the writer.
        let prepared = self.checks.run(|| self.store.read(|db| pusher.prepare(db, &req.pushes)))?;
        let (caller, limits) = (Arc::new(caller.clone()), *limits);
        let (cache, shared, c) = (self.cache.clone(), self.active.clone(), caller.clone());
        let ask = sync::Ask { cursor: req.cursor, max_bytes: req.max_bytes, version: req.version, want: req.want };
        let refresh = self.refresh.clone();
        let every = self.interval.load(Ordering::Relaxed);
        let first = self.write_sync(move |db| {
            let now = now_ms();
            let device = c.device.id.as_str();
            let active = config::fresh(db, &shared)?;
            let pusher = sync::Pusher {
                cache: &cache,
                author: &author,
                viewer: &c.user,
                device,
                limits: &limits,
                active: &active,
            };
            db.touch_device(device, now)?;
            db.begin_device_sync(device, req.cursor as i64)?;
            let results = pusher.apply(db, &req.pushes, prepared, now)?;
            let held = sync::held(&req.pushes, &results);
            publish::config(db, &cache, &active, &c.team.id, now)?;
            publish::directory(db, &cache, &c.team.id, now)?;
            match publish::snapshot_due(db, &active, &c.user, now, every)? {
                publish::Due::Now => return Ok(Step::Snapshot(results, held, active, ask)),
                publish::Due::Soon => {
                    // Off this request: it answers now, and the next sync brings the figures.
                    let _ = refresh.send((c.user.clone(), c.team.id.clone()));
                }
                publish::Due::No => {}
            }
            Ok(Step::Done(sync::page(db, &cache, &c, &ask, results, &held)?))
        })?;
        let (results, held, active, ask) = match first {
            Step::Done(resp) => return Ok(resp),
            Step::Snapshot(results, held, active, ask) => (results, held, active, ask),
        };
        // The user's figures changed: compute them on a reader, off the writer, from what just
        // committed; then publish them and answer with a page that carries them.
        let computed = self.store.read(|db| publish::compute_snapshot(db, &active, &caller.user, now_ms()));
        if let Err(e) = &computed {
            tracing::error!(user = %caller.user.id, error = %e, "computing a KPI snapshot failed");
        }
        let cache = self.cache.clone();
        self.write_sync(move |db| {
            if let Ok(c) = &computed {
                publish::publish_snapshot(db, &cache, &active, &caller.team.id, &caller.user, c)?;
            }
            sync::page(db, &cache, &caller, &ask, results, &held)
        })
    }

    /// A writer job of a sync: the cache forgets what it learned when the job or its batch fails
    /// (the job's savepoint or the batch rolled back).
    fn write_sync<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T> + Send + 'static) -> Result<T> {
        let cache = self.cache.clone();
        let result = self.store.write(move |db| {
            let out = f(db);
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

    /// The team configuration in force.
    /// Runs an export's reads on one connection (`crate::export`).
    pub(crate) fn read_export<T>(&self, f: impl FnOnce(&crate::store::Db) -> Result<T>) -> Result<T> {
        self.store.read(f)
    }

    pub fn config(&self) -> Result<TeamConfig> {
        let shared = self.active.clone();
        Ok(self.store.read(|db| config::fresh(db, &shared))?.config.clone())
    }

    /// Validates `config` and makes it the next version; a refused one changes nothing.
    pub fn apply_config(&self, new: TeamConfig) -> Result<TeamConfig> {
        let shared = self.active.clone();
        let cache = self.cache.clone();
        let out = self.store.write(move |db| {
            let before = config::fresh(db, &shared)?;
            let active = config::apply(db, &before, new)?;
            let stored = active.config.clone();
            config::set(&shared, active);
            // Cached documents carry nothing configuration-dependent, but keep the cache and the
            // configuration in step with what committed.
            cache.clear();
            Ok(stored)
        });
        if out.is_err() {
            // The job may have set a configuration whose batch then failed to commit.
            let reloaded = self.store.read(config::load)?;
            config::set(&self.active, reloaded);
        }
        out
    }

    /// Recomputes every KPI rollup from the stored records (their current typed views, else the
    /// documents; `from` says), reporting documents done.
    pub fn rebuild_kpis(&self, from: RebuildFrom, progress: Box<dyn Fn(u64) + Send>) -> Result<Rebuilt> {
        let shared = self.active.clone();
        self.store.write(move |db| {
            let active = config::fresh(db, &shared)?;
            rollups::rebuild(db, &active.defs, &active.cal, from, &*progress)
        })
    }

    /// Claims robot messages due at `now` for this process (a lease of [`LEASE_MS`]), oldest
    /// first: another process does not send them meanwhile.
    pub fn claim_deliveries(&self, now: i64, limit: usize) -> Result<Vec<Delivery>> {
        let worker = self.worker.clone();
        self.store.write(move |db| Ok(db.claim_due(&worker, now, now + LEASE_MS, limit)?))
    }

    /// Records one attempt at delivering message `id`: sent, or failed and retried later with a
    /// doubling wait, or given up after the last attempt.
    pub fn finish_delivery(&self, id: i64, outcome: std::result::Result<(), String>, now: i64) -> Result<()> {
        self.store.write(move |db| match &outcome {
            Ok(()) => Ok(db.delivered(id, now)?),
            Err(e) => {
                let n = db.attempts(id)?.unwrap_or(0) + 1;
                let status =
                    if n >= crate::robots::MAX_ATTEMPTS { DeliveryStatus::Failed } else { DeliveryStatus::Pending };
                let wait = crate::robots::BACKOFF_BASE_MS.saturating_mul(1 << (n - 1).min(10)).min(1_800_000);
                Ok(db.delivery_failed(id, status, n, now + wait, e)?)
            }
        })
    }

    /// How many robot messages wait to be sent.
    pub fn outbox_backlog(&self) -> Result<i64> {
        self.store.read(|db| Ok(db.pending_deliveries()?))
    }

    /// The latest robot messages, newest first.
    pub fn deliveries(&self, limit: usize) -> Result<Vec<Delivery>> {
        self.store.read(|db| Ok(db.deliveries(limit)?))
    }

    /// The documents set aside because their stored copy cannot be loaded. With `scan`, every
    /// stored document is loaded first (in batches, on a reader) and the damaged ones are set
    /// aside; `progress` hears documents checked.
    pub fn doctor(&self, scan: bool, progress: &dyn Fn(u64)) -> Result<Vec<crate::store::db::Quarantined>> {
        if scan {
            let mut after = String::new();
            let mut checked = 0u64;
            loop {
                let batch = self.store.read(|db| Ok(db.doc_ids_after(&after, 512)?))?;
                let Some(last) = batch.last() else { break };
                after = last.0.clone();
                let damaged: Vec<(String, String)> = self.store.read(|db| {
                    let mut bad = Vec::new();
                    for (id, _, _) in &batch {
                        let Some(bytes) = db.doc_bytes(id)? else { continue };
                        let ok = std::panic::catch_unwind(|| {
                            fieldreport_protocol::doc::Doc::load_trusted(&bytes)
                                .ok()
                                .is_some_and(|d| fieldreport_protocol::doc::Record::read(&d).is_ok())
                        })
                        .unwrap_or(false);
                        if !ok {
                            bad.push((id.clone(), "its stored bytes do not load".to_string()));
                        }
                    }
                    Ok(bad)
                })?;
                if !damaged.is_empty() {
                    self.store.write(move |db| {
                        for (id, why) in &damaged {
                            sync::set_aside(db, id, why)?;
                        }
                        Ok(())
                    })?;
                }
                checked += batch.len() as u64;
                progress(checked);
            }
        }
        self.store.read(|db| Ok(db.quarantined()?))
    }
}

/// Where the first half of a sync round trip left off.
enum Step {
    /// The answer.
    Done(SyncResponse),
    /// Pushes merged; the user's snapshot needs computing before the page.
    Snapshot(
        Vec<fieldreport_protocol::wire::PushResult>,
        std::collections::HashMap<String, Vec<u8>>,
        Arc<config::Active>,
        sync::Ask,
    ),
}

impl Source for Service {
    fn directory(&self) -> Result<Vec<User>> {
        self.store.read(|db| Ok(db.users()?))
    }

    fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>> {
        self.store.read(|db| Ok(db.totals(first, last, slice, distinct)?))
    }

    fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>> {
        self.store.read(|db| Ok(db.last_seen()?))
    }

    fn idle_deals(&self, owners: &[String], before_ms: i64) -> Result<Vec<IdleDeal>> {
        self.store.read(|db| Ok(db.idle_deals(owners, before_ms)?))
    }

    fn placed_checkins(&self, owners: &[String], since_ms: i64) -> Result<Vec<PlacedCheckin>> {
        self.store.read(|db| Ok(db.placed_checkins(owners, since_ms)?))
    }

    fn reports(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>> {
        self.store.read(|db| Ok(db.reports(owners, first, last)?))
    }
}

/// The figure queries on one connection: a reader's, or the writer's inside its transaction
/// (which sees what the transaction merged so far).
impl Source for Db<'_> {
    fn directory(&self) -> Result<Vec<User>> {
        Ok(Db::users(self)?)
    }

    fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>> {
        Ok(Db::totals(self, first, last, slice, distinct)?)
    }

    fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>> {
        Ok(Db::last_seen(self)?)
    }

    fn idle_deals(&self, owners: &[String], before_ms: i64) -> Result<Vec<IdleDeal>> {
        Ok(Db::idle_deals(self, owners, before_ms)?)
    }

    fn placed_checkins(&self, owners: &[String], since_ms: i64) -> Result<Vec<PlacedCheckin>> {
        Ok(Db::placed_checkins(self, owners, since_ms)?)
    }

    fn reports(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>> {
        Ok(Db::reports(self, owners, first, last)?)
    }
}
