//! Report benchmarks: one-action inserts over a large store, and rendering.
//! Run: `cargo bench -p fieldreport-core --bench report`

mod support;

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use fieldreport_core::doc::{FollowupKind, Kind, NewFollowup, NewPlan, ReportKind};
use fieldreport_core::period::Period;
use fieldreport_core::report::{render_markdown, Dialect, Lang, Names};
use fieldreport_core::Store;
use support::*;

/// Sums `one()` (which times only the measured part of one iteration) over `iters` iterations.
fn timed(iters: u64, mut one: impl FnMut() -> Duration) -> Duration {
    (0..iters).map(|_| one()).sum()
}

fn reports(c: &mut Criterion) {
    // Work on a copy: the inserts write to the store.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    std::fs::copy(big_store(), &path).unwrap();
    let mut s = Store::open(&path).unwrap();
    s.set_now(Some(now()));

    c.bench_function("insert followups for one week (store of 50,000), durable", |b| {
        b.iter_custom(|iters| {
            timed(iters, || {
                let r = s.new_report(ReportKind::Weekly, None, Lang::ZhCn).unwrap().header.id;
                let t = Instant::now();
                s.insert_followups(&r, None, Some(Period::ThisWeek)).unwrap();
                t.elapsed()
            })
        })
    });
    c.bench_function("insert 6 KPIs for this month (50,000 followups, 5,000 deals), durable", |b| {
        b.iter_custom(|iters| {
            timed(iters, || {
                let r = s.new_report(ReportKind::Monthly, None, Lang::ZhCn).unwrap().header.id;
                let t = Instant::now();
                s.insert_kpis(&r, None, Some(Period::ThisMonth), &[]).unwrap();
                t.elapsed()
            })
        })
    });

    // A report with three blocks and twenty comments, its people named from a directory of
    // 2,000 members (BENCHMARKS.md, "People": ≤ 1 ms).
    let r = s.new_report(ReportKind::Weekly, None, Lang::ZhCn).unwrap().header.id;
    s.set_report_text(&r, "summary", "本周拜访重点客户，推进两个商机到报价阶段。").unwrap();
    s.insert_followups(&r, None, Some(Period::ThisWeek)).unwrap();
    s.insert_kpis(&r, None, Some(Period::ThisMonth), &[]).unwrap();
    s.insert_kpis(&r, Some("plan"), Some(Period::LastMonth), &[]).unwrap();
    for i in 0..20 {
        s.comment_report(&r, &format!("第 {i} 条批注：请补充客户预算和决策人。")).unwrap();
    }
    let report = s.report(&r).unwrap();
    assert_eq!((report.blocks.len(), report.comments.len()), (3, 20));
    let cal = s.calendar().unwrap();
    let mut names: Names = (0..2000).map(|i| (format!("user-{i:04}"), format!("销售 {i}"))).collect();
    names.insert(report.header.owner.clone(), "张伟".into());
    c.bench_function("render a report with three blocks and 20 comments to Markdown, names resolved", |b| {
        b.iter(|| render_markdown(&report, Lang::ZhCn, Dialect::Gfm, &cal, &names))
    });
}

/// A device that wrote a year of reports (a daily one each weekday, a weekly and a monthly one
/// each period, all submitted): the week's reminders it schedules.
fn reminders(c: &mut Criterion) {
    let mut s = Store::open_in_memory().unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let cal = s.calendar().unwrap();
    let today = cal.local_date(now());
    let mut day = today - chrono::Days::new(365);
    let (mut daily, mut weekly, mut monthly) = (0, 0, 0);
    while day <= today {
        s.set_now(Some(cal.day_start_ms(day) + 3_600_000 * 17));
        let mut submit = |kind| {
            let r = s.open_report(kind, Some(day), Lang::ZhCn, None).unwrap();
            if r.status == fieldreport_core::doc::ReportStatus::Draft {
                s.set_report_text(&r.header.id, &r.sections[0].key, "完成").unwrap();
                s.submit_report(&r.header.id, &["0190c0de-0000-7000-8000-000000000001".to_string()], &[]).unwrap();
            }
        };
        if chrono::Datelike::weekday(&day).num_days_from_monday() < 5 {
            submit(ReportKind::Daily);
            daily += 1;
        }
        if chrono::Datelike::weekday(&day).num_days_from_monday() == 4 {
            submit(ReportKind::Weekly);
            weekly += 1;
        }
        if (day + chrono::Days::new(1)).format("%d").to_string() == "01" {
            submit(ReportKind::Monthly);
            monthly += 1;
        }
        day = day.succ_opt().unwrap();
    }
    s.set_now(Some(now()));
    eprintln!("a year of reports: {daily} daily, {weekly} weekly, {monthly} monthly");
    assert!(!s.reminders(7).unwrap().is_empty());
    c.bench_function("reminders of the next 7 days on a device with a year of reports", |b| {
        b.iter(|| s.reminders(7).unwrap())
    });
}

/// A rep's year on the device — followups, deals, a year of plans (two a working day, most done)
/// and a year of submitted daily reports — then today's pre-filled daily: opened the first time
/// (made and filled: followups, KPIs with targets, tomorrow's plans, summary) and opened again
/// (refreshed). BENCHMARKS.md, "The rep's day": ≤ 20 ms.
fn today(c: &mut Criterion) {
    for (label, fixture) in
        [("a typical rep's year", typical_store()), ("a busy rep's year (50,000 followups)", big_store())]
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.db");
        std::fs::copy(fixture, &path).unwrap();
        let mut s = Store::open(&path).unwrap();
        let cal = s.calendar().unwrap();
        let today = cal.local_date(now());
        let customers: Vec<String> = s.list_customers(None).unwrap().into_iter().map(|c| c.id).take(200).collect();
        let mut day = today - chrono::Days::new(365);
        let mut n = 0usize;
        while day <= today + chrono::Days::new(1) {
            if chrono::Datelike::weekday(&day).num_days_from_monday() < 5 {
                s.set_now(Some(cal.day_start_ms(day) + 3_600_000 * 8));
                for k in 0..2 {
                    let new = NewPlan {
                        customer_id: customers[(n + k) % customers.len()].clone(),
                        on: day,
                        at: None,
                        purpose: "产品演示".into(),
                    };
                    let p = s.add_plan(new).unwrap();
                    if day < today && k == 0 {
                        let at = cal.day_start_ms(day) + 3_600_000 * 10;
                        s.log_planned_visit(&p.header.id, NewFollowup::new("", FollowupKind::Visit, at, "")).unwrap();
                    }
                }
                if day < today - chrono::Days::new(30) {
                    s.set_now(Some(cal.day_start_ms(day) + 3_600_000 * 18));
                    let r = s.today_report(ReportKind::Daily, Some(day), Lang::ZhCn).unwrap();
                    s.submit_report(&r.header.id, &["0190c0de-0000-7000-8000-000000000001".to_string()], &[]).unwrap();
                }
                n += 2;
            }
            day = day.succ_opt().unwrap();
        }
        s.set_now(Some(now()));
        let first = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
        assert!(first.summary.contains("明日计划拜访"), "{}", first.summary);
        c.bench_function(&format!("reopen today's pre-filled daily ({label}), durable"), |b| {
            b.iter(|| s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap())
        });
        // Each iteration opens yesterday's daily the first time (made and filled), then deletes it
        // (untimed) so that the next one makes it again.
        let yesterday = today - chrono::Days::new(1);
        c.bench_function(&format!("open a day's daily the first time ({label}), durable"), |b| {
            b.iter_custom(|iters| {
                timed(iters, || {
                    let t = Instant::now();
                    let r = s.today_report(ReportKind::Daily, Some(yesterday), Lang::ZhCn).unwrap();
                    let spent = t.elapsed();
                    s.delete(Kind::Report, &r.header.id).unwrap();
                    spent
                })
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(40).measurement_time(std::time::Duration::from_secs(4));
    targets = reports, reminders, today
}
criterion_main!(benches);
