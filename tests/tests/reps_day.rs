//! The rep's day in two actions, end to end: visits (one planned, one not), `fieldreport today`,
//! `fieldreport today --submit`, and the manager's device after its own sync holds the report
//! with the visits, the figures with targets, the summary and tomorrow's plans — no other
//! command in between. Offline, the submit goes at the next sync; two devices' drafts of one day
//! become one.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use fieldreport_core::doc::{PlanStatus, ReportKind, ReportStatus};
use fieldreport_core::period::Calendar;
use fieldreport_core::report::{BlockData, Lang};
use serde_json::Value;
use support::*;

fn device_binary() -> std::path::PathBuf {
    server_binary().with_file_name(format!("fieldreport{}", std::env::consts::EXE_SUFFIX))
}

fn cli(db: &Path, args: &[&str]) -> Output {
    Command::new(device_binary()).arg("--db").arg(db).args(args).output().unwrap()
}

/// Runs a device command that must succeed and prints JSON.
fn ok(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cli(db, &all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn shanghai() -> Calendar {
    Calendar::parse("Asia/Shanghai", "monday").unwrap()
}

/// A manager and a rep with a daily visit target, the rep's device driven by the CLI, and the
/// team's DingTalk group.
async fn team() -> (Server, String, String, tempfile::TempDir, Device, Seen) {
    let (hook, seen) = receiver().await;
    let server = Server::start().await;
    let (mgr, mgr_code) = server.user("王经理", "manager", None);
    let (rep, rep_code) = server.user("张伟", "rep", Some(&mgr));
    let mut cfg = server.admin.config().unwrap();
    cfg.targets.push(weekly_target("visits", rep.clone(), 35.0));
    cfg.robots = vec![fieldreport_core::team::Robot {
        name: "钉钉群".into(),
        kind: fieldreport_core::team::RobotKind::Dingtalk,
        url: format!("{hook}/dingtalk"),
        secret: None,
        events: vec![fieldreport_core::team::RobotEvent::ReportSubmitted],
        digest: None,
        dept: None,
    }];
    server.admin.apply_config(cfg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rep.db");
    ok(&db, &["enroll", "--server", &server.url, "--code", &rep_code]);
    let boss = Device::enroll(&server.url, &mgr_code).await;
    (server, mgr, rep, dir, boss, seen)
}

/// The day's work through the CLI: three customers, a plan for one carried out, two unplanned
/// visits and a call, and two visits planned for tomorrow.
fn the_days_work(db: &Path) {
    for name in ["华为", "联影", "科沃斯"] {
        ok(db, &["customer", "add", "--name", name]);
    }
    let plan =
        ok(db, &["plan", "add", "--customer", "华为", "--on", "today", "--at", "09:00", "--purpose", "产品演示"]);
    let plan_id = plan["id"].as_str().unwrap();
    let visit = ok(db, &["visit", "log", "--plan", plan_id]);
    assert_eq!(visit["note"], "产品演示", "the plan's purpose is the visit's note: {visit}");
    ok(db, &["visit", "log", "--customer", "联影", "--note", "拜访李总"]);
    ok(db, &["visit", "log", "--customer", "科沃斯", "--note", "拜访王总"]);
    ok(db, &["visit", "log", "--customer", "联影", "--kind", "call", "--note", "电话确认报价"]);
    ok(db, &["plan", "add", "--customer", "联影", "--on", "tomorrow", "--purpose", "送报价"]);
    ok(db, &["plan", "add", "--customer", "科沃斯", "--on", "tomorrow", "--at", "14:00", "--purpose", "签约"]);
    let plans = ok(db, &["plan", "list", "--on", "today"]);
    assert_eq!(plans[0]["status"], "done", "{plans}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reps_day_takes_two_commands_and_reaches_the_manager() {
    let (server, mgr, rep, dir, mut boss, seen) = team().await;
    let db = dir.path().join("rep.db");
    the_days_work(&db);

    // Action one: today's daily, already filled.
    let r = ok(&db, &["today"]);
    let id = r["id"].as_str().unwrap().to_string();
    let summary = r["summary"].as_str().unwrap();
    assert_eq!(summary, "今日拜访 3 家客户（华为、联影、科沃斯），电话 1 次，新增客户 3 家；明日计划拜访 2 家");
    assert_eq!(r["to"], serde_json::json!([mgr]), "addressed to the manager by default");
    assert_eq!(ok(&db, &["today"])["id"], r["id"], "the same report, never a second one");
    let human = cli(&db, &["today"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("摘要：今日拜访 3 家客户") && text.contains("拜访计划") && text.contains("送报价"), "{text}");

    // Action two: submit, which sends.
    let sent = ok(&db, &["today", "--submit"]);
    assert_eq!((sent["status"].as_str(), sent["sent"].as_bool()), (Some("submitted"), Some(true)), "{sent}");

    // The manager's device, after its own sync.
    boss.sync().await;
    let got = boss.store.report(&id).unwrap();
    assert_eq!(got.status, ReportStatus::Submitted);
    assert_eq!(got.summary, summary);
    let data = |f: &dyn Fn(&BlockData) -> bool| got.blocks.iter().find(|b| f(&b.data)).unwrap().data.clone();
    let BlockData::Followups { groups } = data(&|d| matches!(d, BlockData::Followups { .. })) else { unreachable!() };
    assert_eq!(groups.iter().map(|g| g.customer_name.as_str()).collect::<Vec<_>>(), ["华为", "联影", "科沃斯"]);
    let BlockData::Kpis { rows, .. } = data(&|d| matches!(d, BlockData::Kpis { .. })) else { unreachable!() };
    let row = |m: &str| rows.iter().find(|r| r.metric == m).unwrap_or_else(|| panic!("{m} in {rows:?}")).clone();
    assert_eq!((row("visits").value, row("visits").target), (3.0, Some(5.0)), "a day's share of 35 a week");
    assert_eq!(row("plan_completion").value, 1.0);
    assert_eq!(row("unplanned_visits").value, 2.0);
    let BlockData::Plan { items } = data(&|d| matches!(d, BlockData::Plan { .. })) else { unreachable!() };
    // Those with a time first, in time order, then the others.
    assert_eq!(
        items.iter().map(|i| (i.customer_name.as_str(), i.purpose.as_str())).collect::<Vec<_>>(),
        [("科沃斯", "签约"), ("联影", "送报价")]
    );
    // The plans themselves reach the manager, and their completion counts on the server.
    let today = shanghai().local_date(fieldreport_server::now_ms());
    let plans = boss.store.plans_between(&rep, today, today + chrono::Days::new(1), false).unwrap();
    assert_eq!(plans.iter().filter(|p| p.status == PlanStatus::Done).count(), 1);
    assert_eq!(plans.len(), 3);
    // A manager reads a rep's plans but does not change them.
    let theirs = plans.iter().find(|p| p.status == PlanStatus::Planned).unwrap();
    let refused = boss.store.cancel_plan(&theirs.id).unwrap_err();
    assert!(refused.to_string().contains("only its owner"), "{refused}");

    // The dashboard: the report page shows the summary and the plan; the KPI page the plans
    // and their completion.
    let web = Browser::sign_in(&server.url, &server, &mgr).await;
    let (status, page) = web.get(&format!("/reports/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("今日拜访 3 家客户") && page.contains("送报价") && page.contains("计划完成率"), "{page}");
    let (_, kpi) = web.get("/kpi?period=today").await;
    assert!(kpi.contains("拜访计划") && kpi.contains("计划完成率") && kpi.contains("产品演示"), "{kpi}");

    // The team's chat: the summary is what the message opens with.
    let ding = &received(&seen, "dingtalk", 1).await[0];
    let text = ding["markdown"]["text"].as_str().unwrap();
    let first = text.lines().filter(|l| !l.trim().is_empty()).nth(1).unwrap_or_default();
    assert_eq!(first, format!("**摘要**：{summary}"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_submit_goes_at_the_next_sync() {
    let (mut server, _mgr, _rep, dir, mut boss, _) = team().await;
    let db = dir.path().join("rep.db");
    ok(&db, &["customer", "add", "--name", "华为"]);
    ok(&db, &["visit", "log", "--customer", "华为", "--note", "拜访"]);
    // The network goes.
    if let Some(r) = server.running.take() {
        r.shutdown().await;
    }
    let out = cli(&db, &["today", "--submit"]);
    assert!(out.status.success(), "offline is no failure: {}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("next sync"), "{said}");
    let id = ok(&db, &["report", "list"])[0]["id"].as_str().unwrap().to_string();
    server.restart().await;
    ok(&db, &["sync"]);
    boss.sync().await;
    assert_eq!(boss.store.report(&id).unwrap().status, ReportStatus::Submitted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_drafts_of_one_day_become_one() {
    let server = Server::start().await;
    let (mgr, _) = server.user("王经理", "manager", None);
    let (rep, code) = server.user("张伟", "rep", Some(&mgr));
    let mut phone = Device::enroll(&server.url, &code).await;
    let mut tablet = Device::enroll(&server.url, &server.admin.enrollment_code(&rep).unwrap()).await;
    phone.sync().await;
    tablet.sync().await;
    // Offline, each opens today's daily and writes in it.
    let a = phone.store.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    phone.store.set_report_text(&a, "help", "需要报价支持").unwrap();
    let b = tablet.store.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    tablet.store.set_report_text(&b, "undone", "合同未签").unwrap();
    assert_ne!(a, b);
    // They meet: opening today's daily again gives one report with both texts.
    phone.sync().await;
    tablet.sync().await;
    phone.sync().await;
    let one = phone.store.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    let text = |k: &str| one.sections.iter().find(|s| s.key == k).unwrap().text.clone();
    assert_eq!((text("help"), text("undone")), ("需要报价支持".into(), "合同未签".into()));
    assert!(phone.store.duplicate_reports().unwrap().is_empty());
    phone.sync().await;
    tablet.sync().await;
    let again = tablet.store.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    assert_eq!(again.header.id, one.header.id, "the tablet opens the same one");
}
