//! The server's figures over real HTTP: rollups built from synced records give the device's own
//! numbers; submission statistics judge the submit time the device recorded; the manager API is
//! scoped to the caller's team.

mod support;

use chrono::{Days, NaiveTime};
use fieldreport_core::doc::ReportKind;
use fieldreport_core::period::Period;
use fieldreport_core::report::Lang;
use fieldreport_core::store::FigureSource;
use fieldreport_core::team::TeamConfig;
use fieldreport_server::figures::Source;
use fieldreport_server::model::Slice;
use serde_json::Value;
use support::*;

/// GET `path` on the server with `device`'s token: (status, JSON body).
async fn get(server: &Server, device: &Device, path: &str) -> (u16, Value) {
    let token = device.store.sync_state().unwrap().token;
    let resp = fieldreport_core::sync::http_client()
        .unwrap()
        .get(format!("{}{path}", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn rows_for<'a>(snapshot: &'a Value, user: &str) -> Vec<&'a Value> {
    snapshot["rows"].as_array().unwrap().iter().filter(|r| r["user_id"] == user).collect()
}

fn metric(rows: &[&Value], metric: &str) -> f64 {
    rows.iter().find(|r| r["metric"] == metric).unwrap()["value"].as_f64().unwrap()
}

#[tokio::test]
async fn figures_match_the_device_a_report_written_on_time_offline_is_on_time_and_managers_see_only_their_team() {
    let server = Server::start().await;
    let (m1, m1_code) = server.user("李经理", "manager", None);
    let (m2, m2_code) = server.user("赵经理", "manager", None);
    let (a_id, a_code) = server.user("张三", "rep", Some(&m1));
    let (b_id, b_code) = server.user("王五", "rep", Some(&m2));
    // Daily reports every day, due at 00:00 of the report's day, so the deadline has always
    // passed whatever day and hour the test runs.
    let mut cfg: TeamConfig = server.admin.config().unwrap();
    cfg.team.deadlines.daily = Some("00:00".parse().unwrap());
    cfg.team.deadlines.daily_on =
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map(String::from).to_vec();
    server.admin.apply_config(cfg).unwrap();
    let mut cfg = server.admin.config().unwrap();
    cfg.targets.push(weekly_target("visits", a_id.clone(), 35.0));
    server.admin.apply_config(cfg).unwrap();

    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    assert_eq!((a.user.as_str(), b.user.as_str()), (a_id.as_str(), b_id.as_str()));
    let mut mgr1 = Device::enroll(&server.url, &m1_code).await;
    let mut mgr2 = Device::enroll(&server.url, &m2_code).await;

    // Rep A, offline: two visits, a report for today written and submitted one minute before
    // today's deadline (by the device's clock), synced only now, after it.
    let c = a.customer("华为");
    a.visit(&c, "拜访张总");
    a.visit(&c, "回访");
    let cal = a.store.calendar().unwrap();
    let today = cal.local_date(a.store.now_ms());
    let deadline = cal.local_ms(today, NaiveTime::MIN);
    let real_now = a.store.now_ms();
    a.store.set_now(Some(deadline - 60_000));
    let r = a.store.new_report(ReportKind::Daily, Some(today), Lang::ZhCn).unwrap().header.id;
    a.store.submit_report(&r, std::slice::from_ref(&m1), &[]).unwrap();
    a.store.set_now(None);
    a.sync().await;
    let bc = b.customer("腾讯");
    b.visit(&bc, "初次拜访");
    b.sync().await;
    mgr1.sync().await;
    mgr2.sync().await;

    // The server's figures for A are the device's own.
    let local =
        a.store.kpi_figures(&a.user, &cal.resolve(Period::Today, real_now), &a.store.kpi_definitions()).unwrap();
    let (status, snap) = get(&server, &mgr1, "/v1/kpi?period=today").await;
    assert_eq!(status, 200, "{snap}");
    let rows = rows_for(&snap, &a.user);
    for l in &local {
        assert_eq!(metric(&rows, &l.metric), l.value, "{} on the server and on the device", l.metric);
    }
    assert_eq!(metric(&rows, "visits"), 2.0);
    assert!(rows_for(&snap, &b.user).is_empty(), "manager 1 does not see manager 2's rep");

    // Submissions: A on time though synced after the deadline; B missing, and only to manager 2.
    let (_, subs) = get(&server, &mgr1, "/v1/submissions?period=today").await;
    let subs = subs.as_array().unwrap();
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0]["user_id"], a.user.as_str());
    assert_eq!((subs[0]["on_time"].as_u64(), subs[0]["late"].as_u64()), (Some(1), Some(0)), "{subs:?}");
    let (_, subs2) = get(&server, &mgr2, "/v1/submissions?period=today").await;
    assert_eq!(subs2[0]["user_id"], b.user.as_str());
    assert_eq!(subs2[0]["missing"].as_u64(), Some(1));

    // Another team's figures are refused; a rep sees only their own rows.
    let (status, _) = get(&server, &mgr2, &format!("/v1/kpi?user={}", a.user)).await;
    assert_eq!(status, 403);
    let (status, own) = get(&server, &b, "/v1/kpi?period=today").await;
    assert_eq!(status, 200);
    assert!(own["rows"].as_array().unwrap().iter().all(|r| r["user_id"] == b.user.as_str() || r["user_id"].is_null()));
    let (_, alerts) = get(&server, &mgr2, "/v1/alerts").await;
    assert!(
        alerts.as_array().unwrap().iter().any(|x| x["kind"] == "report_missing" && x["user_id"] == b.user.as_str()),
        "{alerts}"
    );

    // After its sync, A's device holds every change the server's snapshot holds: it counts its
    // own records, with the snapshot's target; its own new visit counts at once, offline.
    let defs = a.store.kpi_definitions();
    let view = a.store.kpi_view("today", &defs).unwrap();
    assert_eq!(view.source, FigureSource::Local);
    let visits = view.rows.iter().find(|r| r.metric == "visits").unwrap();
    assert_eq!((visits.value, visits.target.is_some()), (2.0, true), "{visits:?}");
    assert!(visits.status.is_some());
    assert!(a.store.team_config().unwrap().is_some(), "the configuration arrived too");
    a.visit(&c, "第三次");
    let view = a.store.kpi_view("today", &defs).unwrap();
    let visits = view.rows.iter().find(|r| r.metric == "visits").unwrap();
    assert_eq!((visits.value, visits.target.is_some()), (3.0, true), "{visits:?}");

    // Yesterday's rollups were not touched by today's visits.
    let yesterday = today - Days::new(1);
    let users = [a.user.clone()];
    let totals = server.admin.totals(yesterday, yesterday, Slice::Users(&users), &[]).unwrap();
    assert!(totals.iter().all(|t| t.user_id != a.user || t.metric != "visits"), "{totals:?}");
}

/// A rep's visits today: on a device, and on the server recomputed from the merged records.
fn visits_on(d: &mut Device) -> f64 {
    let defs = d.store.kpi_definitions_for(&["visits".to_string()]).unwrap();
    d.store.kpi_view("today", &defs).unwrap().rows[0].value
}

fn visits_on_server(server: &Server, user: &str) -> f64 {
    let cfg = server.admin.config().unwrap();
    let scope = fieldreport_server::figures::Scope::of(&server.admin, None, Some(user)).unwrap();
    let snap =
        fieldreport_server::figures::snapshot(&server.admin, &cfg, &scope, Period::Today, fieldreport_server::now_ms())
            .unwrap();
    snap.rows.iter().find(|r| r.user_id.as_deref() == Some(user) && r.metric == "visits").unwrap().value
}

/// The trial's case: 张伟's phone logs a visit offline while his tablet syncs an edit; the phone
/// then syncs. Its figures stay its own (never 0 from a snapshot taken before its visit arrived),
/// over later syncs too, and equal the server's.
#[tokio::test]
async fn a_phone_never_shows_less_than_it_recorded_after_another_device_synced() {
    let server = Server::start().await;
    let (mgr, _) = server.user("李经理", "manager", None);
    let (rep, code) = server.user("张伟", "rep", Some(&mgr));
    let mut phone = Device::enroll(&server.url, &code).await;
    let code2 = server.admin.enrollment_code(&rep).unwrap();
    let mut tablet = Device::enroll(&server.url, &code2).await;
    let c = tablet.customer("华为");
    tablet.sync().await;
    phone.sync().await;
    // The phone's clock runs two minutes slow (never back into yesterday): its visit is
    // stamped before the snapshot the server computed, which does not hold it.
    let cal = phone.store.calendar().unwrap();
    let now = phone.store.now_ms();
    let skew = (now - cal.day_start_ms(cal.local_date(now)) - 1_000).clamp(0, 120_000);
    phone.store.set_now(Some(now - skew));
    phone.visit(&c, "拜访张总");
    assert_eq!(visits_on(&mut phone), 1.0, "offline, its own visit counts");
    tablet.customer("腾讯");
    tablet.sync().await;
    phone.sync().await;
    for _ in 0..3 {
        assert_eq!(visits_on(&mut phone), 1.0);
        assert_eq!(visits_on_server(&server, &rep), 1.0);
        phone.sync().await;
        tablet.sync().await;
        assert_eq!(visits_on(&mut tablet), 1.0, "the tablet has the phone's visit");
    }
    // One device alone: a visit logged after a sync counts before the next one.
    phone.visit(&c, "回访");
    assert_eq!(visits_on(&mut phone), 2.0);
    phone.sync().await;
    assert_eq!((visits_on(&mut phone), visits_on_server(&server, &rep)), (2.0, 2.0));
}

#[tokio::test]
async fn week_boundaries_are_the_team_zone_s_midnights() {
    let server = Server::start().await;
    let (mgr, _) = server.user("李经理", "manager", None);
    let (_, code) = server.user("张三", "rep", Some(&mgr));
    let mut a = Device::enroll(&server.url, &code).await;
    let c = a.customer("华为");
    let at = |rfc: &str| chrono::DateTime::parse_from_rfc3339(rfc).unwrap().timestamp_millis();
    for when in ["2026-11-22T23:59:00+08:00", "2026-11-23T00:01:00+08:00", "2026-11-22T16:30:00Z"] {
        let new =
            fieldreport_core::doc::NewFollowup::new(&c, fieldreport_core::doc::FollowupKind::Visit, at(when), "拜访");
        a.store.log_followup(new).unwrap();
    }
    a.sync().await;
    let admin = Device::enroll(&server.url, &server.admin_code).await;
    let visits = |snap: &Value| -> f64 {
        snap["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["user_id"] == a.user.as_str() && r["metric"] == "visits")
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    // Sunday 23:59 in Shanghai is last week; Monday 00:01 and 16:30 UTC Sunday (00:30 Monday in
    // Shanghai) are this week.
    let (_, last) = get(&server, &admin, "/v1/kpi?period=2026-11-16..2026-11-22").await;
    let (_, this) = get(&server, &admin, "/v1/kpi?period=2026-11-23..2026-11-29").await;
    assert_eq!((visits(&last), visits(&this)), (1.0, 2.0), "{last}\n{this}");
    let (_, monday) = get(&server, &admin, "/v1/kpi?period=2026-11-23").await;
    assert_eq!(visits(&monday), 2.0);
}

#[tokio::test]
async fn a_device_takes_the_team_zone_from_the_configuration_the_server_publishes() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let mut a = Device::enroll(&server.url, &code).await;
    let mut cfg = server.admin.config().unwrap();
    cfg.team.tz = "Asia/Tokyo".into();
    cfg.team.week_start = "sunday".into();
    server.admin.apply_config(cfg).unwrap();
    a.sync().await;
    let cal = a.store.calendar().unwrap();
    assert_eq!((cal.tz.name(), cal.week_start), ("Asia/Tokyo", chrono::Weekday::Sun));
}

#[tokio::test]
async fn changed_figures_are_refreshed_in_the_background_and_arrive_with_a_later_sync() {
    use fieldreport_server::Service;
    let dir = tempfile::tempdir().unwrap();
    let s = Service::open_dir(dir.path()).unwrap();
    s.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let (_, code) = s.add_user("张三", "rep", None).unwrap();
    s.set_snapshot_interval(std::time::Duration::ZERO);
    let storage = std::sync::Arc::new(s);
    let running =
        fieldreport_server::start_with(storage, "127.0.0.1:0", fieldreport_server::Limits::default()).await.unwrap();
    let url = format!("http://{}", running.addr);
    let mut a = Device::enroll(&url, &code).await;
    let c = a.customer("华为");
    a.visit(&c, "第一次");
    a.sync().await;
    let visits = |a: &mut Device| {
        let snap = a.store.server_snapshot().unwrap().unwrap();
        let today = snap.periods.iter().find(|p| p.period == "today").unwrap();
        today.rows.iter().find(|r| r.metric == "visits" && r.user_id.as_deref() == Some(a.user.as_str())).unwrap().value
    };
    assert_eq!(visits(&mut a), 1.0, "the day's first snapshot comes with the first sync");
    a.visit(&c, "第二次");
    a.sync().await; // answers at once; the refresh runs in the background
    let mut seen = 0.0;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        a.sync().await;
        seen = visits(&mut a);
        if seen == 2.0 {
            break;
        }
    }
    assert_eq!(seen, 2.0, "the refreshed figures arrived");
    // The snapshot says through which feed position it counts; the device has pulled past it.
    let through = a.store.server_snapshot().unwrap().unwrap().data_seq.expect("the snapshot says what it holds");
    assert!(a.store.sync_state().unwrap().cursor as i64 >= through);
    let defs = a.store.kpi_definitions();
    let view = a.store.kpi_view("today", &defs).unwrap();
    assert_eq!(view.source, FigureSource::Local, "it holds all the snapshot holds");
    assert_eq!(view.rows.iter().find(|r| r.metric == "visits").unwrap().value, 2.0);
    running.shutdown().await;
}

/// A weekly's KPI block carries the target of its week (8 of 10, not just 8), rendered as people
/// read it, and keeps it once submitted, whatever the targets become.
#[tokio::test]
async fn a_reports_kpi_block_shows_targets_and_keeps_them_once_submitted() {
    let server = Server::start().await;
    let (mgr, _) = server.user("李经理", "manager", None);
    let (rep, code) = server.user("张伟", "rep", Some(&mgr));
    let mut cfg = server.admin.config().unwrap();
    cfg.targets.push(weekly_target("visits", rep.clone(), 10.0));
    server.admin.apply_config(cfg).unwrap();
    let mut d = Device::enroll(&server.url, &code).await;
    d.sync().await;
    // Last week, offline after the sync: eight visits.
    let cal = d.store.calendar().unwrap();
    let last_week = cal.resolve(Period::LastWeek, d.store.now_ms());
    let c = d.customer("华为");
    for i in 0..8 {
        let at = last_week.start_ms + 3_600_000 * (10 + i);
        let new = fieldreport_core::doc::NewFollowup::new(&c, fieldreport_core::doc::FollowupKind::Visit, at, "拜访");
        d.store.log_followup(new).unwrap();
    }
    let r = d.store.new_report(ReportKind::Weekly, Some(last_week.first), Lang::ZhCn).unwrap().header.id;
    let block = d.store.insert_kpis(&r, None, None, &["visits".to_string()]).unwrap();
    let fieldreport_core::report::BlockData::Kpis { rows, .. } = &block.data else { panic!("a KPI block") };
    assert_eq!((rows[0].value, rows[0].target), (8.0, Some(10.0)), "{rows:?}");
    assert!(rows[0].status.is_some());
    d.store.submit_report(&r, std::slice::from_ref(&mgr), &[]).unwrap();
    d.sync().await;
    let names = d.store.names().unwrap();
    let text = fieldreport_core::report::render_text(&d.store.report(&r).unwrap(), Lang::ZhCn, &cal, &names);
    assert!(text.contains("目标 10"), "{text}");
    // The targets change; the submitted block does not.
    let mut cfg = server.admin.config().unwrap();
    cfg.targets[0].value = Some(20.0);
    server.admin.apply_config(cfg).unwrap();
    d.sync().await;
    let report = d.store.report(&r).unwrap();
    let kept = report.blocks.iter().find_map(|b| match &b.data {
        fieldreport_core::report::BlockData::Kpis { rows, .. } => rows.first().and_then(|r| r.target),
        _ => None,
    });
    assert_eq!(kept, Some(10.0));
}
