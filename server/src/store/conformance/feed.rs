//! The change feed: exactly what the visibility rule allows, and no position skipped while
//! several processes write.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use fieldreport_protocol::doc::Kind;
use fieldreport_protocol::team::{below_pairs, Department, DeptTree, Person};

use super::{fresh, open, put, put_merged, user, Harness, Rng};
use crate::model::Role;
use crate::policy::visibility::{may_see, DocMeta, SERVER_OWNER};
use crate::store::db::Visibility;
use crate::store::ConnExt;

/// A random team in a tree of departments and documents: every user's feed holds exactly what
/// the rule lets them see — down the chain of managers (m0 manages m1) and down the departments
/// a member heads (m2 heads 上海, which holds 浦东).
pub fn feed_follows_the_visibility_rule(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut users = vec![user("admin", Role::Admin, None)];
    for m in 0..3 {
        users.push(user(&format!("m{m}"), Role::Manager, (m == 1).then_some("m0")));
    }
    for r in 0..8 {
        let manager = (r % 4 < 3).then(|| format!("m{}", r % 3));
        let mut u = user(&format!("r{r}"), Role::Rep, manager.as_deref());
        u.dept_id = Some(["root", "sh", "pd"][r % 3].to_string());
        users.push(u);
    }
    let dept = |id: &str, parent: Option<&str>, heads: &[&str]| Department {
        id: id.into(),
        name: id.into(),
        parent_id: parent.map(String::from),
        heads: heads.iter().map(|h| h.to_string()).collect(),
    };
    let depts = vec![dept("root", None, &[]), dept("sh", Some("root"), &["m2"]), dept("pd", Some("sh"), &[])];
    let people: Vec<Person> = users
        .iter()
        .map(|u| Person { id: &u.id, manager_id: u.manager_id.as_deref(), dept_id: u.dept_id.as_deref() })
        .collect();
    let pairs = below_pairs(&people, &DeptTree::new(&depts));
    assert!(pairs.contains(&("m0".into(), "r1".into())), "down the chain");
    assert!(pairs.contains(&("m2".into(), "r1".into())), "down the departments");
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
    let (u2, d2, p2) = (users.clone(), docs.clone(), pairs.clone());
    s.write(move |db| {
        for d in &depts {
            db.insert_department(d, 1)?;
        }
        for u in &u2 {
            db.insert_user(u)?;
        }
        db.replace_sees(&p2)?;
        for (id, kind, owner, recipients) in &d2 {
            put(db, id, kind, owner, id.as_bytes())?;
            if !recipients.is_empty() {
                db.set_recipients(id, recipients)?;
            }
        }
        Ok(())
    })
    .unwrap();
    let below: BTreeSet<(String, String)> = pairs.into_iter().collect();
    for viewer in &users {
        let want: BTreeSet<String> = docs
            .iter()
            .filter(|(_, kind, owner, recipients)| {
                let Some(kind) = Kind::parse(kind) else { return false };
                let doc = DocMeta { kind, owner, recipients };
                may_see(viewer, doc, &|o| below.contains(&(viewer.id.clone(), o.to_string())))
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
        let (seen, sees_r1) = s.read(|db| Ok((db.seen_by(&viewer.id)?, db.sees(&viewer.id, "r1")?))).unwrap();
        let mine: Vec<String> = below.iter().filter(|(v, _)| *v == viewer.id).map(|(_, o)| o.clone()).collect();
        assert_eq!(seen, mine, "who {} sees below them", viewer.id);
        assert_eq!(sees_r1, mine.iter().any(|o| o == "r1"));
        assert_eq!(remaining, (want.len() as i64, want.len() as i64 * 5), "the count of {}'s feed", viewer.id);
    }
    // Who a range of positions concerns: exactly the members who see something in it (every
    // member when the team's configuration or directory is in it), so that a commit wakes the
    // requests waiting for news that have news, and only those.
    let head = s.read(|db| db.feed_head()).unwrap();
    for (after, upto) in [(0, head), (0, 1), (17, 23), (50, 90), (head - 5, head), (head, head + 10)] {
        let audience: BTreeSet<String> = s.read(|db| db.feed_audience(after, upto)).unwrap().into_iter().collect();
        for viewer in users.iter().filter(|u| u.role != Role::Admin) {
            let v = Visibility { role: viewer.role, user: &viewer.id };
            let rows = s.read(|db| db.feed_page(v, after)).unwrap();
            let sees_some = rows.iter().any(|r| r.seq <= upto);
            let told = audience.contains(&viewer.id) || audience.contains(SERVER_OWNER);
            assert_eq!(told, sees_some, "{} and positions {after}..={upto}: {audience:?}", viewer.id);
        }
    }
}

/// Two processes write documents concurrently — as serial jobs and as merges for different
/// members, which on PostgreSQL run side by side and take their positions at commit — while
/// readers follow the feed the way devices do (from their cursor, jumping to the head when
/// nothing is left): every reader ends up having seen every document, so no position became
/// visible after a reader had passed it.
pub fn readers_never_skip_a_position(h: &dyn Harness) {
    let (a, url) = fresh(h);
    let b = open(&url);
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
                    if i % 2 == 0 {
                        store.write(move |db| put(db, &id, "customer", "r", b"h")).unwrap();
                    } else {
                        let member = format!("m{w}");
                        store.write_merge(vec![member.clone()], move |db| put_merged(db, &id, &member, b"h")).unwrap();
                    }
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
    let unplaced = a.read(|db| db.one("SELECT COUNT(*) FROM docs WHERE seq <= 0", &[], |r| r.int(0))).unwrap();
    assert_eq!(unplaced, 0, "every committed document has its position");
}
