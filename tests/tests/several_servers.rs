//! Two server processes on one database, with no balancer: devices send each request to either
//! at random; a manager comments through one while the author edits through the other; one
//! server is killed (-9) in the middle of pushes and the devices carry on through the other.
//! Every acknowledged change is on the database, nothing is duplicated, each robot message is
//! delivered once, and the dashboard works from either server. The same on PostgreSQL and on
//! the embedded SQLite (two processes on one data directory).

mod support;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::post;
use fieldreport_core::doc::ReportKind;
use fieldreport_core::report::Lang;
use fieldreport_core::sync::{
    self, CancelToken, HttpRequest, ReqwestTransport, SyncOptions, Transport, TransportFuture,
};
use fieldreport_core::Store;
use fieldreport_server::{Location, Service};
use serde_json::Value;
use support::server_binary;

/// Where the servers keep their data: the CLI flags and the location.
struct Data {
    flags: Vec<String>,
    at: Location,
    _dir: Option<tempfile::TempDir>,
}

fn sqlite() -> Data {
    let dir = tempfile::tempdir().unwrap();
    let flags = vec!["--data".to_string(), dir.path().display().to_string()];
    Data { flags, at: Location::Dir(dir.path().to_path_buf()), _dir: Some(dir) }
}

fn postgres() -> Data {
    let url = fieldreport_server::store::postgres::test_cluster::new_database();
    Data { flags: vec!["--database".into(), url.clone()], at: Location::Postgres(url), _dir: None }
}

fn admin(d: &Data, args: &[&str]) -> Value {
    let out = Command::new(server_binary()).args(&d.flags).arg("--json").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

struct Serving(Child, String);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(d: &Data) -> Serving {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(server_binary())
        .args(&d.flags)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Serving(child, format!("http://127.0.0.1:{port}"))
}

/// Sends each request to one of the live servers, at random.
struct Either {
    servers: Arc<Mutex<Vec<String>>>,
    inner: ReqwestTransport,
    seed: Mutex<u64>,
}

impl Transport for Either {
    fn post(&self, mut request: HttpRequest) -> TransportFuture<'_> {
        let servers = self.servers.lock().unwrap().clone();
        let pick = {
            let mut s = self.seed.lock().unwrap();
            *s ^= *s << 13;
            *s ^= *s >> 7;
            *s ^= *s << 17;
            (*s % servers.len() as u64) as usize
        };
        let path = request.url.split_once("/v1/").map(|(_, p)| p.to_string()).unwrap_or_default();
        request.url = format!("{}/v1/{path}", servers[pick]);
        self.inner.post(request)
    }
}

fn options(servers: &Arc<Mutex<Vec<String>>>, seed: u64) -> SyncOptions {
    let t = Either { servers: servers.clone(), inner: ReqwestTransport::new().unwrap(), seed: Mutex::new(seed | 1) };
    SyncOptions { transport: Some(Arc::new(t)), backoff: Duration::from_millis(50), ..Default::default() }
}

async fn sync_ok(s: &mut Store, opts: &SyncOptions) {
    let stats = sync::sync(s, opts, None, &CancelToken::new()).await.expect("the sync succeeds");
    assert!(stats.rejected.is_empty(), "{:?}", stats.rejected);
}

/// A robot endpoint counting messages by their text.
type Seen = Arc<Mutex<HashMap<String, usize>>>;

async fn robot() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/wecom",
        post(move |body: String| {
            let s = s.clone();
            async move {
                let v: Value = serde_json::from_str(&body).unwrap_or_default();
                let text = v["markdown"]["content"].as_str().unwrap_or("").to_string();
                *s.lock().unwrap().entry(text).or_default() += 1;
                axum::Json(serde_json::json!({"errcode": 0, "errmsg": "ok"}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wecom", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..300 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn two_servers(d: Data) {
    admin(&d, &["init", "--team-name", "华东销售部", "--admin-name", "王总"]);
    let mgr = admin(&d, &["user", "add", "--name", "李经理", "--role", "manager"]);
    let mgr_id = mgr["id"].as_str().unwrap().to_string();
    let (hook, seen) = robot().await;
    let cfg_file = tempfile::NamedTempFile::with_suffix(".toml").unwrap();
    std::fs::write(
        cfg_file.path(),
        format!("[[robots]]\nname = \"销售群\"\nkind = \"wecom\"\nurl = \"{hook}\"\nevents = [\"report_submitted\"]\n"),
    )
    .unwrap();
    admin(&d, &["config", "apply", cfg_file.path().to_str().unwrap()]);
    let (a, b) = (serve(&d), serve(&d));
    let servers = Arc::new(Mutex::new(vec![a.1.clone(), b.1.clone()]));
    let http = fieldreport_core::sync::http_client().unwrap();
    for s in [&a.1, &b.1] {
        let mut up = false;
        for _ in 0..300 {
            if http.get(format!("{s}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                up = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "{s} answers");
    }

    // A manager and three reps, each on a device of their own, enrolled through either server.
    let dir = tempfile::tempdir().unwrap();
    let mut reps = Vec::new();
    for (i, name) in ["张伟", "刘芳", "王磊"].into_iter().enumerate() {
        let u = admin(&d, &["user", "add", "--name", name, "--role", "rep", "--manager", &mgr_id]);
        let mut s = Store::open(dir.path().join(format!("rep{i}.db"))).unwrap();
        let opts = options(&servers, 11 + i as u64);
        sync::enroll(&mut s, &a.1, u["enrollment_code"].as_str().unwrap(), &opts).await.unwrap();
        sync_ok(&mut s, &opts).await;
        reps.push((s, opts));
    }
    let mut boss = Store::open(dir.path().join("boss.db")).unwrap();
    let boss_opts = options(&servers, 99);
    sync::enroll(&mut boss, &b.1, mgr["enrollment_code"].as_str().unwrap(), &boss_opts).await.unwrap();

    // Each rep logs visits and submits a report, syncing through either server; the manager
    // comments on each report from the device while its author keeps editing another section.
    let mut reports = Vec::new();
    for (s, opts) in reps.iter_mut() {
        let c =
            s.add_customer(fieldreport_core::doc::NewCustomer { name: "上海华为".into(), ..Default::default() });
        let c = c.unwrap().header.id;
        for n in 0..3 {
            let at = s.now_ms();
            s.log_followup(fieldreport_core::doc::NewFollowup::new(
                &c,
                fieldreport_core::doc::FollowupKind::Visit,
                at,
                &format!("拜访 {n}"),
            ))
            .unwrap();
            sync_ok(s, opts).await;
        }
        let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
        s.set_report_text(&r, "done", "拜访上海华为三次").unwrap();
        s.insert_followups(&r, None, None).unwrap();
        s.submit_report(&r, &[], &[]).unwrap();
        sync_ok(s, opts).await;
        reports.push(r);
    }
    sync_ok(&mut boss, &boss_opts).await;
    for (r, (s, opts)) in reports.iter().zip(reps.iter_mut()) {
        boss.comment_report(r, "收到").unwrap();
        s.comment_report(r, "补充：客户下周来访").unwrap();
        sync_ok(&mut boss, &boss_opts).await;
        sync_ok(s, opts).await;
    }
    // Each submission reached the robot once (two workers, one outbox).
    wait_until("the robot messages", || seen.lock().unwrap().values().sum::<usize>() >= reports.len()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // a second sender would have sent by now
    let counts = seen.lock().unwrap().clone();
    assert_eq!(counts.len(), reports.len(), "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "each message once: {counts:?}");

    // The dashboard: signed in on one server, the session works on the other.
    let link = admin(&d, &["user", "login-link", &mgr_id, "--base-url", &a.1])["url"].as_str().unwrap().to_string();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed = browser.post(&link).header("origin", &a.1).send().await.unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let page = browser.get(format!("{}/reports/{}", b.1, reports[0])).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "the session of one server opens pages on the other");

    // Pushes in flight on both servers; one is killed (-9) in the middle.
    let mut tasks = Vec::new();
    for (i, (mut s, opts)) in reps.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for n in 0..15 {
                s.add_customer(fieldreport_core::doc::NewCustomer {
                    name: format!("客户 {i}-{n}"),
                    ..Default::default()
                })
                .unwrap();
                // A failed run (the killed server answered nothing) is retried until it lands.
                for _ in 0..20 {
                    if sync::sync(&mut s, &opts, None, &CancelToken::new()).await.is_ok() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            (s, opts)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut a = a;
    a.0.kill().unwrap(); // SIGKILL
    let _ = a.0.wait();
    servers.lock().unwrap().retain(|s| *s != a.1);
    let mut reps = Vec::new();
    for t in tasks {
        reps.push(t.await.unwrap());
    }

    // After a quiet sync through the survivor, every device's changes are on the database, once.
    let service = Service::open(&d.at).unwrap();
    for (s, opts) in reps.iter_mut() {
        sync_ok(s, opts).await;
        assert!(s.pending_documents().unwrap().is_empty(), "nothing left unacknowledged");
        for id in s.document_ids().unwrap() {
            let mine = s.heads(&id).unwrap();
            let theirs = service.store().read(|db| Ok(db.doc_heads(&id)?)).unwrap();
            let mine: Vec<u8> = mine.iter().flat_map(|h| h.0).collect();
            assert_eq!(Some(mine), theirs, "{id} is on the database as the device has it");
        }
        assert_eq!(s.list_customers(None).unwrap().len(), 16);
    }
    // The rollups both processes kept add up to what a rebuild computes from the documents.
    let config = service.config().unwrap();
    let scope = fieldreport_server::figures::Scope::of(&service, None, None).unwrap();
    let now = fieldreport_server::now_ms();
    let period = fieldreport_core::period::Period::ThisMonth;
    let kept = fieldreport_server::figures::snapshot(&service, &config, &scope, period, now).unwrap();
    service.rebuild_kpis(fieldreport_server::service::RebuildFrom::Documents, Box::new(|_| {})).unwrap();
    let rebuilt = fieldreport_server::figures::snapshot(&service, &config, &scope, period, now).unwrap();
    assert_eq!(kept.rows, rebuilt.rows);
    for r in &reports {
        let (report, _) = service.open_report(&service.user(&mgr_id).unwrap().unwrap(), r).unwrap();
        let ids: std::collections::BTreeSet<&str> = report.comments.iter().map(|c| c.id.as_str()).collect();
        assert_eq!((report.comments.len(), ids.len()), (2, 2), "each comment once");
    }
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_postgres() {
    two_servers(postgres()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_sqlite_directory() {
    two_servers(sqlite()).await;
}
