//! Footprint figures criterion does not measure: saved document size, and peak RSS of a process
//! that opens a store of 50,000 followups and lists a week.
//! Run: `cargo bench -p fieldreport-core --bench footprint`

mod support;

use std::process::Command;

use fieldreport_core::period::Period;
use fieldreport_core::store::FollowupFilter;
use fieldreport_core::Store;
use support::*;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    if std::env::args().any(|a| a == "--child-open") {
        let t = std::time::Instant::now();
        let mut s = Store::open(big_store()).unwrap();
        s.set_now(Some(now()));
        let cal = s.calendar().unwrap();
        let week = FollowupFilter { range: Some(cal.resolve(Period::ThisWeek, now())), ..Default::default() };
        let n = s.list_followups(&week).unwrap().len();
        println!("{} {} {}", t.elapsed().as_micros(), n, peak_rss_kib());
        return;
    }
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return; // `cargo test --benches` probes bench targets; nothing to list here.
    }

    let mut s = Store::open_in_memory().unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let customers = fill(&mut s, 1, 0);
    for (label, chinese) in [("English", false), ("Chinese", true)] {
        let f = s.log_followup(typical_followup(&customers[0], now(), chinese)).unwrap();
        let bytes = s.document(&f.header.id).unwrap().save().len();
        let utf8 = note_300(chinese).len();
        println!("typical followup document, 300-character {label} note ({utf8} bytes of UTF-8): {bytes} bytes saved");
    }

    big_store();
    let exe = std::env::current_exe().unwrap();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let out = Command::new(&exe).arg("--child-open").output().unwrap();
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let v: Vec<u64> = line.split(' ').filter_map(|x| x.parse().ok()).collect();
        runs.push(v);
    }
    runs.sort_by_key(|v| v[0]);
    let median = &runs[runs.len() / 2];
    println!(
        "fresh process: open a store of 50,000 followups and list this week ({} rows): {:.1} ms (median of 5), peak RSS {:.1} MB",
        median[1],
        median[0] as f64 / 1000.0,
        median[2] as f64 / 1024.0
    );
}
