//! The device's sync engine: pushes what the server has not acknowledged, pulls the change feed
//! page by page, commits each page atomically before moving the cursor, retries transient
//! failures with exponential backoff, reports progress and can be cancelled between pages.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::transport::{HttpRequest, HttpResponse, Transport};
use super::wire::{Push, SyncRequest, SyncResponse};
use crate::error::{Error, Result};
use crate::store::{Enrollment, Rejection};
use crate::Store;

/// Media type of the binary sync messages.
pub const CONTENT_TYPE: &str = "application/x-fieldreport-sync";

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
        }
    }
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncStats {
    pub round_trips: u32,
    /// Request bodies, in bytes (HTTP headers not included).
    pub bytes_sent: u64,
    /// Response bodies, in bytes.
    pub bytes_received: u64,
    /// Documents the server accepted from this device.
    pub pushed: u64,
    /// Records received from the server.
    pub pulled: u64,
    /// Documents the server authored received (team configuration, KPI snapshots).
    pub published: u64,
    pub rejected: Vec<Rejection>,
    /// The feed position after the run.
    pub cursor: u64,
    pub duration_ms: u64,
}

/// Progress of a run: documents and bytes done of the (estimated) totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SyncProgress {
    pub docs_done: u64,
    pub docs_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// Receives progress during a run (called between pages, never while a lock is held).
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
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

#[derive(serde::Deserialize)]
struct ApiError {
    code: String,
    message: String,
}

fn transport(opts: &SyncOptions) -> Result<Arc<dyn Transport>> {
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

/// Turns a non-success HTTP response into the server's error.
fn server_error(resp: &HttpResponse) -> Error {
    let status = resp.status;
    match serde_json::from_slice::<ApiError>(&resp.body) {
        Ok(e) => Error::Server { status, code: e.code, message: e.message },
        Err(_) => Error::Server { status, code: "unknown".into(), message: format!("HTTP {status}") },
    }
}

/// Sends one request, retrying connection failures, timeouts, 429 and 5xx with backoff.
async fn post(
    http: &dyn Transport,
    url: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
    opts: &SyncOptions,
) -> Result<Vec<u8>> {
    let mut delay = opts.backoff;
    let mut attempt = 0;
    loop {
        let req = HttpRequest {
            url: url.into(),
            content_type: content_type.into(),
            bearer_token: token.map(str::to_string),
            body: body.clone(),
            timeout_ms: opts.timeout.as_millis() as u64,
        };
        let transient = match http.post(req).await {
            Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp.body),
            Ok(resp) if resp.status >= 500 || resp.status == 429 => server_error(&resp),
            Ok(resp) => return Err(server_error(&resp)),
            Err(reason) => Error::Unreachable { url: url.into(), reason },
        };
        if attempt >= opts.retries {
            return Err(transient);
        }
        attempt += 1;
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
}

/// Enrolls this device with `code` at the server: presents the device's actor id, receives a
/// device token, and creates (or checks) the local identity.
pub async fn enroll(store: &mut Store, server_url: &str, code: &str, opts: &SyncOptions) -> Result<Enrollment> {
    let base = server_url.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::bad_input(format!("`{server_url}` is not a server URL (expected http://… or https://…)")));
    }
    let actor = store.actor_for_enrollment()?;
    let body = serde_json::to_vec(&serde_json::json!({ "code": code.trim(), "actor": actor }))
        .map_err(|e| Error::bad_input(e.to_string()))?;
    let http = transport(opts)?;
    let bytes = post(&*http, &format!("{base}/v1/enroll"), None, "application/json", body, opts).await?;
    let enrollment: Enrollment = serde_json::from_slice(&bytes).map_err(|e| Error::Server {
        status: 200,
        code: "bad_response".into(),
        message: format!("the enrollment answer could not be read: {e}"),
    })?;
    store.complete_enrollment(base, &actor, &enrollment)?;
    Ok(enrollment)
}

/// Splits pushes into requests of at most `budget` change bytes (one document at least).
fn batches(pushes: Vec<Push>, budget: usize) -> Vec<Vec<Push>> {
    let mut out: Vec<Vec<Push>> = Vec::new();
    let mut size = 0;
    for p in pushes {
        if out.is_empty() || (size + p.changes.len() > budget && !out.last().is_some_and(Vec::is_empty)) {
            out.push(Vec::new());
            size = 0;
        }
        size += p.changes.len();
        if let Some(last) = out.last_mut() {
            last.push(p);
        }
    }
    out
}

/// Runs one sync: pushes pending documents and pulls the change feed until nothing remains.
/// A server that cannot be reached fails with [`Error::Unreachable`] and leaves local data as
/// it was; each committed page survives a crash or a cancel.
pub async fn sync(
    store: &mut Store,
    opts: &SyncOptions,
    progress: Option<&dyn ProgressListener>,
    cancel: &CancelToken,
) -> Result<SyncStats> {
    let started = Instant::now();
    let state = store.sync_state()?;
    let url = format!("{}/v1/sync", state.server_url);
    let http = transport(opts)?;
    let pushes = store.pending_pushes()?;
    let push_total = pushes.len() as u64;
    let push_bytes: u64 = pushes.iter().map(|p| p.changes.len() as u64).sum();
    let mut queue = batches(pushes, opts.push_bytes).into_iter();
    let mut stats = SyncStats { cursor: state.cursor, ..Default::default() };
    let mut p = SyncProgress { docs_total: push_total, bytes_total: push_bytes, ..Default::default() };
    let mut first = true;
    loop {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let batch = queue.next().unwrap_or_default();
        let req = SyncRequest { cursor: stats.cursor, max_bytes: opts.page_bytes, pushes: batch };
        let body = req.encode();
        stats.bytes_sent += body.len() as u64;
        let answer = post(&*http, &url, Some(&state.token), CONTENT_TYPE, body, opts).await?;
        stats.round_trips += 1;
        stats.bytes_received += answer.len() as u64;
        let resp = SyncResponse::decode(&answer).map_err(|e| Error::Server {
            status: 200,
            code: "bad_response".into(),
            message: e.to_string(),
        })?;
        let rejected = store.commit_sync_page(&req.pushes, &resp.results, &resp.docs, resp.cursor)?;
        stats.pushed += (resp.results.len() - rejected.len()) as u64;
        for d in resp.docs.iter().filter(|d| !d.changes.is_empty()) {
            if d.kind.is_published() {
                stats.published += 1;
            } else {
                stats.pulled += 1;
            }
        }
        stats.rejected.extend(rejected);
        stats.cursor = resp.cursor;
        let page_docs = (req.pushes.len() + resp.docs.len()) as u64;
        let page_bytes: u64 = req.pushes.iter().map(|x| x.changes.len() as u64).sum::<u64>()
            + resp.docs.iter().map(|d| d.changes.len() as u64).sum::<u64>();
        if first {
            // The first answer tells how much the feed holds beyond this page.
            p.docs_total += resp.docs.len() as u64 + resp.remaining_docs;
            p.bytes_total += resp.docs.iter().map(|d| d.changes.len() as u64).sum::<u64>() + resp.remaining_bytes;
            first = false;
        }
        p.docs_done += page_docs;
        p.bytes_done += page_bytes;
        p.docs_total = p.docs_total.max(p.docs_done);
        p.bytes_total = p.bytes_total.max(p.bytes_done);
        if let Some(l) = progress {
            l.on_progress(p);
        }
        // Go on while pushes remain or the server has more pages.
        if queue.len() == 0 && !resp.more {
            break;
        }
    }
    stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(stats)
}
