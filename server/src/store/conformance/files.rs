//! Attached files: what is held, who references it, each member's uploads, thumbnails, and
//! collecting what nothing references.

use super::{fresh, put, Harness};
use crate::store::db::{BlobRow, BlobUsage};

fn blob(hash: &str, size: i64, uploader: &str) -> BlobRow {
    BlobRow { hash: hash.into(), size, mime: "image/png".into(), uploader: uploader.into(), stored_at: 10 }
}

/// A file is held once, referenced by documents (whose owners can be asked about), counted per
/// uploader and day, thumbnailed once; it is collected only after it lost its last reference
/// long enough ago, and never while referenced again.
pub fn files_and_their_references(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        put(db, "doc-r", "followup", "r", b"h")?;
        put(db, "doc-m", "report", "m", b"h")?;
        db.insert_blob(&blob("aa", 100, "r"))?;
        db.insert_blob(&blob("aa", 999, "m"))?;
        db.insert_blob(&blob("bb", 50, "m"))?;
        db.set_blob_refs("doc-r", &["aa".into(), "bb".into()])?;
        db.set_blob_refs("doc-m", &["aa".into()])?;
        db.add_blob_usage("r", "2026-11-20", 100)?;
        db.add_blob_usage("r", "2026-11-20", 20)?;
        db.add_blob_usage("m", "2026-11-19", 50)?;
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert_eq!(db.blob("aa")?, Some(blob("aa", 100, "r")), "held once, as first stored");
        assert_eq!(db.blob("cc")?, None);
        let mut referrers = db.blob_referrers("aa")?;
        referrers.sort();
        assert_eq!(
            referrers,
            [("doc-m".into(), "report".into(), "m".into()), ("doc-r".into(), "followup".into(), "r".into())]
        );
        assert!(db.owner_references("r", "bb")?);
        assert!(!db.owner_references("m", "bb")?);
        // Only documents whose owner proved they hold the bytes let the file be read.
        assert!(db.blob_readers_docs("aa")?.is_empty(), "nobody proved anything yet");
        Ok(())
    })
    .unwrap();
    s.write(|db| {
        db.add_blob_holder("aa", "r", 10)?;
        db.add_blob_holder("aa", "r", 11)?;
        db.add_blob_holder("bb", "x", 11)?;
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert!(db.is_blob_holder("aa", "r")? && !db.is_blob_holder("aa", "m")?);
        assert_eq!(db.blob_readers_docs("aa")?, [("doc-r".into(), "followup".into(), "r".into())]);
        assert!(db.blob_readers_docs("bb")?.is_empty(), "a holder with no document of theirs: none");
        assert_eq!(db.blob_usage_on("r", "2026-11-20")?, 120);
        assert_eq!(db.blob_usage_on("r", "2026-11-21")?, 0);
        let usage = db.blob_usage("2026-11-20")?;
        assert_eq!(
            usage,
            [
                BlobUsage { user_id: "r".into(), files: 1, bytes: 100, bytes_today: 120 },
                BlobUsage { user_id: "m".into(), files: 1, bytes: 50, bytes_today: 0 },
            ],
            "most bytes first"
        );
        Ok(())
    })
    .unwrap();
    s.write(|db| {
        assert_eq!(db.thumbnail("aa")?, None);
        db.put_thumbnail("aa", b"small", 11)?;
        db.put_thumbnail("aa", b"other", 12)?;
        assert_eq!(db.thumbnail("aa")?, Some(b"small".to_vec()), "made once");
        // doc-r drops both files; doc-m still holds `aa`.
        db.set_blob_refs("doc-r", &[])?;
        db.mark_unreferenced_blobs(100)?;
        assert_eq!(db.unreferenced_blobs(101, 10)?, ["bb"]);
        assert!(db.unreferenced_blobs(100, 10)?.is_empty(), "only what lost its references before `before`");
        assert!(!db.delete_unreferenced_blob("aa")?, "a referenced file stays");
        // Referenced again before collection: it stays.
        db.set_blob_refs("doc-m", &["aa".into(), "bb".into()])?;
        db.mark_unreferenced_blobs(200)?;
        assert!(db.unreferenced_blobs(1_000, 10)?.is_empty());
        assert!(!db.delete_unreferenced_blob("bb")?);
        db.set_blob_refs("doc-m", &[])?;
        db.mark_unreferenced_blobs(300)?;
        assert_eq!(db.unreferenced_blobs(301, 1)?.len(), 1, "the limit holds");
        assert!(db.delete_unreferenced_blob("aa")?);
        assert_eq!((db.blob("aa")?, db.thumbnail("aa")?), (None, None), "the file and its thumbnail go");
        assert!(!db.is_blob_holder("aa", "r")?, "and who held it: a file sent again is proved again");
        Ok(())
    })
    .unwrap();
}
