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
use fieldreport_core::doc::{CheckIn, Customer, FollowupKind, Header, Kind, NewCustomer, NewFollowup, Record};
use fieldreport_core::period::Calendar;
use fieldreport_core::report::Lang;
use fieldreport_core::Store as DeviceStore;
use fieldreport_server::export::{Request, What, XlsxSink};
use fieldreport_server::service::{views, Store};
use fieldreport_server::store::db::NewDoc;
use fieldreport_server::{Location, Service};

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
    let mut s = DeviceStore::open_in_memory().unwrap();
    s.init("rep", "team", "Asia/Shanghai", "monday").unwrap();
    let c = s.add_customer(NewCustomer { name: "客户".into(), ..Default::default() }).unwrap().header.id;
    let start = quarter_start();
    let pool: Vec<(Vec<u8>, fieldreport_core::doc::Followup)> = (0..1000)
        .map(|i| {
            let at = start + (i as i64 * 7_919_000) % (92 * DAY);
            let mut new =
                NewFollowup::new(&c, FollowupKind::ALL[i % 5], at, "拜访客户，沟通方案与报价，确认下周演示的时间。");
            new.next_step = "下周回访，带上合同草稿".into();
            new.checkin = Some(CheckIn { lat: 31.23 + (i % 7) as f64 * 1e-3, lon: 121.47, accuracy: Some(12.0), at });
            let id = s.log_followup(new).unwrap().header.id;
            let mut doc = s.document(&id).unwrap();
            let Record::Followup(f) = Record::read(&doc).unwrap() else { unreachable!("a followup") };
            (doc.save_uncompressed(), f)
        })
        .collect();

    // Stored as a merge stores them, through the store: the customers' index rows, each visit's
    // document with its typed view and its index row.
    let store = Store::open(&Location::Dir(dir.to_path_buf())).unwrap();
    store
        .write(move |db| {
            for i in 0..CUSTOMERS {
                let header = Header {
                    kind: Kind::Customer,
                    id: format!("c-{i}"),
                    team: "team".into(),
                    owner: reps[i % REPS].clone(),
                    created_at: 0,
                    schema: 1,
                    deleted: false,
                };
                let customer = Customer {
                    header,
                    name: format!("客户{i:04}有限公司"),
                    level: None,
                    contacts: Vec::new(),
                    address: None,
                    location: Some((31.23, 121.47)),
                    tags: Vec::new(),
                };
                db.index_customer(&customer)?;
            }
            for chunk in (0..VISITS).collect::<Vec<_>>().chunks(5_000) {
                let mut visits = Vec::with_capacity(chunk.len());
                for &i in chunk {
                    let (bytes, f) = &pool[i % pool.len()];
                    let mut f = f.clone();
                    f.header.id = uuid::Uuid::now_v7().to_string();
                    f.header.owner = reps[i % REPS].clone();
                    // Each visit names one of the indexed customers.
                    f.customer_id = format!("c-{}", i % CUSTOMERS);
                    f.occurred_at = start + (i as i64 * 31_771) % (92 * DAY);
                    let view = views::encode(&Record::Followup(f.clone())).expect("a followup has a view");
                    visits.push((i, bytes, f, view));
                }
                let docs: Vec<NewDoc> = visits
                    .iter()
                    .map(|(i, bytes, f, view)| NewDoc {
                        id: &f.header.id,
                        kind: "followup",
                        owner: &f.header.owner,
                        bytes,
                        heads: b"",
                        seq: *i as i64 + 1,
                        now: 0,
                        view: Some(view),
                        view_format: Some(views::VIEW_FORMAT),
                    })
                    .collect();
                db.put_docs(&docs)?;
                for (_, _, f, _) in &visits {
                    db.index_followup(f)?;
                }
            }
            Ok(())
        })
        .unwrap();
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
    let req = Request {
        what: What::Visits,
        period: "2026-10-01..2026-12-31".parse().unwrap(),
        user: None,
        dept: None,
        lang: Lang::ZhCn,
    };
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
