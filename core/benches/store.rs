//! Local store benchmarks: durable writes, week lists, customer search, figures.
//! Run: `cargo bench -p fieldreport-core --bench store`

mod support;

use criterion::{criterion_group, criterion_main, Criterion};
use fieldreport_core::period::Period;
use fieldreport_core::store::FollowupFilter;
use fieldreport_core::Store;
use support::*;

fn log_followup(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = Store::open(dir.path().join("bench.db")).unwrap();
    disk.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let customers = fill(&mut disk, 50, 0);
    let mut memory = Store::open_in_memory().unwrap();
    memory.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let mem_customers = fill(&mut memory, 50, 0);

    let mut g = c.benchmark_group("log_followup");
    g.bench_function("durable (WAL, synchronous=FULL, on disk)", |b| {
        b.iter(|| disk.log_followup(typical_followup(&customers[0], now(), true)).unwrap())
    });
    g.bench_function("in memory (no fsync, for comparison)", |b| {
        b.iter(|| memory.log_followup(typical_followup(&mem_customers[0], now(), true)).unwrap())
    });
    g.finish();
}

fn queries(c: &mut Criterion) {
    let mut s = Store::open(big_store()).unwrap();
    s.set_now(Some(now()));
    let cal = s.calendar().unwrap();
    let me = s.identity().unwrap().user_id;
    let week =
        FollowupFilter { owner: Some(me), range: Some(cal.resolve(Period::ThisWeek, now())), ..Default::default() };
    let n = s.list_followups(&week).unwrap().len();
    assert!(n > 0, "the fixture has followups this week");
    c.bench_function(&format!("list one week of followups ({n} rows) among 50,000"), |b| {
        b.iter(|| s.list_followups(&week).unwrap())
    });
    let hits = s.list_customers(Some("客户0042")).unwrap().len();
    assert!(hits > 0);
    c.bench_function("customer name search (Chinese substring) among 5,000", |b| {
        b.iter(|| s.list_customers(Some("客户0042")).unwrap())
    });
    c.bench_function("open a store of 50,000 followups", |b| {
        b.iter(|| {
            let mut s = Store::open(big_store()).unwrap();
            s.identity().unwrap();
            s
        })
    });
}

/// What a device recomputes after a sync: its member's figures (every built-in metric, with
/// targets where configured) for today, this week and this month, over a year of records: a
/// busy rep's (the 50,000-followup fixture) and a typical rep's.
fn figures(c: &mut Criterion) {
    for (what, path) in [
        ("a busy rep's year (50,000 followups)", big_store()),
        ("a typical rep's year (3,650 followups)", typical_store()),
    ] {
        let mut s = Store::open(path).unwrap();
        s.set_now(Some(now()));
        let defs = s.kpi_definitions();
        let month = s.kpi_view("this-month", &defs).unwrap();
        assert!(month.rows.iter().any(|r| r.value > 0.0), "the fixture has figures this month");
        c.bench_function(
            &format!("recompute a member's figures ({} metrics; today, this week, this month) over {what}", defs.len()),
            |b| {
                b.iter(|| {
                    for p in ["today", "this-week", "this-month"] {
                        s.kpi_view(p, &defs).unwrap();
                    }
                })
            },
        );
        c.bench_function(&format!("recompute a member's figures of this month over {what}"), |b| {
            b.iter(|| s.kpi_view("this-month", &defs).unwrap())
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(60).measurement_time(std::time::Duration::from_secs(4));
    targets = log_followup, queries, figures
}
criterion_main!(benches);
