//! The storage backends side by side in one run: the embedded SQLite with one server,
//! PostgreSQL with one server, and PostgreSQL with two servers sharing the database (devices
//! split between them). For each: merge throughput of 50 concurrent devices, sync latency at 500
//! single-change requests per second, the bootstrap of a new device with 10,000 documents, and
//! an idle sync.
//!
//! Run: `cargo bench -p fieldreport-server --bench backends`. PostgreSQL: the database at
//! `FIELDREPORT_BENCH_DATABASE_URL` (a role that may create databases), else a durable cluster
//! of its own under target/pg-bench (`scripts/pg-test-cluster bench`).

use std::sync::Arc;
use std::time::Instant;

use fieldreport_core::doc::NewCustomer;
use fieldreport_server::{Limits, Location, Service};

mod common;
use common::{device, postgres_database, run, throughput_observed, Load};

const DOCS: usize = 10_000;

struct Figures {
    load: Load,
    bootstrap_s: f64,
    bootstrap_trips: u32,
    idle_trips: u32,
    idle_ms: f64,
}

/// `servers` processes' worth of services on `at` (each its own writer and caches), serving on
/// loopback.
async fn measure(label: &str, at: Location, servers: usize) -> Figures {
    let admin = Service::open(&at).unwrap();
    admin.init_team("bench", "Asia/Shanghai", "monday", "admin").unwrap();
    let mut urls = Vec::new();
    let mut running = Vec::new();
    for _ in 0..servers {
        let s = Arc::new(Service::open(&at).unwrap());
        let r = fieldreport_server::start_with(s, "127.0.0.1:0", Limits::default()).await.unwrap();
        urls.push(format!("http://{}", r.addr));
        running.push(r);
    }
    eprintln!("{label}: load…");
    let census = match &at {
        Location::Postgres(url) => Some(url.clone()),
        _ => None,
    };
    let load = throughput_observed(&admin, &urls, |after| {
        let census = census.clone();
        async move {
            if let Some(url) = census {
                statements(&url, after, label).await;
            }
        }
    })
    .await;

    eprintln!("{label}: {DOCS} documents…");
    let (rep, code) = admin.add_user("rep", "rep", None).unwrap();
    let mut phone = device(&urls[0], &code, None).await;
    for i in 0..DOCS {
        phone.add_customer(NewCustomer { name: format!("客户 {i:05}"), ..Default::default() }).unwrap();
    }
    run(&mut phone).await;
    let t = Instant::now();
    let idle = run(&mut phone).await;
    let idle_ms = t.elapsed().as_secs_f64() * 1000.0;
    let dir = tempfile::tempdir().unwrap();
    let tablet_code = admin.enrollment_code(&rep.id).unwrap();
    let mut tablet = device(urls.last().unwrap(), &tablet_code, Some(&dir.path().join("tablet.db"))).await;
    let t = Instant::now();
    let boot = run(&mut tablet).await;
    let bootstrap_s = t.elapsed().as_secs_f64();
    assert_eq!(boot.pulled as usize, DOCS);
    for r in running {
        r.shutdown().await;
    }
    Figures { load, bootstrap_s, bootstrap_trips: boot.round_trips, idle_trips: idle.round_trips, idle_ms }
}

/// PostgreSQL's count of statements (pg_stat_statements): reset before the steady phase, and
/// after it the statements run, most frequent first, per write transaction (COMMIT).
async fn statements(url: &str, after: bool, label: &str) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    if !after {
        let reset = "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()";
        if let Err(e) = client.batch_execute(reset).await {
            eprintln!("{label}: no statement counts ({e}): restart the cluster (scripts/pg-test-cluster stop)");
        }
        return;
    }
    let Ok(rows) = client
        .query(
            "SELECT calls, query, total_exec_time FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC",
            &[],
        )
        .await
    else {
        return;
    };
    let calls = |r: &tokio_postgres::Row| r.get::<_, i64>(0);
    let commits = rows.iter().filter(|r| r.get::<_, String>(1).trim() == "COMMIT").map(calls).sum::<i64>().max(1);
    let total: i64 = rows.iter().map(calls).sum();
    println!("\n{label}: {total} statements at the steady rate, {commits} write transactions ({:.1} statements per transaction)", total as f64 / commits as f64);
    println!("| calls per transaction | µs each (executing) | statement |\n|---|---|---|");
    for r in rows.iter().take(30) {
        let q: String = r.get::<_, String>(1).split_whitespace().collect::<Vec<_>>().join(" ");
        let q: String = q.chars().take(110).collect();
        let us = r.get::<_, f64>(2) * 1000.0 / calls(r).max(1) as f64;
        println!("| {:.2} | {us:.0} | `{q}` |", calls(r) as f64 / commits as f64);
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let runs = [
            ("SQLite, one server", Location::Dir(dir.path().join("a")), 1),
            ("PostgreSQL, one server", Location::Postgres(postgres_database("fr_bench")), 1),
            ("PostgreSQL, two servers", Location::Postgres(postgres_database("fr_bench")), 2),
            ("SQLite, one server (again)", Location::Dir(dir.path().join("b")), 1),
        ];
        // BACKENDS=postgres (or sqlite) runs only those.
        let only = std::env::var("BACKENDS").unwrap_or_default().to_lowercase();
        let mut rows = Vec::new();
        for (label, at, servers) in runs {
            if !label.to_lowercase().contains(&only) {
                continue;
            }
            let f = measure(label, at, servers).await;
            rows.push((label, f));
        }
        println!("\n| backend | merge throughput, 50 devices | p50 / p99 at 500/s | writer at 500/s | cores busy at 500/s | bootstrap of {DOCS} | idle sync |");
        println!("|---|---|---|---|---|---|---|");
        for (label, f) in rows {
            println!(
                "| {label} | {:.0} changes/s ({:.0} µs CPU per change + {:.0} in PostgreSQL) | {:.1} / {:.1} ms (max {:.1}) | {:.1} jobs and {:.1} round trips per transaction | {:.2} + {:.2} | {:.2} s, {} round trips | {} round trip, {:.1} ms |",
                f.load.per_second(),
                f.load.cpu_us_per_change,
                f.load.pg_us_per_change,
                f.load.p50_ms,
                f.load.p99_ms,
                f.load.max_ms,
                f.load.jobs as f64 / f.load.batches.max(1) as f64,
                f.load.trips_per_batch(),
                f.load.steady_cores.0,
                f.load.steady_cores.1,
                f.bootstrap_s,
                f.bootstrap_trips,
                f.idle_trips,
                f.idle_ms
            );
        }
    });
}
