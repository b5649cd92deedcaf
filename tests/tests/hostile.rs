//! The server as an attacker with a valid device token, and a failing disk, would try it: each
//! fault found in the review (the hostile-devices issue) and the behaviour that replaces it.

mod support;

use fieldreport_core::codes::RefusalCode;
use fieldreport_core::doc::{Comment, Doc, Kind, NewContract, Report, ReportKind};
use fieldreport_core::money::Money;
use fieldreport_core::report::Lang;
use fieldreport_core::sync::wire::{Push, PushResult, SyncRequest};
use fieldreport_core::Store;
use support::*;

fn push_of(s: &Store, id: &str, kind: Kind, since: &[fieldreport_core::sync::wire::ChangeHash]) -> Push {
    Push { id: id.into(), kind, heads: s.heads(id).unwrap(), changes: s.changes_since(id, since).unwrap() }
}

fn request(pushes: Vec<Push>) -> SyncRequest {
    SyncRequest { cursor: 0, max_bytes: 1 << 20, pushes, ..Default::default() }
}

/// The one verdict of a request of one push.
async fn verdict(server: &Server, token: &str, p: Push) -> PushResult {
    let (status, resp, err) = raw_sync(&server.url, token, &request(vec![p])).await;
    assert_eq!(status, 200, "{err}");
    resp.unwrap().results.into_iter().next().unwrap()
}

fn refused_with(r: &PushResult, code: RefusalCode) {
    match r {
        PushResult::Rejected { reason, .. } => assert_eq!(reason.code, code, "{reason}"),
        other => panic!("expected {code}, got {other:?}"),
    }
}

/// A comment a push adds names the pusher: on a new report, on one's own draft, on a submitted
/// report; a tampered device that rewrote its user id to the manager's is refused each time.
#[tokio::test]
async fn a_forged_comment_author_is_refused_whatever_the_state() {
    let server = Server::start().await;
    let (mgr, _) = server.user("李经理", "manager", None);
    let (_, code) = server.user("张三", "rep", Some(&mgr));
    let mut rep = Device::enroll(&server.url, &code).await;
    let token = token(&rep.store);
    let actor = rep.store.identity().unwrap().actor;
    let forged = |doc: &mut Doc| {
        doc.set_actor(&automerge::ActorId::try_from(actor.as_str()).unwrap());
        let c = Comment {
            id: uuid::Uuid::now_v7().to_string(),
            author: mgr.clone(),
            at: 1,
            text: "同意".into(),
            ..Default::default()
        };
        Report::add_comment(doc, &c).unwrap();
        doc.commit(2);
    };
    // A new report carrying the manager's comment.
    let r = rep.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    let mut doc = rep.store.document(&r).unwrap();
    forged(&mut doc);
    let p = Push { id: r.clone(), kind: Kind::Report, heads: doc.heads(), changes: doc.save_after(&[]) };
    refused_with(&verdict(&server, &token, p).await, RefusalCode::CommentAuthor);
    // The same draft once on the server.
    rep.sync().await;
    let before = rep.store.heads(&r).unwrap();
    let mut doc = rep.store.document(&r).unwrap();
    forged(&mut doc);
    let p = Push { id: r.clone(), kind: Kind::Report, heads: doc.heads(), changes: doc.save_after(&before) };
    refused_with(&verdict(&server, &token, p).await, RefusalCode::CommentAuthor);
    // Submitted.
    rep.store.submit_report(&r, std::slice::from_ref(&mgr), &[]).unwrap();
    rep.sync().await;
    let before = rep.store.heads(&r).unwrap();
    let mut doc = rep.store.document(&r).unwrap();
    forged(&mut doc);
    let p = Push { id: r.clone(), kind: Kind::Report, heads: doc.heads(), changes: doc.save_after(&before) };
    refused_with(&verdict(&server, &token, p).await, RefusalCode::CommentAuthor);
    // Their own comment is fine.
    rep.store.comment_report(&r, "补充：客户下周回复").unwrap();
    assert!(rep.sync().await.rejected.is_empty());
}

/// Bytes that make Automerge panic are answered 400 `malformed_document`; the server keeps
/// serving; nothing of such a request is merged.
#[tokio::test]
async fn crafted_automerge_data_is_malformed_and_the_server_keeps_serving() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let token = token(&rep.store);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz-crashers/automerge");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let c = rep.customer("正常客户");
        let honest = push_of(&rep.store, &c, Kind::Customer, &[]);
        let id = uuid::Uuid::now_v7().to_string();
        let crafted = Push { id, kind: Kind::Customer, heads: Vec::new(), changes: bytes };
        let (status, _, err) = raw_sync(&server.url, &token, &request(vec![honest, crafted])).await;
        assert_eq!((status, err["code"].as_str()), (400, Some("malformed_document")), "{}", path.display());
        n += 1;
    }
    assert!(n >= 10);
    let stats = rep.sync().await;
    assert_eq!(stats.pushed as usize, n, "the honest documents of the refused requests sync afterwards");
    let (status, body) = (reqwest_get(&format!("{}/healthz", server.url)).await, ());
    assert_eq!((status, body), (200, ()));
}

async fn reqwest_get(url: &str) -> u16 {
    fieldreport_core::sync::http_client().unwrap().get(url).send().await.unwrap().status().as_u16()
}

/// Change bytes that are not Automerge at all, with empty heads, are refused (they were
/// acknowledged as a no-op).
#[tokio::test]
async fn garbage_is_refused_not_acknowledged() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let rep = Device::enroll(&server.url, &code).await;
    let token = token(&rep.store);
    // A chunk header with a valid checksum over a body that is not a change.
    let body = b"not an automerge change at all".to_vec();
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    sha2::Digest::update(&mut hasher, [1u8, body.len() as u8]);
    sha2::Digest::update(&mut hasher, &body);
    let hash: [u8; 32] = sha2::Digest::finalize(hasher).into();
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83];
    chunk.extend_from_slice(&hash[..4]);
    chunk.push(1);
    chunk.push(body.len() as u8);
    chunk.extend_from_slice(&body);
    for changes in [chunk, b"garbage".to_vec()] {
        let p = Push { id: uuid::Uuid::now_v7().to_string(), kind: Kind::Customer, heads: Vec::new(), changes };
        let (status, _, err) = raw_sync(&server.url, &token, &request(vec![p])).await;
        assert_eq!((status, err["code"].as_str()), (400, Some("malformed_document")), "{err}");
    }
}

/// A push for a document the device may not see answers exactly as for one that does not
/// exist: it reveals neither its existence, its kind, its owner nor its heads; and it changes
/// nothing.
#[tokio::test]
async fn pushes_for_invisible_documents_answer_as_for_none() {
    let server = Server::start().await;
    let (_, a_code) = server.user("A", "rep", None);
    let (_, b_code) = server.user("B", "rep", None);
    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    let secret = a.customer("A 的客户");
    a.sync().await;
    b.sync().await;
    let b_token = token(&b.store);
    let b_actor = b.store.identity().unwrap().actor;
    let nobody = uuid::Uuid::now_v7().to_string();

    // B's edit on top of A's document (obtained out of band): its changes depend on A's.
    let mut stolen = a.store.document(&secret).unwrap();
    let base = stolen.heads();
    stolen.set_actor(&automerge::ActorId::try_from(b_actor.as_str()).unwrap());
    stolen.set_deleted(true).unwrap();
    stolen.commit(5);
    let edit = stolen.save_after(&base);
    for kind in [Kind::Customer, Kind::Deal] {
        let on_secret =
            verdict(&server, &b_token, Push { id: secret.clone(), kind, heads: stolen.heads(), changes: edit.clone() })
                .await;
        let on_nobody =
            verdict(&server, &b_token, Push { id: nobody.clone(), kind, heads: stolen.heads(), changes: edit.clone() })
                .await;
        let reason = |r: &PushResult| match r {
            PushResult::Rejected { reason, .. } => reason.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(&on_secret), reason(&on_nobody), "as {kind}: the same answer as for no document");
        assert_eq!(reason(&on_secret).code, RefusalCode::MissingDependencies, "{}", reason(&on_secret));
    }
    // B's own new document under A's id is answered as a new document would be, and kept nowhere.
    let team = b.store.identity().unwrap().team_id;
    let new_customer = |id: &str| {
        use automerge::transaction::Transactable;
        let mut am = automerge::AutoCommit::new();
        am.set_actor(automerge::ActorId::try_from(b_actor.as_str()).unwrap());
        for (k, v) in
            [("kind", "customer"), ("id", id), ("team", team.as_str()), ("owner", b.user.as_str()), ("name", "B 的")]
        {
            am.put(automerge::ROOT, k, v).unwrap();
        }
        am.put(automerge::ROOT, "created_at", 1i64).unwrap();
        am.put(automerge::ROOT, "schema", 1i64).unwrap();
        am.put(automerge::ROOT, "deleted", false).unwrap();
        am.commit();
        Push { id: id.into(), kind: Kind::Customer, heads: am.get_heads(), changes: am.save_after(&[]) }
    };
    let on_secret = verdict(&server, &b_token, new_customer(&secret)).await;
    let on_nobody = verdict(&server, &b_token, new_customer(&nobody)).await;
    assert!(matches!(on_secret, PushResult::Accepted { .. }), "{on_secret:?}");
    assert!(matches!(on_nobody, PushResult::Accepted { .. }), "{on_nobody:?}");
    a.sync().await;
    assert_eq!(a.store.list_customers(None).unwrap().len(), 1);
    assert_eq!(a.store.list_customers(None).unwrap()[0].name, "A 的客户", "A's document is untouched");
    assert!(b.store.record(&secret).is_err(), "B never received it");
}

/// One stored document's bytes damaged: everyone else's sync goes on without it, devices are
/// told it is unavailable, `doctor` lists it, and its owner's next sync heals it.
#[tokio::test]
async fn a_damaged_stored_document_is_quarantined_and_healed_from_its_owner() {
    let mut server = Server::start().await;
    let (mgr, mgr_code) = server.user("李经理", "manager", None);
    let (_, code) = server.user("张三", "rep", Some(&mgr));
    let mut rep = Device::enroll(&server.url, &code).await;
    let damaged = rep.customer("会损坏的客户");
    let fine = rep.customer("正常客户");
    rep.sync().await;
    // The disk flips bytes in the middle of one stored document; the server restarts (nothing
    // in memory hides the damage).
    {
        let db = rusqlite::Connection::open(server.dir.path().join("fieldreport-server.db")).unwrap();
        let bytes: Vec<u8> = db.query_row("SELECT bytes FROM docs WHERE id = ?1", [&damaged], |r| r.get(0)).unwrap();
        let mut broken = bytes.clone();
        for b in broken.iter_mut().skip(20).take(30) {
            *b ^= 0x5a;
        }
        db.execute("UPDATE docs SET bytes = ?2 WHERE id = ?1", rusqlite::params![damaged, broken]).unwrap();
    }
    server.restart().await;

    let mut boss = Device::enroll(&server.url, &mgr_code).await;
    let stats = boss.sync().await;
    assert!(boss.store.record(&fine).is_ok(), "the feed goes on without the damaged document");
    assert!(boss.store.record(&damaged).is_err());
    assert_eq!(stats.unavailable, vec![damaged.clone()], "the device is told it is unavailable");
    let listed = server.admin.doctor(false, &|_| {}).unwrap();
    assert_eq!(listed.iter().map(|q| q.doc_id.as_str()).collect::<Vec<_>>(), vec![damaged.as_str()]);

    // The owner's device is asked for it whole, and the server heals itself from it.
    let healing = rep.sync().await;
    assert!(healing.rejected.is_empty(), "{:?}", healing.rejected);
    assert!(server.admin.doctor(false, &|_| {}).unwrap().is_empty(), "healed");
    boss.sync().await;
    assert_eq!(boss.store.list_customers(None).unwrap().len(), 2, "the healed document arrives");
    assert!(boss.store.set_aside_documents().unwrap().is_empty(), "no longer unavailable on the device");
}

/// Amounts are bounded where they enter, and sums never overflow.
#[tokio::test]
async fn money_is_bounded_and_summed_without_overflow() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let c = rep.customer("大客户");
    let huge = Money::parse("92233720368547758.07", "CNY");
    assert!(huge.is_err(), "the CLI's and the app's parse refuse it");
    let max = Money { minor: fieldreport_core::money::MAX_MINOR, currency: "CNY".into() };
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    for _ in 0..2 {
        rep.store
            .add_contract(NewContract {
                customer_id: c.clone(),
                deal_id: None,
                title: None,
                amount: max.clone(),
                signed_on: on,
            })
            .unwrap();
    }
    let defs = rep.store.kpi_definitions_for(&["new_contract_amount".into()]).unwrap();
    let view = rep.store.kpi_view("2026-11-01..2026-11-30", &defs).unwrap();
    assert_eq!(view.rows[0].value, 2.0 * fieldreport_core::money::MAX_MINOR as f64, "summed without overflow");
    assert!(rep.sync().await.rejected.is_empty());

    // A forged contract past the bound is refused by the server.
    let actor = rep.store.identity().unwrap().actor;
    let id = rep
        .store
        .add_contract(NewContract { customer_id: c, deal_id: None, title: None, amount: max, signed_on: on })
        .unwrap()
        .header
        .id;
    let mut am = automerge::AutoCommit::load(&rep.store.document(&id).unwrap().save()).unwrap();
    am.set_actor(automerge::ActorId::try_from(actor.as_str()).unwrap());
    automerge::transaction::Transactable::put(&mut am, automerge::ROOT, "amount_minor", i64::MAX).unwrap();
    am.commit();
    let p = Push { id: id.clone(), kind: Kind::Contract, heads: am.get_heads(), changes: am.save_after(&[]) };
    refused_with(&verdict(&server, &token(&rep.store), p).await, RefusalCode::InvalidRecord);
}

/// Every custom range has a maximum length, and list answers come in pages.
#[tokio::test]
async fn unbounded_ranges_are_refused_and_lists_come_in_pages() {
    let server = Server::start().await;
    let admin = Device::enroll(&server.url, &server.admin_code).await;
    for i in 0..60 {
        server.user(&format!("销售 {i:02}"), "rep", None);
    }
    let http = fieldreport_core::sync::http_client().unwrap();
    let get = |path: String| {
        let http = http.clone();
        let token = token(&admin.store);
        let url = format!("{}{path}", server.url);
        async move { http.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let resp = get("/v1/submissions?period=0001-01-01..9999-12-31".into()).await;
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("at most 366 days"), "{body}");
    for path in ["/v1/kpi?period=0001-01-01..9999-12-31", "/v1/alerts?period=a&period=b"] {
        let resp = get(path.into()).await;
        assert_eq!(resp.status().as_u16(), 400, "{path}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "malformed", "{path}: {body}");
    }
    // Pages: follow the Link header until it ends; every member once.
    let mut seen = std::collections::BTreeSet::new();
    let mut next = Some("/v1/submissions?period=this-week&limit=25".to_string());
    let mut pages = 0;
    while let Some(path) = next.take() {
        let resp = get(path).await;
        assert_eq!(resp.status().as_u16(), 200);
        next = resp.headers().get("link").map(|l| {
            let l = l.to_str().unwrap();
            l[l.find('<').unwrap() + 1..l.find('>').unwrap()].to_string()
        });
        let page: Vec<serde_json::Value> = resp.json().await.unwrap();
        assert!(page.len() <= 25);
        for m in page {
            assert!(seen.insert(m["user_id"].as_str().unwrap().to_string()), "a member came twice");
        }
        pages += 1;
    }
    assert_eq!((seen.len(), pages), (60, 3));
    let resp = get("/v1/kpi?period=this-week&limit=10".into()).await;
    assert!(resp.headers().get("link").is_some());
    let snap: serde_json::Value = resp.json().await.unwrap();
    let members: std::collections::BTreeSet<&str> =
        snap["rows"].as_array().unwrap().iter().filter_map(|r| r["user_id"].as_str()).collect();
    assert_eq!(members.len(), 10);
    assert!(snap["rows"].as_array().unwrap().iter().any(|r| r["user_id"].is_null()), "the team's rows on each page");
}

/// The framework's own refusals come in the documented formats: JSON under /v1, a page on the
/// dashboard; pages forbid framing and caching.
#[tokio::test]
async fn refusals_come_in_the_documented_format() {
    let server = Server::start().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let base = &server.url;
    let resp = http.get(format!("{base}/v1/nothing")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], "not_found");
    let resp = http.get(format!("{base}/v1/sync")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], "method_not_allowed");
    let resp = http.get(format!("{base}/nothing-here")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let framing = r.headers().get("x-frame-options").map(|v| v.to_str().unwrap().to_string());
        let cache = r.headers().get("cache-control").map(|v| v.to_str().unwrap().to_string());
        let html = r.headers()["content-type"].to_str().unwrap().starts_with("text/html");
        (status, framing, cache, html)
    };
    let origin = |r: reqwest::RequestBuilder| r.header("origin", base.as_str());
    // A form without its fields (was 422 in plain text), an oversized form (413), no form (415).
    let r = origin(http.post(format!("{base}/reports/x/comments")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("text=hello")
        .send()
        .await
        .unwrap();
    assert_eq!(page(r).await, (400, Some("DENY".into()), Some("no-store".into()), true));
    let r = origin(http.post(format!("{base}/logout")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}", "x".repeat(200_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(page(r).await.0, 413);
    let r = origin(http.post(format!("{base}/logout"))).body("csrf=x").send().await.unwrap();
    assert_eq!(page(r).await.0, 415);
    let r = http.get(format!("{base}/kpi?lang=en&lang=zh")).send().await.unwrap();
    let (status, _, _, html) = page(r).await;
    assert!(html && status == 400, "a duplicate query parameter: {status}");
    let r = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page(r).await, (401, Some("DENY".into()), Some("no-store".into()), true));
}
