//! A device database for CLI tests: runs `fieldreport --db … --now …` and checks the contract
//! (JSON on success; exit code and one line on stderr, nothing on stdout, on failure).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

pub struct Device {
    _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub now: &'static str,
}

impl Device {
    /// A device initialized for `user` of `team-1`, whose clock reads `now`.
    pub fn new(user: &str, now: &'static str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("device.db");
        let d = Device { _dir: dir, db, now };
        d.ok(&["init", "--user", user, "--team", "team-1"]);
        d
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fieldreport"))
            .arg("--db")
            .arg(&self.db)
            .args(["--now", self.now])
            .args(args)
            .output()
            .unwrap()
    }

    /// Runs with `--json` and expects success.
    pub fn ok(&self, args: &[&str]) -> Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs for people and expects success.
    pub fn text(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Expects exit code `code` with one line on stderr and nothing on stdout; returns the line.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line on stderr, got {err:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout on failure");
        err
    }

    /// The exit code, checking one line on stderr.
    pub fn exit(&self, args: &[&str]) -> i32 {
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line on stderr, got {err:?}");
        out.status.code().unwrap()
    }
}

/// The `id` of a JSON record.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}
