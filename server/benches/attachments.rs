//! Attached files between a device (this process) and the server binary (a child process) on
//! loopback, through a proxy that counts every byte on the wire, headers included:
//! - a sync where the server already holds all 1,000 of the device's files: round trips of the
//!   check and bytes in all;
//! - the upload of 10 photos of 3 MB: bytes on the wire against their size, and speed;
//! - an upload cut at 50%, then resumed: bytes sent again in all, against the file's size;
//! - the device's memory while it uploads a 20 MB file, above idle (peak RSS; the file was
//!   attached by another process, so that nothing of it is resident beforehand).
//!
//! Run: `cargo bench -p fieldreport-server --bench attachments`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use fieldreport_core::doc::{FollowupKind, Kind, NewCustomer, NewFollowup};
use fieldreport_core::sync::testing::CutAt;
use fieldreport_core::sync::{
    self, CancelToken, HttpRequest, ReqwestTransport, SyncOptions, SyncStats, Transport, TransportFuture,
};
use fieldreport_core::Store;
use fieldreport_server::testing::photo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The server binary serving a new data directory, with a rep's enrollment code.
struct Server {
    child: Child,
    url: String,
    code: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn admin(data: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_fieldreport-server"))
        .arg("--data")
        .arg(data)
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    admin(dir.path(), &["init", "--team-name", "bench", "--admin-name", "admin"]);
    let rep = admin(dir.path(), &["user", "add", "--name", "张伟", "--role", "rep"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_fieldreport-server"))
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        code: rep["enrollment_code"].as_str().unwrap().to_string(),
        _dir: dir,
    }
}

/// A loopback proxy to `target` that counts the bytes through it, both ways.
struct Proxy {
    url: String,
    bytes: Arc<AtomicU64>,
}

async fn proxy(target: &str) -> Proxy {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bytes = Arc::new(AtomicU64::new(0));
    let (counted, target) = (bytes.clone(), target.trim_start_matches("http://").to_string());
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let counted = counted.clone();
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                let (ri, wi) = inbound.into_split();
                let (ro, wo) = outbound.into_split();
                tokio::join!(pump(ri, wo, counted.clone()), pump(ro, wi, counted));
            });
        }
    });
    Proxy { url, bytes }
}

/// Copies `r` to `w`, counting the bytes.
async fn pump(
    mut r: impl tokio::io::AsyncRead + Unpin,
    mut w: impl tokio::io::AsyncWrite + Unpin,
    counted: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        counted.fetch_add(n as u64, Ordering::Relaxed);
        if w.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = w.shutdown().await;
}

/// Sends requests for `from` to `to` (the proxy) instead.
struct Via {
    from: String,
    to: String,
    inner: Arc<dyn Transport>,
}

impl Transport for Via {
    fn post(&self, mut request: HttpRequest) -> TransportFuture<'_> {
        request.url = request.url.replacen(&self.from, &self.to, 1);
        self.inner.post(request)
    }
}

fn via(server: &Server, p: &Proxy, inner: Arc<dyn Transport>) -> Arc<dyn Transport> {
    Arc::new(Via { from: server.url.clone(), to: p.url.clone(), inner })
}

/// Counts requests to `/v1/blobs/missing`.
struct Counting {
    inner: ReqwestTransport,
    missing: AtomicU64,
}

impl Transport for Counting {
    fn post(&self, request: HttpRequest) -> TransportFuture<'_> {
        if request.url.ends_with("/v1/blobs/missing") {
            self.missing.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.post(request)
    }
}

fn options(t: Arc<dyn Transport>) -> SyncOptions {
    SyncOptions { transport: Some(t), ..Default::default() }
}

async fn enrolled(url: &str, code: &str, path: &Path) -> Store {
    let mut s = Store::open(path).unwrap();
    sync::enroll(&mut s, url, code, &SyncOptions::default()).await.unwrap();
    sync::sync(&mut s, &SyncOptions::default(), None, &CancelToken::new()).await.unwrap();
    s
}

fn visit(s: &mut Store, customer: &str, note: &str) -> String {
    let at = s.now_ms();
    s.log_followup(NewFollowup::new(customer, FollowupKind::Visit, at, note)).unwrap().header.id
}

/// A device whose server already holds all 1,000 of its files (its record of having sent them
/// was lost, as after a restore from a backup): the sync that finds out.
async fn known_files() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("device.db");
    let mut s = enrolled(&server.url, &server.code, &db).await;
    let c = s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap().header.id;
    for v in 0..100 {
        let id = visit(&mut s, &c, &format!("拜访 {v}"));
        for p in 0..10 {
            s.attach_bytes(Kind::Followup, &id, &photo(4, 4, v * 10 + p + 1), &format!("{v}-{p}.png"), None).unwrap();
        }
    }
    let first = sync::sync(&mut s, &SyncOptions::default(), None, &CancelToken::new()).await.unwrap();
    assert_eq!(first.files_uploaded, 1000);
    assert_eq!(s.mark_files_unsent().unwrap(), 1000);
    assert_eq!(s.unsent_attachments().unwrap().len(), 1000);

    let p = proxy(&server.url).await;
    let counting = Arc::new(Counting { inner: ReqwestTransport::new().unwrap(), missing: AtomicU64::new(0) });
    let t = via(&server, &p, counting.clone());
    let stats = sync::sync(&mut s, &options(t), None, &CancelToken::new()).await.unwrap();
    assert_eq!((stats.files_uploaded, stats.file_bytes_sent), (0, 0));
    assert!(s.unsent_attachments().unwrap().is_empty());
    let wire = p.bytes.load(Ordering::Relaxed);
    println!(
        "| 1,000 files the server holds | {} round trip(s) for the check, {} in the whole sync | {:.1} KB on the wire in all (target ≤ 50 KB) |",
        counting.missing.load(Ordering::Relaxed),
        stats.round_trips,
        wire as f64 / 1000.0
    );
}

/// Ten photos of 3 MB.
async fn ten_photos() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = enrolled(&server.url, &server.code, &dir.path().join("device.db")).await;
    let c = s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap().header.id;
    let mut size = 0;
    for i in 0..10 {
        let id = visit(&mut s, &c, &format!("拜访 {i}"));
        size += s.attach_bytes(Kind::Followup, &id, &photo(1000, 1000, i + 1), "p.png", None).unwrap().size;
    }
    // The documents first, then the files alone, measured.
    let docs_only = SyncOptions { upload_files: false, ..Default::default() };
    sync::sync(&mut s, &docs_only, None, &CancelToken::new()).await.unwrap();
    let p = proxy(&server.url).await;
    let mut stats = SyncStats::default();
    let t = via(&server, &p, Arc::new(ReqwestTransport::new().unwrap()));
    let started = Instant::now();
    sync::upload_files(&mut s, &options(t), None, &CancelToken::new(), &mut stats).await.unwrap();
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(stats.files_uploaded, 10);
    let wire = p.bytes.load(Ordering::Relaxed);
    println!(
        "| 10 photos of 3 MB ({:.1} MB) | {:.3} × their size on the wire (target ≤ 1.02) | {:.0} MB/s (target ≥ 100), {} requests |",
        size as f64 / 1e6,
        wire as f64 / size as f64,
        size as f64 / 1e6 / secs,
        stats.round_trips
    );
}

/// An upload cut at half, then resumed.
async fn resume() {
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = enrolled(&server.url, &server.code, &dir.path().join("device.db")).await;
    let c = s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap().header.id;
    let id = visit(&mut s, &c, "合同");
    let f = s.attach_bytes(Kind::Followup, &id, &photo(1000, 1000, 77), "合同.png", None).unwrap();
    let docs_only = SyncOptions { upload_files: false, ..Default::default() };
    sync::sync(&mut s, &docs_only, None, &CancelToken::new()).await.unwrap();

    let p = proxy(&server.url).await;
    let cut = Arc::new(CutAt::new(f.size / 2));
    let opts = SyncOptions { retries: 0, ..options(via(&server, &p, cut)) };
    let mut first = SyncStats::default();
    assert!(sync::upload_files(&mut s, &opts, None, &CancelToken::new(), &mut first).await.is_err());
    let before = p.bytes.load(Ordering::Relaxed);
    let mut again = SyncStats::default();
    let t = via(&server, &p, Arc::new(ReqwestTransport::new().unwrap()));
    sync::upload_files(&mut s, &options(t), None, &CancelToken::new(), &mut again).await.unwrap();
    assert_eq!(again.files_uploaded, 1);
    let resent = p.bytes.load(Ordering::Relaxed) - before;
    println!(
        "| a {:.1} MB upload cut at 50% | {:.1}% of its size sent again in all, headers included (target ≤ 55%) | |",
        f.size as f64 / 1e6,
        resent as f64 * 100.0 / f.size as f64
    );
}

fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// Uploads a 20 MB file attached (by another process) to the store at `db`.
async fn memory(db: PathBuf) {
    let mut s = Store::open(&db).unwrap();
    let size = s.unsent_attachments().unwrap()[0].size;
    let t: Arc<dyn Transport> = Arc::new(ReqwestTransport::new().unwrap());
    // Warm up the client and the connection (TLS provider, pools) before the idle figure.
    let docs_only = SyncOptions { upload_files: false, ..options(t.clone()) };
    sync::sync(&mut s, &docs_only, None, &CancelToken::new()).await.unwrap();
    let idle = status_kb("VmRSS:");
    std::fs::write("/proc/self/clear_refs", "5").unwrap(); // the peak starts again from now
    let mut stats = SyncStats::default();
    sync::upload_files(&mut s, &options(t), None, &CancelToken::new(), &mut stats).await.unwrap();
    assert_eq!(stats.files_uploaded, 1);
    let peak = status_kb("VmHWM:");
    println!(
        "| uploading a {:.1} MB file | {:.1} MB above idle at the peak (target ≤ 8 MB) | idle {:.1} MB |",
        size as f64 / 1e6,
        peak.saturating_sub(idle) as f64 / 1024.0,
        idle as f64 / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    // The memory run's own process: `attachments --upload-only DB`.
    if let Some(i) = args.iter().position(|a| a == "--upload-only") {
        rt.block_on(memory(PathBuf::from(&args[i + 1])));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    println!("\n| scenario | measured | |\n|---|---|---|");
    rt.block_on(known_files());
    rt.block_on(ten_photos());
    rt.block_on(resume());
    // 20 MB: attached here, uploaded by a fresh process whose memory is measured.
    rt.block_on(async {
        let server = server().await;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("device.db");
        let mut s = enrolled(&server.url, &server.code, &db).await;
        let c = s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap().header.id;
        let id = visit(&mut s, &c, "大图");
        let file = dir.path().join("big.png");
        std::fs::write(&file, photo(2580, 2580, 99)).unwrap();
        s.attach_file(Kind::Followup, &id, &file, None, None).unwrap();
        sync::sync(&mut s, &SyncOptions { upload_files: false, ..Default::default() }, None, &CancelToken::new())
            .await
            .unwrap();
        drop(s);
        let status = Command::new(std::env::current_exe().unwrap()).arg("--upload-only").arg(&db).status().unwrap();
        assert!(status.success());
    });
}
