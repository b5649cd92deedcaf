//! The `fieldreport` command-line contract: commands, JSON keys and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const NOW: &str = "2026-11-23T10:00:00+08:00";

struct Device {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("device.db");
        let d = Device { _dir: dir, db };
        d.ok(&["init", "--user", "rep-1", "--team", "team-1"]);
        d
    }

    fn run(&self, args: &[&str]) -> Output {
        run_with(&self.db, args)
    }

    /// Runs with `--json` and expects success.
    fn ok(&self, args: &[&str]) -> Value {
        let mut full = vec!["--json", "--now", NOW];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Expects exit code `code` with a one-line message on stderr, and returns that line.
    fn fails(&self, code: i32, args: &[&str]) -> String {
        let mut full = vec!["--now", NOW];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "one line on stderr, got {err:?}");
        assert!(out.stdout.is_empty(), "nothing on stdout on failure");
        err
    }

    fn count(&self, args: &[&str]) -> usize {
        self.ok(args).as_array().unwrap().len()
    }
}

fn run_with(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldreport")).arg("--db").arg(db).args(args).output().unwrap()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

#[test]
fn the_core_tour_works_with_json_output() {
    let d = Device::new();
    let c = id(&d.ok(&["customer", "add", "--name", "上海华为", "--level", "A"]));
    let other = id(&d.ok(&["customer", "add", "--name", "Acme"]));
    let found = d.ok(&["customer", "list", "--search", "华为"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], c.as_str());
    assert_eq!(found[0]["level"], "A");

    let deal = id(&d.ok(&["deal", "add", "--customer", &c, "--title", "服务器", "--amount", "12000.00"]));
    d.ok(&["deal", "stage", &deal, "proposal"]);
    let deals = d.ok(&["deal", "list", "--stage", "proposal"]);
    assert_eq!(deals[0]["id"], deal.as_str());
    assert_eq!(deals[0]["amount"], "12000.00");
    assert_eq!(deals[0]["amount_minor"], 1_200_000);
    assert_eq!(d.count(&["deal", "list", "--stage", "lead"]), 0);

    let v = d.ok(&[
        "visit",
        "log",
        "--customer",
        &c,
        "--deal",
        &deal,
        "--kind",
        "visit",
        "--note",
        "见了张总 🚀",
        "--next-step",
        "周五报价",
        "--at",
        "2026-11-23T09:00:00+08:00",
        "--lat",
        "31.23",
        "--lon",
        "121.47",
    ]);
    let visit = id(&v);
    d.ok(&[
        "visit",
        "log",
        "--customer",
        &other,
        "--kind",
        "call",
        "--note",
        "电话",
        "--at",
        "2026-11-16T09:00:00+08:00",
    ]);

    let today = d.ok(&["visit", "list", "--period", "today"]);
    let row = &today[0];
    for key in ["id", "customer_id", "customer_name", "kind", "note", "next_step", "occurred_at"] {
        assert!(row.get(key).is_some(), "followup JSON has {key}");
    }
    assert_eq!(row["customer_name"], "上海华为");
    assert_eq!(row["note"], "见了张总 🚀");
    assert_eq!(row["next_step"], "周五报价");
    assert_eq!(row["occurred_at"], "2026-11-23T09:00:00+08:00");
    assert_eq!(row["lat"], 31.23);
    assert_eq!(d.count(&["visit", "list", "--period", "last-week"]), 1);
    assert_eq!(d.count(&["visit", "list", "--period", "2026-11-01..2026-11-30"]), 2);
    assert_eq!(d.count(&["visit", "list", "--customer", &c]), 1);

    let edited = d.ok(&["visit", "edit", &visit, "--note", "见了张总和李工 🚀"]);
    assert_eq!(edited["note"], "见了张总和李工 🚀");
    d.ok(&["visit", "delete", &visit]);
    assert_eq!(d.count(&["visit", "list", "--period", "today"]), 0);
    d.ok(&["visit", "restore", &visit]);
    assert_eq!(d.count(&["visit", "list", "--period", "today"]), 1);

    let k = id(&d.ok(&["contract", "add", "--customer", &c, "--amount", "50000", "--signed-on", "2026-11-20"]));
    let p = d.ok(&["payment", "add", "--contract", &k, "--amount", "20000.50", "--received-on", "2026-11-23"]);
    assert!(p.get("id").is_some());
    let payments = d.ok(&["payment", "list"]);
    assert_eq!(payments[0]["amount"], "20000.50");
    assert_eq!(d.count(&["contract", "list"]), 1);
}

#[test]
fn bad_input_exits_2_with_one_line_and_writes_nothing() {
    let d = Device::new();
    let c = id(&d.ok(&["customer", "add", "--name", "Acme"]));
    let before = d.count(&["visit", "list"]);
    let unknown = "01900000-0000-7000-8000-000000000000";
    let long = "长".repeat(20_001);
    let cases: Vec<Vec<&str>> = vec![
        vec!["visit", "log", "--customer", unknown, "--note", "x"],
        vec!["visit", "log", "--customer", "nope", "--note", "x"],
        vec!["visit", "log", "--customer", &c, "--note", &long],
        vec!["visit", "log", "--customer", &c, "--note", "x", "--lat", "91", "--lon", "0"],
        vec!["visit", "log", "--customer", &c, "--note", "x", "--lat", "30"],
        vec!["visit", "log", "--customer", &c, "--note", "x", "--at", "yesterday-ish"],
        vec!["visit", "log", "--customer", &c, "--note", "x", "--kind", "telepathy"],
        vec!["visit", "edit", unknown, "--note", "x"],
        vec!["visit", "list", "--period", "2026-13-01..2026-13-02"],
        vec!["visit", "list", "--period", "2026-11-30..2026-11-01"],
        vec!["deal", "add", "--customer", &c, "--title", "t", "--amount", "-1"],
        vec!["deal", "add", "--customer", &c, "--title", "t", "--amount", "abc"],
        vec!["deal", "add", "--customer", &c, "--title", "t", "--amount", "1", "--stage", "maybe"],
        vec!["contract", "add", "--customer", &c, "--amount", "1", "--signed-on", "2026-02-30"],
        vec!["payment", "add", "--contract", unknown, "--amount", "1"],
        vec!["customer", "add", "--name", "x", "--level", "Z"],
        vec!["frobnicate"],
        vec!["visit", "log", "--customer", &c],
    ];
    for args in cases {
        let msg = d.fails(2, &args);
        assert!(msg.starts_with("error: "), "{args:?}: {msg}");
    }
    assert_eq!(d.count(&["visit", "list"]), before);
    assert_eq!(d.count(&["deal", "list"]), 0);
    assert_eq!(d.count(&["contract", "list"]), 0);
    assert_eq!(d.count(&["customer", "list"]), 1);
}

#[test]
fn messages_say_what_was_wrong() {
    let d = Device::new();
    let c = id(&d.ok(&["customer", "add", "--name", "Acme"]));
    assert!(d.fails(2, &["deal", "add", "--customer", &c, "--title", "t", "--amount", "-5"]).contains("negative"));
    assert!(d
        .fails(2, &["contract", "add", "--customer", &c, "--amount", "1", "--signed-on", "20261120"])
        .contains("YYYY-MM-DD"));
    let long = "x".repeat(20_001);
    assert!(d.fails(2, &["visit", "log", "--customer", &c, "--note", &long]).contains("20000"));
}

#[test]
fn commands_before_init_and_without_db_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with(&dir.path().join("x.db"), &["customer", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("init"));
    let out = Command::new(env!("CARGO_BIN_EXE_fieldreport")).args(["customer", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db"));
}

#[test]
fn a_damaged_record_is_named_while_the_rest_stays_usable() {
    let d = Device::new();
    let c = id(&d.ok(&["customer", "add", "--name", "Acme"]));
    let v = id(&d.ok(&["visit", "log", "--customer", &c, "--note", "fine"]));
    let raw = rusqlite::Connection::open(&d.db).unwrap();
    raw.execute("UPDATE documents SET bytes = x'00' WHERE id = ?1", [&v]).unwrap();
    drop(raw);
    let out = d.run(&["visit", "edit", &v, "--note", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&v));
    assert_eq!(d.count(&["visit", "list"]), 1);
    assert_eq!(d.count(&["customer", "list"]), 1);
    let out = d.run(&["--json", "doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["damaged"][0]["id"], v.as_str());
}

#[test]
fn a_newer_database_is_refused_with_a_clear_message() {
    let d = Device::new();
    let raw = rusqlite::Connection::open(&d.db).unwrap();
    raw.pragma_update(None, "user_version", 42).unwrap();
    drop(raw);
    let out = d.run(&["customer", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer"));
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "this is not sqlite, just some text that is long enough to have a header").unwrap();
    let out = run_with(&path, &["customer", "list"]);
    // A damaged device database is a failure of the device, not of the command line: exit 1,
    // and the message says where to go next.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot open") && err.contains("doctor"), "{err}");
    let out = run_with(&path, &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("enroll this device again"));
}

#[test]
fn a_truncated_database_exits_1_naming_doctor() {
    let d = Device::new();
    for i in 0..200 {
        d.ok(&["customer", "add", "--name", &format!("客户 {i}")]);
    }
    let bytes = std::fs::read(&d.db).unwrap();
    std::fs::write(&d.db, &bytes[..bytes.len() / 3]).unwrap();
    let _ = std::fs::remove_file(d.db.with_extension("db-wal"));
    let out = d.run(&["customer", "list"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("doctor"));
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    let d = Device::new();
    for i in 0..50 {
        d.ok(&["customer", "add", "--name", &format!("客户 {i}")]);
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fieldreport"))
        .args(["--db", d.db.to_str().unwrap(), "--json", "customer", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head -0`: the reader is gone before the first line
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
