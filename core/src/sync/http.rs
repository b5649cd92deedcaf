//! What the sync driver's requests share: the options of a run, cancelling, progress, and one
//! POST through the run's [`Transport`] with retries of transient failures.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::engine::{server_error, EngineOptions, SyncProgress};
use super::transport::{HttpRequest, Transport};
use crate::error::{Error, Result};

/// Tuning of a sync run.
#[derive(Clone)]
pub struct SyncOptions {
    /// Budget of document bytes the server may put in one response page.
    pub page_bytes: u64,
    /// Budget of change bytes pushed in one request.
    pub push_bytes: usize,
    /// Attempts per request after the first, for transient failures.
    pub retries: u32,
    /// First backoff delay; doubled at each retry.
    pub backoff: Duration,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
    /// How requests reach the server. `None`: a new [`ReqwestTransport`] per run with the
    /// `reqwest` feature; without it a transport is required.
    ///
    /// [`ReqwestTransport`]: super::ReqwestTransport
    pub transport: Option<Arc<dyn Transport>>,
    /// Whether a sync also sends the device's attached files (after the documents). Off: only
    /// documents go (e.g. on a metered network); the files wait for a sync with it on.
    pub upload_files: bool,
    /// How long a sync with nothing to send may wait at the server for news (long poll; zero:
    /// it answers at once). The server caps it at 60 s.
    pub wait: Duration,
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("page_bytes", &self.page_bytes)
            .field("push_bytes", &self.push_bytes)
            .field("retries", &self.retries)
            .field("backoff", &self.backoff)
            .field("timeout", &self.timeout)
            .field("transport", &self.transport.as_ref().map(|_| "custom"))
            .field("upload_files", &self.upload_files)
            .field("wait", &self.wait)
            .finish()
    }
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            page_bytes: 1 << 20,
            push_bytes: 1 << 20,
            retries: 4,
            backoff: Duration::from_millis(200),
            timeout: Duration::from_secs(30),
            transport: None,
            upload_files: true,
            wait: Duration::ZERO,
        }
    }
}

impl SyncOptions {
    /// What the engine needs of these options.
    pub fn engine(&self) -> EngineOptions {
        EngineOptions {
            page_bytes: self.page_bytes,
            push_bytes: self.push_bytes,
            retries: self.retries,
            backoff: self.backoff,
            timeout: self.timeout,
            wait: self.wait,
        }
    }
}

/// Receives progress during a run (called between pages, never while a lock is held).
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
    /// What the run is doing now (connecting, uploading, downloading; idle while it waits for
    /// news). Called when it changes.
    fn on_activity(&self, _activity: super::SyncActivity) {}
}

/// Cancels a running sync at the next page boundary; committed pages stay committed.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub(super) fn transport(opts: &SyncOptions) -> Result<Arc<dyn Transport>> {
    if let Some(t) = &opts.transport {
        return Ok(t.clone());
    }
    #[cfg(feature = "reqwest")]
    {
        Ok(Arc::new(super::ReqwestTransport::new()?))
    }
    #[cfg(not(feature = "reqwest"))]
    {
        Err(Error::bad_input("no HTTP client to reach the server with: the app must provide one (set_http_client)"))
    }
}

/// The JSON of a request body.
pub(crate) fn json_body(body: &impl serde::Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| Error::bad_input(e.to_string()))
}

/// Posts a JSON body and returns the answer's body, retrying transient failures (unreachable,
/// 5xx, 429) with backoff; any other refusal is returned at once with the server's reason.
pub(crate) async fn post_json(opts: &SyncOptions, url: &str, bearer: Option<&str>, body: Vec<u8>) -> Result<Vec<u8>> {
    post(opts, url, bearer, "application/json", body).await
}

/// Posts `body` of `content_type` as [`post_json`] does.
pub(crate) async fn post(
    opts: &SyncOptions,
    url: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Vec<u8>> {
    let http = transport(opts)?;
    let mut delay = opts.backoff;
    let mut attempt = 0;
    loop {
        let req = HttpRequest {
            url: url.to_string(),
            content_type: content_type.into(),
            bearer_token: bearer.map(str::to_string),
            body: body.clone(),
            timeout_ms: opts.timeout.as_millis() as u64,
        };
        let transient = match http.post(req).await {
            Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp.body),
            Ok(resp) if resp.status >= 500 || resp.status == 429 => server_error(&resp),
            Ok(resp) => return Err(server_error(&resp)),
            Err(reason) => Error::Unreachable { url: url.to_string(), reason },
        };
        if attempt >= opts.retries {
            return Err(transient);
        }
        attempt += 1;
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
}
