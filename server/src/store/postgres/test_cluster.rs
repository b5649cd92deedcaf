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

/// The group whose members the test cluster asks for a password (see `scripts/pg-test-cluster`).
const PASSWORD_GROUP: &str = "fieldreport_password_roles";

/// Whether the server checks the passwords of [`new_database_with_password`]'s roles: the test
/// cluster does; a server named by `FIELDREPORT_TEST_DATABASE_URL` is not known to.
pub fn checks_passwords() -> bool {
    std::env::var("FIELDREPORT_TEST_DATABASE_URL").map_or(true, |u| u.trim().is_empty())
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
    let mut roles = Vec::new();
    let _ = conn.each("SELECT rolname FROM pg_roles WHERE rolname LIKE 'fr\\_pw\\_%'", &[], &mut |r| {
        roles.push(r.text(0)?);
        Ok(())
    });
    for role in roles {
        let _ = conn.script(&format!("DROP ROLE IF EXISTS {role}"));
    }
}

/// A new, empty database; returns its URL.
pub fn new_database() -> String {
    create_database(&admin_url(), "fr")
}

/// A new, empty database named `PREFIX_…` on the server `admin` names (a role that may create
/// databases); returns its URL.
pub fn create_database(admin: &str, prefix: &str) -> String {
    let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let conn = PgConn::connect(admin).expect("the PostgreSQL server answers");
    conn.script(&format!("CREATE DATABASE {name}")).expect("a database is created");
    with_database(admin, &name)
}

/// A new, empty database owned by a new role that logs in with a password; returns its URL
/// (`postgres://ROLE:PASSWORD@…/DATABASE`; the password starts with `pw`).
pub fn new_database_with_password() -> String {
    let admin = admin_url();
    let id = uuid::Uuid::now_v7().simple().to_string();
    let (role, name) = (format!("fr_pw_{id}"), format!("fr_{id}"));
    let mut secret = [0u8; 12];
    getrandom::fill(&mut secret).expect("random bytes");
    let password = format!("pw{}", hex::encode(secret));
    let conn = PgConn::connect(&admin).expect("the test PostgreSQL answers");
    // Made by whichever test gets here first.
    let _ = conn.script(&format!(
        "DO $$ BEGIN CREATE ROLE {PASSWORD_GROUP} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    ));
    conn.script(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {PASSWORD_GROUP}"))
        .expect("a test role is created");
    conn.script(&format!("CREATE DATABASE {name} OWNER {role}")).expect("a test database is created");
    let url = with_database(&admin, &name);
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{role}:{password}@{host}")
}

/// `admin` (a server's URL) with its database replaced by `name`.
fn with_database(admin: &str, name: &str) -> String {
    match admin.rfind('/') {
        Some(at) if !admin[at + 1..].contains('@') => format!("{}/{name}", &admin[..at]),
        _ => format!("{admin}/{name}"),
    }
}
