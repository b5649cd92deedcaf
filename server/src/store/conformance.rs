//! The conformance suite: what every storage backend must do, as functions over a [`Harness`]
//! that opens fresh databases. `server/tests/conformance.rs` runs each function against SQLite
//! and PostgreSQL; a new backend passes all of them before it is used.
//!
//! Besides the primitives' plain behaviour, the suite holds the backends to the contracts the
//! service relies on: the feed answers exactly the visibility rule of `policy::visibility`;
//! feed positions become visible in the order they were given, so a reader never skips one,
//! even with several processes writing; a robot message claimed by one process is not claimed
//! by another until its lease runs out; a failing write job leaves nothing behind.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use fieldreport_protocol::doc::Kind;

use super::db::{NewDelivery, NewDoc, NewSession, RollupDelta, RollupTable, Visibility};
use super::{Db, Store};
use crate::error::{Result, ServerError};
use crate::model::{Device, Role, Slice, Team, User};
use crate::policy::visibility::{may_see, DocMeta, SERVER_OWNER};

/// Opens databases for the suite.
pub trait Harness {
    /// A store on a new, empty database.
    fn fresh(&self) -> Store;
    /// Another process's store on the same database as `of` (its own connections and writer).
    fn another(&self, of: &Store) -> Store;
}

/// A small deterministic generator (the suite must replay the same data).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn user(id: &str, role: Role, manager: Option<&str>) -> User {
    User {
        id: id.into(),
        name: format!("名字 {id}"),
        role,
        manager_id: manager.map(String::from),
        created_at: 1,
        phone: None,
        active: true,
    }
}

fn team() -> Team {
    Team { id: "team-1".into(), name: "华东销售".into(), tz: "Asia/Shanghai".into(), week_start: "monday".into() }
}

/// Stores a document at the next position; returns the position.
fn put(db: &Db, id: &str, kind: &str, owner: &str, heads: &[u8]) -> Result<i64> {
    let seq = db.next_seq()?;
    db.put_doc(&NewDoc { id, kind, owner, bytes: b"bytes", heads, seq, now: 1, view: None, view_format: None })?;
    Ok(seq)
}

/// The team, its members, codes and devices read back as written.
pub fn team_users_and_devices(h: &dyn Harness) {
    let s = h.fresh();
    s.write(|db| {
        assert_eq!(db.team()?, None);
        db.insert_team(&team(), 5)?;
        db.insert_user(&user("m", Role::Manager, None))?;
        db.insert_user(&user("r", Role::Rep, Some("m")))?;
        db.insert_code("hash-1", "r", 100)?;
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert_eq!(db.team()?, Some(team()));
        assert_eq!(db.users()?.len(), 2);
        assert_eq!(db.user("r")?, Some(user("r", Role::Rep, Some("m"))));
        assert_eq!(db.user("nobody")?, None);
        assert_eq!(db.code("hash-1")?, Some(("r".to_string(), 100, None)));
        Ok(())
    })
    .unwrap();
    let device = Device {
        id: "d1".into(),
        user_id: "r".into(),
        actor: "ab".into(),
        name: Some("张伟的手机".into()),
        created_at: 7,
        last_seen_at: None,
        revoked_at: None,
    };
    let d = device.clone();
    s.write(move |db| {
        db.use_code("hash-1", 9)?;
        db.insert_device(&d, "token-hash")?;
        db.touch_device("d1", 100_000)?;
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert_eq!(db.code("hash-1")?.and_then(|c| c.2), Some(9));
        assert!(db.actor_taken("ab")?);
        let got = db.device_by_token("token-hash")?.expect("the device");
        assert_eq!((got.id.as_str(), got.last_seen_at), ("d1", Some(100_000)));
        assert_eq!(db.devices(Some("r"))?.len(), 1);
        assert_eq!(db.devices(Some("m"))?.len(), 0);
        Ok(())
    })
    .unwrap();
    assert!(s.write(|db| db.revoke_device("d1", 200)).unwrap());
    assert!(!s.write(|db| db.revoke_device("nope", 200)).unwrap());
    s.read(|db| {
        assert_eq!(db.device("d1")?.and_then(|d| d.revoked_at), Some(200));
        assert!(!db.actor_taken("ab")?, "a revoked device frees its actor");
        Ok(())
    })
    .unwrap();
}

/// Documents read back; positions only grow, also after the last document was removed.
pub fn documents_and_positions(h: &dyn Harness) {
    let s = h.fresh();
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
        assert_eq!(db.doc_heads("doc-b")?, Some(b"h2".to_vec()));
        assert_eq!(db.feed_head()?, b);
        assert_eq!(db.latest_seq("r", "report")?, b);
        assert_eq!(db.latest_seq("r", "deal")?, 0);
        Ok(())
    })
    .unwrap();
    let c = s
        .write(|db| {
            db.delete_doc("doc-b")?;
            put(db, "doc-c", "customer", "r", b"h3")
        })
        .unwrap();
    assert!(c > b, "a removed document's position is not given again ({c} after {b})");
    s.write(|db| db.set_view("doc-c", Some("{}"), Some(1))).unwrap();
}

/// A random team and documents: every user's feed holds exactly what the rule lets them see.
pub fn feed_follows_the_visibility_rule(h: &dyn Harness) {
    let s = h.fresh();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut users = vec![user("admin", Role::Admin, None)];
    for m in 0..3 {
        users.push(user(&format!("m{m}"), Role::Manager, None));
    }
    for r in 0..8 {
        let manager = (r % 4 < 3).then(|| format!("m{}", r % 3));
        users.push(user(&format!("r{r}"), Role::Rep, manager.as_deref()));
    }
    let kinds = ["customer", "deal", "followup", "report", "snapshot", "config", "directory"];
    let mut docs: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for i in 0..200 {
        let kind = kinds[rng.below(kinds.len())].to_string();
        let owner = if kind == "config" || kind == "directory" {
            SERVER_OWNER.to_string()
        } else {
            users[rng.below(users.len())].id.clone()
        };
        let recipients: Vec<String> = if kind == "report" {
            (0..rng.below(3)).map(|_| users[rng.below(users.len())].id.clone()).collect()
        } else {
            Vec::new()
        };
        docs.push((format!("doc-{i:03}"), kind, owner, recipients));
    }
    let (u2, d2) = (users.clone(), docs.clone());
    s.write(move |db| {
        for u in &u2 {
            db.insert_user(u)?;
        }
        for (id, kind, owner, recipients) in &d2 {
            put(db, id, kind, owner, id.as_bytes())?;
            if !recipients.is_empty() {
                db.set_recipients(id, recipients)?;
            }
        }
        Ok(())
    })
    .unwrap();
    let manager_of: HashMap<String, String> =
        users.iter().filter_map(|u| Some((u.id.clone(), u.manager_id.clone()?))).collect();
    for viewer in &users {
        let want: BTreeSet<String> = docs
            .iter()
            .filter(|(_, kind, owner, recipients)| {
                let Some(kind) = Kind::parse(kind) else { return false };
                let doc = DocMeta { kind, owner, recipients };
                may_see(viewer, doc, &|o| manager_of.get(o).cloned())
            })
            .map(|d| d.0.clone())
            .collect();
        let v = Visibility { role: viewer.role, user: &viewer.id };
        let (got, remaining) = s
            .read(|db| {
                let rows = db.feed_page(v, 0)?;
                Ok((rows.into_iter().map(|r| r.id).collect::<BTreeSet<_>>(), db.feed_remaining(v, 0)?))
            })
            .unwrap();
        assert_eq!(got, want, "the feed of {} ({})", viewer.id, viewer.role);
        assert_eq!(remaining, (want.len() as i64, want.len() as i64 * 5), "the count of {}'s feed", viewer.id);
    }
}

/// What a device is known to hold: pushed heads, sent heads that become known when its cursor
/// passes them, and a device that starts over (cursor 0) holding nothing.
pub fn device_bookkeeping(h: &dyn Harness) {
    let s = h.fresh();
    s.write(|db| {
        db.set_known_heads("dev", "doc-a", b"pushed")?;
        db.set_sent_heads("dev", "doc-b", b"sent", 5)?;
        assert_eq!(db.known_heads("dev", "doc-a")?, Some(b"pushed".to_vec()));
        assert_eq!(db.known_heads("dev", "doc-b")?, None, "sent is not known until the cursor passes it");
        db.begin_device_sync("dev", 4)?;
        assert_eq!(db.known_heads("dev", "doc-b")?, None);
        db.begin_device_sync("dev", 5)?;
        assert_eq!(db.known_heads("dev", "doc-b")?, Some(b"sent".to_vec()));
        db.begin_device_sync("dev", 0)?;
        assert_eq!(db.known_heads("dev", "doc-a")?, None, "cursor 0 means the device holds nothing");
        Ok(())
    })
    .unwrap();
}

/// Rollup rows add up, cancel out and disappear; distinct keys count once.
pub fn rollups_add_up(h: &dyn Harness) {
    let s = h.fresh();
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    s.write(move |db| {
        for (v, n) in [(2.0, 1), (3.0, 1), (-2.0, -1)] {
            for (table, key) in [(RollupTable::Daily, "2026-11-20"), (RollupTable::Monthly, "2026-11")] {
                db.apply_rollup(&RollupDelta {
                    table,
                    user: "r",
                    metric: "visits",
                    key,
                    value: v,
                    base: 0.0,
                    facts: n,
                })?;
            }
        }
        db.insert_key("deal-1", "deals_won", "2026-11-20", "r", "deal-1")?;
        db.insert_key("deal-1b", "deals_won", "2026-11-21", "r", "deal-1")?;
        db.set_facts("doc-a", Some("[]"))?;
        assert_eq!(db.facts("doc-a")?.as_deref(), Some("[]"));
        db.set_facts("doc-a", None)?;
        assert_eq!(db.facts("doc-a")?, None);
        Ok(())
    })
    .unwrap();
    let users = vec!["r".to_string()];
    let distinct = vec!["deals_won".to_string()];
    let totals = s.read(|db| db.totals(day("2026-11-01"), day("2026-11-30"), Slice::Users(&users), &distinct)).unwrap();
    let of = |m: &str| totals.iter().find(|t| t.metric == m).map(|t| t.value);
    assert_eq!(of("visits"), Some(3.0));
    assert_eq!(of("deals_won"), Some(1.0));
    let partial = s.read(|db| db.totals(day("2026-11-20"), day("2026-11-20"), Slice::Users(&users), &[])).unwrap();
    assert_eq!(partial.iter().find(|t| t.metric == "visits").map(|t| t.value), Some(3.0));
    s.write(move |db| {
        for table in [RollupTable::Daily, RollupTable::Monthly] {
            let key = if table == RollupTable::Daily { "2026-11-20" } else { "2026-11" };
            db.apply_rollup(&RollupDelta {
                table,
                user: "r",
                metric: "visits",
                key,
                value: -3.0,
                base: 0.0,
                facts: -1,
            })?;
        }
        assert_eq!(db.daily_rollups()?, 0, "a row left with no fact is removed");
        Ok(())
    })
    .unwrap();
}

/// Configuration versions and what was published.
pub fn configuration_and_publishing(h: &dyn Harness) {
    let s = h.fresh();
    s.write(|db| {
        assert_eq!((db.config_version()?, db.latest_config()?), (0, None));
        db.insert_config(1, "{\"a\":1}", 5)?;
        db.insert_config(2, "{\"a\":2}", 6)?;
        assert_eq!((db.config_version()?, db.latest_config()?.as_deref()), (2, Some("{\"a\":2}")));
        assert_eq!(db.published_config()?, None);
        db.set_published_config("cfg", 1)?;
        db.set_published_config("cfg", 2)?;
        assert_eq!(db.published_config()?, Some(2));
        let snap = super::db::PublishedSnapshotRow {
            doc_id: "s".into(),
            day: "2026-11-20".into(),
            as_of: 10,
            config_version: 2,
            data_seq: 7,
        };
        db.set_published_snapshot("r", &snap)?;
        db.mark_snapshot_stale("r")?;
        assert_eq!(db.published_snapshot("r")?.map(|s| s.data_seq), Some(-1));
        Ok(())
    })
    .unwrap();
}

/// Links, sessions and read receipts.
pub fn web_sign_in_and_reads(h: &dyn Harness) {
    let s = h.fresh();
    s.write(|db| {
        db.insert_user(&user("m", Role::Manager, None))?;
        db.insert_login_link("link", "m", 100)?;
        db.use_login_link("link", 50)?;
        assert_eq!(db.login_link("link")?, Some(("m".to_string(), 100, Some(50))));
        let session = |hash, id| NewSession {
            token_hash: hash,
            id,
            user: "m",
            csrf: "csrf",
            via: "link",
            now: 50,
            expires_at: 500,
        };
        db.insert_session(&session("sess", "s1"))?;
        db.insert_session(&session("sess2", "s2"))?;
        assert_eq!(db.session("sess")?, Some(("m".to_string(), "csrf".to_string(), 500)));
        assert_eq!(db.sessions_of("m", 60)?.len(), 2);
        assert!(db.sessions_of("m", 500)?.is_empty(), "expired sessions are not listed");
        db.delete_session("sess")?;
        assert_eq!(db.session("sess")?, None);
        assert_eq!(db.delete_session_by_id("s2")?.map(|s| s.via), Some("link".to_string()));
        assert_eq!(db.session("sess2")?, None, "a revoked session ends");
        // A sign-in code is approved once and used once.
        db.insert_web_login("code", "browser", 50, 350)?;
        assert!(db.approve_web_login("code", "m", "d1", 60)?);
        assert!(!db.approve_web_login("code", "r", "d2", 61)?, "a code is approved once");
        assert_eq!(db.web_login_of_browser("browser")?.and_then(|w| w.approved_by), Some("m".to_string()));
        assert!(db.use_web_login("code", 70)?);
        assert!(!db.use_web_login("code", 71)?, "a code is used once");
        db.purge_expired_sign_ins(400)?;
        assert_eq!(db.web_login_of_code("code")?, None);
        assert!(db.insert_read("rep-1", "m", 60)?);
        assert!(!db.insert_read("rep-1", "m", 70)?, "a reading is recorded once");
        assert!(db.has_read("rep-1", "m")?);
        Ok(())
    })
    .unwrap();
}

/// A robot message is claimed by one process; another gets it only once the lease ran out,
/// and a sent message is never claimed again.
pub fn outbox_claims_once(h: &dyn Harness) {
    let a = h.fresh();
    let b = h.another(&a);
    a.write(|db| {
        for subject in ["r1", "r2", "r1"] {
            let d = NewDelivery {
                robot: "群",
                event: "alert",
                subject,
                title: "t",
                markdown: "m",
                mentions: None,
                now: 10,
            };
            db.enqueue(&d)?;
        }
        Ok(())
    })
    .unwrap();
    let got_a = a.write(|db| db.claim_due("A", 20, 100, 10)).unwrap();
    assert_eq!(got_a.len(), 2, "two messages (one per subject)");
    let got_b = b.write(|db| db.claim_due("B", 30, 110, 10)).unwrap();
    assert!(got_b.is_empty(), "claimed messages are not claimed again during the lease");
    let first = got_a[0].id;
    a.write(move |db| db.delivered(first, 40)).unwrap();
    let later = b.write(|db| db.claim_due("B", 101, 200, 10)).unwrap();
    assert_eq!(
        later.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![got_a[1].id],
        "only the unsent one, after the lease"
    );
    let list = a.read(|db| db.deliveries(10)).unwrap();
    assert_eq!(list.iter().filter(|d| d.status == "sent").count(), 1);
    let second = got_a[1].id;
    b.write(move |db| {
        let n = db.attempts(second)?.unwrap_or(0) + 1;
        db.delivery_failed(second, "pending", n, 300, "HTTP 500")
    })
    .unwrap();
    assert!(a.write(|db| db.claim_due("A", 250, 400, 10)).unwrap().is_empty(), "not before its next attempt");
    assert_eq!(a.write(|db| db.claim_due("A", 300, 400, 10)).unwrap().len(), 1);
}

/// A failing job leaves nothing; the other jobs are unaffected.
pub fn a_failing_write_leaves_nothing(h: &dyn Harness) {
    let s = h.fresh();
    let failed = s.write(|db| {
        put(db, "doc-x", "customer", "r", b"h")?;
        Err::<(), _>(ServerError::BadRequest("refused".into()))
    });
    assert!(failed.is_err());
    s.write(|db| put(db, "doc-y", "customer", "r", b"h")).unwrap();
    s.read(|db| {
        assert_eq!(db.doc("doc-x")?, None, "the failed job's write was rolled back");
        assert!(db.doc("doc-y")?.is_some());
        Ok(())
    })
    .unwrap();
}

/// Two processes write documents concurrently while readers follow the feed the way devices
/// do (from their cursor, jumping to the head when nothing is left): every reader ends up having
/// seen every document, so no position became visible after a reader had passed it.
pub fn readers_never_skip_a_position(h: &dyn Harness) {
    let a = h.fresh();
    let b = h.another(&a);
    a.write(|db| db.insert_user(&user("admin", Role::Admin, None))).unwrap();
    const WRITERS: usize = 4;
    const DOCS: usize = 60;
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let done = done.clone();
            std::thread::spawn(move || {
                let mut cursor = 0i64;
                let mut seen = BTreeSet::new();
                let v = Visibility { role: Role::Admin, user: "admin" };
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    // The head first: every position up to it has committed, so when the page
                    // is empty the cursor may jump there.
                    let (head, rows) = store.read(|db| Ok((db.feed_head()?, db.feed_page(v, cursor)?))).unwrap();
                    match rows.last() {
                        Some(last) => cursor = last.seq,
                        None => cursor = cursor.max(head),
                    }
                    seen.extend(rows.into_iter().map(|r| r.id));
                    if finished && seen.len() >= WRITERS * DOCS {
                        return (seen, cursor);
                    }
                    if finished {
                        // One more look after the writers finished: anything missing now is skipped.
                        let rows = store.read(|db| db.feed_page(v, cursor)).unwrap();
                        seen.extend(rows.into_iter().map(|r| r.id));
                        return (seen, cursor);
                    }
                }
            })
        })
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = if w % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                for i in 0..DOCS {
                    let id = format!("w{w}-{i:03}");
                    store.write(move |db| put(db, &id, "customer", "r", b"h")).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    for r in readers {
        let (seen, _) = r.join().unwrap();
        assert_eq!(seen.len(), WRITERS * DOCS, "a reader skipped {} documents", WRITERS * DOCS - seen.len());
    }
}

/// One function of the suite, by name.
pub type Case = (&'static str, fn(&dyn Harness));

/// Every function of the suite.
pub const ALL: &[Case] = &[
    ("team_users_and_devices", team_users_and_devices),
    ("documents_and_positions", documents_and_positions),
    ("feed_follows_the_visibility_rule", feed_follows_the_visibility_rule),
    ("device_bookkeeping", device_bookkeeping),
    ("rollups_add_up", rollups_add_up),
    ("configuration_and_publishing", configuration_and_publishing),
    ("web_sign_in_and_reads", web_sign_in_and_reads),
    ("outbox_claims_once", outbox_claims_once),
    ("a_failing_write_leaves_nothing", a_failing_write_leaves_nothing),
    ("readers_never_skip_a_position", readers_never_skip_a_position),
];
