//! The async driver of the sync [`Engine`]: sends its requests through a [`Transport`], sleeps
//! its backoffs, reports progress between pages and stops at a cancel; and enrollment.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::engine::{server_error, Engine, EngineOptions, Next};
pub use super::engine::{SyncProgress, SyncStats};
use super::transport::{HttpRequest, Transport};
use crate::api::{EnrollRequest, Enrollment, NudgeRequest, NudgeSent, ReadsRequest, Route};
use crate::codes::ErrorCode;
use crate::error::{Error, Result};
use crate::Store;

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
        }
    }
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

/// Enrolls this device with `code` at the server: presents the device's actor id, receives a
/// device token, and creates (or checks) the local identity.
pub async fn enroll(store: &mut Store, server_url: &str, code: &str, opts: &SyncOptions) -> Result<Enrollment> {
    enroll_named(store, server_url, code, None, opts).await
}

/// [`enroll`], giving the device a name its user will recognise in the server's device list
/// (`张伟的手机`).
pub async fn enroll_named(
    store: &mut Store,
    server_url: &str,
    code: &str,
    device_name: Option<&str>,
    opts: &SyncOptions,
) -> Result<Enrollment> {
    let base = server_url.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::bad_input(format!("`{server_url}` is not a server URL (expected http://… or https://…)")));
    }
    let actor = store.actor_for_enrollment()?;
    let body = json_body(&EnrollRequest {
        code: code.trim().to_string(),
        actor: actor.clone(),
        name: device_name.map(str::to_string),
    })?;
    let bytes = match post_json(opts, &Route::Enroll.at(base), None, body).await {
        // The server knows this device's actor on an active device: this store is enrolled.
        Err(Error::Server { status: 409, .. }) if store.sync_state().is_ok() => {
            return Err(Error::AlreadyEnrolled { server: store.sync_state()?.server_url })
        }
        other => other?,
    };
    let enrollment: Enrollment = serde_json::from_slice(&bytes)
        .map_err(|e| Error::bad_response(200, format!("the enrollment answer could not be read: {e}")))?;
    store.complete_enrollment(base, &actor, &enrollment)?;
    Ok(enrollment)
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
    let http = transport(opts)?;
    let mut engine = Engine::start(store, opts.engine())?;
    loop {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        match engine.step() {
            Next::Send(req) => {
                let outcome = http.post(req).await;
                let pages = engine.stats().round_trips;
                engine.receive(store, outcome)?;
                if engine.stats().round_trips > pages {
                    if let Some(l) = progress {
                        l.on_progress(engine.progress());
                    }
                }
            }
            Next::Wait(d) => tokio::time::sleep(d).await,
            Next::Done => break,
        }
    }
    let mut stats = engine.into_stats();
    // Reports read here: told after the documents, and never holding the sync up.
    if let Err(e) = send_reads(store, opts, &mut stats).await {
        stats.reads_waiting = Some(e.to_string());
    }
    // Attached files travel after the documents that reference them, and never hold them up:
    // a file that cannot go now goes at a later sync.
    if opts.upload_files {
        match super::files::upload_files(store, opts, progress, cancel, &mut stats).await {
            Ok(()) => {}
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => stats.files_waiting = Some(e.to_string()),
        }
    }
    stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(stats)
}

/// Tells the server which reports addressed to this user were read here (500 per request).
async fn send_reads(store: &mut Store, opts: &SyncOptions, stats: &mut SyncStats) -> Result<()> {
    let ids = store.unsent_reads()?;
    if ids.is_empty() {
        return Ok(());
    }
    let state = store.sync_state()?;
    for chunk in ids.chunks(500) {
        let body = json_body(&ReadsRequest { reports: chunk.to_vec() })?;
        stats.round_trips += 1;
        stats.bytes_sent += body.len() as u64;
        let answer = post_json(opts, &Route::Reads.at(&state.server_url), Some(&state.token), body).await?;
        stats.bytes_received += answer.len() as u64;
        store.mark_reads_sent(chunk)?;
    }
    Ok(())
}

/// Signs this device out on the server: its token stops working at once. A device the server
/// does not know any more (revoked, removed) or that never enrolled has nothing to tell and is
/// done. The caller then removes the device's data ([`Store::remove_files`]), after
/// [`Store::check_sign_out`].
pub async fn sign_out(store: &Store, opts: &SyncOptions) -> Result<()> {
    let state = match store.sync_state() {
        Err(Error::NotEnrolled) => return Ok(()),
        other => other?,
    };
    match post_json(opts, &Route::SignOut.at(&state.server_url), Some(&state.token), b"{}".to_vec()).await {
        Ok(_) => Ok(()),
        Err(Error::Server { code: ErrorCode::MissingToken | ErrorCode::BadToken | ErrorCode::Revoked, .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Asks member `user` (a user id) for the `kind` report of the period holding `period`
/// (催交); the server refuses it for a rep, for someone outside this user's team, for a
/// submitted report and more than once an hour. Needs the network (nothing is queued).
pub async fn nudge(store: &Store, opts: &SyncOptions, user: &str, kind: &str, period: &str) -> Result<NudgeSent> {
    let state = store.sync_state()?;
    let body = json_body(&NudgeRequest { user: user.into(), kind: kind.into(), period: period.into() })?;
    let answer = post_json(opts, &Route::Nudges.at(&state.server_url), Some(&state.token), body).await?;
    serde_json::from_slice(&answer)
        .map_err(|e| Error::bad_response(200, format!("the nudge's answer could not be read: {e}")))
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
