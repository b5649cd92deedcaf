//! Enrollment and sync with the team server, async on a tokio runtime, with a progress
//! listener implemented in the foreign language and an explicit cancel. Requests go through the
//! app's own HTTP client (a foreign trait), so the library carries no HTTP or TLS stack.

use std::sync::Arc;

use fieldreport_core::store::Store;
use fieldreport_core::sync::{
    self, CancelToken, HttpRequest, HttpResponse, ProgressListener, SyncOptions, SyncProgress, Transport,
    TransportFuture,
};

use crate::error::FieldError;
use crate::store::FieldStore;
use crate::types::{Enrolled, SyncStats};

type Result<T> = std::result::Result<T, FieldError>;

/// Receives progress during a sync. Called between pages on a background thread; it must return
/// quickly (post to the UI thread rather than draw from it).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress) -> std::result::Result<(), FieldError>;
}

/// The app's HTTP client: OkHttp or `HttpURLConnection` on Android, `URLSession` on iOS,
/// `urllib` in Python (`fieldreport.UrllibHttpClient`). It sends `request` as a POST with its
/// `Content-Type`, `Authorization: Bearer` when a token is given, and the timeout, and returns
/// the response whatever its status (the library reads error statuses itself). When no response
/// came (no network, DNS, TLS, timeout) it throws `FieldError.Unreachable` with the reason; the
/// library retries with backoff. Called on a background thread; it may block.
#[uniffi::export(with_foreign)]
pub trait HttpClient: Send + Sync {
    fn post(&self, request: HttpRequest) -> std::result::Result<HttpResponse, FieldError>;
}

/// Runs the foreign client's blocking call off the async runtime's workers.
struct Platform(Arc<dyn HttpClient>);

impl Transport for Platform {
    fn post(&self, request: HttpRequest) -> TransportFuture<'_> {
        let client = self.0.clone();
        Box::pin(async move {
            match tokio::task::spawn_blocking(move || client.post(request)).await {
                Ok(Ok(resp)) => Ok(resp),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the app's HTTP client failed: {e}")),
            }
        })
    }
}

/// Adapts a foreign listener to the core's; a listener that throws is logged and otherwise ignored
/// (progress is advisory: the sync goes on).
pub(crate) struct Forward(pub(crate) Arc<dyn SyncListener>);

impl ProgressListener for Forward {
    fn on_progress(&self, p: SyncProgress) {
        if let Err(e) = self.0.on_progress(p) {
            tracing::warn!(error = %e, "the sync progress listener failed");
        }
    }
}

impl FieldStore {
    /// A separate connection to the same database file, so that a sync (which holds its store
    /// for the whole run) never blocks the app's own reads and writes.
    pub(crate) fn sync_store(&self) -> Result<Store> {
        let path = self.path.as_ref().ok_or_else(|| FieldError::InvalidInput {
            reason: "an in-memory store cannot sync; open the store on a file".into(),
        })?;
        Ok(Store::open(path)?)
    }

    /// Sync options with the app's HTTP client, when it set one.
    pub(crate) fn options(&self) -> SyncOptions {
        let http = self.http.lock().unwrap_or_else(|p| p.into_inner()).clone();
        SyncOptions { transport: http.map(|c| Arc::new(Platform(c)) as Arc<dyn Transport>), ..Default::default() }
    }

    fn set_cancel(&self, token: Option<CancelToken>) {
        *self.cancel.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl FieldStore {
    /// Enrolls this device with the team server at `server_url` using a one-time `code`;
    /// `device_name` (`张伟的手机`) names it in the admin's device list.
    #[uniffi::method(default(device_name = None))]
    pub async fn enroll(&self, server_url: String, code: String, device_name: Option<String>) -> Result<Enrolled> {
        self.ensure_open()?;
        let mut store = self.sync_store()?;
        let e = sync::enroll_named(&mut store, &server_url, &code, device_name.as_deref(), &self.options()).await?;
        Ok(Enrolled { device_id: e.device_id, user_id: e.user_id, team_id: e.team_id, role: e.role })
    }

    /// Pushes local changes and pulls the team's, page by page (each page committed atomically).
    /// `listener` hears progress; `cancel_sync` stops the run at the next page boundary with
    /// `Cancelled`. `page_bytes` caps each page the server sends (default 1 MiB; smaller pages
    /// commit more often on a poor network). Only one sync runs at a time per store.
    pub async fn sync(&self, listener: Option<Arc<dyn SyncListener>>, page_bytes: Option<u64>) -> Result<SyncStats> {
        self.ensure_open()?;
        let token = CancelToken::new();
        {
            let mut running = self.cancel.lock().unwrap_or_else(|p| p.into_inner());
            if running.is_some() {
                return Err(FieldError::InvalidInput { reason: "a sync is already running on this store".into() });
            }
            *running = Some(token.clone());
        }
        let result = async {
            let mut store = self.sync_store()?;
            let forward = listener.map(Forward);
            let l: Option<&dyn ProgressListener> = forward.as_ref().map(|f| f as &dyn ProgressListener);
            let mut opts = self.options();
            if let Some(b) = page_bytes {
                opts.page_bytes = b.max(1);
            }
            Ok::<_, FieldError>(sync::sync(&mut store, &opts, l, &token).await?)
        }
        .await;
        self.set_cancel(None);
        result
    }
}

#[uniffi::export]
impl FieldStore {
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
}
