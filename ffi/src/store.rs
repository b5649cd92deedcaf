//! `FieldStore`: one device store behind the FFI. Every plain method runs on the caller's thread
//! and does disk I/O (SQLite, fsync on writes), so apps call it off their main/UI thread; the
//! async ones (`enroll`, `sync`, `fetch_attachment`, `approve_web_login`, `sign_out`) run on the
//! library's own threads (see `background.rs`) and may be awaited from anywhere.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use fieldreport_core::Store;

use crate::error::{guard, FieldError};
use crate::http::HttpClient;
use crate::hub::Hub;
use crate::types::*;

pub(crate) type Result<T> = std::result::Result<T, FieldError>;

/// A device's local store: customers, deals, followups, contracts, payments, reports.
#[derive(uniffi::Object)]
pub struct FieldStore {
    /// The database file; `None` for an in-memory store (which cannot sync).
    pub(crate) path: Option<PathBuf>,
    /// `None` once closed.
    store: Mutex<Option<Store>>,
    /// The token of the running sync, to cancel it (cleared by the sync's own thread when it
    /// ends, even when nobody awaits it any more).
    pub(crate) cancel: Arc<Mutex<Option<fieldreport_core::sync::CancelToken>>>,
    /// Held by the running sync: one at a time per store, a second one waits its turn.
    pub(crate) sync_turn: Arc<tokio::sync::Mutex<()>>,
    /// The app's HTTP client for enroll and sync (see [`FieldStore::set_http_client`]).
    pub(crate) http: Mutex<Option<Arc<dyn HttpClient>>>,
    /// Who observes which records (see `observe.rs`).
    pub(crate) hub: Arc<Hub>,
    /// Sync that runs itself, while it runs (see `auto_sync.rs`).
    pub(crate) auto: Mutex<Option<fieldreport_core::sync::AutoSync>>,
    /// How sync reaches the server and when it runs by itself.
    pub(crate) config: Mutex<SyncConfig>,
    /// Who hears the sync status.
    pub(crate) status: Arc<crate::hub::StatusHub>,
    /// The server and code of this store's enrollment in this process (a retried `enroll`).
    pub(crate) enrolled_by: Mutex<Option<(String, String)>>,
}

/// A text index or length from the app (Unicode scalar values; never negative).
pub(crate) fn index(i: i64) -> Result<usize> {
    usize::try_from(i).map_err(|_| FieldError::InvalidInput { reason: format!("index {i} is out of range") })
}

impl FieldStore {
    /// The open store, or `Closed`.
    fn lock(&self) -> Result<MutexGuard<'_, Option<Store>>> {
        // A panic while holding the lock was turned into an error; the store itself is
        // transactional, so the guard is still good.
        let guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(FieldError::closed());
        }
        Ok(guard)
    }

    /// `Closed` once the store was closed.
    pub(crate) fn ensure_open(&self) -> Result<()> {
        self.lock().map(|_| ())
    }

    fn new(path: Option<PathBuf>, store: Store) -> Arc<FieldStore> {
        Arc::new(FieldStore {
            path,
            store: Mutex::new(Some(store)),
            cancel: Arc::default(),
            sync_turn: Arc::default(),
            http: Mutex::new(None),
            hub: Arc::default(),
            auto: Mutex::new(None),
            config: Mutex::new(SyncConfig::default()),
            status: Arc::default(),
            enrolled_by: Mutex::new(None),
        })
    }

    /// Runs `f` on the open store, with panics turned into errors; then tells the subscribers
    /// what changed (outside the lock).
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Store) -> fieldreport_core::Result<T>) -> Result<T> {
        let (out, deliveries, wrote) = guard(|| {
            let mut g = self.lock()?;
            let store = g.as_mut().ok_or_else(FieldError::closed)?;
            let before = store.local_writes();
            let out = f(store);
            // A failed call may have written too (a rolled-back transaction counts nothing).
            let wrote = store.local_writes() != before;
            Ok((out?, self.hub.collect(store), wrote))
        })?;
        Hub::deliver(deliveries);
        if wrote {
            self.wrote();
        }
        Ok(out)
    }

    /// Runs `f`, which gives a report, and names the people it references from the directory.
    pub(crate) fn with_report(
        &self,
        f: impl FnOnce(&mut Store) -> fieldreport_core::Result<fieldreport_core::doc::Report>,
    ) -> Result<Report> {
        self.with(|s| {
            let r = f(s)?;
            Ok(Report::named(r, &s.names()?))
        })
    }

    /// Tells the subscribers what changed meanwhile (a sync's pages, committed on its own
    /// connection).
    pub(crate) fn notify(&self) {
        let _ = self.with(|_| Ok(()));
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens the store at `path`, creating or upgrading the database file (disk I/O).
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<FieldStore>> {
        guard(|| {
            let store = Store::open(&path)?;
            Ok(FieldStore::new(Some(PathBuf::from(path)), store))
        })
    }

    /// A store in memory, for tests and previews; it cannot sync.
    #[uniffi::constructor]
    pub fn open_in_memory() -> Result<Arc<FieldStore>> {
        guard(|| {
            let store = Store::open_in_memory()?;
            Ok(FieldStore::new(None, store))
        })
    }

    /// Sets up the identity without a server (a demo or a device enrolled elsewhere).
    pub fn init(&self, user_id: String, team_id: String, tz: String, week_start: String) -> Result<Identity> {
        self.with(|s| s.init(&user_id, &team_id, &tz, &week_start))
    }

    /// The device's identity (`NotEnrolled` before enrollment).
    pub fn identity(&self) -> Result<Identity> {
        self.with(|s| s.identity())
    }

    /// Closes the database (checkpointing it); any later call fails with `Closed`. Named
    /// `close_store` because Kotlin's `close()` is `AutoCloseable`'s, which frees the handle.
    pub fn close_store(&self) -> Result<()> {
        self.stop_running();
        guard(|| {
            let store = self.store.lock().unwrap_or_else(|p| p.into_inner()).take();
            match store {
                Some(s) => Ok(s.close()?),
                None => Err(FieldError::closed()),
            }
        })
    }
}

impl FieldStore {
    /// Closes the store for good and removes its files (the database and its journal).
    pub(crate) fn close_and_remove(&self) -> Result<()> {
        self.stop_running();
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(s) = store {
            s.close()?;
        }
        if let Some(path) = &self.path {
            Store::remove_files(path).map_err(|e| FieldError::Storage { reason: e.to_string() })?;
        }
        Ok(())
    }
}
