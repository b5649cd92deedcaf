//! The async driver of the sync [`Engine`]: sends its requests through the run's transport,
//! sleeps its backoffs, reports progress between pages and stops at a cancel; and enrollment,
//! read receipts, nudges and signing out.

use std::time::Instant;

use super::engine::{Engine, Next, Sending, SyncStats};
use super::http::{json_body, post_json, transport, CancelToken, ProgressListener, SyncOptions};
use crate::api::{EnrollRequest, Enrollment, NudgeRequest, NudgeSent, ReadsRequest, Route};
use crate::codes::ErrorCode;
use crate::error::{Error, Result};
use crate::store::SyncActivity;
use crate::Store;

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
///
/// How it ended is recorded in the store ([`Store::sync_status`]); `progress` also hears what it
/// is doing ([`ProgressListener::on_activity`]).
pub async fn sync(
    store: &mut Store,
    opts: &SyncOptions,
    progress: Option<&dyn ProgressListener>,
    cancel: &CancelToken,
) -> Result<SyncStats> {
    let activity = Activity { listener: progress, now: std::sync::Mutex::new(None) };
    activity.set(SyncActivity::Connecting);
    let out = run(store, opts, progress, &activity, cancel).await;
    // The status is advisory: failing to record it (a full disk) must not turn a sync that
    // committed its pages into a failure.
    let _ = store.record_sync_outcome(&out);
    out
}

/// Tells the listener what the run does, once per change.
struct Activity<'a> {
    listener: Option<&'a dyn ProgressListener>,
    now: std::sync::Mutex<Option<SyncActivity>>,
}

impl Activity<'_> {
    fn set(&self, a: SyncActivity) {
        let before = self.now.lock().unwrap_or_else(|p| p.into_inner()).replace(a);
        if before != Some(a) {
            if let Some(l) = self.listener {
                l.on_activity(a);
            }
        }
    }
}

async fn run(
    store: &mut Store,
    opts: &SyncOptions,
    progress: Option<&dyn ProgressListener>,
    activity: &Activity<'_>,
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
                let first = engine.stats().round_trips == 0;
                activity.set(match engine.sending() {
                    Sending::Pushes => SyncActivity::Uploading,
                    Sending::Wait => SyncActivity::Idle,
                    Sending::Pull if first => SyncActivity::Connecting,
                    Sending::Pull => SyncActivity::Downloading,
                });
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
    if opts.upload_files && store.unsynced()?.files > 0 {
        activity.set(SyncActivity::Uploading);
        match super::files::upload_files(store, opts, progress, cancel, &mut stats).await {
            Ok(()) => {}
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(e) => stats.files_waiting = Some(e.to_string()),
        }
    }
    stats.duration_ms = started.elapsed().as_millis() as u64;
    activity.set(SyncActivity::Idle);
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
        Err(Error::Server {
            code: ErrorCode::MissingToken | ErrorCode::BadToken | ErrorCode::Revoked | ErrorCode::Deactivated,
            ..
        }) => Ok(()),
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
