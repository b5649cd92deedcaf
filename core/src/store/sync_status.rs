//! What an app shows about sync: what it is doing, when it last succeeded, what has not reached
//! the server yet, and what went wrong last. How the last sync ended is kept in the store
//! (`sync_state.last_outcome`, `last_error`), so a status survives the app's restart and the CLI
//! shows it too.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};

/// What sync is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncActivity {
    /// Nothing to do now (or waiting at the server for news).
    Idle,
    /// Starting a run: reaching the server.
    Connecting,
    /// Sending this device's changes or files.
    Uploading,
    /// Receiving and applying the team's changes.
    Downloading,
    /// The last run could not reach the server; it tries again (with backoff, or when the app
    /// says the network is back).
    Offline,
    /// The last run failed for another reason (`last_error` says which).
    Error,
}

impl SyncActivity {
    /// The word shown and scripted (`idle`, `connecting`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SyncActivity::Idle => "idle",
            SyncActivity::Connecting => "connecting",
            SyncActivity::Uploading => "uploading",
            SyncActivity::Downloading => "downloading",
            SyncActivity::Offline => "offline",
            SyncActivity::Error => "error",
        }
    }
}

/// The sync status of one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// What sync is doing now; when no sync runs, how the last one ended (idle, offline, error).
    pub state: SyncActivity,
    /// When a sync last committed a page from the server (UTC milliseconds), if ever.
    pub last_synced_at: Option<i64>,
    /// Records changed here that the server has not acknowledged.
    pub unsent_changes: u64,
    /// This device's attached files not uploaded yet.
    pub unsent_files: u64,
    /// Reports read here whose receipts the server has not been told yet.
    pub unsent_reads: u64,
    /// What went wrong in the last sync that failed, until one succeeds.
    pub last_error: Option<String>,
    /// Whether this device is enrolled (else nothing syncs).
    pub enrolled: bool,
}

impl Store {
    /// Records how a sync ended (a cancelled one records nothing: it did not end on its own).
    pub fn record_sync_outcome<T>(&self, outcome: &Result<T>) -> Result<()> {
        let (word, error) = match outcome {
            Ok(_) => ("ok", None),
            Err(Error::Cancelled) => return Ok(()),
            Err(e @ Error::Unreachable { .. }) => ("offline", Some(e.to_string())),
            Err(e) => ("error", Some(e.to_string())),
        };
        self.conn
            .execute("UPDATE sync_state SET last_outcome = ?1, last_error = ?2 WHERE id = 1", params![word, error])?;
        Ok(())
    }

    /// The status with nothing running: how the last sync ended, and what waits to go.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.sync_status_while(None)
    }

    /// The status while a run does `running` (`None`: no run: how the last one ended).
    pub fn sync_status_while(&self, running: Option<SyncActivity>) -> Result<SyncStatus> {
        let stored: Option<(Option<i64>, Option<String>, Option<String>)> = self
            .conn
            .query_row("SELECT last_sync_at, last_outcome, last_error FROM sync_state WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let enrolled = stored.is_some();
        let (last_synced_at, outcome, last_error) = stored.unwrap_or_default();
        let ended = match outcome.as_deref() {
            Some("offline") => SyncActivity::Offline,
            Some("error") => SyncActivity::Error,
            _ => SyncActivity::Idle,
        };
        // A store with no identity yet has written nothing that could go.
        let has_identity =
            self.conn.query_row("SELECT 1 FROM device WHERE id = 1", [], |_| Ok(())).optional()?.is_some();
        let unsent = if has_identity { self.unsynced()? } else { crate::store::Unsynced::default() };
        Ok(SyncStatus {
            state: running.unwrap_or(ended),
            last_synced_at,
            unsent_changes: unsent.documents as u64,
            unsent_files: unsent.files as u64,
            unsent_reads: unsent.reads as u64,
            last_error,
            enrolled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_is_not_enrolled_and_has_nothing_to_send() {
        let s = Store::open_in_memory().unwrap();
        let status = s.sync_status().unwrap();
        assert_eq!((status.state, status.enrolled, status.unsent_changes), (SyncActivity::Idle, false, 0));
    }

    #[test]
    fn how_a_sync_ended_is_kept_until_one_succeeds() {
        let mut s = Store::open_in_memory().unwrap();
        s.init("u1", "t1", "Asia/Shanghai", "monday").unwrap();
        s.conn
            .execute(
                "INSERT INTO sync_state (id, server_url, device_id, token, role, cursor, enrolled_at)
                 VALUES (1, 'http://x', 'd1', 't', 'rep', 0, 0)",
                [],
            )
            .unwrap();
        let offline: Result<()> = Err(Error::Unreachable { url: "http://x".into(), reason: "no network".into() });
        s.record_sync_outcome(&offline).unwrap();
        let st = s.sync_status().unwrap();
        assert_eq!(st.state, SyncActivity::Offline);
        assert!(st.last_error.unwrap().contains("no network"));
        s.record_sync_outcome::<()>(&Err(Error::Cancelled)).unwrap();
        assert_eq!(s.sync_status().unwrap().state, SyncActivity::Offline, "a cancel changes nothing");
        s.record_sync_outcome(&Ok(())).unwrap();
        let st = s.sync_status().unwrap();
        assert_eq!((st.state, st.last_error), (SyncActivity::Idle, None));
        assert_eq!(s.sync_status_while(Some(SyncActivity::Uploading)).unwrap().state, SyncActivity::Uploading);
    }
}
