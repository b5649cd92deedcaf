//! News in seconds (BENCHMARKS.md, "News in seconds"): devices waiting at the server for news
//! (long polls) against the real server binary on loopback.
//!
//! 1. Latency: `NEWS_DEVICES` (default 1,000) reps' devices each keep a waiting sync open (25 s,
//!    again and again); their manager comments on one rep's report every 50 ms (`NEWS_SAMPLES`,
//!    default 200) and pushes it; the time from the comment's push to the rep's device having
//!    committed it is recorded (p50, p99, max). With `NEWS_BACKEND=postgres`: two server
//!    processes on one database, the manager on one and the reps spread over both (the waiting
//!    reps on the other server are woken through LISTEN/NOTIFY).
//! 2. Memory: `NEWS_WAITERS` (default 10,000) waiting requests (spread over the devices) held open
//!    at once; the server process's resident memory with them, less before them, per waiter.
//! 3. For comparison, as many idle keep-alive connections (one `/healthz` each), per connection.
//!
//! Run: `cargo bench -p fieldreport-server --bench news`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldreport_core::doc::ReportKind;
use fieldreport_core::report::Lang;
use fieldreport_core::sync::wire::SyncRequest;
use fieldreport_core::sync::{self, CancelToken, SyncOptions, CONTENT_TYPE};
use fieldreport_core::Store;
use fieldreport_server::Service;

mod common;
use common::{env, percentile, serve};

/// Resident memory of process `pid` now, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// How many requests wait at the server at `url` (its /metrics).
async fn waiting(http: &reqwest::Client, url: &str) -> u64 {
    let text = http.get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("fieldreport_news_waiting "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

fn opts(http: &reqwest::Client, wait: u64) -> SyncOptions {
    let transport: Arc<dyn sync::Transport> = Arc::new(sync::ReqwestTransport::with_client(http.clone()));
    SyncOptions { transport: Some(transport), wait: Duration::from_secs(wait), ..SyncOptions::default() }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let devices = env("NEWS_DEVICES", 1000) as usize;
    let samples = env("NEWS_SAMPLES", 200) as usize;
    let waiters = env("NEWS_WAITERS", 10_000) as usize;
    let postgres = std::env::var("NEWS_BACKEND").is_ok_and(|b| b == "postgres");
    let dir = tempfile::tempdir().unwrap();
    let database = postgres.then(fieldreport_server::store::postgres::test_cluster::new_database);
    let admin = match &database {
        Some(url) => Service::open(&fieldreport_server::Location::Postgres(url.clone())).unwrap(),
        None => Service::open_dir(dir.path()).unwrap(),
    };
    admin.init_team("news", "Asia/Shanghai", "monday", "admin").unwrap();
    let (mgr, mgr_code) = admin.add_user("经理", "manager", None).unwrap();
    let codes: Vec<String> =
        (0..devices).map(|r| admin.add_user(&format!("销售 {r}"), "rep", Some(&mgr.id)).unwrap().1).collect();
    drop(admin);
    let servers: Vec<(std::process::Child, String)> =
        (0..if postgres { 2 } else { 1 }).map(|_| serve(dir.path(), database.as_deref(), false)).collect();
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
    let backend = if postgres { "PostgreSQL, two servers" } else { "SQLite, one server" };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let http = sync::http_client().unwrap();
        for url in &urls {
            while http.get(format!("{url}/healthz")).send().await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let now = opts(&http, 0);
        // The reps' devices, each synced, the first `samples` with a submitted daily report.
        let mut reps = Vec::with_capacity(devices);
        for (i, code) in codes.iter().enumerate() {
            let url = &urls[i % urls.len()];
            let mut s = Store::open_in_memory().unwrap();
            sync::enroll(&mut s, url, code, &now).await.unwrap();
            sync::sync(&mut s, &now, None, &CancelToken::new()).await.unwrap();
            let report = (i < samples).then(|| {
                let r = s.open_report(ReportKind::Daily, None, Lang::ZhCn, None).unwrap().header.id;
                s.set_report_text(&r, "done", "拜访客户。").unwrap();
                s.submit_report(&r, &[], &[]).unwrap();
                r
            });
            sync::sync(&mut s, &now, None, &CancelToken::new()).await.unwrap();
            reps.push((s, report));
        }
        let mut boss = Store::open_in_memory().unwrap();
        sync::enroll(&mut boss, &urls[0], &mgr_code, &now).await.unwrap();
        sync::sync(&mut boss, &now, None, &CancelToken::new()).await.unwrap();
        eprintln!("{devices} devices enrolled and synced on {backend}");

        // 1. Latency: every device waits; the manager comments one report at a time.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut reports = Vec::new();
        let mut tasks = Vec::new();
        // Each device's server and token, for the memory part.
        let tokens: Vec<(String, String)> =
            reps.iter().enumerate().map(|(i, (s, _))| (urls[i % urls.len()].clone(), s.sync_state().unwrap().token)).collect();
        for (i, (mut s, report)) in reps.into_iter().enumerate() {
            if let Some(r) = &report {
                reports.push((i, r.clone()));
            }
            let (tx, stop, wait) = (tx.clone(), stop.clone(), opts(&http, 25));
            tasks.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    match sync::sync(&mut s, &wait, None, &CancelToken::new()).await {
                        Ok(st) if st.pulled > 0 => {
                            let _ = tx.send((i, Instant::now()));
                        }
                        Ok(_) => {}
                        Err(e) => eprintln!("device {i}: {e}"),
                    }
                }
            }));
        }
        let all_waiting = || async {
            let mut n = 0;
            for url in &urls {
                n += waiting(&http, url).await;
            }
            n
        };
        while all_waiting().await < devices as u64 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut latencies = Vec::with_capacity(samples);
        for (i, report) in &reports {
            boss.comment_report(report, "收到，继续跟进").unwrap();
            let sent = Instant::now();
            sync::sync(&mut boss, &now, None, &CancelToken::new()).await.unwrap();
            let (who, at) = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.unwrap().unwrap();
            assert_eq!(who, *i, "only the report's author was woken with news");
            latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        latencies.sort_by(f64::total_cmp);
        println!(
            "comment to the author's waiting device, {devices} devices waiting, {backend}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} comments)",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies.last().unwrap(),
            latencies.len()
        );
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in tasks {
            t.abort();
        }

        // 2 and 3, each on servers started afresh (memory a process freed and kept would be
        // counted for nothing).
        sync::sync(&mut boss, &now, None, &CancelToken::new()).await.unwrap();
        let head = boss.sync_state().unwrap().cursor;
        let tokens: Vec<String> = tokens.into_iter().map(|(_, t)| t).collect();
        let mut servers = servers;
        for part in [Part::Waiting, Part::Idle] {
            for (mut c, _) in servers.drain(..) {
                let _ = c.kill();
                let _ = c.wait();
            }
            servers = (0..urls.len()).map(|_| serve(dir.path(), database.as_deref(), false)).collect();
            let fresh: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
            let pids: Vec<u32> = servers.iter().map(|(c, _)| c.id()).collect();
            for url in &fresh {
                while http.get(format!("{url}/healthz")).send().await.is_err() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            memory(part, &fresh, &pids, &tokens, head, waiters, backend).await;
        }
        for (mut c, _) in servers {
            let _ = c.kill();
            let _ = c.wait();
        }
    });
}

/// What the memory part holds open.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    /// Sync requests waiting for news.
    Waiting,
    /// Keep-alive connections that asked `/healthz` once.
    Idle,
}

/// `n` of `part` held open on the servers at `urls` (processes `pids`), 250 at a time, after
/// 250 opened and let go (the servers' pools of threads and connections grow first): the
/// servers' resident memory with them, less before them, per one.
async fn memory(part: Part, urls: &[String], pids: &[u32], tokens: &[String], head: u64, n: usize, backend: &str) {
    let http = reqwest::Client::new();
    let all_waiting = || async {
        let mut w = 0;
        for url in urls {
            w += waiting(&http, url).await;
        }
        w
    };
    let body = SyncRequest { cursor: head, max_bytes: 1 << 20, ..Default::default() }.encode();
    let poller = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let ended = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let open = |count: usize| {
        let (poller, body, ended) = (poller.clone(), body.clone(), ended.clone());
        let all_waiting = &all_waiting;
        async move {
            let mut held: Vec<tokio::task::JoinHandle<()>> = Vec::with_capacity(count);
            let mut idle = Vec::new();
            let base = all_waiting().await + ended.load(std::sync::atomic::Ordering::Relaxed);
            for w in 0..count {
                let url = urls[w % urls.len()].clone();
                if part == Part::Idle {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut c = tokio::net::TcpStream::connect(url.trim_start_matches("http://")).await.unwrap();
                    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
                    let mut buf = [0u8; 1024];
                    let _ = c.read(&mut buf).await.unwrap();
                    idle.push(c);
                    continue;
                }
                let token = tokens[w % tokens.len()].clone();
                let (client, body, done) = (poller.clone(), body.clone(), ended.clone());
                held.push(tokio::spawn(async move {
                    let _ = client
                        .post(format!("{url}/v1/sync?wait=60"))
                        .bearer_auth(token)
                        .header("content-type", CONTENT_TYPE)
                        .body(body)
                        .send()
                        .await;
                    done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }));
                if w % 250 == 249 || w + 1 == count {
                    let opened = base + (w + 1) as u64;
                    let started = Instant::now();
                    while all_waiting().await + ended.load(std::sync::atomic::Ordering::Relaxed) < opened
                        && started.elapsed() < Duration::from_secs(20)
                    {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
            (held, idle)
        }
    };
    let (warm, warm_idle) = open(250).await;
    for h in warm {
        h.abort();
    }
    drop(warm_idle);
    while all_waiting().await > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before: Vec<u64> = pids.iter().map(|p| rss(*p)).collect();
    ended.store(0, std::sync::atomic::Ordering::Relaxed);
    let (held, idle) = open(n).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let count = if part == Part::Waiting { all_waiting().await } else { idle.len() as u64 };
    let with: Vec<u64> = pids.iter().map(|p| rss(*p)).collect();
    let grown: u64 = with.iter().zip(&before).map(|(w, b)| w.saturating_sub(*b)).sum();
    let what = match part {
        Part::Waiting => {
            format!("requests waiting for news ({} answered early)", ended.load(std::sync::atomic::Ordering::Relaxed))
        }
        Part::Idle => "idle keep-alive connections (one /healthz each)".to_string(),
    };
    println!(
        "{count} {what}, {backend}: resident memory {} MiB before, {} MiB with them: {:.1} KiB each",
        before.iter().sum::<u64>() >> 20,
        with.iter().sum::<u64>() >> 20,
        grown as f64 / 1024.0 / count.max(1) as f64
    );
    for h in held {
        h.abort();
    }
}
