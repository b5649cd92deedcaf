//! The permission matrix: every route the router registers (`router::served`, made by the same
//! calls that make the router), for every kind of viewer — admin, the author, the author's
//! manager, another manager, a peer, a deactivated member — against reports addressed or not,
//! drafts and submitted, and a visit, each with a photo of its own. Whatever a route hands out
//! is held to the one policy function (`policy::visibility::may_see`); a route without a row
//! here fails the test. Run on SQLite and on PostgreSQL.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use fieldreport_core::doc::{Kind, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_server::model::User;
use fieldreport_server::policy::visibility::{may_see, DocMeta};
use fieldreport_server::service::UserEdit;
use fieldreport_server::testing::photo;
use support::*;

/// Something a route may hand out: a document, with its photo's hash and a word of its text.
struct Res {
    kind: Kind,
    id: String,
    owner: String,
    recipients: Vec<String>,
    hash: String,
    marker: &'static str,
}

/// One viewer: the server's record of them, their phone and their browser.
struct Viewer {
    user: User,
    device: Device,
    browser: Browser,
}

/// The form token of a page, or none (a page the viewer may not see has no form).
fn csrf_in(page: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    page.find(key).map(|at| page[at + key.len()..].split('"').next().unwrap_or("").to_string()).unwrap_or_default()
}

async fn call(url: &str, token: &str, method: reqwest::Method, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let resp = fieldreport_core::sync::http_client()
        .unwrap()
        .request(method, format!("{url}{path}"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

async fn matrix(server: Server) {
    let (mgr, m_code) = server.user("王经理", "manager", None);
    let (mgr2, m2_code) = server.user("赵经理", "manager", None);
    let (rep, r_code) = server.user("张三", "rep", Some(&mgr));
    let (_peer, p_code) = server.user("李四", "rep", Some(&mgr2));
    let (gone, g_code) = server.user("王五", "rep", Some(&mgr));
    let codes = [server.admin_code.clone(), m_code, m2_code, r_code, p_code, g_code];
    let mut viewers = Vec::new();
    for code in codes {
        let mut device = Device::enroll(&server.url, &code).await;
        device.sync().await;
        let user = server.admin.user(&device.user).unwrap().unwrap();
        let browser = Browser::sign_in(&server.url, &server, &user.id).await;
        viewers.push(Viewer { user, device, browser });
    }
    server.admin.edit_user(&gone, UserEdit { active: Some(false), ..Default::default() }).unwrap();

    // The author's records: a visit, a draft, a report to the manager, one to the other manager.
    let author = viewers.iter().position(|v| v.user.id == rep).unwrap();
    let mut resources = Vec::new();
    {
        let d = &mut viewers[author].device;
        let c = d.customer("华为");
        let visit = d.visit(&c, "拜访记录甲");
        let f = d.store.attach_bytes(Kind::Followup, &visit, &photo(40, 30, 1), "门头.png", None).unwrap();
        resources.push(Res {
            kind: Kind::Followup,
            id: visit,
            owner: rep.clone(),
            recipients: vec![],
            hash: f.hash,
            marker: "拜访记录甲",
        });
        let today = d.store.calendar().unwrap().local_date(d.store.now_ms());
        for (n, (to, marker)) in
            [(None, "草稿乙"), (Some(&mgr), "给经理丙"), (Some(&mgr2), "给别人丁")].into_iter().enumerate()
        {
            let day = today - chrono::Days::new(n as u64);
            let r = d.store.open_report(ReportKind::Daily, Some(day), Lang::ZhCn, None).unwrap().header.id;
            d.store.set_report_text(&r, "done", marker).unwrap();
            let f = d.store.attach_bytes(Kind::Report, &r, &photo(30, 20, 2 + n as u32), "图.png", None).unwrap();
            if let Some(to) = to {
                d.store.submit_report(&r, std::slice::from_ref(to), &[]).unwrap();
            }
            resources.push(Res {
                kind: Kind::Report,
                id: r,
                owner: rep.clone(),
                recipients: to.into_iter().cloned().collect(),
                hash: f.hash,
                marker,
            });
        }
        d.sync().await;
    }
    for v in viewers.iter_mut() {
        let _ = v.device.try_sync(&Default::default()).await; // the deactivated member's fails
    }
    let users: HashMap<String, User> = server.admin.users().unwrap().into_iter().map(|u| (u.id.clone(), u)).collect();
    // Who is below whom, by the rule itself (not the server's copy of it).
    let people: Vec<fieldreport_core::team::Person> = users
        .values()
        .map(|u| fieldreport_core::team::Person {
            id: &u.id,
            manager_id: u.manager_id.as_deref(),
            dept_id: u.dept_id.as_deref(),
        })
        .collect();
    let tree = fieldreport_core::team::DeptTree::new(&server.admin.departments().unwrap());
    let below: std::collections::HashSet<(String, String)> =
        fieldreport_core::team::below_pairs(&people, &tree).into_iter().collect();
    // The one rule: an active member sees what `may_see` says.
    let may = |v: &Viewer, r: &Res| {
        let under = |o: &str| below.contains(&(v.user.id.clone(), o.to_string()));
        v.user.active && may_see(&v.user, DocMeta { kind: r.kind, owner: &r.owner, recipients: &r.recipients }, &under)
    };
    let viewers: Vec<Viewer> = viewers
        .into_iter()
        .map(|mut v| {
            v.user.active = users[&v.user.id].active;
            v
        })
        .collect();

    let state = Arc::new(fieldreport_server::state::AppState {
        service: Arc::new(fieldreport_server::Service::open(&server_location(&server)).unwrap()),
        limits: fieldreport_server::Limits::default(),
    });
    let served: BTreeSet<(String, String)> = fieldreport_server::router::served(&state)
        .into_iter()
        .map(|s| (s.method.to_string(), s.pattern.to_string()))
        .collect();
    let mut covered: BTreeSet<(String, String)> = BTreeSet::new();
    let mut row = |method: &str, pattern: &str| {
        covered.insert((method.to_string(), pattern.to_string()));
    };
    let url = server.url.clone();
    let today = server.admin.config().unwrap().calendar().unwrap().local_date(fieldreport_server::now_ms());
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    for v in &viewers {
        let token = token(&v.device.store);
        let who = &v.user.name;
        for r in &resources {
            let may = may(v, r);
            let what = format!("{who} and {:?} {}", r.kind, r.marker);
            // The device API: the feed, file reads, read receipts, what is missing.
            let held = v.device.store.document(&r.id).is_ok();
            assert_eq!(held, may, "sync feed: {what}");
            let (status, _) = call(&url, &token, post.clone(), &format!("/v1/blobs/{}/read", r.hash), vec![]).await;
            assert_eq!(status == 200, may, "file read: {what} ({status})");
            let ask = serde_json::json!({ "hashes": [r.hash] }).to_string().into_bytes();
            let (status, body) = call(&url, &token, post.clone(), "/v1/blobs/missing", ask).await;
            if v.user.active {
                let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let told = answer["missing"].as_array().unwrap().iter().any(|m| m["hash"] == r.hash.as_str());
                assert_eq!(told, v.user.id != r.owner, "missing: {what} says nothing of others' files ({answer})");
            } else {
                assert_eq!(status, 401, "{what}");
            }
            let offset = format!("/v1/blobs/{}?offset=0&size=10", r.hash);
            let (status, _) = call(&url, &token, post.clone(), &offset, vec![0; 10]).await;
            assert!(status != 200 || v.user.id == r.owner, "upload: {what} ({status})");
            if r.kind == Kind::Report {
                let body = serde_json::json!({ "reports": [r.id] }).to_string().into_bytes();
                let (status, answer) = call(&url, &token, post.clone(), "/v1/reads", body).await;
                let recorded = serde_json::from_slice::<serde_json::Value>(&answer).ok().map(|a| a["recorded"].clone());
                assert!(
                    status == 401 && !v.user.active || recorded.as_ref().and_then(|n| n.as_u64()) == Some(0) || may,
                    "a read receipt: {what} ({status} {recorded:?})"
                );
            }

            // The dashboard: the report's page, its comments, files and thumbnails.
            if r.kind == Kind::Report {
                let (status, page) = v.browser.get(&format!("/reports/{}", r.id)).await;
                assert_eq!(status == 200 && page.contains(r.marker), may, "report page: {what} ({status})");
                let form = [("csrf", csrf_in(&page)), ("text", "看过".to_string())];
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let status = v.browser.post(&format!("/reports/{}/comments", r.id), &form).await;
                assert!(status >= 400 || may, "comment: {what} ({status})");
            }
            // Files: through a link signed for the record (as its page gives it), and never by
            // the bare hash.
            let signed = server.admin.sign_file_link(&r.hash, &r.id).unwrap();
            for (path, part) in
                [(format!("/attachments/{}", r.hash), "file"), (format!("/attachments/{}/thumb", r.hash), "thumbnail")]
            {
                let (status, _, _) = v.browser.get_bytes(&format!("{path}?{signed}")).await;
                assert_eq!(status == 200, may, "{part} on the dashboard: {what} ({status})");
                let bare = v.browser.get_bytes(&path).await.0;
                assert!(bare == 404 || bare == 401 && !v.user.active, "{part} by its bare hash: {what} ({bare})");
            }
            let what_export = if r.kind == Kind::Report { "reports" } else { "visits" };
            let range = format!("from={}&to={}", today - chrono::Days::new(7), today);
            let (status, _, csv) = v.browser.get_bytes(&format!("/export?what={what_export}&{range}&format=csv")).await;
            let listed = status == 200 && String::from_utf8_lossy(&csv).contains(r.marker);
            // An export covers the viewer's team (their reps, or themself): within it, exactly
            // what the rule allows; outside it, nothing.
            let team = v.user.role.as_str() == "admin"
                || v.user.id == r.owner
                || below.contains(&(v.user.id.clone(), r.owner.clone()));
            assert!(!listed || may, "export: {what} lists what the rule forbids");
            if team {
                assert_eq!(listed, may, "export: {what} ({status})");
            }
            let (status, inbox) = v.browser.get("/").await;
            assert!(!(status == 200 && inbox.contains(r.marker)) || may, "inbox: {what}");
        }

        // Figures, nudges: a member's figures to them, their manager and an admin.
        let in_scope = v.user.active && (v.user.role.as_str() == "admin" || v.user.id == rep || v.user.id == mgr);
        for path in ["/v1/kpi", "/v1/alerts", "/v1/submissions"] {
            let (status, _) = call(&url, &token, get.clone(), &format!("{path}?user={rep}"), vec![]).await;
            assert_eq!(status == 200, in_scope, "{path} of the author for {who} ({status})");
        }
        let (status, kpi) = v.browser.get("/kpi").await;
        assert_eq!(status == 200, v.user.active, "the KPI page for {who}");
        let may_nudge = in_scope && v.user.id != rep;
        let body = serde_json::json!({"user": rep, "kind": "weekly", "period": "this-week"}).to_string().into_bytes();
        let (status, _) = call(&url, &token, post.clone(), "/v1/nudges", body).await;
        assert_eq!(matches!(status, 200 | 429), may_nudge, "nudge from a device by {who} ({status})");
        let csrf = csrf_in(&kpi);
        let form = [("csrf", csrf.as_str()), ("user", rep.as_str()), ("kind", "monthly"), ("period", "this-month")];
        let status = v.browser.post("/nudges", &form).await;
        assert_eq!(status == 303 || status == 429, may_nudge, "nudge on the dashboard by {who} ({status})");
    }
    for p in ["/v1/sync", "/v1/blobs/missing", "/v1/blobs/{hash}", "/v1/blobs/{hash}/read", "/v1/reads", "/v1/nudges"] {
        row("POST", p);
    }
    for p in
        ["/v1/kpi", "/v1/alerts", "/v1/submissions", "/", "/kpi", "/export", "/reports/{id}", "/attachments/{hash}"]
    {
        row("GET", p);
    }
    row("GET", "/attachments/{hash}/thumb");
    row("POST", "/reports/{id}/comments");
    row("POST", "/nudges");

    // Routes that hand out nothing of a document: open ones, and those of a device's own token.
    for (method, path, status) in [("GET", "/healthz", 200), ("GET", "/metrics", 200), ("GET", "/login", 200)] {
        let resp = fieldreport_core::sync::http_client().unwrap().get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        row(method, path);
    }
    let open = fieldreport_core::sync::http_client().unwrap();
    let resp =
        open.post(format!("{url}/v1/enroll")).body("{\"code\":\"nope\",\"actor\":\"0011\"}").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403, "an enrollment code or nothing");
    row("POST", "/v1/enroll");
    for path in ["/v1/web-login", "/v1/sign-out"] {
        let resp = open.post(format!("{url}{path}")).body("{}").send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 401, "{path} needs a device");
        row("POST", path);
    }
    let resp = open.get(format!("{url}/login/nope")).send().await.unwrap();
    assert!(!resp.text().await.unwrap().contains("csrf\" value=\"\""), "a link page names no one");
    row("GET", "/login/{token}");
    let resp = open.post(format!("{url}/login/nope")).header("origin", &url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403, "an unknown link signs no one in");
    row("POST", "/login/{token}");
    let resp = open.post(format!("{url}/logout")).header("origin", &url).send().await.unwrap();
    assert!(resp.status().as_u16() < 500);
    row("POST", "/logout");

    let missing: Vec<_> = served.difference(&covered).collect();
    assert!(missing.is_empty(), "routes without a row in the permission matrix: {missing:?}");
}

fn server_location(server: &Server) -> fieldreport_server::Location {
    server.location.clone()
}

#[tokio::test]
async fn every_route_answers_by_the_one_read_rule_on_sqlite() {
    matrix(Server::start().await).await;
}

#[tokio::test]
async fn every_route_answers_by_the_one_read_rule_on_postgresql() {
    matrix(Server::start_postgres().await).await;
}
