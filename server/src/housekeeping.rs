//! Background work of a serving process besides answering requests: collecting attached files
//! nothing references any more, and the messages due at a time (reminders before reports are
//! due, weekly digests). Every server of a shared database may run it; its steps are safe to
//! run concurrently.

use std::sync::Arc;
use std::time::Duration;

use crate::Service;

/// How often unreferenced files are collected.
const COLLECT_EVERY: Duration = Duration::from_secs(3600);

/// Collects unreferenced files a minute after start, then hourly, until aborted.
pub fn spawn(service: Arc<Service>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if !service.keeps_files() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
        loop {
            let s = service.clone();
            match tokio::task::spawn_blocking(move || s.collect_files()).await {
                Ok(Ok(c)) if c.files > 0 || c.partial_uploads > 0 => {
                    tracing::info!(files = c.files, partial_uploads = c.partial_uploads, "collected unreferenced files")
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "collecting unreferenced files failed; retrying in an hour"),
                Err(e) => tracing::error!(error = %e, "collecting unreferenced files stopped"),
            }
            tokio::time::sleep(COLLECT_EVERY).await;
        }
    })
}

/// How often the schedule is looked at (a reminder goes out within this of its time).
const SCHEDULE_EVERY: Duration = Duration::from_secs(30);

/// Records deadlines and queues the reminders, alerts and digests that are due, every 30 seconds
/// (the first 30 seconds after start), until aborted.
pub fn spawn_schedule(service: Arc<Service>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SCHEDULE_EVERY).await;
            let s = service.clone();
            match tokio::task::spawn_blocking(move || s.run_schedule(crate::now_ms())).await {
                Ok(Ok(n)) if n > 0 => tracing::info!(messages = n, "reminders and digests queued for the robots"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "the schedule of reminders failed; trying again soon"),
                Err(e) => tracing::error!(error = %e, "the schedule of reminders stopped"),
            }
        }
    })
}
