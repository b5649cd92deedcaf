//! Sync that runs itself ([`AutoSync`]): soon after local writes (debounced), waiting at the
//! server for news between runs (a long poll, so a manager's comment arrives in seconds), at
//! once when the app says the network is back, periodically as a safety net, and with backoff
//! and jitter after failures. One thread of its own with its own connection to the store; what it
//! is doing is told to an [`AutoSyncListener`], from which the app's status is made
//! ([`crate::store::Store::sync_status_while`]).
//!
//! A local write during a long poll ends the wait (the request is dropped: it pushed nothing, so
//! nothing is lost) and the next run pushes the write. A run that pushes is never interrupted by
//! a write: the write goes in the run after it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::engine::SyncProgress;
use super::http::{CancelToken, ProgressListener, SyncOptions};
use crate::codes::ErrorCode;
use crate::error::{Error, Result};
use crate::store::SyncActivity;
use crate::Store;

/// When [`AutoSync`] runs.
#[derive(Debug, Clone, Copy)]
pub struct AutoSyncOptions {
    /// How long after a local write the run starts (writes meanwhile go with it).
    pub debounce: Duration,
    /// The longest time between two runs when no news comes (a safety net: with `wait` on, news
    /// comes at once).
    pub interval: Duration,
    /// How long each request waits at the server for news between runs (zero: no waiting; runs
    /// come every `interval`). Devices ask for 25 s: mobile networks and proxies drop idle
    /// connections after longer.
    pub wait: Duration,
    /// The first wait after a failed run, doubled at each failure (with jitter) up to
    /// `backoff_max`.
    pub backoff: Duration,
    pub backoff_max: Duration,
}

impl Default for AutoSyncOptions {
    fn default() -> Self {
        AutoSyncOptions {
            debounce: Duration::from_secs(2),
            interval: Duration::from_secs(15 * 60),
            wait: Duration::from_secs(25),
            backoff: Duration::from_secs(2),
            backoff_max: Duration::from_secs(5 * 60),
        }
    }
}

/// Hears what [`AutoSync`] does. Called on its thread; return quickly.
pub trait AutoSyncListener: Send + Sync {
    /// What a run is doing (`Some`), or that no run is going on (`None`: the store's recorded
    /// outcome of the last run says how it ended).
    fn on_activity(&self, activity: Option<SyncActivity>);
    /// A run committed a page (records may have changed).
    fn on_progress(&self, _progress: SyncProgress) {}
}

/// What the app tells the running sync, and what it reads of it.
struct Shared {
    /// Bumped by each local write.
    writes: watch::Sender<u64>,
    /// Bumped when the network is back.
    network: watch::Sender<u64>,
    stop: watch::Sender<bool>,
    /// Cancels the run in progress at its next page when stopping.
    cancel: CancelToken,
    activity: Mutex<Option<SyncActivity>>,
    listener: Arc<dyn AutoSyncListener>,
}

impl Shared {
    fn set(&self, a: Option<SyncActivity>) {
        let changed = {
            let mut now = self.activity.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *now, a) != a
        };
        if changed {
            self.listener.on_activity(a);
        }
    }
}

/// The sync that runs itself, until [`AutoSync::stop`] (or drop).
pub struct AutoSync {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl AutoSync {
    /// Starts syncing the store at `path` with `opts` (its `wait` is set from `auto`), telling
    /// `listener` what it does. Runs a first sync at once. `NotEnrolled` before enrollment.
    pub fn start(
        path: PathBuf,
        opts: SyncOptions,
        auto: AutoSyncOptions,
        listener: Arc<dyn AutoSyncListener>,
    ) -> Result<AutoSync> {
        let shared = Arc::new(Shared {
            writes: watch::Sender::new(0),
            network: watch::Sender::new(0),
            stop: watch::Sender::new(false),
            cancel: CancelToken::new(),
            activity: Mutex::new(None),
            listener,
        });
        // Its own connection: the app's reads and writes never wait for the sync's turn.
        let store = Store::open(&path)?;
        store.sync_state()?;
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("fieldreport-autosync".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(_) => return,
                };
                rt.block_on(drive(store, opts, auto, &s));
                s.set(None);
                // A request still out in the app's HTTP client is not waited for.
                rt.shutdown_background();
            })
            .map_err(|e| Error::bad_input(format!("cannot start a thread for sync: {e}")))?;
        Ok(AutoSync { shared, thread: Some(thread) })
    }

    /// A record was written here: a run starts after the debounce (ending a wait for news).
    pub fn local_write(&self) {
        self.shared.writes.send_modify(|n| *n += 1);
    }

    /// The network is back: a run starts now, whatever the backoff.
    pub fn network_back(&self) {
        self.shared.network.send_modify(|n| *n += 1);
    }

    /// What the running sync is doing (`None` between runs).
    pub fn activity(&self) -> Option<SyncActivity> {
        *self.shared.activity.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops: a run in progress stops at its next page (what it committed stays), a wait for
    /// news ends at once. Returns when the thread has ended.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.send_replace(true);
        self.shared.cancel.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for AutoSync {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Tells the listener each committed page and what the run does.
struct Forward<'a>(&'a Shared);

impl ProgressListener for Forward<'_> {
    fn on_progress(&self, p: SyncProgress) {
        self.0.listener.on_progress(p);
    }
    fn on_activity(&self, a: SyncActivity) {
        self.0.set(Some(a));
    }
}

/// Whether only the user can mend `e` (enrol again, a new token): no timer retries it.
fn needs_the_user(e: &Error) -> bool {
    matches!(
        e,
        Error::NotEnrolled
            | Error::Server {
                code: ErrorCode::Revoked | ErrorCode::Deactivated | ErrorCode::BadToken | ErrorCode::MissingToken,
                ..
            }
    )
}

/// The wait after `failures` failed runs in a row: doubling from `auto.backoff` up to
/// `auto.backoff_max`, each drawn between half and all of it (so that devices that lost the
/// network together do not come back together).
fn backoff(auto: &AutoSyncOptions, failures: u32) -> Duration {
    let full = auto.backoff.saturating_mul(1 << failures.saturating_sub(1).min(20)).min(auto.backoff_max);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    // Cheap jitter: the clock's nanoseconds, mixed.
    let mix = (u64::from(nanos).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as f64 / f64::from(u32::MAX);
    full.mul_f64(0.5 + 0.5 * mix)
}

/// The pause after a waiting request answered empty at once (the server did not wait), before
/// the next wait: the server is asked about once a minute then, not in a loop.
const EARLY_PAUSE: Duration = Duration::from_secs(60);

/// A timer that does not ring (only the user can mend what failed).
const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);

/// What ended a wait between runs.
enum Woken {
    /// A local write: run again after the debounce.
    Write,
    /// The network back, or the timer: run again.
    Run,
    /// News arrived and was committed by the waiting request: wait again.
    Again,
    /// The waiting request was answered empty long before its wait: pause, then wait again.
    Early,
    /// The waiting request failed.
    Failed(Error),
    Stop,
}

async fn drive(mut store: Store, opts: SyncOptions, auto: AutoSyncOptions, shared: &Shared) {
    let mut stop = shared.stop.subscribe();
    let mut writes = shared.writes.subscribe();
    let mut network = shared.network.subscribe();
    let run_opts = SyncOptions { wait: Duration::ZERO, ..opts.clone() };
    let wait_opts = SyncOptions { wait: auto.wait, ..opts };
    let fwd = Forward(shared);
    let mut failures = 0u32;
    let mut stuck;
    loop {
        // What the app wrote up to now goes in this run.
        writes.borrow_and_update();
        network.borrow_and_update();
        let out = tokio::select! {
            out = super::sync(&mut store, &run_opts, Some(&fwd), &shared.cancel) => out,
            _ = stop.wait_for(|s| *s) => return,
        };
        shared.set(None);
        match out {
            Ok(_) => (failures, stuck) = (0, false),
            Err(Error::Cancelled) => return,
            Err(e) => (failures, stuck) = (failures + 1, needs_the_user(&e)),
        }
        // Between runs: wait for news, for a write, for the network, or for the timer.
        let mut early = false;
        loop {
            let listen = failures == 0 && !auto.wait.is_zero() && !early;
            let timer = if stuck {
                NEVER
            } else if failures > 0 {
                backoff(&auto, failures)
            } else if early {
                auto.interval.min(EARLY_PAUSE)
            } else {
                auto.interval
            };
            let began = std::time::Instant::now();
            let woken = tokio::select! {
                biased;
                _ = stop.wait_for(|s| *s) => Woken::Stop,
                _ = writes.changed() => Woken::Write,
                _ = network.changed() => {
                    failures = 0;
                    Woken::Run
                }
                _ = tokio::time::sleep(timer) => Woken::Run,
                out = super::sync(&mut store, &wait_opts, Some(&fwd), &shared.cancel), if listen => match out {
                    // Answered empty well before its wait: a server that does not wait (an older
                    // one, a proxy dropping the query, its cap reached). Not again at once.
                    Ok(st) if st.pulled + st.published + st.pushed == 0 && began.elapsed() < auto.wait / 2 => {
                        Woken::Early
                    }
                    Ok(_) => Woken::Again,
                    Err(Error::Cancelled) => Woken::Stop,
                    Err(e) => Woken::Failed(e),
                },
            };
            // Status between runs: idle, or how the last one ended.
            shared.set(None);
            match woken {
                Woken::Stop => return,
                Woken::Write => {
                    // Writes close together go in one run.
                    tokio::select! {
                        _ = stop.wait_for(|s| *s) => return,
                        _ = tokio::time::sleep(auto.debounce) => break,
                    }
                }
                Woken::Run if early => {
                    // The pause after an early answer is over: wait for news again.
                    early = false;
                    continue;
                }
                Woken::Run => break,
                Woken::Again => {
                    early = false;
                    continue;
                }
                Woken::Early => {
                    early = true;
                    continue;
                }
                Woken::Failed(e) => {
                    (failures, stuck) = (1, needs_the_user(&e));
                    continue;
                }
            }
        }
    }
}
