//! `FieldStore`: one device store behind the FFI. Every call that writes, or reads without a
//! bound, is async: its job runs on the store's own thread (`worker.rs`; syncs and downloads on
//! threads of their own, `background.rs`) and the app only awaits the answer. The plain
//! (synchronous) methods are cheap bounded reads — one record, one page, one answer — on a
//! read connection of their own, so they never wait for a write or a sync.

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
    /// The thread the async calls' jobs run on, in order.
    pub(crate) worker: crate::worker::Worker,
    /// The connection of the synchronous reads (file stores; opened at the first).
    reader: Mutex<Reader>,
    /// The server and code of this store's enrollment in this process (a retried `enroll`).
    pub(crate) enrolled_by: Mutex<Option<(String, String)>>,
}

/// The read connection of a file store's synchronous reads: WAL lets it read the last commit
/// while the store's thread or a sync writes, so a read on the UI thread never waits for one.
enum Reader {
    Unopened,
    Open(Box<Store>),
    Closed,
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
            worker: Default::default(),
            reader: Mutex::new(Reader::Unopened),
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

    /// Runs the read `f` on the read connection (the store's own in memory, where there is one
    /// connection): it sees every commit made before the call and waits for no writer.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Store) -> fieldreport_core::Result<T>) -> Result<T> {
        let Some(path) = &self.path else {
            return self.with(f);
        };
        guard(|| {
            let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
            if let Reader::Unopened = *reader {
                *reader = Reader::Open(Box::new(Store::open(path)?));
            }
            match &mut *reader {
                Reader::Open(s) => Ok(f(s)?),
                _ => Err(FieldError::closed()),
            }
        })
    }

    /// Reads a report and names the people it references (see [`FieldStore::read`]).
    pub(crate) fn read_report(
        &self,
        f: impl FnOnce(&mut Store) -> fieldreport_core::Result<fieldreport_core::doc::Report>,
    ) -> Result<Report> {
        self.read(|s| {
            let r = f(s)?;
            Ok(Report::named(r, &s.names()?))
        })
    }

    /// Closes the read connection for good (the store is closing).
    fn close_reader(&self) {
        *self.reader.lock().unwrap_or_else(|p| p.into_inner()) = Reader::Closed;
    }

    /// Tells the subscribers what changed meanwhile (a sync's pages, committed on its own
    /// connection).
    pub(crate) fn notify(&self) {
        let _ = self.with(|_| Ok(()));
    }
}

impl FieldStore {
    /// Runs `f` on the store's thread (`worker.rs`), after the calls made before it, and waits
    /// for its answer without blocking the caller.
    pub(crate) async fn on_worker<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Arc<FieldStore>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let me = Arc::clone(self);
        self.worker.run(move || f(&me)).await
    }

    /// Runs `f` on the open store on the store's thread (see [`FieldStore::with`]).
    pub(crate) async fn call<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> fieldreport_core::Result<T> + Send + 'static,
    ) -> Result<T> {
        self.on_worker(move |me| me.with(f)).await
    }

    /// Runs `f`, which gives a report, on the store's thread and names the people it references.
    pub(crate) async fn call_report(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Store) -> fieldreport_core::Result<fieldreport_core::doc::Report> + Send + 'static,
    ) -> Result<Report> {
        self.on_worker(move |me| me.with_report(f)).await
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens the store at `path`, creating or upgrading the database file (on a thread of its
    /// own: an upgrade of a large store takes a while).
    #[uniffi::constructor]
    pub async fn open(path: String) -> Result<Arc<FieldStore>> {
        crate::background::run("open", None, move || async move {
            let store = Store::open(&path)?;
            Ok(FieldStore::new(Some(PathBuf::from(path)), store))
        })
        .await
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
    pub async fn init(
        self: Arc<Self>,
        user_id: String,
        team_id: String,
        tz: String,
        week_start: String,
    ) -> Result<Identity> {
        self.call(move |s| s.init(&user_id, &team_id, &tz, &week_start)).await
    }

    /// The device's identity (`NotEnrolled` before enrollment).
    pub fn identity(&self) -> Result<Identity> {
        self.read(|s| s.identity())
    }

    /// Closes the database (checkpointing it) after the calls started before it; any later call
    /// fails with `Closed`. Named `close_store` because Kotlin's `close()` is `AutoCloseable`'s,
    /// which frees the handle.
    pub async fn close_store(self: Arc<Self>) -> Result<()> {
        self.on_worker(|me| {
            me.stop_running();
            me.close_reader();
            me.worker.stop();
            let store = me.store.lock().unwrap_or_else(|p| p.into_inner()).take();
            match store {
                Some(s) => Ok(s.close()?),
                None => Err(FieldError::closed()),
            }
        })
        .await
    }
}

impl FieldStore {
    /// Closes the store for good and removes its files (the database and its journal).
    pub(crate) fn close_and_remove(&self) -> Result<()> {
        self.stop_running();
        self.close_reader();
        self.worker.stop();
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
