//! PostgreSQL for tests and benchmarks: `FIELDREPORT_TEST_DATABASE_URL` when set (a role that may
//! create databases), else the throwaway cluster `scripts/pg-test-cluster` starts under target/.
//! Each caller gets a database of its own.

use std::sync::OnceLock;

use super::PgConn;
use crate::store::Conn;

/// The URL of a database on a server where new databases can be created.
pub fn admin_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("FIELDREPORT_TEST_DATABASE_URL") {
            if !url.trim().is_empty() {
                return url.trim().to_string();
            }
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/pg-test-cluster");
        let out = std::process::Command::new(script).output().expect("scripts/pg-test-cluster runs");
        assert!(out.status.success(), "scripts/pg-test-cluster failed: {}", String::from_utf8_lossy(&out.stderr));
        let url = String::from_utf8(out.stdout).expect("a URL").trim().to_string();
        drop_old_databases(&url);
        url
    })
    .clone()
}

/// Drops the databases earlier test processes made (test binaries run one after another; a
/// database still in use is left alone), so that the throwaway cluster does not grow without end.
fn drop_old_databases(admin: &str) {
    let Ok(conn) = PgConn::connect(admin) else { return };
    let mut names = Vec::new();
    let _ = conn.each("SELECT datname FROM pg_database WHERE datname LIKE 'fr\\_%'", &[], &mut |r| {
        names.push(r.text(0)?);
        Ok(())
    });
    for name in names {
        let _ = conn.script(&format!("DROP DATABASE IF EXISTS {name}"));
    }
}

/// A new, empty database; returns its URL.
pub fn new_database() -> String {
    let admin = admin_url();
    let name = format!("fr_{}", uuid::Uuid::now_v7().simple());
    let conn = PgConn::connect(&admin).expect("the test PostgreSQL answers");
    conn.script(&format!("CREATE DATABASE {name}")).expect("a test database is created");
    match admin.rfind('/') {
        Some(at) if !admin[at + 1..].contains('@') => format!("{}/{name}", &admin[..at]),
        _ => format!("{admin}/{name}"),
    }
}
