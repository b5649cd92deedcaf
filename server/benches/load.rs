//! Under load and under attack (BENCHMARKS.md, "Under attack"): simulated devices syncing every
//! few seconds (a few percent of them editing) while two attacker tokens send decompression
//! bombs, garbage, crafted Automerge data, unbounded ranges, forged comment authors, sync
//! requests of 700,000 pushes, large bodies with a bogus token, image bombs for thumbnails,
//! an upload flood and a sign-in flood as fast as they can, against the real server binary on
//! loopback. Bounded in time and count.
//!
//! Run: `cargo bench -p fieldreport-server --bench load` (`LOAD_SECONDS`, default 60;
//! `LOAD_DEVICES`, default 2000; `LOAD_ATTACK=0` for the load alone; `LOAD_BACKEND=postgres` for two server processes on one
//! PostgreSQL database — the test cluster, see scripts/pg-test-cluster — sharing a files
//! directory, devices and attackers spread over both).
//!
//! Reports honest devices' sync latency (p50, p99, max) and errors, the attack requests sent and
//! refused, and the server process's peak resident memory.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldreport_core::doc::{Comment, Kind, NewCustomer, Report, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_core::sync::wire::{Push, SyncRequest};
use fieldreport_core::sync::{self, CancelToken, SyncOptions, CONTENT_TYPE};
use fieldreport_core::Store;
use fieldreport_server::Service;

mod common;
use common::{env, percentile, serve};

/// The peak resident memory of process `pid`, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// A raw DEFLATE bomb of `segments` × 8 MiB of zeros as a compressed change chunk (see
/// tests/tests/bomb.rs for how it is built cheaply).
fn bomb_chunk(segments: usize) -> Vec<u8> {
    let zeros = vec![0u8; 8 << 20];
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut feed = |input: &[u8], flush| {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut at = 0;
        loop {
            let (i, o) = (c.total_in(), c.total_out());
            c.compress(&input[at..], &mut buf, flush).unwrap();
            at += (c.total_in() - i) as usize;
            let n = (c.total_out() - o) as usize;
            out.extend_from_slice(&buf[..n]);
            if at == input.len() && n < buf.len() {
                return out;
            }
        }
    };
    let first = feed(&zeros, flate2::FlushCompress::Sync);
    let second = feed(&zeros, flate2::FlushCompress::Sync);
    let end = feed(&[], flate2::FlushCompress::Finish);
    let mut stream = first;
    for _ in 1..segments {
        stream.extend_from_slice(&second);
    }
    stream.extend_from_slice(&end);
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 2];
    let mut n = stream.len() as u64;
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            chunk.push(b);
            break;
        }
        chunk.push(b | 0x80);
    }
    chunk.extend_from_slice(&stream);
    chunk
}

/// The attack mix, one request at a time, as fast as the server answers.
async fn attack(
    url: String,
    mut store: Store,
    web: Web,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
) {
    let http = sync::http_client().unwrap();
    let token = store.sync_state().unwrap().token;
    // 700,000 pushes of nothing in 15 MB: refused from the header's count.
    let many = SyncRequest {
        pushes: (0..700_000)
            .map(|i| Push { id: format!("{i:x}"), kind: Kind::Customer, heads: Vec::new(), changes: Vec::new() })
            .collect(),
        ..Default::default()
    }
    .encode();
    let big_json = vec![b' '; 15 << 20];
    let junk: Vec<u8> = (0..(1u32 << 20)).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let me = store.identity().unwrap();
    let crashers: Vec<Vec<u8>> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fuzz-crashers/automerge"))
            .map(|d| d.filter_map(|e| std::fs::read(e.ok()?.path()).ok()).collect())
            .unwrap_or_default();
    let bomb = bomb_chunk(108);
    // A new report whose comment names someone else.
    let mut forger = Store::open_in_memory().unwrap();
    forger.init(&me.user_id, &me.team_id, "Asia/Shanghai", "monday").unwrap();
    let r = forger.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    let mut doc = forger.document(&r).unwrap();
    doc.set_actor(&automerge::ActorId::try_from(me.actor.as_str()).unwrap());
    Report::add_comment(
        &mut doc,
        &Comment { id: "c".into(), author: "someone-else".into(), at: 1, text: "同意".into(), ..Default::default() },
    )
    .unwrap();
    doc.commit(2);
    let forged = Push { id: r, kind: Kind::Report, heads: doc.heads(), changes: doc.save_after(&[]) };
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let push = |changes: Vec<u8>| Push {
            id: uuid::Uuid::now_v7().to_string(),
            kind: Kind::Customer,
            heads: Vec::new(),
            changes,
        };
        let kind = i % 10;
        if kind >= 5 {
            let resp = match kind {
                // Large bodies with a bogus token, to the sync and to a small JSON route.
                5 => http.post(format!("{url}/v1/sync")).bearer_auth("bogus").body(big_json.clone()).send().await,
                6 => {
                    http.post(format!("{url}/v1/sync"))
                        .bearer_auth(&token)
                        .header("content-type", CONTENT_TYPE)
                        .body(many.clone())
                        .send()
                        .await
                }
                // Image bombs: thumbnails (and the whole file) of the attacker's own bombs.
                7 => {
                    let (hash, link) = &web.bombs[i % web.bombs.len()];
                    let part = if i % 20 == 7 { "" } else { "/thumb" };
                    http.get(format!("{url}/attachments/{hash}{part}?{link}"))
                        .header("cookie", &web.cookie)
                        .send()
                        .await
                }
                // An upload flood: a megabyte at a time of a file whose bytes are not its own
                // (refused when whole, counted all along), until the daily limit says no.
                8 => {
                    let (hash, size) = &web.flood;
                    let at = (i as u64 / 10 % (size / (1 << 20))) << 20;
                    http.post(format!("{url}/v1/blobs/{hash}?offset={at}&size={size}"))
                        .bearer_auth(&token)
                        .body(junk.clone())
                        .send()
                        .await
                }
                // A sign-in flood.
                _ => http.get(format!("{url}/login")).send().await,
            };
            sent.fetch_add(1, Ordering::Relaxed);
            if let Ok(resp) = resp {
                let status = resp.status().as_u16();
                let _ = resp.bytes().await;
                // A thumbnail of a bomb is refused (404); the sign-in page may be served while
                // the flood is within its rate (counted refused only when told to wait).
                if (400..=499).contains(&status) {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            i += 1;
            continue;
        }
        let (method_get, body, path) = match i % 5 {
            0 => (
                false,
                SyncRequest { pushes: vec![push(bomb.clone())], max_bytes: 1 << 20, ..Default::default() }.encode(),
                "/v1/sync",
            ),
            1 => (
                false,
                SyncRequest { pushes: vec![push(b"garbage".to_vec())], ..Default::default() }.encode(),
                "/v1/sync",
            ),
            2 => {
                let c = crashers.get(i % crashers.len().max(1)).cloned().unwrap_or_default();
                (false, SyncRequest { pushes: vec![push(c)], ..Default::default() }.encode(), "/v1/sync")
            }
            3 => (true, Vec::new(), "/v1/submissions?period=0001-01-01..9999-12-31"),
            _ => (false, SyncRequest { pushes: vec![forged.clone()], ..Default::default() }.encode(), "/v1/sync"),
        };
        let req = if method_get {
            http.get(format!("{url}{path}"))
        } else {
            http.post(format!("{url}{path}")).header("content-type", CONTENT_TYPE).body(body)
        };
        let resp = req.bearer_auth(&token).send().await;
        sent.fetch_add(1, Ordering::Relaxed);
        if let Ok(resp) = resp {
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.unwrap_or_default();
            let rejected = match status {
                400..=499 => true,
                200 => fieldreport_core::sync::wire::SyncResponse::decode(&bytes).is_ok_and(|r| {
                    r.results.iter().all(|x| matches!(x, fieldreport_core::sync::wire::PushResult::Rejected { .. }))
                }),
                _ => false,
            };
            if rejected {
                refused.fetch_add(1, Ordering::Relaxed);
            }
        }
        i += 1;
    }
}

/// What an attacker uses besides its device: a dashboard session, its image bombs (hash, signed
/// link query) and the file it floods uploads of (hash, size).
#[derive(Clone)]
struct Web {
    cookie: String,
    bombs: Vec<(String, String)>,
    flood: (String, u64),
}

/// Makes attacker `store`'s bombs and flood file (attached to visits of its own, the bombs sent),
/// and signs it in on the dashboard.
async fn arm(url: &str, store: &mut Store, admin: &Service, opts: &SyncOptions) -> Web {
    let c = store.add_customer(NewCustomer { name: "目标".into(), ..Default::default() }).unwrap().header.id;
    let mut bombs = Vec::new();
    for (w, h, deep) in [(10_000, 10_000, false), (10_001, 10_000, false), (9_999, 10_000, false), (6_000, 4_000, true)]
    {
        let bytes = fieldreport_server::testing::png_bomb(w, h, deep);
        let v = store
            .log_followup(fieldreport_core::doc::NewFollowup::new(
                &c,
                fieldreport_core::doc::FollowupKind::Visit,
                1,
                "门头",
            ))
            .unwrap()
            .header
            .id;
        let a = store.attach_bytes(Kind::Followup, &v, &bytes, "bomb.png", None).unwrap();
        bombs.push((a.hash, v));
    }
    let flood_bytes: Vec<u8> = (0..(16u32 << 20)).map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8).collect();
    let mut flood = b"%PDF-1.4\n".to_vec();
    flood.extend_from_slice(&flood_bytes);
    let v = store
        .log_followup(fieldreport_core::doc::NewFollowup::new(
            &c,
            fieldreport_core::doc::FollowupKind::Visit,
            1,
            "大文件",
        ))
        .unwrap()
        .header
        .id;
    let f = store.attach_bytes(Kind::Followup, &v, &flood, "flood.pdf", None).unwrap();
    assert!(f.size >= 16 << 20, "the flood file is kept as it is: {}", f.size);
    // The documents go; the bombs are sent (the flood file is not: the attacker sends junk).
    sync::sync(store, &SyncOptions { upload_files: false, ..opts.clone() }, None, &CancelToken::new()).await.unwrap();
    for (hash, _) in &bombs {
        let bytes = store.attachment_bytes(hash).unwrap().unwrap();
        let size = bytes.len();
        let token = store.sync_state().unwrap().token;
        let mut at = 0;
        for piece in bytes.chunks(1 << 20) {
            sync::http_client()
                .unwrap()
                .post(format!("{url}/v1/blobs/{hash}?offset={at}&size={size}"))
                .bearer_auth(&token)
                .body(piece.to_vec())
                .send()
                .await
                .unwrap();
            at += piece.len();
        }
    }
    let bombs = bombs.into_iter().map(|(hash, v)| (hash.clone(), admin.sign_file_link(&hash, &v).unwrap())).collect();
    let me = store.identity().unwrap().user_id;
    let link = admin.login_link(&me).unwrap();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = client.post(format!("{url}/login/{link}")).header("origin", url).send().await.unwrap();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_string();
    Web { cookie, bombs, flood: (f.hash, f.size) }
}

/// The team, its reps and one enrollment code per device, written before the server starts;
/// and two attackers' codes.
fn team(admin: &Service, devices: usize) -> (Vec<String>, Vec<String>) {
    let reps = (devices / 10).max(1);
    admin.init_team("load", "Asia/Shanghai", "monday", "admin").unwrap();
    let (mgr, _) = admin.add_user("经理", "manager", None).unwrap();
    let mut codes = Vec::with_capacity(devices);
    for r in 0..reps {
        let (u, code) = admin.add_user(&format!("销售 {r}"), "rep", Some(&mgr.id)).unwrap();
        codes.push(code);
        for _ in 1..(devices / reps) {
            codes.push(admin.enrollment_code(&u.id).unwrap());
        }
    }
    let attackers: Vec<String> =
        (0..2).map(|i| admin.add_user(&format!("攻击者 {i}"), "rep", None).unwrap().1).collect();
    (codes, attackers)
}

/// What the honest devices measured.
#[derive(Clone, Default)]
struct Honest {
    latencies: Arc<Mutex<Vec<f64>>>,
    errors: Arc<AtomicU64>,
}

/// Device `i` syncing every 2–4 s until `stop`, adding a customer now and then.
async fn honest(i: usize, mut s: Store, opts: SyncOptions, stop: Arc<AtomicBool>, seen: Honest) {
    let mut rng = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    tokio::time::sleep(Duration::from_millis(next() % 3000)).await;
    while !stop.load(Ordering::Relaxed) {
        if next() % 100 < 3 {
            s.add_customer(NewCustomer { name: format!("客户 {}", next() % 1000), ..Default::default() }).unwrap();
        }
        let t = Instant::now();
        match sync::sync(&mut s, &opts, None, &CancelToken::new()).await {
            Ok(_) => seen.latencies.lock().unwrap().push(t.elapsed().as_secs_f64() * 1000.0),
            Err(e) => {
                seen.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("honest device error: {e}");
            }
        }
        tokio::time::sleep(Duration::from_millis(2000 + next() % 2000)).await;
    }
}

/// A store enrolled with `code` (and synced once when `sync_once`).
async fn enrolled(url: &str, code: &str, opts: &SyncOptions, sync_once: bool) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    sync::enroll(&mut s, url, code, opts).await.unwrap();
    if sync_once {
        sync::sync(&mut s, opts, None, &CancelToken::new()).await.unwrap();
    }
    s
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let seconds = env("LOAD_SECONDS", 60);
    let devices = env("LOAD_DEVICES", 2000) as usize;
    let postgres = std::env::var("LOAD_BACKEND").is_ok_and(|b| b == "postgres");
    let dir = tempfile::tempdir().unwrap();
    let database = postgres.then(fieldreport_server::store::postgres::test_cluster::new_database);
    let mut admin = match &database {
        Some(url) => Service::open(&fieldreport_server::Location::Postgres(url.clone())).unwrap(),
        None => Service::open_dir(dir.path()).unwrap(),
    };
    admin.keep_files(&dir.path().join("blobs").display().to_string()).unwrap();
    let (codes, attackers) = team(&admin, devices);
    let servers: Vec<(std::process::Child, String)> =
        (0..if postgres { 2 } else { 1 }).map(|_| serve(dir.path(), database.as_deref(), true)).collect();
    let pids: Vec<u32> = servers.iter().map(|(c, _)| c.id()).collect();
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
    let backend = if postgres { "PostgreSQL, two servers" } else { "SQLite, one server" };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        for url in &urls {
            for _ in 0..100 {
                if sync::http_client().unwrap().get(format!("{url}/healthz")).send().await.is_ok() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let http = sync::http_client().unwrap();
        let transport: Arc<dyn sync::Transport> = Arc::new(sync::ReqwestTransport::with_client(http));
        let opts = SyncOptions { transport: Some(transport), retries: 0, ..Default::default() };
        eprintln!("enrolling {devices} devices…");
        let mut stores = Vec::with_capacity(devices);
        for (i, code) in codes.iter().enumerate() {
            stores.push(enrolled(&urls[i % urls.len()], code, &opts, true).await);
        }
        let mut attacker_stores = Vec::new();
        for (i, code) in attackers.iter().enumerate() {
            let url = &urls[i % urls.len()];
            let mut s = enrolled(url, code, &opts, false).await;
            let web = arm(url, &mut s, &admin, &opts).await;
            attacker_stores.push((url.clone(), s, web));
        }
        eprintln!("running {seconds} s: {devices} devices syncing every 2–4 s, two attackers…");
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Honest::default();
        let (sent, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let mut tasks = Vec::new();
        for (i, s) in stores.into_iter().enumerate() {
            tasks.push(tokio::spawn(honest(i, s, opts.clone(), stop.clone(), seen.clone())));
        }
        // `LOAD_ATTACK=0`: the same load without the attackers (the baseline they are judged by).
        if env("LOAD_ATTACK", 1) != 0 {
            for (url, s, web) in attacker_stores {
                tasks.push(tokio::spawn(attack(url, s, web, stop.clone(), sent.clone(), refused.clone())));
            }
        }
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        let mut l = seen.latencies.lock().unwrap().clone();
        l.sort_by(f64::total_cmp);
        let attackers = if env("LOAD_ATTACK", 1) != 0 { "2 attackers" } else { "no attackers" };
        println!("## under load and under attack ({seconds} s, {devices} devices, {attackers}; {backend})\n");
        println!(
            "honest syncs: {} — p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; errors: {}",
            l.len(),
            percentile(&l, 0.5),
            percentile(&l, 0.99),
            l.last().copied().unwrap_or(0.0),
            seen.errors.load(Ordering::Relaxed)
        );
        println!("attack requests: {} sent, {} refused", sent.load(Ordering::Relaxed), refused.load(Ordering::Relaxed));
        for pid in &pids {
            println!("server {pid} peak RSS: {:.0} MB", peak_rss(*pid) as f64 / (1 << 20) as f64);
        }
    });
    for (mut server, _) in servers {
        let _ = server.kill();
        let _ = server.wait();
    }
}
