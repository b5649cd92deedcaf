//! Load shared by the server benchmarks: devices, and 50 devices pushing concurrently to one or
//! several servers (throughput, then latency at a steady 500 changes per second).
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldreport_core::doc::{CustomerEdit, NewCustomer};
use fieldreport_core::sync::wire::SyncRequest;
use fieldreport_core::sync::{self, CancelToken, SyncOptions, CONTENT_TYPE};
use fieldreport_core::Store;
use fieldreport_server::Service;

/// A device enrolled at `url` (in memory, or on disk at `path`).
pub async fn device(url: &str, code: &str, path: Option<&std::path::Path>) -> Store {
    let mut s = match path {
        Some(p) => Store::open(p).unwrap(),
        None => Store::open_in_memory().unwrap(),
    };
    sync::enroll(&mut s, url, code, &SyncOptions::default()).await.unwrap();
    s
}

/// Syncs with one reused HTTP client, as a long-lived app does.
pub async fn run(s: &mut Store) -> fieldreport_core::sync::SyncStats {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let http = HTTP.get_or_init(|| sync::http_client().unwrap()).clone();
    let http: Arc<dyn sync::Transport> = Arc::new(sync::ReqwestTransport::with_client(http));
    let opts = SyncOptions { transport: Some(http), ..Default::default() };
    sync::sync(s, &opts, None, &CancelToken::new()).await.unwrap()
}

/// Sends one prepared sync request and reads the whole answer.
async fn post(http: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) {
    let r = http
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header("content-type", CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.bytes().await.unwrap();
    assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
}

/// One device's prepared load: the server it talks to, its token, batched requests, and
/// single-change requests.
type Plan = (String, String, Vec<Vec<u8>>, Vec<Vec<u8>>);

/// What a load run measured.
pub struct Load {
    pub changes: usize,
    pub seconds: f64,
    pub cpu_us_per_change: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub requests: usize,
    /// PostgreSQL's CPU per change in the throughput run (its processes, on the same cores).
    pub pg_us_per_change: f64,
    /// Cores busy during the steady phase: this process (server and clients), PostgreSQL.
    pub steady_cores: (f64, f64),
    /// What the servers' writers did during the steady phase: write transactions, the jobs
    /// they held, and the times they waited for the database (PostgreSQL; 0 on SQLite).
    pub batches: u64,
    pub jobs: u64,
    pub round_trips: u64,
}

impl Load {
    /// The writers' round trips per write transaction at the steady rate.
    pub fn trips_per_batch(&self) -> f64 {
        self.round_trips as f64 / self.batches.max(1) as f64
    }
}

impl Load {
    pub fn per_second(&self) -> f64 {
        self.changes as f64 / self.seconds
    }

    pub fn print(&self, label: &str) {
        println!(
            "\n{label}server merge throughput, {DEVICES} concurrent devices, {} document changes in requests of {DOCS_PER_DEVICE}: {:.0} changes/s ({:.2} s, {:.0} µs of CPU per change for server and clients together)",
            self.changes,
            self.per_second(),
            self.seconds,
            self.cpu_us_per_change
        );
        println!(
            "{label}sync latency at 500 changes/s ({} requests of one change): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.requests, self.p50_ms, self.p99_ms, self.max_ms
        );
    }
}

pub const DEVICES: usize = 50;
pub const DOCS_PER_DEVICE: usize = 40;

/// Twenty rounds (40,000 changes, a few seconds): shorter windows swung ±15% on this VM.
const ROUNDS: usize = 20;
/// One more round first, not measured: it opens the servers' read connections and fills their
/// statement caches, which a running server has long done.
const WARMUP: usize = 1;

/// 50 devices push single-document changes concurrently, device `i` to `servers[i % n]`.
pub async fn throughput(admin: &Service, servers: &[String]) -> Load {
    throughput_observed(admin, servers, |_| async {}).await
}

/// [`throughput`], calling `steady(false)` before the steady phase and `steady(true)` after it
/// (to count what the database did meanwhile).
pub async fn throughput_observed<F: std::future::Future<Output = ()>>(
    admin: &Service,
    servers: &[String],
    mut steady: impl FnMut(bool) -> F,
) -> Load {
    let plans = plans(admin, servers).await;
    let http = fieldreport_core::sync::http_client().unwrap();
    let total = DEVICES * DOCS_PER_DEVICE * ROUNDS;
    send_rounds(&http, &plans, 0..WARMUP).await;
    let (cpu0, pg0) = (cpu_secs(), postgres_cpu_secs());
    let t = Instant::now();
    send_rounds(&http, &plans, WARMUP..WARMUP + ROUNDS).await;
    let seconds = t.elapsed().as_secs_f64();
    let (cpu, pg) = (cpu_secs() - cpu0, postgres_cpu_secs() - pg0);
    let m = fieldreport_server::metrics::metrics();
    steady(false).await;
    let before = (m.writer_batches.get(), m.writer_jobs.get(), m.writer_round_trips.get());
    let (cpu1, pg1, t1) = (cpu_secs(), postgres_cpu_secs(), Instant::now());
    let mut lat = steady_latencies(&http, &plans).await;
    let steady_s = t1.elapsed().as_secs_f64();
    let steady_cores = ((cpu_secs() - cpu1) / steady_s, (postgres_cpu_secs() - pg1) / steady_s);
    let (batches, jobs, round_trips) =
        (m.writer_batches.get() - before.0, m.writer_jobs.get() - before.1, m.writer_round_trips.get() - before.2);
    steady(true).await;
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    Load {
        changes: total,
        seconds,
        cpu_us_per_change: cpu * 1e6 / total as f64,
        pg_us_per_change: pg * 1e6 / total as f64,
        steady_cores,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        requests: lat.len(),
        batches,
        jobs,
        round_trips,
    }
}

/// The fleet's requests, prepared offline: each device's documents, every round editing each of
/// them once (one change each), as one request per round, and the last round as one request per
/// change.
async fn plans(admin: &Service, servers: &[String]) -> Vec<Plan> {
    let mut fleet = Vec::new();
    for d in 0..DEVICES {
        let url = servers[d % servers.len()].clone();
        let (_, code) = admin.add_user(&format!("rep {d}"), "rep", None).unwrap();
        let mut s = device(&url, &code, None).await;
        let ids: Vec<String> = (0..DOCS_PER_DEVICE)
            .map(|i| s.add_customer(NewCustomer { name: format!("c{d}-{i}"), ..Default::default() }).unwrap().header.id)
            .collect();
        run(&mut s).await;
        fleet.push((url, s, ids));
    }
    let mut plans: Vec<Plan> = Vec::new();
    for (url, s, ids) in fleet.iter_mut() {
        let state = s.sync_state().unwrap();
        let request = |pushes| SyncRequest { cursor: state.cursor, max_bytes: 1 << 20, pushes, ..Default::default() };
        let mut batched = Vec::new();
        let mut singles = Vec::new();
        for round in 0..WARMUP + ROUNDS + 1 {
            for id in ids.iter() {
                s.edit_customer(id, CustomerEdit { name: Some(format!("{id} r{round}")), ..Default::default() })
                    .unwrap();
            }
            let pushes = s.pending_pushes().unwrap();
            for p in &pushes {
                s.acknowledge(&p.id, &p.heads).unwrap();
            }
            if round < WARMUP + ROUNDS {
                batched.push(request(pushes).encode());
            } else {
                singles.extend(pushes.into_iter().map(|p| request(vec![p]).encode()));
            }
        }
        plans.push((url.clone(), state.token, batched, singles));
    }
    plans
}

/// Every device sends its batched requests of `rounds`, all devices at once.
async fn send_rounds(http: &reqwest::Client, plans: &[Plan], rounds: std::ops::Range<usize>) {
    let tasks: Vec<_> = plans
        .iter()
        .map(|(url, token, batched, _)| {
            let (http, token, batched, url) =
                (http.clone(), token.clone(), batched[rounds.clone()].to_vec(), url.clone());
            tokio::spawn(async move {
                for body in batched {
                    post(&http, &url, &token, body).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// The latency of each single-change request, sent at a steady 500 per second.
async fn steady_latencies(http: &reqwest::Client, plans: &[Plan]) -> Vec<Duration> {
    let singles: Vec<(String, String, Vec<u8>)> = plans
        .iter()
        .flat_map(|(url, tok, _, s)| s.iter().map(move |b| (url.clone(), tok.clone(), b.clone())))
        .collect();
    let mut order: Vec<usize> = (0..singles.len()).collect();
    // Interleave devices: request i goes to device i % DEVICES.
    order.sort_by_key(|i| (i % DOCS_PER_DEVICE, i / DOCS_PER_DEVICE));
    let interval = Duration::from_micros(2_000);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (n, i) in order.into_iter().enumerate() {
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let (url, token, body) = singles[i].clone();
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            post(&http, &url, &token, body).await;
            t.elapsed()
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.push(t.await.unwrap());
    }
    lat
}

/// CPU time (user + system) this process has used, from /proc (Linux).
pub fn cpu_secs() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

/// CPU time (user + system) of every PostgreSQL process on this machine, from /proc (Linux):
/// the database's share of a benchmark on the same cores.
pub fn postgres_cpu_secs() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    let mut ticks = 0u64;
    for entry in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        if &stat[open + 1..close] != "postgres" {
            continue;
        }
        let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        ticks += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        ticks += f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    ticks as f64 / 100.0
}

/// A new database on the benchmarks' PostgreSQL (`FIELDREPORT_BENCH_DATABASE_URL`, a role that
/// may create databases, else the cluster of `scripts/pg-test-cluster bench`), named `prefix_…`.
pub fn postgres_database(prefix: &str) -> String {
    let admin = match std::env::var("FIELDREPORT_BENCH_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
        _ => {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg-test-cluster");
            let out = std::process::Command::new(script).arg("bench").output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        }
    };
    fieldreport_server::store::postgres::test_cluster::create_database(&admin, prefix)
}

/// A visit (a followup with nothing but its kind) of `owner` at customer `customer`, at `at`.
pub fn visit(
    id: String,
    owner: String,
    customer: String,
    kind: fieldreport_core::doc::FollowupKind,
    at: i64,
) -> fieldreport_core::doc::Followup {
    use fieldreport_core::doc::{Followup, Header, Kind, SCHEMA_VERSION};
    Followup {
        header: Header {
            kind: Kind::Followup,
            id,
            team: "team-1".into(),
            owner,
            created_at: at,
            schema: SCHEMA_VERSION,
            deleted: false,
        },
        customer_id: customer,
        deal_id: None,
        kind,
        occurred_at: at,
        note: String::new(),
        next_step: String::new(),
        next_followup_on: None,
        checkin: None,
        checkin_metres: None,
        attachments: Vec::new(),
        stage_change: None,
        plan_id: None,
    }
}

/// The team's calendar in the KPI benchmarks.
pub fn cal() -> fieldreport_core::period::Calendar {
    fieldreport_core::period::Calendar::parse("Asia/Shanghai", "monday").unwrap()
}

/// 2026-10-01 00:00 in Shanghai, the quarter's first day.
pub fn quarter_start() -> i64 {
    cal().day_start_ms(chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap())
}

/// A number from the environment variable `name`, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The value at fraction `p` of `sorted` (0 when empty).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// The server binary serving `dir` (or `database`, with files in `dir/blobs` when `blobs`) on a
/// free port: its process and URL.
pub fn serve(dir: &std::path::Path, database: Option<&str>, blobs: bool) -> (std::process::Child, String) {
    let listen = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let mut args = vec!["--data".to_string(), dir.display().to_string()];
    if let Some(db) = database {
        args.extend(["--database".into(), db.to_string()]);
        if blobs {
            args.extend(["--blobs".into(), dir.join("blobs").display().to_string()]);
        }
    }
    args.extend(["serve".into(), "--listen".into(), listen.clone()]);
    let server = std::process::Command::new(env!("CARGO_BIN_EXE_fieldreport-server"))
        .args(&args)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (server, format!("http://{listen}"))
}
