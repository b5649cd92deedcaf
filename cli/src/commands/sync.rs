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

pub fn enroll(ctx: &mut Ctx, server: &str, code: &str) -> CliResult {
    let e = runtime()?.block_on(sync::enroll(&mut ctx.store, server, code, &SyncOptions::default()))?;
    ctx.out.print(
        &serde_json::json!({"device_id": e.device_id, "user_id": e.user_id, "team_id": e.team_id, "role": e.role}),
        || vec![format!("enrolled as {} user {} of team {} (device {})", e.role, e.user_id, e.team_id, e.device_id)],
    )
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

pub fn sync(ctx: &mut Ctx) -> CliResult {
    let bar = Bar;
    let tty = std::io::stderr().is_terminal() && !ctx.out.json;
    let listener: Option<&dyn ProgressListener> = if tty { Some(&bar) } else { None };
    let stats = runtime()?.block_on(sync::sync(&mut ctx.store, &SyncOptions::default(), listener, &CancelToken::new()));
    if tty {
        crate::output::note("");
    }
    let stats = stats.map_err(|e| match e {
        fieldreport_core::Error::NotEnrolled => CliError::Usage(
            "this device is not enrolled with a team server: run `fieldreport --db PATH enroll --server URL --code CODE` first"
                .into(),
        ),
        e => e.into(),
    })?;
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
