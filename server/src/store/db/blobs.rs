//! Attachments' bookkeeping: the files held, which documents reference them, each member's
//! daily uploads, thumbnails.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// A file the store holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BlobRow {
    pub hash: String,
    pub size: i64,
    pub mime: String,
    pub uploader: String,
    pub stored_at: i64,
}

/// How much a member stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BlobUsage {
    pub user_id: String,
    /// Files stored that they uploaded first.
    pub files: i64,
    pub bytes: i64,
    /// Bytes they uploaded on the day asked about (counted against the daily limit).
    pub bytes_today: i64,
}

impl Db<'_> {
    pub fn blob(&self, hash: &str) -> Result<Option<BlobRow>> {
        self.opt("SELECT hash, size, mime, uploader, stored_at FROM blobs WHERE hash = ?1", p![hash], |r| {
            Ok(BlobRow {
                hash: r.text(0)?,
                size: r.int(1)?,
                mime: r.text(2)?,
                uploader: r.text(3)?,
                stored_at: r.int(4)?,
            })
        })
    }

    pub fn insert_blob(&self, b: &BlobRow) -> Result<()> {
        self.exec_later(
            "INSERT INTO blobs (hash, size, mime, uploader, stored_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            p![&b.hash, b.size, &b.mime, &b.uploader, b.stored_at],
        )?;
        Ok(())
    }

    /// Notes that `user` proved they hold file `hash` (sent its bytes whole).
    pub fn add_blob_holder(&self, hash: &str, user: &str, at: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO blob_holders (hash, user_id, at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            p![hash, user, at],
        )?;
        Ok(())
    }

    /// Whether `user` proved they hold file `hash`.
    pub fn is_blob_holder(&self, hash: &str, user: &str) -> Result<bool> {
        Ok(self
            .opt("SELECT 1 FROM blob_holders WHERE hash = ?1 AND user_id = ?2", p![hash, user], |_| Ok(()))?
            .is_some())
    }

    /// The documents that reference file `hash` and whose owner proved they hold it: the only
    /// ones through which the file may be read. (id, kind, owner).
    pub fn blob_readers_docs(&self, hash: &str) -> Result<Vec<(String, String, String)>> {
        self.all(
            "SELECT d.id, d.kind, d.owner FROM blob_refs r JOIN docs d ON d.id = r.doc_id
               JOIN blob_holders h ON h.hash = r.hash AND h.user_id = d.owner
              WHERE r.hash = ?1",
            p![hash],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
        )
    }

    /// Forgets file `hash` if no document references it (again); whether it did.
    pub fn delete_unreferenced_blob(&self, hash: &str) -> Result<bool> {
        let n = self.exec(
            "DELETE FROM blobs WHERE hash = ?1 AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = ?1)",
            p![hash],
        )?;
        if n > 0 {
            self.exec_later("DELETE FROM thumbnails WHERE hash = ?1", p![hash])?;
            self.exec_later("DELETE FROM blob_holders WHERE hash = ?1", p![hash])?;
        }
        Ok(n > 0)
    }

    /// Notes, as of `now`, which files lost their last reference and which gained one again.
    pub fn mark_unreferenced_blobs(&self, now: i64) -> Result<()> {
        self.exec_later(
            "UPDATE blobs SET unreferenced_since = ?1 WHERE unreferenced_since IS NULL
               AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = blobs.hash)",
            p![now],
        )?;
        self.exec_later(
            "UPDATE blobs SET unreferenced_since = NULL WHERE unreferenced_since IS NOT NULL
               AND EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = blobs.hash)",
            p![],
        )?;
        Ok(())
    }

    /// Replaces the files document `doc_id` references.
    pub fn set_blob_refs(&self, doc_id: &str, hashes: &[String]) -> Result<()> {
        self.exec_later("DELETE FROM blob_refs WHERE doc_id = ?1", p![doc_id])?;
        for h in hashes {
            self.exec_later(
                "INSERT INTO blob_refs (hash, doc_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                p![h, doc_id],
            )?;
        }
        Ok(())
    }

    /// The documents that reference file `hash`: (id, kind, owner).
    pub fn blob_referrers(&self, hash: &str) -> Result<Vec<(String, String, String)>> {
        self.all(
            "SELECT d.id, d.kind, d.owner FROM blob_refs r JOIN docs d ON d.id = r.doc_id WHERE r.hash = ?1",
            p![hash],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
        )
    }

    /// Whether a document of `owner` references file `hash`.
    pub fn owner_references(&self, owner: &str, hash: &str) -> Result<bool> {
        Ok(self
            .opt(
                "SELECT 1 FROM blob_refs r JOIN docs d ON d.id = r.doc_id WHERE r.hash = ?1 AND d.owner = ?2",
                p![hash, owner],
                |_| Ok(()),
            )?
            .is_some())
    }

    /// Files no document has referenced since before `before`.
    pub fn unreferenced_blobs(&self, before: i64, limit: usize) -> Result<Vec<String>> {
        self.all(
            &format!(
                "SELECT b.hash FROM blobs b WHERE b.unreferenced_since < ?1
                   AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.hash = b.hash) LIMIT {limit}"
            ),
            p![before],
            |r| r.text(0),
        )
    }

    /// Bytes `user` uploaded on `day`.
    pub fn blob_usage_on(&self, user: &str, day: &str) -> Result<i64> {
        Ok(self
            .opt("SELECT bytes FROM blob_usage WHERE user_id = ?1 AND day = ?2", p![user, day], |r| r.int(0))?
            .unwrap_or(0))
    }

    pub fn add_blob_usage(&self, user: &str, day: &str, bytes: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO blob_usage (user_id, day, bytes) VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, day) DO UPDATE SET bytes = blob_usage.bytes + excluded.bytes",
            p![user, day, bytes],
        )?;
        Ok(())
    }

    /// Files and bytes stored per uploader, and what each member uploaded on `day`.
    pub fn blob_usage(&self, day: &str) -> Result<Vec<BlobUsage>> {
        self.all(
            "SELECT u.user_id, COALESCE(b.files, 0), COALESCE(b.bytes, 0), COALESCE(t.bytes, 0)
               FROM (SELECT uploader AS user_id FROM blobs UNION SELECT user_id FROM blob_usage WHERE day = ?1) u
               LEFT JOIN (SELECT uploader, COUNT(*) AS files, CAST(SUM(size) AS BIGINT) AS bytes
                            FROM blobs GROUP BY uploader) b ON b.uploader = u.user_id
               LEFT JOIN blob_usage t ON t.user_id = u.user_id AND t.day = ?1
              ORDER BY 3 DESC, 1",
            p![day],
            |r| Ok(BlobUsage { user_id: r.text(0)?, files: r.int(1)?, bytes: r.int(2)?, bytes_today: r.int(3)? }),
        )
    }

    pub fn thumbnail(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        self.opt("SELECT bytes FROM thumbnails WHERE hash = ?1", p![hash], |r| r.blob(0))
    }

    pub fn put_thumbnail(&self, hash: &str, bytes: &[u8], now: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO thumbnails (hash, bytes, made_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            p![hash, bytes, now],
        )?;
        Ok(())
    }
}
