//! The device's sync engine as a state machine that does no network I/O and keeps no time: it
//! says which request to send, consumes the response (committing each page to the store in one
//! transaction), and says when to wait before trying again. The async [`super::sync`] that apps
//! call drives it over a [`super::Transport`]; tests drive it step by step with faults (lost,
//! duplicated, delayed responses; crashes between steps), as samod-core's and
//! matrix-sdk-crypto's engines are driven.
//!
//! The loop: pending documents are pushed in requests of at most `push_bytes` of changes, the
//! first also asking for a page of the change feed (and for documents set aside, whole); each
//! response's page is committed with the new cursor; requests go on while pushes remain or the
//! server has more pages. Transient failures (no answer, 429, 5xx) are retried with a doubling
//! wait; a 4xx ends the run. A resend the server asks for (it lost its copy) is pushed in the
//! same run.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

use super::transport::{HttpRequest, HttpResponse};
use super::wire::{Push, PushResult, SyncRequest, SyncResponse, MAX_PUSHES, MAX_WANTED};
use super::CONTENT_TYPE;
use crate::api::{ErrorBody, Route};
use crate::codes::{ErrorCode, RefusalCode};
use crate::error::{Error, Result};
use crate::store::Rejection;
use crate::Store;

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
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
    /// Documents received that could not be applied: set aside, and asked for whole next time.
    pub set_aside: Vec<String>,
    /// Documents the server could not serve (its copy is damaged; they come once healed).
    pub unavailable: Vec<String>,
    /// The feed position after the run.
    pub cursor: u64,
    pub duration_ms: u64,
    /// Attached files the server received whole in this run.
    pub files_uploaded: u32,
    /// Bytes of attached files sent in this run (also counted in `bytes_sent`).
    pub file_bytes_sent: u64,
    /// Why files are still waiting to go, when some could not (they go at a later sync).
    pub files_waiting: Option<String>,
    /// Why reports read here could not be told to the server yet (they go at a later sync).
    pub reads_waiting: Option<String>,
}

/// Progress of a run: documents and bytes done of the (estimated) totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncProgress {
    pub docs_done: u64,
    pub docs_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// Tuning of the engine.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
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
    /// How long a request with nothing to push or ask for may wait at the server for news (a
    /// long poll; zero: answer at once). Its timeout is `timeout` plus this.
    pub wait: Duration,
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Send this request, then pass its outcome to [`Engine::receive`].
    Send(HttpRequest),
    /// Wait this long, then ask again (a retry after a transient failure).
    Wait(Duration),
    /// The run is over.
    Done,
}

/// What the request out now does (for a status to show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// It pushes this device's changes.
    Pushes,
    /// It asks for the next page.
    Pull,
    /// It waits at the server for news.
    Wait,
}

/// Where the engine stands.
#[derive(Debug)]
enum State {
    /// Ready to build the next request.
    Ready,
    /// `request` is out (attempt `attempt`, counting from 0).
    Sent {
        request: SyncRequest,
        attempt: u32,
    },
    /// `request` failed transiently; resend it after `delay`.
    Backoff {
        request: SyncRequest,
        attempt: u32,
        delay: Duration,
    },
    /// The wait is over; resend.
    Resend {
        request: SyncRequest,
        attempt: u32,
    },
    Done,
}

/// Splits pushes into requests of at most `budget` change bytes (one document at least).
fn batches(pushes: Vec<Push>, budget: usize) -> VecDeque<Vec<Push>> {
    let mut out: VecDeque<Vec<Push>> = VecDeque::new();
    let mut size = 0;
    for p in pushes {
        let full = out.back().is_some_and(|b| b.len() >= MAX_PUSHES);
        if out.is_empty() || full || (size + p.changes.len() > budget && !out.back().is_some_and(Vec::is_empty)) {
            out.push_back(Vec::new());
            size = 0;
        }
        size += p.changes.len();
        if let Some(last) = out.back_mut() {
            last.push(p);
        }
    }
    out
}

/// The server's error in a non-success response.
pub(crate) fn server_error(resp: &HttpResponse) -> Error {
    let status = resp.status;
    match serde_json::from_slice::<ErrorBody>(&resp.body) {
        Ok(e) => Error::Server { status, code: e.code, message: e.message },
        Err(_) => Error::Server { status, code: ErrorCode::Unknown, message: format!("HTTP {status}") },
    }
}

/// One sync run of one store.
pub struct Engine {
    url: String,
    token: String,
    opts: EngineOptions,
    queue: VecDeque<Vec<Push>>,
    /// Documents to ask for whole (set aside on this device), with the first request.
    want: Vec<String>,
    state: State,
    stats: SyncStats,
    progress: SyncProgress,
    first: bool,
    /// Documents already queued again at the server's request (each once a run).
    resent: std::collections::HashSet<String>,
}

impl Engine {
    /// Starts a run: reads the store's cursor, what it has to push and what it asks for.
    pub fn start(store: &Store, opts: EngineOptions) -> Result<Engine> {
        let state = store.sync_state()?;
        let pushes = store.pending_pushes()?;
        let progress = SyncProgress {
            docs_total: pushes.len() as u64,
            bytes_total: pushes.iter().map(|p| p.changes.len() as u64).sum(),
            ..Default::default()
        };
        Ok(Engine {
            url: Route::Sync.at(&state.server_url),
            token: state.token,
            opts,
            queue: batches(pushes, opts.push_bytes),
            // The rest are asked for in the next run.
            want: store.wanted_documents()?.into_iter().take(MAX_WANTED).collect(),
            state: State::Ready,
            stats: SyncStats { cursor: state.cursor, ..Default::default() },
            progress,
            first: true,
            resent: Default::default(),
        })
    }

    fn http(&self, req: &SyncRequest) -> HttpRequest {
        let (url, timeout) = if Engine::waits(&self.opts, req) {
            (format!("{}?wait={}", self.url, self.opts.wait.as_secs()), self.opts.timeout + self.opts.wait)
        } else {
            (self.url.clone(), self.opts.timeout)
        };
        HttpRequest {
            url,
            content_type: CONTENT_TYPE.into(),
            bearer_token: Some(self.token.clone()),
            body: req.encode(),
            timeout_ms: timeout.as_millis() as u64,
        }
    }

    /// Whether `req` may wait at the server for news: it has nothing to push or ask for.
    fn waits(opts: &EngineOptions, req: &SyncRequest) -> bool {
        opts.wait.as_secs() > 0 && req.pushes.is_empty() && req.want.is_empty()
    }

    /// What the request out now does: pushes (uploading), waits for news, or pulls.
    pub fn sending(&self) -> Sending {
        match &self.state {
            State::Sent { request, .. } | State::Resend { request, .. } | State::Backoff { request, .. } => {
                if !request.pushes.is_empty() {
                    Sending::Pushes
                } else if Engine::waits(&self.opts, request) {
                    Sending::Wait
                } else {
                    Sending::Pull
                }
            }
            State::Ready | State::Done => Sending::Pull,
        }
    }

    /// What to do next.
    pub fn step(&mut self) -> Next {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Ready => {
                let request = SyncRequest {
                    cursor: self.stats.cursor,
                    max_bytes: self.opts.page_bytes,
                    pushes: self.queue.pop_front().unwrap_or_default(),
                    want: std::mem::take(&mut self.want),
                    ..Default::default()
                };
                let http = self.http(&request);
                self.stats.bytes_sent += http.body.len() as u64;
                self.state = State::Sent { request, attempt: 0 };
                Next::Send(http)
            }
            State::Backoff { request, attempt, delay } => {
                self.state = State::Resend { request, attempt };
                Next::Wait(delay)
            }
            State::Resend { request, attempt } => {
                let http = self.http(&request);
                self.stats.bytes_sent += http.body.len() as u64;
                self.state = State::Sent { request, attempt };
                Next::Send(http)
            }
            State::Sent { request, attempt } => {
                // Asked again without an answer: the request is still out; send it again.
                let http = self.http(&request);
                self.state = State::Sent { request, attempt };
                Next::Send(http)
            }
            State::Done => Next::Done,
        }
    }

    /// The outcome of the request [`Engine::step`] gave: the response, or why none came (no
    /// network, timeout). A page is committed to `store` before this returns.
    pub fn receive(&mut self, store: &mut Store, outcome: std::result::Result<HttpResponse, String>) -> Result<()> {
        let State::Sent { request, attempt } = std::mem::replace(&mut self.state, State::Done) else {
            return Err(Error::bad_input("a response came that no request was waiting for"));
        };
        let transient = match outcome {
            Ok(resp) if (200..300).contains(&resp.status) => return self.page(store, request, &resp.body),
            // Over a server's limits (an older device's batch, a server configured smaller):
            // the batch goes again in halves, down to one document, which is then refused.
            Ok(resp) if resp.status == 413 && request.pushes.len() > 1 => {
                let mut first = request.pushes;
                let second = first.split_off(first.len() / 2);
                self.queue.push_front(second);
                self.queue.push_front(first);
                self.want = request.want;
                self.state = State::Ready;
                return Ok(());
            }
            Ok(resp) if resp.status >= 500 || resp.status == 429 => server_error(&resp),
            Ok(resp) => return Err(server_error(&resp)),
            Err(reason) => Error::Unreachable { url: self.url.clone(), reason },
        };
        if attempt >= self.opts.retries {
            return Err(transient);
        }
        let delay = self.opts.backoff.saturating_mul(1 << attempt.min(16));
        self.state = State::Backoff { request, attempt: attempt + 1, delay };
        Ok(())
    }

    /// Commits a page and decides what follows.
    fn page(&mut self, store: &mut Store, request: SyncRequest, body: &[u8]) -> Result<()> {
        self.stats.round_trips += 1;
        self.stats.bytes_received += body.len() as u64;
        let resp = SyncResponse::decode(body).map_err(|e| Error::bad_response(200, e.to_string()))?;
        let outcome = store.commit_sync_page(&request.pushes, &resp)?;
        self.stats.pushed += resp.results.iter().filter(|r| matches!(r, PushResult::Accepted { .. })).count() as u64;
        for d in resp.docs.iter().filter(|d| !d.changes.is_empty() && !outcome.set_aside.contains(&d.id)) {
            if d.kind.is_published() {
                self.stats.published += 1;
            } else {
                self.stats.pulled += 1;
            }
        }
        self.stats.rejected.extend(outcome.rejected);
        self.stats.set_aside.extend(outcome.set_aside);
        self.stats.unavailable.extend(resp.unavailable.iter().cloned());
        self.stats.cursor = resp.cursor;
        let page_docs = (request.pushes.len() + resp.docs.len()) as u64;
        let page_bytes: u64 = request.pushes.iter().map(|x| x.changes.len() as u64).sum::<u64>()
            + resp.docs.iter().map(|d| d.changes.len() as u64).sum::<u64>();
        let p = &mut self.progress;
        if self.first {
            // The first answer tells how much the feed holds beyond this page.
            p.docs_total += resp.docs.len() as u64 + resp.remaining_docs;
            p.bytes_total += resp.docs.iter().map(|d| d.changes.len() as u64).sum::<u64>() + resp.remaining_bytes;
            self.first = false;
        }
        p.docs_done += page_docs;
        p.bytes_done += page_bytes;
        p.docs_total = p.docs_total.max(p.docs_done);
        p.bytes_total = p.bytes_total.max(p.bytes_done);
        // Sent whole in this run: documents the server lost its copy of, and changes it could not
        // apply for lack of what they build on.
        let resend: Vec<&String> = resp
            .resend
            .iter()
            .chain(resp.results.iter().filter_map(|r| match r {
                PushResult::Rejected { id, reason } if reason.code == RefusalCode::MissingDependencies => Some(id),
                _ => None,
            }))
            .collect();
        if !resend.is_empty() {
            let again: Vec<Push> = store.pending_pushes()?.into_iter().filter(|p| resend.contains(&&p.id)).collect();
            let queued: std::collections::HashSet<&str> = self.queue.iter().flatten().map(|p| p.id.as_str()).collect();
            let fresh: Vec<Push> =
                again.into_iter().filter(|p| !queued.contains(p.id.as_str()) && !self.resent.contains(&p.id)).collect();
            self.resent.extend(fresh.iter().map(|p| p.id.clone()));
            self.progress.docs_total += fresh.len() as u64;
            self.queue.extend(batches(fresh, self.opts.push_bytes));
        }
        self.state = if self.queue.is_empty() && !resp.more { State::Done } else { State::Ready };
        Ok(())
    }

    /// Progress so far.
    pub fn progress(&self) -> SyncProgress {
        self.progress
    }

    /// What the run did so far.
    pub fn stats(&self) -> &SyncStats {
        &self.stats
    }

    /// The statistics of the finished run.
    pub fn into_stats(self) -> SyncStats {
        self.stats
    }
}
