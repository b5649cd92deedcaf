//! The manager's week end to end: reminders to the team's chat of who has not submitted, with
//! @mentions by phone; 催交 from the dashboard reaching the rep's device inbox and the chat,
//! at most once an hour; @mentions in comments that notify readers and refuse others; replies
//! shown as threads.

mod support;

use std::time::Duration;

use fieldreport_core::doc::ReportKind;
use fieldreport_core::period::Calendar;
use fieldreport_core::report::{render_markdown, Dialect, Lang};
use fieldreport_core::store::InboxKind;
use fieldreport_core::team::{Robot, RobotEvent, RobotKind};
use fieldreport_server::service::UserEdit;
use serde_json::{json, Value};
use support::*;

struct Team {
    server: Server,
    mgr: String,
    a: Device,
    b: Device,
    boss: Device,
    seen: Seen,
}

/// A manager and two reps (张三 without a phone, 李四 with one), reports due every day, and
/// robots for reminders (DingTalk) and nudges (WeCom).
async fn team() -> Team {
    let (hook, seen) = receiver().await;
    let server = Server::start().await;
    let (mgr, mgr_code) = server.user("王经理", "manager", None);
    let (_, a_code) = server.user("张三", "rep", Some(&mgr));
    let (b_id, b_code) = server.user("李四", "rep", Some(&mgr));
    server.admin.edit_user(&b_id, UserEdit { phone: Some(Some("13800000002".into())), ..UserEdit::default() }).unwrap();
    let mut cfg = server.admin.config().unwrap();
    cfg.team.deadlines.daily_on =
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map(String::from).to_vec();
    let robot = |name: &str, kind, path: &str, events| Robot {
        name: name.into(),
        kind,
        url: format!("{hook}/{path}"),
        secret: None,
        events,
        digest: None,
        dept: None,
    };
    cfg.robots = vec![
        robot("钉钉群", RobotKind::Dingtalk, "dingtalk", vec![RobotEvent::Reminder]),
        robot("企微群", RobotKind::Wecom, "wecom", vec![RobotEvent::Nudge]),
    ];
    server.admin.apply_config(cfg).unwrap();
    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    let mut boss = Device::enroll(&server.url, &mgr_code).await;
    for d in [&mut a, &mut b, &mut boss] {
        d.sync().await;
    }
    Team { server, mgr, a, b, boss, seen }
}

fn shanghai() -> Calendar {
    Calendar::parse("Asia/Shanghai", "monday").unwrap()
}

#[tokio::test]
async fn a_reminder_names_who_has_not_submitted_and_mentions_them_by_phone() {
    let mut t = team().await;
    // 张三 submits today's daily report; 李四 does not.
    let r = t.a.store.open_report(ReportKind::Daily, None, Lang::ZhCn, None).unwrap().header.id;
    t.a.store.set_report_text(&r, "done", "拜访三家客户。").unwrap();
    t.a.store.submit_report(&r, &[], &[]).unwrap();
    t.a.sync().await;
    // On the devices at 09:00: 李四's reminder of today's daily report, offline; 张三 has none.
    let today = shanghai().local_date(fieldreport_server::now_ms());
    let morning = shanghai().local_ms(today, "09:00:00".parse().unwrap());
    let daily = |d: &mut Device| {
        d.store.set_now(Some(morning));
        let has = d.store.reminders(1).unwrap().iter().any(|x| x.kind == ReportKind::Daily && x.first == today);
        d.store.set_now(None);
        has
    };
    assert!(daily(&mut t.b), "李四 is reminded");
    assert!(!daily(&mut t.a), "a submitted report has no reminder");
    // At 19:30, past the 18:00 reminder and before the 20:00 deadline, it is still listed (due
    // soon); at 21:00 it is overdue, and says so.
    let at = |d: &mut Device, when: i64| {
        d.store.set_now(Some(when));
        let list = d.store.reminders(1).unwrap();
        d.store.set_now(None);
        list
    };
    let cal = shanghai();
    let soon = at(&mut t.b, cal.local_ms(today, "19:30:00".parse().unwrap()));
    let mine = soon.iter().find(|x| x.kind == ReportKind::Daily && x.first == today).expect("due soon");
    assert!(!mine.overdue && mine.text(Lang::ZhCn, &cal).contains("将于"), "{mine:?}");
    let late = at(&mut t.b, cal.local_ms(today, "21:00:00".parse().unwrap()));
    let mine = late.iter().find(|x| x.kind == ReportKind::Daily && x.first == today).expect("overdue");
    assert!(mine.overdue, "{mine:?}");
    assert!(mine.text(Lang::ZhCn, &cal).contains("尚未提交"), "{}", mine.text(Lang::ZhCn, &cal));
    // The week's report on Friday at 17:45, with its 20:00 deadline ahead.
    let friday = cal.week_start_of(today) + chrono::Days::new(4);
    let week = at(&mut t.b, cal.local_ms(friday, "17:45:00".parse().unwrap()));
    let weekly = week.iter().find(|x| x.kind == ReportKind::Weekly).expect("the weekly is due soon");
    assert!(weekly.text(Lang::ZhCn, &cal).starts_with("本周周报（"), "{}", weekly.text(Lang::ZhCn, &cal));
    let evening = shanghai().local_ms(today, "18:30:00".parse().unwrap());

    // On the server at 18:30, between the 18:00 reminder and the 20:00 deadline.
    assert!(t.server.admin.run_schedule(evening).unwrap() >= 1);
    let msgs = received(&t.seen, "dingtalk", 1).await;
    let text = msgs[0]["markdown"]["text"].as_str().unwrap();
    assert!(text.contains("李四") && !text.contains("张三"), "{text}");
    assert!(text.contains("日报") && text.contains("20:00") && text.contains("@13800000002"), "{text}");
    assert_eq!(msgs[0]["at"]["atMobiles"], json!(["13800000002"]));
    // Queued once, however often the schedule runs (and on however many servers).
    assert_eq!(t.server.admin.run_schedule(evening + 60_000).unwrap(), 0, "already queued: nothing new is due");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received(&t.seen, "dingtalk", 1).await.len(), 1);
    // Past the deadline, nothing is reminded.
    let late = shanghai().local_ms(today, "20:30:00".parse().unwrap());
    let before = t.seen.lock().unwrap().len();
    t.server.admin.run_schedule(late).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(t.seen.lock().unwrap().len(), before);
}

#[tokio::test]
async fn a_nudge_from_the_dashboard_reaches_the_reps_inbox_and_the_chat() {
    let mut t = team().await;
    let b_id = t.b.user.clone();
    let browser = Browser::sign_in(&t.server.url, &t.server, &t.mgr).await;
    let (status, page) = browser.get("/kpi").await;
    assert_eq!(status, 200);
    assert!(page.contains("催交"), "a manager's statistics offer nudges");
    let csrf = csrf_of(&page);
    let form = [("csrf", csrf.as_str()), ("user", b_id.as_str()), ("kind", "daily"), ("period", "today")];
    assert_eq!(browser.post("/nudges", &form).await, 303);
    assert_eq!(browser.post("/nudges", &form).await, 429, "once an hour per member and report");

    let msgs = received(&t.seen, "wecom", 1).await;
    assert_eq!(msgs[0]["msgtype"], "text");
    assert_eq!(msgs[0]["text"]["mentioned_mobile_list"], json!(["13800000002"]));
    assert!(msgs[0]["text"]["content"].as_str().unwrap().contains("王经理"), "{}", msgs[0]);

    t.b.sync().await;
    let inbox = t.b.store.inbox().unwrap();
    let nudge = inbox.iter().find(|i| i.kind == InboxKind::Nudge).expect("the nudge reached the device");
    assert_eq!((nudge.by.as_str(), nudge.report_kind.as_deref()), (t.mgr.as_str(), Some("daily")));
    // A rep cannot nudge.
    let err =
        fieldreport_core::sync::nudge(&t.a.store, &Default::default(), &b_id, "daily", "today").await.unwrap_err();
    assert!(err.to_string().contains("only a manager"), "{err}");
    // Submitting the report answers the nudge.
    let r = t.b.store.open_report(ReportKind::Daily, None, Lang::ZhCn, None).unwrap().header.id;
    t.b.store.set_report_text(&r, "done", "补交日报。").unwrap();
    t.b.store.submit_report(&r, &[], &[]).unwrap();
    assert!(!t.b.store.inbox().unwrap().iter().any(|i| i.kind == InboxKind::Nudge));
    t.b.sync().await;
    let again = fieldreport_core::sync::nudge(&t.boss.store, &Default::default(), &b_id, "daily", "today").await;
    assert!(again.unwrap_err().to_string().contains("already submitted"));
}

#[tokio::test]
async fn mentions_notify_readers_refuse_others_and_replies_thread() {
    let mut t = team().await;
    let r = t.a.store.open_report(ReportKind::Daily, None, Lang::ZhCn, None).unwrap().header.id;
    t.a.store.set_report_text(&r, "done", "拜访华为。").unwrap();
    t.a.store.submit_report(&r, &[], &[]).unwrap();
    t.a.sync().await;
    t.boss.sync().await;

    // 李四 cannot read 张三's report: naming them is refused, on the device and on the dashboard.
    let refused = t.boss.store.comment_report(&r, "@李四 也看看").unwrap_err();
    assert!(refused.to_string().contains("李四 cannot read"), "{refused}");
    let browser = Browser::sign_in(&t.server.url, &t.server, &t.mgr).await;
    let (_, page) = browser.get(&format!("/reports/{r}")).await;
    let path = format!("/reports/{r}/comments");
    assert_eq!(browser.post(&path, &[("csrf", &csrf_of(&page)), ("text", "@李四 看看")]).await, 403);

    let commented = t.boss.store.comment_report(&r, "@张三 请补充客户预算").unwrap();
    let asked = commented.comments.last().unwrap().clone();
    assert_eq!(asked.mentions, [t.a.user.clone()]);
    t.boss.sync().await;
    t.a.sync().await;
    t.b.sync().await;
    let inbox = t.a.store.inbox().unwrap();
    let m = inbox.iter().find(|i| i.kind == InboxKind::Mention).expect("张三 is told");
    assert_eq!((m.by.as_str(), m.text.as_deref()), (t.mgr.as_str(), Some("@张三 请补充客户预算")));
    assert!(!t.b.store.inbox().unwrap().iter().any(|i| i.kind == InboxKind::Mention), "李四 is not");

    // 张三 answers; the rendering shows the thread.
    t.a.store.reply_report(&r, "预算约 50 万。", Some(&asked.id)).unwrap();
    let report = t.a.store.report(&r).unwrap();
    let md = render_markdown(&report, Lang::ZhCn, Dialect::Gfm, &shanghai(), &t.a.store.names().unwrap());
    let asked_at = md.find("> **王经理**").expect("the question");
    let answer_at = md.find(">> **张三**").expect("the answer, one level deeper");
    assert!(asked_at < answer_at, "{md}");
    assert_eq!(t.a.sync().await.rejected, [], "the server takes the reply");
}

#[tokio::test]
async fn a_robot_gets_the_weekly_digest_once_at_its_time() {
    let mut t = team().await;
    let mut cfg = t.server.admin.config().unwrap();
    cfg.robots[0].digest = Some("monday 09:00".into());
    t.server.admin.apply_config(cfg).unwrap();
    let c = t.a.customer("华为");
    t.a.visit(&c, "拜访");
    t.a.sync().await;
    let cal = shanghai();
    let monday = cal.week_start_of(cal.local_date(fieldreport_server::now_ms()));
    let at = |h: &str| cal.local_ms(monday, h.parse().unwrap());
    // Before its time nothing; at 09:30 the digest, once, however often the schedule runs.
    t.server.admin.run_schedule(at("08:59:00")).unwrap();
    t.server.admin.run_schedule(at("09:30:00")).unwrap();
    t.server.admin.run_schedule(at("10:30:00")).unwrap();
    received(&t.seen, "dingtalk", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let msgs = received(&t.seen, "dingtalk", 1).await;
    let digests: Vec<&Value> =
        msgs.iter().filter(|m| m["markdown"]["title"].as_str().unwrap_or("").contains("上周速览")).collect();
    assert_eq!(digests.len(), 1, "{msgs:?}");
    // It names the week it covers, not the new one.
    let last_week = format!(
        "（{} ~ {}）",
        (monday - chrono::Days::new(7)).format("%m-%d"),
        (monday - chrono::Days::new(1)).format("%m-%d")
    );
    assert!(digests[0]["markdown"]["title"].as_str().unwrap().contains(&last_week), "{:?}", digests[0]);
    let text = digests[0]["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("上周") && text.contains("张三") && text.contains("李四") && text.contains("按时提交率"),
        "{text}"
    );
}
