//! An acknowledged write survives kill -9: a child process logs followups as fast as it can and
//! prints each id once `log_followup` has returned; the parent kills it with SIGKILL mid-stream and
//! then finds every printed id in the store.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use fieldreport_core::store::FollowupFilter;
use fieldreport_core::Store;

const CHILD_ENV: &str = "FIELDREPORT_DURABILITY_CHILD_DB";

/// The child half: runs only when the parent re-executes this test binary with the env var set.
#[test]
fn durability_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let mut s = Store::open(&path).unwrap();
    let c = s.list_customers(None).unwrap()[0].id.clone();
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let id = followup(&mut s, &c, i, &format!("note {i}"));
        writeln!(out, "ACK {id}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    {
        let mut s = Store::open(&path).unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        customer(&mut s, "Acme");
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "durability_child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked = Vec::new();
    let reader = BufReader::new(child.stdout.take().unwrap());
    for line in reader.lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.to_string());
            if acked.len() == 200 {
                child.kill().unwrap(); // SIGKILL on Unix
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(acked.len(), 200, "the child wrote fewer followups than expected");

    let s = Store::open(&path).unwrap();
    let stored: std::collections::HashSet<String> =
        s.list_followups(&FollowupFilter::default()).unwrap().into_iter().map(|r| r.id).collect();
    for id in &acked {
        assert!(stored.contains(id), "acknowledged followup {id} was lost");
        s.record(id).unwrap();
    }
    assert!(s.verify().unwrap().is_empty(), "no document was torn");
}
