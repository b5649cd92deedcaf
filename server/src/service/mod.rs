//! The team server's application logic, above any storage backend: enrollment and devices, the
//! sync round trip, publishing configuration and KPI snapshots, robot events, the web
//! dashboard's operations. Persistence goes through `crate::store` primitives; who may do what
//! is `crate::policy`. The HTTP layer, the admin CLI, benches and tests all go through
//! [`Service`].

pub mod blobs;
mod cache;
pub(crate) mod config;
mod deadlines;
mod departments;
mod evidence;
mod gate;
mod links;
mod members;
pub mod merge;
mod news;
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
pub use departments::DeptEdit;
pub use links::LinkProof;
pub use members::UserEdit;
pub use merge::{Author, Limits};
pub use news::{News, Waiter, MAX_WAITING, MAX_WAITING_PER_MEMBER};
pub use outbox::LEASE_MS;
pub use rollups::{RebuildFrom, Rebuilt};
#[doc(hidden)]
pub use thumbs::fuzz_image;
pub use week::{NUDGES_PER_DAY, NUDGE_EVERY_MS};

use crate::error::{Result, ServerError};
use crate::figures::Source;
use crate::model::{Caller, Delivery, DeliveryStatus, IdleDeal, PlacedCheckin, ReportEntry, Slice, Total, User};
use crate::now_ms;
use crate::store::db::Obligation;
use crate::store::{Db, Location};

/// The storage as the service uses it: its jobs fail with the server's own error.
pub type Store = crate::store::Store<ServerError>;

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
    /// Sync requests waiting for news.
    news: Arc<News>,
    /// Where attached files are kept, when this server keeps them.
    files: Option<Arc<blobs::Files>>,
    /// The key that signs file links (read from the database once).
    link_key: std::sync::OnceLock<String>,
    /// Up to when this process's schedule has recorded deadlines (0: not yet; it then looks
    /// back 35 days), so that a tick reads only what fell due since the last one.
    deadlines_through: AtomicI64,
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
            if db.flag("rebuild_sees")? {
                departments::refresh_sees(db)?;
                db.clear_flag("rebuild_sees")?;
            }
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
        let news = News::start(store.clone(), store.commits());
        Ok(Service {
            news,
            store,
            cache,
            active,
            checks: Arc::new(gate::Gate::for_checks()),
            refresh,
            interval,
            worker,
            files: None,
            link_key: std::sync::OnceLock::new(),
            deadlines_through: AtomicI64::new(0),
        })
    }

    /// The storage underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether the database answers and, after storage was found full, whether it takes writes
    /// again (a one-row write to the database, a small file beside the uploads): `Err` while
    /// it does not; the fault is cleared when it does.
    pub fn health(&self) -> Result<()> {
        self.store.ping()?;
        if crate::health::storage_fault().is_none() {
            return Ok(());
        }
        self.store.write(|db| Ok(db.probe_write(crate::now_ms())?))?;
        if let Some(files) = &self.files {
            files.staging.probe()?;
        }
        crate::health::storage_ok();
        Ok(())
    }

    /// Sets the least time between two refreshes of a user's KPI snapshot while their data keeps
    /// changing (default one minute).
    pub fn set_snapshot_interval(&self, every: std::time::Duration) {
        let ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        self.interval.store(ms, Ordering::Relaxed);
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
        // Whose data the merges write: on PostgreSQL they run beside other processes' merges
        // for other members.
        let members = sync::members(&caller.user.id, &prepared);
        let merged = self.write_sync(Some(members), move |db| {
            let now = now_ms();
            let device = c.device.id.as_str();
            // What every sync asks of the team's state, in one round trip.
            let state = db.published_state(&c.user.id)?;
            let active = config::fresh_at(db, &shared, state.config_version)?;
            let pusher = sync::Pusher {
                cache: &cache,
                author: &author,
                viewer: &c.user,
                device,
                limits: &limits,
                active: &active,
            };
            // Seen within the minute (as the request's own lookup read): nothing to write.
            if crate::store::db::seen_long_ago(c.device.last_seen_at, now) {
                db.touch_device(device, now)?;
            }
            db.begin_device_sync(device, req.cursor as i64)?;
            let results = pusher.apply(db, &req.pushes, prepared, now)?;
            let held = sync::held(&req.pushes, &results);
            let state = if publish::is_current(&state, &active, &c.team.id) {
                state
            } else {
                // Publishing writes what is the team's: alone, and from what was published last.
                db.lock_feed()?;
                db.published_state(&c.user.id)?
            };
            publish::config(db, &cache, &active, &c.team.id, now, state.published_config)?;
            publish::directory(db, &cache, &c.team.id, now, &state)?;
            let due = publish::due(state.snapshot, &active, now, every);
            if due == publish::Due::Soon {
                // Off this request: it answers now, and the next sync brings the figures.
                let _ = refresh.send((c.user.clone(), c.team.id.clone()));
            }
            Ok(Merged { results, held, snapshot: (due == publish::Due::Now).then_some(active) })
        })?;
        if let Some(active) = merged.snapshot {
            // The user's figures changed: compute them on a reader, off the writer, from what
            // just committed; then publish them, so that the page carries them.
            let computed = self.store.read(|db| publish::compute_snapshot(db, &active, &caller.user, now_ms()));
            match computed {
                Ok(computed) => {
                    let (cache, c) = (self.cache.clone(), caller.clone());
                    // The user's own snapshot: a merge for them (beside other members').
                    self.write_sync(Some(vec![caller.user.id.clone()]), move |db| {
                        publish::publish_snapshot(db, &cache, &active, &c.team.id, &c.user, &computed)
                    })?;
                }
                Err(e) => tracing::error!(user = %caller.user.id, error = %e, "computing a KPI snapshot failed"),
            }
        }
        // The page is read on a reader, after the pushes committed: the writer only writes.
        let (response, delivered) =
            self.store.read(|db| sync::page(db, &self.cache, &caller, &ask, merged.results, &merged.held))?;
        self.record_delivery(&caller.device.id, delivered)?;
        Ok(response)
    }

    /// The sync requests waiting for news (see `news.rs`).
    pub fn news(&self) -> &Arc<News> {
        &self.news
    }

    /// The next page of `caller`'s feed after `cursor`, pushing nothing: what a request that
    /// waited for news answers once woken.
    pub fn pull(&self, caller: &Caller, cursor: u64, max_bytes: u64, version: u8) -> Result<SyncResponse> {
        let ask = sync::Ask { cursor, max_bytes, version, want: Vec::new() };
        let nothing_held = std::collections::HashMap::new();
        let (response, delivered) =
            self.store.read(|db| sync::page(db, &self.cache, caller, &ask, Vec::new(), &nothing_held))?;
        self.record_delivery(&caller.device.id, delivered)?;
        Ok(response)
    }

    /// Records what a page delivered: damaged documents set aside now (rare; the next request
    /// must see them so); what the device was sent, queued to the writer without waiting
    /// (written before this process's next write, and harmless if lost).
    fn record_delivery(&self, device: &str, delivered: sync::Delivered) -> Result<()> {
        if !delivered.damaged.is_empty() {
            let damaged = delivered.damaged.clone();
            self.store.write(move |db| {
                for id in &damaged {
                    sync::set_aside(db, id, "its stored bytes do not load")?;
                }
                Ok(())
            })?;
        }
        if delivered.sent.is_empty() && delivered.forget.is_empty() {
            return Ok(());
        }
        let device = device.to_string();
        self.store.write_later("recording what a device was sent", move |db| delivered.record(db, &device));
        Ok(())
    }

    /// A writer job of a sync: the cache forgets what it learned when the job or its batch fails
    /// (the job's savepoint or the batch rolled back).
    /// `members`: the job writes only their data (see `Store::write_merge`).
    fn write_sync<T: Send + 'static>(
        &self,
        members: Option<Vec<String>>,
        f: impl FnOnce(&Db) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let cache = self.cache.clone();
        let job = move |db: &Db| {
            let out = f(db);
            if out.is_err() {
                cache.clear();
            }
            out
        };
        let result = match members {
            Some(members) => self.store.write_merge(members, job),
            None => self.store.write(job),
        };
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
        // Claims guard themselves (a lease, `SKIP LOCKED`): they run beside merges, with no
        // member's lock and not alone (a claim every few seconds would stop every process's
        // merges).
        self.store.write_merge(Vec::new(), move |db| Ok(db.claim_due(&worker, now, now + LEASE_MS, limit)?))
    }

    /// Records one attempt at delivering message `id`: sent, or failed and retried later with a
    /// doubling wait, or given up after the last attempt.
    pub fn finish_delivery(&self, id: i64, outcome: std::result::Result<(), String>, now: i64) -> Result<()> {
        // One claimed message's row: beside merges, as the claim.
        self.store.write_merge(Vec::new(), move |db| match &outcome {
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

/// What the writer's half of a sync round trip did.
struct Merged {
    results: Vec<fieldreport_protocol::wire::PushResult>,
    /// What the device holds of its own pushes, by document id (encoded heads).
    held: std::collections::HashMap<String, Vec<u8>>,
    /// The user's snapshot is due now, under this configuration.
    snapshot: Option<Arc<config::Active>>,
}

impl Source for Service {
    fn directory(&self) -> Result<Vec<User>> {
        self.store.read(|db| Ok(db.users()?))
    }

    fn seen_by(&self, viewer: &str) -> Result<Vec<String>> {
        self.store.read(|db| Ok(db.seen_by(viewer)?))
    }

    fn departments(&self) -> Result<Vec<fieldreport_protocol::team::Department>> {
        self.store.read(|db| Ok(db.departments()?))
    }

    fn dept_history(&self, depts: Option<&[String]>) -> Result<Vec<crate::store::db::DeptStint>> {
        self.store.read(|db| Source::dept_history(db, depts))
    }

    fn users_of(&self, ids: &[&str]) -> Result<Vec<User>> {
        self.store.read(|db| Source::users_of(db, ids))
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

    fn obligations(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<Obligation>> {
        self.store.read(|db| Ok(db.obligations(owners, first, last)?))
    }
}

/// The figure queries on one connection: a reader's, or the writer's inside its transaction
/// (which sees what the transaction merged so far).
impl Source for Db<'_> {
    fn directory(&self) -> Result<Vec<User>> {
        Ok(Db::users(self)?)
    }

    fn seen_by(&self, viewer: &str) -> Result<Vec<String>> {
        Ok(Db::seen_by(self, viewer)?)
    }

    fn departments(&self) -> Result<Vec<fieldreport_protocol::team::Department>> {
        Ok(Db::departments(self)?)
    }

    fn dept_history(&self, depts: Option<&[String]>) -> Result<Vec<crate::store::db::DeptStint>> {
        Ok(match depts {
            Some(d) => Db::dept_history_of(self, d)?,
            None => Db::dept_history(self)?,
        })
    }

    fn users_of(&self, ids: &[&str]) -> Result<Vec<User>> {
        /// Beyond this many, one read of the directory costs less than a lookup each.
        const ONE_BY_ONE: usize = 100;
        if ids.len() > ONE_BY_ONE {
            let wanted: std::collections::HashSet<&str> = ids.iter().copied().collect();
            return Ok(Db::users(self)?.into_iter().filter(|u| wanted.contains(u.id.as_str())).collect());
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(Db::user(self, id)?);
        }
        Ok(out)
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

    fn obligations(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<Obligation>> {
        Ok(Db::obligations(self, owners, first, last)?)
    }
}
