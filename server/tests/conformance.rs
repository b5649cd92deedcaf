//! The storage conformance suite (`store::conformance`) against every backend.

use fieldreport_server::store::conformance::{Harness, ALL};
use fieldreport_server::store::postgres::{test_cluster, PgBackend};
use fieldreport_server::store::{sqlite::SqliteBackend, Store};

/// SQLite: each store a data directory of its own; another process opens the same directory.
struct Sqlite {
    dirs: std::sync::Mutex<Vec<tempfile::TempDir>>,
}

impl Harness for Sqlite {
    fn fresh(&self) -> Store {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(std::sync::Arc::new(SqliteBackend::open(dir.path()).unwrap()));
        self.dirs.lock().unwrap().push(dir);
        store
    }

    fn another(&self, of: &Store) -> Store {
        let path = std::path::PathBuf::from(of.describe());
        Store::new(std::sync::Arc::new(SqliteBackend::open(path.parent().unwrap()).unwrap()))
    }
}

#[test]
fn sqlite_passes_the_conformance_suite() {
    let h = Sqlite { dirs: Default::default() };
    for (name, test) in ALL {
        eprintln!("sqlite: {name}");
        test(&h);
    }
}

/// PostgreSQL: each store a database of its own; another process connects to the same one.
struct Postgres;

impl Harness for Postgres {
    fn fresh(&self) -> Store {
        Store::new(std::sync::Arc::new(PgBackend::open(&test_cluster::new_database()).unwrap()))
    }

    fn another(&self, of: &Store) -> Store {
        Store::new(std::sync::Arc::new(PgBackend::open(&of.describe()).unwrap()))
    }
}

#[test]
fn postgres_passes_the_conformance_suite() {
    for (name, test) in ALL {
        eprintln!("postgres: {name}");
        test(&Postgres);
    }
}
