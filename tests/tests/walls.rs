//! Every surface behind the same walls (the review of exports, files, sign-in and the directory
//! as an attacker would try them): work bounded before trust and per request, sessions that end
//! with the person. Each test names the fault it replaces.

#[macro_use]
mod support;

use std::time::Duration;

use fieldreport_core::sync::wire::{Push, SyncRequest, MAX_PUSHES};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both!(
    pushes_per_request_are_capped_and_devices_send_in_batches,
    deactivation_ends_sessions_and_links_and_the_device_hears_why,
    phone_numbers_reach_managers_and_robots_not_devices,
    nudges_are_bounded_to_periods_the_member_was_in,
    changes_that_cannot_be_applied_are_refused_never_acknowledged,
);

/// Sends the headers of a request that declares `length` body bytes, and a few of them, and
/// never the rest; returns the status line the server answers with (the server must answer
/// without waiting for the body).
async fn declared(url: &str, path: &str, token: Option<&str>, length: u64) -> String {
    let addr = url.trim_start_matches("http://");
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{\"a\":"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut answer))
        .await
        .expect("the server answers before the body arrives")
        .unwrap();
    String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_string()
}

/// Fault: JSON bodies up to 16 MB were parsed before the token was checked (six requests with a
/// bogus token: 390 MB). Now a bogus token is refused from the headers, and a body over the
/// route's limit by its declared length, before a byte of it is read.
#[tokio::test]
async fn bodies_are_bounded_and_tokens_checked_before_any_body_is_read() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let rep = Device::enroll(&server.url, &code).await;
    let good = token(&rep.store);
    // Lengths within each route's limit: the token is what refuses them.
    let within = [("/v1/sync", 15_000_000), ("/v1/reads", 60_000), ("/v1/nudges", 4_000), ("/v1/web-login", 4_000)];
    for (path, length) in within.into_iter().chain([("/v1/blobs/missing", 300_000)]) {
        let line = declared(&server.url, path, Some("bogus"), length).await;
        assert!(line.contains(" 401 "), "{path} with a bogus token: {line}");
        let line = declared(&server.url, path, None, length).await;
        assert!(line.contains(" 401 "), "{path} without a token: {line}");
    }
    for (path, over) in [("/v1/reads", 70_000), ("/v1/nudges", 5_000), ("/v1/web-login", 5_000), ("/v1/sync", 17 << 20)]
    {
        let line = declared(&server.url, path, Some(&good), over).await;
        assert!(line.contains(" 413 "), "{path} with {over} bytes: {line}");
    }
    let line = declared(&server.url, "/v1/enroll", None, 1_000_000).await;
    assert!(line.contains(" 413 "), "enrollment with a large body: {line}");
}

/// Fault: no limit on pushes per sync request (800,000 pushes in 15 MB took the server to
/// 930 MB). Now more than [`MAX_PUSHES`] is 413 `too_large` before anything is checked or
/// logged, and a device with more pending documents than that sends them in several requests.
async fn pushes_per_request_are_capped_and_devices_send_in_batches(server: Server) {
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let t = token(&rep.store);
    let pushes: Vec<Push> = (0..MAX_PUSHES + 1)
        .map(|i| Push {
            id: format!("x{i:05}"),
            kind: fieldreport_core::doc::Kind::Customer,
            heads: vec![],
            changes: vec![],
        })
        .collect();
    let (status, _, err) = raw_sync(&server.url, &t, &SyncRequest { pushes, ..Default::default() }).await;
    assert_eq!(status, 413, "{err}");
    assert_eq!(err["code"], "too_large");
    assert!(err["message"].as_str().unwrap().contains(&MAX_PUSHES.to_string()), "{err}");

    for i in 0..MAX_PUSHES + 200 {
        rep.customer(&format!("客户{i}"));
    }
    let s = rep.sync().await;
    assert!(s.rejected.is_empty());
    assert_eq!(s.pushed, (MAX_PUSHES + 200) as u64);
    assert!(s.round_trips >= 2, "{s:?}");
}

/// A server whose request limit is smaller than a device's batch (an operator's setting, or an
/// older device): the device sends the batch again in halves, and everything arrives.
#[tokio::test]
async fn a_batch_over_the_servers_limit_is_sent_again_in_halves() {
    let dir = tempfile::tempdir().unwrap();
    let admin = fieldreport_server::Service::open_dir(dir.path()).unwrap();
    admin.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let limits = fieldreport_server::Limits { max_request_bytes: 32 * 1024, ..Default::default() };
    let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", limits).await.unwrap();
    let url = format!("http://{}", running.addr);
    let (_, code) = admin.add_user("张三", "rep", None).unwrap();
    let mut device = Device::enroll(&url, &code).await;
    for i in 0..300 {
        device.customer(&format!("上海客户{i}"));
    }
    let s = device.sync().await;
    assert_eq!((s.pushed, s.rejected.len()), (300, 0), "{s:?}");
    assert!(s.round_trips >= 4, "several requests within the limit: {s:?}");
    assert!(device.store.pending_pushes().unwrap().is_empty(), "nothing left to send");
}

/// Fault: a deactivated member kept their dashboard session (reads, comments, exports), a
/// sign-in link issued before still worked, and their device was told it was "revoked" and
/// needed a new code. Now deactivation ends sessions and unused links at once, and the device
/// hears `deactivated` (its data stays); reactivated, the same device syncs again.
async fn deactivation_ends_sessions_and_links_and_the_device_hears_why(server: Server) {
    use fieldreport_core::codes::ErrorCode;
    use fieldreport_server::service::UserEdit;
    let (rep_id, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let c = rep.customer("华为");
    rep.visit(&c, "拜访");
    let browser = Browser::sign_in(&server.url, &server, &rep_id).await;
    assert_eq!(browser.get("/").await.0, 200);
    let unused = server.admin.login_link(&rep_id).unwrap();

    server.admin.edit_user(&rep_id, UserEdit { active: Some(false), ..Default::default() }).unwrap();
    let (status, _) = browser.get("/").await;
    assert!(status == 303 || status == 401, "the session ended: {status}");
    assert_ne!(browser.get_bytes("/export?what=visits&format=csv").await.0, 200);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = http.post(format!("{}/login/{unused}", server.url)).header("origin", &server.url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403, "a link issued before is void");
    assert!(server.admin.login_link(&rep_id).is_err(), "and none is issued now");

    let note = rep.visit(&c, "停用后写的");
    match rep.try_sync(&Default::default()).await {
        Err(fieldreport_core::Error::Server { status: 401, code: ErrorCode::Deactivated, message }) => {
            assert!(message.contains("deactivated"), "{message}")
        }
        other => panic!("expected deactivated, got {other:?}"),
    }
    assert!(rep.store.followup(&note).is_ok(), "the device keeps what it wrote");

    server.admin.edit_user(&rep_id, UserEdit { active: Some(true), ..Default::default() }).unwrap();
    let s = rep.sync().await;
    assert!(s.pushed >= 1 && s.rejected.is_empty(), "{s:?}");
}

/// Fault: every device received every member's phone number in the directory. Now the
/// directory carries none (a device that had the old one gets a new directory without them);
/// a manager sees their own reps' phones on the dashboard (unless the team turns it off), a
/// peer never; the robots still @mention by phone.
async fn phone_numbers_reach_managers_and_robots_not_devices(server: Server) {
    use fieldreport_server::service::UserEdit;
    let (mgr, m_code) = server.user("王经理", "manager", None);
    let (rep, r_code) = server.user("张三", "rep", Some(&mgr));
    let (peer, p_code) = server.user("李四", "rep", Some(&mgr));
    for (id, phone) in [(&mgr, "13900000000"), (&rep, "13800000001"), (&peer, "13800000002")] {
        let edit = UserEdit { phone: Some(Some(phone.into())), ..Default::default() };
        server.admin.edit_user(id, edit).unwrap();
    }
    for code in [m_code, r_code, p_code] {
        let mut d = Device::enroll(&server.url, &code).await;
        d.sync().await;
        let members = d.store.members().unwrap();
        assert_eq!(members.len(), 4, "the directory names everyone");
        assert!(members.iter().all(|m| m.phone.is_none()), "and no phone: {members:?}");
    }
    let manager = Browser::sign_in(&server.url, &server, &mgr).await;
    let (_, page) = manager.get("/kpi").await;
    assert!(page.contains("13800000001") && page.contains("13800000002"), "the manager sees their reps' phones");
    let colleague = Browser::sign_in(&server.url, &server, &peer).await;
    let (_, page) = colleague.get("/kpi").await;
    assert!(!page.contains("13800000001") && !page.contains("13900000000"), "a peer sees none but their own");

    let mut cfg = server.admin.config().unwrap();
    cfg.team.phones_to_managers = false;
    server.admin.apply_config(cfg).unwrap();
    let (_, page) = manager.get("/kpi").await;
    assert!(!page.contains("13800000001"), "turned off for managers");
}

/// Fault: nudges were accepted for any day (0001-01-01, 9999-12-31), 198 in 0.2 s each
/// @mentioning the rep. Now only for a period that has begun and in which the member was one,
/// at most once an hour per report and `NUDGES_PER_DAY` a day in all.
async fn nudges_are_bounded_to_periods_the_member_was_in(server: Server) {
    let (mgr, _) = server.user("王经理", "manager", None);
    // A member for a week.
    let week_ago = fieldreport_server::now_ms() - 7 * 86_400_000;
    let (rep, _) = server.admin.add_member_since("张三", "rep", Some(&mgr), None, Some(week_ago)).unwrap();
    let rep = rep.id;
    let boss = server.admin.user(&mgr).unwrap().unwrap();
    let cal = server.admin.config().unwrap().calendar().unwrap();
    let today = cal.local_date(fieldreport_server::now_ms());
    for (period, why) in [("0001-01-01", "joined"), ("9999-12-31", "not due yet"), ("2020-06-01", "joined")] {
        let e = server.admin.nudge(&boss, &rep, "daily", period).unwrap_err();
        assert!(e.to_string().contains(why), "{period}: {e}");
        assert!(e.is_bad_input());
    }
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    assert!(server.admin.nudge(&boss, &rep, "daily", &tomorrow).is_err(), "tomorrow's daily is not due");
    server.admin.nudge(&boss, &rep, "daily", &today.to_string()).unwrap();
    let again = server.admin.nudge(&boss, &rep, "daily", &today.to_string()).unwrap_err();
    assert!(again.to_string().contains("less than an hour ago"), "{again}");
    // Another report of the member's time is nudged on its own.
    server.admin.nudge(&boss, &rep, "weekly", &today.to_string()).unwrap();

    // A member of two months: past dailies may be nudged, ten a day in all.
    let (old, _) = server.user("老李", "rep", Some(&mgr));
    let joined = fieldreport_server::now_ms() - 60 * 86_400_000;
    let id = old.clone();
    server
        .admin
        .store()
        .write(move |db| {
            db.exec("UPDATE users SET created_at = ?1 WHERE id = ?2", fieldreport_server::p![joined, id.as_str()])?;
            Ok(())
        })
        .unwrap();
    let day = |n: u64| (today - chrono::Days::new(n)).to_string();
    for n in 1..=fieldreport_server::service::NUDGES_PER_DAY as u64 {
        server.admin.nudge(&boss, &old, "daily", &day(n)).unwrap();
    }
    let e = server.admin.nudge(&boss, &old, "daily", &day(30)).unwrap_err();
    assert!(e.to_string().contains("the most"), "{e}");
}

/// Fault: changes the server could not apply (Automerge held them back for lack of what they
/// build on) were acknowledged and dropped. Now they are refused as `missing_dependencies`, and
/// the device sends the whole document in the same run: nothing is lost.
async fn changes_that_cannot_be_applied_are_refused_never_acknowledged(server: Server) {
    use fieldreport_core::codes::RefusalCode;
    use fieldreport_core::doc::{CustomerEdit, Kind};
    use fieldreport_core::sync::wire::PushResult;
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let c = rep.customer("华为");
    rep.sync().await;
    let on_server = rep.store.heads(&c).unwrap();
    let edit = |name: &str| CustomerEdit { name: Some(name.into()), ..Default::default() };
    rep.store.edit_customer(&c, edit("华为技术")).unwrap();
    let middle = rep.store.heads(&c).unwrap();
    rep.store.edit_customer(&c, edit("华为技术有限公司")).unwrap();
    // The last change alone, over heads the server has: it builds on one the server lacks.
    let last = rep.store.changes_since(&c, &middle).unwrap();
    let push = Push { id: c.clone(), kind: Kind::Customer, heads: on_server, changes: last };
    let (status, resp, err) =
        raw_sync(&server.url, &token(&rep.store), &SyncRequest { pushes: vec![push], ..Default::default() }).await;
    assert_eq!(status, 200, "{err}");
    match &resp.unwrap().results[0] {
        PushResult::Rejected { reason, .. } => assert_eq!(reason.code, RefusalCode::MissingDependencies),
        other => panic!("acknowledged: {other:?}"),
    }
    // The device believes the server has the middle edit (as after a server restored from an
    // older backup): it pushes the last change alone, is told what is missing, and sends the
    // whole document in the same run.
    let stale = Push { id: c.clone(), kind: Kind::Customer, heads: middle.clone(), changes: vec![] };
    let cursor = rep.store.sync_state().unwrap().cursor;
    let page = fieldreport_core::sync::wire::SyncResponse {
        results: vec![PushResult::Accepted { id: c.clone(), heads: middle }],
        cursor,
        ..Default::default()
    };
    rep.store.commit_sync_page(&[stale], &page).unwrap();
    let s = rep.sync().await;
    assert!(s.rejected.is_empty(), "{s:?}");
    assert_eq!(s.pushed, 1, "counted once: {s:?}");
    let stored = server.admin.store().read(|db| Ok(db.doc(&c)?)).unwrap().unwrap();
    let doc = fieldreport_core::doc::Doc::load_trusted(&stored.bytes).unwrap();
    match fieldreport_core::doc::Record::read(&doc).unwrap() {
        fieldreport_core::doc::Record::Customer(cust) => assert_eq!(cust.name, "华为技术有限公司"),
        other => panic!("{other:?}"),
    }
}

/// A flood of phone sign-ins (`GET /login`, each a new code written) is cut to a bounded rate:
/// a burst goes through, the rest are told to try again, and the server keeps serving.
#[tokio::test]
async fn a_sign_in_flood_is_held_to_a_rate() {
    let server = Server::start().await;
    fieldreport_core::sync::http_client().unwrap(); // installs the TLS provider
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let (mut started, mut busy) = (0, 0);
    for _ in 0..200 {
        match http.get(format!("{}/login", server.url)).send().await.unwrap().status().as_u16() {
            200 => started += 1,
            429 => busy += 1,
            other => panic!("{other}"),
        }
    }
    assert!(busy > 0 && (50..200).contains(&started), "{started} started, {busy} told to wait");
    let health = http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}
