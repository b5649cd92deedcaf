//! Figures a team can act on, as the week-long trial found them wanting: nobody owes a report or
//! is measured before they joined; the server keeps deadlines itself (whoever syncs or not); alerts
//! are judged on pace, gathered into one message per manager a day and never told twice; a
//! check-in's distance is evidence a later edit of the customer cannot rewrite. Every case on
//! SQLite and on PostgreSQL, on one clock: the server's (`fieldreport_server::clock`, `serve --clock`) and the devices' (`--now`).

#[macro_use]
mod support;

use fieldreport_core::doc::{CheckIn, CustomerEdit, FollowupKind, NewCustomer, NewFollowup, ReportKind};
use fieldreport_core::period::Period;
use fieldreport_core::report::Lang;
use fieldreport_core::team::{Robot, RobotEvent, RobotKind};
use fieldreport_server::figures::{self, Scope};
use serde_json::Value;
use support::*;

on_both!(
    a_member_added_on_sunday_evening_owes_nothing_of_the_week_before,
    the_server_records_missing_reports_at_the_deadline_and_a_late_report_turns_them_late,
    alerts_are_judged_on_pace_and_gathered_once_a_day,
    a_check_in_anomaly_survives_moving_the_customer,
    a_report_deleted_before_it_ever_synced_is_not_announced,
    a_departments_chat_hears_of_its_own_members_only,
);

fn at(rfc: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc).unwrap().timestamp_millis()
}

/// The process clock is shared by the servers of this test binary: one test at a time moves it.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Moves the servers' clock to `t` (RFC 3339) and runs their schedule there, as the background
/// schedule would at that instant (it records deadlines and queues messages as time passes).
fn schedule_at(server: &Server, t: &str) -> usize {
    let now = at(t);
    fieldreport_server::clock::set_fixed(now);
    server.admin.run_schedule(now).unwrap()
}

/// Moves the servers' clock to `t`.
fn clock_at(t: &str) {
    fieldreport_server::clock::set_fixed(at(t));
}

/// A robot that takes `events`, posting to the receiver's `/group`.
async fn with_robot(server: &Server, events: &[RobotEvent]) -> Seen {
    let (hook, seen) = receiver().await;
    let mut cfg = server.admin.config().unwrap();
    cfg.robots = vec![Robot {
        name: "销售群".into(),
        kind: RobotKind::Dingtalk,
        url: format!("{hook}/group"),
        secret: None,
        events: events.to_vec(),
        digest: None,
        dept: None,
    }];
    server.admin.apply_config(cfg).unwrap();
    seen
}

/// The markdown texts the group received, once the robot worker has sent what was queued (no
/// new message for over a second: it looks at the outbox every half second).
async fn texts(seen: &Seen) -> Vec<String> {
    let count = || seen.lock().unwrap().len();
    let mut last = count();
    for _ in 0..10 {
        tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
        let now = count();
        if now == last {
            break;
        }
        last = now;
    }
    let got: Vec<Value> = seen.lock().unwrap().iter().map(|(_, b)| b.clone()).collect();
    got.iter().map(|m| m["markdown"]["text"].as_str().unwrap_or("").to_string()).collect()
}

async fn a_member_added_on_sunday_evening_owes_nothing_of_the_week_before(server: Server) {
    let _one_at_a_time = SERIAL.lock().await;
    clock_at("2026-11-29T20:20:00+08:00");
    let seen = with_robot(&server, &[RobotEvent::Alert, RobotEvent::Reminder]).await;
    let mut cfg = server.admin.config().unwrap();
    // The week's report is due on Monday at 10:00, after the new member was added.
    cfg.team.deadlines.weekly = Some("+1 10:00".parse().unwrap());
    server.admin.apply_config(cfg).unwrap();
    let (mgr, _) = server.user("王经理", "manager", None);
    let (old, _) = server.user("李四", "rep", Some(&mgr));
    let sunday_evening = at("2026-11-29T20:15:00+08:00");
    let (new, _) = server.admin.add_member_since("张伟", "rep", Some(&mgr), None, Some(sunday_evening)).unwrap();
    // Monday 10:31: the week of 11-23 ~ 11-29 fell due; only 李四 owed it.
    schedule_at(&server, "2026-11-30T10:31:00+08:00");
    let told = texts(&seen).await;
    let weekly: Vec<&String> = told.iter().filter(|t| t.contains("周报（11-23 ~ 11-29）")).collect();
    assert_eq!(weekly.len(), 1, "{told:?}");
    assert!(weekly[0].contains("李四") && !weekly[0].contains("张伟"), "{}", weekly[0]);
    // Nothing of last week counts against him, nor is he measured on a day he was not a member for.
    let cfg = server.admin.config().unwrap();
    let monday = at("2026-11-30T11:00:00+08:00");
    let scope = Scope::of(&server.admin, None, Some(&new.id)).unwrap();
    let last = figures::submissions(&server.admin, &cfg, &scope, Period::LastWeek, monday).unwrap();
    assert_eq!((last[0].missing, last[0].items.len()), (0, 0), "{last:?}");
    let alerts = figures::alerts(&server.admin, &cfg, &scope, monday).unwrap();
    assert!(alerts.is_empty(), "{alerts:?}");
    // Monday's daily is his: at 20:31 both are named.
    schedule_at(&server, "2026-11-30T20:31:00+08:00");
    let told = texts(&seen).await;
    let daily = told.iter().find(|t| t.contains("11-30 日报")).expect("Monday's daily fell due");
    assert!(daily.contains("李四") && daily.contains("张伟"), "{daily}");
    let scope = Scope::of(&server.admin, None, Some(&old)).unwrap();
    let last = figures::submissions(&server.admin, &cfg, &scope, Period::LastWeek, monday).unwrap();
    assert!(last[0].missing > 0, "the old member owed last week: {last:?}");
    // Deactivation ends obligations: nothing due after it is owed.
    server
        .admin
        .edit_user(&old, fieldreport_server::service::UserEdit { active: Some(false), ..Default::default() })
        .unwrap();
    let user = server.admin.user(&old).unwrap().unwrap();
    assert!(user.deactivated_at.is_some());
    let later = user.deactivated_at.unwrap() + 2 * 86_400_000;
    let scope = Scope::of(&server.admin, None, Some(&old)).unwrap();
    let this = figures::submissions(&server.admin, &cfg, &scope, Period::ThisWeek, later).unwrap();
    assert!(this[0].items.iter().all(|i| i.due_at <= user.deactivated_at.unwrap()), "{this:?}");
    // Back a week later: a member again from then, owing nothing for the days between.
    clock_at("2026-12-07T09:00:00+08:00");
    server
        .admin
        .edit_user(&old, fieldreport_server::service::UserEdit { active: Some(true), ..Default::default() })
        .unwrap();
    let back = server.admin.user(&old).unwrap().unwrap();
    assert_eq!((back.deactivated_at, back.created_at), (None, at("2026-12-07T09:00:00+08:00")));
    let scope = Scope::of(&server.admin, None, Some(&old)).unwrap();
    let gap = figures::submissions(&server.admin, &cfg, &scope, Period::ThisWeek, at("2026-12-05T09:00:00+08:00"));
    let gap = gap.unwrap();
    assert!(gap[0].items.iter().all(|i| i.last <= "2026-11-30".parse().unwrap()), "{gap:?}");
}

async fn the_server_records_missing_reports_at_the_deadline_and_a_late_report_turns_them_late(server: Server) {
    let _one_at_a_time = SERIAL.lock().await;
    clock_at("2026-12-01T08:00:00+08:00");
    let seen = with_robot(&server, &[RobotEvent::Alert, RobotEvent::Reminder]).await;
    let (mgr, _) = server.user("王经理", "manager", None);
    let (rep, code) = server.user("李四", "rep", Some(&mgr));
    // Tuesday's daily is due at 20:00; the grace is 30 minutes. Nobody's device syncs.
    schedule_at(&server, "2026-12-01T20:20:00+08:00");
    assert!(!texts(&seen).await.iter().any(|t| t.contains("12-01 日报")), "not within the grace");
    schedule_at(&server, "2026-12-01T20:31:00+08:00");
    schedule_at(&server, "2026-12-01T20:32:00+08:00");
    let after_grace = at("2026-12-01T20:32:00+08:00");
    let told = texts(&seen).await;
    let missing: Vec<&String> = told.iter().filter(|t| t.contains("12-01 日报")).collect();
    assert_eq!(missing.len(), 1, "told once, by the server itself: {told:?}");
    assert!(missing[0].contains("李四") && missing[0].contains("截止"), "{}", missing[0]);
    let cfg = server.admin.config().unwrap();
    let scope = Scope::of(&server.admin, None, Some(&rep)).unwrap();
    let stats = |now| {
        let s = figures::submissions(&server.admin, &cfg, &scope, Period::ThisWeek, now).unwrap();
        let i = s[0].items.iter().find(|i| i.kind == "daily" && i.last.to_string() == "2026-12-01").cloned();
        i.map(|i| i.status.to_string())
    };
    assert_eq!(stats(after_grace).as_deref(), Some("missing"));
    // A later change of the deadline does not reach back: the recorded deadline stands.
    let mut later_deadline = server.admin.config().unwrap();
    later_deadline.team.deadlines.daily = Some("23:00".parse().unwrap());
    server.admin.apply_config(later_deadline).unwrap();
    // The report comes the next morning: late, no longer missing.
    clock_at("2026-12-02T08:30:00+08:00");
    let mut d = Device::enroll(&server.url, &code).await;
    d.store.set_now(Some(at("2026-12-02T08:30:00+08:00")));
    let day = "2026-12-01".parse().unwrap();
    let r = d.store.new_report(ReportKind::Daily, Some(day), Lang::ZhCn).unwrap().header.id;
    d.store.submit_report(&r, std::slice::from_ref(&mgr), &[]).unwrap();
    d.sync().await;
    let cfg = server.admin.config().unwrap();
    let s =
        figures::submissions(&server.admin, &cfg, &scope, Period::ThisWeek, at("2026-12-02T09:00:00+08:00")).unwrap();
    let item = s[0].items.iter().find(|i| i.kind == "daily" && i.last == day).unwrap();
    assert_eq!(item.status.to_string(), "late", "{item:?}");
    assert_eq!(item.due_at, at("2026-12-01T20:00:00+08:00"), "the deadline recorded when it fell due");
}

async fn alerts_are_judged_on_pace_and_gathered_once_a_day(server: Server) {
    let _one_at_a_time = SERIAL.lock().await;
    clock_at("2026-11-30T10:00:00+08:00");
    let seen = with_robot(&server, &[RobotEvent::Alert, RobotEvent::Reminder]).await;
    let (mgr, _) = server.user("王经理", "manager", None);
    let (rep, code) = server.user("张伟", "rep", Some(&mgr));
    let mut cfg = server.admin.config().unwrap();
    cfg.targets.push(weekly_target("visits", rep.clone(), 10.0));
    // Nothing else raises alerts here: no reports are due.
    cfg.team.deadlines.daily = None;
    cfg.team.deadlines.weekly = None;
    cfg.team.deadlines.monthly = None;
    server.admin.apply_config(cfg).unwrap();
    let mut d = Device::enroll(&server.url, &code).await;
    d.store.set_now(Some(at("2026-11-30T10:00:00+08:00")));
    let c = d.customer("华为");
    d.visit(&c, "拜访");
    d.visit(&c, "回访");
    d.sync().await;
    let cfg = server.admin.config().unwrap();
    let scope = Scope::of(&server.admin, None, Some(&rep)).unwrap();
    let alerts = |now| figures::alerts(&server.admin, &cfg, &scope, now).unwrap();
    // Tuesday 09:30: two visits against Monday's share of ten (1.4): on pace. December's first
    // day is not judged at all; no deal entered a stage, so no conversion is judged.
    assert!(alerts(at("2026-12-01T09:30:00+08:00")).is_empty(), "{:?}", alerts(at("2026-12-01T09:30:00+08:00")));
    // Thursday 09:30: two against Monday to Wednesday's share (4.3): behind, with that figure;
    // and none of December's two days over (2.9 expected) has a visit.
    let thursday = alerts(at("2026-12-03T09:30:00+08:00"));
    assert_eq!(thursday.len(), 2, "{thursday:?}");
    let names = [(rep.clone(), "张伟".to_string())].into_iter().collect();
    let said: Vec<String> =
        thursday.iter().map(|a| fieldreport_core::team::alert_text(a, Lang::ZhCn, &names)).collect();
    assert_eq!(said, ["张伟本周拜访量为 2，按进度应达 4.3：落后", "张伟本月拜访量为 0，按进度应达 2.9：落后"]);
    // The group hears it once, in the manager's one message of the day, and not again.
    for t in ["2026-12-03T08:55:00+08:00", "2026-12-03T09:05:00+08:00", "2026-12-03T15:00:00+08:00"] {
        schedule_at(&server, t);
    }
    schedule_at(&server, "2026-12-04T09:05:00+08:00");
    let told = texts(&seen).await;
    let gathered: Vec<&String> = told.iter().filter(|t| t.contains("今日预警")).collect();
    assert_eq!(gathered.len(), 1, "{told:?}");
    assert!(gathered[0].contains("王经理") && gathered[0].contains("按进度应达 4.3"), "{}", gathered[0]);
}

async fn a_check_in_anomaly_survives_moving_the_customer(server: Server) {
    let _one_at_a_time = SERIAL.lock().await;
    clock_at("2026-12-02T10:00:00+08:00");
    let (mgr, _) = server.user("王经理", "manager", None);
    let (rep, code) = server.user("张伟", "rep", Some(&mgr));
    let mut d = Device::enroll(&server.url, &code).await;
    let now = at("2026-12-02T10:00:00+08:00");
    d.store.set_now(Some(now));
    let c = d
        .store
        .add_customer(NewCustomer { name: "华为".into(), location: Some((31.2304, 121.4737)), ..Default::default() })
        .unwrap()
        .header
        .id;
    d.sync().await;
    // Checked in about 11 km north of the customer.
    let far = (31.3304, 121.4737);
    let mut visit = NewFollowup::new(&c, FollowupKind::Visit, now, "拜访");
    visit.checkin = Some(CheckIn { lat: far.0, lon: far.1, accuracy: Some(10.0), at: now });
    d.store.log_followup(visit).unwrap();
    d.sync().await;
    // The rep moves the customer to where he checked in.
    d.store.edit_customer(&c, CustomerEdit { location: Some(far), ..Default::default() }).unwrap();
    d.sync().await;
    // On the device too: lists and reports show the distance measured at the check-in.
    let rows = d.store.list_followups(&Default::default()).unwrap();
    let shown = rows[0].checkin_distance_m.expect("measured");
    assert!((11_000.0..11_200.0).contains(&shown), "{shown}");
    let cfg = server.admin.config().unwrap();
    let scope = Scope::of(&server.admin, None, Some(&rep)).unwrap();
    let alerts = figures::alerts(&server.admin, &cfg, &scope, at("2026-12-02T18:00:00+08:00")).unwrap();
    let far_alert = alerts.iter().find(|a| a.kind == "checkin_far").expect("the anomaly stands");
    assert_eq!(far_alert.facts.value.as_deref(), Some("11.1 km"), "{far_alert:?}");
    // The move is on record: who, from where, to where.
    // (Recorded at the server's clock's time, and listed for the 30 days before it.)
    let moves = server.admin.location_changes(std::slice::from_ref(&rep), fieldreport_server::now_ms()).unwrap();
    assert_eq!(moves.len(), 1, "{moves:?}");
    assert_eq!(
        (moves[0].by.as_str(), moves[0].from, moves[0].to),
        (rep.as_str(), Some((31.2304, 121.4737)), Some(far))
    );
}

async fn a_report_deleted_before_it_ever_synced_is_not_announced(server: Server) {
    let _one_at_a_time = SERIAL.lock().await;
    clock_at("2026-12-02T18:00:00+08:00");
    let seen = with_robot(&server, &[RobotEvent::ReportSubmitted]).await;
    let (mgr, _) = server.user("王经理", "manager", None);
    let (_, code) = server.user("张伟", "rep", Some(&mgr));
    let mut d = Device::enroll(&server.url, &code).await;
    d.store.set_now(Some(at("2026-12-02T18:00:00+08:00")));
    let day = "2026-12-02".parse().unwrap();
    // Submitted, then deleted, offline: the server first sees it deleted.
    let gone = d.store.new_report(ReportKind::Daily, Some(day), Lang::ZhCn).unwrap().header.id;
    d.store.submit_report(&gone, std::slice::from_ref(&mgr), &[]).unwrap();
    d.store.delete(fieldreport_core::doc::Kind::Report, &gone).unwrap();
    // Another one that stays.
    let kept = d.store.new_report(ReportKind::Free, None, Lang::ZhCn).unwrap().header.id;
    d.store.submit_report(&kept, std::slice::from_ref(&mgr), &[]).unwrap();
    d.sync().await;
    received(&seen, "group", 1).await;
    let deliveries = server.admin.deliveries(20).unwrap();
    let subjects: Vec<&str> = deliveries.iter().map(|x| x.subject.as_str()).collect();
    assert_eq!(subjects, [kept.as_str()], "only the report that exists is announced");
}

/// A chat per department (issue 27): the company's robot hears of everyone; a region's robot of
/// its own members only — the reports missing at a deadline, a submitted report, a nudge — and
/// another region's members never reach it.
async fn a_departments_chat_hears_of_its_own_members_only(server: Server) {
    let _one_at_a_time = SERIAL.lock().await;
    clock_at("2026-12-01T08:00:00+08:00");
    let (hook, seen) = receiver().await;
    let (head, _) = server.user("张经理", "manager", None);
    let (sh_rep, sh_code) = server.user("小张", "rep", None);
    let (_hz_rep, _) = server.user("小王", "rep", None);
    server.admin.add_department("上海区", None, std::slice::from_ref(&head)).unwrap();
    server.admin.add_department("杭州区", None, &[]).unwrap();
    for (who, dept) in [("小张", "上海区"), ("张经理", "上海区"), ("小王", "杭州区")] {
        server.admin.set_member_department(who, dept).unwrap();
    }
    let robot = |name: &str, path: &str, dept: Option<&str>| Robot {
        name: name.into(),
        kind: RobotKind::Dingtalk,
        url: format!("{hook}/{path}"),
        secret: None,
        events: vec![RobotEvent::Alert, RobotEvent::ReportSubmitted, RobotEvent::Nudge],
        digest: None,
        dept: dept.map(str::to_string),
    };
    let mut cfg = server.admin.config().unwrap();
    cfg.robots = vec![robot("公司群", "company", None), robot("上海群", "shanghai", Some("上海区"))];
    server.admin.apply_config(cfg.clone()).unwrap();
    // A robot bound to no department is refused with what to do.
    let mut bad = cfg.clone();
    bad.robots[1].dept = Some("北京区".into());
    let e = server.admin.apply_config(bad).unwrap_err().to_string();
    assert!(e.contains("北京区") && e.contains("dept list"), "{e}");

    // Both miss Tuesday's daily: the company hears of both, Shanghai of its own.
    schedule_at(&server, "2026-12-01T20:31:00+08:00");
    let company = received(&seen, "company", 1).await;
    let shanghai = received(&seen, "shanghai", 1).await;
    let text = |v: &Value| v["markdown"]["text"].as_str().unwrap_or("").to_string();
    assert!(text(&company[0]).contains("小张") && text(&company[0]).contains("小王"), "{company:?}");
    assert!(text(&shanghai[0]).contains("小张") && !text(&shanghai[0]).contains("小王"), "{shanghai:?}");
    // The head nudges their rep; the rep's report comes: both reach Shanghai's chat.
    let boss = server.admin.find_user(&head).unwrap();
    server.admin.nudge(&boss, &sh_rep, "daily", "2026-12-01").unwrap();
    clock_at("2026-12-02T08:30:00+08:00");
    let mut d = Device::enroll(&server.url, &sh_code).await;
    d.store.set_now(Some(at("2026-12-02T08:30:00+08:00")));
    let r = d.store.new_report(ReportKind::Daily, Some("2026-12-01".parse().unwrap()), Lang::ZhCn).unwrap();
    d.store.submit_report(&r.header.id, std::slice::from_ref(&head), &[]).unwrap();
    d.sync().await;
    received(&seen, "company", 5).await;
    let all: Vec<String> = texts(&seen).await;
    let shanghai: Vec<String> =
        seen.lock().unwrap().iter().filter(|(w, _)| w == "shanghai").map(|(_, m)| text(m)).collect();
    assert!(shanghai.iter().any(|t| t.contains("尽快提交")), "the nudge: {shanghai:?}");
    assert!(shanghai.iter().any(|t| t.contains("作者：小张")), "the report: {shanghai:?}");
    assert!(shanghai.iter().any(|t| t.contains("**张经理** 的团队今日预警")), "alerts, to the head: {shanghai:?}");
    assert!(shanghai.iter().all(|t| !t.contains("小王")), "{all:?}");
    // Another region's member never reaches Shanghai: a nudge of 小王 goes to the company only.
    let admin = server.admin.find_user(&server.admin_id).unwrap();
    let before = company_count(&seen);
    server.admin.nudge(&admin, &server.admin.find_user("小王").unwrap().id, "daily", "2026-12-01").unwrap();
    received(&seen, "company", before + 1).await;
    let _ = texts(&seen).await;
    let to_shanghai = seen.lock().unwrap().iter().filter(|(w, _)| w == "shanghai").count();
    assert_eq!(to_shanghai, shanghai.len(), "{all:?}");
}

fn company_count(seen: &Seen) -> usize {
    seen.lock().unwrap().iter().filter(|(w, _)| w == "company").count()
}
