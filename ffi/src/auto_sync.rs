//! Sync that runs itself: `start_sync` / `stop_sync`, `network_available`, and the status an app
//! shows (`sync_status`, `observe_sync_status`). The core's [`AutoSync`] runs on a thread of its
//! own with its own connection; this side tells it of the app's writes (any call that wrote
//! through the app's connection) and makes the status from what it says and what the store holds.

use std::sync::{Arc, Weak};
use std::time::Duration;

use fieldreport_core::sync::{AutoSync, AutoSyncListener, AutoSyncOptions, SyncActivity, SyncOptions, SyncProgress};

use crate::error::FieldError;
use crate::hub::SyncStatusListener;
use crate::observe::Subscription;
use crate::store::{FieldStore, Result};
use crate::types::{SyncConfig, SyncStatus};

/// What the running sync tells the store (held weakly: the store owns the running sync).
struct Told(Weak<FieldStore>);

impl AutoSyncListener for Told {
    fn on_activity(&self, activity: Option<SyncActivity>) {
        if let Some(store) = self.0.upgrade() {
            store.tell_status(activity);
        }
    }

    fn on_progress(&self, _p: SyncProgress) {
        if let Some(store) = self.0.upgrade() {
            // Records a page brought: the subscribers hear which.
            store.notify();
        }
    }
}

/// Milliseconds from the app, as a duration (negative: zero).
fn ms(v: i64) -> Duration {
    Duration::from_millis(u64::try_from(v).unwrap_or(0))
}

impl SyncConfig {
    /// The core's options of one run (with the app's HTTP client added by the caller).
    pub(crate) fn run(&self) -> SyncOptions {
        SyncOptions {
            timeout: ms(self.timeout_ms.max(1)),
            retries: u32::try_from(self.retries).unwrap_or(0),
            upload_files: self.upload_files,
            ..SyncOptions::default()
        }
    }

    fn auto(&self) -> AutoSyncOptions {
        AutoSyncOptions {
            debounce: ms(self.debounce_ms),
            interval: ms(self.interval_ms.max(1_000)),
            wait: ms(self.wait_ms),
            backoff: ms(self.backoff_ms.max(100)),
            backoff_max: ms(self.backoff_max_ms.max(self.backoff_ms.max(100))),
        }
    }

    /// Refuses values no app means (a unit mistake), saying which.
    fn check(&self) -> Result<()> {
        let bad =
            |what: &str, v: i64| FieldError::InvalidInput { reason: format!("{what} is {v}: expected 0 or more") };
        for (what, v) in [
            ("timeout_ms", self.timeout_ms),
            ("wait_ms", self.wait_ms),
            ("debounce_ms", self.debounce_ms),
            ("interval_ms", self.interval_ms),
            ("backoff_ms", self.backoff_ms),
            ("backoff_max_ms", self.backoff_max_ms),
            ("retries", i64::from(self.retries)),
        ] {
            if v < 0 {
                return Err(bad(what, v));
            }
        }
        if self.wait_ms > 60_000 {
            return Err(FieldError::InvalidInput {
                reason: format!("wait_ms is {}: the server waits at most 60000 ms", self.wait_ms),
            });
        }
        Ok(())
    }
}

impl FieldStore {
    /// Tells the status listeners the status now (`activity`: what the running sync does).
    pub(crate) fn tell_status(&self, activity: Option<SyncActivity>) {
        if !self.status.any() {
            return;
        }
        let running = self.auto.lock().unwrap_or_else(|p| p.into_inner()).is_some();
        if let Ok(s) = self.read(|s| s.sync_status_while(activity)) {
            self.status.tell(SyncStatus::from_core(s, running));
        }
    }

    /// After a call that wrote through the app's connection: the running sync runs soon, and the
    /// status listeners hear the new counts.
    pub(crate) fn wrote(&self) {
        let activity = {
            let auto = self.auto.lock().unwrap_or_else(|p| p.into_inner());
            match auto.as_ref() {
                Some(a) => {
                    a.local_write();
                    a.activity()
                }
                None => None,
            }
        };
        self.tell_status(activity);
    }

    /// The options of a run now: the app's configuration and HTTP client.
    pub(crate) fn run_options(&self) -> SyncOptions {
        let config = self.config.lock().unwrap_or_else(|p| p.into_inner()).clone();
        SyncOptions { transport: self.transport(), ..config.run() }
    }

    /// Stops the running sync, if any (waits for its thread: at most until its request in the
    /// app's HTTP client is let go).
    pub(crate) fn stop_running(&self) {
        let running = self.auto.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(r) = running {
            r.stop();
        }
    }
}

impl FieldStore {
    /// Starts sync that runs itself (on the store's thread: it opens a connection).
    fn start_running(self: &Arc<Self>, config: Option<SyncConfig>) -> Result<()> {
        if let Some(c) = config {
            self.set_sync_config(c)?;
        }
        let path = self.file()?;
        if self.transport().is_none() {
            return Err(FieldError::InvalidInput {
                reason: "no HTTP client to sync with: call set_http_client first".into(),
            });
        }
        self.stop_running();
        let auto = self.config.lock().unwrap_or_else(|p| p.into_inner()).auto();
        let told = Arc::new(Told(Arc::downgrade(self)));
        let running = AutoSync::start(path, self.run_options(), auto, told)?;
        *self.auto.lock().unwrap_or_else(|p| p.into_inner()) = Some(running);
        self.tell_status(None);
        Ok(())
    }
}

#[uniffi::export]
impl FieldStore {
    /// Sets how sync reaches the server (timeout, retries, files) and when a running sync runs;
    /// used by every later `enroll`, `sync_once` and `start_sync`. `InvalidInput` for a negative
    /// value or a wait over 60 s.
    pub fn set_sync_config(&self, config: SyncConfig) -> Result<()> {
        config.check()?;
        *self.config.lock().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    /// Starts sync that runs itself, with `config` (also kept as `set_sync_config` does): a run
    /// now, one soon after each local write (debounced), between runs a request waiting at the
    /// server for news (so a manager's comment arrives in seconds), at once after
    /// `network_available()`, and with backoff after failures. It runs on the library's thread
    /// with its own connection until `stop_sync` or `close_store`; the status listeners hear what
    /// it does. Starting it again restarts it with the new configuration. `NotEnrolled` before
    /// enrollment; `InvalidInput` without an HTTP client or on a store in memory.
    #[uniffi::method(default(config = None))]
    pub async fn start_sync(self: Arc<Self>, config: Option<SyncConfig>) -> Result<()> {
        self.on_worker(move |me| me.start_running(config)).await
    }

    /// Stops sync that runs itself: a run in progress stops at its next page (what it committed
    /// stays), a wait for news ends. Returns once stopped; nothing when none runs.
    pub async fn stop_sync(self: Arc<Self>) -> Result<()> {
        self.on_worker(|me| {
            me.stop_running();
            me.tell_status(None);
            Ok(())
        })
        .await
    }

    /// Says the network is back (Android's `ConnectivityManager` callback, iOS's
    /// `NWPathMonitor`): a running sync runs now, whatever its backoff.
    pub fn network_available(&self) {
        if let Some(a) = self.auto.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            a.network_back();
        }
    }

    /// How sync stands: what it does, when it last received the server's changes, what waits to
    /// go, the last error (cheap: a few counts).
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let (running, activity) = {
            let auto = self.auto.lock().unwrap_or_else(|p| p.into_inner());
            (auto.is_some(), auto.as_ref().and_then(|a| a.activity()))
        };
        let s = self.read(|s| s.sync_status_while(activity))?;
        Ok(SyncStatus::from_core(s, running))
    }

    /// Tells `listener` the sync status now and whenever it changes, until the returned handle is
    /// cancelled (or closed: Kotlin `close()`, Swift deinit).
    pub fn observe_sync_status(&self, listener: Arc<dyn SyncStatusListener>) -> Result<Arc<Subscription>> {
        let now = self.sync_status()?;
        let id = self.status.add(listener.clone());
        if let Err(e) = listener.on_status(now) {
            tracing::warn!(error = %e, "a sync status listener failed");
        }
        Ok(Arc::new(Subscription::status(id, Arc::downgrade(&self.status))))
    }
}
