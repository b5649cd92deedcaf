//! Background work of a serving process besides answering requests: collecting attached files
//! nothing references any more. Every server of a shared database may run it; its steps are safe
//! to run concurrently.

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
