//! Sync benchmarks, side by side with Automerge's own per-document sync protocol.
//! Run: `cargo bench -p fieldreport-server --bench sync`
//! (`SYNC_BENCH=throughput` runs only the merge throughput and latency part.)
//!
//! Bytes "on the wire" are counted by a TCP proxy between the device and the server, so they
//! include HTTP headers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::sync::{State, SyncDoc};
use automerge::AutoCommit;
use fieldreport_core::doc::{CustomerEdit, NewCustomer};
use fieldreport_core::sync::wire::SyncRequest;
use fieldreport_core::sync::{self, CancelToken, SyncOptions, CONTENT_TYPE};
use fieldreport_core::Store;
use fieldreport_server::Limits;
use fieldreport_server::Service;
use tokio::net::{TcpListener, TcpStream};

const DOCS: usize = 10_000;

/// Counts bytes in both directions between clients and `upstream`.
async fn proxy(upstream: std::net::SocketAddr, counter: Arc<AtomicU64>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else { return };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, counter.clone()));
                tokio::spawn(pump(sr, cw, counter));
            });
        }
    });
    addr
}

/// Copies one direction, counting bytes as they pass (not only when the connection closes).
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counter: Arc<AtomicU64>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                counter.fetch_add(n as u64, Ordering::SeqCst);
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn device(url: &str, code: &str, path: Option<&std::path::Path>) -> Store {
    let mut s = match path {
        Some(p) => Store::open(p).unwrap(),
        None => Store::open_in_memory().unwrap(),
    };
    sync::enroll(&mut s, url, code, &SyncOptions::default()).await.unwrap();
    s
}

/// Syncs with one reused HTTP client, as a long-lived app does.
async fn run(s: &mut Store) -> fieldreport_core::sync::SyncStats {
    static HTTP: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let http = HTTP.get_or_init(|| sync::http_client().unwrap()).clone();
    let http: Arc<dyn sync::Transport> = Arc::new(sync::ReqwestTransport::with_client(http));
    let opts = SyncOptions { transport: Some(http), ..Default::default() };
    sync::sync(s, &opts, None, &CancelToken::new()).await.unwrap()
}

/// Runs Automerge's sync protocol between two replicas until both are quiet; returns (messages,
/// bytes, round trips).
fn automerge_sync(a: &mut AutoCommit, b: &mut AutoCommit, sa: &mut State, sb: &mut State) -> (u64, u64, u64) {
    let (mut msgs, mut bytes, mut trips) = (0, 0, 0);
    loop {
        let ma = a.sync().generate_sync_message(sa);
        let mb = b.sync().generate_sync_message(sb);
        if ma.is_none() && mb.is_none() {
            return (msgs, bytes, trips);
        }
        trips += 1;
        if let Some(m) = ma {
            let enc = m.encode();
            msgs += 1;
            bytes += enc.len() as u64;
            b.sync().receive_sync_message(sb, automerge::sync::Message::decode(&enc).unwrap()).unwrap();
        }
        if let Some(m) = mb {
            let enc = m.encode();
            msgs += 1;
            bytes += enc.len() as u64;
            a.sync().receive_sync_message(sa, automerge::sync::Message::decode(&enc).unwrap()).unwrap();
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Service::open_dir(dir.path()).unwrap();
    admin.init_team("bench", "Asia/Shanghai", "monday", "admin").unwrap();
    let (rep, code) = admin.add_user("rep", "rep", None).unwrap();
    let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", Limits::default()).await.unwrap();
    let wire = Arc::new(AtomicU64::new(0));
    let url = format!("http://{}", proxy(running.addr, wire.clone()).await);

    if std::env::var("SYNC_BENCH").as_deref() == Ok("throughput") {
        // Only the merge throughput and latency part (for profiling it alone).
        return throughput(&admin, &format!("http://{}", running.addr)).await;
    }

    // A device holding 10,000 documents, all synced.
    let mut phone = device(&url, &code, None).await;
    eprintln!("creating {DOCS} documents on the device…");
    let mut ids = Vec::with_capacity(DOCS);
    for i in 0..DOCS {
        ids.push(
            phone.add_customer(NewCustomer { name: format!("客户 {i:05}"), ..Default::default() }).unwrap().header.id,
        );
    }
    let first = run(&mut phone).await;
    eprintln!("initial push: {} round trips, {} documents", first.round_trips, first.pushed);

    println!("## sync, {DOCS} documents on the device\n");
    // Idle sync.
    let before = wire.load(Ordering::SeqCst);
    let t = Instant::now();
    let idle = run(&mut phone).await;
    let idle_ms = t.elapsed().as_secs_f64() * 1000.0;
    let idle_wire = wire.load(Ordering::SeqCst) - before;
    println!(
        "fieldreport idle sync: {} round trip, {} bytes of bodies, {} bytes on the wire with HTTP headers, {:.1} ms",
        idle.round_trips,
        idle.bytes_sent + idle.bytes_received,
        idle_wire,
        idle_ms
    );

    // Automerge's per-document protocol on the same documents, with sync states persisted from
    // an earlier session (the best case for it).
    let mut pairs: Vec<(AutoCommit, AutoCommit, State, State)> = ids
        .iter()
        .map(|id| {
            let bytes = phone.document(id).unwrap().save();
            let mut a = AutoCommit::load(&bytes).unwrap();
            let mut b = AutoCommit::load(&bytes).unwrap();
            let (mut sa, mut sb) = (State::new(), State::new());
            automerge_sync(&mut a, &mut b, &mut sa, &mut sb);
            let sa = State::decode(&sa.encode()).unwrap();
            let sb = State::decode(&sb.encode()).unwrap();
            (a, b, sa, sb)
        })
        .collect();
    let (mut msgs, mut bytes) = (0, 0);
    for (a, b, sa, sb) in pairs.iter_mut() {
        let (m, by, _) = automerge_sync(a, b, sa, sb);
        msgs += m;
        bytes += by;
    }
    println!("automerge sync protocol, idle, per document: {msgs} messages, {bytes} bytes (message bodies only)");

    // One field edit.
    phone.edit_customer(&ids[42], CustomerEdit { name: Some("客户 00042 改名".into()), ..Default::default() }).unwrap();
    let before = wire.load(Ordering::SeqCst);
    let edit = run(&mut phone).await;
    let edit_wire = wire.load(Ordering::SeqCst) - before;
    println!(
        "fieldreport one field edit: {} round trip, {} bytes of bodies ({} sent, {} received), {} bytes on the wire",
        edit.round_trips,
        edit.bytes_sent + edit.bytes_received,
        edit.bytes_sent,
        edit.bytes_received,
        edit_wire
    );
    let (a, b, sa, sb) = &mut pairs[42];
    let bytes42 = phone.document(&ids[42]).unwrap().save();
    a.load_incremental(&bytes42).unwrap();
    let (m, by, trips) = automerge_sync(a, b, sa, sb);
    println!("automerge sync protocol, one field edit: {m} messages in {trips} exchanges, {by} bytes");

    // Bootstrap a new device of the same user.
    let tablet_dir = tempfile::tempdir().unwrap();
    let tablet_code = admin.enrollment_code(&rep.id).unwrap();
    let mut tablet = device(&url, &tablet_code, Some(&tablet_dir.path().join("tablet.db"))).await;
    let t = Instant::now();
    let boot = run(&mut tablet).await;
    println!(
        "bootstrap a new device (on-disk store) with {} documents: {:.2} s, {} round trips, {} bytes received",
        boot.pulled,
        t.elapsed().as_secs_f64(),
        boot.round_trips,
        boot.bytes_received
    );

    throughput(&admin, &format!("http://{}", running.addr)).await;
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
    assert!(r.status().is_success());
    r.bytes().await.unwrap();
}

/// One device's prepared load: its token, batched requests, and single-change requests.
type Plan = (String, Vec<Vec<u8>>, Vec<Vec<u8>>);

/// 50 devices push single-document changes concurrently.
async fn throughput(admin: &Service, url: &str) {
    const DEVICES: usize = 50;
    const DOCS_PER_DEVICE: usize = 40;
    // Twenty rounds (40,000 changes, a few seconds): shorter windows swung ±15% on this VM.
    const ROUNDS: usize = 20;
    // One more round first, not measured: it opens the server's read connections and fills
    // their statement caches, which a running server has long done.
    const WARMUP: usize = 1;
    let mut fleet = Vec::new();
    for d in 0..DEVICES {
        let (_, code) = admin.add_user(&format!("rep {d}"), "rep", None).unwrap();
        let mut s = device(url, &code, None).await;
        let ids: Vec<String> = (0..DOCS_PER_DEVICE)
            .map(|i| s.add_customer(NewCustomer { name: format!("c{d}-{i}"), ..Default::default() }).unwrap().header.id)
            .collect();
        run(&mut s).await;
        fleet.push((s, ids));
    }
    // Prepare requests offline: each round edits every document once (one change each).
    let mut plans: Vec<Plan> = Vec::new();
    for (s, ids) in fleet.iter_mut() {
        let state = s.sync_state().unwrap();
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
                batched.push(
                    SyncRequest { cursor: state.cursor, max_bytes: 1 << 20, pushes, ..Default::default() }.encode(),
                );
            } else {
                for p in pushes {
                    singles.push(
                        SyncRequest { cursor: state.cursor, max_bytes: 1 << 20, pushes: vec![p], ..Default::default() }
                            .encode(),
                    );
                }
            }
        }
        plans.push((state.token, batched, singles));
    }
    let http = fieldreport_core::sync::http_client().unwrap();
    let total = DEVICES * DOCS_PER_DEVICE * ROUNDS;
    let send_all = |rounds: std::ops::Range<usize>| {
        let tasks: Vec<_> = plans
            .iter()
            .map(|(token, batched, _)| {
                let (http, token, batched, url) =
                    (http.clone(), token.clone(), batched[rounds.clone()].to_vec(), url.to_string());
                tokio::spawn(async move {
                    for body in batched {
                        post(&http, &url, &token, body).await;
                    }
                })
            })
            .collect();
        async move {
            for t in tasks {
                t.await.unwrap();
            }
        }
    };
    send_all(0..WARMUP).await;
    let cpu0 = cpu_secs();
    let t = Instant::now();
    send_all(WARMUP..WARMUP + ROUNDS).await;
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    println!(
        "\nserver merge throughput, {DEVICES} concurrent devices, {total} document changes in requests of {DOCS_PER_DEVICE}: {:.0} changes/s ({secs:.2} s, {:.0} µs of CPU per change for server and clients together)",
        total as f64 / secs,
        cpu * 1e6 / total as f64
    );

    // Latency at a steady 500 single-change requests per second.
    let singles: Vec<(String, Vec<u8>)> =
        plans.iter().flat_map(|(tok, _, s)| s.iter().map(move |b| (tok.clone(), b.clone()))).collect();
    let mut order: Vec<usize> = (0..singles.len()).collect();
    // Interleave devices: request i goes to device i % DEVICES.
    order.sort_by_key(|i| (i % DOCS_PER_DEVICE, i / DOCS_PER_DEVICE));
    let interval = Duration::from_micros(2_000);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (n, i) in order.into_iter().enumerate() {
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let (token, body) = singles[i].clone();
        let (http, url) = (http.clone(), url.to_string());
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
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "sync latency at 500 changes/s ({} requests of one change, {:.1} s): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        start.elapsed().as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}

/// CPU time (user + system) this process has used, from /proc (Linux).
fn cpu_secs() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}
