//! `enroll` and `sync`: talking to the team server.

use std::io::{IsTerminal, Write};

use fieldreport_core::sync::{self, CancelToken, ProgressListener, SyncOptions, SyncProgress};

use super::Ctx;
use crate::error::{CliError, CliResult};

fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the network runtime: {e}")))
}

/// `enroll`, then a first sync, so that the team's directory, configuration and templates are on
/// the device at once (a failed first sync leaves the enrollment done: `sync` again later).
pub fn enroll(ctx: &mut Ctx, server: &str, code: &str, name: Option<&str>) -> CliResult {
    let rt = runtime()?;
    let opts = SyncOptions::default();
    let e = rt.block_on(sync::enroll_named(&mut ctx.store, server, code, name, &opts))?;
    let first = rt.block_on(sync::sync(&mut ctx.store, &opts, None, &CancelToken::new()));
    let me = ctx.store.member(&e.user_id)?.map(|m| m.name).unwrap_or_else(|| e.user_id.clone());
    let synced = first.as_ref().ok().map(|s| s.pulled + s.published);
    ctx.out.print(
        &serde_json::json!({
            "device_id": e.device_id, "user_id": e.user_id, "team_id": e.team_id, "role": e.role,
            "name": me, "first_sync": first.as_ref().ok(),
        }),
        || {
            let mut lines =
                vec![format!("enrolled as {me} ({}) of team {} (device {})", e.role, e.team_id, e.device_id)];
            match (synced, &first) {
                (Some(n), _) => lines.push(format!("first sync: {n} document(s) from the server")),
                (None, Err(err)) => lines.push(format!("the first sync failed ({err}); run `sync` when online")),
                _ => {}
            }
            lines
        },
    )
}

/// `web-login CODE`: approves the code a browser's sign-in page shows, for this device's user.
pub fn web_login(ctx: &mut Ctx, code: &str) -> CliResult {
    let state = ctx.store.sync_state().map_err(not_enrolled)?;
    let ok = runtime()?.block_on(sync::approve_web_login(&state, code, &SyncOptions::default()))?;
    let cal = ctx.calendar()?;
    ctx.out.print(&ok, || {
        vec![format!(
            "the browser showing {} is signed in (until {})",
            sync::normalize_code(code).unwrap_or_default(),
            crate::time::format_instant(ok.session_expires_at, &cal)
        )]
    })
}

/// A device that never enrolled is told how to.
fn not_enrolled(e: fieldreport_core::Error) -> CliError {
    match e {
        fieldreport_core::Error::NotEnrolled => CliError::Usage(
            "this device is not enrolled with a team server: run `fieldreport --db PATH enroll --server URL --code CODE` first"
                .into(),
        ),
        e => e.into(),
    }
}

/// Draws a one-line progress bar on stderr when it is a terminal.
struct Bar;

impl ProgressListener for Bar {
    fn on_progress(&self, p: SyncProgress) {
        let total = p.docs_total.max(1);
        let filled = (p.docs_done.min(total) * 30 / total) as usize;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {}/{} documents, {} / {} KiB",
            "#".repeat(filled),
            " ".repeat(30 - filled),
            p.docs_done,
            p.docs_total,
            p.bytes_done / 1024,
            p.bytes_total / 1024
        );
        let _ = err.flush();
    }
}

/// Syncs now, quietly (after a submit): `Err` says why it could not (not enrolled, offline,
/// the server refused), in words; what was written stays for the next sync.
pub fn send_now(ctx: &mut Ctx) -> Result<sync::SyncStats, String> {
    if ctx.store.sync_state().is_err() {
        return Err("this device is not enrolled with a team server".into());
    }
    let rt = runtime().map_err(|e| e.to_string())?;
    let stats = rt
        .block_on(sync::sync(&mut ctx.store, &SyncOptions::default(), None, &CancelToken::new()))
        .map_err(|e| e.to_string())?;
    match stats.rejected.first() {
        Some(r) => Err(format!("the server refused {}: {}", r.id, r.reason)),
        None => Ok(stats),
    }
}

pub fn sync(ctx: &mut Ctx, wait: Option<u64>) -> CliResult {
    let bar = Bar;
    let tty = std::io::stderr().is_terminal() && !ctx.out.json;
    let listener: Option<&dyn ProgressListener> = if tty { Some(&bar) } else { None };
    let opts = SyncOptions { wait: std::time::Duration::from_secs(wait.unwrap_or(0).min(60)), ..Default::default() };
    let stats = runtime()?.block_on(sync::sync(&mut ctx.store, &opts, listener, &CancelToken::new()));
    if tty {
        crate::output::note("");
    }
    let stats = stats.map_err(not_enrolled)?;
    ctx.out.print(&stats, || {
        let mut lines = vec![format!(
            "synced: {} pushed, {} pulled, {} from the server (figures, configuration), {} rejected; \
             {} round trip(s), {} bytes sent, {} received",
            stats.pushed,
            stats.pulled,
            stats.published,
            stats.rejected.len(),
            stats.round_trips,
            stats.bytes_sent,
            stats.bytes_received
        )];
        lines.extend(stats.rejected.iter().map(|r| format!("  rejected {}: {}", r.id, r.reason)));
        lines
    })
}

/// `status`: the store's sync status (JSON: `{state, last_synced_at, unsent_changes,
/// unsent_files, unsent_reads, last_error, enrolled}`; `last_synced_at` in UTC milliseconds).
pub fn status(ctx: &mut Ctx) -> CliResult {
    let status = ctx.store.sync_status()?;
    let cal = ctx.calendar().ok();
    ctx.out.print(&status, || {
        if !status.enrolled {
            return vec![
                "not enrolled with a team server: run `fieldreport --db PATH enroll --server URL --code CODE`".into(),
            ];
        }
        let when = match (status.last_synced_at, &cal) {
            (Some(ms), Some(cal)) => crate::time::format_instant(ms, cal),
            (Some(ms), None) => ms.to_string(),
            (None, _) => "never".into(),
        };
        let mut lines = vec![
            format!("sync: {}; last synced {when}", status.state.as_str()),
            format!(
                "not sent yet: {} change(s), {} file(s), {} read receipt(s)",
                status.unsent_changes, status.unsent_files, status.unsent_reads
            ),
        ];
        if let Some(e) = &status.last_error {
            lines.push(format!("last error: {e}"));
        }
        lines
    })
}

/// `rejected`: the records the server refused (JSON: `[{id, kind, reason, code, message,
/// on_server}]`: the reason as one text, and its code and message apart), or the resolution of one.
pub fn rejected(ctx: &mut Ctx, action: Option<crate::args::RejectedCmd>) -> CliResult {
    use crate::args::RejectedCmd;
    match action {
        None => {
            let list: Vec<serde_json::Value> = ctx
                .store
                .refused()?
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "kind": r.kind.as_str(),
                        "reason": r.reason,
                        "code": r.reason.code,
                        "message": r.reason.message,
                        "on_server": r.on_server,
                    })
                })
                .collect();
            ctx.out.print(&list, || {
                if list.is_empty() {
                    return vec!["the server refused nothing that is still on this device".into()];
                }
                list.iter()
                    .map(|r| {
                        format!(
                            "{} {}: {}",
                            r["kind"].as_str().unwrap_or(""),
                            r["id"].as_str().unwrap_or(""),
                            r["reason"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
        }
        Some(RejectedCmd::Discard { id }) => {
            let kept = ctx.store.discard_local_changes(&id)?;
            let json = serde_json::json!({"id": id, "removed": kept.is_none()});
            ctx.out.print(&json, || {
                vec![if kept.is_some() {
                    format!("{id}: the server's copy is back; the refused changes are gone")
                } else {
                    format!("{id}: the server never had it; removed from this device")
                }]
            })
        }
        Some(RejectedCmd::Keep { id }) => {
            let new = ctx.store.keep_as_new(&id)?;
            let new_id = new.header().id.clone();
            ctx.out.print(&serde_json::json!({"id": id, "new_id": new_id}), || {
                vec![format!("kept as {} {new_id}; {id} is the server's copy again", new.header().kind.as_str())]
            })
        }
    }
}
