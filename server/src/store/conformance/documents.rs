//! Documents, their positions and recipients, what each device holds of them, quarantine, and
//! rollback of a failed job.

use std::collections::{BTreeMap, HashMap};

use super::{fresh, open, put, put_merged, Harness};
use crate::model::Role;
use crate::store::db::{NewDoc, Quarantined, Visibility};
use crate::store::{ConnExt, StoreError};

/// Documents read back; positions only grow, also after the last document was removed.
pub fn documents_and_positions(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let (a, b) = s
        .write(|db| {
            let a = put(db, "doc-a", "customer", "r", b"h1")?;
            let b = put(db, "doc-b", "report", "r", b"h2")?;
            db.set_recipients("doc-b", &["m".into(), "m".into(), "x".into()])?;
            Ok((a, b))
        })
        .unwrap();
    assert!(b > a);
    s.read(|db| {
        let row = db.doc("doc-a")?.expect("stored");
        assert_eq!((row.kind.as_str(), row.owner.as_str(), row.bytes.as_slice()), ("customer", "r", &b"bytes"[..]));
        assert_eq!(db.doc_meta("doc-a")?, Some(("customer".into(), "r".into(), b"h1".to_vec())));
        assert_eq!(db.doc_meta("nothing")?, None);
        assert_eq!(db.doc_bytes("doc-b")?, Some(b"bytes".to_vec()));
        assert_eq!(db.doc_heads("doc-b")?, Some(b"h2".to_vec()));
        assert_eq!(db.recipients_of("doc-b")?, ["m", "x"], "each recipient once, in order");
        assert_eq!(db.feed_head()?, b);
        assert_eq!(db.latest_seq("r", "report")?, b);
        assert_eq!(db.latest_seq("r", "deal")?, 0);
        Ok(())
    })
    .unwrap();
    let c = s
        .write(|db| {
            db.delete_doc("doc-b")?;
            db.set_recipients("doc-a", &[])?;
            put(db, "doc-c", "customer", "r", b"h3")
        })
        .unwrap();
    assert!(c > b, "a removed document's position is not given again ({c} after {b})");
    s.write(|db| db.set_view("doc-c", Some("{}"), Some(1))).unwrap();
    s.read(|db| {
        assert_eq!(db.doc("doc-b")?, None);
        assert!(db.recipients_of("doc-a")?.is_empty());
        Ok(())
    })
    .unwrap();
}

/// What a push job does in bulk: several positions at once, many documents per statement
/// (replacing stored ones), their heads in one query, what the device holds of each.
pub fn batched_documents_and_device_bookkeeping(h: &dyn Harness) {
    let (s, _) = fresh(h);
    // More than one statement's worth of each batch (50 documents, 300 heads).
    const N: usize = 320;
    let ids: Vec<String> = (0..N).map(|i| format!("doc-{i:03}")).collect();
    let heads: Vec<Vec<u8>> = (0..N).map(|i| format!("heads-{i}").into_bytes()).collect();
    let (ids2, heads2) = (ids.clone(), heads.clone());
    let first = s
        .write(move |db| {
            let first = db.feed_head()? + 1;
            let docs: Vec<NewDoc> = (0..N)
                .map(|i| NewDoc {
                    id: &ids2[i],
                    kind: "customer",
                    owner: "r",
                    bytes: b"v1",
                    heads: &heads2[i],
                    seq: 0,
                    now: 5,
                    view: Some("{\"v\":1}"),
                    view_format: Some(1),
                })
                .collect();
            db.put_docs(&docs)?;
            // A second batch replaces the first ten, at new positions.
            let again: Vec<NewDoc> = docs[..10].iter().map(|d| NewDoc { bytes: b"v2", heads: b"new", ..*d }).collect();
            db.put_docs(&again)?;
            Ok(first)
        })
        .unwrap();
    // Once committed, in the feed after the head as it was: every document once, in the order
    // stored (the ten replaced last), and the head at the last of them.
    let admin = Visibility { role: Role::Admin, user: "a" };
    let (feed, head) = s.read(move |db| Ok((db.feed_page(admin, first - 1)?, db.feed_head()?))).unwrap();
    let order: Vec<&str> = feed.iter().map(|r| r.id.as_str()).collect();
    let expected: Vec<&str> = ids[10..].iter().chain(&ids[..10]).map(String::as_str).collect();
    assert_eq!(order, expected, "positions follow the order documents were stored in");
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq) && feed[0].seq >= first);
    assert_eq!(feed.last().map(|r| r.seq), Some(head), "the head is the last position given");
    let asked: Vec<&str> = ids.iter().map(String::as_str).chain(["doc-missing"]).collect();
    let (metas, bytes) = s.read(|db| Ok((db.doc_metas_of(&asked)?, db.docs_bytes_of(&asked)?))).unwrap();
    assert_eq!((metas.len(), bytes.len()), (N, N), "every stored document, none of the others");
    assert_eq!(metas["doc-005"], ("customer".to_string(), "r".to_string(), b"new".to_vec()));
    assert_eq!(metas["doc-050"].2, heads[50]);
    assert_eq!((bytes["doc-005"].as_slice(), bytes["doc-250"].as_slice()), (&b"v2"[..], &b"v1"[..]));
    let stored = s.read(move |db| db.doc_heads_of(&asked)).unwrap();
    assert_eq!(stored.len(), N, "every stored document, none of the others");
    assert_eq!(stored["doc-000"], b"new".to_vec());
    assert_eq!(stored["doc-050"], heads[50]);
    s.read(|db| {
        assert_eq!(db.doc_bytes("doc-005")?, Some(b"v2".to_vec()));
        assert_eq!(db.doc_bytes("doc-319")?, Some(b"v1".to_vec()));
        assert_eq!(db.latest_seq("r", "customer")?, head);
        Ok(())
    })
    .unwrap();

    let held: BTreeMap<String, Vec<u8>> = ids.iter().map(|id| (id.clone(), b"pushed".to_vec())).collect();
    s.write(move |db| {
        db.set_known_heads_of("dev", &held)?;
        db.set_sent_heads_of("dev", &[("doc-000".into(), b"sent".to_vec(), 9)])?;
        db.forget_device_doc("dev", "doc-001")?;
        Ok(())
    })
    .unwrap();
    let docs: Vec<String> = ids.clone();
    let known: HashMap<String, Vec<u8>> = s
        .read(move |db| {
            let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
            db.known_heads_of("dev", &refs)
        })
        .unwrap();
    assert_eq!(known.len(), N - 1, "all but the one forgotten");
    assert!(!known.contains_key("doc-001"));
    assert_eq!(known["doc-000"], b"pushed".to_vec(), "sent heads are not known until the cursor passes them");
    let other = s.read(|db| db.known_heads_of("other-dev", &["doc-000"])).unwrap();
    assert!(other.is_empty(), "another device holds nothing");
}

/// What a device is known to hold: pushed heads, sent heads that become known when its cursor
/// passes them, and a device that starts over (cursor 0) holding nothing.
pub fn device_bookkeeping(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        db.set_known_heads("dev", "doc-a", b"pushed")?;
        db.set_sent_heads_of("dev", &[("doc-b".into(), b"sent".to_vec(), 5), ("doc-c".into(), b"c1".to_vec(), 7)])?;
        assert_eq!(db.known_heads("dev", "doc-a")?, Some(b"pushed".to_vec()));
        assert_eq!(db.known_heads("dev", "doc-b")?, None, "sent is not known until the cursor passes it");
        db.begin_device_sync("dev", 4)?;
        assert_eq!(db.known_heads("dev", "doc-b")?, None);
        db.begin_device_sync("dev", 5)?;
        assert_eq!(db.known_heads("dev", "doc-b")?, Some(b"sent".to_vec()));
        assert_eq!(db.known_heads("dev", "doc-c")?, None, "each sent document waits for its own position");
        db.set_sent_heads_of("dev", &[("doc-c".into(), b"c2".to_vec(), 8)])?;
        db.begin_device_sync("dev", 8)?;
        assert_eq!(db.known_heads("dev", "doc-c")?, Some(b"c2".to_vec()), "the last page sent wins");
        db.begin_device_sync("dev", 0)?;
        assert_eq!(db.known_heads("dev", "doc-a")?, None, "cursor 0 means the device holds nothing");
        Ok(())
    })
    .unwrap();
}

/// A document set aside once, listed, released; every stored id can be walked in pages.
pub fn quarantine(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let q = |id: &str, owner: &str, since: i64| Quarantined {
        doc_id: id.into(),
        kind: "customer".into(),
        owner: owner.into(),
        reason: "does not load".into(),
        since,
    };
    s.write(move |db| {
        for (i, id) in ["doc-c", "doc-a", "doc-b"].into_iter().enumerate() {
            put(db, id, "customer", if i == 2 { "m" } else { "r" }, b"h")?;
        }
        assert!(db.quarantine(&q("doc-a", "r", 20))?, "new");
        assert!(!db.quarantine(&q("doc-a", "r", 30))?, "set aside once");
        assert!(db.quarantine(&q("doc-c", "r", 10))?);
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert!(db.is_quarantined("doc-a")?);
        assert!(!db.is_quarantined("doc-b")?);
        assert_eq!(db.quarantined_of("r")?, ["doc-a", "doc-c"]);
        assert!(db.quarantined_of("m")?.is_empty());
        let all: Vec<(String, i64)> = db.quarantined()?.into_iter().map(|q| (q.doc_id, q.since)).collect();
        assert_eq!(all, [("doc-c".to_string(), 10), ("doc-a".to_string(), 20)], "oldest first, first reason kept");
        let page = db.doc_ids_after("", 2)?;
        assert_eq!(page.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(), ["doc-a", "doc-b"]);
        assert_eq!(page[1], ("doc-b".to_string(), "customer".to_string(), "m".to_string()));
        let rest = db.doc_ids_after("doc-b", 2)?;
        assert_eq!(rest.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(), ["doc-c"]);
        Ok(())
    })
    .unwrap();
    s.write(|db| db.release_quarantine("doc-a")).unwrap();
    assert!(!s.read(|db| db.is_quarantined("doc-a")).unwrap());
    assert_eq!(s.read(|db| db.quarantined_of("r")).unwrap(), ["doc-c"]);
}

/// A failing job leaves nothing; the other jobs are unaffected; the caller gets its own error.
pub fn a_failing_write_leaves_nothing(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let failed = s.write(|db| {
        put(db, "doc-x", "customer", "r", b"h")?;
        Err::<(), _>(StoreError::Query("refused by the job".into()))
    });
    assert!(matches!(failed, Err(StoreError::Query(ref m)) if m == "refused by the job"), "{failed:?}");
    s.write(|db| put(db, "doc-y", "customer", "r", b"h")).unwrap();
    s.read(|db| {
        assert_eq!(db.doc("doc-x")?, None, "the failed job's write was rolled back");
        assert!(db.doc("doc-y")?.is_some());
        Ok(())
    })
    .unwrap();
    let read_failed = s.read(|_| Err::<(), _>(StoreError::Data("a reader's own error".into())));
    assert!(matches!(read_failed, Err(StoreError::Data(_))), "{read_failed:?}");
}

/// Jobs in one batch whose statements fail at the database, not at the caller (on PostgreSQL the
/// writer sends a job's writes without waiting for each answer): the failing job is rolled back
/// alone with the database's own error, even when it went on writing and reading after the
/// failed statement; every other job of the batch commits.
pub fn a_statement_failing_late_fails_its_job_alone(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let outcomes: Vec<Result<(), StoreError>> = std::thread::scope(|scope| {
        let jobs: Vec<_> = (0..24)
            .map(|i| {
                let s = s.clone();
                scope.spawn(move || {
                    s.write(move |db| {
                        put(db, &format!("doc-{i:02}"), "customer", "r", b"h")?;
                        if i % 6 == 5 {
                            // Position 1 exists: the database refuses this when it runs it.
                            db.exec_later("INSERT INTO feed_head (id, seq) VALUES (1, 0)", &[])?;
                            put(db, &format!("after-{i:02}"), "customer", "r", b"h")?;
                            if i % 12 == 11 {
                                db.doc_heads("doc-00")?;
                            }
                        }
                        Ok(())
                    })
                })
            })
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    for (i, out) in outcomes.iter().enumerate() {
        if i % 6 == 5 {
            let e = out.as_ref().expect_err("the refused statement fails its job");
            assert!(e.to_string().contains("INSERT INTO feed_head"), "the statement that failed is named: {e}");
        } else {
            assert!(out.is_ok(), "job {i}: {out:?}");
        }
    }
    s.read(|db| {
        for i in 0..24 {
            let failing = i % 6 == 5;
            assert_eq!(db.doc(&format!("doc-{i:02}"))?.is_some(), !failing, "doc-{i:02}");
            assert!(db.doc(&format!("after-{i:02}"))?.is_none(), "nothing of a failed job stays");
        }
        Ok(())
    })
    .unwrap();
    s.write(|db| put(db, "next", "customer", "r", b"h")).unwrap();
}

/// Two processes add to one member's counter, as merges for that member and as serial jobs,
/// many at once: every addition counts (on PostgreSQL, merges for one member wait for each other
/// across processes, and serial jobs for every merge), and every document has its position.
pub fn merges_for_one_member_are_serial_across_processes(h: &dyn Harness) {
    let (a, url) = fresh(h);
    let b = open(&url);
    a.write(|db| put_merged(db, "counter", "u", b"0")).unwrap();
    const THREADS: usize = 3;
    const ADDS: usize = 20;
    std::thread::scope(|scope| {
        for t in 0..THREADS * 2 {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            scope.spawn(move || {
                for i in 0..ADDS {
                    let add = move |db: &crate::store::Db| {
                        let bytes = db.doc_bytes("counter")?.unwrap_or_default();
                        let n: u64 = String::from_utf8_lossy(&bytes).parse().unwrap_or(0);
                        // Another member's document in the same job: merges for others go on.
                        put_merged(db, &format!("t{t}-{i}"), &format!("other-{t}"), b"x")?;
                        put_merged(db, "counter", "u", (n + 1).to_string().as_bytes())
                    };
                    if i % 4 == 3 {
                        store.write(add).unwrap();
                    } else {
                        store.write_merge(vec!["u".into(), format!("other-{t}")], add).unwrap();
                    }
                }
            });
        }
    });
    let (n, unplaced, head, last) = a
        .read(|db| {
            let n = db.doc_bytes("counter")?.map(|b| String::from_utf8_lossy(&b).to_string());
            let unplaced = db.one("SELECT COUNT(*) FROM docs WHERE seq <= 0", &[], |r| r.int(0))?;
            let last = db.one("SELECT MAX(seq) FROM docs", &[], |r| r.int(0))?;
            Ok((n, unplaced, db.feed_head()?, last))
        })
        .unwrap();
    assert_eq!(n.as_deref(), Some((THREADS * 2 * ADDS).to_string().as_str()), "no addition was lost");
    assert_eq!(unplaced, 0, "every document has its position");
    assert!(head >= last, "the head is at or past the last position given ({head} < {last})");
}
