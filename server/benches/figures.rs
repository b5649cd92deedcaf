//! KPI figures on the server (BENCHMARKS.md, "KPI snapshots"):
//! - a team snapshot of one quarter for 100 reps over 250,000 followups and 20,000 deals;
//! - the incremental rollup update of one merged change;
//! - a full rebuild of the rollups from 250,000 stored followup documents.
//!
//! Run: `cargo bench -p fieldreport-server --bench figures`
//!
//! The team's records are typed records indexed through the same code a merge runs
//! (`rollups::index`), spread over the quarter; the rebuild reads real Automerge documents (a
//! pool of 1,000 distinct followups, stored 250 times each under distinct ids), so each of the
//! 250,000 loads, reads and indexes a real document. Everything goes through the store's API, on
//! a data directory on tmpfs (`/dev/shm`): what is measured is the computation, not the disk. A
//! rollup update is timed inside one write job, as a merge runs it inside its transaction.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use fieldreport_core::doc::{
    Deal, Followup, FollowupEdit, FollowupKind, Header, Kind, NewFollowup, Record, Stage, StageEntry, SCHEMA_VERSION,
};
use fieldreport_core::money::Money;
use fieldreport_core::period::Period;
use fieldreport_core::team::TeamConfig;
use fieldreport_core::Store as DeviceStore;
use fieldreport_server::figures::{snapshot, Scope};
use fieldreport_server::model::{Role, User};
use fieldreport_server::service::{rollups, views, RebuildFrom, Store};
use fieldreport_server::store::db::NewDoc;
use fieldreport_server::store::Location;
use fieldreport_server::testing::scratch_dir;

mod common;
use common::{cal, quarter_start};

const REPS: usize = 100;
const FOLLOWUPS: usize = 250_000;
const DEALS: usize = 20_000;
const DAY: i64 = 86_400_000;

fn header(kind: Kind, i: usize, owner: &str, at: i64) -> Header {
    Header {
        kind,
        id: uuid::Uuid::now_v7().to_string(),
        team: "team-1".into(),
        owner: owner.into(),
        created_at: at + (i as i64 % 1000),
        schema: SCHEMA_VERSION,
        deleted: false,
    }
}

fn rep(i: usize) -> String {
    format!("rep-{i:03}")
}

fn followup(i: usize, start: i64) -> Followup {
    let at = start + (i as i64 * 7_919_000) % (92 * DAY);
    let id = uuid::Uuid::now_v7().to_string();
    let mut v = common::visit(id, rep(i % REPS), format!("c-{}", i % 5000), FollowupKind::ALL[i % 5], at);
    v.header.created_at = at + (i as i64 % 1000);
    v
}

fn deal(i: usize, start: i64) -> Deal {
    let at = start + (i as i64 * 3_600_000 * 7) % (80 * DAY);
    let moved = (i % 6) + 1;
    let history = Stage::ALL[..moved]
        .iter()
        .enumerate()
        .map(|(k, s)| StageEntry { stage: *s, at: at + k as i64 * DAY })
        .collect();
    Deal {
        header: header(Kind::Deal, i, &rep(i % REPS), at),
        customer_id: format!("c-{}", i % 5000),
        title: "deal".into(),
        amount: Money { minor: 100_000 + i as i64, currency: "CNY".into() },
        stage: Stage::ALL[moved - 1],
        stage_history: history,
        expected_close: None,
        lost_reason: None,
    }
}

/// A data directory and its store.
fn scratch() -> (tempfile::TempDir, Store) {
    let dir = scratch_dir();
    let store = Store::open(&Location::Dir(dir.path().to_path_buf())).unwrap();
    (dir, store)
}

/// A store holding the team's rollups, built through `rollups::index`.
fn team_db() -> (tempfile::TempDir, Store) {
    let (dir, store) = scratch();
    let t = Instant::now();
    store
        .write(|db| {
            let defs = TeamConfig::default().definitions();
            let (cal, start) = (cal(), quarter_start());
            for i in 0..REPS {
                let u = User {
                    id: rep(i),
                    name: format!("销售 {i}"),
                    role: Role::Rep,
                    manager_id: None,
                    created_at: 0,
                    phone: None,
                    active: true,
                    deactivated_at: None,
                    dept_id: None,
                };
                db.insert_user(&u)?;
            }
            for i in 0..FOLLOWUPS {
                rollups::index(db, &defs, &cal, &Record::Followup(followup(i, start)))?;
            }
            for i in 0..DEALS {
                rollups::index(db, &defs, &cal, &Record::Deal(deal(i, start)))?;
            }
            Ok(())
        })
        .unwrap();
    let n = FOLLOWUPS + DEALS;
    eprintln!(
        "indexed {n} records in {:.1} s ({:.1} µs each, first time)",
        t.elapsed().as_secs_f64(),
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    (dir, store)
}

fn bench_snapshot(c: &mut Criterion) {
    let (_dir, store) = team_db();
    let config = TeamConfig::default();
    store
        .read(|db| {
            let mut all = db.users()?;
            all.sort_by(|a, b| a.id.cmp(&b.id));
            let team = Scope { members: all.clone(), team: all.clone() };
            let one = Scope { members: vec![all[7].clone()], team: all };
            // Late in the quarter: almost every day of it has data.
            let now = quarter_start() + 85 * DAY;
            let src = *db;
            let rows = snapshot(&src, &config, &team, Period::ThisQuarter, now)?.rows.len();
            eprintln!("team snapshot rows: {rows}");
            c.bench_function("team snapshot, 100 reps, this quarter", |b| {
                b.iter(|| snapshot(&src, &config, &team, Period::ThisQuarter, now).unwrap())
            });
            c.bench_function("one rep's snapshot, this quarter (with the team's conversion average)", |b| {
                b.iter(|| snapshot(&src, &config, &one, Period::ThisQuarter, now).unwrap())
            });
            Ok(())
        })
        .unwrap();

    // The incremental update of one merged change: a followup moved to another day (its old
    // facts subtracted, its new ones added), and an edit that changes no figure. Each batch of
    // iterations runs in one write job, as a merge runs it in its transaction.
    let defs = Arc::new(config.definitions());
    let f = Arc::new(Mutex::new(followup(3, quarter_start())));
    let first = f.lock().unwrap().clone();
    let d = defs.clone();
    store.write(move |db| rollups::index(db, &d, &cal(), &Record::Followup(first))).unwrap();
    let flip = Arc::new(Mutex::new(false));
    c.bench_function("rollup update: a followup moved to another day", |b| {
        b.iter_custom(|iters| {
            let (f, flip, defs) = (f.clone(), flip.clone(), defs.clone());
            store
                .write(move |db| {
                    let (cal, mut f, mut flip) = (cal(), f.lock().unwrap(), flip.lock().unwrap());
                    let t = Instant::now();
                    for _ in 0..iters {
                        *flip = !*flip;
                        f.occurred_at += if *flip { DAY } else { -DAY };
                        rollups::index(db, &defs, &cal, &Record::Followup(f.clone()))?;
                    }
                    Ok(t.elapsed())
                })
                .unwrap()
        })
    });
    c.bench_function("rollup update: an edit that changes no figure", |b| {
        b.iter_custom(|iters| {
            let (f, defs) = (f.clone(), defs.clone());
            store
                .write(move |db| {
                    let (cal, f) = (cal(), f.lock().unwrap().clone());
                    let t = Instant::now();
                    for _ in 0..iters {
                        rollups::index(db, &defs, &cal, &Record::Followup(f.clone()))?;
                    }
                    Ok(t.elapsed())
                })
                .unwrap()
        })
    });
}

/// 250,000 stored followup documents (1,000 distinct ones, each stored under 250 ids).
fn docs_db() -> (tempfile::TempDir, Store) {
    let mut s = DeviceStore::open_in_memory().unwrap();
    s.init("rep-000", "team-1", "Asia/Shanghai", "monday").unwrap();
    let c = s.add_customer(fieldreport_core::doc::NewCustomer { name: "客户".into(), ..Default::default() }).unwrap();
    let start = quarter_start();
    let mut pool = Vec::new();
    for i in 0..1000 {
        let at = start + (i as i64 * 7_919_000) % (92 * DAY);
        let mut new = NewFollowup::new(&c.header.id, FollowupKind::ALL[i % 5], at, "拜访客户，沟通方案与报价。");
        new.next_step = "下周回访".into();
        let id = s.log_followup(new).unwrap().header.id;
        if i % 3 == 0 {
            s.edit_followup(&id, FollowupEdit { occurred_at: Some(at + DAY), ..Default::default() }).unwrap();
        }
        let mut doc = s.document(&id).unwrap();
        let view = views::encode(&Record::read(&doc).unwrap()).unwrap();
        pool.push((doc.save_uncompressed(), view));
    }
    let (dir, store) = scratch();
    store
        .write(move |db| {
            let ids: Vec<String> = (0..FOLLOWUPS).map(|i| format!("doc-{i:06}")).collect();
            // Stored as a merge stores them: the document and its typed view.
            let docs: Vec<NewDoc> = (0..FOLLOWUPS)
                .map(|i| {
                    let (bytes, view) = &pool[i % pool.len()];
                    NewDoc {
                        id: &ids[i],
                        kind: "followup",
                        owner: "rep-000",
                        bytes,
                        heads: b"",
                        seq: i as i64 + 1,
                        now: 0,
                        view: Some(view),
                        view_format: Some(views::VIEW_FORMAT),
                    }
                })
                .collect();
            db.put_docs(&docs)?;
            Ok(())
        })
        .unwrap();
    (dir, store)
}

/// A full rebuild takes seconds: timed three times by hand (median printed) rather than by
/// criterion's ten samples. From the stored views (what `kpi rebuild` and a configuration change
/// do), then from the documents (`kpi rebuild --from-documents`).
fn bench_rebuild(_: &mut Criterion) {
    let (_dir, store) = docs_db();
    for (from, what) in [
        (RebuildFrom::Views, "full rebuild of 250,000 followup documents (from their stored views)"),
        (RebuildFrom::Documents, "full rebuild of 250,000 followup documents (--from-documents)"),
    ] {
        let mut secs: Vec<f64> = (0..3)
            .map(|_| {
                let t = Instant::now();
                let r = store
                    .write(move |db| {
                        let defs = TeamConfig::default().definitions();
                        rollups::rebuild(db, &defs, &cal(), from, &|_| {})
                    })
                    .unwrap();
                assert_eq!(r.documents, FOLLOWUPS as u64);
                assert_eq!(r.decoded, if from == RebuildFrom::Views { 0 } else { FOLLOWUPS as u64 });
                t.elapsed().as_secs_f64()
            })
            .collect();
        secs.sort_by(f64::total_cmp);
        println!("rebuild/{what}: median {:.2} s of 3 runs ({:.2?})", secs[1], secs);
    }
}

criterion_group!(benches, bench_snapshot, bench_rebuild);
criterion_main!(benches);
