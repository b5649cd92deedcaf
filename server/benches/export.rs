//! The visits of a quarter for 100 reps (250,000 rows) exported as XLSX (BENCHMARKS.md, "The
//! manager's week"): the time, and the peak memory of a process that does only that.
//!
//! Run: `cargo bench -p fieldreport-server --bench export`
//!
//! The data directory is built once per run: 100 reps and 250,000 followups stored as a merge
//! stores them (the document and its typed view, and the followup's index row), 1,000 distinct
//! followups stored under 250 ids each, over 5,000 customers with locations. Then a fresh
//! process (this binary, `--export-only DIR`) exports and reports its time and `VmHWM`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use fieldreport_core::doc::{CheckIn, FollowupKind, NewCustomer, NewFollowup, Record};
use fieldreport_core::period::Calendar;
use fieldreport_core::report::Lang;
use fieldreport_core::Store;
use fieldreport_server::export::{Request, What, XlsxSink};
use fieldreport_server::service::views;
use fieldreport_server::Service;
use rusqlite::{params, Connection};

const REPS: usize = 100;
const VISITS: usize = 250_000;
const CUSTOMERS: usize = 5_000;
const DAY: i64 = 86_400_000;

fn quarter_start() -> i64 {
    Calendar::parse("Asia/Shanghai", "monday").unwrap().day_start_ms(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap())
}

/// A data directory with the team and its quarter of visits.
fn build(dir: &Path) {
    let service = Service::open_dir(dir).unwrap();
    service.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let reps: Vec<String> =
        (0..REPS).map(|i| service.add_user(&format!("销售{i:03}"), "rep", None).unwrap().0.id).collect();
    drop(service);

    // 1,000 distinct followups with notes, next steps and check-ins, as devices make them.
    let mut s = Store::open_in_memory().unwrap();
    s.init("rep", "team", "Asia/Shanghai", "monday").unwrap();
    let c = s.add_customer(NewCustomer { name: "客户".into(), ..Default::default() }).unwrap().header.id;
    let start = quarter_start();
    let pool: Vec<(Vec<u8>, String)> = (0..1000)
        .map(|i| {
            let at = start + (i as i64 * 7_919_000) % (92 * DAY);
            let mut new =
                NewFollowup::new(&c, FollowupKind::ALL[i % 5], at, "拜访客户，沟通方案与报价，确认下周演示的时间。");
            new.next_step = "下周回访，带上合同草稿".into();
            new.checkin = Some(CheckIn { lat: 31.23 + (i % 7) as f64 * 1e-3, lon: 121.47, accuracy: Some(12.0), at });
            let id = s.log_followup(new).unwrap().header.id;
            let mut doc = s.document(&id).unwrap();
            let view = views::encode(&Record::read(&doc).unwrap()).unwrap();
            (doc.save_uncompressed(), view)
        })
        .collect();

    let conn = Connection::open(dir.join("fieldreport-server.db")).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    for i in 0..CUSTOMERS {
        conn.execute(
            "INSERT INTO customer_index (id, owner, name, lat, lon, live) VALUES (?1, ?2, ?3, 31.23, 121.47, 1)",
            params![format!("c-{i}"), reps[i % REPS], format!("客户{i:04}有限公司")],
        )
        .unwrap();
    }
    for i in 0..VISITS {
        let (bytes, view) = &pool[i % pool.len()];
        // Each stored view names customer `c`: point it at one of the indexed customers.
        let view = view.replace(&c, &format!("c-{}", i % CUSTOMERS));
        let id = uuid::Uuid::now_v7().to_string();
        let owner = &reps[i % REPS];
        let at = start + (i as i64 * 31_771) % (92 * DAY);
        conn.execute(
            "INSERT INTO docs (id, kind, owner, bytes, heads, size, seq, updated_at, view, view_format)
             VALUES (?1, 'followup', ?2, ?3, x'', ?4, ?5, 0, ?6, ?7)",
            params![id, owner, bytes, bytes.len() as i64, i as i64 + 1, view, views::VIEW_FORMAT],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO followup_index (id, owner, occurred_at, live) VALUES (?1, ?2, ?3, 1)",
            params![id, owner, at],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
}

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// In a fresh process: export the quarter's visits to an XLSX file.
fn export_only(dir: &Path) {
    let service = Service::open_dir(dir).unwrap();
    let idle = status_kb("VmRSS:");
    let req =
        Request { what: What::Visits, period: "2026-10-01..2026-12-31".parse().unwrap(), user: None, lang: Lang::ZhCn };
    let t = Instant::now();
    let mut sink = XlsxSink::new("visits").unwrap();
    let rows = service.export(None, &req, &mut sink).unwrap();
    let out = dir.join("visits.xlsx");
    sink.save(&out).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "| export the visits of a quarter for 100 reps as XLSX | {rows} rows in {secs:.2} s | peak RSS {:.0} MB (idle {:.0} MB); file {:.1} MB |",
        status_kb("VmHWM:") as f64 / 1024.0,
        idle as f64 / 1024.0,
        std::fs::metadata(&out).unwrap().len() as f64 / 1e6
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--export-only") {
        export_only(Path::new(&args[i + 1]));
        return;
    }
    if args.iter().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    build(dir.path());
    eprintln!("built 250,000 visits in {:.1} s", t.elapsed().as_secs_f64());
    println!("\n| what | result | |\n|---|---|---|");
    let status = Command::new(std::env::current_exe().unwrap()).arg("--export-only").arg(dir.path()).status().unwrap();
    assert!(status.success());
}
