//! The storage conformance suite (`store::conformance`) against every backend, each case a test
//! of its own, each database opened by URL as an operator names it.

use std::sync::OnceLock;

use fieldreport_server::store::conformance::Harness;
use fieldreport_server::store::postgres::test_cluster;

/// SQLite: each database a data directory of its own (`sqlite://DIR`).
struct Sqlite;

impl Harness for Sqlite {
    fn fresh_url(&self) -> String {
        static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
        let root = ROOT.get_or_init(|| tempfile::tempdir().expect("a temporary directory"));
        format!("sqlite://{}", root.path().join(uuid::Uuid::now_v7().simple().to_string()).display())
    }
}

/// PostgreSQL: each database of its own on the test cluster.
struct Postgres;

impl Harness for Postgres {
    fn fresh_url(&self) -> String {
        test_cluster::new_database()
    }
}

/// PostgreSQL through a role that must give its password (`postgres://role:password@…`), as an
/// operator's database usually is.
struct PostgresWithPassword;

impl Harness for PostgresWithPassword {
    fn fresh_url(&self) -> String {
        test_cluster::new_database_with_password()
    }
}

mod sqlite {
    fieldreport_server::conformance_tests!(super::Sqlite);
}

mod postgres {
    fieldreport_server::conformance_tests!(super::Postgres);
}

mod postgres_with_password {
    fieldreport_server::conformance_tests!(super::PostgresWithPassword);
}

/// The password is really asked for: the same role with a wrong one is refused (on the test
/// cluster, whose `pg_hba.conf` asks these roles for one; a server named by
/// `FIELDREPORT_TEST_DATABASE_URL` may trust everyone, and is not judged).
#[test]
fn a_wrong_password_is_refused() {
    let url = test_cluster::new_database_with_password();
    let wrong = url.replacen(":pw", ":not-the-pw", 1);
    assert_ne!(wrong, url, "{url} names its password");
    let location = fieldreport_server::store::Location::url(&wrong).unwrap();
    let opened = fieldreport_server::service::Store::open(&location);
    if test_cluster::checks_passwords() {
        let err = opened.err().expect("a wrong password is refused").to_string();
        assert!(err.contains("cannot connect"), "{err}");
        assert!(!err.contains("not-the-pw"), "the password stays out of messages: {err}");
    }
}
