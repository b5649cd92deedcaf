//! A team's day on each storage backend — the embedded SQLite and PostgreSQL — through every
//! part of the service: enrollment and the directory, sync both ways, reports to the manager by
//! default, the dashboard's read receipts, comments, inbox and sessions, sign-in with the phone,
//! figures, alerts (a far check-in), submissions, a KPI rebuild, the doctor and a configuration
//! with a template. The same assertions hold on both.

mod support;

use fieldreport_core::doc::{CheckIn, FollowupKind, NewContract, NewCustomer, NewDeal, NewFollowup, ReportKind, Stage};
use fieldreport_core::money::Money;
use fieldreport_core::period::Period;
use fieldreport_core::report::Lang;
use fieldreport_server::figures::{self, Scope};
use fieldreport_server::model::InboxFilter;
use fieldreport_server::service::RebuildFrom;
use support::*;

async fn a_teams_day(server: Server) {
    let (mgr, m_code) = server.user("李经理", "manager", None);
    let (rep, r_code) = server.user("张伟", "rep", Some(&mgr));
    let mut boss = Device::enroll(&server.url, &m_code).await;
    let mut phone = Device::enroll(&server.url, &r_code).await;
    phone.sync().await;
    boss.sync().await;
    assert_eq!(phone.store.members().unwrap().len(), 3, "the directory reached the device");

    // The rep's day: a customer with a location, a visit checked in 2.7 km away, a deal, a
    // contract and a payment, a daily report that writes itself, submitted to the manager.
    let s = &mut phone.store;
    let location = Some((31.2304, 121.4737));
    let c = s.add_customer(NewCustomer { name: "上海华为".into(), location, ..Default::default() }).unwrap().header.id;
    let now = s.now_ms();
    let mut visit = NewFollowup::new(&c, FollowupKind::Visit, now, "拜访张总");
    visit.checkin = Some(CheckIn { lat: 31.2397, lon: 121.4998, accuracy: Some(20.0), at: now });
    s.log_followup(visit).unwrap();
    let amount = Money::parse("120000", "CNY").unwrap();
    let new = NewDeal {
        customer_id: c.clone(),
        title: "服务器".into(),
        amount: amount.clone(),
        stage: Stage::Lead,
        expected_close: None,
    };
    let deal = s.add_deal(new).unwrap().header.id;
    s.set_deal_stage(&deal, Stage::Won).unwrap();
    let signed_on = fieldreport_core::period::Calendar::parse("Asia/Shanghai", "monday").unwrap().local_date(now);
    let k = s
        .add_contract(NewContract { customer_id: c.clone(), deal_id: Some(deal), title: None, amount, signed_on })
        .unwrap()
        .header
        .id;
    s.add_payment(&k, "40000", None, signed_on).unwrap();
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    s.set_report_text(&r, "done", "拜访上海华为").unwrap();
    s.insert_followups(&r, None, None).unwrap();
    s.insert_kpis(&r, None, None, &[]).unwrap();
    s.submit_report(&r, &[], &[]).unwrap();
    let stats = phone.sync().await;
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
    boss.sync().await;
    assert!(boss.store.report(&r).is_ok(), "the manager's device has the report");

    // The dashboard: the inbox (filtered), the report opened (a read receipt), a comment.
    let boss_user = server.admin.user(&mgr).unwrap().unwrap();
    let daily = InboxFilter { kind: Some("daily".into()), unread: true, ..Default::default() };
    assert_eq!(server.admin.inbox(&boss_user, &daily).unwrap().len(), 1);
    let (report, _) = server.admin.open_report(&boss_user, &r).unwrap();
    assert_eq!(report.to, vec![mgr.clone()]);
    assert!(server.admin.inbox(&boss_user, &daily).unwrap().is_empty(), "read now");
    server.admin.web_comment(&boss_user, &r, "请补充客户预算", None).unwrap();
    phone.sync().await;
    let back = phone.store.report(&r).unwrap();
    assert!(back.comments.iter().any(|c| c.author == mgr && c.text == "请补充客户预算"));
    let mine = server.admin.inbox(&server.admin.user(&rep).unwrap().unwrap(), &Default::default()).unwrap();
    assert_eq!(mine[0].comments, 1);
    assert!(mine[0].recipients.iter().any(|x| x.user_id == mgr && x.read_at.is_some()), "{mine:?}");

    // Figures, alerts and submissions, as the API and the snapshots compute them.
    let config = server.admin.config().unwrap();
    let scope = Scope::of(&server.admin, Some(&boss_user), None).unwrap();
    let now = fieldreport_server::now_ms();
    let snap = figures::snapshot(&server.admin, &config, &scope, Period::ThisMonth, now).unwrap();
    let value = |metric: &str| {
        snap.rows.iter().find(|x| x.metric == metric && x.user_id.as_deref() == Some(rep.as_str())).map(|x| x.value)
    };
    assert_eq!(value("visits"), Some(1.0));
    assert_eq!(value("new_contract_amount"), Some(12_000_000.0));
    assert_eq!(value("payments_received"), Some(4_000_000.0));
    let alerts = figures::alerts(&server.admin, &config, &scope, now).unwrap();
    assert!(alerts.iter().any(|a| a.kind == "checkin_far" && a.user_id == rep), "{alerts:?}");
    let subs = figures::submissions(&server.admin, &config, &scope, Period::ThisWeek, now).unwrap();
    assert!(subs.iter().any(|x| x.user_id == rep));

    // A rebuild from the views and one from the documents give the figures the merges kept.
    for from in [RebuildFrom::Views, RebuildFrom::Documents] {
        server.admin.rebuild_kpis(from, Box::new(|_| {})).unwrap();
        let again = figures::snapshot(&server.admin, &config, &scope, Period::ThisMonth, now).unwrap();
        assert_eq!(again.rows, snap.rows, "a rebuild equals the incremental rollups");
    }
    assert!(server.admin.doctor(true, &|_| {}).unwrap().is_empty(), "nothing set aside");

    // Sessions: an admin's link, the phone's code; listed and revoked.
    let link = server.admin.login_link(&mgr).unwrap();
    let (token, _) = server.admin.open_session(&link).unwrap();
    assert_eq!(server.admin.session(&token).unwrap().user.id, mgr);
    let (code, browser, _) = server.admin.start_web_login().unwrap();
    let opts = fieldreport_core::sync::SyncOptions::default();
    fieldreport_core::sync::approve_web_login(&phone.store.sync_state().unwrap(), &code, &opts).await.unwrap();
    assert!(matches!(
        server.admin.poll_web_login(&browser, &code).unwrap(),
        Some(fieldreport_server::service::web::WebLoginState::SignedIn { .. })
    ));
    let sessions = server.admin.sessions(&mgr).unwrap();
    server.admin.revoke_session(&sessions[0].id).unwrap();
    assert!(server.admin.session(&token).is_err());

    // A configuration with a template reaches the device.
    let mut cfg = server.admin.config().unwrap();
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/team-config.example.toml")).unwrap();
    cfg.templates = toml::from_str::<fieldreport_core::team::TeamConfig>(&example).unwrap().templates;
    server.admin.apply_config(cfg).unwrap();
    phone.sync().await;
    assert_eq!(phone.store.templates(Lang::ZhCn).unwrap()[0].id, "weekly-east");
}

#[tokio::test]
async fn a_teams_day_on_sqlite() {
    a_teams_day(Server::start().await).await;
}

#[tokio::test]
async fn a_teams_day_on_postgres() {
    let _ = tracing_subscriber::fmt().with_env_filter("warn").with_test_writer().try_init();
    a_teams_day(Server::start_postgres().await).await;
}

/// `/metrics` counts syncs and merges; `/healthz` says when the database cannot be reached.
#[tokio::test]
async fn metrics_and_health_on_postgres() {
    let url = fieldreport_server::store::postgres::test_cluster::new_database();
    let server = Server::start_at(&fieldreport_server::Location::Postgres(url.clone())).await;
    let (_, code) = server.user("张伟", "rep", None);
    let mut phone = Device::enroll(&server.url, &code).await;
    phone.customer("上海华为");
    phone.sync().await;
    let http = fieldreport_core::sync::http_client().unwrap();
    let health = http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let metrics = http.get(format!("{}/metrics", server.url)).send().await.unwrap().text().await.unwrap();
    for line in [
        "fieldreport_sync_seconds_count",
        "fieldreport_changes_merged_total",
        "fieldreport_http_requests_total{route=\"/v1/sync\",status=\"2xx\"}",
        "fieldreport_outbox_backlog 0",
        "fieldreport_writer_queue",
    ] {
        assert!(metrics.contains(line), "/metrics has {line}:\n{metrics}");
    }
    // The database goes away: the server says so instead of answering ok.
    let name = url.rsplit('/').next().unwrap();
    let admin = fieldreport_server::store::postgres::PgConn::connect(
        &fieldreport_server::store::postgres::test_cluster::admin_url(),
    )
    .unwrap();
    fieldreport_server::store::Conn::script(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")).unwrap();
    let health = http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503, "{}", health.text().await.unwrap());
}
