//! Sync benchmarks, side by side with Automerge's own per-document sync protocol.
//! Run: `cargo bench -p fieldreport-server --bench sync`
//! (`SYNC_BENCH=throughput` runs only the merge throughput and latency part.)
//!
//! Bytes "on the wire" are counted by a TCP proxy between the device and the server, so they
//! include HTTP headers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use automerge::sync::{State, SyncDoc};
use automerge::AutoCommit;
use fieldreport_core::doc::{CustomerEdit, NewCustomer};
use fieldreport_server::Limits;
use fieldreport_server::Service;
use tokio::net::{TcpListener, TcpStream};

mod common;
use common::{device, run, throughput};

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

/// Automerge's per-document protocol on the same documents, with sync states persisted from an
/// earlier session (the best case for it): a pair of synced copies of each document.
fn automerge_pairs(phone: &fieldreport_core::Store, ids: &[String]) -> Vec<(AutoCommit, AutoCommit, State, State)> {
    ids.iter()
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
        .collect()
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
        throughput(&admin, &[format!("http://{}", running.addr)]).await.print("");
        return;
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

    let mut pairs = automerge_pairs(&phone, &ids);
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

    let load = throughput(&admin, &[format!("http://{}", running.addr)]).await;
    load.print("");
}
