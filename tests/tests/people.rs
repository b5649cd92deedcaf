//! People, not ids: the directory reaches every device; a report goes to the author's manager by
//! default and never to someone who is not an active member (refused on the device, and on the
//! server when a tampered device forges it); names stand for people in every rendering; a team
//! template is used from a device; a browser signs in with the phone, once per code.

mod support;

use fieldreport_core::doc::ReportKind;
use fieldreport_core::period::Calendar;
use fieldreport_core::report::{render_markdown, render_text, Dialect, Lang};
use fieldreport_core::team::alert_text;
use support::*;

/// A manager 李经理 with reps 张伟 and 张三 (same family name: prefixes are ambiguous), and a
/// deactivated 王五.
async fn team() -> (Server, [String; 4], [Device; 3]) {
    let server = Server::start().await;
    let (mgr, m_code) = server.user("李经理", "manager", None);
    let (zw, zw_code) = server.user("张伟", "rep", Some(&mgr));
    let (zs, zs_code) = server.user("张三", "rep", Some(&mgr));
    let (ww, _) = server.user("王五", "rep", Some(&mgr));
    let edit = fieldreport_server::service::UserEdit { active: Some(false), ..Default::default() };
    server.admin.edit_user(&ww, edit).unwrap();
    let mut devices = [
        Device::enroll(&server.url, &m_code).await,
        Device::enroll(&server.url, &zw_code).await,
        Device::enroll(&server.url, &zs_code).await,
    ];
    for d in devices.iter_mut() {
        d.sync().await;
    }
    (server, [mgr, zw, zs, ww], devices)
}

fn no_uuid(text: &str, ids: &[String]) {
    for id in ids {
        assert!(!text.contains(id.as_str()), "`{id}` appears where a name is meant:\n{text}");
    }
}

#[tokio::test]
async fn a_report_reaches_the_manager_by_default_and_never_goes_astray() {
    let (server, [mgr, zw, zs, ww], [mut boss, mut a, mut b]) = team().await;
    // The directory reached every device: names, roles, managers, offline.
    let members = a.store.members().unwrap();
    assert_eq!(members.len(), 5, "the admin, the manager and three reps: {members:?}");
    assert_eq!(a.store.member(&zw).unwrap().unwrap().manager_id.as_deref(), Some(mgr.as_str()));
    assert!(!a.store.member(&ww).unwrap().unwrap().active);

    // Refused on the device, before anything is written: unknown, ambiguous, a UUID of nobody,
    // a deactivated member.
    let r = a.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    a.store.set_report_text(&r, "done", "拜访华为").unwrap();
    for (to, says) in [
        ("赵六", "no member matches"),
        ("张", "could be"),
        ("01234567-89ab-7cde-8f01-23456789abcd", "no member matches"),
        ("王五", "no longer an active member"),
    ] {
        let err = a.store.submit_report(&r, &[to.to_string()], &[]).unwrap_err();
        assert!(err.is_bad_input() && err.to_string().contains(says), "{to}: {err}");
    }
    assert_eq!(a.store.report(&r).unwrap().status.as_str(), "draft", "a refused submit changes nothing");

    // Submitted without naming anyone: it goes to the author's manager.
    let sent = a.store.submit_report(&r, &[], &[]).unwrap();
    assert_eq!(sent.to, vec![mgr.clone()]);
    a.sync().await;
    boss.sync().await;
    assert!(boss.store.report(&r).is_ok(), "the manager's device has the report");
    let inbox = server.admin.inbox(&server.admin.user(&mgr).unwrap().unwrap(), &Default::default()).unwrap();
    assert!(inbox.iter().any(|i| i.id == r), "and the manager's inbox lists it");

    // The author mends a mistake by adding a recipient after submitting; the new one gets it.
    a.store.add_report_recipients(&r, &[], &["张三".to_string()]).unwrap();
    a.sync().await;
    b.sync().await;
    assert!(b.store.report(&r).is_ok(), "a recipient added later receives the report");

    // A tampered app sends a report to a deactivated member, around the device's own check:
    // the server refuses the push, saying why, and the report reaches nobody.
    let f = a.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    a.store.set_report_text(&f, "done", "x").unwrap();
    let actor = a.store.identity().unwrap().actor;
    let before = a.store.heads(&f).unwrap();
    let mut am = automerge::AutoCommit::load(&a.store.document(&f).unwrap().save()).unwrap();
    am.set_actor(automerge::ActorId::try_from(actor.as_str()).unwrap());
    {
        use automerge::transaction::Transactable;
        let to = am.put_object(automerge::ROOT, "to", automerge::ObjType::List).unwrap();
        am.insert(&to, 0, ww.as_str()).unwrap();
        am.put(automerge::ROOT, "status", "submitted").unwrap();
        am.put(automerge::ROOT, "submitted_at", a.store.now_ms()).unwrap();
    }
    am.commit();
    let changes = am.save_after(&before);
    a.store.merge_changes(&f, &changes).unwrap();
    let stats = a.sync().await;
    let refused = stats.rejected.iter().find(|x| x.id == f).expect("the forged recipient is refused");
    assert!(refused.reason.message.contains("not an active member"), "{}", refused.reason);
    let ww_user = server.admin.user(&ww).unwrap().unwrap();
    assert!(server.admin.inbox(&ww_user, &Default::default()).unwrap().is_empty());
    let _ = zs;
}

#[tokio::test]
async fn names_stand_for_people_in_every_rendering() {
    let (server, [mgr, zw, zs, ww], [mut boss, mut a, _b]) = team().await;
    let ids = [mgr.clone(), zw.clone(), zs.clone(), ww.clone()];
    let c = a.customer("上海华为");
    a.visit(&c, "演示方案");
    let r = a.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    a.store.set_report_text(&r, "done", "拜访华为").unwrap();
    a.store.insert_followups(&r, None, None).unwrap();
    a.store.submit_report(&r, &[], &[]).unwrap();
    a.sync().await;
    boss.sync().await;
    boss.store.comment_report(&r, "收到，请补充预算").unwrap();
    boss.sync().await;
    a.sync().await;

    let report = a.store.report(&r).unwrap();
    let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
    let names = a.store.names().unwrap();
    for dialect in [Dialect::Gfm, Dialect::DingTalk, Dialect::Feishu, Dialect::WeCom] {
        let md = render_markdown(&report, Lang::ZhCn, dialect, &cal, &names);
        assert!(md.contains("张伟") && md.contains("李经理"), "{md}");
        no_uuid(&md, &ids);
    }
    let text = render_text(&report, Lang::En, &cal, &names);
    assert!(text.contains("张伟") && text.contains("李经理"), "{text}");
    no_uuid(&text, &ids);

    // The manager's web page of the report, and the alerts the server computes, name people.
    let boss_user = server.admin.user(&mgr).unwrap().unwrap();
    let (_, reads) = server.admin.open_report(&boss_user, &r).unwrap();
    assert!(reads.iter().any(|(who, _)| who == &mgr));
    a.sync().await;
    let snap = a.store.server_snapshot().unwrap().unwrap();
    for alert in &snap.alerts {
        let line = alert_text(alert, Lang::ZhCn, &names);
        no_uuid(&line, &ids);
    }
}

#[tokio::test]
async fn a_team_template_is_used_from_a_device() {
    let (server, [mgr, ..], [_boss, mut a, _b]) = team().await;
    let mut cfg = server.admin.config().unwrap();
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/team-config.example.toml"));
    let example: fieldreport_core::team::TeamConfig = toml::from_str(&example.unwrap()).unwrap();
    let mut t = example.templates[0].clone();
    t.cc = vec![mgr.clone()];
    cfg.templates = vec![t];
    server.admin.apply_config(cfg).unwrap();
    a.sync().await;
    let listed = a.store.templates(Lang::ZhCn).unwrap();
    assert_eq!(listed[0].id, "weekly-east", "the team's templates come first");
    let r = a.store.new_report_from("weekly-east", None).unwrap();
    assert_eq!(r.sections.len(), 4);
    // Required sections must have text before the report goes out; the refusal names them.
    let err = a.store.submit_report(&r.header.id, &[], &[]).unwrap_err();
    assert!(err.to_string().contains("本周总结") && err.to_string().contains("风险与需要的支持"), "{err}");
    a.store.set_report_text(&r.header.id, "summary", "本周拜访 12 家").unwrap();
    a.store.set_report_text(&r.header.id, "risks", "无").unwrap();
    let sent = a.store.submit_report(&r.header.id, &[], &[]).unwrap();
    assert_eq!(sent.to, vec![mgr.clone()]);
    assert_eq!(sent.cc, Vec::<String>::new(), "the template's copy is the manager, already a recipient");
}

#[tokio::test]
async fn a_phone_signs_a_browser_in_once() {
    let (server, [mgr, zw, ..], [_boss, a, _b]) = team().await;
    let (code, browser, _) = server.admin.start_web_login().unwrap();
    use fieldreport_server::service::web::WebLoginState;
    assert!(matches!(server.admin.poll_web_login(&browser, &code).unwrap(), Some(WebLoginState::Waiting { .. })));
    let opts = fieldreport_core::sync::SyncOptions::default();
    let typed = code.to_lowercase().replace('-', " ");
    let ok = fieldreport_core::sync::approve_web_login(&a.store.sync_state().unwrap(), &typed, &opts).await.unwrap();
    assert_eq!(ok.user_id, zw);
    let Some(WebLoginState::SignedIn { session, .. }) = server.admin.poll_web_login(&browser, &code).unwrap() else {
        panic!("the approved browser signs in")
    };
    assert_eq!(server.admin.session(&session).unwrap().user.id, zw, "as the phone's user");
    assert_eq!(server.admin.poll_web_login(&browser, &code).unwrap(), None, "the code signs in once");
    let again =
        fieldreport_core::sync::approve_web_login(&a.store.sync_state().unwrap(), &code, &opts).await.unwrap_err();
    assert!(again.to_string().contains("already used"), "{again}");
    // Another browser cannot ride on the code: only the secret of the browser that showed it works.
    let (code2, _browser2, _) = server.admin.start_web_login().unwrap();
    assert_eq!(server.admin.poll_web_login("not-the-browser", &code2).unwrap(), None);
    // Sessions are listed and revocable.
    let sessions = server.admin.sessions(&zw).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].via, "phone");
    server.admin.revoke_session(&sessions[0].id).unwrap();
    assert!(server.admin.session(&session).is_err(), "a revoked session ends");
    let _ = mgr;
}
