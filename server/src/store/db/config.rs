//! Team configuration versions, and what the server last published to devices.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// The snapshot last published to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedSnapshotRow {
    pub doc_id: String,
    /// The local day it is for.
    pub day: String,
    pub as_of: i64,
    pub config_version: i64,
    /// The latest feed position among the records it covers; -1 when a read receipt is news.
    pub data_seq: i64,
}

impl Db<'_> {
    /// The body of the latest applied configuration.
    pub fn latest_config(&self) -> Result<Option<String>> {
        self.opt("SELECT body FROM config_versions ORDER BY version DESC LIMIT 1", p![], |r| r.text(0))
    }

    /// The latest configuration version (0 before any).
    pub fn config_version(&self) -> Result<i64> {
        self.one("SELECT COALESCE(MAX(version), 0) FROM config_versions", p![], |r| r.int(0))
    }

    pub fn insert_config(&self, version: i64, body: &str, now: i64) -> Result<()> {
        self.exec(
            "INSERT INTO config_versions (version, body, applied_at) VALUES (?1, ?2, ?3)",
            p![version, body, now],
        )?;
        Ok(())
    }

    /// The configuration version devices were last sent.
    pub fn published_config(&self) -> Result<Option<i64>> {
        self.opt("SELECT version FROM published_config WHERE id = 1", p![], |r| r.int(0))
    }

    pub fn set_published_config(&self, doc_id: &str, version: i64) -> Result<()> {
        self.exec(
            "INSERT INTO published_config (id, doc_id, version) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET doc_id = excluded.doc_id, version = excluded.version",
            p![doc_id, version],
        )?;
        Ok(())
    }

    pub fn published_snapshot(&self, user: &str) -> Result<Option<PublishedSnapshotRow>> {
        self.opt(
            "SELECT doc_id, day, as_of, config_version, data_seq FROM published_snapshots WHERE user_id = ?1",
            p![user],
            |r| {
                Ok(PublishedSnapshotRow {
                    doc_id: r.text(0)?,
                    day: r.text(1)?,
                    as_of: r.int(2)?,
                    config_version: r.int(3)?,
                    data_seq: r.int(4)?,
                })
            },
        )
    }

    pub fn set_published_snapshot(&self, user: &str, s: &PublishedSnapshotRow) -> Result<()> {
        self.exec(
            "INSERT INTO published_snapshots (user_id, doc_id, day, as_of, config_version, data_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(user_id) DO UPDATE SET doc_id = excluded.doc_id, day = excluded.day, as_of = excluded.as_of,
                 config_version = excluded.config_version, data_seq = excluded.data_seq",
            p![user, &s.doc_id, &s.day, s.as_of, s.config_version, s.data_seq],
        )?;
        Ok(())
    }

    /// Marks `user`'s published snapshot as lacking news (a read receipt), so the next sync
    /// computes it.
    pub fn mark_snapshot_stale(&self, user: &str) -> Result<()> {
        self.exec("UPDATE published_snapshots SET data_seq = -1 WHERE user_id = ?1", p![user])?;
        Ok(())
    }
}
