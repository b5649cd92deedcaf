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

/// What a sync asks at every request, read in one query: the configuration and directory in
/// force and what devices were last sent of them, and the user's published snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedState {
    /// As [`Db::config_version`].
    pub config_version: i64,
    /// The configuration version devices were last sent.
    pub published_config: Option<i64>,
    /// The members' version: it moves with every change to a member or department.
    pub directory_version: i64,
    /// The published directory document and the members' version devices were last sent, once
    /// there is one: (document id, version).
    pub published_directory: Option<(String, i64)>,
    /// As [`Db::published_snapshot`].
    pub snapshot: Option<PublishedSnapshotRow>,
}

impl Db<'_> {
    /// [`PublishedState`] for `user`, in one round trip.
    pub fn published_state(&self, user: &str) -> Result<PublishedState> {
        self.one(
            "SELECT (SELECT COALESCE(MAX(version), 0) FROM config_versions),
                    (SELECT version FROM published_config WHERE id = 1),
                    (SELECT COALESCE(MAX(directory_version), 0) FROM team WHERE id = 1),
                    (SELECT doc_id FROM published_directory WHERE id = 1),
                    (SELECT version FROM published_directory WHERE id = 1),
                    s.doc_id, s.day, s.as_of, s.config_version, s.data_seq
             FROM (SELECT 1 AS one) o LEFT JOIN published_snapshots s ON s.user_id = ?1",
            p![user],
            |r| {
                let snapshot = match r.opt_text(5)? {
                    Some(doc_id) => Some(PublishedSnapshotRow {
                        doc_id,
                        day: r.text(6)?,
                        as_of: r.int(7)?,
                        config_version: r.int(8)?,
                        data_seq: r.int(9)?,
                    }),
                    None => None,
                };
                let published_directory = match (r.opt_text(3)?, r.opt_int(4)?) {
                    (Some(id), Some(v)) => Some((id, v)),
                    _ => None,
                };
                Ok(PublishedState {
                    config_version: r.int(0)?,
                    published_config: r.opt_int(1)?,
                    directory_version: r.int(2)?,
                    published_directory,
                    snapshot,
                })
            },
        )
    }

    /// The body of the latest applied configuration.
    pub fn latest_config(&self) -> Result<Option<String>> {
        self.opt("SELECT body FROM config_versions ORDER BY version DESC LIMIT 1", p![], |r| r.text(0))
    }

    /// The latest configuration version (0 before any).
    pub fn config_version(&self) -> Result<i64> {
        self.one("SELECT COALESCE(MAX(version), 0) FROM config_versions", p![], |r| r.int(0))
    }

    pub fn insert_config(&self, version: i64, body: &str, now: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO config_versions (version, body, applied_at) VALUES (?1, ?2, ?3)",
            p![version, body, now],
        )?;
        Ok(())
    }

    pub fn set_published_config(&self, doc_id: &str, version: i64) -> Result<()> {
        self.exec_later(
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
        self.exec_later(
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
        self.exec_later("UPDATE published_snapshots SET data_seq = -1 WHERE user_id = ?1", p![user])?;
        Ok(())
    }
}
