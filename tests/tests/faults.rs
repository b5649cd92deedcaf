//! Authentication, malformed and oversized requests, a server killed mid-sync, a device that was
//! offline for weeks.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fieldreport_core::store::FollowupFilter;
use fieldreport_core::sync::{self, CancelToken, SyncOptions};
use fieldreport_core::Error;
use support::*;

async fn post(url: &str, token: Option<&str>, body: Vec<u8>) -> (u16, serde_json::Value) {
    let mut req = fieldreport_core::sync::http_client().unwrap().post(format!("{url}/v1/sync")).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn missing_bad_and_revoked_tokens_are_refused_and_bad_requests_harm_nobody_else() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let (_, other_code) = server.user("李四", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let mut other = Device::enroll(&server.url, &other_code).await;
    let idle = fieldreport_core::sync::wire::SyncRequest::default().encode();

    let (status, body) = post(&server.url, None, idle.clone()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("missing_token")));
    let (status, body) = post(&server.url, Some(&"ab".repeat(32)), idle.clone()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("bad_token")));
    let token = rep.store.sync_state().unwrap().token;
    let (status, body) = post(&server.url, Some(&token), b"garbage".to_vec()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("malformed")));
    assert!(body["message"].as_str().unwrap().contains("malformed"));
    let (status, body) = post(&server.url, Some(&token), vec![0u8; 17 << 20]).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("too_large")));

    // Nobody else noticed.
    other.customer("李四的客户");
    assert_eq!(other.sync().await.pushed, 1);

    let device = server.admin.devices(Some(&rep.user)).unwrap()[0].id.clone();
    server.admin.revoke_device(&device).unwrap();
    let (status, body) = post(&server.url, Some(&token), idle).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("revoked")));
    rep.customer("offline work");
    match rep.try_sync(&SyncOptions::default()).await {
        Err(Error::Server { status: 401, code, .. }) => assert_eq!(code, fieldreport_core::codes::ErrorCode::Revoked),
        other => panic!("expected a 401, got {other:?}"),
    }
    assert_eq!(rep.store.list_customers(None).unwrap().len(), 1, "local data is kept");
}

#[tokio::test]
async fn enrollment_codes_are_one_time() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    Device::enroll(&server.url, &code).await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = fieldreport_core::Store::open(dir.path().join("d.db")).unwrap();
    let err = sync::enroll(&mut store, &server.url, &code, &SyncOptions::default()).await.unwrap_err();
    assert!(matches!(&err, Error::Server { status: 403, .. }), "{err}");
    assert!(err.is_bad_input());
    assert!(store.identity().is_err(), "nothing was written");
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error_and_touches_nothing() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let c = rep.customer("华为");
    let mut server = server;
    server.running.take().unwrap().shutdown().await;
    let opts = SyncOptions { retries: 1, backoff: Duration::from_millis(10), ..Default::default() };
    let err = rep.try_sync(&opts).await.unwrap_err();
    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("cannot reach"));
    assert_eq!(rep.store.pending_documents().unwrap()[0].id, c);
}

#[tokio::test]
async fn a_device_offline_for_weeks_catches_up_page_by_page() {
    let server = Server::start().await;
    let (mgr_id, mgr_code) = server.user("李经理", "manager", None);
    let (_, rep_code) = server.user("张三", "rep", Some(&mgr_id));
    let mut rep = Device::enroll(&server.url, &rep_code).await;
    let mut mgr = Device::enroll(&server.url, &mgr_code).await;
    mgr.sync().await;
    // Three "weeks" of work, synced by the rep as it happens.
    let c = rep.customer("华为");
    for week in 0..3 {
        for day in 0..40 {
            rep.visit(&c, &format!("week {week} visit {day}"));
        }
        rep.sync().await;
    }
    let small_pages = SyncOptions { page_bytes: 4_000, ..Default::default() };
    let stats = mgr.try_sync(&small_pages).await.unwrap();
    assert!(stats.round_trips > 3, "paginated: {stats:?}");
    assert_eq!(stats.pulled, 121);
    assert_eq!(ids(&mgr.store), ids(&rep.store));
    let idle = mgr.sync().await;
    assert_eq!((idle.round_trips, idle.pulled), (1, 0));
}

fn spawn_server(bin: &std::path::Path, data: &std::path::Path, port: u16) -> Child {
    Command::new(bin)
        .args(["--data", data.to_str().unwrap(), "serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_up(url: &str) {
    for _ in 0..100 {
        if fieldreport_core::sync::http_client().unwrap().get(format!("{url}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not come up at {url}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Counter(std::sync::atomic::AtomicU64);
impl sync::ProgressListener for Counter {
    fn on_progress(&self, _: sync::SyncProgress) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_server_killed_mid_sync_loses_nothing_and_duplicates_nothing() {
    let bin = server_binary();
    let data = tempfile::tempdir().unwrap();
    let admin = fieldreport_server::Service::open_dir(data.path()).unwrap();
    let (_, _, admin_code) = admin.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let (_, rep_code) = admin.add_user("张三", "rep", None).unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = spawn_server(&bin, data.path(), port);
    wait_up(&url).await;

    let mut rep = Device::enroll(&url, &rep_code).await;
    let c = rep.customer("华为");
    for i in 0..400 {
        rep.visit(&c, &format!("visit {i}: 拜访记录"));
    }
    // Small pushes make many round trips; kill the server while they run.
    let opts = SyncOptions { push_bytes: 8_000, retries: 0, ..Default::default() };
    let counter = Counter(Default::default());
    let killer = async {
        // Bounded: if the sync ended early the assertions below say so instead of hanging.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while counter.0.load(std::sync::atomic::Ordering::SeqCst) < 5 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
    };
    let cancel = CancelToken::new();
    let syncing = sync::sync(&mut rep.store, &opts, Some(&counter), &cancel);
    let (result, ()) = tokio::join!(syncing, killer);
    assert!(result.is_err(), "the sync was cut off");
    let pending_after_cut = rep.store.pending_documents().unwrap().len();
    assert!(pending_after_cut > 0 && pending_after_cut < 401, "some pages committed: {pending_after_cut}");

    let mut server = spawn_server(&bin, data.path(), port);
    wait_up(&url).await;
    let done = rep.sync().await;
    assert!(done.rejected.is_empty());
    assert!(rep.store.pending_documents().unwrap().is_empty());

    // An admin device receives every document exactly once.
    let mut admin_dev = Device::enroll(&url, &admin_code).await;
    admin_dev.sync().await;
    assert_eq!(ids(&admin_dev.store), ids(&rep.store));
    let all = admin_dev.store.list_followups(&FollowupFilter::default()).unwrap();
    assert_eq!(all.len(), 400);
    let mut notes: Vec<_> = all.iter().map(|f| f.note.clone()).collect();
    notes.sort();
    notes.dedup();
    assert_eq!(notes.len(), 400, "no duplicates");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn the_demo_runs_a_week_and_refuses_every_forgery() {
    let started = std::time::Instant::now();
    let out = Command::new(server_binary()).args(["demo", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let md = v["report_markdown"].as_str().unwrap();
    assert!(md.contains("## 今日完成工作\n\n【重点】今天完成了华为和精工的跟进。"), "phone edit kept: {md}");
    assert!(md.contains("明天继续推进华为项目。"), "tablet edit kept: {md}");
    assert!(md.contains("| 拜访量 | 1 |"), "tablet's KPI block: {md}");
    assert!(md.contains("第5天：进展不错"), "manager comment: {md}");
    let rejected = v["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert_eq!(v["devices"].as_array().unwrap().len(), 4);
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// The disk holding uploads fills (simulated with `/dev/full`, which answers every write with
/// "no space left"): the upload is refused with 503 `storage_full` and `Retry-After`, the device
/// keeps its photo, `/healthz` reports the fault, and once space returns everything recovers by
/// itself, nothing lost.
#[tokio::test]
async fn a_full_disk_refuses_writes_with_503_and_recovers_by_itself() {
    use fieldreport_core::doc::Kind;
    use fieldreport_core::store::AttachmentState;
    let server = Server::start().await;
    let (rep_id, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    let c = rep.customer("华为");
    let v = rep.visit(&c, "门头照");
    let photo = fieldreport_server::testing::photo(80, 60, 1);
    let f = rep.store.attach_bytes(Kind::Followup, &v, &photo, "门头.png", None).unwrap();

    // Every write to the upload area fails as on a full disk.
    let staging = server.dir.path().join("blobs/staging");
    let member = &fieldreport_core::files::hash_of(rep_id.as_bytes())[..32];
    std::fs::create_dir_all(staging.join(member)).unwrap();
    let full = [staging.join(member).join(format!("{}.part", f.hash)), staging.join(".probe")];
    for link in &full {
        std::os::unix::fs::symlink("/dev/full", link).unwrap();
    }
    let s = rep.sync().await;
    assert!(s.rejected.is_empty(), "the visit itself is merged: {s:?}");
    let why = s.files_waiting.expect("the photo waits");
    assert!(why.contains("storage") || why.contains("full"), "{why}");
    assert_eq!(rep.store.attachment_state(&f.hash).unwrap(), AttachmentState::Own { uploaded: false });
    let http = fieldreport_core::sync::http_client().unwrap();
    let health = http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 503);
    assert!(health.headers().contains_key("retry-after"));
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["code"], "storage_full", "{body}");

    // Space returns: health says so, and the next sync sends the photo.
    std::fs::remove_file(&full[0]).unwrap();
    let _ = std::fs::remove_file(&full[1]); // the probe removes what it wrote
    let health = http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let s = rep.sync().await;
    assert_eq!(s.files_uploaded, 1, "{s:?}");
    assert_eq!(rep.store.attachment_state(&f.hash).unwrap(), AttachmentState::Own { uploaded: true });
}
