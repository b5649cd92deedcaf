//! Sync: statistics, progress, refusals, the app's HTTP client's request and response, and the
//! changes an app observes.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::{ChangedKind, RefusalCode, RefusalReason, Role};
use fieldreport_core::store;
use fieldreport_core::sync;

use super::{count, instant};

/// What enrollment established.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Enrolled {
    pub device_id: String,
    pub user_id: String,
    pub team_id: String,
    pub role: Role,
}

/// A record the server refused, with why.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Refusal {
    pub id: String,
    pub kind: ChangedKind,
    /// The server's reason as one text (`code: message`).
    pub reason: String,
    /// Whether the server holds an earlier version (else taking its copy removes the record
    /// from this device).
    pub on_server: bool,
    /// Why, to act on (`Unknown` for a code from a newer server).
    pub code: RefusalCode,
    /// What was wrong and what to do.
    pub message: String,
}

impl Refusal {
    pub(crate) fn from_core(r: store::Refused) -> Self {
        let RefusalReason { code, message } = r.reason.clone();
        Refusal { id: r.id, kind: r.kind, reason: r.reason.to_string(), on_server: r.on_server, code, message }
    }
}

/// A record the server refused in one sync.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Rejection {
    pub id: String,
    /// The server's reason as one text (`code: message`).
    pub reason: String,
    /// Why, to act on.
    pub code: RefusalCode,
    /// What was wrong and what to do.
    pub message: String,
}

impl From<store::Rejection> for Rejection {
    fn from(r: store::Rejection) -> Self {
        Rejection { id: r.id, reason: r.reason.to_string(), code: r.reason.code, message: r.reason.message }
    }
}

/// What one sync did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncStats {
    pub round_trips: i32,
    /// Request bodies, in bytes (HTTP headers not included).
    pub bytes_sent: i64,
    /// Response bodies, in bytes.
    pub bytes_received: i64,
    /// Documents the server accepted from this device.
    pub pushed: i64,
    /// Records received from the server.
    pub pulled: i64,
    /// Documents the server authored received (team configuration, KPI snapshots).
    pub published: i64,
    /// Refused in this run (they stay listed in `refusals()` until resolved).
    pub rejected: Vec<Rejection>,
    /// Documents received that could not be applied: set aside, and asked for whole next time.
    pub set_aside: Vec<String>,
    /// Documents the server could not serve now (its copy is damaged; they come once healed).
    pub unavailable: Vec<String>,
    pub duration_ms: i64,
    /// Attached files the server received whole in this run.
    pub files_uploaded: i32,
    /// Bytes of attached files sent in this run (also counted in `bytes_sent`).
    pub file_bytes_sent: i64,
    /// Why files are still waiting to go, when some could not (they go at a later sync).
    pub files_waiting: Option<String>,
    /// Why reports read here are not told to the server yet (they go at a later sync).
    pub reads_waiting: Option<String>,
}

impl From<sync::SyncStats> for SyncStats {
    fn from(s: sync::SyncStats) -> Self {
        SyncStats {
            round_trips: s.round_trips as i32,
            bytes_sent: count(s.bytes_sent),
            bytes_received: count(s.bytes_received),
            pushed: count(s.pushed),
            pulled: count(s.pulled),
            published: count(s.published),
            rejected: s.rejected.into_iter().map(Rejection::from).collect(),
            set_aside: s.set_aside,
            unavailable: s.unavailable,
            duration_ms: count(s.duration_ms),
            files_uploaded: s.files_uploaded as i32,
            file_bytes_sent: count(s.file_bytes_sent),
            files_waiting: s.files_waiting,
            reads_waiting: s.reads_waiting,
        }
    }
}

/// Progress of a sync or download: documents (or pieces) and bytes done of the estimated totals.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncProgress {
    pub docs_done: i64,
    pub docs_total: i64,
    pub bytes_done: i64,
    pub bytes_total: i64,
}

impl From<sync::SyncProgress> for SyncProgress {
    fn from(p: sync::SyncProgress) -> Self {
        SyncProgress {
            docs_done: count(p.docs_done),
            docs_total: count(p.docs_total),
            bytes_done: count(p.bytes_done),
            bytes_total: count(p.bytes_total),
        }
    }
}

/// A request for the app's HTTP client: always a POST.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpRequest {
    pub url: String,
    pub content_type: String,
    /// Send as `Authorization: Bearer …` when present.
    pub bearer_token: Option<String>,
    pub body: Vec<u8>,
    /// Connect and read timeout, in milliseconds.
    pub timeout_ms: i64,
    /// When the library gives up on the answer (now plus `timeout_ms`).
    pub deadline: SystemTime,
    /// Says when the library no longer wants the answer (the sync was cancelled, or a wait for
    /// news ended because the app wrote): register `on_cancel` to abort the call (OkHttp
    /// `Call.cancel()`, `URLSessionTask.cancel()`, `HttpURLConnection.disconnect()`).
    pub call: Arc<HttpCall>,
}

impl HttpRequest {
    /// The app's request for the core's, with the call that cancels it.
    pub(crate) fn from_core(r: sync::HttpRequest, call: Arc<HttpCall>) -> Self {
        HttpRequest {
            deadline: SystemTime::now() + std::time::Duration::from_millis(r.timeout_ms),
            url: r.url,
            content_type: r.content_type,
            bearer_token: r.bearer_token,
            body: r.body,
            timeout_ms: count(r.timeout_ms),
            call,
        }
    }
}

/// Told when a call is cancelled. Called on the library's thread that cancels; return quickly.
#[uniffi::export(with_foreign)]
pub trait CancelListener: Send + Sync {
    fn on_cancel(&self);
}

/// One HTTP call in the app's client, which the library may cancel.
#[derive(uniffi::Object, Default)]
pub struct HttpCall {
    state: Mutex<CallState>,
}

#[derive(Default)]
struct CallState {
    cancelled: bool,
    listeners: Vec<Arc<dyn CancelListener>>,
}

impl std::fmt::Debug for HttpCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCall").field("cancelled", &self.is_cancelled()).finish()
    }
}

impl HttpCall {
    /// Cancels the call: its listeners hear it once (outside the lock).
    pub(crate) fn cancel(&self) {
        let listeners = {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if st.cancelled {
                return;
            }
            st.cancelled = true;
            std::mem::take(&mut st.listeners)
        };
        for l in listeners {
            l.on_cancel();
        }
    }
}

#[uniffi::export]
impl HttpCall {
    /// Whether the library no longer wants the answer.
    pub fn is_cancelled(&self) -> bool {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).cancelled
    }

    /// Calls `listener` when the call is cancelled (at once when it already is).
    pub fn on_cancel(&self, listener: Arc<dyn CancelListener>) {
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !st.cancelled {
                st.listeners.push(listener);
                return;
            }
        }
        listener.on_cancel();
    }
}

/// The server's answer, whatever its status.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HttpResponse {
    pub status: i32,
    pub body: Vec<u8>,
}

/// A browser signed in with this device's approval.
#[derive(Debug, Clone, uniffi::Record)]
pub struct WebLoginApproved {
    pub user_id: String,
    pub session_expires_at: SystemTime,
}

impl From<sync::WebLoginApproved> for WebLoginApproved {
    fn from(w: sync::WebLoginApproved) -> Self {
        WebLoginApproved { user_id: w.user_id, session_expires_at: instant(w.session_expires_at) }
    }
}

/// Records that changed, of one kind.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Changes {
    pub kind: ChangedKind,
    pub ids: Vec<String>,
}

/// What sync is doing (see `SyncStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// Nothing to do now (or waiting at the server for news).
    Idle,
    /// Starting a run: reaching the server.
    Connecting,
    /// Sending this device's changes or files.
    Uploading,
    /// Receiving and applying the team's changes.
    Downloading,
    /// The last run could not reach the server; sync tries again with backoff, or at once
    /// after `network_available()`.
    Offline,
    /// The last run failed for another reason (`last_error` says which).
    Error,
}

impl From<sync::SyncActivity> for SyncState {
    fn from(a: sync::SyncActivity) -> Self {
        use sync::SyncActivity as A;
        match a {
            A::Idle => SyncState::Idle,
            A::Connecting => SyncState::Connecting,
            A::Uploading => SyncState::Uploading,
            A::Downloading => SyncState::Downloading,
            A::Offline => SyncState::Offline,
            A::Error => SyncState::Error,
        }
    }
}

/// How sync stands, to show ("synced 10:42 · 3 visits not sent").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    /// What sync is doing now; between runs, how the last one ended (idle, offline, error).
    pub state: SyncState,
    /// When a sync last received the server's changes, if ever.
    pub last_synced_at: Option<SystemTime>,
    /// Records changed here that the server has not acknowledged.
    pub unsent_changes: i64,
    /// This device's attached files not uploaded yet.
    pub unsent_files: i64,
    /// Reports read here whose receipts the server has not been told yet.
    pub unsent_reads: i64,
    /// What went wrong in the last sync that failed, until one succeeds.
    pub last_error: Option<String>,
    /// Whether the device is enrolled (nothing syncs before).
    pub enrolled: bool,
    /// Whether sync runs by itself (`start_sync`).
    pub running: bool,
}

impl SyncStatus {
    pub(crate) fn from_core(s: sync::SyncStatus, running: bool) -> Self {
        SyncStatus {
            state: s.state.into(),
            last_synced_at: s.last_synced_at.map(instant),
            unsent_changes: count(s.unsent_changes),
            unsent_files: count(s.unsent_files),
            unsent_reads: count(s.unsent_reads),
            last_error: s.last_error,
            enrolled: s.enrolled,
            running,
        }
    }
}

/// How sync reaches the server and when it runs by itself. Every field has a default
/// (`SyncConfig()`): a 30 s request timeout, 4 retries of a failed request, a long poll of 25 s
/// between runs, a run 2 s after a local write, one every 15 minutes at the least, and a
/// backoff from 2 s to 5 minutes after failures.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncConfig {
    /// Timeout of one request, in milliseconds (a long poll adds its wait).
    #[uniffi(default = 30000)]
    pub timeout_ms: i64,
    /// Attempts after the first for a request that failed for want of a network or at a busy
    /// server (0: fail at once, e.g. a worker with little time).
    #[uniffi(default = 4)]
    pub retries: i32,
    /// How long a running sync waits at the server for news between runs, in milliseconds (0:
    /// no waiting; news comes at the next run).
    #[uniffi(default = 25000)]
    pub wait_ms: i64,
    /// How long after a local write a running sync starts, in milliseconds.
    #[uniffi(default = 2000)]
    pub debounce_ms: i64,
    /// The longest time between two runs of a running sync when no news comes, in milliseconds.
    #[uniffi(default = 900000)]
    pub interval_ms: i64,
    /// The first wait after a failed run, doubled at each failure up to `backoff_max_ms`.
    #[uniffi(default = 2000)]
    pub backoff_ms: i64,
    #[uniffi(default = 300000)]
    pub backoff_max_ms: i64,
    /// Whether attached files go with a sync (off on a metered network: they wait).
    #[uniffi(default = true)]
    pub upload_files: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            timeout_ms: 30_000,
            retries: 4,
            wait_ms: 25_000,
            debounce_ms: 2_000,
            interval_ms: 900_000,
            backoff_ms: 2_000,
            backoff_max_ms: 300_000,
            upload_files: true,
        }
    }
}
