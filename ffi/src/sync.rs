//! Enrollment, sync and sign-out with the team server, on the library's own threads, with a
//! progress listener implemented in the foreign language and a cancel (explicit, or by dropping
//! the awaiting task); and the records the server refused, kept as state until resolved.
//! Requests go through the app's own HTTP client (a foreign trait), so the library carries no
//! HTTP or TLS stack.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use fieldreport_core::store::Store;
use fieldreport_core::sync::{self as core_sync, CancelToken, ProgressListener, SyncOptions};

use crate::background;
use crate::error::FieldError;
use crate::http::HttpClient;
use crate::store::{FieldStore, Result};
use crate::types::*;

/// Receives progress during a sync or download. Called between pages (or pieces) on the
/// library's thread; it must return quickly (post to the UI thread rather than draw from it).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress) -> std::result::Result<(), FieldError>;
}

/// Adapts the app's listener to the core's, and tells the store's subscribers what each page
/// changed. A listener that throws is logged and otherwise ignored (progress is advisory).
pub(crate) struct Forward {
    pub(crate) app: Option<Arc<dyn SyncListener>>,
    /// Told after each page (a sync; `None` for a download, which changes no record).
    pub(crate) store: Option<Arc<FieldStore>>,
}

impl ProgressListener for Forward {
    fn on_progress(&self, p: core_sync::SyncProgress) {
        if let Some(store) = &self.store {
            store.notify();
        }
        if let Some(app) = &self.app {
            if let Err(e) = app.on_progress(p.into()) {
                tracing::warn!(error = %e, "the sync progress listener failed");
            }
        }
    }
}

impl FieldStore {
    /// The database file, which a background job opens a connection of its own to, so that it
    /// (which holds its store for the whole run) never blocks the app's own reads and writes.
    pub(crate) fn file(&self) -> Result<PathBuf> {
        self.ensure_open()?;
        self.path.clone().ok_or_else(|| FieldError::InvalidInput {
            reason: "an in-memory store cannot sync; open the store on a file".into(),
        })
    }

    /// The core's transport over the app's HTTP client, when it set one.
    pub(crate) fn transport(&self) -> Option<Arc<dyn fieldreport_core::sync::Transport>> {
        self.transport_until(None)
    }

    /// The same, for a run that stops waiting for a call once `cancel` is cancelled.
    pub(crate) fn transport_until(
        &self,
        cancel: Option<CancelToken>,
    ) -> Option<Arc<dyn fieldreport_core::sync::Transport>> {
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner()).clone();
        http.map(|h| crate::http::transport(h, cancel))
    }

    /// Sync options: the app's configuration and HTTP client.
    pub(crate) fn options(&self) -> SyncOptions {
        self.run_options()
    }
}

/// The enrollment this store has (a retried `enroll` of the code it enrolled with), if any.
fn already_enrolled(s: &mut Store) -> fieldreport_core::Result<Option<Enrolled>> {
    let state = match s.sync_state() {
        Ok(state) => state,
        Err(fieldreport_core::Error::NotEnrolled) => return Ok(None),
        Err(e) => return Err(e),
    };
    let id = s.identity()?;
    Ok(Some(Enrolled { device_id: state.device_id, user_id: id.user_id, team_id: id.team_id, role: state.role }))
}

/// The running sync's hold on its store: its turn, and its token for `cancel_sync`. Dropped on
/// the sync's own thread when it ends, whether or not anyone still awaits it.
struct Running {
    slot: Arc<Mutex<Option<CancelToken>>>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[uniffi::export]
impl FieldStore {
    /// Enrolls this device with the team server at `server_url` using a one-time `code`;
    /// `device_name` (`张伟的手机`) names it in the admin's device list. Runs on the library's
    /// own thread. A mistyped, expired or used code fails with `CodeUnknown`, `CodeExpired` or
    /// `CodeUsed`; an enrolled device with `AlreadyEnrolled`.
    ///
    /// Safe to cancel and to retry: the enrollment finishes on the library's thread even when
    /// the awaiting task is cancelled, and calling `enroll` again with the same server and code
    /// answers the enrollment this device has; when the answer was lost before this device
    /// stored it, the server gives the device that used the code a new token (within 15 minutes,
    /// and only while that token was never used). Another code on an enrolled device is
    /// `AlreadyEnrolled`.
    #[uniffi::method(default(device_name = None))]
    pub async fn enroll(
        self: Arc<Self>,
        server_url: String,
        code: String,
        device_name: Option<String>,
    ) -> Result<Enrolled> {
        let (path, opts) = (self.file()?, self.options());
        let attempt = (server_url.trim().trim_end_matches('/').to_string(), code.trim().to_string());
        // One enrollment (or sync) at a time, held by the job until it ends: a retry waits for a
        // cancelled attempt still running, then finds it done.
        let turn = self.sync_turn.clone().lock_owned().await;
        let retried = self.enrolled_by.lock().unwrap_or_else(|p| p.into_inner()).as_ref() == Some(&attempt);
        if retried {
            if let Some(done) = self.read(already_enrolled)? {
                return Ok(done);
            }
        }
        let me = self.clone();
        background::run("enroll", None, move || async move {
            let _turn = turn;
            let mut store = Store::open(&path)?;
            let e = core_sync::enroll_named(&mut store, &server_url, &code, device_name.as_deref(), &opts).await?;
            // Finished here even when nobody awaits it any more: a retry answers it.
            *me.enrolled_by.lock().unwrap_or_else(|p| p.into_inner()) = Some(attempt);
            Ok(Enrolled { device_id: e.device_id, user_id: e.user_id, team_id: e.team_id, role: e.role })
        })
        .await
    }

    /// Pushes local changes and pulls the team's, page by page (each page committed atomically),
    /// then sends the files and read reports the server lacks. All of it runs on the library's
    /// own thread: await it from any thread or event loop. `listener` hears progress (on that
    /// thread); subscribers hear what each page changed. `cancel_sync`, or dropping or
    /// cancelling the awaiting task, stops the run at the next page with `Cancelled`; what was
    /// committed stays, and the next sync resumes. `page_bytes` caps each page the server sends
    /// (default 1 MiB; smaller pages commit more often on a poor network). One sync runs at a
    /// time per store: a second call waits for the first to end. `NotEnrolled` before
    /// enrollment, `DeviceRevoked` once an admin revoked the device.
    #[uniffi::method(default(listener = None, page_bytes = None))]
    pub async fn sync(
        self: Arc<Self>,
        listener: Option<Arc<dyn SyncListener>>,
        page_bytes: Option<i64>,
    ) -> Result<SyncStats> {
        let path = self.file()?;
        let mut opts = self.options();
        if let Some(b) = page_bytes {
            opts.page_bytes = u64::try_from(b.max(1)).unwrap_or(1);
        }
        let turn = self.sync_turn.clone().lock_owned().await;
        let token = CancelToken::new();
        opts.transport = self.transport_until(Some(token.clone()));
        *self.cancel.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        let running = Running { slot: self.cancel.clone(), _turn: turn };
        let me = self.clone();
        background::run("sync", Some(token.clone()), move || async move {
            let _running = running;
            let mut store = Store::open(&path)?;
            let forward = Forward { app: listener, store: Some(me.clone()) };
            let stats = core_sync::sync(&mut store, &opts, Some(&forward), &token).await;
            me.notify();
            Ok(stats?.into())
        })
        .await
    }

    /// One sync now, awaited (`sync` with the default page size): for a background worker
    /// (WorkManager, BGTaskScheduler) or a pull-to-refresh; an app that stays open uses
    /// `start_sync` instead.
    #[uniffi::method(default(listener = None))]
    pub async fn sync_once(self: Arc<Self>, listener: Option<Arc<dyn SyncListener>>) -> Result<SyncStats> {
        self.sync(listener, None).await
    }

    /// Submits report `id` (as `submit_report`: its blocks frozen as of now, to `to` and `cc`,
    /// by default whom it is addressed to or the author's manager) and syncs at once, so that it
    /// reaches the manager now. The submission is kept whatever the network does: when the sync
    /// cannot run (offline, not enrolled), `sent` is false, `reason` says why, and the report
    /// goes at the next sync.
    #[uniffi::method(default(to = [], cc = []))]
    pub async fn submit_and_sync(self: Arc<Self>, id: String, to: Vec<String>, cc: Vec<String>) -> Result<Submitted> {
        let submitting = id.clone();
        let submitted = self.call_report(move |s| s.submit_report(&submitting, &to, &cc)).await?;
        if let Err(e) = self.read(|s| s.sync_state()) {
            return Ok(Submitted { report: submitted, sent: false, reason: Some(format!("{e}")) });
        }
        match self.clone().sync(None, None).await {
            Ok(_) => {
                let report = self.read_report(|s| s.report(&id)).unwrap_or(submitted);
                Ok(Submitted { report, sent: true, reason: None })
            }
            Err(e) => Ok(Submitted {
                report: submitted,
                sent: false,
                reason: Some(format!("{e}; the report goes at the next sync")),
            }),
        }
    }

    /// Signs this device out: tells the server (its token stops working), then closes the store
    /// and removes its database file. Changes or files the server does not have yet would be
    /// lost: then it fails with `InvalidInput` unless `discard_unsent` is true. A server that
    /// cannot be reached fails with `Unreachable` and removes nothing.
    ///
    /// Safe to cancel: once the server was told, the data is removed on the library's thread
    /// whether or not anyone still awaits it; cancelled before, nothing changed. A retry after a
    /// failure finishes it (the server treats a token already signed out as signed out).
    #[uniffi::method(default(discard_unsent = false))]
    pub async fn sign_out(self: Arc<Self>, discard_unsent: bool) -> Result<()> {
        let path = self.file()?;
        self.read(|s| s.check_sign_out(discard_unsent))?;
        let opts = self.options();
        let me = self.clone();
        background::run("sign-out", None, move || async move {
            let store = Store::open(&path)?;
            core_sync::sign_out(&store, &opts).await?;
            drop(store);
            me.close_and_remove()
        })
        .await
    }

    /// Sets the HTTP client that `enroll` and `sync` send their requests with. Required before
    /// either: the library has no HTTP stack of its own.
    pub fn set_http_client(&self, client: Arc<dyn HttpClient>) {
        *self.http.lock().unwrap_or_else(|p| p.into_inner()) = Some(client);
    }

    /// Cancels the running sync, if any; returns whether one was running.
    pub fn cancel_sync(&self) -> bool {
        match self.cancel.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// The records the server refused, with why; each stays listed (and is not resent until it
    /// changes) until it is resolved with `discard_local_changes` or `keep_as_new`.
    pub async fn refusals(self: Arc<Self>) -> Result<Vec<Refusal>> {
        self.call(|s| s.refused()).await.map(|v| v.into_iter().map(Refusal::from_core).collect())
    }

    /// Takes the server's copy of refused record `id`: the local changes it refused are
    /// dropped. A record the server never accepted is removed from this device.
    pub async fn discard_local_changes(self: Arc<Self>, id: String) -> Result<()> {
        self.call(move |s| s.discard_local_changes(&id).map(|_| ())).await
    }

    /// Keeps what this device wrote in refused record `id` — a report's sections, a visit — as
    /// a new draft or visit of this user, then takes the server's copy of `id`. Returns the new
    /// record's id.
    pub async fn keep_as_new(self: Arc<Self>, id: String) -> Result<String> {
        self.call(move |s| s.keep_as_new(&id).map(|r| r.header().id.clone())).await
    }
}
