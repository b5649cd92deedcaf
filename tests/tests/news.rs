//! News in seconds: a device's sync with nothing to send waits at the server (long poll) and is
//! answered as soon as something it may see is stored — a manager's comment on the dashboard, a
//! report addressed to it — and not for what it may not see. Sync that runs itself
//! (`AutoSync`): pushes soon after a local write, brings a dashboard comment to an open app in
//! seconds, says what it is doing and what has not gone yet. On the embedded SQLite and on
//! PostgreSQL, where a comment made through one server wakes a device waiting on another
//! (LISTEN/NOTIFY).

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldreport_core::doc::ReportKind;
use fieldreport_core::report::Lang;
use fieldreport_core::sync::{
    self, AutoSync, AutoSyncListener, AutoSyncOptions, CancelToken, SyncActivity, SyncOptions, SyncStats,
};
use fieldreport_core::Store;
use fieldreport_server::{Limits, Location, Service};
use support::*;

/// A manager, two reps (张三 reports to the manager; 李四 too, and sees nothing of 张三's), every
/// device synced; 张三's submitted daily report, addressed to the manager.
struct Team {
    server: Server,
    mgr: String,
    a: Device,
    b: Device,
    report: String,
}

async fn team(server: Server) -> Team {
    let (mgr, _) = server.user("王经理", "manager", None);
    let (_, a_code) = server.user("张三", "rep", Some(&mgr));
    let (_, b_code) = server.user("李四", "rep", Some(&mgr));
    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    a.sync().await;
    let report = a.store.open_report(ReportKind::Daily, None, Lang::ZhCn, None).unwrap().header.id;
    a.store.set_report_text(&report, "done", "拜访三家客户。").unwrap();
    a.store.submit_report(&report, &[], &[]).unwrap();
    a.sync().await;
    b.sync().await;
    Team { server, mgr, a, b, report }
}

fn waiting(secs: u64) -> SyncOptions {
    SyncOptions { wait: Duration::from_secs(secs), ..SyncOptions::default() }
}

/// Comments on `report` from the dashboard of the server at `base`, as `user`.
async fn comment(base: &str, server: &Server, user: &str, report: &str, text: &str) {
    let browser = Browser::sign_in(base, server, user).await;
    let (_, page) = browser.get(&format!("/reports/{report}")).await;
    let path = format!("/reports/{report}/comments");
    assert_eq!(browser.post(&path, &[("csrf", &csrf_of(&page)), ("text", text)]).await, 303);
}

fn comments_on(s: &Store, report: &str) -> Vec<String> {
    s.report(report).unwrap().comments.iter().map(|c| c.text.clone()).collect()
}

/// A long poll ends with the comment, well before its wait is over; a device that may not see
/// the report is not woken and answers empty at the end of its wait.
async fn a_waiting_sync_is_answered_by_what_its_device_may_see(server: Server, comment_through: Option<String>) {
    let t = team(server).await;
    let Team { server, mgr, mut a, mut b, report } = t;
    let (a_path, b_path) = (a.path(), b.path());
    let wait_a = tokio::spawn(async move {
        let started = Instant::now();
        let mut s = Store::open(a_path).unwrap();
        let stats = sync::sync(&mut s, &waiting(20), None, &CancelToken::new()).await.unwrap();
        (stats, started.elapsed(), s)
    });
    let wait_b = tokio::spawn(async move {
        let started = Instant::now();
        let mut s = Store::open(b_path).unwrap();
        let stats = sync::sync(&mut s, &waiting(3), None, &CancelToken::new()).await.unwrap();
        (stats, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base = comment_through.unwrap_or_else(|| server.url.clone());
    let commented = Instant::now();
    comment(&base, &server, &mgr, &report, "@张三 请补充客户预算").await;
    let (stats, took, s): (SyncStats, Duration, Store) = wait_a.await.unwrap();
    assert_eq!(stats.pulled, 1, "the commented report comes in the answer");
    assert!(took < Duration::from_secs(15), "answered at the news, not at the end of the wait ({took:?})");
    assert!(comments_on(&s, &report).contains(&"@张三 请补充客户预算".to_string()));
    eprintln!("comment to device: {:?}", commented.elapsed());
    let (stats, took) = wait_b.await.unwrap();
    assert_eq!((stats.pulled, stats.published), (0, 0), "李四 may not see 张三's report");
    assert!(took >= Duration::from_secs(3), "李四 waited the whole wait ({took:?})");
    // The app's own connection sees what the waiting sync committed; a sync now has nothing
    // more to bring either device.
    assert!(comments_on(&a.store, &report).contains(&"@张三 请补充客户预算".to_string()));
    assert_eq!(a.sync().await.pulled, 0);
    assert_eq!(b.sync().await.pulled, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_sync_is_answered_by_news_on_sqlite() {
    a_waiting_sync_is_answered_by_what_its_device_may_see(Server::start().await, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_through_another_postgres_server_wakes_a_waiting_device() {
    let server = Server::start_postgres().await;
    // A second server process on the same database: the comment goes through it.
    let other = Arc::new(Service::open(&server.location).unwrap());
    let running = fieldreport_server::start_with(other, "127.0.0.1:0", Limits::default()).await.unwrap();
    let other_url = format!("http://{}", running.addr);
    a_waiting_sync_is_answered_by_what_its_device_may_see(server, Some(other_url)).await;
    running.shutdown().await;
}

/// Records every activity the running sync reports.
#[derive(Default)]
struct Heard(Mutex<Vec<Option<SyncActivity>>>);

impl AutoSyncListener for Heard {
    fn on_activity(&self, a: Option<SyncActivity>) {
        self.0.lock().unwrap().push(a);
    }
}

/// Waits up to `secs` for `f` to hold, looking every 50 ms.
async fn within(secs: u64, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if f() {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

async fn sync_runs_itself(server: Server) {
    let t = team(server).await;
    let Team { server, mgr, mut a, report, .. } = t;
    let heard = Arc::new(Heard::default());
    let auto = AutoSyncOptions { debounce: Duration::from_millis(200), ..AutoSyncOptions::default() };
    let running = AutoSync::start(a.path(), SyncOptions::default(), auto, heard.clone()).unwrap();
    // The app writes a visit: it reaches the server soon, with no call to sync.
    let customer = a.customer("华润万家");
    a.visit(&customer, "谈了新品陈列");
    assert!(a.store.sync_status().unwrap().unsent_changes >= 2, "not sent yet");
    let sent = within(10, || a.store.sync_status().unwrap().unsent_changes == 0).await;
    assert!(sent.is_some(), "the visit is pushed after the debounce");
    let on_server = server.admin.store().read(|db| Ok(db.doc_meta(&customer)?)).unwrap();
    assert!(on_server.is_some(), "the server holds the customer");
    // A comment on the dashboard reaches the open app in seconds.
    tokio::time::sleep(Duration::from_millis(300)).await;
    comment(&server.url.clone(), &server, &mgr, &report, "好，继续跟进").await;
    let arrived = within(10, || comments_on(&a.store, &report).contains(&"好，继续跟进".to_string())).await;
    let arrived = arrived.expect("the comment reaches the app without a sync call");
    eprintln!("dashboard comment to the running app: {arrived:?}");
    let status = a.store.sync_status().unwrap();
    assert_eq!((status.state, status.last_error.as_deref()), (SyncActivity::Idle, None));
    assert!(status.last_synced_at.is_some());
    let heard_now = heard.0.lock().unwrap().clone();
    assert!(heard_now.contains(&Some(SyncActivity::Uploading)), "{heard_now:?}");
    assert!(heard_now.contains(&Some(SyncActivity::Connecting)), "{heard_now:?}");
    let stopped = Instant::now();
    running.stop();
    assert!(stopped.elapsed() < Duration::from_secs(5), "stopping ends the wait for news at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_runs_itself_on_sqlite() {
    sync_runs_itself(Server::start().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_runs_itself_on_postgres() {
    sync_runs_itself(Server::start_postgres().await).await;
}

/// With the server gone the status says offline with why, and sync tries again with backoff;
/// when the app says the network is back it syncs at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_then_back() {
    let t = team(Server::start().await).await;
    let Team { mut server, mut a, .. } = t;
    server.running.take().unwrap().shutdown().await;
    let heard = Arc::new(Heard::default());
    let opts = SyncOptions { retries: 0, timeout: Duration::from_secs(2), ..SyncOptions::default() };
    let auto = AutoSyncOptions { backoff: Duration::from_secs(30), ..AutoSyncOptions::default() };
    let running = AutoSync::start(a.path(), opts, auto, heard.clone()).unwrap();
    let customer = a.customer("永辉超市");
    let offline = within(10, || a.store.sync_status().unwrap().state == SyncActivity::Offline).await;
    assert!(offline.is_some(), "{:?}", a.store.sync_status().unwrap());
    let status = a.store.sync_status().unwrap();
    assert!(status.unsent_changes >= 1 && status.last_error.is_some(), "{status:?}");
    // The server comes back on the same address; the app says the network is back.
    let addr = server.url.trim_start_matches("http://").to_string();
    let back = fieldreport_server::start(server.dir.path(), &addr, Limits::default()).await.unwrap();
    running.network_back();
    let synced = within(10, || a.store.sync_status().unwrap().unsent_changes == 0).await;
    assert!(synced.is_some(), "synced at once, not after the 30 s backoff: {:?}", a.store.sync_status().unwrap());
    assert_eq!(a.store.sync_status().unwrap().state, SyncActivity::Idle);
    assert!(server.admin.store().read(|db| Ok(db.doc_meta(&customer)?)).unwrap().is_some());
    running.stop();
    back.shutdown().await;
}

/// A server shutting down answers its waiting requests at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutting_down_answers_waiting_syncs() {
    let t = team(Server::start().await).await;
    let Team { mut server, a, .. } = t;
    let path = a.path();
    let waiter = tokio::spawn(async move {
        let mut s = Store::open(path).unwrap();
        sync::sync(&mut s, &waiting(30), None, &CancelToken::new()).await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    server.running.take().unwrap().shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5), "shutdown did not wait 30 s");
    assert!(waiter.await.unwrap().is_ok(), "the waiting sync was answered");
    let _ = Location::Dir(server.dir.path().to_path_buf());
}

/// What a device sends is checked: a wait that is not a number of seconds is refused, a long
/// one is cut to the server's cap, and a member holding many waiting requests cannot take every
/// place (the extra ones answer at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_are_bounded() {
    let t = team(Server::start().await).await;
    let token = token(&t.a.store);
    let http = reqwest::Client::new();
    let cursor = t.a.store.sync_state().unwrap().cursor;
    let body = fieldreport_core::sync::wire::SyncRequest { cursor, max_bytes: 1 << 20, ..Default::default() }.encode();
    let post = |wait: &str| {
        http.post(format!("{}/v1/sync?wait={wait}", t.server.url))
            .bearer_auth(&token)
            .header("content-type", fieldreport_core::sync::CONTENT_TYPE)
            .body(body.clone())
            .send()
    };
    for bad in ["abc", "-1", "1e9"] {
        let r = post(bad).await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "wait={bad}");
        assert!(r.text().await.unwrap().contains("wait=SECONDS"));
    }
    // Sixteen of one member's requests wait; the seventeenth answers at once.
    let waiting: Vec<_> =
        (0..fieldreport_server::service::MAX_WAITING_PER_MEMBER).map(|_| tokio::spawn(post("30"))).collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let started = Instant::now();
    let extra = post("30").await.unwrap();
    assert!(extra.status().is_success());
    assert!(started.elapsed() < Duration::from_secs(5), "the extra request did not wait");
    for w in waiting {
        w.abort();
    }
}

/// A transport to a server that does not wait (an older server, a proxy dropping the query):
/// every request goes without `?wait=`, and is counted.
struct NoWaiting {
    inner: fieldreport_core::sync::ReqwestTransport,
    sent: std::sync::atomic::AtomicUsize,
}

impl fieldreport_core::sync::Transport for NoWaiting {
    fn post(&self, mut request: fieldreport_core::sync::HttpRequest) -> fieldreport_core::sync::TransportFuture<'_> {
        if let Some(at) = request.url.find("?wait=") {
            request.url.truncate(at);
        }
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.post(request)
    }
}

/// Against a server that answers at once, sync that runs itself does not ask in a loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_does_not_wait_is_not_asked_in_a_loop() {
    let t = team(Server::start().await).await;
    let transport = Arc::new(NoWaiting { inner: sync::ReqwestTransport::new().unwrap(), sent: Default::default() });
    let opts = SyncOptions { transport: Some(transport.clone()), ..SyncOptions::default() };
    let auto = AutoSyncOptions { wait: Duration::from_secs(10), ..AutoSyncOptions::default() };
    let running = AutoSync::start(t.a.path(), opts, auto, Arc::new(Heard::default())).unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    running.stop();
    let sent = transport.sent.load(std::sync::atomic::Ordering::SeqCst);
    assert!((1..=4).contains(&sent), "{sent} requests in 3 s");
}
