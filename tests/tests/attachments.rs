//! Photos on visits and reports, end to end: attached offline on a rep's phone, sent after the
//! documents (never holding them up), downloaded on demand by the manager's phone and shown by
//! the dashboard; stored and sent once however often attached; an upload cut midway resumes with
//! the rest only; only readers of a referencing record may fetch a file; and every bad upload is
//! refused without anything half-written ever being served.

mod support;

use std::sync::Arc;

use fieldreport_core::doc::{Kind, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_core::store::AttachmentState;
use fieldreport_core::sync::testing::CutAt;
use fieldreport_core::sync::{self, CancelToken, SyncOptions};
use fieldreport_core::Store;
use fieldreport_server::testing::photo;
use support::*;

async fn fetch(store: &mut Store, hash: &str) -> fieldreport_core::Result<()> {
    sync::fetch_file(store, hash, &SyncOptions::default(), None, &CancelToken::new()).await
}

/// A manager and two reps of theirs, each with a phone.
async fn team() -> (Server, String, [Device; 3]) {
    team_on(Server::start().await).await
}

/// [`team`] on `server`.
async fn team_on(server: Server) -> (Server, String, [Device; 3]) {
    let (mgr, m_code) = server.user("李经理", "manager", None);
    let (_, a_code) = server.user("张伟", "rep", Some(&mgr));
    let (_, b_code) = server.user("王芳", "rep", Some(&mgr));
    let devices = [
        Device::enroll(&server.url, &m_code).await,
        Device::enroll(&server.url, &a_code).await,
        Device::enroll(&server.url, &b_code).await,
    ];
    (server, mgr, devices)
}

#[tokio::test]
async fn a_photo_attached_offline_reaches_the_manager_and_the_dashboard() {
    let (server, mgr, [mut boss, mut a, _]) = team().await;
    a.sync().await;
    // Then offline on the rep's phone: a visit with its storefront photo, and a daily report with the
    // day's visits and a photo of the whiteboard.
    let c = a.customer("华为");
    let v = a.visit(&c, "拜访华为，拍了门头照");
    let storefront = a.store.attach_bytes(Kind::Followup, &v, &photo(64, 48, 1), "门头照.png", None).unwrap();
    let r = a.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    a.store.set_report_text(&r, "done", "拜访华为").unwrap();
    a.store.insert_followups(&r, None, None).unwrap();
    let board = a.store.attach_bytes(Kind::Report, &r, &photo(80, 60, 2), "白板.png", Some("done")).unwrap();
    a.store.submit_report(&r, &[], &[]).unwrap();
    assert_eq!(a.store.attachment_state(&storefront.hash).unwrap(), AttachmentState::Own { uploaded: false });

    // The documents go first (here, on a metered network, alone); readers see the photos as
    // uploading, never as an error.
    let docs_only = SyncOptions { upload_files: false, ..Default::default() };
    let s = a.try_sync(&docs_only).await.unwrap();
    assert_eq!((s.pushed > 0, s.files_uploaded, s.file_bytes_sent), (true, 0, 0));
    boss.sync().await;
    let listed = boss.store.list_attachments().unwrap();
    assert!(listed.iter().any(|f| f.hash == storefront.hash && f.state == AttachmentState::Missing), "{listed:?}");
    let err = fetch(&mut boss.store, &storefront.hash).await.unwrap_err();
    assert!(matches!(err, fieldreport_core::Error::NotFound { .. }), "{err}");
    let browser = Browser::sign_in(&server.url, &server, &mgr).await;
    let (status, page) = browser.get(&format!("/reports/{r}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("上传中"), "the dashboard shows the photos as uploading");

    // The next sync sends both photos.
    let s = a.sync().await;
    assert_eq!(s.files_uploaded, 2, "{s:?}");
    assert_eq!(s.file_bytes_sent, storefront.size + board.size);
    assert_eq!(a.store.attachment_state(&board.hash).unwrap(), AttachmentState::Own { uploaded: true });

    // The manager's phone downloads them on demand, byte for byte.
    for f in [&storefront, &board] {
        fetch(&mut boss.store, &f.hash).await.unwrap();
        assert_eq!(boss.store.attachment_state(&f.hash).unwrap(), AttachmentState::Downloaded);
        assert_eq!(boss.store.attachment_bytes(&f.hash).unwrap(), a.store.attachment_bytes(&f.hash).unwrap());
    }

    // The dashboard shows thumbnails on the report page (the visit's photo in its followup
    // block, the whiteboard in its section) and the whole image on click.
    let (_, page) = browser.get(&format!("/reports/{r}")).await;
    for f in [&storefront, &board] {
        let thumb_link =
            file_link_in(&page, &f.hash, true).unwrap_or_else(|| panic!("thumbnail of {} on the page", f.name));
        let (status, kind, thumb) = browser.get_bytes(&thumb_link).await;
        assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
        image::load_from_memory(&thumb).expect("a thumbnail is an image");
        let link = file_link_in(&page, &f.hash, false).unwrap();
        let (status, kind, whole) = browser.get_bytes(&link).await;
        assert_eq!((status, kind.as_str()), (200, "image/png"));
        assert_eq!(Some(whole), a.store.attachment_bytes(&f.hash).unwrap());
        // The signed link and nothing else: a bare hash, an altered or another file's signature.
        assert_eq!(browser.get_bytes(&format!("/attachments/{}", f.hash)).await.0, 404, "a bare hash");
        let altered = link.replace("sig=", "sig=0");
        assert_eq!(browser.get_bytes(&altered).await.0, 404, "an altered signature");
        let other = if f.hash == storefront.hash { &board.hash } else { &storefront.hash };
        let (_, sig) = link.split_once('?').unwrap();
        assert_eq!(browser.get_bytes(&format!("/attachments/{other}?{sig}")).await.0, 404, "another file's link");
    }
}

#[tokio::test]
async fn the_same_photo_attached_twice_is_stored_and_sent_once() {
    let (server, _, [_, mut a, _]) = team().await;
    let c = a.customer("华为");
    let bytes = photo(100, 100, 3);
    let first = a.visit(&c, "上午拜访");
    let second = a.visit(&c, "下午回访");
    let one = a.store.attach_bytes(Kind::Followup, &first, &bytes, "名片.png", None).unwrap();
    let two = a.store.attach_bytes(Kind::Followup, &second, &bytes, "名片.png", None).unwrap();
    assert_eq!(one.hash, two.hash);
    assert_eq!(a.store.list_attachments().unwrap().len(), 2, "two records show it");
    assert_eq!(a.store.unsent_attachments().unwrap().len(), 1, "one file is kept and waits to go");
    let s = a.sync().await;
    assert_eq!((s.files_uploaded, s.file_bytes_sent), (1, one.size));

    // The rep's tablet attaches the same photo again: the server has it, nothing is sent.
    let code = server.admin.enrollment_code(&a.user).unwrap();
    let mut tablet = Device::enroll(&server.url, &code).await;
    tablet.sync().await;
    let third = tablet.visit(&c, "晚上电话");
    tablet.store.attach_bytes(Kind::Followup, &third, &bytes, "名片.png", None).unwrap();
    let s = tablet.sync().await;
    assert_eq!((s.files_uploaded, s.file_bytes_sent), (0, 0), "{s:?}");
    assert!(s.files_waiting.is_none());
    assert_eq!(tablet.store.attachment_state(&one.hash).unwrap(), AttachmentState::Own { uploaded: true });

    let usage = server.admin.file_usage().unwrap();
    let mine = usage.members.iter().find(|m| m.user_id == a.user).unwrap();
    assert_eq!((mine.files, mine.bytes), (1, one.size as i64), "stored once");
}

#[tokio::test]
async fn an_upload_cut_at_half_resumes_and_sends_only_the_rest() {
    let (_server, _, [mut boss, mut a, _]) = team().await;
    let c = a.customer("华为");
    let v = a.visit(&c, "合同签字页");
    let bytes = photo(1000, 1000, 4);
    let f = a.store.attach_bytes(Kind::Followup, &v, &bytes, "合同.png", None).unwrap();
    assert!(f.size > 2 * sync::PIECE as u64, "several pieces: {}", f.size);

    let half = f.size / 2;
    let cut = Arc::new(CutAt::new(half));
    let opts = SyncOptions { transport: Some(cut.clone()), retries: 0, ..Default::default() };
    let s = a.try_sync(&opts).await.unwrap();
    assert!(s.files_waiting.is_some(), "the cut left the file waiting: {s:?}");
    assert_eq!(s.files_uploaded, 0);
    assert_eq!(a.store.attachment_state(&f.hash).unwrap(), AttachmentState::Own { uploaded: false });

    // Back online: the upload resumes where the cut left it.
    let s = a.sync().await;
    assert_eq!(s.files_uploaded, 1, "{s:?}");
    assert_eq!(s.file_bytes_sent, f.size - half, "only the rest is sent again");

    boss.sync().await;
    fetch(&mut boss.store, &f.hash).await.unwrap();
    assert_eq!(boss.store.attachment_bytes(&f.hash).unwrap(), a.store.attachment_bytes(&f.hash).unwrap());
}

/// A raw API call with a device's token: (status, body).
async fn call(url: &str, token: &str, path: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let resp = sync::http_client()
        .unwrap()
        .post(format!("{url}{path}"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or(serde_json::Value::Null)
}

#[tokio::test]
async fn another_reps_photo_reads_exactly_like_one_that_does_not_exist() {
    let (server, _, [_, mut a, mut b]) = team().await;
    let c = a.customer("华为");
    let v = a.visit(&c, "门头照");
    let f = a.store.attach_bytes(Kind::Followup, &v, &photo(40, 30, 5), "门头照.png", None).unwrap();
    a.sync().await;
    b.sync().await;

    let nobody = "0".repeat(64);
    let theirs = call(&server.url, &token(&b.store), &format!("/v1/blobs/{}/read", f.hash), Vec::new()).await;
    let none = call(&server.url, &token(&b.store), &format!("/v1/blobs/{nobody}/read"), Vec::new()).await;
    assert_eq!((theirs.0, none.0), (404, 404));
    assert_eq!(json(&theirs.1)["code"], json(&none.1)["code"]);
    assert_eq!(
        json(&theirs.1)["message"].as_str().unwrap().replace(&f.hash, "H"),
        json(&none.1)["message"].as_str().unwrap().replace(&nobody, "H")
    );
    let err = fetch(&mut b.store, &f.hash).await.unwrap_err();
    assert!(matches!(err, fieldreport_core::Error::NotFound { .. }), "not on B's records: {err}");

    // The author reads it; so does the dashboard for the manager, and not for the other rep.
    let mine = call(&server.url, &token(&a.store), &format!("/v1/blobs/{}/read", f.hash), Vec::new()).await;
    assert_eq!(mine.0, 200);
    let browser = Browser::sign_in(&server.url, &server, &b.user).await;
    let (theirs, _, _) = browser.get_bytes(&format!("/attachments/{}", f.hash)).await;
    let (none, _, _) = browser.get_bytes(&format!("/attachments/{nobody}")).await;
    assert_eq!((theirs, none), (404, 404));
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_half_written_is_served() {
    let (server, _, [mut boss, mut a, _]) = team().await;
    let t = token(&a.store);
    let c = a.customer("华为");
    let v = a.visit(&c, "报价单");
    let bytes = photo(200, 100, 6);
    let f = a.store.attach_bytes(Kind::Followup, &v, &bytes, "报价单.png", None).unwrap();
    let stored = a.store.attachment_bytes(&f.hash).unwrap().unwrap();
    let size = f.size;
    let docs_only = SyncOptions { upload_files: false, ..Default::default() };
    a.try_sync(&docs_only).await.unwrap();
    let up = |offset: u64, size: u64| format!("/v1/blobs/{}?offset={offset}&size={size}", f.hash);
    let read = format!("/v1/blobs/{}/read", f.hash);

    // A file no document references.
    let stranger = fieldreport_core::files::hash_of(b"not referenced");
    let (status, _) =
        call(&server.url, &t, &format!("/v1/blobs/{stranger}?offset=0&size=14"), b"not referenced".to_vec()).await;
    assert_eq!(status, 404);
    // A size other than the document's.
    let (status, body) = call(&server.url, &t, &up(0, size + 1), stored[..10].to_vec()).await;
    assert_eq!(status, 400, "{}", json(&body));
    // A piece at the wrong offset is told where to resume.
    assert_eq!(call(&server.url, &t, &up(0, size), stored[..100].to_vec()).await.0, 200);
    let (status, body) = call(&server.url, &t, &up(50, size), stored[50..150].to_vec()).await;
    assert_eq!(status, 409);
    assert!(json(&body)["message"].as_str().unwrap().contains("at 100"), "{}", json(&body));
    // Asking what the server lacks: 32 bytes per hash; the answer says where to resume.
    let raw = raw_hash(&f.hash);
    let (status, body) = call(&server.url, &t, "/v1/blobs/missing", raw.clone()).await;
    assert_eq!(status, 200, "{}", json(&body));
    assert_eq!(json(&body)["missing"][0]["offset"], 100, "{}", json(&body));
    assert_eq!(call(&server.url, &t, "/v1/blobs/missing", raw[..31].to_vec()).await.0, 400);
    assert_eq!(call(&server.url, &t, "/v1/blobs/missing", vec![7; 32 * 10_001]).await.0, 400);
    // A piece past the end.
    let (status, _) = call(&server.url, &t, &up(100, size), vec![0; size as usize]).await;
    assert_eq!(status, 400);
    // Bytes that are not the file: refused when whole, and dropped.
    let mut wrong = stored[100..].to_vec();
    wrong[10] ^= 0xFF;
    let (status, body) = call(&server.url, &t, &up(100, size), wrong).await;
    assert_eq!(status, 400);
    assert!(json(&body)["message"].as_str().unwrap().contains("not file"), "{}", json(&body));
    // A truncated upload is not served: the file is not there until it is whole and checked.
    assert_eq!(call(&server.url, &t, &up(0, size), stored[..size as usize - 10].to_vec()).await.0, 200);
    assert_eq!(call(&server.url, &t, &read, Vec::new()).await.0, 404);
    boss.sync().await;
    assert!(fetch(&mut boss.store, &f.hash).await.is_err());

    // The device kept its file; its next sync completes the upload with the missing bytes only.
    let s = a.sync().await;
    assert_eq!((s.files_uploaded, s.file_bytes_sent), (1, 10), "{s:?}");
    fetch(&mut boss.store, &f.hash).await.unwrap();
    assert_eq!(boss.store.attachment_bytes(&f.hash).unwrap().unwrap(), stored);

    // A tampered app that says its PNG is a JPEG: the bytes decide, and the upload is refused.
    let v2 = a.visit(&c, "第二张");
    let g = a.store.attach_bytes(Kind::Followup, &v2, &photo(30, 30, 7), "伪装.png", None).unwrap();
    let mut doc = a.store.document(&v2).unwrap();
    let mut am = automerge::AutoCommit::load(&doc.save()).unwrap();
    am.set_actor(automerge::ActorId::try_from(a.store.identity().unwrap().actor.as_str()).unwrap());
    let heads = am.get_heads();
    {
        use automerge::ReadDoc;
        let (_, list) = am.get(automerge::ROOT, "attachments").unwrap().unwrap();
        let (_, entry) = am.get(&list, 0).unwrap().unwrap();
        automerge::transaction::Transactable::put(&mut am, &entry, "mime", "image/jpeg").unwrap();
    }
    am.commit();
    a.store.merge_changes(&v2, &am.save_after(&heads)).unwrap();
    let s = a.sync().await;
    assert!(s.rejected.is_empty(), "the document itself is valid: {s:?}");
    let why = s.files_waiting.expect("the file was refused");
    assert!(why.contains("image/jpeg") && why.contains("image/png"), "{why}");
    assert_eq!(a.store.attachment_state(&g.hash).unwrap(), AttachmentState::Own { uploaded: false }, "kept");
    assert_eq!(call(&server.url, &t, &format!("/v1/blobs/{}/read", g.hash), Vec::new()).await.0, 404);

    // A file over the team's limit (lowered after it was attached) waits, with the reason.
    let mut cfg = server.admin.config().unwrap();
    cfg.attachments.max_file_bytes = 1_000;
    cfg.attachments.max_bytes_per_day = 1_000_000;
    server.admin.apply_config(cfg).unwrap();
    let v3 = a.visit(&c, "第三张");
    a.store.attach_bytes(Kind::Followup, &v3, &photo(50, 50, 8), "大图.png", None).unwrap();
    let s = a.sync().await;
    assert!(s.files_waiting.as_deref().is_some_and(|w| w.contains("at most 1000 bytes")), "{s:?}");
    // And the device refuses new ones over it, before storing anything.
    let err = a.store.attach_bytes(Kind::Followup, &v3, &photo(50, 50, 9), "更大.png", None).unwrap_err();
    assert!(err.is_bad_input(), "{err}");
}

/// The S3-compatible server of the tests (scripts/s3-test-server) and a new bucket on it.
fn s3_bucket() -> (String, String) {
    use std::io::{Read, Write};
    let endpoint = match std::env::var("FIELDREPORT_TEST_S3_ENDPOINT") {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/s3-test-server");
            let out = std::process::Command::new(script).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        }
    };
    let bucket = format!("fr-{}", uuid::Uuid::now_v7().simple());
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = std::net::TcpStream::connect(host).unwrap();
    write!(conn, "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    (endpoint, bucket)
}

/// The server binary on PostgreSQL with its files on S3, as an operator runs it: a photo goes
/// from a rep's phone to the manager's, and `files` reports it.
#[tokio::test]
async fn photos_work_on_postgresql_with_files_on_s3() {
    let url = fieldreport_server::store::postgres::test_cluster::new_database();
    let (endpoint, bucket) = s3_bucket();
    let staging = tempfile::tempdir().unwrap();
    let flags = ["--database".to_string(), url, "--blobs".into(), format!("s3://{bucket}/photos?endpoint={endpoint}")];
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(server_binary());
        cmd.args(&flags).arg("--json").args(args);
        cmd.env("AWS_ACCESS_KEY_ID", "test").env("AWS_SECRET_ACCESS_KEY", "test").env("AWS_REGION", "us-east-1");
        cmd.env("FIELDREPORT_STAGING", staging.path());
        cmd
    };
    let admin = |args: &[&str]| -> serde_json::Value {
        let out = run(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    admin(&["init", "--team-name", "华东销售部", "--admin-name", "王总"]);
    let mgr = admin(&["user", "add", "--name", "李经理", "--role", "manager"]);
    let rep = admin(&["user", "add", "--name", "张伟", "--role", "rep", "--manager", mgr["id"].as_str().unwrap()]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = run(&["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _serving = Kill(child);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut a = Device::enroll(&base, rep["enrollment_code"].as_str().unwrap()).await;
    let mut boss = Device::enroll(&base, mgr["enrollment_code"].as_str().unwrap()).await;
    let c = a.customer("华为");
    let v = a.visit(&c, "门头照");
    let f = a.store.attach_bytes(Kind::Followup, &v, &photo(300, 200, 10), "门头照.png", None).unwrap();
    let s = a.sync().await;
    assert_eq!(s.files_uploaded, 1, "{s:?}");
    boss.sync().await;
    fetch(&mut boss.store, &f.hash).await.unwrap();
    assert_eq!(boss.store.attachment_bytes(&f.hash).unwrap(), a.store.attachment_bytes(&f.hash).unwrap());

    let usage = admin(&["files"]);
    assert_eq!(usage["files"]["store"], format!("s3://{bucket}/photos"));
    let member = &usage["files"]["members"][0];
    assert_eq!((member["files"].as_i64(), member["bytes"].as_u64()), (Some(1), Some(f.size)));
}

fn raw_hash(hash: &str) -> Vec<u8> {
    (0..32).map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// Lists `hash` (someone else's file) in `visit` of `device`'s, as a tampered app would: the
/// document is valid; what it names is not proof of holding the bytes.
fn claim(device: &mut Device, visit: &str, hash: &str, size: u64) {
    let decoy = device.store.attach_bytes(Kind::Followup, visit, &photo(3, 3, 99), "x.png", None).unwrap();
    let mut doc = device.store.document(visit).unwrap();
    let mut am = automerge::AutoCommit::load(&doc.save()).unwrap();
    am.set_actor(automerge::ActorId::try_from(device.store.identity().unwrap().actor.as_str()).unwrap());
    let heads = am.get_heads();
    {
        use automerge::transaction::Transactable;
        use automerge::ReadDoc;
        let (_, list) = am.get(automerge::ROOT, "attachments").unwrap().unwrap();
        let (_, entry) = am.get(&list, 0).unwrap().unwrap();
        am.put(&entry, "hash", hash).unwrap();
        am.put(&entry, "size", size as i64).unwrap();
    }
    am.commit();
    device.store.merge_changes(visit, &am.save_after(&heads)).unwrap();
    assert_ne!(decoy.hash, hash);
}

async fn a_hash_named_in_a_document_grants_nothing_until_its_bytes_are_sent(server: Server) {
    let (server, mgr, [_, mut a, mut b]) = team_on(server).await;
    let c = a.customer("华为");
    let v = a.visit(&c, "合同照片");
    let secret = photo(60, 40, 11);
    let f = a.store.attach_bytes(Kind::Followup, &v, &secret, "合同.png", None).unwrap();
    a.sync().await;

    // B learns the hash and lists it in a visit of their own.
    let xiaomi = b.customer("小米");
    let mine = b.visit(&xiaomi, "我的拜访");
    claim(&mut b, &mine, &f.hash, f.size);
    let s = b.sync().await;
    assert!(s.rejected.is_empty(), "a valid document: {s:?}");
    let t = token(&b.store);
    let read = format!("/v1/blobs/{}/read", f.hash);
    assert_eq!(call(&server.url, &t, &read, Vec::new()).await.0, 404, "the hash alone reads nothing");
    let (status, body) = call(&server.url, &t, "/v1/blobs/missing", raw_hash(&f.hash)).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)["missing"][0]["offset"], 0, "the server asks B for the bytes: {}", json(&body));
    let browser = Browser::sign_in(&server.url, &server, &b.user).await;
    for path in [format!("/attachments/{}", f.hash), format!("/attachments/{}/thumb", f.hash)] {
        assert_eq!(browser.get_bytes(&path).await.0, 404, "{path}");
    }
    // Their manager, who may see B's visit, reads nothing through it either; through A's, yes.
    let manager = Browser::sign_in(&server.url, &server, &mgr).await;
    let through = |doc: &str| format!("/attachments/{}?{}", f.hash, server.admin.sign_file_link(&f.hash, doc).unwrap());
    assert_eq!(manager.get_bytes(&through(&v)).await.0, 200, "through A's visit");
    assert_eq!(manager.get_bytes(&through(&mine)).await.0, 404, "not through B's");
    let (status, _) =
        call(&server.url, &t, &format!("/v1/blobs/{}?offset=0&size={}", f.hash, f.size), vec![0; 100]).await;
    assert_eq!(status, 200, "B may start sending the bytes");
    let (status, body) = call(
        &server.url,
        &t,
        &format!("/v1/blobs/{}?offset=100&size={}", f.hash, f.size),
        vec![0; f.size as usize - 100],
    )
    .await;
    assert_eq!(status, 400, "bytes that are not the file prove nothing: {}", json(&body));
    assert_eq!(call(&server.url, &t, &read, Vec::new()).await.0, 404);

    // B who really holds the photo sends it whole (once), and then reads it.
    let again = b.visit(&xiaomi, "同一张照片");
    b.store.attach_bytes(Kind::Followup, &again, &secret, "合同.png", None).unwrap();
    let s = b.sync().await;
    assert_eq!((s.files_uploaded, s.file_bytes_sent), (1, f.size), "{s:?}");
    let (status, bytes) = call(&server.url, &t, &read, Vec::new()).await;
    assert_eq!((status, bytes), (200, secret));
}

async fn every_byte_received_counts_against_the_daily_limit_finished_or_not(server: Server) {
    let (server, _, [_, mut a, _]) = team_on(server).await;
    let mut cfg = server.admin.config().unwrap();
    cfg.attachments.max_file_bytes = 100_000;
    cfg.attachments.max_bytes_per_day = 100_000;
    server.admin.apply_config(cfg).unwrap();
    let c = a.customer("华为");
    let mut files = Vec::new();
    for i in 0..4 {
        let v = a.visit(&c, &format!("第{i}张"));
        let bytes = photo(150, 150, 20 + i);
        files.push(a.store.attach_bytes(Kind::Followup, &v, &bytes, "图.png", None).unwrap());
    }
    a.try_sync(&SyncOptions { upload_files: false, ..Default::default() }).await.unwrap();
    let t = token(&a.store);
    // Half of each file, never finished: the bytes count all the same.
    let mut sent = 0u64;
    let mut refused = None;
    for f in &files {
        let half = (f.size / 2) as usize;
        let stored = a.store.attachment_bytes(&f.hash).unwrap().unwrap();
        let (status, body) =
            call(&server.url, &t, &format!("/v1/blobs/{}?offset=0&size={}", f.hash, f.size), stored[..half].to_vec())
                .await;
        match status {
            200 => sent += half as u64,
            429 => {
                refused = Some(json(&body));
                break;
            }
            s => panic!("{s}: {}", json(&body)),
        }
    }
    assert!(refused.is_some(), "unfinished uploads reached the daily limit after {sent} bytes");
    assert!(sent <= 100_000, "{sent}");
    let usage = server.admin.file_usage().unwrap();
    let today = usage.members.iter().find(|m| m.user_id == a.user).unwrap().bytes_today;
    assert_eq!(today as u64, sent, "what was received is what is counted");
}

/// The file walls on SQLite and on PostgreSQL.
mod on_both {
    use super::*;

    #[tokio::test]
    async fn a_hash_grants_nothing_on_sqlite() {
        a_hash_named_in_a_document_grants_nothing_until_its_bytes_are_sent(Server::start().await).await;
    }

    #[tokio::test]
    async fn a_hash_grants_nothing_on_postgresql() {
        a_hash_named_in_a_document_grants_nothing_until_its_bytes_are_sent(Server::start_postgres().await).await;
    }

    #[tokio::test]
    async fn every_byte_counts_on_sqlite() {
        every_byte_received_counts_against_the_daily_limit_finished_or_not(Server::start().await).await;
    }

    #[tokio::test]
    async fn every_byte_counts_on_postgresql() {
        every_byte_received_counts_against_the_daily_limit_finished_or_not(Server::start_postgres().await).await;
    }
}
